"""Fixtures of the key handler's tests: fake Secrets Manager, a fake Lambda context, events, and runners that capture
everything the handler emits (stdout, exceptions, return data) so tests can search it for key material."""
import io
import json
import os
import secrets
import socket
import sys
import time
import types
from contextlib import redirect_stdout

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.dirname(__file__))
import virtual_keys as handler  # noqa: E402

MASTER_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:master"
KEY_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:extraction"
STACK_ID = "arn:aws:cloudformation:us-east-1:123456789012:stack/AgentsStack/5b6f2a70-0000-11f1-8000-0a1b2c3d4e5f"
LOGICAL_ID = "GatewayVirtualKeysExtraction4F2A1B3C"
OWNER = f"AgentsStack/{LOGICAL_ID}"


def new_key():
    """A key value made at run time (never a literal in a fixture)."""
    return "sk-" + secrets.token_urlsafe(24).replace("-", "a").replace("_", "b")


class AwsError(Exception):
    """The shape of botocore's ClientError: a code in `response`, a message that may say anything."""

    def __init__(self, code, message):
        super().__init__(f"An error occurred ({code}) when calling the GetSecretValue operation: {message}")
        self.response = {"Error": {"Code": code, "Message": message}}


class FakeSecrets:
    """The Secrets Manager calls the handler makes; `broken` maps an ARN to the error reading it raises."""

    def __init__(self, master_key, key_value="PENDINGplaceholder"):
        self.values = {MASTER_ARN: master_key, KEY_ARN: key_value}
        self.broken = {}
        self.puts = 0

    def get_secret_value(self, SecretId):
        if SecretId in self.broken:
            raise self.broken[SecretId]
        return {"SecretString": self.values[SecretId]}

    def put_secret_value(self, SecretId, SecretString):
        assert SecretId == KEY_ARN, "the handler may write its own key secret only"
        self.puts += 1
        self.values[SecretId] = SecretString


class FakeContext:
    """A Lambda context whose remaining time runs down with the real clock."""

    def __init__(self, seconds):
        self.ends = time.monotonic() + seconds

    def get_remaining_time_in_millis(self):
        return int(max(0.0, self.ends - time.monotonic()) * 1000)


def event(kind, url, physical=None, **props):
    base = {
        "KeyAlias": "extraction", "Models": ["claude-primary", "claude-fallback"], "MaxBudgetUsd": "50",
        "BudgetDuration": "30d", "RpmLimit": "40", "TpmLimit": "60000", "MaxParallelRequests": "4",
        "Metadata": json.dumps({"agent": "extraction"}),
        "SecretArn": KEY_ARN, "MasterKeySecretArn": MASTER_ARN, "GatewayUrl": url,
    }
    merged = {k: v for k, v in {**base, **props}.items() if v is not None}
    e = {"RequestType": kind, "ResourceProperties": merged, "StackId": STACK_ID, "LogicalResourceId": LOGICAL_ID}
    if physical:
        e["PhysicalResourceId"] = physical
    return e


def expected_row(props):
    """What LiteLLM must hold for these props: each unset limit null, models and metadata exactly as given."""
    number = (lambda v: None if v is None else (int(float(v)) if float(v).is_integer() else float(v)))
    return {
        "key_alias": props["KeyAlias"],
        "models": list(props.get("Models") or []),
        "max_budget": number(props.get("MaxBudgetUsd")),
        "budget_duration": props.get("BudgetDuration"),
        "tpm_limit": number(props.get("TpmLimit")),
        "rpm_limit": number(props.get("RpmLimit")),
        "max_parallel_requests": number(props.get("MaxParallelRequests")),
        "metadata": {**json.loads(props.get("Metadata") or "{}"), handler.OWNER_FIELD: OWNER},
    }


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
                result = handler.handle(e, secrets_client, wait_seconds=wait, request_timeout=request_timeout,
                                        sleep=lambda s: time.sleep(min(s, 0.05)))
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


def closed_port_url():
    """A loopback URL nothing listens on: a gateway that is gone."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"
