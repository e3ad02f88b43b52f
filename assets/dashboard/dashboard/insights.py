"""CloudWatch Logs Insights, the subset the gateway's dashboard uses, evaluated over JSON log events.

Commands: ``filter`` (``ispresent(f)``, ``and`` / ``or`` / ``not``, ``= != < <= > >=`` against numbers and quoted
strings, parentheses), ``stats`` (``count(*)``, ``count(f)``, ``sum``, ``avg``, ``min``, ``max``, ``pct(f, n)``, each
with an optional ``as`` alias, grouped ``by`` fields and ``bin(<n>m|s|h)``), ``sort f [asc|desc]``, ``limit n``.
Anything else raises ``QueryError``, so a query that grows a construct this evaluator does not know fails its tests
instead of passing unread.

Events are dicts of the JSON line's top-level fields, as Logs Insights discovers them; ``@timestamp`` is the event
time in epoch seconds (here: the callback's own ``timestamp`` field, which the callback writes as it prints).
``pct`` is the nearest-rank percentile of the matching values (the smallest value with at least n % of the values at
or below it). Logs Insights does not document its method; on the twin's few lines the two agree only if it is exact.
"""
from __future__ import annotations

import datetime
import math
import re
from typing import Any, Callable


class QueryError(ValueError):
    """The query uses something outside the supported subset, or is malformed."""


def event_time(line: dict[str, Any]) -> float:
    """The ``@timestamp`` of a callback line: its ISO ``timestamp`` field, in epoch seconds."""
    if '@timestamp' in line:
        return float(line['@timestamp'])
    return datetime.datetime.fromisoformat(line['timestamp']).timestamp()


def split_stages(query: str) -> tuple[str | None, list[str]]:
    """(SOURCE clause or None, the stages), split on ``|`` outside quotes. An empty stage raises."""
    parts, current, quote = [], '', None
    for ch in query:
        if quote:
            current += ch
            if ch == quote:
                quote = None
        elif ch in '\'"':
            quote = ch
            current += ch
        elif ch == '|':
            parts.append(current)
            current = ''
        else:
            current += ch
    parts.append(current)
    parts = [p.strip() for p in parts]
    source = parts.pop(0) if parts and parts[0].upper().startswith('SOURCE ') else None
    for i, p in enumerate(parts):
        if not p:
            raise QueryError(f'stage {i + 1} is empty: Logs Insights refuses "| |"')
    return source, parts


_TOKEN = re.compile(r"\s*(?:(?P<num>\d+(?:\.\d+)?)(?P<unit>[smh]\b)?|(?P<str>'[^']*'|\"[^\"]*\")|"
                    r"(?P<op><=|>=|!=|==|=|<|>)|(?P<punct>[(),*])|(?P<name>@?[A-Za-z_][\w.]*))")


def _tokens(text: str) -> list[tuple[str, Any]]:
    out, pos = [], 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise QueryError(f'cannot read {text[pos:]!r}')
        pos = m.end()
        if m.group('num') is not None:
            if m.group('unit'):
                out.append(('dur', float(m.group('num')) * {'s': 1, 'm': 60, 'h': 3600}[m.group('unit')]))
            else:
                out.append(('num', float(m.group('num'))))
        elif m.group('str') is not None:
            out.append(('str', m.group('str')[1:-1]))
        elif m.group('op'):
            out.append(('op', m.group('op')))
        elif m.group('punct'):
            out.append((m.group('punct'), m.group('punct')))
        else:
            out.append(('name', m.group('name')))
    return out


class _Parser:
    def __init__(self, text: str):
        self.tokens = _tokens(text)
        self.i = 0

    def peek(self, kind: str | None = None, value: Any = None) -> bool:
        if self.i >= len(self.tokens):
            return False
        k, v = self.tokens[self.i]
        return (kind is None or k == kind) and (value is None or (isinstance(v, str) and v.lower() == value))

    def take(self, kind: str | None = None, value: Any = None) -> Any:
        if not self.peek(kind, value):
            got = self.tokens[self.i] if self.i < len(self.tokens) else 'the end'
            raise QueryError(f'expected {value or kind}, got {got}')
        self.i += 1
        return self.tokens[self.i - 1][1]

    def done(self) -> None:
        if self.i != len(self.tokens):
            raise QueryError(f'unexpected {self.tokens[self.i:]}')

    # filter expressions: a callable event -> value
    def expr(self) -> Callable[[dict], Any]:
        left = self.conj()
        while self.peek('name', 'or'):
            self.take()
            a, b = left, self.conj()
            left = lambda e, a=a, b=b: bool(a(e)) or bool(b(e))  # noqa: E731
        return left

    def conj(self) -> Callable[[dict], Any]:
        left = self.neg()
        while self.peek('name', 'and'):
            self.take()
            a, b = left, self.neg()
            left = lambda e, a=a, b=b: bool(a(e)) and bool(b(e))  # noqa: E731
        return left

    def neg(self) -> Callable[[dict], Any]:
        if self.peek('name', 'not'):
            self.take()
            inner = self.neg()
            return lambda e: not inner(e)
        return self.comparison()

    def comparison(self) -> Callable[[dict], Any]:
        left = self.operand()
        if not self.peek('op'):
            return left
        op = self.take('op')
        right = self.operand()

        def compare(e: dict) -> bool:
            a, b = left(e), right(e)
            if a is None or b is None:
                return False
            if isinstance(a, bool) or isinstance(b, bool):
                return op in ('=', '==') and a == b or op == '!=' and a != b
            numeric = isinstance(a, (int, float)) and isinstance(b, (int, float))
            if not numeric and op not in ('=', '==', '!='):
                if not (isinstance(a, str) and isinstance(b, str)):
                    return False
            if not numeric and op in ('=', '==', '!=') and type(a) is not type(b):
                return op == '!='
            return {'=': a == b, '==': a == b, '!=': a != b, '<': a < b, '<=': a <= b, '>': a > b, '>=': a >= b}[op]
        return compare

    def operand(self) -> Callable[[dict], Any]:
        if self.peek('('):
            self.take('(')
            inner = self.expr()
            self.take(')')
            return inner
        if self.peek('num'):
            value = self.take()
            return lambda e: value
        if self.peek('str'):
            text = self.take()
            return lambda e: text
        name = self.take('name')
        if name.lower() == 'ispresent':
            self.take('(')
            fieldname = self.take('name')
            self.take(')')
            return lambda e: e.get(fieldname) is not None
        if self.peek('('):
            raise QueryError(f'function {name}() is not supported in filter')
        return lambda e: e.get(name)


