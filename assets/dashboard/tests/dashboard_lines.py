"""Lines the real callback builds (from LiteLLM-shaped payloads), at chosen times, for the evaluator's tests."""
import datetime
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dashboard.agents import HAIKU, SONNET, build_metric_line, payload_kwargs  # noqa: E402,F401

T0 = datetime.datetime(2026, 11, 28, 12, 0, tzinfo=datetime.timezone.utc).timestamp()


def line(at, *, alias='extraction-agent', group='claude-primary', model=SONNET, status=200, ms=1000, prompt=1000,
         completion=100):
    """One line as the callback writes it for a call that ended ``at`` seconds after T0."""
    kwargs, success = payload_kwargs(alias, 'document-processing', group, model, prompt if status == 200 else 0,
                                     completion if status == 200 else 0, ms / 1000, status, T0 + at, f'trace-{at}')
    record = build_metric_line(kwargs, None, None, None, success)
    record['timestamp'] = datetime.datetime.fromtimestamp(T0 + at, datetime.timezone.utc).isoformat()
    return record

