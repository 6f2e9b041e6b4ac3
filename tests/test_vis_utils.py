"""Pictures: grid tiling, first-layer weights as images, the confusion matrix."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from cs231n.vis_utils import (first_layer_images, grid_shape,  # noqa: E402
                              plot_confusion_matrix, plot_stats, show_net_weights,
                              visualize_grid)


def test_visualize_grid_layout_and_scaling():
    images = np.stack([np.full((2, 3, 1), v, dtype=float) for v in range(5)])
    images[1, 0, 0, 0] = 10.0  # a non-constant tile: min 1 -> 0, max 10 -> 255
    grid = visualize_grid(images, ubound=255.0, padding=1)
    # 5 images (a prime) -> 2 rows x 3 columns of 2x3 tiles with 1 pixel of padding.
    assert grid.shape == (2 * 3 - 1, 3 * 4 - 1, 1)
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
    assert ax.images[0].get_array().shape == (2 * 35 - 3, 5 * 35 - 3, 3)  # 10 units: 2 x 5
    plt.close("all")


def test_setup_figures_makes_figures_opaque_white():
    from cs231n.vis_utils import setup_figures

    with matplotlib.rc_context():
        plt.rcParams["figure.facecolor"] = (1, 1, 1, 0)  # what a transparent theme would give
        settings = setup_figures({"figure.figsize": (4.0, 3.0)})
        assert settings["figure.figsize"] == (4.0, 3.0)
        fig = plt.figure()
        assert matplotlib.colors.to_rgba(fig.get_facecolor()) == (1.0, 1.0, 1.0, 1.0)
        assert matplotlib.colors.to_rgba(plt.rcParams["savefig.facecolor"]) == (1.0, 1.0, 1.0, 1.0)
        assert plt.rcParams["text.color"] == "black" and not plt.rcParams["savefig.transparent"]
        plt.close("all")



def test_plot_stats_draws_the_chance_line():
    stats = {"loss_history": [2.3, 2.0], "train_acc_history": [0.2, 0.3],
             "val_acc_history": [0.25, 0.28], "diverged_at": None}
    _, acc_ax = plot_stats(stats, chance=0.1)
    chance = [line for line in acc_ax.lines if line.get_label() == "chance (0.1)"]
    assert len(chance) == 1 and list(chance[0].get_ydata()) == [0.1, 0.1]
    _, acc_ax = plot_stats(stats)
    assert len(acc_ax.lines) == 2  # no chance line unless asked for
    plt.close("all")


def test_plot_loss_histories_marks_where_a_run_diverged():
    from cs231n.vis_utils import plot_loss_histories

    runs = {"lr 1e-2": {"loss_history": [2.3, 5.0, 1e4], "diverged_at": 3},
            "lr 1e-3": {"loss_history": [2.3, 2.2, 2.1, 2.0], "diverged_at": None}}
    ax = plot_loss_histories(runs, reference=np.log(10))
    assert ax.get_yscale() == "log"
    assert list(ax.lines[0].get_ydata()) == [2.3, 5.0, 1e4]
    cross = ax.lines[1]  # the red cross at the diverged run's last finite loss
    assert list(cross.get_xdata()) == [2] and list(cross.get_ydata()) == [1e4]
    texts = [t.get_text() for t in ax.texts]
    assert texts == ["lr 1e-2: diverged at iteration 3"]
    assert list(ax.lines[2].get_ydata()) == [2.3, 2.2, 2.1, 2.0]
    assert ax.lines[-1].get_ydata()[0] == pytest.approx(np.log(10))
    ax = plot_loss_histories(runs, log=False)
    assert ax.get_yscale() == "linear"
    plt.close("all")


@pytest.mark.parametrize("n, shape", [(50, (5, 10)), (100, (10, 10)), (500, (20, 25)),
                                      (10, (2, 5)), (7, (3, 3)), (1, (1, 1))])
def test_grid_shape_is_near_square_without_empty_tiles_when_it_can(n, shape):
    assert grid_shape(n) == shape


def test_fifty_weight_images_fill_their_grid():
    # 50 units: 5 x 10 tiles, none of them left black (the old 8 x 8 grid had 14).
    grid = visualize_grid(np.random.default_rng(0).random((50, 4, 4, 3)), padding=1)
    assert grid.shape == (5 * 5 - 1, 10 * 5 - 1, 3)
    tiles = [grid[r * 5:r * 5 + 4, c * 5:c * 5 + 4] for r in range(5) for c in range(10)]
    assert all(tile.max() == 255.0 for tile in tiles)
