"""CloudWatch, the part the dashboard and the alarms use, evaluated over the callback's lines.

- ``publish``: every synthesized metric filter matches lines and publishes datapoints (value, dimensions, time);
- ``statistic``: Sum, Average, SampleCount, Minimum, Maximum and pNN of one metric per period (pNN nearest rank);
- ``MetricMath``: the metric-math expressions the construct writes: ``+ - * /``, comparisons, ``IF``, ``FILL``,
  ``MAX([..])``, ids of other queries; unknown functions or ids raise;
- ``evaluate_alarm``: the alarm's returned series per period, and whether ``DatapointsToAlarm`` of
  ``EvaluationPeriods`` consecutive periods breach (missing data as the alarm treats it).

A time series is a list aligned with a grid of period starts, ``None`` where CloudWatch would have no value.
Metrics in AWS namespaces (ECS, ALB, Container Insights) have no source here: they evaluate as no data.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from .insights import event_time, percentile
from .template import Alarm, MetricFilter, token_text

Series = list  # list[float | None] aligned with the grid
MetricKey = tuple  # (namespace, name, ((dimension, value), ...) sorted)


@dataclass(frozen=True)
class Datapoint:
    time: float
    value: float


def _key(namespace: str, name: str, dimensions: dict[str, str]) -> MetricKey:
    return (namespace, name, tuple(sorted(dimensions.items())))


def publish(filters: Sequence[MetricFilter], lines: Sequence[dict[str, Any]],
            matches: Callable[[str, dict], bool]) -> dict[MetricKey, list[Datapoint]]:
    """The datapoints the filters publish for ``lines``. A line whose value or dimension field is missing or of the
    wrong type publishes nothing for that filter, as CloudWatch skips such an event."""
    out: dict[MetricKey, list[Datapoint]] = {}
    for line in lines:
        for f in filters:
            if not matches(f.pattern, line):
                continue
            if f.value.startswith('$.'):
                value = line.get(f.value[2:])
                if isinstance(value, bool) or not isinstance(value, (int, float)):
                    continue
            else:
                value = float(f.value)
            dims = {}
            for name, ref in f.dimensions.items():
                dims[name] = line.get(ref[2:]) if ref.startswith('$.') else ref
            if any(not isinstance(v, str) or not v for v in dims.values()):
                continue
            out.setdefault(_key(f.namespace, f.metric_name, dims), []).append(Datapoint(event_time(line), float(value)))
    return out


def grid(lines: Sequence[dict[str, Any]], period: int, before: int = 0, after: int = 0) -> list[float]:
    """Period starts covering the lines' times, with ``before``/``after`` extra periods."""
    times = [event_time(line) for line in lines]
    first = math.floor(min(times) / period) * period - before * period
    last = math.floor(max(times) / period) * period + after * period
    return [first + i * period for i in range(int((last - first) / period) + 1)]


def statistic(points: Sequence[Datapoint], stat: str, starts: Sequence[float], period: int) -> Series:
    out: Series = []
    for start in starts:
        values = [p.value for p in points if start <= p.time < start + period]
        if not values:
            out.append(None)
        elif stat == 'Sum':
            out.append(sum(values))
        elif stat == 'Average':
            out.append(sum(values) / len(values))
        elif stat == 'SampleCount':
            out.append(float(len(values)))
        elif stat == 'Minimum':
            out.append(min(values))
        elif stat == 'Maximum':
            out.append(max(values))
        elif re.fullmatch(r'p\d+(\.\d+)?', stat):
            out.append(percentile(values, float(stat[1:])))
        else:
            raise ValueError(f'statistic {stat!r} is not supported')
    return out


class MathError(ValueError):
    pass


_MATH_TOKEN = re.compile(r'\s*(?:(?P<num>\d+(?:\.\d+)?)|(?P<op><=|>=|==|!=|[-+*/<>()\[\],])|(?P<name>[A-Za-z_]\w*))')


