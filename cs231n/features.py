"""Hand-made image features: histograms of oriented gradients (HOG) and colour histograms.

A linear classifier on raw pixels has to learn one template per class out of 3,072 pixel
values, and a template cannot cope with a cat that sits a little to the left, or is lit a
little more brightly. Features summarise an image in a way that is less sensitive to such
changes, and a classifier trained on them does better than one trained on pixels:

- HOG (histogram of oriented gradients, Dalal and Triggs, CVPR 2005) describes the *shape*
  (texture, edges) and ignores colour: the image is cut into 8x8-pixel cells, and each cell
  is described by how much gradient (edge strength) points in each of 9 directions. A
  small shift of the image or a change of brightness hardly changes these histograms.
- The colour histogram describes the *colour* and ignores the shape: the fraction of the
  image's pixels whose hue (red, yellow, green, ...) falls into each of 10 bins.

The two complement each other, and the assignment concatenates them. These are exactly the
features of the CS231n assignment (``cs231n/features.py`` of the course), with two
additions: input checks that raise ValueError with a clear message, and batch versions
(``hog_features``, ``color_histograms_hsv``) that compute the same numbers for thousands of
images at once; ``extract_features`` uses them automatically. All of CIFAR-10 (60,000
images) takes about 6 s on two cores, against 20 s one image at a time and 46 s with the
course's original code (staff/benchmarks/RESULTS-features.md).

Differences from the course's code, all at the level of float rounding or of cases its code
cannot handle:

- Grayscale is the course's weighted sum ``0.299 R + 0.587 G + 0.144 B`` (the course's
  weights, which add up to 1.03, not 1), computed element by element. The course calls
  ``np.dot``, which goes through BLAS and may round two pixels of the same colour
  differently (with or without fused multiply-adds): gx is then about +-3e-14 instead of 0
  between them. That matters because the orientation formula jumps there: with gx = 0 and a
  weak vertical gradient (|gy| up to a few gray levels) the pixel counts in bin 0 or 8, with gx
  slightly negative it counts nowhere. So the course's own numbers depend on the BLAS build
  (with NumPy 2.4's OpenBLAS, about one CIFAR-10 image in six has some cell's bin 0 or 8 off,
  by up to 1.6); here neighbours of the same colour always have a gradient of exactly 0.
- A cell's value is the mean of its 8x8 pixels. The course computes it with scipy's
  ``uniform_filter`` sampled at the cell centres, which is the same mean (the 8-wide window
  centred at index 4 of a cell covers exactly that cell's pixels, so scipy's boundary mode
  never matters) up to the rounding of scipy's running sums (about 1e-13 relative).
- The course's code fails with a broadcasting error on images that are not square, or whose
  side leaves 5 to 7 pixels after the last whole cell; here any size of at least 8x8 works:
  only whole cells count (the pixels after the last whole cell are left out, as the course
  does when it can), and the histogram is ordered as the course orders it for square images.
- Everything is computed in float64, whatever the input dtype (integer images included).
"""
from __future__ import annotations

import functools
import numbers

import numpy as np

from cs231n._validation import check_positive_int
from cs231n.tools.progress import progress_bar

#: The course's grayscale weights of the R, G and B channels (``rgb2gray``).
GRAY_WEIGHTS = (0.299, 0.587, 0.144)
#: HOG: number of orientation bins over 0..180 degrees, and cell size in pixels.
HOG_ORIENTATIONS = 9
HOG_CELL = 8
#: Images per chunk in the batch functions. It bounds the memory (about 0.1 MB per 32x32
#: image, so 50 MB per chunk) and keeps each intermediate array (4 MB) in the CPU's caches:
#: 500 is about 1.6x faster than 2,000, and NumPy's per-call overhead is still negligible.
DEFAULT_CHUNK_SIZE = 500


# ----------------------------------------------------------------------------------------
# Input checks
# ----------------------------------------------------------------------------------------

def _as_real_array(x, name):
    try:
        x = np.asarray(x)
    except (ValueError, TypeError) as e:  # ragged nested lists, etc.
        raise ValueError(f"{name} must be a numeric array: {e}") from e
    if x.dtype == np.bool_ or x.dtype.kind not in "fiu":
        raise ValueError(f"{name} must hold real numbers (float or int dtype), got dtype {x.dtype}")
    return x


def _check_finite(x, name):
    if x.dtype.kind == "f" and not np.isfinite(x).all():
        raise ValueError(f"{name} contains NaN or infinity")


