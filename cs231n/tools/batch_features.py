"""The image features of cs231n/features.py for many images at once: the same numbers.

``extract_features`` (cs231n/features.py) hands its work here by default. hog_feature and
color_histogram_hsv (also as ``functools.partial`` with keywords) are computed for
``chunk_size`` images at a time with NumPy array code; any other function still runs one
image at a time. All of CIFAR-10 (60,000 images) takes about 3 to 4 s on one core, several
times less than one image at a time (staff/benchmarks/RESULTS-features.md).

How the numbers relate to the course's (tests/test_features.py and
tests/test_batch_features.py compare them with independent references):

- Grayscale is the course's ``0.299 R + 0.587 G + 0.144 B`` computed element by element,
  as features.rgb2gray does. The course's ``np.dot`` goes through BLAS, which may round two
  pixels of the same colour differently (with or without fused multiply-adds); gx is then
  about +-3e-14 instead of 0, and its sign decides whether a weak vertical gradient counts
  in bin 0 or 8 or nowhere. So the course's own numbers depend on the BLAS build (about one
  CIFAR-10 image in six has some cell off, by up to 1.6); here they do not.
- A cell's value is the mean of its 8x8 pixels, as features.hog_feature computes it; the
  course samples scipy's ``uniform_filter`` at the cell centres, the same mean up to the
  rounding of scipy's running sums (about 1e-13 relative). The per-image and the batch
  sums differ in their order only.
- The hue is matplotlib's ``rgb_to_hsv`` formula for the hue channel alone, with the same
  floating-point operations, so the same values.
"""
from __future__ import annotations

import functools

import numpy as np

from cs231n import features
from cs231n.tools.validation import (check_extract_features, check_feature_vector, check_hist_args,
                                check_hog_size, check_images, check_pixel_range,
                                check_positive_int)
from cs231n.tools.progress import progress_bar

#: The course's grayscale weights of the R, G and B channels (``features.rgb2gray``).
GRAY_WEIGHTS = (0.299, 0.587, 0.144)
#: HOG: number of orientation bins over 0..180 degrees, and cell size in pixels.
HOG_ORIENTATIONS = 9
HOG_CELL = 8
#: Images per chunk. It bounds the memory (about 0.1 MB per 32x32 image, so 50 MB per
#: chunk) and keeps each intermediate array (4 MB) in the CPU's caches: 500 is about 1.6x
#: faster than 2,000, and NumPy's per-call overhead is still negligible.
DEFAULT_CHUNK_SIZE = 500


def _planes(im):
    """The colour planes of RGB image(s) (..., 3) as one float64 array (3, ...), contiguous."""
    return np.moveaxis(np.asarray(im), -1, 0).astype(np.float64)


def _hue_times_xmax(planes, xmax):
    """The hue channel of matplotlib.colors.rgb_to_hsv(im / xmax) * xmax, from _planes(im).

    The same floating-point operations as matplotlib, so the same values: the hue is
    (G - B) / delta if R is the largest channel, 2 + (B - R) / delta if G is,
    4 + (R - G) / delta if B is (a later rule wins on ties; delta = max - min; 0 if
    delta = 0), then (hue / 6) % 1.
    """
    r, g, b = planes / xmax
    arr_max = np.maximum(np.maximum(r, g), b)
    arr_min = np.minimum(np.minimum(r, g), b)
    check_pixel_range(arr_min.min(), arr_max.max(), xmax)
    delta = arr_max - arr_min
    blue, green = b == arr_max, g == arr_max
    # red is the largest, unless green is, unless blue is (matplotlib's order of assignment)
    numerator = g - b
    np.subtract(b, r, out=numerator, where=green)
    np.subtract(r, g, out=numerator, where=blue)
    offset = np.zeros_like(numerator)
    np.copyto(offset, 2., where=green)
    np.copyto(offset, 4., where=blue)
    with np.errstate(invalid="ignore", divide="ignore"):
        hue = offset + numerator / delta  # 0 / 0 where delta = 0, replaced just below
    hue[delta == 0] = 0.0
    hue /= 6.0
    # hue % 1.0 for hue in [-1/6, 5/6]: NumPy's remainder adds 1 to the negative values
    # (and makes -0.0 into 0.0), the same as this but without the costly fmod.
    np.add(hue, 1.0, out=hue, where=hue < 0)
    hue[hue == 0] = 0.0
    hue *= xmax
    return hue


