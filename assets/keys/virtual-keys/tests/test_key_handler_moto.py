"""The key handler through its Lambda entry point against Secrets Manager as moto models it (boto3's real client,
its request validation and its errors) instead of the hand-written FakeSecrets, with the loopback fake of LiteLLM's
key API. Needs moto: .ci/python.sh runs it in its tools venv, inside a network namespace with only loopback;
`npx projen test:python` (Debian's python3, no moto) skips it."""

import json
import secrets
import sys

import pytest

if not hasattr(sys.modules.get("boto3"), "client"):  # another test module's stand-in; moto needs the real one
    sys.modules.pop("boto3", None)
moto = pytest.importorskip("moto")
import boto3  # noqa: E402
from fake_litellm import FakeLiteLLM, hash_key  # noqa: E402
from key_handler_support import FakeContext, event, expected_row, handler, new_key  # noqa: E402

REGION = "us-east-1"


@pytest.fixture
def aws(monkeypatch):
    """moto's Secrets Manager; credentials made up at run time (moto checks none, nothing leaves the process)."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIA" + secrets.token_hex(8).upper())
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", secrets.token_urlsafe(30))
    monkeypatch.setitem(sys.modules, "boto3", boto3)
    with moto.mock_aws():
        yield boto3.client("secretsmanager", region_name=REGION)


@pytest.fixture
def master(aws):
    value = new_key()
    arn = aws.create_secret(Name="gateway-master-key", SecretString=value)["ARN"]
    return arn, value


@pytest.fixture
def key_secret(aws):
    # What the construct creates: a generated placeholder, replaced by the handler with the key's value.
    return aws.create_secret(Name="gateway-key-extraction", SecretString=secrets.token_hex(16))["ARN"]


def _event(kind, url, master, key_secret, **props):
    return event(kind, url, SecretArn=key_secret, MasterKeySecretArn=master[0], **props)


def _on_event(e, monkeypatch, capsys, **env):
    for name, value in {"WAIT_SECONDS": 5, "DELETE_WAIT_SECONDS": 3, "REQUEST_TIMEOUT_SECONDS": 1, **env}.items():
        monkeypatch.setenv(name, str(value))
    try:
        result, error = handler.on_event(e, FakeContext(60)), None
    except Exception as raised:  # noqa: BLE001 - the test looks at what the provider framework would report
        result, error = None, raised
    return result, error, capsys.readouterr().out


def test_create_writes_the_key_value_once_and_litellm_holds_the_props(aws, master, key_secret, monkeypatch, capsys):
    with FakeLiteLLM(master[1]) as gw:
        e = _event("Create", gw.url, master, key_secret)
        result, error, logs = _on_event(e, monkeypatch, capsys)
        assert error is None and result == {"PhysicalResourceId": "virtual-key-extraction"}
        value = aws.get_secret_value(SecretId=key_secret)["SecretString"]
        assert value.startswith("sk-") and len(value) == 35
        assert gw.keys == {hash_key(value): expected_row(e["ResourceProperties"])}
        # A retried create finds the value in the secret and adopts the key: no second write, no second key.
        _on_event(e, monkeypatch, capsys)
        versions = aws.list_secret_version_ids(SecretId=key_secret)["Versions"]
        assert len(versions) == 2  # the placeholder and the one value the handler wrote
        assert list(gw.keys) == [hash_key(value)]
    assert value not in logs and value not in json.dumps(result)


def test_delete_with_the_key_secret_scheduled_for_deletion_deletes_by_the_mark(
    aws, master, key_secret, monkeypatch, capsys
):
    with FakeLiteLLM(master[1]) as gw:
        _on_event(_event("Create", gw.url, master, key_secret), monkeypatch, capsys)
        aws.delete_secret(SecretId=key_secret, RecoveryWindowInDays=7)
        with pytest.raises(aws.exceptions.InvalidRequestException):
            aws.get_secret_value(SecretId=key_secret)  # what the handler meets: moto models the refusal
        e = _event("Delete", gw.url, master, key_secret)
        e["PhysicalResourceId"] = "virtual-key-extraction"
        result, error, logs = _on_event(e, monkeypatch, capsys)
        assert error is None and result == {"PhysicalResourceId": "virtual-key-extraction"}
        assert gw.keys == {}
    assert "deleting by the resource's mark" in logs and "InvalidRequestException" in logs


def test_a_missing_master_key_fails_a_create_with_the_code_only_and_never_blocks_a_delete(
    aws, master, key_secret, monkeypatch, capsys
):
    aws.delete_secret(SecretId=master[0], ForceDeleteWithoutRecovery=True)
    with FakeLiteLLM(master[1]) as gw:
        _, error, logs = _on_event(_event("Create", gw.url, master, key_secret), monkeypatch, capsys)
        assert str(error) == "ResourceNotFoundException (ResourceNotFoundException) while managing the key 'extraction'"
        e = _event("Delete", gw.url, master, key_secret)
        e["PhysicalResourceId"] = "virtual-key-extraction"
        result, error, logs = _on_event(e, monkeypatch, capsys)
        assert error is None and result == {"PhysicalResourceId": "virtual-key-extraction"}
        assert "key left behind" in logs and "ResourceNotFoundException" in logs
        assert gw.count("/key/generate") == 0
    assert master[1] not in logs