def _check_image(im, name="im", allow_gray=True, min_size=1):
    """One image as an array: (H, W) grayscale (if allow_gray) or (H, W, 3) RGB."""
    im = _as_real_array(im, name)
    shapes = "(H, W) or (H, W, 3)" if allow_gray else "(H, W, 3)"
    if im.ndim == 3 and im.shape[2] != 3:
        raise ValueError(f"{name} must have 3 colour channels (RGB) in its last axis, got shape "
                         f"{im.shape} ({im.shape[2]} channels)")
    if im.ndim not in ((2, 3) if allow_gray else (3,)):
        raise ValueError(f"{name} must be one image of shape {shapes}, got shape {im.shape}")
    _check_size(im.shape[:2], name, im.shape, min_size)
    _check_finite(im, name)
    return im


def _check_images(imgs, name="imgs", min_size=1):
    """A batch of RGB images: shape (N, H, W, 3) with N >= 1. Finiteness is checked per chunk."""
    imgs = _as_real_array(imgs, name)
    if imgs.ndim == 4 and imgs.shape[3] != 3:
        raise ValueError(f"{name} must have 3 colour channels (RGB) in its last axis, got shape "
                         f"{imgs.shape} ({imgs.shape[3]} channels)")
    if imgs.ndim != 4:
        raise ValueError(f"{name} must be a batch of RGB images of shape (N, H, W, 3), got shape "
                         f"{imgs.shape}" + (" (one image? pass im[None])" if imgs.ndim == 3 else ""))
    if imgs.shape[0] == 0:
        raise ValueError(f"{name} holds no images (shape {imgs.shape})")
    _check_size(imgs.shape[1:3], name, imgs.shape, min_size)
    return imgs


def _check_size(hw, name, shape, min_size):
    if min(hw) < min_size:
        what = f"at least {min_size}x{min_size} pixels"
        if min_size == HOG_CELL:
            what += f" (HOG needs at least one {HOG_CELL}x{HOG_CELL} cell)"
        raise ValueError(f"{name} must be {what}, got shape {shape}")


def _check_hist_args(nbin, xmin, xmax):
    nbin = check_positive_int(nbin, "nbin")
    for arg, value in (("xmin", xmin), ("xmax", xmax)):
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real) \
                or not np.isfinite(value):
            raise ValueError(f"{arg} must be a finite number, got {value!r}")
    if not xmax > 0:
        raise ValueError(f"xmax must be > 0 (the largest pixel value, e.g. 255), got {xmax}")
    if not xmin < xmax:
        raise ValueError(f"xmin must be smaller than xmax, got xmin={xmin}, xmax={xmax}")
    return nbin


def _check_chunk_size(chunk_size):
    return check_positive_int(chunk_size, "chunk_size")


# ----------------------------------------------------------------------------------------
# One image at a time: the course's definitions
# ----------------------------------------------------------------------------------------

def rgb2gray(rgb):
    """Convert RGB images to grayscale with the course's weights.

    Inputs:
    - rgb: array of shape (..., 3), e.g. one image (H, W, 3) or a batch (N, H, W, 3).

    Returns an array of shape (...) in float64: 0.299 R + 0.587 G + 0.144 B, computed
    element by element in that order (so the result does not depend on the BLAS library).
    """
    rgb = np.asarray(rgb, dtype=np.float64)
    wr, wg, wb = GRAY_WEIGHTS
    return rgb[..., 0] * wr + rgb[..., 1] * wg + rgb[..., 2] * wb


