"""Course staff's tools, left out of the student release whole.

- ``python -m staff.release OUTDIR``: write the student version.
- ``staff/benchmarks/``: speed measurements (not part of the tests).
- ``staff/tests/``: tests of the staff tools and of the fast training path.
"""
