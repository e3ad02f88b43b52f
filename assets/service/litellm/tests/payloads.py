"""Payloads shaped like LiteLLM's (StandardLoggingPayload, v1.83) for tests, samples and the benchmark."""

import datetime


class BedrockThrottle(Exception):
    status_code = 429


def success_kwargs(
    model_group="claude-fast", model="us.anthropic.claude-haiku-4-5-20251001-v1:0", stream=False, trace_id="trace-1"
):
    return {
        "model": model,
        "stream": stream,
        "messages": [{"role": "user", "content": "SECRET PROMPT TEXT"}],
        "standard_logging_object": {
            "model": model,
            "model_group": model_group,
            "model_id": "deployment-hash",
            "custom_llm_provider": "bedrock",
            "prompt_tokens": 10164,
            "completion_tokens": 32,
            "total_tokens": 10196,
            "response_cost": 0.0340692,
            "startTime": 1777247980.436,
            "endTime": 1777247981.929,
            "status": "success",
            "trace_id": trace_id,
            "hidden_params": {"litellm_model_name": f"bedrock/{model}"},
            "messages": [{"role": "user", "content": "SECRET PROMPT TEXT"}],
            "response": {"choices": [{"message": {"content": "SECRET RESPONSE TEXT"}}]},
            "metadata": {
                "user_api_key_alias": "extraction-agent",
                "user_api_key_hash": "88dc28d0f030c55ed4ab77ed8faf098196cb1c05df778539800c9f1243fe6b4b",
                "user_api_key_team_alias": "document-processing",
                "user_api_key_user_id": "user-1",
            },
        },
    }


def failure_kwargs(
    code="429",
    error_class="RateLimitError",
    message="ThrottlingException: Too many requests",
    trace_id="trace-1",
    model_group="claude-primary",
    model="us.anthropic.claude-sonnet-4-5-20250929-v1:0",
):
    kwargs = success_kwargs(model_group=model_group, model=model, trace_id=trace_id)
    payload = kwargs["standard_logging_object"]
    payload.update(
        {
            "status": "failure",
            "prompt_tokens": 0,
            "completion_tokens": 0,
            "total_tokens": 0,
            "response_cost": 0,
            "error_str": message,
            "error_information": {
                "error_code": code,
                "error_class": error_class,
                "llm_provider": "bedrock",
                "error_message": message,
            },
        }
    )
    kwargs["exception"] = BedrockThrottle(message)
    return kwargs


START = datetime.datetime(2026, 4, 26, 23, 59, 40, tzinfo=datetime.timezone.utc)
END = START + datetime.timedelta(milliseconds=1493)
