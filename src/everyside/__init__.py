"""everyside: read news from many outlets, group articles into stories, show every side."""

__version__ = "0.1.0"

# BLAS threads: the story engine multiplies small matrices (thousands of rows of 256) once per
# article; OpenBLAS spreads each over every core and, on a busy machine, spends more time
# synchronising than multiplying (7 ms instead of 0.2 ms per article, measured). Parallelism
# comes from processes (the extraction pool, workers), so one BLAS thread each is right.
import os as _os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    _os.environ.setdefault(_var, "1")
