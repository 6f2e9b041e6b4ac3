"""Print an OpenBLAS kernel (OPENBLAS_CORETYPE) that this CPU supports but does not use.

CI runs the unit tests a second time under it, so a test that depends on the BLAS kernel
fails here, not on a student's laptop. AVX-512 kernels crash where the CPU lacks
AVX-512, so only kernels whose instructions the CPU reports are chosen.
"""
import os
import sys

import numpy  # noqa: F401  (loads NumPy's OpenBLAS)
from threadpoolctl import threadpool_info

# From newest to oldest: (kernel, CPU flags it needs).
KERNELS = (("SkylakeX", {"avx512f", "avx512bw", "avx512vl"}), ("Haswell", {"avx2", "fma"}),
           ("Sandybridge", {"avx"}), ("Nehalem", {"sse4_2"}), ("Prescott", {"sse3"}))


def main():
    own = next((i.get("architecture") for i in threadpool_info()
                if i.get("internal_api") == "openblas"), None)
    if own is None or not os.path.exists("/proc/cpuinfo"):
        return 1  # not NumPy's OpenBLAS, or not Linux: nothing to choose
    flags = set()
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("flags"):
                flags = set(line.split(":", 1)[1].split())
                break
    flags.add("sse3") if "pni" in flags else None  # Linux calls SSE3 "pni"
    for kernel, needs in KERNELS:
        if kernel.lower() != own.lower() and needs <= flags:
            print(kernel)
            return 0
    return 1


if __name__ == "__main__":
    sys.exit(main())
