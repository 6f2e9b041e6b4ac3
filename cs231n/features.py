"""Hand-made image features: histograms of oriented gradients (HOG) and colour histograms.

A linear classifier on raw pixels has to learn one template per class out of 3,072 pixel
values, and a template cannot cope with a cat that sits a little to the left, or is lit a
little more brightly. Features summarise an image in a way that is less sensitive to such
changes, and a classifier trained on them does better than one trained on pixels:

- HOG (histogram of oriented gradients, Dalal and Triggs, CVPR 2005) describes the *shape*
  (texture, edges) and ignores colour: the image is cut into 8x8-pixel cells, and each cell
  is described by how much gradient (edge strength) points in each of 9 directions.
- The colour histogram describes the *colour* and ignores the shape: the fraction of the
  image's pixels whose hue (red, yellow, green, ...) falls into each of 10 bins.

These are the course's features (nothing to implement in this file). extract_features
computes the package's own functions for many images at once, with the same numbers, in
cs231n/tools/batch_features.py; the input checks are in cs231n/tools/validation.py.
"""
import matplotlib.colors
import numpy as np

from cs231n.tools.validation import (check_color_histogram, check_extract_features,
                                check_feature_vector, check_image)


def extract_features(imgs, feature_fns, verbose=False, batched=True, chunk_size=None):
    """
    Given pixel data for images and several feature functions that can operate on
    single images, apply all feature functions to all images, concatenating the
    feature vectors for each image and storing the features for all images in
    a single matrix.

    Inputs:
    - imgs: N x H X W X C array of pixel data for N images.
    - feature_fns: List of k feature functions. The ith feature function should
      take as input an H x W x D array and return a (one-dimensional) array of
      length F_i.
    - verbose: Boolean; if true, print progress.
    - batched: if True (the default), cs231n.tools.batch_features computes hog_feature and
      color_histogram_hsv (also as functools.partial with keywords) for chunk_size images
      at a time (default 500), with a progress bar if verbose: the same numbers, several
      times faster. Any other function (a lambda, your own) runs one image at a time.

    Returns:
    An array of shape (N, F_1 + ... + F_k) where each column is the concatenation
    of all features for a single image.
    """
    imgs, feature_fns = check_extract_features(imgs, feature_fns)
    if batched:
        from cs231n.tools import batch_features  # it imports this module: import it here

        return batch_features.extract_features(imgs, feature_fns, verbose, chunk_size)
    num_images = imgs.shape[0]

    # Use the first image to determine feature dimensions
    feature_dims = []
    first_image_features = []
    for feature_fn in feature_fns:
        feats = check_feature_vector(feature_fn(imgs[0].squeeze()), feature_fn)
        feature_dims.append(feats.size)
        first_image_features.append(feats)

    # Now that we know the dimensions of the features, we can allocate a single
    # big array to store all features as columns.
    total_feature_dim = sum(feature_dims)
    imgs_features = np.zeros((num_images, total_feature_dim))
    imgs_features[0] = np.hstack(first_image_features).T

    # Extract features for the rest of the images.
    for i in range(1, num_images):
        idx = 0
        for feature_fn, feature_dim in zip(feature_fns, feature_dims):
            next_idx = idx + feature_dim
            imgs_features[i, idx:next_idx] = feature_fn(imgs[i].squeeze())
            idx = next_idx
        if verbose and i % 1000 == 999:
            print("Done extracting features for %d / %d images" % (i + 1, num_images))

    return imgs_features


def rgb2gray(rgb):
    """Convert RGB image to grayscale

      Parameters:
        rgb : RGB image

      Returns:
        gray : grayscale image

    """
    # The course's np.dot(rgb[..., :3], [0.299, 0.587, 0.144]), element by element: BLAS
    # may round two pixels of the same colour differently, and then the HOG of an edge-free
    # region depends on the BLAS build (cs231n/tools/batch_features.py).
    rgb = np.asarray(rgb, dtype=np.float64)
    return rgb[..., 0] * 0.299 + rgb[..., 1] * 0.587 + rgb[..., 2] * 0.144


def hog_feature(im):
    """Compute Histogram of Gradient (HOG) feature for an image

         Modified from skimage.feature.hog
         http://pydoc.net/Python/scikits-image/0.4.2/skimage.feature.hog

       Reference:
         Histograms of Oriented Gradients for Human Detection
         Navneet Dalal and Bill Triggs, CVPR 2005

      Parameters:
        im : an input grayscale or rgb image, at least 8x8 pixels

      Returns:
        feat: Histogram of Gradient (HOG) feature: (H // 8) * (W // 8) * 9 values in
          float64 (144 for 32x32), the mean magnitude per 8x8 cell and orientation bin

    """
    im = check_image(im, hog=True)

    # convert rgb to grayscale if needed
    if im.ndim == 3:
        image = rgb2gray(im)
    else:
        image = im

    sy, sx = image.shape  # image size: rows, columns
    orientations = 9  # number of gradient bins
    cx, cy = (8, 8)  # pixels per cell

    gx = np.zeros(image.shape)
    gy = np.zeros(image.shape)
    gx[:, :-1] = np.diff(image, n=1, axis=1)  # compute gradient on x-direction
    gy[:-1, :] = np.diff(image, n=1, axis=0)  # compute gradient on y-direction
    grad_mag = np.sqrt(gx ** 2 + gy ** 2)  # gradient magnitude
    grad_ori = np.arctan2(gy, (gx + 1e-15)) * (180 / np.pi) + 90  # gradient orientation

    n_cellsx = int(np.floor(sx / cx))  # number of cells in x
    n_cellsy = int(np.floor(sy / cy))  # number of cells in y
    # compute orientations integral images
    orientation_histogram = np.zeros((n_cellsx, n_cellsy, orientations))
    for i in range(orientations):
        # isolate orientations in this range, and select magnitudes for those orientations
        in_bin = ((grad_ori >= 180 / orientations * i)
                  & (grad_ori < 180 / orientations * (i + 1)) & (grad_ori > 0))
        temp_mag = np.where(in_bin, grad_mag, 0)
        # the mean over each whole 8x8 cell (the course: uniform_filter at the cell centres)
        cells = temp_mag[:n_cellsy * cy, :n_cellsx * cx].reshape(n_cellsy, cy, n_cellsx, cx)
        orientation_histogram[:, :, i] = cells.mean(axis=(1, 3)).T

    return orientation_histogram.ravel()


def color_histogram_hsv(im, nbin=10, xmin=0, xmax=255, normalized=True):
    """
    Compute color histogram for an image using hue.

    Inputs:
    - im: H x W x C array of pixel data for an RGB image.
    - nbin: Number of histogram bins. (default: 10)
    - xmin: Minimum pixel value (default: 0)
    - xmax: Maximum pixel value (default: 255)
    - normalized: Whether to normalize the histogram (default: True)

    Returns:
      1D vector of length nbin giving the color histogram over the hue of the
      input image.
    """
    im, nbin = check_color_histogram(im, nbin, xmin, xmax)
    bins = np.linspace(xmin, xmax, nbin + 1)
    hsv = matplotlib.colors.rgb_to_hsv(im / xmax) * xmax
    with np.errstate(invalid="ignore", divide="ignore"):  # no hue in [xmin, xmax]: NaN
        imhist, bin_edges = np.histogram(hsv[:, :, 0], bins=bins, density=normalized)
        imhist = imhist * np.diff(bin_edges)

    # return histogram
    return imhist
