"""Pictures: grid tiling, first-layer weights as images, the confusion matrix."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from cs231n.vis_utils import (first_layer_images, plot_confusion_matrix, plot_stats,  # noqa: E402
                              show_net_weights, visualize_grid)


def test_visualize_grid_layout_and_scaling():
    images = np.stack([np.full((2, 3, 1), v, dtype=float) for v in range(5)])
    images[1, 0, 0, 0] = 10.0  # a non-constant tile: min 1 -> 0, max 10 -> 255
    grid = visualize_grid(images, ubound=255.0, padding=1)
    # 5 images -> 3 x 3 grid of 2x3 tiles with 1 pixel of padding.
    assert grid.shape == (3 * 3 - 1, 3 * 4 - 1, 1)
    assert not np.isnan(grid).any()  # constant tiles must not divide by zero
    tile1 = grid[0:2, 4:7, 0]
    assert tile1[0, 0] == 255.0 and tile1[1, 2] == 0.0
    assert (grid[0:2, 0:3] == 0).all()  # constant tile -> 0


def test_first_layer_images_reverse_the_row_layout():
    rng = np.random.default_rng(0)
    images = rng.standard_normal((4, 32, 32, 3))
    W1 = images.reshape(4, -1).T  # each column is one image flattened as (32, 32, 3)
    np.testing.assert_array_equal(first_layer_images(W1), images)
    with pytest.raises(ValueError, match="3072"):
        first_layer_images(np.zeros((100, 4)))


def test_confusion_matrix_by_hand():
    y_true = np.array([0, 0, 0, 1, 1, 2])
    y_pred = np.array([0, 0, 1, 1, 1, 0])
    ax, matrix = plot_confusion_matrix(y_true, y_pred, ["a", "b", "c"])
    # class 0: 2 of 3 right, 1 taken for class 1; class 1: 2 of 2; class 2: taken for 0.
    np.testing.assert_allclose(matrix, [[2 / 3, 1 / 3, 0], [0, 1, 0], [1, 0, 0]])
    plt.close("all")


def test_plots_draw_the_histories():
    stats = {"loss_history": [2.3, 2.0, 1.8], "train_acc_history": [0.2, 0.3],
             "val_acc_history": [0.25, 0.28], "diverged_at": None}
    loss_ax, acc_ax = plot_stats(stats)
    assert list(loss_ax.lines[0].get_ydata()) == [2.3, 2.0, 1.8]
    assert list(acc_ax.lines[1].get_ydata()) == [0.25, 0.28]
    ax = show_net_weights(np.random.default_rng(0).standard_normal((3072, 10)))
    assert ax.images[0].get_array().shape == (4 * 35 - 3, 4 * 35 - 3, 3)
    plt.close("all")
