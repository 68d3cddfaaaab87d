from __future__ import annotations

import os

# One BLAS thread per process, set before numpy loads: web and worker processes each do one
# small product at a time (sentence vectors, story centroids) beside other processes, where
# extra BLAS threads only contend for the same cores (measured: a 1,000 x 512 product took
# 5 ms with OpenBLAS's threads on a busy 2-core machine, 0.1 ms with one).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

# Load the Celery app whenever Django starts so @shared_task binds to it.
from .celery import app as celery_app

__all__ = ("celery_app",)
