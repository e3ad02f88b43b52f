"""Metrics callback for the LiteLLM gateway: one JSON line on stdout per completion.

CloudWatch metric filters of cdk-llm-gateway read these lines (selector ``$.litellm_metric IS TRUE``), so the field
names here and the filters in ``src/observability/`` must agree; a test checks both sides.

LiteLLM loads ``callbacks: [callbacks.metrics_logger.metrics_logger]`` relative to the config file and wants the
module-level *instance* below, not the class. The proxy calls the async hooks; the sync ones serve the SDK.
Fields are read from ``kwargs["standard_logging_object"]`` (``litellm/types/utils.py`` ``StandardLoggingPayload``,
checked at v1.83). Never the key or its hash, never prompt or response text: LiteLLM's error messages can carry both
(an auth failure names the key's last characters and its hash), so the ``error`` field keeps the error's class and
a message with anything key-shaped removed. A failure in here never reaches the request: every hook swallows its own
errors.

The hooks never write to stdout themselves: they queue the line and one writer thread per process writes it, so a
stdout that is slow to drain (log driver back-pressure) never stalls LiteLLM's event loop. When the queue is full
the line is dropped and counted; the writer prints ``{"litellm_metric_dropped": N}`` before its next line, so loss
is visible in the log group. Queued lines are written out when the process exits normally.
"""

import atexit
import datetime
import json
import os
import queue
import re
import sys
import threading
import time
from typing import Any, Protocol

try:
    from litellm.integrations.custom_logger import CustomLogger
except ImportError:  # outside the image (unit tests without LiteLLM)

    class CustomLogger:  # type: ignore[no-redef]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            pass


MAX_ERROR_CHARS = 256
QUEUE_LINES = 10_000
_PROVIDER_PREFIXES = ("bedrock/converse/", "bedrock/invoke/", "bedrock/")


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _finite(value: object) -> int | float | None:
    """A finite int or float (never a bool), else None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return value if value == value and abs(value) != float("inf") else None


def _int(value: object) -> int:
    number = _finite(value)
    return int(number) if number is not None else 0


def _float(value: object) -> float:
    number = _finite(value)
    return float(number) if number is not None else 0.0


def _text(value: object, limit: int = 200) -> str | None:
    return value[:limit] if isinstance(value, str) else None


def _strip_provider(model: object) -> str:
    if not isinstance(model, str):
        return "unknown"
    for prefix in _PROVIDER_PREFIXES:
        if model.startswith(prefix):
            return model[len(prefix) :] or "unknown"
    return model or "unknown"


def _seconds(value: object) -> float | None:
    if isinstance(value, datetime.datetime):
        return value.timestamp()
    if isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) < 1e12:
        return float(value)
    return None


def _status_code(payload: dict[str, Any], kwargs: dict[str, Any]) -> int:
    info = _dict(payload.get("error_information"))
    code = info.get("error_code")
    if isinstance(code, int) and not isinstance(code, bool):
        return code if 400 <= code <= 599 else 500
    if isinstance(code, str) and code.strip().isdigit():
        value = int(code.strip())
        return value if 400 <= value <= 599 else 500
    exception = kwargs.get("exception")
    status = getattr(exception, "status_code", None)
    if isinstance(status, int) and not isinstance(status, bool) and 400 <= status <= 599:
        return status
    return 500


_KEY_TEXT = re.compile(r"sk-[^\s,;'\"()\[\]{}]*")
_HEX_TEXT = re.compile(r"[0-9a-fA-F]{32,}")
_KEY_FIELD = re.compile(r"(?i)\b((?:api[_ ]?)?key|token|hash)(\s*(?:\([^)]*\)\s*)?[=:]\s*)[^\s,;]+")


def redact(text: str) -> str:
    """Without key values or fragments (``sk-…``), hashes, or the value of any ``key=``/``token:`` pair."""
    text = _KEY_TEXT.sub("sk-<redacted>", text)
    text = _HEX_TEXT.sub("<hash>", text)
    return _KEY_FIELD.sub(lambda m: m.group(1) + m.group(2) + "<redacted>", text)


def _error(payload: dict[str, Any], kwargs: dict[str, Any]) -> str:
    info = _dict(payload.get("error_information"))
    error_class = info.get("error_class")
    message = info.get("error_message") or payload.get("error_str")
    exception = kwargs.get("exception")
    if not isinstance(error_class, str) or not error_class:
        error_class = type(exception).__name__ if exception is not None else "Error"
    if not isinstance(message, str) or not message:
        message = str(exception) if exception is not None else ""
    # Redacted in full before it is cut, so a cut never leaves half a key behind.
    text = redact(f"{error_class}: {message}" if message else error_class)
    return " ".join(text.split())[:MAX_ERROR_CHARS]


def build_metric_line(kwargs: Any, response_obj: Any, start_time: Any, end_time: Any, success: bool) -> dict[str, Any]:
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


class _Stream(Protocol):
    """Where lines go: sys.stdout, or a test's stand-in."""

    def write(self, text: str, /) -> object: ...

    def flush(self) -> object: ...