_AGGREGATES = {'count', 'sum', 'avg', 'min', 'max', 'pct'}


def percentile(values: list[float], p: float) -> float | None:
    """Nearest rank: the smallest value with at least p % of the values at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def _numbers(values: list[Any]) -> list[float]:
    return [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]


def _aggregate(fn: str, values: list[Any], arg: float | None) -> Any:
    if fn == 'count':
        return len([v for v in values if v is not None])
    numbers = _numbers(values)
    if fn == 'sum':
        return sum(numbers)
    if not numbers:
        return None
    if fn == 'avg':
        return sum(numbers) / len(numbers)
    if fn == 'min':
        return min(numbers)
    if fn == 'max':
        return max(numbers)
    return percentile(numbers, arg)


def _stats(text: str, events: list[dict]) -> list[dict[str, Any]]:
    p = _Parser(text)
    aggregates = []  # (output name, function, field or None for count(*), argument)
    while True:
        fn = p.take('name').lower()
        if fn not in _AGGREGATES:
            raise QueryError(f'stats function {fn}() is not supported')
        p.take('(')
        if p.peek('*'):
            if fn != 'count':
                raise QueryError(f'{fn}(*) is not valid')
            p.take('*')
            fieldname = None
        else:
            fieldname = p.take('name')
        arg = None
        if fn == 'pct':
            p.take(',')
            arg = p.take('num')
        p.take(')')
        default = f'{fn}({fieldname or "*"}{"" if arg is None else f", {arg:g}"})'
        name = default
        if p.peek('name', 'as'):
            p.take()
            name = p.take('name')
        aggregates.append((name, fn, fieldname, arg))
        if not p.peek(','):
            break
        p.take(',')
    groups = []  # (output name, key function)
    if p.peek('name', 'by'):
        p.take()
        while True:
            name = p.take('name')
            if name.lower() == 'bin':
                p.take('(')
                seconds = p.take('dur')
                p.take(')')
                label = f'bin({seconds / 60:g}m)' if seconds % 60 == 0 else f'bin({seconds:g}s)'
                groups.append((label, lambda e, s=seconds: math.floor(event_time(e) / s) * s))
            else:
                groups.append((name, lambda e, f=name: e.get(f)))
            if not p.peek(','):
                break
            p.take(',')
    p.done()
    buckets: dict[tuple, list[dict]] = {}
    for e in events:
        buckets.setdefault(tuple(g(e) for _, g in groups), []).append(e)
    rows = []
    for key, members in buckets.items():
        row = {name: value for (name, _), value in zip(groups, key)}
        for name, fn, fieldname, arg in aggregates:
            values = [1 for _ in members] if fieldname is None else [m.get(fieldname) for m in members]
            row[name] = _aggregate(fn, values, arg)
        rows.append(row)
    return rows


def run(query: str, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows the query returns over ``events`` (already restricted to the log group and time range)."""
    _, stages = split_stages(query)
    rows: list[dict[str, Any]] = list(events)
    for stage in stages:
        command, _, rest = stage.partition(' ')
        command = command.lower()
        if command == 'filter':
            p = _Parser(rest)
            predicate = p.expr()
            p.done()
            rows = [r for r in rows if predicate(r)]
        elif command == 'stats':
            rows = _stats(rest, rows)
        elif command == 'sort':
            p = _Parser(rest)
            fieldname = p.take('name')
            descending = False
            if p.peek('name', 'desc') or p.peek('name', 'asc'):
                descending = p.take().lower() == 'desc'
            p.done()
            present = [r for r in rows if r.get(fieldname) is not None]
            missing = [r for r in rows if r.get(fieldname) is None]
            rows = sorted(present, key=lambda r: r[fieldname], reverse=descending) + missing
        elif command == 'limit':
            p = _Parser(rest)
            count = int(p.take('num'))
            p.done()
            rows = rows[:count]
        else:
            raise QueryError(f'command {command!r} is not supported')
    return rows
