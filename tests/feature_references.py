"""Independent references for the tests of the image features (test_features.py and
test_batch_features.py): the course's definitions written out pixel by pixel and cell by
cell in plain Python (math, no NumPy vector code, nothing from cs231n), the course's own
NumPy and scipy hog_feature verbatim (course_hog, also timed by
staff/benchmarks/bench_features.py), and CIFAR-like test images. Comparisons use explicit
tolerances, never bit-for-bit equality."""
import math

import numpy as np

RTOL, ATOL = 1e-9, 1e-9  # the feature values are O(1)..O(100); the sums differ in order only


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


def course_hog(im, uniform_filter, gray="elementwise"):
    """The course's HOG of one (32, 32, 3) image, with scipy.ndimage's ``uniform_filter``.

    gray="dot" is the course's np.dot(im[..., :3], [0.299, 0.587, 0.144]), through BLAS,
    which may round two pixels of the same colour differently (FMA or not): then gx is
    +-3e-14 instead of 0, and its sign decides whether a weak vertical gradient there counts
    (see cs231n/tools/batch_features.py). "elementwise" is the same sum element by element,
    exact-repeatable, as cs231n.features.rgb2gray computes it.
    """
    if gray == "dot":
        image = np.dot(im[..., :3], [0.299, 0.587, 0.144])
    else:
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
        orientation_histogram[:, :, i] = uniform_filter(temp_mag, size=(cx, cy))[
            round(cx / 2)::cx, round(cy / 2)::cy].T
    return orientation_histogram.ravel()


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
