"""What the evaluator reads from a synthesized stack: the dashboard body, the metric filters and the alarms.

Deploy-time values in the dashboard body (the region, the log group's name, the load balancer's full name) are CFN
tokens inside JSON strings; they are replaced by readable text (``Ref:<logical id>``, ``<id>.<attribute>``) so that
the body parses and a widget can still be traced to the resource it reads.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


def token_text(token: Any) -> str:
    """A readable stand-in for a CloudFormation token (no quotes, so it fits inside a JSON string)."""
    if isinstance(token, dict) and 'Ref' in token:
        return f"Ref:{token['Ref']}"
    if isinstance(token, dict) and 'Fn::GetAtt' in token:
        return '.'.join(token['Fn::GetAtt'])
    return 'Token:' + ''.join(c for c in json.dumps(token, sort_keys=True) if c.isalnum() or c in ':.-_')[:60]


@dataclass(frozen=True)
class MetricFilter:
    """One metric filter: the lines it matches publish ``value`` (a number or ``$.field``) under these dimensions."""
    logical_id: str
    pattern: str
    namespace: str
    metric_name: str
    value: str
    unit: str | None
    dimensions: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Alarm:
    logical_id: str
    description: str
    threshold: float
    comparison: str
    evaluation_periods: int
    datapoints_to_alarm: int
    treat_missing: str
    metrics: list[dict[str, Any]]  # MetricDataQuery shape: Id, Expression | MetricStat, ReturnData


@dataclass(frozen=True)
class Stack:
    template: dict[str, Any]
    dashboard: dict[str, Any]
    metric_filters: list[MetricFilter]
    alarms: list[Alarm]


def _resources(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template.get('Resources', {}).items() if v.get('Type') == kind}


def dashboard_body(template: dict[str, Any]) -> dict[str, Any]:
    dashboards = _resources(template, 'AWS::CloudWatch::Dashboard')
    if len(dashboards) != 1:
        raise ValueError(f'expected one AWS::CloudWatch::Dashboard, found {len(dashboards)}')
    body = next(iter(dashboards.values()))['Properties']['DashboardBody']
    if isinstance(body, dict):
        separator, parts = body['Fn::Join']
        body = separator.join(p if isinstance(p, str) else token_text(p) for p in parts)
    return json.loads(body)


def metric_filters(template: dict[str, Any]) -> list[MetricFilter]:
    out = []
    for logical_id, resource in _resources(template, 'AWS::Logs::MetricFilter').items():
        p = resource['Properties']
        (t,) = p['MetricTransformations']
        out.append(MetricFilter(logical_id, p['FilterPattern'], t['MetricNamespace'], t['MetricName'],
                                t['MetricValue'], t.get('Unit'), {d['Key']: d['Value'] for d in t.get('Dimensions', [])}))
    return out


def _alarm_metrics(p: dict[str, Any]) -> list[dict[str, Any]]:
    """An alarm on one metric written as a one-query MetricDataQuery, so both kinds are evaluated alike."""
    if 'Metrics' in p:
        return p['Metrics']
    stat = p.get('Statistic') or p.get('ExtendedStatistic')
    return [{'Id': 'm', 'ReturnData': True, 'MetricStat': {
        'Metric': {'Namespace': p['Namespace'], 'MetricName': p['MetricName'], 'Dimensions': p.get('Dimensions', [])},
        'Period': p['Period'], 'Stat': stat}}]


def alarms(template: dict[str, Any]) -> list[Alarm]:
    out = []
    for logical_id, resource in _resources(template, 'AWS::CloudWatch::Alarm').items():
        p = resource['Properties']
        periods = int(p['EvaluationPeriods'])
        out.append(Alarm(logical_id, p.get('AlarmDescription', ''), float(p['Threshold']), p['ComparisonOperator'],
                         periods, int(p.get('DatapointsToAlarm', periods)), p.get('TreatMissingData', 'missing'),
                         _alarm_metrics(p)))
    return out


def load_stack(cdk_out: str | Path, stack: str = 'LlmGatewayStack') -> Stack:
    template = json.loads((Path(cdk_out) / f'{stack}.template.json').read_text())
    return Stack(template, dashboard_body(template), metric_filters(template), alarms(template))
