"""CloudWatch Logs JSON filter patterns, the subset the gateway's filters use, evaluated as test/observability.test.ts
does: ``{ $.field IS TRUE }`` and ``{ (clause) && (clause) }`` with ``= != >= <= > <`` against numbers or
double-quoted strings. Anything else raises, so a new kind of pattern cannot pass unread."""
from __future__ import annotations

import json
import re
from typing import Any

_CLAUSE = re.compile(r'^\(?\s*\$\.(\w+)\s+(IS TRUE|=|>=|<=|!=|>|<)\s*([^)]*?)\s*\)?$')


def matches(pattern: str, line: dict[str, Any]) -> bool:
    body = re.sub(r'\s*\}$', '', re.sub(r'^\{\s*', '', pattern.strip()))
    results = []
    for clause in body.split('&&'):
        m = _CLAUSE.match(clause.strip())
        if not m:
            raise ValueError(f"cannot read filter clause '{clause}'")
        field, op, raw = m.groups()
        actual = line.get(field)
        if op == 'IS TRUE':
            results.append(actual is True)
            continue
        expected = json.loads(raw) if raw.startswith('"') else float(raw)
        if isinstance(expected, float) and (isinstance(actual, bool) or not isinstance(actual, (int, float))):
            results.append(False)
            continue
        if op == '=':
            results.append(actual == expected)
        elif op == '!=':
            results.append(actual != expected)
        elif isinstance(actual, type(expected)) or isinstance(expected, float):
            results.append({'>=': actual >= expected, '<=': actual <= expected,
                            '>': actual > expected, '<': actual < expected}[op])
        else:
            results.append(False)
    return all(results)