class MetricMath:
    """Evaluates one expression; ``resolve(id)`` gives the series of another query id."""

    def __init__(self, expression: str, resolve: Callable[[str], Series], length: int):
        self.tokens, pos = [], 0
        while pos < len(expression.rstrip()):
            m = _MATH_TOKEN.match(expression, pos)
            if not m or m.end() == pos:
                raise MathError(f'cannot read {expression[pos:]!r} in {expression!r}')
            pos = m.end()
            kind = m.lastgroup
            self.tokens.append((kind, m.group(kind)))
        self.expression, self.resolve, self.length, self.i = expression, resolve, length, 0

    def value(self) -> Any:
        result = self.compare()
        if self.i != len(self.tokens):
            raise MathError(f'unexpected {self.tokens[self.i:]} in {self.expression!r}')
        return result

    def _peek(self, *values: str) -> bool:
        return self.i < len(self.tokens) and self.tokens[self.i][1] in values

    def _take(self, value: str | None = None) -> tuple[str, str]:
        if self.i >= len(self.tokens) or (value is not None and self.tokens[self.i][1] != value):
            raise MathError(f'expected {value} in {self.expression!r}')
        self.i += 1
        return self.tokens[self.i - 1]

    def _apply(self, fn: Callable[[float, float], float | None], a: Any, b: Any) -> Any:
        if isinstance(a, list) or isinstance(b, list):
            a = a if isinstance(a, list) else [a] * self.length
            b = b if isinstance(b, list) else [b] * self.length
            return [None if x is None or y is None else fn(x, y) for x, y in zip(a, b)]
        return fn(a, b)

    def compare(self) -> Any:
        left = self.additive()
        if self._peek('<', '>', '<=', '>=', '==', '!='):
            op = self._take()[1]
            right = self.additive()
            ops = {'<': lambda x, y: x < y, '>': lambda x, y: x > y, '<=': lambda x, y: x <= y,
                   '>=': lambda x, y: x >= y, '==': lambda x, y: x == y, '!=': lambda x, y: x != y}
            left = self._apply(lambda x, y: 1.0 if ops[op](x, y) else 0.0, left, right)
        return left

    def additive(self) -> Any:
        left = self.term()
        while self._peek('+', '-'):
            op = self._take()[1]
            right = self.term()
            left = self._apply((lambda x, y: x + y) if op == '+' else (lambda x, y: x - y), left, right)
        return left

    def term(self) -> Any:
        left = self.unary()
        while self._peek('*', '/'):
            op = self._take()[1]
            right = self.unary()
            # Division by zero gives no value, not infinity.
            left = self._apply((lambda x, y: x * y) if op == '*' else (lambda x, y: None if y == 0 else x / y),
                               left, right)
        return left

    def unary(self) -> Any:
        if self._peek('-'):
            self._take()
            return self._apply(lambda x, y: x * y, -1.0, self.unary())
        return self.primary()

    def primary(self) -> Any:
        if self._peek('('):
            self._take('(')
            inner = self.compare()
            self._take(')')
            return inner
        if self._peek('['):
            self._take('[')
            items = [self.compare()]
            while self._peek(','):
                self._take(',')
                items.append(self.compare())
            self._take(']')
            return ('array', items)
        kind, text = self._take()
        if kind == 'num':
            return float(text)
        if kind != 'name':
            raise MathError(f'unexpected {text!r} in {self.expression!r}')
        if not self._peek('('):
            return list(self.resolve(text))
        self._take('(')
        args = [self.compare()]
        while self._peek(','):
            self._take(',')
            args.append(self.compare())
        self._take(')')
        return self._function(text.upper(), args)

    def _function(self, name: str, args: list[Any]) -> Any:
        if name == 'FILL' and len(args) == 2 and isinstance(args[0], list) and not isinstance(args[1], list):
            return [args[1] if v is None else v for v in args[0]]
        if name == 'IF' and len(args) == 3:
            cond = args[0] if isinstance(args[0], list) else [args[0]] * self.length
            a = args[1] if isinstance(args[1], list) else [args[1]] * self.length
            b = args[2] if isinstance(args[2], list) else [args[2]] * self.length
            return [None if c is None else (x if c else y) for c, x, y in zip(cond, a, b)]
        if name in ('MAX', 'MIN', 'SUM', 'AVG') and len(args) == 1:
            pick = {'MAX': max, 'MIN': min, 'SUM': sum, 'AVG': lambda v: sum(v) / len(v)}[name]
            arg = args[0]
            if isinstance(arg, tuple):  # an array of series: one value per period
                columns = zip(*arg[1])
                return [pick([v for v in col if v is not None]) if any(v is not None for v in col) else None
                        for col in columns]
            values = [v for v in arg if v is not None]
            return pick(values) if values else None
        raise MathError(f'function {name} with {len(args)} arguments is not supported ({self.expression!r})')


