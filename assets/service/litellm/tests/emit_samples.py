"""Prints the lines the callback really prints for a success, a throttle and a context-window error, and one
LiteLLM application error line; the TypeScript tests match them against the synthesized metric filters."""

import io
import json
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
import conftest  # noqa: E402,F401  (installs the stand-in litellm module)
from callbacks.metrics_logger import MetricsLogger  # noqa: E402
from payloads import END, START, failure_kwargs, success_kwargs  # noqa: E402

out = io.StringIO()
logger = MetricsLogger(stream=out)
logger.log_success_event(success_kwargs(), None, START, END)
logger.log_failure_event(failure_kwargs(), None, START, END)
logger.log_failure_event(
    failure_kwargs(code="400", error_class="ContextWindowExceededError", message="prompt is too long"), None, START, END
)
logger.flush()
samples = [json.loads(line) for line in out.getvalue().splitlines()]
# LiteLLM's own JSON log line for an error (json_logs: true)
samples.append(
    {
        "message": "litellm.proxy.proxy_server.chat_completion(): Exception occured",
        "level": "ERROR",
        "timestamp": "2026-04-26T23:59:41",
    }
)
print(json.dumps(samples))
