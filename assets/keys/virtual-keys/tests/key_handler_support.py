"""Support for the key handler's tests: fake Secrets Manager, a fake Lambda context, events, the row LiteLLM must
hold. A module of its own name (not conftest): the callback's tests have a conftest too, and test modules import
these by name."""

import json
import os
import secrets
import socket
import sys
import time

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
        "KeyAlias": "extraction",
        "Models": ["claude-primary", "claude-fallback"],
        "MaxBudgetUsd": "50",
        "BudgetDuration": "30d",
        "RpmLimit": "40",
        "TpmLimit": "60000",
        "MaxParallelRequests": "4",
        "Metadata": json.dumps({"agent": "extraction"}),
        "SecretArn": KEY_ARN,
        "MasterKeySecretArn": MASTER_ARN,
        "GatewayUrl": url,
    }
    merged = {k: v for k, v in {**base, **props}.items() if v is not None}
    e = {"RequestType": kind, "ResourceProperties": merged, "StackId": STACK_ID, "LogicalResourceId": LOGICAL_ID}
    if physical:
        e["PhysicalResourceId"] = physical
    return e


def expected_row(props):
    """What LiteLLM must hold for these props: each unset limit null, models and metadata exactly as given."""

    def number(v):
        return None if v is None else (int(float(v)) if float(v).is_integer() else float(v))

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


def closed_port_url():
    """A loopback URL nothing listens on: a gateway that is gone."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"