def hog_feature(im):
    """Compute the histogram of oriented gradients (HOG) feature of one image.

    HOG describes the shape of what is in an image by its edges. At every pixel the
    gradient (gx, gy) says how fast the brightness changes to the right and downwards: its
    magnitude is the strength of the edge there, its angle the edge's direction. The image
    is cut into cells of 8x8 pixels, and each cell gets a histogram of 9 orientation bins
    of 20 degrees each over 0..180 degrees (unsigned: a dark-to-bright and a bright-to-dark
    edge of the same direction land in the same bin): bin i holds the mean over the cell's
    64 pixels of the gradient magnitude of the pixels whose orientation lies in
    [20 i, 20 (i + 1)) (pixels of other orientations count as 0). Pooling inside a cell
    makes the feature insensitive to shifts of a few pixels, and the magnitudes make it
    insensitive to the colours. (This is the course's simplified HOG, modified from
    skimage.feature.hog, after Dalal and Triggs, CVPR 2005: no block normalisation, and the
    orientation below only covers the gradients with gx >= 0.)

    Exactly as the course computes it:
    - An RGB image is converted to grayscale (rgb2gray).
    - gx[:, :-1] = np.diff(image, axis=1) and gy[:-1, :] = np.diff(image, axis=0) (forward
      differences; the last column of gx and the last row of gy are 0).
    - magnitude = sqrt(gx**2 + gy**2),
      orientation = arctan2(gy, gx + 1e-15) * (180 / pi) + 90, in degrees.
    - A pixel is counted in bin i if 20 i <= orientation < 20 (i + 1) and orientation > 0.
      The orientation ranges over -90..270 degrees, so the pixels with gx < 0 (orientation
      below 0 or from 180 up) fall in no bin; a pixel with gx = 0 and gy > 0 (orientation
      180 up to rounding) usually neither.

    Inputs:
    - im: one image, shape (H, W) grayscale or (H, W, 3) RGB, with H, W >= 8; any real
      dtype (uint8 images as loaded from CIFAR-10 are fine); no NaN or infinity.

    Returns:
    - feat: array of shape (n_cells_x * n_cells_y * 9,) in float64, with
      n_cells_y = H // 8 and n_cells_x = W // 8 (144 values for a 32x32 image): the cell
      histograms, laid out as an array of shape (n_cells_x, n_cells_y, 9) flattened,
      i.e. feat[(cx * n_cells_y + cy) * 9 + i] is bin i of the cell in rows
      8 cy .. 8 cy + 7 and columns 8 cx .. 8 cx + 7 (the course's order: its
      ``uniform_filter(...)[4::8, 4::8].T``).

    Raises ValueError for a wrong shape, a wrong number of channels, an image smaller than
    8x8 or NaN/infinite values.
    """
    im = _check_image(im, min_size=HOG_CELL)
    image = rgb2gray(im) if im.ndim == 3 else im.astype(np.float64)

    sy, sx = image.shape  # rows, columns
    orientations = HOG_ORIENTATIONS  # number of gradient bins
    c = HOG_CELL  # pixels per cell, in each direction
    n_cells_y, n_cells_x = sy // c, sx // c

    gx = np.zeros(image.shape)
    gy = np.zeros(image.shape)
    gx[:, :-1] = np.diff(image, n=1, axis=1)  # compute gradient on x-direction
    gy[:-1, :] = np.diff(image, n=1, axis=0)  # compute gradient on y-direction
    grad_mag = np.sqrt(gx ** 2 + gy ** 2)  # gradient magnitude
    grad_ori = np.arctan2(gy, (gx + 1e-15)) * (180 / np.pi) + 90  # gradient orientation

    orientation_histogram = np.zeros((n_cells_x, n_cells_y, orientations))
    for i in range(orientations):
        # magnitudes of the pixels whose orientation lies in this bin, 0 elsewhere
        in_bin = ((grad_ori >= 180 / orientations * i) & (grad_ori < 180 / orientations * (i + 1))
                  & (grad_ori > 0))
        temp_mag = np.where(in_bin, grad_mag, 0)
        # mean over each whole 8x8 cell (the course: uniform_filter sampled at cell centres)
        cells = temp_mag[:n_cells_y * c, :n_cells_x * c].reshape(n_cells_y, c, n_cells_x, c)
        orientation_histogram[:, :, i] = cells.mean(axis=(1, 3)).T

    return orientation_histogram.ravel()


