"""Tests of cs231n.features: the per-image HOG and hue-histogram features against the
independent references of feature_references.py, cases worked out by hand, extract_features
(the course's loop and the batched default) and bad input. The batch functions of
cs231n.tools.batch_features have their own tests (test_batch_features.py)."""
import numpy as np
import pytest

from cs231n.features import color_histogram_hsv, extract_features, hog_feature, rgb2gray
from feature_references import (ATOL, RTOL, cifar_like_images, reference_hog,
                                reference_hue_histogram)


@pytest.mark.parametrize("shape", [(32, 32), (30, 30), (32, 40), (40, 32), (8, 8), (17, 9)])
def test_hog_matches_reference_on_random_images(shape):
    rng = np.random.default_rng(shape[0] * 100 + shape[1])
    imgs = rng.uniform(0, 255, (2,) + shape + (3,))
    imgs[1] = np.round(imgs[1])  # integer-valued, as CIFAR-10
    for im in imgs:
        feat = hog_feature(im)
        assert feat.shape == ((shape[0] // 8) * (shape[1] // 8) * 9,) and feat.dtype == np.float64
        np.testing.assert_allclose(feat, reference_hog(im), rtol=RTOL, atol=ATOL)


def test_hog_of_a_grayscale_image_and_of_cifar_like_images_match_reference():
    gray = np.random.default_rng(1).uniform(0, 255, (24, 32))
    np.testing.assert_allclose(hog_feature(gray), reference_hog(gray), rtol=RTOL, atol=ATOL)
    for im in cifar_like_images(3, (32, 40), seed=40):
        np.testing.assert_allclose(hog_feature(im), reference_hog(im), rtol=RTOL, atol=ATOL)


def test_hue_histogram_matches_reference():
    rng = np.random.default_rng(7)
    imgs = np.concatenate([cifar_like_images(2, (30, 30), seed=3).astype(np.float64),
                           rng.uniform(0, 255, (1, 30, 30, 3))])
    for kwargs in ({}, {"nbin": 1}, {"nbin": 20}, {"nbin": 10, "normalized": False},
                   {"nbin": 5, "xmin": 40, "xmax": 255}, {"nbin": 30, "xmin": 100, "xmax": 300}):
        for im in imgs:
            np.testing.assert_allclose(color_histogram_hsv(im, **kwargs),
                                       reference_hue_histogram(im, **kwargs), rtol=RTOL, atol=ATOL)


def test_rgb2gray_uses_the_courses_weights_in_float64():
    rgb = np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255], [10, 20, 30]]], dtype=np.uint8)
    gray = rgb2gray(rgb.astype(np.float32))
    assert gray.dtype == np.float64
    np.testing.assert_allclose(gray, [[0.299 * 255, 0.587 * 255, 0.144 * 255,
                                       2.99 + 11.74 + 4.32]], rtol=1e-12)


@pytest.mark.cifar
def test_features_of_real_cifar_images_match_references(cifar_dir):
    from cs231n.data_utils import load_CIFAR_batch

    X, _ = load_CIFAR_batch(cifar_dir / "test_batch", dtype=np.uint8)
    imgs = X[:: 1000]  # 10 images
    feats = extract_features(imgs, [hog_feature, color_histogram_hsv])
    assert feats.shape == (10, 154)
    for k in range(len(imgs)):
        np.testing.assert_allclose(feats[k, :144], reference_hog(imgs[k]), rtol=RTOL, atol=ATOL)
        np.testing.assert_allclose(feats[k, 144:], reference_hue_histogram(imgs[k]),
                                   rtol=RTOL, atol=ATOL)


# ----------------------------------------------------------------------------------------
# extract_features
# ----------------------------------------------------------------------------------------

def test_extract_features_the_courses_loop_and_the_batched_default_agree():
    imgs = cifar_like_images(23, seed=2)
    fns = [hog_feature, color_histogram_hsv]
    batched = extract_features(imgs, fns, chunk_size=5)  # chunks of 5, 5, 5, 5, 3
    looped = extract_features(imgs, fns, batched=False)
    # the course's notebook passes the colour histogram as a lambda: run image by image
    course = extract_features(imgs, [hog_feature, lambda img: color_histogram_hsv(img, nbin=10)])
    by_hand = np.array([np.concatenate([hog_feature(im), color_histogram_hsv(im)]) for im in imgs])
    assert batched.shape == looped.shape == (23, 154)
    for other in (looped, course, by_hand):
        np.testing.assert_allclose(batched, other, rtol=1e-12, atol=1e-12)


