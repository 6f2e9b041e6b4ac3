"""Time one retrain-and-redraw of the interactive explorer at its default settings.

    python benchmarks/bench_widget.py            # CIFAR-10 subset (3,000 train / 500 val)
    python benchmarks/bench_widget.py --synthetic

The budget (issue #4) is 2 seconds per slider change on a 2-core machine. Data loading
and the first training happen before timing starts, so only what a slider change costs is
measured: TrainingExplorer.update() = train a TwoLayerNet + render the PNG + set the widgets.
"""
from __future__ import annotations

import argparse
import statistics
import time

BUDGET_SECONDS = 2.0


def time_one_retrain(repeats=5, data=None):
    """Wall times (seconds) of ``repeats`` retrain-and-redraws at the default settings.

    Inputs:
    - repeats: how many timed updates.
    - data: data dict for TrainingExplorer (default: the cached CIFAR-10 subset).

    Returns a list of ``repeats`` floats.
    """
    from cs231n.tools.widgets import TrainingExplorer, load_explorer_data

    if data is None:
        data = load_explorer_data()
    explorer = TrainingExplorer(data, train_now=True)  # warm-up: imports, first figure
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        explorer.update()
        times.append(time.perf_counter() - start)
    return times


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--synthetic", action="store_true",
                        help="use synthetic CIFAR-shaped data instead of CIFAR-10")
    args = parser.parse_args(argv)
    data = None
    if args.synthetic:
        from cs231n.tools.widgets import make_synthetic_data

        data = make_synthetic_data(3000, 500)
    times = time_one_retrain(args.repeats, data=data)
    median = statistics.median(times)
    verdict = "within" if median <= BUDGET_SECONDS else "OVER"
    print(f"widget retrain+redraw (defaults, {'synthetic' if args.synthetic else 'CIFAR-10'} "
          f"3000/500, batch 100, 300 iterations): median {median:.3f} s of {len(times)} "
          f"(min {min(times):.3f}, max {max(times):.3f}); {verdict} the {BUDGET_SECONDS:.0f} s budget")
    return median


if __name__ == "__main__":
    main()