def _chunks(n, chunk_size):
    for start in range(0, n, chunk_size):
        yield slice(start, min(start + chunk_size, n))


def _hog_chunk(planes):
    """hog_feature of every image of a batch, given as _planes(imgs) (3, n, H, W); (n, F)."""
    _, n, sy, sx = planes.shape
    c, nbins = HOG_CELL, HOG_ORIENTATIONS
    n_cells_y, n_cells_x = sy // c, sx // c
    wr, wg, wb = GRAY_WEIGHTS
    image = planes[0] * wr + planes[1] * wg + planes[2] * wb  # rgb2gray, (n, H, W)

    gx = np.zeros(image.shape)
    gy = np.zeros(image.shape)
    np.subtract(image[:, :, 1:], image[:, :, :-1], out=gx[:, :, :-1])  # np.diff, axis 1
    np.subtract(image[:, 1:, :], image[:, :-1, :], out=gy[:, :-1, :])  # np.diff, axis 0
    # Only whole cells count: crop first, so the rest works on the pixels that matter.
    h, w = n_cells_y * c, n_cells_x * c
    gx, gy = gx[:, :h, :w], gy[:, :h, :w]
    grad_mag = np.sqrt(gx ** 2 + gy ** 2)
    grad_ori = np.arctan2(gy, (gx + 1e-15))
    grad_ori *= 180 / np.pi
    grad_ori += 90
    del gx, gy, image

    b = _orientation_bins(grad_ori)
    del grad_ori

    # Scatter-add every pixel's magnitude into (image, cell x, cell y, bin) with one
    # bincount; the extra bin of every cell is dropped afterwards.
    index = b.astype(np.intp)
    index += _cell_offsets(n, h, w)
    per_image = n_cells_x * n_cells_y * (nbins + 1)
    sums = np.bincount(index.ravel(), weights=grad_mag.ravel(), minlength=n * per_image)
    hist = sums.reshape(n, n_cells_x * n_cells_y, nbins + 1)[:, :, :nbins]
    return (hist / (c * c)).reshape(n, -1)


def _orientation_bins(grad_ori):
    """The HOG bin of every orientation, as the course's comparisons define it: i (0..8) if
    20 i <= ori < 20 (i + 1) and ori > 0, else 9 (in no bin). float64 array, ori's shape.

    floor(ori / 20.0) is exactly that i: the quotient by 20 (an exact float) rounds to an
    integer k only if ori >= 20 k, because just below 20 k the spacing of floats, divided by
    20, is more than half the spacing of floats just below k. (Multiplying by 1 / 20, which
    is not exact, would not have this property.)
    """
    nbins = HOG_ORIENTATIONS
    b = np.floor(grad_ori / (180 / nbins))
    b[grad_ori <= 0] = nbins
    np.minimum(b, nbins, out=b)  # orientation >= 180: floor gives 9..13
    return b