def test_extract_features_the_courses_loop_prints_its_progress(capsys):
    imgs = np.zeros((1000, 8, 8, 3), dtype=np.uint8)
    imgs[:, 0, 0] = np.arange(1000)[:, None] % 256
    feats = extract_features(imgs, [lambda im: im[0, 0, :2]], verbose=True, batched=False)
    np.testing.assert_array_equal(feats, imgs[:, 0, 0, :2])
    assert capsys.readouterr().out == "Done extracting features for 1000 / 1000 images\n"


@pytest.mark.parametrize("batched", [True, False])
def test_extract_features_rejects_bad_input(batched):
    ok = np.zeros((2, 32, 32, 3))
    nan = ok.copy()
    nan[1, 3, 4, 1] = np.nan
    for imgs, fns, match in [
            (np.zeros((32, 32, 3)), [hog_feature], r"\(N, H, W, 3\).*one image"),
            (np.zeros((0, 32, 32, 3)), [hog_feature], "no images"),
            (np.zeros((2, 4, 32, 3)), [hog_feature], "at least 8x8"),
            (nan, [lambda im: im.ravel()[:2]], "NaN"),
            (ok, [], "empty"),
            (ok, [lambda im: im], "1-D"),
            (ok, [42], "functions")]:
        with pytest.raises(ValueError, match=match):
            extract_features(imgs, fns, batched=batched)


# ----------------------------------------------------------------------------------------
# Cases worked out by hand
# ----------------------------------------------------------------------------------------

def test_constant_image_has_no_gradient_so_all_hog_bins_are_zero():
    # gx = gy = 0 everywhere, so every magnitude is 0 and every bin (a mean of magnitudes) is 0.
    feat = hog_feature(np.full((32, 32, 3), 123.0))
    assert feat.shape == (144,)
    np.testing.assert_array_equal(feat, np.zeros(144))


def test_vertical_edge_puts_its_weight_in_the_horizontal_gradient_bin():
    # Columns 0..15 black, 16..31 white. Gray of white = 255 * (0.299 + 0.587 + 0.144)
    # = 262.65. Only column 15 has a gradient: gx = 262.65 (white minus black), gy = 0.
    # Its orientation is arctan2(0, 262.65) = 0 degrees, + 90 = 90: bin 4 ([80, 100)),
    # the bin of horizontal gradients (a vertical edge). Column 15 is the last column of
    # cell column cx = 1, so each of the 4 cells (cx = 1, cy = 0..3) holds 8 such pixels
    # among its 64: bin 4 = 8 * 262.65 / 64 = 32.83125; every other value is 0.
    im = np.zeros((32, 32, 3))
    im[:, 16:] = 255
    hist = hog_feature(im).reshape(4, 4, 9)  # (cell x, cell y, bin)
    expected = np.zeros((4, 4, 9))
    expected[1, :, 4] = 8 * 262.65 / 64
    np.testing.assert_allclose(hist, expected, rtol=1e-12, atol=1e-12)


def test_the_courses_hog_ignores_gradients_pointing_left_and_strong_vertical_ones():
    # The orientation arctan2(gy, gx + 1e-15) * 180 / pi + 90 ranges over -90..270, but the
    # bins only cover 0..180: a white-to-black edge (gx = -262.65 < 0) has orientation
    # 180 + 90 = 270 and lands in no bin.
    im = np.zeros((32, 32, 3))
    im[:, :16] = 255
    np.testing.assert_array_equal(hog_feature(im), np.zeros(144))
    # A horizontal edge (gx = 0 exactly, gy = +-262.65): arctan2(+-262.65, 1e-15) rounds to
    # exactly +-pi/2, so the orientation is exactly 180 (excluded: bins are < 180) or 0
    # (excluded: the course requires orientation > 0).
    for top, bottom in ((0, 255), (255, 0)):
        im = np.full((32, 32, 3), float(bottom))
        im[:16] = top
        np.testing.assert_array_equal(hog_feature(im), np.zeros(144))
    # A weak one (gy = 1) has orientation 180 - 6e-14 and counts in bin 8.
    im = np.zeros((32, 32))
    im[16:] = 1.0
    hist = hog_feature(im).reshape(4, 4, 9)
    assert np.count_nonzero(hist) == 4 and np.allclose(hist[:, 1, 8], 8 / 64)


