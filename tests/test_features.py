"""Tests of cs231n.features: HOG and hue-histogram features, one image at a time and batched.

The reference implementations below are written out pixel by pixel and cell by cell in
plain Python (math, no NumPy vector code, nothing from cs231n), following the course's
definition step by step, so that they check the package's vectorised code independently.
Comparisons use explicit tolerances, never bit-for-bit equality.
"""
import functools
import math

import numpy as np
import pytest

from cs231n import features
from cs231n.features import (color_histogram_hsv, color_histograms_hsv, extract_features,
                             hog_feature, hog_features)

RTOL, ATOL = 1e-9, 1e-9  # the feature values are O(1)..O(100); the sums differ in order only


# ----------------------------------------------------------------------------------------
# Independent reference implementations (the course's definitions, loop by loop)
# ----------------------------------------------------------------------------------------

def reference_hog(im):
    """The course's hog_feature, pixel by pixel: returns a list of floats."""
    im = np.asarray(im, dtype=np.float64)
    H, W = im.shape[:2]
    if im.ndim == 3:  # course's rgb2gray: 0.299 R + 0.587 G + 0.144 B
        gray = [[float(im[y, x, 0]) * 0.299 + float(im[y, x, 1]) * 0.587
                 + float(im[y, x, 2]) * 0.144 for x in range(W)] for y in range(H)]
    else:
        gray = [[float(im[y, x]) for x in range(W)] for y in range(H)]
    n_cells_y, n_cells_x = H // 8, W // 8
    # hist[cx][cy][bin]: the course's orientation_histogram, shape (n_cellsx, n_cellsy, 9)
    hist = [[[0.0] * 9 for _ in range(n_cells_y)] for _ in range(n_cells_x)]
    for y in range(n_cells_y * 8):
        for x in range(n_cells_x * 8):
            # forward differences; the last column's gx and the last row's gy are 0
            gx = gray[y][x + 1] - gray[y][x] if x + 1 < W else 0.0
            gy = gray[y + 1][x] - gray[y][x] if y + 1 < H else 0.0
            mag = math.sqrt(gx * gx + gy * gy)
            ori = math.atan2(gy, gx + 1e-15) * (180 / math.pi) + 90
            for i in range(9):
                if 20.0 * i <= ori < 20.0 * (i + 1) and ori > 0:
                    hist[x // 8][y // 8][i] += mag
    return [v / 64 for column in hist for cell in column for v in cell]


def reference_hue_histogram(im, nbin=10, xmin=0, xmax=255, normalized=True):
    """The course's color_histogram_hsv, pixel by pixel (matplotlib's hue formulas)."""
    im = np.asarray(im, dtype=np.float64)
    H, W = im.shape[:2]
    edges = [float(e) for e in np.linspace(xmin, xmax, nbin + 1)]
    counts = [0] * nbin
    for y in range(H):
        for x in range(W):
            r, g, b = (float(im[y, x, k]) / xmax for k in range(3))
            mx, mn = max(r, g, b), min(r, g, b)
            delta = mx - mn
            h = 0.0
            if delta > 0:  # matplotlib.colors.rgb_to_hsv: a later case wins on ties
                if r == mx:
                    h = (g - b) / delta
                if g == mx:
                    h = 2.0 + (b - r) / delta
                if b == mx:
                    h = 4.0 + (r - g) / delta
            v = ((h / 6.0) % 1.0) * xmax
            # np.histogram: [edges[i], edges[i+1]), the last bin closed; outside: dropped
            for i in range(nbin):
                last = i == nbin - 1
                if edges[i] <= v and (v < edges[i + 1] or (last and v <= edges[i + 1])):
                    counts[i] += 1
                    break
    total = sum(counts)
    widths = [edges[i + 1] - edges[i] for i in range(nbin)]
    if normalized:
        return [c / total for c in counts]  # density * width: the fraction of the pixels
    return [c * w for c, w in zip(counts, widths)]


def cifar_like_images(n, shape=(32, 32), seed=0):
    """uint8 RGB images with what natural images have: flat regions (gx = 0 or gy = 0
    exactly), saturated and gray pixels, edges in all directions, and noise."""
    rng = np.random.default_rng(seed)
    H, W = shape
    yy, xx = np.mgrid[0:H, 0:W]
    out = np.empty((n, H, W, 3), dtype=np.uint8)
    for k in range(n):
        img = np.empty((H, W, 3))
        img[:] = rng.integers(0, 256, 3)  # a flat background
        # a few flat rectangles of other colours, some gray, some saturated
        for _ in range(3):
            y0, x0 = rng.integers(0, H), rng.integers(0, W)
            colour = rng.integers(0, 256, 3) if rng.random() < 0.6 else np.full(3, rng.integers(256))
            img[y0:y0 + rng.integers(3, 15), x0:x0 + rng.integers(3, 15)] = colour
        # a diagonal ramp and some noise in part of the image
        angle = rng.uniform(0, 2 * np.pi)
        ramp = (np.cos(angle) * xx + np.sin(angle) * yy) * rng.uniform(1, 8)
        mask = (yy > H // 2)[..., None]
        img = np.where(mask, img + ramp[..., None] + rng.normal(0, 10, img.shape), img)
        out[k] = np.clip(np.round(img), 0, 255).astype(np.uint8)
    return out


# ----------------------------------------------------------------------------------------
# The batch path and the per-image functions against the references
# ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(32, 32), (30, 30), (32, 40), (40, 32), (8, 8), (17, 9)])
def test_hog_matches_reference_on_random_images(shape):
    rng = np.random.default_rng(shape[0] * 100 + shape[1])
    imgs = rng.uniform(0, 255, (3,) + shape + (3,))
    imgs[1] = np.round(imgs[1])  # integer-valued, as CIFAR-10
    batch = hog_features(imgs)
    n_features = (shape[0] // 8) * (shape[1] // 8) * 9
    assert batch.shape == (3, n_features) and batch.dtype == np.float64
    for k in range(3):
        expected = reference_hog(imgs[k])
        np.testing.assert_allclose(batch[k], expected, rtol=RTOL, atol=ATOL)
        np.testing.assert_allclose(hog_feature(imgs[k]), expected, rtol=RTOL, atol=ATOL)


def test_hog_of_a_grayscale_image_matches_reference():
    gray = np.random.default_rng(1).uniform(0, 255, (24, 32))
    np.testing.assert_allclose(hog_feature(gray), reference_hog(gray), rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("shape", [(32, 32), (30, 30), (32, 40)])
def test_hog_matches_reference_on_cifar_like_images(shape):
    imgs = cifar_like_images(4, shape, seed=shape[1])
    batch = hog_features(imgs)
    for k in range(len(imgs)):
        np.testing.assert_allclose(batch[k], reference_hog(imgs[k]), rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("shape", [(32, 32), (30, 30), (32, 40)])
def test_hue_histogram_matches_reference(shape):
    rng = np.random.default_rng(7)
    imgs = np.concatenate([cifar_like_images(3, shape, seed=3).astype(np.float64),
                           rng.uniform(0, 255, (2,) + shape + (3,))])
    # nbin = 20 takes the batch path's other way of counting (binary search, bincount)
    for kwargs in ({}, {"nbin": 1}, {"nbin": 7}, {"nbin": 20}, {"nbin": 10, "normalized": False},
                   {"nbin": 5, "xmin": 40, "xmax": 255}, {"nbin": 30, "xmin": 100, "xmax": 300}):
        batch = color_histograms_hsv(imgs, **kwargs)
        assert batch.shape == (len(imgs), kwargs.get("nbin", 10))
        for k in range(len(imgs)):
            expected = reference_hue_histogram(imgs[k], **kwargs)
            np.testing.assert_allclose(batch[k], expected, rtol=RTOL, atol=ATOL)
            np.testing.assert_allclose(color_histogram_hsv(imgs[k], **kwargs), expected,
                                       rtol=RTOL, atol=ATOL)


def test_hue_histogram_is_the_courses_matplotlib_code():
    # The course's code, verbatim: matplotlib's rgb_to_hsv, np.histogram, times bin widths.
    from matplotlib.colors import rgb_to_hsv

    imgs = cifar_like_images(20, seed=11).astype(np.float64)
    bins = np.linspace(0, 255, 11)
    batch = color_histograms_hsv(imgs)
    for k, im in enumerate(imgs):
        hsv = rgb_to_hsv(im / 255) * 255
        imhist, bin_edges = np.histogram(hsv[:, :, 0], bins=bins, density=True)
        np.testing.assert_allclose(batch[k], imhist * np.diff(bin_edges), rtol=RTOL, atol=ATOL)


def test_hog_against_the_courses_scipy_code():
    ndimage = pytest.importorskip("scipy.ndimage", reason="scipy is not installed (optional)")

    def course_hog(im):  # the course's hog_feature, verbatim but for the grayscale
        # The course's np.dot(im[..., :3], [0.299, 0.587, 0.144]) goes through BLAS, which
        # may round two pixels of the same colour differently (FMA or not): then gx is
        # +-3e-14 instead of 0, and its sign decides whether a weak vertical gradient there
        # counts (see cs231n/features.py). The same sum element by element is exact-repeatable.
        image = im[..., 0] * 0.299 + im[..., 1] * 0.587 + im[..., 2] * 0.144
        sx, sy = image.shape
        orientations, cx, cy = 9, 8, 8
        gx = np.zeros(image.shape)
        gy = np.zeros(image.shape)
        gx[:, :-1] = np.diff(image, n=1, axis=1)
        gy[:-1, :] = np.diff(image, n=1, axis=0)
        grad_mag = np.sqrt(gx ** 2 + gy ** 2)
        grad_ori = np.arctan2(gy, (gx + 1e-15)) * (180 / np.pi) + 90
        n_cellsx, n_cellsy = int(np.floor(sx / cx)), int(np.floor(sy / cy))
        orientation_histogram = np.zeros((n_cellsx, n_cellsy, orientations))
        for i in range(orientations):
            temp_ori = np.where(grad_ori < 180 / orientations * (i + 1), grad_ori, 0)
            temp_ori = np.where(grad_ori >= 180 / orientations * i, temp_ori, 0)
            temp_mag = np.where(temp_ori > 0, grad_mag, 0)
            orientation_histogram[:, :, i] = ndimage.uniform_filter(temp_mag, size=(cx, cy))[
                round(cx / 2)::cx, round(cy / 2)::cy].T
        return orientation_histogram.ravel()

    imgs = np.concatenate([cifar_like_images(10, seed=5).astype(np.float64),
                           np.random.default_rng(5).uniform(0, 255, (5, 32, 32, 3))])
    batch = hog_features(imgs)
    for k, im in enumerate(imgs):
        # scipy's running sums leave ~1e-13 where the exact cell mean is 0
        np.testing.assert_allclose(batch[k], course_hog(im), rtol=1e-9, atol=1e-9)


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


def test_orientation_bins_follow_the_courses_comparisons_at_the_edges():
    # bin i iff 20 i <= ori < 20 (i + 1) and ori > 0; 9 means "in no bin"
    edges = 20.0 * np.arange(10)
    ori = np.concatenate([edges, np.nextafter(edges, -np.inf), np.nextafter(edges, np.inf),
                          [-90.0, -1e-300, 0.0, 1e-300, 269.99, 270.0],
                          np.random.default_rng(0).uniform(-90, 270, 1000)])
    expected = [next((i for i in range(9) if 20.0 * i <= o < 20.0 * (i + 1) and o > 0), 9)
                for o in ori]
    np.testing.assert_array_equal(features._orientation_bins(ori), expected)


# ----------------------------------------------------------------------------------------
# extract_features
# ----------------------------------------------------------------------------------------

def test_extract_features_batched_equals_one_image_at_a_time():
    imgs = cifar_like_images(23, seed=2)
    fns = [hog_feature, color_histogram_hsv]
    batched = extract_features(imgs, fns, chunk_size=5)  # chunks of 5, 5, 5, 5, 3
    looped = extract_features(imgs, fns, batched=False)
    # the course's notebook passes the colour histogram as a lambda: run image by image
    course = extract_features(imgs, [hog_feature, lambda img: color_histogram_hsv(img, nbin=10)])
    by_hand = np.array([np.concatenate([hog_feature(im), color_histogram_hsv(im)]) for im in imgs])
    assert batched.shape == (23, 154)
    for other in (looped, course, by_hand):
        np.testing.assert_allclose(batched, other, rtol=1e-12, atol=1e-12)


def test_extract_features_uses_the_batch_path_for_a_partial():
    imgs = cifar_like_images(6, seed=4)
    calls = []

    def spy(im):
        calls.append(im.shape)
        return color_histogram_hsv(im, nbin=12)

    fast = extract_features(imgs, [functools.partial(color_histogram_hsv, nbin=12)])
    slow = extract_features(imgs, [spy])
    assert len(calls) == 6 and calls[0] == (32, 32, 3)  # the course's imgs[i].squeeze()
    np.testing.assert_allclose(fast, slow, rtol=1e-12, atol=1e-12)
    assert fast.shape == (6, 12)


def test_extract_features_with_a_custom_function_and_progress_bar(monkeypatch):
    monkeypatch.setenv("CS231N_TEXT_PROGRESS", "1")
    imgs = cifar_like_images(4, seed=8)
    mean_colour = lambda im: im.reshape(-1, 3).mean(axis=0)  # noqa: E731
    feats = extract_features(imgs, [mean_colour, hog_feature], verbose=True, chunk_size=3)
    np.testing.assert_allclose(feats[:, :3], imgs.reshape(4, -1, 3).mean(axis=1))
    np.testing.assert_allclose(feats[:, 3:], hog_features(imgs), rtol=1e-12, atol=1e-12)


# ----------------------------------------------------------------------------------------
# Cases worked out by hand
# ----------------------------------------------------------------------------------------

def test_constant_image_has_no_gradient_so_all_hog_bins_are_zero():
    # gx = gy = 0 everywhere, so every magnitude is 0 and every bin (a mean of magnitudes) is 0.
    im = np.full((32, 32, 3), 123.0)
    feat = hog_feature(im)
    assert feat.shape == (144,)
    np.testing.assert_array_equal(feat, np.zeros(144))
    np.testing.assert_array_equal(hog_features(im[None])[0], np.zeros(144))


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
    np.testing.assert_allclose(hog_features(im[None])[0], expected.ravel(), rtol=1e-12, atol=1e-12)


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
    np.testing.assert_allclose(color_histograms_hsv(im[None])[0], expected, rtol=1e-12,
                               atol=1e-12)


def test_unnormalized_histogram_is_counts_times_bin_width():
    im = np.zeros((4, 4, 3))
    im[..., 0] = 255  # 16 red pixels
    np.testing.assert_allclose(color_histogram_hsv(im, normalized=False)[0], 16 * 25.5)


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


@pytest.mark.parametrize("fn", [hog_features, color_histograms_hsv,
                                lambda imgs: extract_features(imgs, [hog_feature])])
@pytest.mark.parametrize("bad, match", [
    (np.zeros((32, 32, 3)), r"\(N, H, W, 3\).*one image"),
    (np.zeros((5, 32, 32)), r"\(N, H, W, 3\)"),
    (np.zeros((5, 32, 32, 4)), "3 colour channels"),
    (np.zeros((0, 32, 32, 3)), "no images"),
    (np.zeros((2, 5, 32, 32, 3)), r"\(N, H, W, 3\)"),
])
def test_batch_functions_reject_bad_shapes(fn, bad, match):
    with pytest.raises(ValueError, match=match):
        fn(bad)


def test_batch_functions_find_nan_in_any_chunk_and_check_arguments():
    imgs = np.zeros((10, 32, 32, 3))
    imgs[8, 3, 4, 1] = np.nan  # in the last chunk of 3
    for call in (lambda: hog_features(imgs, chunk_size=3),
                 lambda: color_histograms_hsv(imgs, chunk_size=3),
                 lambda: extract_features(imgs, [lambda im: im.ravel()[:2]], chunk_size=3)):
        with pytest.raises(ValueError, match="NaN"):
            call()
    ok = np.zeros((2, 32, 32, 3))
    with pytest.raises(ValueError, match="nbin"):
        color_histograms_hsv(ok, nbin=0)
    with pytest.raises(ValueError, match="nbin"):
        extract_features(ok, [functools.partial(color_histogram_hsv, nbin=0)])
    with pytest.raises(ValueError, match="chunk_size"):
        hog_features(ok, chunk_size=0)
    with pytest.raises(ValueError, match="at least 8x8"):
        hog_features(np.zeros((2, 4, 32, 3)))
    with pytest.raises(ValueError, match="at least 8x8"):
        extract_features(np.zeros((2, 4, 32, 3)), [hog_feature])
    with pytest.raises(ValueError, match="empty"):
        extract_features(ok, [])
    with pytest.raises(ValueError, match="1-D"):
        extract_features(ok, [lambda im: im])
    with pytest.raises(ValueError, match="functions"):
        extract_features(ok, [42])


def test_integer_and_float32_images_give_the_same_features():
    imgs = cifar_like_images(3, seed=9)
    f64 = extract_features(imgs.astype(np.float64), [hog_feature, color_histogram_hsv])
    for dtype in (np.uint8, np.int32, np.float32):
        other = extract_features(imgs.astype(dtype), [hog_feature, color_histogram_hsv])
        assert other.dtype == np.float64
        np.testing.assert_allclose(other, f64, rtol=1e-12, atol=1e-12)
    assert features.DEFAULT_CHUNK_SIZE >= 1
