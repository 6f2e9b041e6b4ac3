"""Tests of cs231n.tools.batch_features, the batched path of extract_features: its
functions against the independent references of feature_references.py, against the course's
own code, and against the per-image functions of cs231n.features; and its bad input."""
import functools

import numpy as np
import pytest

from cs231n.features import color_histogram_hsv, extract_features, hog_feature
from cs231n.tools import batch_features
from cs231n.tools.batch_features import color_histograms_hsv, hog_features
from feature_references import (ATOL, RTOL, cifar_like_images, course_hog, reference_hog,
                                reference_hue_histogram)


@pytest.mark.parametrize("shape", [(32, 32), (30, 30), (32, 40), (40, 32), (8, 8), (17, 9)])
def test_hog_features_match_reference_and_hog_feature(shape):
    rng = np.random.default_rng(shape[0] * 100 + shape[1])
    imgs = np.concatenate([rng.uniform(0, 255, (2,) + shape + (3,)),
                           cifar_like_images(2, shape, seed=shape[1])])
    imgs[1] = np.round(imgs[1])  # integer-valued, as CIFAR-10
    batch = hog_features(imgs)
    assert batch.shape == (4, (shape[0] // 8) * (shape[1] // 8) * 9) and batch.dtype == np.float64
    for k in range(len(imgs)):
        np.testing.assert_allclose(batch[k], reference_hog(imgs[k]), rtol=RTOL, atol=ATOL)
        np.testing.assert_allclose(batch[k], hog_feature(imgs[k]), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("shape", [(32, 32), (30, 30), (32, 40)])
def test_color_histograms_match_reference_and_color_histogram_hsv(shape):
    rng = np.random.default_rng(7)
    imgs = np.concatenate([cifar_like_images(3, shape, seed=3).astype(np.float64),
                           rng.uniform(0, 255, (2,) + shape + (3,))])
    # nbin = 20 takes the batch path's other way of counting (binary search, bincount)
    for kwargs in ({}, {"nbin": 1}, {"nbin": 7}, {"nbin": 20}, {"nbin": 10, "normalized": False},
                   {"nbin": 5, "xmin": 40, "xmax": 255}, {"nbin": 30, "xmin": 100, "xmax": 300}):
        batch = color_histograms_hsv(imgs, **kwargs)
        assert batch.shape == (len(imgs), kwargs.get("nbin", 10))
        for k in range(len(imgs)):
            np.testing.assert_allclose(batch[k], reference_hue_histogram(imgs[k], **kwargs),
                                       rtol=RTOL, atol=ATOL)
            np.testing.assert_allclose(batch[k], color_histogram_hsv(imgs[k], **kwargs),
                                       rtol=1e-12, atol=1e-12)


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

    imgs = np.concatenate([cifar_like_images(10, seed=5).astype(np.float64),
                           np.random.default_rng(5).uniform(0, 255, (5, 32, 32, 3))])
    batch = hog_features(imgs)
    for k, im in enumerate(imgs):
        # scipy's running sums leave ~1e-13 where the exact cell mean is 0
        np.testing.assert_allclose(batch[k], course_hog(im, ndimage.uniform_filter),
                                   rtol=1e-9, atol=1e-9)


def test_orientation_bins_follow_the_courses_comparisons_at_the_edges():
    # bin i iff 20 i <= ori < 20 (i + 1) and ori > 0; 9 means "in no bin"
    edges = 20.0 * np.arange(10)
    ori = np.concatenate([edges, np.nextafter(edges, -np.inf), np.nextafter(edges, np.inf),
                          [-90.0, -1e-300, 0.0, 1e-300, 269.99, 270.0],
                          np.random.default_rng(0).uniform(-90, 270, 1000)])
    expected = [next((i for i in range(9) if 20.0 * i <= o < 20.0 * (i + 1) and o > 0), 9)
                for o in ori]
    np.testing.assert_array_equal(batch_features._orientation_bins(ori), expected)


def test_hand_worked_images_give_the_per_image_values():
    # the hand-worked cases of test_features.py: a constant image, a vertical edge, one colour
    flat = np.full((1, 32, 32, 3), 123.0)
    np.testing.assert_array_equal(hog_features(flat)[0], np.zeros(144))
    edge = np.zeros((1, 32, 32, 3))
    edge[:, :, 16:] = 255
    expected = np.zeros((4, 4, 9))
    expected[1, :, 4] = 8 * 262.65 / 64
    np.testing.assert_allclose(hog_features(edge)[0], expected.ravel(), rtol=1e-12, atol=1e-12)
    blue = np.zeros((1, 32, 32, 3))
    blue[..., 2] = 255
    np.testing.assert_allclose(color_histograms_hsv(blue)[0], np.eye(10)[6], rtol=1e-12, atol=1e-12)


def test_extract_features_uses_the_batch_path_for_a_partial(monkeypatch):
    imgs = cifar_like_images(6, seed=4)
    calls = []

    def spy(im):
        calls.append(im.shape)
        return color_histogram_hsv(im, nbin=12)

    real_chunk = batch_features._hsv_chunk

    def counting_chunk(planes, **kwargs):
        calls.append("chunk")
        return real_chunk(planes, **kwargs)

    monkeypatch.setattr(batch_features, "_hsv_chunk", counting_chunk)
    fast = extract_features(imgs, [functools.partial(color_histogram_hsv, nbin=12)])
    assert calls == ["chunk"]
    slow = extract_features(imgs, [spy])
    assert len(calls) == 7 and calls[1] == (32, 32, 3)  # the course's imgs[i].squeeze()
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
# Bad input
# ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("fn", [hog_features, color_histograms_hsv,
                                lambda imgs: batch_features.extract_features(imgs, [hog_feature])])
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
    with pytest.raises(ValueError, match=r"0\.\.xmax"):
        color_histograms_hsv(ok + 256.0)
    for chunk_size in (0, 2.5):
        with pytest.raises(ValueError, match="chunk_size"):
            hog_features(ok, chunk_size=chunk_size)
        with pytest.raises(ValueError, match="chunk_size"):
            extract_features(ok, [hog_feature], chunk_size=chunk_size)
    with pytest.raises(ValueError, match="at least 8x8"):
        hog_features(np.zeros((2, 4, 32, 3)))
    assert batch_features.DEFAULT_CHUNK_SIZE >= 1
