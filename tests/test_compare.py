"""Comparing accuracies: standard errors, the one noise rule, a grid's edge note and heatmap."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from cs231n.tools.compare import (accuracy_standard_error, difference_standard_error,  # noqa: E402
                                  edge_note, plot_accuracy_grid, text_color_on, within_noise)


def test_accuracy_standard_error():
    assert accuracy_standard_error(0.5, 1000) == pytest.approx(0.0158, abs=1e-4)
    assert accuracy_standard_error(0.0, 10) == 0.0
    with pytest.raises(ValueError):
        accuracy_standard_error(1.5, 10)
    with pytest.raises(ValueError):
        accuracy_standard_error(0.5, 0)


def test_noise_rule_uses_the_standard_error_of_the_difference():
    # sqrt(0.25/1000 + 0.25/1000) = 0.02236
    assert difference_standard_error(0.5, 1000, 0.5, 1000) == pytest.approx(0.02236, abs=1e-5)
    assert within_noise(0.50, 1000, 0.48, 1000)       # 0.9 SE of the difference
    assert not within_noise(0.50, 1000, 0.454, 1000)  # 2 SE: not noise
    # k-NN's 500 test images widen the band: 0.025 apart is noise there, not on 1,000 each
    assert within_noise(0.30, 500, 0.325, 1000) and not within_noise(0.30, 1000, 0.325, 1000)


def test_text_colour_reads_on_its_background():
    cmap = matplotlib.colormaps["viridis"]
    assert text_color_on(cmap(1.0)) == "black"  # yellow
    assert text_color_on(cmap(0.0)) == "white"  # dark purple


def test_edge_note_says_where_the_best_sits_and_what_to_do():
    grid = {(lr, reg): 0.30 for lr in (1e-7, 3e-7, 1e-6) for reg in (1e3, 1e4, 1e5)}
    assert edge_note({**grid, (3e-7, 1e4): 0.37}, 1000).endswith("lies inside the grid.")
    # best at the largest learning rate and the smallest reg; the reg neighbour is within noise
    note = edge_note({**grid, (1e-6, 1e3): 0.40, (1e-6, 1e4): 0.39}, 1000)
    assert "the largest learning rate (1e-06): extend the grid to larger values" in note
    assert ("the smallest regularisation strength (1000), but it has levelled off there "
            "(regularisation strength 10000 is within noise of it)") in note


def test_accuracy_grid_marks_the_best_and_cells_within_noise():
    results = {(1e-7, 1e3): (0.3, 0.30), (1e-7, 1e4): (0.3, 0.36),
               (1e-6, 1e3): (0.4, 0.39), (1e-6, 1e4): (0.4, 0.40)}
    ax = plot_accuracy_grid(results, n_val=1000)
    texts = {t.get_text(): t.get_color() for t in ax.texts}
    assert texts["0.400\nbest"] == "black"  # the yellow best cell: black text
    assert "0.390\n≈ best" in texts and "0.360" in texts and "0.300" in texts
    assert texts["0.300"] == "white"
    plt.close("all")
