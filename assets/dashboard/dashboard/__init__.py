"""The gateway's dashboard and alarms, evaluated locally over the metrics callback's lines, and drawn.

``evaluate(stack, lines)`` gives, for every widget, what CloudWatch would show for those lines; ``render`` draws it.
The metric filter patterns are read by the twin's matcher (``assets/twin/twin/metric_filters.py``), the one the
twin's metrics tests use, so the two cannot drift apart.
"""
import sys
from pathlib import Path

_TWIN = Path(__file__).resolve().parents[2] / 'twin'
if str(_TWIN) not in sys.path:
    sys.path.insert(0, str(_TWIN))
