"""Every widget of the synthesized dashboard, and every alarm, evaluated over a set of callback lines."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Sequence

from twin.metric_filters import matches

from . import insights
from .metrics import AlarmResult, evaluate_alarm, grid, publish, widget_queries
from .template import Stack

PERIOD = 300


@dataclass
class WidgetResult:
    widget: dict[str, Any]
    kind: str  # 'text' | 'value' | 'graph' | 'table'
    title: str
    starts: list[float] = field(default_factory=list)
    series: list[tuple[str, list]] = field(default_factory=list)  # (label, values) of the visible series
    rows: list[dict[str, Any]] = field(default_factory=list)
    has_source: bool = True  # False: the metrics are AWS's (ECS, ALB), which the lines do not produce


@dataclass
class Evaluation:
    widgets: list[WidgetResult]
    alarms: list[AlarmResult]
    lines: list[dict[str, Any]]


def _is_custom(namespace: str) -> bool:
    return not (namespace.startswith('AWS/') or namespace.startswith('ECS/'))


def evaluate(stack: Stack, lines: Sequence[dict[str, Any]]) -> Evaluation:
    lines = list(lines)
    published = publish(stack.metric_filters, lines, matches)
    # The log group holds the callback's lines and LiteLLM's own; the queries select theirs with their filter.
    results = []
    for w in stack.dashboard['widgets']:
        props = w.get('properties', {})
        if w['type'] == 'text':
            results.append(WidgetResult(w, 'text', props.get('markdown', '')))
        elif w['type'] == 'log':
            results.append(WidgetResult(w, 'table', props.get('title', ''), rows=insights.run(props['query'], lines)))
        elif w['type'] == 'metric':
            namespaces = [row[0] for row in props['metrics'] if isinstance(row[0], str)]
            custom = any(_is_custom(ns) for ns in namespaces)
            if props.get('view') == 'singleValue' and props.get('setPeriodToTimeRange'):
                starts = grid(lines, PERIOD)
                period = int(starts[-1] - starts[0]) + PERIOD  # one value over the whole range
                starts = starts[:1]
            else:
                period = int(props.get('period', PERIOD))
                starts = grid(lines, period, before=1, after=1)
            queries, visible = widget_queries(w, published if custom else {}, starts, period)
            series = [(label, queries.series(qid)) for qid, label, _ in visible]
            kind = 'value' if props.get('view') == 'singleValue' else 'graph'
            results.append(WidgetResult(w, kind, props.get('title', ''), starts, series, has_source=custom))
        else:
            raise ValueError(f"widget type {w['type']!r} is not supported")
    alarms = [evaluate_alarm(a, published, lines) for a in stack.alarms]
    return Evaluation(results, alarms, lines)


def fmt(value: Any, digits: int = 4) -> str:
    if value is None:
        return '-'
    if isinstance(value, float):
        if value == 0:
            return '0'
        if abs(value) >= 1000 or value == math.floor(value):
            return f'{value:,.0f}'
        return f'{value:.{digits}g}'
    return str(value)
