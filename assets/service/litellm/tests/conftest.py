"""Loads the callback as LiteLLM would, with a stand-in `litellm` package (LiteLLM is not installed here)."""

import io
import json
import os
import sys
import types

import pytest

HERE = os.path.dirname(__file__)
sys.path.insert(0, os.path.join(HERE, ".."))


class StandInCustomLogger:
    """The part of litellm.integrations.custom_logger.CustomLogger the callback relies on."""

    def __init__(self, message_logging=True, **kwargs):
        self.message_logging = message_logging


for name in ("litellm", "litellm.integrations", "litellm.integrations.custom_logger"):
    sys.modules.setdefault(name, types.ModuleType(name))
sys.modules["litellm.integrations.custom_logger"].CustomLogger = StandInCustomLogger  # type: ignore[attr-defined]

from callbacks import metrics_logger as module  # noqa: E402


@pytest.fixture
def logger():
    out = io.StringIO()
    instance = module.MetricsLogger(stream=out)

    def lines():
        assert instance.flush(), "the writer thread did not write every queued line"
        return [json.loads(line) for line in out.getvalue().splitlines()]

    instance.lines = lines
    return instance