@pytest.mark.parametrize("colour, hue_bin", [
    ((255, 0, 0), 0),    # red: hue 0 -> 0 * 255 = 0, bin 0 ([0, 25.5))
    ((0, 255, 0), 3),    # green: hue 1/3 -> 85, bin 3 ([76.5, 102))
    ((0, 0, 255), 6),    # blue: hue 2/3 -> 170, bin 6 ([153, 178.5))
    ((255, 0, 255), 8),  # magenta: hue 5/6 -> 212.5, bin 8 ([204, 229.5))
    ((128, 128, 128), 0),  # gray: no hue (delta = 0), hue 0 by convention, bin 0
])
def test_single_colour_images_put_all_their_hue_in_one_bin(colour, hue_bin):
    im = np.empty((32, 32, 3))
    im[:] = colour
    expected = np.zeros(10)
    expected[hue_bin] = 1.0  # normalized: the fraction of the pixels in each bin
    np.testing.assert_allclose(color_histogram_hsv(im), expected, rtol=1e-12, atol=1e-12)


def test_unnormalized_histogram_is_counts_times_bin_width():
    im = np.zeros((4, 4, 3))
    im[..., 0] = 255  # 16 red pixels
    np.testing.assert_allclose(color_histogram_hsv(im, normalized=False)[0], 16 * 25.5)


def test_integer_and_float32_images_give_the_same_features():
    imgs = cifar_like_images(2, seed=9)
    for batched in (True, False):
        f64 = extract_features(imgs.astype(np.float64), [hog_feature, color_histogram_hsv],
                               batched=batched)
        for dtype in (np.uint8, np.int32, np.float32):
            other = extract_features(imgs.astype(dtype), [hog_feature, color_histogram_hsv],
                                     batched=batched)
            assert other.dtype == np.float64
            np.testing.assert_allclose(other, f64, rtol=1e-12, atol=1e-12)


# ----------------------------------------------------------------------------------------
# Bad input
# ----------------------------------------------------------------------------------------

IMG = np.zeros((32, 32, 3))


@pytest.mark.parametrize("bad, match", [
    (np.zeros(32), "shape"),
    (np.zeros((32, 32, 4)), "3 colour channels"),
    (np.zeros((32, 32, 1)), "3 colour channels"),
    (np.zeros((2, 32, 32, 3)), "one image"),
    (np.zeros((7, 32)), "at least 8x8"),
    (np.where(np.arange(3) == 1, np.nan, IMG), "NaN"),
    (np.where(np.arange(3) == 1, np.inf, IMG), "NaN or infinity"),
    (np.zeros((32, 32, 3), dtype=bool), "dtype"),
    ("not an image", "dtype"),
])
def test_hog_feature_rejects_bad_input(bad, match):
    with pytest.raises(ValueError, match=match):
        hog_feature(bad)


@pytest.mark.parametrize("bad, kwargs, match", [
    (np.zeros((32, 32)), {}, "shape"),  # grayscale: no hue
    (np.zeros((32, 32, 2)), {}, "3 colour channels"),
    (np.full((32, 32, 3), np.nan), {}, "NaN"),
    (IMG, {"nbin": 0}, "nbin"),
    (IMG, {"nbin": -3}, "nbin"),
    (IMG, {"nbin": 2.5}, "nbin"),
    (np.full((32, 32, 3), 256.0), {}, r"0\.\.xmax"),
    (np.full((32, 32, 3), -1.0), {}, r"0\.\.xmax"),
    (IMG, {"xmin": 300}, "xmin"),
    (IMG, {"xmax": 0}, "xmax"),
    (IMG, {"xmax": np.nan}, "xmax"),
])
def test_color_histogram_hsv_rejects_bad_input(bad, kwargs, match):
    with pytest.raises(ValueError, match=match):
        color_histogram_hsv(bad, **kwargs)
