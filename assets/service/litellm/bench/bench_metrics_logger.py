"""Microseconds per event of the metrics callback (not a test).

python3 assets/service/litellm/bench/bench_metrics_logger.py
"""

import io
import os
import sys
import timeit

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests"))
import conftest  # noqa: E402,F401
from callbacks.metrics_logger import MetricsLogger  # noqa: E402
from payloads import END, START, failure_kwargs, success_kwargs  # noqa: E402

logger = MetricsLogger(stream=io.StringIO())
ok, bad = success_kwargs(), failure_kwargs()
n = 20_000
for name, fn in [
    ("success", lambda: logger.log_success_event(ok, None, START, END)),
    ("failure", lambda: logger.log_failure_event(bad, None, START, END)),
]:
    best = min(timeit.repeat(fn, number=n, repeat=5)) / n * 1e6
    logger.flush()
    print(f"{name}: {best:.1f} µs per event")