class Queries:
    """A set of metric queries that refer to each other by id (a widget's ``metrics`` or an alarm's ``Metrics``),
    evaluated on one grid."""

    def __init__(self, published: dict[MetricKey, list[Datapoint]], starts: Sequence[float], period: int):
        self.published, self.starts, self.period = published, list(starts), period
        self.expressions: dict[str, str] = {}
        self.stats: dict[str, tuple[MetricKey, str]] = {}
        self._cache: dict[str, Series] = {}

    def add_stat(self, query_id: str, key: MetricKey, stat: str) -> None:
        self.stats[query_id] = (key, stat)

    def add_expression(self, query_id: str, expression: str) -> None:
        self.expressions[query_id] = expression

    def has_source(self, key: MetricKey) -> bool:
        return key in self.published

    def series(self, query_id: str) -> Series:
        if query_id in self._cache:
            return self._cache[query_id]
        if query_id in self.stats:
            key, stat = self.stats[query_id]
            result = statistic(self.published.get(key, []), stat, self.starts, self.period)
        elif query_id in self.expressions:
            result = MetricMath(self.expressions[query_id], self.series, len(self.starts)).value()
            if not isinstance(result, list):
                result = [result] * len(self.starts)
        else:
            raise MathError(f'id {query_id!r} is not defined')
        self._cache[query_id] = result
        return result


def widget_queries(widget: dict[str, Any], published: dict[MetricKey, list[Datapoint]], starts: Sequence[float],
                   period: int = 300) -> tuple[Queries, list[tuple[str, str, dict]]]:
    """The queries of a dashboard metric widget, and its visible series as (id, label, options)."""
    queries = Queries(published, starts, period)
    visible = []
    for n, row in enumerate(widget['properties']['metrics']):
        options = row[-1] if isinstance(row[-1], dict) else {}
        query_id = options.get('id', f'_row{n}')
        if 'expression' in options:
            queries.add_expression(query_id, options['expression'])
            label = options.get('label', options['expression'])
        else:
            namespace, name, *rest = [x for x in row if not isinstance(x, dict)]
            dims = dict(zip(rest[0::2], rest[1::2]))
            queries.add_stat(query_id, _key(namespace, name, dims), options.get('stat', 'Average'))
            label = options.get('label', name)
        if options.get('visible', True):
            visible.append((query_id, label, options))
    return queries, visible


@dataclass(frozen=True)
class AlarmResult:
    alarm: Alarm
    starts: list[float]
    series: Series
    breaching: list[bool]
    fires: bool
    has_source: bool  # whether any metric the alarm reads is published by the lines' filters


_COMPARE = {
    'GreaterThanOrEqualToThreshold': lambda v, t: v >= t, 'GreaterThanThreshold': lambda v, t: v > t,
    'LessThanThreshold': lambda v, t: v < t, 'LessThanOrEqualToThreshold': lambda v, t: v <= t,
}


def evaluate_alarm(alarm: Alarm, published: dict[MetricKey, list[Datapoint]], lines: Sequence[dict[str, Any]],
                   after: int | None = None) -> AlarmResult:
    """The alarm over the lines' time span plus ``after`` periods of silence (default: EvaluationPeriods, so a burst
    is judged as the alarm would judge it once traffic stops)."""
    periods = {q['MetricStat']['Period'] for q in alarm.metrics if 'MetricStat' in q}
    (period,) = periods or {300}
    starts = grid(lines, period, after=alarm.evaluation_periods if after is None else after)
    queries = Queries(published, starts, period)
    returned = []
    has_source = False
    for q in alarm.metrics:
        if 'Expression' in q:
            queries.add_expression(q['Id'], q['Expression'])
        else:
            metric = q['MetricStat']['Metric']
            key = _key(metric['Namespace'], metric['MetricName'],
                       {d['Name']: d['Value'] if isinstance(d['Value'], str) else token_text(d['Value'])
                        for d in metric.get('Dimensions', [])})
            has_source = has_source or queries.has_source(key)
            queries.add_stat(q['Id'], key, q['MetricStat']['Stat'])
        if q.get('ReturnData', True):
            returned.append(q['Id'])
    (result_id,) = returned
    series = queries.series(result_id)
    compare = _COMPARE[alarm.comparison]
    breaching = []
    for v in series:
        if v is None:
            breaching.append(alarm.treat_missing == 'breaching')
        else:
            breaching.append(compare(v, alarm.threshold))
    n, m = alarm.evaluation_periods, alarm.datapoints_to_alarm
    fires = any(sum(breaching[i:i + n]) >= m for i in range(0, max(1, len(breaching) - n + 1)))
    return AlarmResult(alarm, starts, series, breaching, fires, has_source)
