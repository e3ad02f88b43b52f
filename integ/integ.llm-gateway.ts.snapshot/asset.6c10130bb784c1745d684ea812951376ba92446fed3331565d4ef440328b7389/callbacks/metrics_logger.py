"""Metrics callback for the LiteLLM gateway: one JSON line on stdout per completion.

CloudWatch metric filters of cdk-llm-gateway read these lines (selector ``$.litellm_metric IS TRUE``), so the field
names here and the filters in ``src/observability/`` must agree; a test checks both sides.

LiteLLM loads ``callbacks: [callbacks.metrics_logger.metrics_logger]`` relative to the config file and wants the
module-level *instance* below, not the class. The proxy calls the async hooks; the sync ones serve the SDK.
Fields are read from ``kwargs["standard_logging_object"]`` (``litellm/types/utils.py`` ``StandardLoggingPayload``,
checked at v1.83). Never the key or its hash, never prompt or response text. A failure in here never reaches the
request: every hook swallows its own errors.
"""
import datetime
import json
import sys

try:
    from litellm.integrations.custom_logger import CustomLogger
except ImportError:  # outside the image (unit tests without LiteLLM)
    class CustomLogger:  # type: ignore[no-redef]
        def __init__(self, *args, **kwargs):
            pass

MAX_ERROR_CHARS = 256
_PROVIDER_PREFIXES = ("bedrock/converse/", "bedrock/invoke/", "bedrock/")


def _dict(value):
    return value if isinstance(value, dict) else {}


def _finite(value):
    """A finite int or float (never a bool), else None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return value if value == value and abs(value) != float("inf") else None


def _int(value):
    number = _finite(value)
    return int(number) if number is not None else 0


def _float(value):
    number = _finite(value)
    return float(number) if number is not None else 0.0


def _text(value, limit=200):
    return value[:limit] if isinstance(value, str) else None


def _strip_provider(model):
    if not isinstance(model, str):
        return "unknown"
    for prefix in _PROVIDER_PREFIXES:
        if model.startswith(prefix):
            return model[len(prefix):] or "unknown"
    return model or "unknown"


def _seconds(value):
    if isinstance(value, datetime.datetime):
        return value.timestamp()
    if isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) < 1e12:
        return float(value)
    return None


def _status_code(payload, kwargs):
    info = _dict(payload.get("error_information"))
    code = info.get("error_code")
    if isinstance(code, int) and not isinstance(code, bool):
        return code if 400 <= code <= 599 else 500
    if isinstance(code, str) and code.strip().isdigit():
        value = int(code.strip())
        return value if 400 <= value <= 599 else 500
    exception = kwargs.get("exception")
    value = getattr(exception, "status_code", None)
    if isinstance(value, int) and not isinstance(value, bool) and 400 <= value <= 599:
        return value
    return 500


def _error(payload, kwargs):
    info = _dict(payload.get("error_information"))
    error_class = info.get("error_class")
    message = info.get("error_message") or payload.get("error_str")
    exception = kwargs.get("exception")
    if not isinstance(error_class, str) or not error_class:
        error_class = type(exception).__name__ if exception is not None else "Error"
    if not isinstance(message, str) or not message:
        message = str(exception) if exception is not None else ""
    text = f"{error_class}: {message}" if message else error_class
    return " ".join(text.split())[:MAX_ERROR_CHARS]


def build_metric_line(kwargs, response_obj, start_time, end_time, success):
    """The metric record of one completion; fields LiteLLM did not provide fall back to neutral values."""
    kwargs = _dict(kwargs)
    payload = _dict(kwargs.get("standard_logging_object"))
    metadata = _dict(payload.get("metadata"))
    hidden = _dict(payload.get("hidden_params"))

    # The Bedrock id that served the call (the metric filters' Model dimension, matched against the configured
    # models): the deployment's model name when LiteLLM reports it, else the payload's model.
    provider_model = _strip_provider(hidden.get("litellm_model_name") or payload.get("model") or kwargs.get("model"))
    model = provider_model
    # Both ends from one source, so that a payload with only one of them cannot mix clocks.
    start, end = _seconds(payload.get("startTime")), _seconds(payload.get("endTime"))
    if start is None or end is None:
        start, end = _seconds(start_time), _seconds(end_time)
    response_time_ms = int(round((end - start) * 1000)) if start is not None and end is not None and end >= start else 0

    record = {
        "litellm_metric": True,
        "model": model,
        "provider_model": provider_model,
        "model_group": _text(payload.get("model_group")) or "unknown",
        "prompt_tokens": _int(payload.get("prompt_tokens")) if success else 0,
        "completion_tokens": _int(payload.get("completion_tokens")) if success else 0,
        "total_tokens": _int(payload.get("total_tokens")) if success else 0,
        "response_cost": _float(payload.get("response_cost")) if success else 0.0,
        "response_time_ms": response_time_ms,
        "status_code": 200 if success else _status_code(payload, kwargs),
        "stream": bool(kwargs.get("stream") or payload.get("stream")),
        # Per-agent spend: the virtual key's alias and team, never the key or its hash.
        "key_alias": _text(metadata.get("user_api_key_alias")) or "unknown",
        "team": _text(metadata.get("user_api_key_team_alias")) or "unknown",
        # Equal across the retries and fallbacks of one request: lines per trace_id count its attempts.
        "trace_id": _text(payload.get("trace_id"), 100) or "",
        "timestamp": datetime.datetime.now(datetime.timezone.utc).isoformat(),
    }
    if not success:
        record["error"] = _error(payload, kwargs)
    return record


class MetricsLogger(CustomLogger):
    """Prints one metric line per completion; never raises into LiteLLM."""

    def __init__(self, stream=None, **kwargs):
        super().__init__(**kwargs)
        self._stream = stream

    def _emit(self, kwargs, response_obj, start_time, end_time, success):
        try:
            record = build_metric_line(kwargs, response_obj, start_time, end_time, success)
            print(json.dumps(record, separators=(",", ":"), allow_nan=False), file=self._stream or sys.stdout, flush=True)
        except Exception:  # noqa: BLE001 - a metrics failure must never break a request
            pass

    def log_success_event(self, kwargs, response_obj, start_time, end_time):
        self._emit(kwargs, response_obj, start_time, end_time, True)

    def log_failure_event(self, kwargs, response_obj, start_time, end_time):
        self._emit(kwargs, response_obj, start_time, end_time, False)

    async def async_log_success_event(self, kwargs, response_obj, start_time, end_time):
        self._emit(kwargs, response_obj, start_time, end_time, True)

    async def async_log_failure_event(self, kwargs, response_obj, start_time, end_time):
        self._emit(kwargs, response_obj, start_time, end_time, False)


metrics_logger = MetricsLogger()
