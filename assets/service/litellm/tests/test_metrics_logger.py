import asyncio
import io
import json
import random
import string
import time

import pytest
from callbacks import metrics_logger as module
from payloads import END, START, failure_kwargs, success_kwargs

SPEC_FIELDS = {
    "litellm_metric",
    "model",
    "provider_model",
    "prompt_tokens",
    "completion_tokens",
    "total_tokens",
    "response_cost",
    "response_time_ms",
    "status_code",
    "timestamp",
}


def test_module_exposes_an_instance_for_litellm_config():
    assert isinstance(module.metrics_logger, module.MetricsLogger)
    assert isinstance(module.metrics_logger, module.CustomLogger)


def test_success_line_has_the_spec_fields(logger):
    asyncio.run(logger.async_log_success_event(success_kwargs(), None, START, END))
    [line] = logger.lines()
    assert SPEC_FIELDS <= set(line)
    assert line["litellm_metric"] is True
    assert line["model"] == "us.anthropic.claude-haiku-4-5-20251001-v1:0"
    assert line["provider_model"] == "us.anthropic.claude-haiku-4-5-20251001-v1:0"
    assert line["model_group"] == "claude-fast"
    assert (line["prompt_tokens"], line["completion_tokens"], line["total_tokens"]) == (10164, 32, 10196)
    assert line["response_cost"] == 0.0340692
    assert line["response_time_ms"] == 1493
    assert line["status_code"] == 200
    assert line["key_alias"] == "extraction-agent"
    assert line["team"] == "document-processing"
    assert "error" not in line
    assert line["timestamp"].endswith("+00:00")


def test_sync_hooks_print_the_same_line(logger):
    logger.log_success_event(success_kwargs(), None, START, END)
    logger.log_failure_event(failure_kwargs(), None, START, END)
    assert [line["status_code"] for line in logger.lines()] == [200, 429]


def test_never_the_key_its_hash_or_any_text(logger):
    logger.log_success_event(success_kwargs(), None, START, END)
    logger.log_failure_event(failure_kwargs(), None, START, END)
    raw = json.dumps(logger.lines())
    assert "88dc28d0" not in raw and "user-1" not in raw
    assert "SECRET PROMPT" not in raw and "SECRET RESPONSE" not in raw


def test_throttle_is_429_with_a_short_error(logger):
    asyncio.run(
        logger.async_log_failure_event(failure_kwargs(message="ThrottlingException: " + "x" * 1000), None, START, END)
    )
    [line] = logger.lines()
    assert line["status_code"] == 429
    assert line["error"].startswith("RateLimitError: ThrottlingException")
    assert len(line["error"]) <= module.MAX_ERROR_CHARS
    assert (line["prompt_tokens"], line["response_cost"]) == (0, 0.0)


def test_context_window_is_400(logger):
    logger.log_failure_event(
        failure_kwargs(code="400", error_class="ContextWindowExceededError", message="prompt is too long"),
        None,
        START,
        END,
    )
    assert logger.lines()[0]["status_code"] == 400
    assert logger.lines()[0]["error"] == "ContextWindowExceededError: prompt is too long"


def test_failure_without_error_information_uses_the_exception(logger):
    kwargs = failure_kwargs()
    del kwargs["standard_logging_object"]["error_information"]
    logger.log_failure_event(kwargs, None, START, END)
    assert logger.lines()[0]["status_code"] == 429
    assert logger.lines()[0]["error"].startswith("RateLimitError") or logger.lines()[0]["error"].startswith(
        "BedrockThrottle"
    )


def test_failure_without_any_code_is_500(logger):
    logger.log_failure_event({"standard_logging_object": {"model": "m"}}, None, START, END)
    assert logger.lines()[0]["status_code"] == 500
    assert logger.lines()[0]["error"] == "Error"


def test_streaming_completion_is_flagged(logger):
    asyncio.run(logger.async_log_success_event(success_kwargs(stream=True), None, START, END))
    assert logger.lines()[0]["stream"] is True


