import io
import json
import os
import sys
from contextlib import redirect_stdout

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.dirname(__file__))
import virtual_keys as handler  # noqa: E402
from fake_litellm import MASTER_KEY, FakeLiteLLM  # noqa: E402

MASTER_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:master"
KEY_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:extraction"


class FakeSecrets:
    """The Secrets Manager calls the handler makes."""

    def __init__(self, key_value="PENDING"):
        self.values = {MASTER_ARN: MASTER_KEY, KEY_ARN: key_value}
        self.puts = 0

    def get_secret_value(self, SecretId):
        return {"SecretString": self.values[SecretId]}

    def put_secret_value(self, SecretId, SecretString):
        assert SecretId == KEY_ARN, "the handler may write its own key secret only"
        self.puts += 1
        self.values[SecretId] = SecretString


def event(kind, url, physical=None, **props):
    base = {
        "KeyAlias": "extraction", "Models": ["claude-primary", "claude-fallback"], "MaxBudgetUsd": "50",
        "BudgetDuration": "30d", "RpmLimit": "40", "TpmLimit": "60000", "Metadata": json.dumps({"agent": "extraction"}),
        "SecretArn": KEY_ARN, "MasterKeySecretArn": MASTER_ARN, "GatewayUrl": url,
    }
    e = {"RequestType": kind, "ResourceProperties": {**base, **props}}
    if physical:
        e["PhysicalResourceId"] = physical
    return e


def run(e, secrets_client, wait=5):
    out = io.StringIO()
    with redirect_stdout(out):
        result = handler.handle(e, secrets_client, wait_seconds=wait, sleep=lambda s: __import__("time").sleep(min(s, 0.05)))
    return result, out.getvalue()


def test_create_makes_one_key_with_the_props_and_stores_it():
    secrets_client = FakeSecrets()
    with FakeLiteLLM() as gw:
        result, logs = run(event("Create", gw.url), secrets_client)
        value = secrets_client.values[KEY_ARN]
        assert value.startswith("sk-") and len(value) == 35
        assert gw.keys == {value: {"key_alias": "extraction", "models": ["claude-primary", "claude-fallback"], "max_budget": 50,
                                   "budget_duration": "30d", "tpm_limit": 60000, "rpm_limit": 40, "metadata": {"agent": "extraction"}}}
    assert result == {"PhysicalResourceId": "virtual-key-extraction"}
    assert value not in json.dumps(result) and value not in logs


def test_a_retried_create_adopts_the_key_instead_of_making_a_second():
    secrets_client = FakeSecrets()
    with FakeLiteLLM() as gw:
        run(event("Create", gw.url), secrets_client)
        first = secrets_client.values[KEY_ARN]
        run(event("Create", gw.url), secrets_client)
        assert list(gw.keys) == [first]
        assert secrets_client.puts == 1


def test_an_update_of_limits_keeps_the_value_and_the_physical_id():
    secrets_client = FakeSecrets()
    with FakeLiteLLM() as gw:
        run(event("Create", gw.url), secrets_client)
        value = secrets_client.values[KEY_ARN]
        result, _ = run(event("Update", gw.url, physical="virtual-key-extraction", RpmLimit="10", KeyAlias="extraction-v2"), secrets_client)
        assert result == {"PhysicalResourceId": "virtual-key-extraction"}
        assert secrets_client.values[KEY_ARN] == value
        assert gw.keys[value]["rpm_limit"] == 10 and gw.keys[value]["key_alias"] == "extraction-v2"


def test_delete_deletes_the_key():
    secrets_client = FakeSecrets()
    with FakeLiteLLM() as gw:
        run(event("Create", gw.url), secrets_client)
        result, _ = run(event("Delete", gw.url, physical="virtual-key-extraction"), secrets_client)
        assert gw.keys == {}
        assert result == {"PhysicalResourceId": "virtual-key-extraction"}


def test_delete_of_a_key_that_never_reached_litellm_succeeds():
    with FakeLiteLLM() as gw:
        run(event("Delete", gw.url, physical="virtual-key-extraction"), FakeSecrets())
        assert gw.requests[-1][2] == {"key_aliases": ["extraction"]}


def test_delete_never_blocks_on_a_gateway_that_is_gone():
    _, logs = run(event("Delete", "http://127.0.0.1:9", physical="virtual-key-extraction"), FakeSecrets(), wait=0.2)
    assert "key delete skipped" in logs


def test_waits_for_a_slow_start_then_creates():
    secrets_client = FakeSecrets()
    with FakeLiteLLM(ready_after=0.5) as gw:
        run(event("Create", gw.url), secrets_client, wait=60)
        assert len(gw.keys) == 1
        assert sum(1 for _, path, _ in gw.requests if path == "/key/update") > 1  # it waited through 503s


def test_a_gateway_that_never_becomes_ready_fails_clearly():
    with FakeLiteLLM(ready_after=60) as gw:
        with pytest.raises(handler.GatewayError, match="did not become ready in time"):
            run(event("Create", gw.url), FakeSecrets(), wait=0.5)


def test_an_alias_taken_outside_the_stack_fails_with_what_to_do():
    with FakeLiteLLM() as gw:
        gw.keys["sk-handmade"] = {"key_alias": "extraction"}
        with pytest.raises(handler.GatewayError, match="refused to create the key 'extraction'.*already exists.*choose another keyAlias"):
            run(event("Create", gw.url), FakeSecrets())


def test_a_wrong_master_key_is_a_clear_error_not_a_wait():
    secrets_client = FakeSecrets()
    secrets_client.values[MASTER_ARN] = "sk-wrong"
    with FakeLiteLLM() as gw:
        with pytest.raises(handler.GatewayError, match="refused with 401"):
            run(event("Create", gw.url), secrets_client, wait=30)


def test_unset_props_are_not_sent():
    with FakeLiteLLM() as gw:
        e = event("Create", gw.url)
        for k in ("Models", "MaxBudgetUsd", "BudgetDuration", "RpmLimit", "TpmLimit", "Metadata"):
            del e["ResourceProperties"][k]
        run(e, FakeSecrets())
        assert list(gw.keys.values()) == [{"key_alias": "extraction"}]


def test_no_key_value_travels_in_a_url():
    secrets_client = FakeSecrets()
    with FakeLiteLLM() as gw:
        run(event("Create", gw.url), secrets_client)
        run(event("Update", gw.url, physical="virtual-key-extraction"), secrets_client)
        run(event("Delete", gw.url, physical="virtual-key-extraction"), secrets_client)
        assert all("sk-" not in path for _, path, _ in gw.requests)
