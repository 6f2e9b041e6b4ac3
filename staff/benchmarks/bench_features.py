"""Benchmark of the image features (cs231n/features.py); writes staff/benchmarks/RESULTS-features.md.

    source .venv/bin/activate
    python staff/benchmarks/bench_features.py            # about 2-3 minutes on 2 cores
    python staff/benchmarks/bench_features.py --quick --output /tmp/smoke.md   # smoke run

Measured in one run, on real CIFAR-10 (all 60,000 images, uint8 as loaded):

1. HOG + HSV-hue histogram (the course's 144 + 10 = 154 features) of all 60,000 images with
   the batch path, ``extract_features(imgs, [hog_feature, color_histogram_hsv])`` (chunks of
   cs231n.tools.batch_features.DEFAULT_CHUNK_SIZE images); target <= 15 s.
2. The course's loop, one image at a time, ``extract_features(..., batched=False)`` with the
   course's ``[hog_feature, lambda img: color_histogram_hsv(img, nbin=10)]``, on the first
   5,000 images and scaled linearly to 60,000 (the per-image cost does not depend on which
   images). Interleaved with 1 repeat by repeat, so that load from other processes hits both
   alike; medians compared.
3. If scipy is importable (it is not a dependency): the course's original code verbatim
   (scipy ``uniform_filter`` and matplotlib ``rgb_to_hsv``), one image at a time, on 2,000
   images, scaled linearly.
4. Wall time and peak memory of executing notebooks/features.ipynb (nbconvert; RSS polled
   every 50 ms with psutil, summed over the kernel and the worker processes it starts).

Not part of the test suite (no test_ prefix).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from common import ROOT, bench_notebook, loadavg, log, machine_info  # noqa: E402

sys.path.insert(0, str(ROOT / "tests"))
from feature_references import course_hog  # noqa: E402  (the tests' copy of the course's code)

from cs231n.data_utils import load_CIFAR10  # noqa: E402
from cs231n.features import color_histogram_hsv, extract_features, hog_feature  # noqa: E402
from cs231n.tools import batch_features  # noqa: E402

TARGET_SECONDS = 15.0
NOTEBOOK = ROOT / "notebooks" / "features.ipynb"


def course_features_verbatim(gray="dot"):
    """The course's original per-image functions (scipy + matplotlib), or None without scipy.

    gray="dot" is the course's np.dot (BLAS); "elementwise" the same weighted sum without
    BLAS, as cs231n.features.rgb2gray computes it (isolates the effect of BLAS rounding)."""
    try:
        from scipy.ndimage import uniform_filter
    except ImportError:
        return None
    import matplotlib.colors

    def hog(im):
        return course_hog(im, uniform_filter, gray)

    def hsv(im, nbin=10, xmin=0, xmax=255, normalized=True):
        bins = np.linspace(xmin, xmax, nbin + 1)
        h = matplotlib.colors.rgb_to_hsv(im / xmax) * xmax
        imhist, bin_edges = np.histogram(h[:, :, 0], bins=bins, density=normalized)
        return imhist * np.diff(bin_edges)

    return [hog, lambda img: hsv(img, nbin=10)]


def time_call(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def bench_features(imgs, repeats, loop_n, verbatim_n):
    fns = [hog_feature, color_histogram_hsv]
    course_fns = [hog_feature, lambda img: color_histogram_hsv(img, nbin=10)]
    extract_features(imgs[:1000], fns)  # warm-up (page faults, caches)
    batch, loop = [], []
    for rep in range(repeats):
        t, feats = time_call(lambda: extract_features(imgs, fns))
        batch.append(t)
        t, looped = time_call(lambda: extract_features(imgs[:loop_n], course_fns, batched=False))
        loop.append(t)
        log(f"repeat {rep + 1}/{repeats}: batch {batch[-1]:.2f} s (60,000), "
            f"loop {loop[-1]:.2f} s ({loop_n:,})")
    max_diff = float(np.abs(feats[:loop_n] - looped).max())
    out = {"batch_s": batch, "loop_s": loop, "loop_n": loop_n, "n": len(imgs),
           "max_abs_diff": max_diff, "shape": feats.shape}
    verbatim = course_features_verbatim()
    if verbatim is not None:
        t, ref = time_call(lambda: extract_features(imgs[:verbatim_n], verbatim, batched=False))
        out["verbatim_s"], out["verbatim_n"] = t, verbatim_n
        diff = np.abs(feats[:verbatim_n] - ref).max(axis=1)
        out["verbatim_max_abs_diff"] = float(diff.max())
        out["verbatim_frac_images_differing"] = float((diff > 1e-9).mean())
        elementwise = course_features_verbatim("elementwise")
        ref = extract_features(imgs[:verbatim_n], elementwise, batched=False)
        out["verbatim_elementwise_max_abs_diff"] = float(np.abs(feats[:verbatim_n] - ref).max())
        log(f"course's scipy code: {t:.2f} s ({verbatim_n:,})")
    return out


def report(info, res, nb, wall):
    med_batch = statistics.median(res["batch_s"])
    med_loop = statistics.median(res["loop_s"])
    scale = res["n"] / res["loop_n"]
    loop_full = med_loop * scale
    meets = "meets" if med_batch <= TARGET_SECONDS else "MISSES"
    L = ["# Benchmarks: image features (HOG + HSV hue histogram)", ""]
    L.append("Reproduce (from the repository root): `python staff/benchmarks/bench_features.py`")
    L.append("")
    L.append(f"Run on {info['date']}, {wall / 60:.1f} min, on a shared machine: the ratio "
             "(both paths measured in the same run, interleaved repeat by repeat) is the "
             "meaningful number; absolute times move with the load of other processes.")
    L += ["", "## Machine", "", "| | |", "|---|---|",
          f"| CPU | {info['cpu']} ({info['cores']} cores) |",
          f"| Python | {info['python']} |",
          f"| NumPy | {info['numpy']} |",
          f"| NumPy BLAS (threadpoolctl; not used by the features) | {', '.join(info['blas'])} |",
          f"| load average (1, 5, 15 min) at start / end | {' '.join(info['loadavg_start'])} / {' '.join(loadavg())} |",
          ""]
    L += ["## 1. Features of all 60,000 CIFAR-10 images", "",
          f"HOG (144) + hue histogram (10) = {res['shape'][1]} features per image, float64, "
          f"from the uint8 images; median of {len(res['batch_s'])} repeats. The loop is the "
          "course's: `extract_features` calling `hog_feature` and "
          "`lambda img: color_histogram_hsv(img, nbin=10)` on one image at a time "
          f"(`batched=False`), timed on the first {res['loop_n']:,} images and **scaled "
          f"linearly** (x{scale:g}) to 60,000. Batch chunks: "
          f"{batch_features.DEFAULT_CHUNK_SIZE} images, one thread.", "",
          "| path | images timed | seconds (median) | seconds for 60,000 | repeats (s) |",
          "|---|---:|---:|---:|---|",
          f"| batch (`extract_features`, default) | {res['n']:,} | {med_batch:.2f} | "
          f"**{med_batch:.2f}** | {', '.join(f'{t:.2f}' for t in res['batch_s'])} |",
          f"| one image at a time (`batched=False`) | {res['loop_n']:,} | {med_loop:.2f} | "
          f"{loop_full:.1f} (scaled) | {', '.join(f'{t:.2f}' for t in res['loop_s'])} |"]
    if "verbatim_s" in res:
        v_full = res["verbatim_s"] * res["n"] / res["verbatim_n"]
        L.append(f"| the course's original code (scipy, matplotlib), one at a time | "
                 f"{res['verbatim_n']:,} | {res['verbatim_s']:.2f} | {v_full:.1f} (scaled) | 1 run |")
    L += ["", "| | value |", "|---|---|",
          f"| batch path, 60,000 images | **{med_batch:.2f} s** (target <= {TARGET_SECONDS:g} s: "
          f"{meets}) |",
          f"| speed-up of the batch path over the one-image loop | **{loop_full / med_batch:.1f}x** |",
          f"| largest difference batch vs loop (first {res['loop_n']:,} images) | "
          f"{res['max_abs_diff']:.1e} |"]
    if "verbatim_s" in res:
        L += [f"| speed-up over the course's original code | "
              f"{res['verbatim_s'] * res['n'] / res['verbatim_n'] / med_batch:.1f}x |",
              f"| largest difference from the course's original code (np.dot grayscale, "
              f"through BLAS) | {res['verbatim_max_abs_diff']:.2g} "
              f"({100 * res['verbatim_frac_images_differing']:.0f}% of the images differ "
              f"by more than 1e-9) |",
              f"| largest difference from the course's code with the grayscale summed "
              f"element by element | {res['verbatim_elementwise_max_abs_diff']:.1e} |"]
        L += ["", "The course's `np.dot` grayscale goes through BLAS, which may round two "
              "pixels of the same colour differently, so that gx is about +-3e-14 instead of "
              "0; the sign of that decides whether a weak vertical gradient counts in bin 0 or "
              "8 (see the docstring of cs231n/tools/batch_features.py). With the same sum computed "
              "element by element, the course's code and the package agree to rounding."]
    L += ["", "## 2. Executing notebooks/features.ipynb", ""]
    if "error" in nb:
        L.append(f"Not measured: {nb['error']}.")
    else:
        L += ["`jupyter nbconvert --to notebook --execute` into a temporary copy; memory by "
              "polling the process tree every 50 ms (psutil).", "",
              "| | value |", "|---|---|",
              f"| wall time | {nb['seconds']:.1f} s |",
              f"| peak PSS, kernel + its worker processes | {nb['peak_kernel_pss_mb']:.0f} MB |",
              f"| peak RSS, kernel + its worker processes | {nb['peak_kernel_rss_mb']:.0f} MB |",
              f"| peak RSS, whole process tree (nbconvert included) | "
              f"{nb['peak_tree_rss_mb']:.0f} MB |"]
    return "\n".join(L) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--output", type=Path, default=HERE / "RESULTS-features.md")
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: 1 repeat, 500-image loop, no notebook")
    args = parser.parse_args(argv)
    began = time.perf_counter()
    info = machine_info()
    Xtr, _, Xte, _ = load_CIFAR10(dtype=np.uint8)
    imgs = np.concatenate([Xtr, Xte])
    del Xtr, Xte
    if args.quick:
        res = bench_features(imgs, repeats=1, loop_n=500, verbatim_n=200)
        nb = {"error": "skipped (--quick)"}
    else:
        res = bench_features(imgs, repeats=3, loop_n=5000, verbatim_n=2000)
        log("executing the notebook ...")
        nb = bench_notebook(NOTEBOOK)
    text = report(info, res, nb, time.perf_counter() - began)
    args.output.write_text(text)
    log(f"wrote {args.output}")
    print(text)


if __name__ == "__main__":
    main()