def color_histogram_hsv(im, nbin=10, xmin=0, xmax=255, normalized=True):
    """Compute the colour histogram of one image, using the hue of HSV.

    The image is converted from RGB to HSV (hue, saturation, value); the hue says which
    colour a pixel is (0 red, 1/6 yellow, 1/3 green, 1/2 cyan, 2/3 blue, 5/6 magenta, back
    to red at 1) independently of how bright or how saturated it is. The feature is the
    histogram of the hues of all pixels, so it says "mostly blue and green" (sky, sea,
    grass) without saying where. Gray pixels (R = G = B) have hue 0, like red ones.

    Exactly as the course computes it:
    - hsv = matplotlib.colors.rgb_to_hsv(im / xmax) * xmax (the hue is computed here with
      the same floating-point operations as matplotlib, for the hue channel only);
    - the histogram of hsv[..., 0] over nbin equal bins between xmin and xmax
      (``np.histogram``: bins are half-open [a, b) except the last, which includes xmax;
      values outside [xmin, xmax] are not counted), with ``density=normalized``,
    - multiplied by the bin width (imhist * np.diff(bin_edges)), so with normalized=True
      the values are the fractions of the pixels in each bin (they add up to 1).

    Inputs:
    - im: one RGB image, shape (H, W, 3), values in 0..xmax, any real dtype; no NaN.
    - nbin: number of histogram bins, an integer >= 1.
    - xmin, xmax: the histogram's range; xmax is also the largest pixel value (the image
      is divided by it), so 255 for 8-bit images. Need 0 < xmax and xmin < xmax.
    - normalized: if True, fractions of the pixels; if False, the counts times the bin
      width (as the course's code does).

    Returns:
    - imhist: array of shape (nbin,) in float64. With normalized=True and no hue in
      [xmin, xmax] (possible only with xmin > 0), it is NaN, as with np.histogram.

    Raises ValueError for a wrong shape, a number of channels other than 3, NaN/infinite
    values, pixel values outside 0..xmax, nbin < 1, or a bad range.
    """
    im = _check_image(im, allow_gray=False)
    nbin = _check_hist_args(nbin, xmin, xmax)
    hue = _hue_times_xmax(_planes(im), xmax)
    bins = np.linspace(xmin, xmax, nbin + 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        imhist, bin_edges = np.histogram(hue, bins=bins, density=normalized)
        imhist = imhist * np.diff(bin_edges)
    return imhist


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
    if arr_max.size and (arr_max.max() > 1 or arr_min.min() < 0):
        raise ValueError(
            f"pixel values must lie in 0..xmax = 0..{xmax} (matplotlib's rgb_to_hsv needs "
            f"im / xmax in [0, 1]); found {arr_min.min() * xmax:g}..{arr_max.max() * xmax:g}")
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


# ----------------------------------------------------------------------------------------
# Many images at once
# ----------------------------------------------------------------------------------------

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
        chunk = imgs[part]
        _check_finite(chunk, "imgs")
        out[part] = fn(_planes(chunk))
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
    imgs = _check_images(imgs, min_size=HOG_CELL)
    chunk_size = _check_chunk_size(chunk_size)
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
    imgs = _check_images(imgs)
    nbin = _check_hist_args(nbin, xmin, xmax)
    chunk_size = _check_chunk_size(chunk_size)
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
    if feature_fn is hog_feature and not kwargs:
        if min(imgs.shape[1:3]) < HOG_CELL:
            _check_size(imgs.shape[1:3], "imgs", imgs.shape, HOG_CELL)
        return _hog_chunk, _hog_size(imgs)
    if feature_fn is color_histogram_hsv and set(kwargs) <= set(_HSV_DEFAULTS):
        args = {**_HSV_DEFAULTS, **kwargs}
        args["nbin"] = _check_hist_args(args["nbin"], args["xmin"], args["xmax"])
        return functools.partial(_hsv_chunk, **args), args["nbin"]
    return None


def extract_features(imgs, feature_fns, verbose=False, batched=True,
                     chunk_size=DEFAULT_CHUNK_SIZE):
    """Compute features of every image and stack them into one matrix.

    Given pixel data for images and several feature functions that can operate on single
    images, apply all feature functions to all images, concatenating the feature vectors
    for each image and storing the features for all images in a single matrix.

    The package's own feature functions (hog_feature, color_histogram_hsv, and
    ``functools.partial(color_histogram_hsv, nbin=...)``) are computed in batches of
    ``chunk_size`` images (hog_features, color_histograms_hsv): the same numbers, many
    times faster. Any other function (a lambda, your own feature) is called on one image at
    a time, ``feature_fn(imgs[i].squeeze())``, as in the course.

    Inputs:
    - imgs: RGB images, shape (N, H, W, 3) with N >= 1; any real dtype.
    - feature_fns: list of k feature functions. The ith feature function should take as
      input an (H, W, 3) array and return a one-dimensional array of length F_i.
    - verbose: if True, show a progress bar over the images (cs231n.tools.progress).
    - batched: if False, call every function one image at a time (the course's loop; for
      comparisons).
    - chunk_size: images per batch.

    Returns:
    - imgs_features: array of shape (N, F_1 + ... + F_k) in float64, where column block i
      holds the output of the ith feature function for every image.

    Raises ValueError for a batch that is not (N, H, W, 3), NaN/infinite values, an empty
    list of functions, a function that does not return a 1-D array, or what a feature
    function raises for the images.
    """
    imgs = _check_images(imgs)
    chunk_size = _check_chunk_size(chunk_size)
    feature_fns = list(feature_fns)
    if not feature_fns:
        raise ValueError("feature_fns is empty: give at least one feature function")
    for fn in feature_fns:
        if not callable(fn):
            raise ValueError(f"feature_fns must hold functions, got {fn!r}")
    num_images = imgs.shape[0]

    # The batch version of each function, or None; the output size of the others comes
    # from their result on the first image, as in the course.
    plans = []
    for fn in feature_fns:
        batch = _batch_version(fn, imgs) if batched else None
        if batch is None:
            feats = np.asarray(fn(imgs[0].squeeze()))
            if feats.ndim != 1:
                raise ValueError(f"feature function {fn!r} must return a 1-D array, "
                                 f"got shape {feats.shape}")
            plans.append((fn, None, feats.size, feats))
        else:
            plans.append((fn, batch[0], batch[1], None))
    offsets = np.cumsum([0] + [plan[2] for plan in plans])
    imgs_features = np.zeros((num_images, offsets[-1]))

    bar = progress_bar(num_images, "features", unit="image") if verbose else None
    try:
        for part in _chunks(num_images, chunk_size):
            chunk = imgs[part]
            _check_finite(chunk, "imgs")
            planes = _planes(chunk) if any(p[1] is not None for p in plans) else None
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