def test_retried_then_fallen_back_request_is_countable(logger):
    # primary throttled twice (retry), then the fallback alias answers: three lines, one trace id
    for _ in range(2):
        logger.log_failure_event(failure_kwargs(trace_id="t-9"), None, START, END)
    logger.log_success_event(success_kwargs(model_group="claude-fallback", trace_id="t-9"), None, START, END)
    lines = logger.lines()
    assert [line["trace_id"] for line in lines] == ["t-9"] * 3
    assert [line["model_group"] for line in lines] == ["claude-primary", "claude-primary", "claude-fallback"]
    assert [line["status_code"] for line in lines] == [429, 429, 200]


def test_missing_fields_print_what_they_can(logger):
    logger.log_success_event({}, None, None, None)
    logger.log_success_event({"model": "bedrock/converse/us.x.y-v1:0"}, None, START, END)
    first, second = logger.lines()
    assert first["model"] == "unknown" and first["response_time_ms"] == 0 and first["key_alias"] == "unknown"
    assert second["model"] == "us.x.y-v1:0" and second["response_time_ms"] == 1493


def test_times_fall_back_to_the_hook_arguments(logger):
    kwargs = success_kwargs()
    del kwargs["standard_logging_object"]["startTime"]
    logger.log_success_event(kwargs, None, START, END)
    assert logger.lines()[0]["response_time_ms"] == 1493


def test_a_broken_stream_never_raises():
    class Broken:
        def write(self, _):
            raise OSError("stdout closed")

        def flush(self):
            raise OSError("stdout closed")

    module.MetricsLogger(stream=Broken()).log_success_event(success_kwargs(), None, START, END)


def _random_value(rng, depth=0):
    kinds = [
        None,
        True,
        False,
        0,
        -1,
        2**70,
        1.5,
        float("nan"),
        float("inf"),
        "",
        "429",
        "abc",
        "x" * 5000,
        [],
        {},
        object(),
        b"bytes",
        START,
    ]
    if depth < 3 and rng.random() < 0.3:
        keys = [
            "model",
            "model_group",
            "prompt_tokens",
            "completion_tokens",
            "total_tokens",
            "response_cost",
            "startTime",
            "endTime",
            "error_information",
            "error_code",
            "error_class",
            "error_message",
            "metadata",
            "hidden_params",
            "litellm_model_name",
            "user_api_key_alias",
            "trace_id",
            "status_code",
        ]
        return {
            rng.choice(keys + ["".join(rng.choices(string.printable, k=5))]): _random_value(rng, depth + 1)
            for _ in range(rng.randint(0, 6))
        }
    return rng.choice(kinds)


def test_fuzz_ten_thousand_malformed_payloads_never_raise_and_always_print_json(logger):
    rng = random.Random(20261127)
    for _ in range(10_000):
        kwargs = _random_value(rng)
        if rng.random() < 0.7:
            kwargs = {
                "standard_logging_object": _random_value(rng),
                "exception": rng.choice([None, ValueError("x"), object()]),
                "model": _random_value(rng),
                "stream": _random_value(rng),
            }
        hook = rng.choice([logger.log_success_event, logger.log_failure_event])
        hook(kwargs, _random_value(rng), _random_value(rng), _random_value(rng))
    lines = logger.lines()
    assert len(lines) == 10_000
    for line in lines:
        assert line["litellm_metric"] is True
        assert isinstance(line["model"], str) and isinstance(line["status_code"], int)
        for field in ("prompt_tokens", "completion_tokens", "total_tokens", "response_time_ms"):
            assert isinstance(line[field], int) and not isinstance(line[field], bool)
        assert isinstance(line["response_cost"], float)
        assert line["status_code"] == 200 or 400 <= line["status_code"] <= 599


# --- faults: LiteLLM's auth failures carry key material; stdout can stall under log-driver back-pressure

KEY_HASH = "88dc28d0f030c55ed4ab77ed8faf098196cb1c05df778539800c9f1243fe6b4b"


def _auth_failure(message, exception_text=None):
    kwargs = failure_kwargs(code="401", error_class="AuthenticationError", message=message)
    if exception_text is not None:
        del kwargs["standard_logging_object"]["error_information"]
        del kwargs["standard_logging_object"]["error_str"]
        kwargs["exception"] = PermissionError(exception_text)
        kwargs["exception"].status_code = 401
    return kwargs