class _Writer:
    """A bounded queue of lines and the one thread per process that writes them (started again after a fork)."""

    def __init__(self, stream: _Stream | None, capacity: int) -> None:
        self._stream = stream
        self._capacity = capacity
        self._lock = threading.Lock()
        self._pid: int | None = None
        # Replaced in each process by _ensure_running, which starts the thread that drains it.
        self._queue: queue.Queue[str] = queue.Queue(maxsize=capacity)
        self._dropped = 0

    def _ensure_running(self) -> None:
        if self._pid == os.getpid():
            return
        with self._lock:
            if self._pid != os.getpid():
                self._queue = queue.Queue(maxsize=self._capacity)
                self._dropped = 0
                threading.Thread(target=self._run, args=(self._queue,), name="metrics-logger", daemon=True).start()
                self._pid = os.getpid()

    def put(self, line: str) -> None:
        self._ensure_running()
        try:
            self._queue.put_nowait(line)
        except queue.Full:
            with self._lock:
                self._dropped += 1

    def _run(self, lines: queue.Queue[str]) -> None:
        while True:
            line = lines.get()
            try:
                with self._lock:
                    dropped, self._dropped = self._dropped, 0
                stream = self._stream or sys.stdout
                if dropped:
                    stream.write(
                        json.dumps({"litellm_metric_dropped": dropped, "timestamp": _now()}, separators=(",", ":"))
                        + "\n"
                    )
                stream.write(line + "\n")
                stream.flush()
            except Exception:  # noqa: BLE001 - a closed or broken stdout must not end the writer
                pass
            finally:
                lines.task_done()

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until every queued line is written (or `timeout` seconds pass); True when all were."""
        if self._pid != os.getpid():
            return True
        ends = time.monotonic() + timeout
        while self._queue.unfinished_tasks and time.monotonic() < ends:
            time.sleep(0.002)
        return not self._queue.unfinished_tasks


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat()


class MetricsLogger(CustomLogger):
    """Queues one metric line per completion for the writer thread; never raises into LiteLLM, never blocks it."""

    def __init__(self, stream: _Stream | None = None, capacity: int = QUEUE_LINES, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._writer = _Writer(stream, capacity)
        atexit.register(self._writer.flush, 2.0)

    def flush(self, timeout: float = 5.0) -> bool:
        return self._writer.flush(timeout)

    def _emit(self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any, success: bool) -> None:
        try:
            record = build_metric_line(kwargs, response_obj, start_time, end_time, success)
            self._writer.put(json.dumps(record, separators=(",", ":"), allow_nan=False))
        except Exception:  # noqa: BLE001 - a metrics failure must never break a request
            pass

    def log_success_event(self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any) -> None:
        self._emit(kwargs, response_obj, start_time, end_time, True)

    def log_failure_event(self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any) -> None:
        self._emit(kwargs, response_obj, start_time, end_time, False)

    async def async_log_success_event(self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any) -> None:
        self._emit(kwargs, response_obj, start_time, end_time, True)

    async def async_log_failure_event(self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any) -> None:
        self._emit(kwargs, response_obj, start_time, end_time, False)


metrics_logger = MetricsLogger()
