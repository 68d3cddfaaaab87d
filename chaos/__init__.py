"""Fault injection for Silsila: real workers, Redis and PostgreSQL, with faults made on purpose.

`python -m chaos.run` (`make chaos`) runs every scenario at full size and prints one line per
fault; the pytest integration tests (articles/tests/test_faults.py, stories/tests/test_faults.py)
run the same scenarios at a size that fits the suite's time budget.
"""