@pytest.mark.parametrize(
    "message",
    [
        # what LiteLLM 1.108.7 writes for a key it does not know (proxy/auth/auth_exception_handler.py)
        f"Authentication Error, Invalid proxy server token passed. key={KEY_HASH}, not found in db. Create key via `/key/generate` call.",  # noqa: E501
        # older releases: the key's abbreviation and its hash
        f"Authentication Error, Invalid proxy server token passed. Received API Key = sk-...Ab3x, Key Hash (Token) ={KEY_HASH}. Unable to find token in cache or `LiteLLM_VerificationTokenTable`",  # noqa: E501
        "Budget has been exceeded! Key=extraction (sk-...Zq9w) Current cost: 51.2, Max budget: 50.0",
        "Authentication Error, invalid key sk-live-Ab3xQ9wZq9wKk2mPp7 passed",
    ],
    ids=["hash-of-an-unknown-key", "abbreviation-and-hash", "budget-exceeded-abbreviation", "a-whole-key"],
)
def test_an_auth_failure_keeps_its_class_and_status_but_no_key_material(logger, message):
    logger.log_failure_event(_auth_failure(message), None, START, END)
    [line] = logger.lines()
    assert line["status_code"] == 401
    assert line["error"].startswith("AuthenticationError: ")
    raw = json.dumps(line)
    for piece in ("Ab3x", "Zq9w", "88dc28d0", KEY_HASH[-8:], "Q9wZq9w", "live-Ab3"):
        assert piece not in raw


def test_an_exception_text_is_redacted_too(logger):
    logger.log_failure_event(
        _auth_failure("", exception_text=f"token: {KEY_HASH[:40]} for sk-Ab3xQ9wZq9wKk2mPp7"), None, START, END
    )
    [line] = logger.lines()
    assert line["status_code"] == 401 and line["error"].startswith("PermissionError")
    assert "Ab3xQ9wZ" not in line["error"] and KEY_HASH[:16] not in line["error"]


def test_a_key_cut_by_the_length_limit_leaves_no_fragment(logger):
    message = "x" * (module.MAX_ERROR_CHARS - 30) + " sk-Ab3xQ9wZq9wKk2mPp7Ab3xQ9wZq9wKk2mPp7"
    logger.log_failure_event(_auth_failure(message), None, START, END)
    error = logger.lines()[0]["error"]
    assert len(error) == module.MAX_ERROR_CHARS and "Ab3x" not in error


class StalledStream:
    """A stdout that blocks each write until released (the log driver is not draining)."""

    def __init__(self, each=0.2):
        import threading

        self.released = threading.Event()
        self.each = each
        self.out = io.StringIO()

    def write(self, text):
        self.released.wait(self.each)
        self.out.write(text)

    def flush(self):
        pass

    def lines(self):
        return [json.loads(line) for line in self.out.getvalue().splitlines()]


def test_a_stalled_stdout_never_stalls_the_event_loop():
    stream = StalledStream(each=0.2)
    logger = module.MetricsLogger(stream=stream)

    async def ten_completions():
        started = time.monotonic()
        for i in range(10):
            await logger.async_log_success_event(success_kwargs(trace_id=f"t-{i}"), None, START, END)
        return time.monotonic() - started

    took = asyncio.run(ten_completions())
    assert took < 0.1, f"the hooks waited {took:.2f} s on stdout"
    stream.released.set()
    assert logger.flush(10)
    assert [line["trace_id"] for line in stream.lines()] == [f"t-{i}" for i in range(10)]


def test_a_full_queue_drops_lines_and_says_how_many():
    stream = StalledStream(each=5)
    logger = module.MetricsLogger(stream=stream, capacity=5)
    for i in range(20):
        logger.log_success_event(success_kwargs(trace_id=f"t-{i}"), None, START, END)
    stream.released.set()
    assert logger.flush(10)
    logger.log_success_event(success_kwargs(trace_id="after"), None, START, END)
    assert logger.flush(10)
    lines = stream.lines()
    metric = [line for line in lines if line.get("litellm_metric")]
    dropped = sum(line.get("litellm_metric_dropped", 0) for line in lines)
    assert len(metric) + dropped == 21 and dropped > 0
    assert metric[-1]["trace_id"] == "after"
