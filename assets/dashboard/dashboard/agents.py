"""Lines for two agents, built by the real callback (``build_metric_line``) from payloads shaped like LiteLLM's
``StandardLoggingPayload``, as the proxy passes them when a virtual key with an alias makes the call.

Constructed, not the proxy's output: the twin runs the proxy without a database, so it has no virtual keys and every
line it prints carries the admin key's alias, 'unknown'. These lines show what the per-agent table looks like.
Prices are Bedrock's on-demand list prices per million tokens as LiteLLM's cost map had them (Sonnet 4.5: 3 / 15,
Haiku 4.5: 1 / 5 USD); the ``timestamp`` is set to the payload's end time so that the lines fall where asked.
"""
from __future__ import annotations

import datetime
import sys
from pathlib import Path

_LITELLM = Path(__file__).resolve().parents[2] / 'service' / 'litellm'
if str(_LITELLM) not in sys.path:
    sys.path.insert(0, str(_LITELLM))

from callbacks.metrics_logger import build_metric_line  # noqa: E402

SONNET = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0'
HAIKU = 'us.anthropic.claude-haiku-4-5-20251001-v1:0'
PRICES = {SONNET: (3.0, 15.0), HAIKU: (1.0, 5.0)}
# (agent alias, team, model group, Bedrock id, prompt tokens, completion tokens, seconds, status)
CALLS = [
    ('extraction-agent', 'document-processing', 'claude-primary', SONNET, 9200, 410, 6.8, 200),
    ('extraction-agent', 'document-processing', 'claude-primary', SONNET, 11800, 520, 8.1, 200),
    ('extraction-agent', 'document-processing', 'claude-primary', SONNET, 7400, 380, 5.9, 200),
    ('extraction-agent', 'document-processing', 'claude-primary', SONNET, 0, 0, 0.4, 429),
    ('review-agent', 'document-processing', 'claude-fast', HAIKU, 2100, 160, 1.2, 200),
    ('review-agent', 'document-processing', 'claude-fast', HAIKU, 2600, 210, 1.5, 200),
    ('review-agent', 'document-processing', 'claude-fast', HAIKU, 1900, 140, 1.1, 200),
    ('review-agent', 'document-processing', 'claude-fast', HAIKU, 2400, 190, 1.4, 200),
]


def cost(model: str, prompt: int, completion: int) -> float:
    per_in, per_out = PRICES[model]
    return (prompt * per_in + completion * per_out) / 1_000_000


def payload_kwargs(alias, team, group, model, prompt, completion, seconds, status, end, trace_id):
    success = status == 200
    payload = {
        'model': model, 'model_group': group, 'custom_llm_provider': 'bedrock',
        'prompt_tokens': prompt, 'completion_tokens': completion, 'total_tokens': prompt + completion,
        'response_cost': cost(model, prompt, completion), 'startTime': end - seconds, 'endTime': end,
        'status': 'success' if success else 'failure', 'trace_id': trace_id,
        'hidden_params': {'litellm_model_name': f'bedrock/{model}'},
        'metadata': {'user_api_key_alias': alias, 'user_api_key_team_alias': team},
    }
    if not success:
        payload['error_information'] = {'error_code': str(status), 'error_class': 'RateLimitError',
                                        'llm_provider': 'bedrock', 'error_message': 'ThrottlingException'}
    return {'model': model, 'stream': False, 'standard_logging_object': payload}, success


def agent_lines(start: float, spacing: float = 3.0) -> list[dict]:
    """The calls above, one every ``spacing`` seconds from ``start`` (epoch seconds)."""
    lines = []
    for i, call in enumerate(CALLS):
        end = start + i * spacing
        kwargs, success = payload_kwargs(*call, end=end, trace_id=f'agent-trace-{i}')
        line = build_metric_line(kwargs, None, None, None, success)
        line['timestamp'] = datetime.datetime.fromtimestamp(end, datetime.timezone.utc).isoformat()
        lines.append(line)
    return lines