@functools.lru_cache(maxsize=4)
def _cell_offsets(n, h, w):
    """Index offset of pixel (image k, row y, column x) in the flattened (n, cells, bins + 1)
    histogram: (k * cells + (x // 8) * cells_y + y // 8) * (bins + 1). Cached: every chunk
    but the last has the same shape."""
    c, nb = HOG_CELL, HOG_ORIENTATIONS + 1
    n_cells_y, n_cells = h // c, (h // c) * (w // c)
    cell = (np.arange(w) // c)[None, :] * n_cells_y + (np.arange(h) // c)[:, None]  # (h, w)
    offsets = (np.arange(n) * n_cells)[:, None, None] + cell[None]
    offsets *= nb
    offsets.flags.writeable = False
    return offsets


def _histogram_counts(x, edges):
    """np.histogram(x[k], bins=edges)[0] for every row k of x (n, P); integer array (n, nbin).

    np.histogram's rule: x counts in bin i if edges[i] <= x < edges[i + 1]; the last bin
    also takes x == edges[-1]; values outside [edges[0], edges[-1]] are not counted.
    """
    nbin = len(edges) - 1
    if nbin <= 16:
        # Per row, how many values are >= each edge (> for the last one); bin i holds the
        # difference of two of these. A few comparisons beat a binary search per value.
        at_least = [np.count_nonzero(x >= edge, axis=1) for edge in edges[:-1]]
        at_least.append(np.count_nonzero(x > edges[-1], axis=1))
        at_least = np.stack(at_least, axis=1)
        return at_least[:, :-1] - at_least[:, 1:]
    n = x.shape[0]
    i = np.searchsorted(edges[1:-1], x, side="right")  # bins 0..nbin-1, x == max in the last
    i[(x < edges[0]) | (x > edges[-1])] = nbin  # an extra bin, dropped below
    i += (np.arange(n) * (nbin + 1))[:, None]
    return np.bincount(i.ravel(), minlength=n * (nbin + 1)).reshape(n, nbin + 1)[:, :nbin]


def _hsv_chunk(planes, nbin, xmin, xmax, normalized):
    """color_histogram_hsv of every image of a batch, given as _planes(imgs); (n, nbin)."""
    n = planes.shape[1]
    hue = _hue_times_xmax(planes, xmax).reshape(n, -1)
    edges = np.linspace(xmin, xmax, nbin + 1)
    counts = _histogram_counts(hue, edges)
    db = np.diff(edges)
    with np.errstate(invalid="ignore", divide="ignore"):
        if normalized:  # np.histogram(density=True): n / db / n.sum(); then * db
            return counts / db / counts.sum(axis=1, keepdims=True) * db
        return counts * db


def _run_batch(imgs, fn, n_features, chunk_size):
    """fn(_planes(chunk)) for every chunk of imgs, stacked into (N, n_features)."""
    out = np.empty((imgs.shape[0], n_features))
    for part in _chunks(imgs.shape[0], chunk_size):
        out[part] = fn(_planes(imgs[part]))
    return out


def _hog_size(imgs):
    return (imgs.shape[1] // HOG_CELL) * (imgs.shape[2] // HOG_CELL) * HOG_ORIENTATIONS


def hog_features(imgs, chunk_size=DEFAULT_CHUNK_SIZE):
    """hog_feature of many RGB images at once (the same numbers, computed in batches).

    Inputs:
    - imgs: RGB images, shape (N, H, W, 3) with N >= 1 and H, W >= 8; any real dtype.
    - chunk_size: images computed together; memory grows with it (about 0.1 MB per image
      of 32x32 pixels).

    Returns:
    - feats: array of shape (N, (H // 8) * (W // 8) * 9) in float64; feats[i] equals
      hog_feature(imgs[i]) (up to float rounding in the order of the 64-pixel sums).

    Raises ValueError for a wrong shape, a number of channels other than 3, images smaller
    than 8x8 or NaN/infinite values.
    """
    imgs = check_images(imgs, hog=True)
    chunk_size = check_positive_int(chunk_size, "chunk_size")
    return _run_batch(imgs, _hog_chunk, _hog_size(imgs), chunk_size)


def color_histograms_hsv(imgs, nbin=10, xmin=0, xmax=255, normalized=True,
                         chunk_size=DEFAULT_CHUNK_SIZE):
    """color_histogram_hsv of many RGB images at once (the same numbers, in batches).

    Inputs:
    - imgs: RGB images, shape (N, H, W, 3) with N >= 1, values in 0..xmax; any real dtype.
    - nbin, xmin, xmax, normalized: as in color_histogram_hsv.
    - chunk_size: images computed together.

    Returns:
    - feats: array of shape (N, nbin) in float64; feats[i] equals
      color_histogram_hsv(imgs[i], nbin, xmin, xmax, normalized).

    Raises ValueError as color_histogram_hsv does, and for a batch that is not (N, H, W, 3).
    """
    imgs = check_images(imgs)
    nbin = check_hist_args(nbin, xmin, xmax)
    chunk_size = check_positive_int(chunk_size, "chunk_size")
    fn = functools.partial(_hsv_chunk, nbin=nbin, xmin=xmin, xmax=xmax, normalized=normalized)
    return _run_batch(imgs, fn, nbin, chunk_size)


_HSV_DEFAULTS = {"nbin": 10, "xmin": 0, "xmax": 255, "normalized": True}


def _batch_version(feature_fn, imgs):
    """(chunk function, number of features) if feature_fn has a batch version, else None.

    Recognised: hog_feature, color_histogram_hsv, and functools.partial of them with keyword
    arguments only (e.g. ``partial(color_histogram_hsv, nbin=12)``). A lambda is opaque, so
    it runs one image at a time.
    """
    kwargs = {}
    if isinstance(feature_fn, functools.partial):
        if feature_fn.args:
            return None
        kwargs = dict(feature_fn.keywords)
        feature_fn = feature_fn.func
    if feature_fn is features.hog_feature and not kwargs:
        check_hog_size(imgs.shape, "imgs")
        return _hog_chunk, _hog_size(imgs)
    if feature_fn is features.color_histogram_hsv and set(kwargs) <= set(_HSV_DEFAULTS):
        args = {**_HSV_DEFAULTS, **kwargs}
        args["nbin"] = check_hist_args(args["nbin"], args["xmin"], args["xmax"])
        return functools.partial(_hsv_chunk, **args), args["nbin"]
    return None


def extract_features(imgs, feature_fns, verbose=False, chunk_size=None):
    """features.extract_features(imgs, feature_fns, verbose), computed chunk by chunk.

    Inputs:
    - imgs: RGB images, shape (N, H, W, 3) with N >= 1; any real dtype.
    - feature_fns: list of k feature functions, as for features.extract_features. Those
      with a batch version (see _batch_version) get whole chunks; the others are called
      on one image at a time, ``feature_fn(imgs[i].squeeze())``, as in the course.
    - verbose: if True, show a progress bar over the images (cs231n.tools.progress).
    - chunk_size: images per chunk (None: DEFAULT_CHUNK_SIZE).

    Returns an array of shape (N, F_1 + ... + F_k) in float64, where column block i holds
    the output of the ith feature function for every image.
    """
    imgs, feature_fns = check_extract_features(imgs, feature_fns)
    chunk_size = check_positive_int(DEFAULT_CHUNK_SIZE if chunk_size is None else chunk_size,
                                    "chunk_size")
    num_images = imgs.shape[0]

    # The batch version of each function, or None; the output size of the others comes
    # from their result on the first image, as in the course.
    plans = []
    for fn in feature_fns:
        batch = _batch_version(fn, imgs)
        if batch is None:
            feats = check_feature_vector(fn(imgs[0].squeeze()), fn)
            plans.append((fn, None, feats.size, feats))
        else:
            plans.append((fn, batch[0], batch[1], None))
    offsets = np.cumsum([0] + [plan[2] for plan in plans])
    imgs_features = np.zeros((num_images, offsets[-1]))

    bar = progress_bar(num_images, "features", unit="image") if verbose else None
    try:
        for part in _chunks(num_images, chunk_size):
            planes = _planes(imgs[part]) if any(p[1] is not None for p in plans) else None
            for (fn, chunk_fn, _, first), lo, hi in zip(plans, offsets[:-1], offsets[1:]):
                if chunk_fn is not None:
                    imgs_features[part, lo:hi] = chunk_fn(planes)
                    continue
                for i in range(part.start, part.stop):
                    # the first image's features are known already
                    imgs_features[i, lo:hi] = first if i == 0 else fn(imgs[i].squeeze())
            if bar is not None:
                bar.update(part.stop - part.start)
    finally:
        if bar is not None:
            bar.close()
    return imgs_features
