"""Fixtures of the key handler's tests: runners that capture everything the handler emits (stdout, exceptions, the
CloudFormation responses the provider framework would send) so tests can search it for key material."""

import io
import json
import sys
import time
import types
from contextlib import redirect_stdout

import pytest
from key_handler_support import handler


class Captured:
    """Everything the handler emitted over a test: logs, exception texts, and the CloudFormation responses the
    provider framework would send (Status, Reason, PhysicalResourceId, Data)."""

    def __init__(self):
        self.logs = []
        self.errors = []
        self.responses = []

    def text(self):
        return "\n".join(self.logs + self.errors + [json.dumps(r) for r in self.responses])


@pytest.fixture
def captured():
    return Captured()


def _framework_response(e, result=None, error=None):
    # What cr.Provider's framework sends CloudFormation: the handler's id and data, or the error message as Reason.
    if error is not None:
        return {"Status": "FAILED", "Reason": str(error), "PhysicalResourceId": e.get("PhysicalResourceId", "")}
    return {"Status": "SUCCESS", "PhysicalResourceId": result.get("PhysicalResourceId"), "Data": result.get("Data", {})}


@pytest.fixture
def run(captured):
    """handle() with a short wait and fast sleeps; records what it emitted."""

    def _run(e, secrets_client, wait=5.0, request_timeout=1.0):
        out = io.StringIO()
        try:
            with redirect_stdout(out):
                result = handler.handle(
                    e,
                    secrets_client,
                    wait_seconds=wait,
                    request_timeout=request_timeout,
                    sleep=lambda s: time.sleep(min(s, 0.05)),
                )
        except Exception as error:
            captured.logs.append(out.getvalue())
            captured.errors.append(f"{type(error).__name__}: {error}")
            captured.responses.append(_framework_response(e, error=error))
            raise
        captured.logs.append(out.getvalue())
        captured.responses.append(_framework_response(e, result=result))
        return result, out.getvalue()

    return _run


@pytest.fixture
def on_event(captured, monkeypatch):
    """The Lambda entry point with a fake context and boto3 replaced by the given fake client."""

    def _on_event(e, secrets_client, context, env=None):
        monkeypatch.setitem(sys.modules, "boto3", types.SimpleNamespace(client=lambda name: secrets_client))
        for name, value in (env or {}).items():
            monkeypatch.setenv(name, str(value))
        out = io.StringIO()
        started = time.monotonic()
        try:
            with redirect_stdout(out):
                result = handler.on_event(e, context)
        except Exception as error:
            captured.logs.append(out.getvalue())
            captured.errors.append(f"{type(error).__name__}: {error}")
            captured.responses.append(_framework_response(e, error=error))
            return None, error, out.getvalue(), time.monotonic() - started
        captured.logs.append(out.getvalue())
        captured.responses.append(_framework_response(e, result=result))
        return result, None, out.getvalue(), time.monotonic() - started

    return _on_event
