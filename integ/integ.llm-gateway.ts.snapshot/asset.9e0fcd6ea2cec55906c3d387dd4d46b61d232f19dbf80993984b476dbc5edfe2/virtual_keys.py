"""Custom-resource handler: one LiteLLM virtual key per resource, managed through the gateway's key API.

The key value is made here (``sk-`` + 32 random characters) and written to the construct's own secret *before* LiteLLM
is asked to create it (``/key/generate`` with a caller-chosen ``key``). A retried Create therefore finds the value it
wrote and adopts the key instead of making a second one; an Update changes limits with ``/key/update`` and keeps the
value; Delete calls ``/key/delete``. The key never leaves Secrets Manager and LiteLLM: it is not in the template, the
CloudFormation response, the handler's return data, or its logs.

Endpoints and fields checked against LiteLLM v1.83 (``proxy/management_endpoints/key_management_endpoints.py``,
``proxy/_types.py``: GenerateKeyRequest, UpdateKeyRequest, KeyRequest).
"""
import json
import os
import secrets
import string
import time
import urllib.error
import urllib.request

PREFIX = "sk-"
_ALPHABET = string.ascii_letters + string.digits


class GatewayError(RuntimeError):
    pass


class Gateway:
    """The gateway's key API, authenticated with the master key; retries while the gateway starts."""

    def __init__(self, url, master_key, deadline, sleep=time.sleep, clock=time.monotonic):
        self.url = url.rstrip("/")
        self.master_key = master_key
        self.deadline = deadline
        self.sleep = sleep
        self.clock = clock

    def call(self, method, path, body=None, ok=(200,)):
        """The JSON response, or (status, detail) for an expected error status in ``ok``."""
        attempt = 0
        while True:
            attempt += 1
            request = urllib.request.Request(
                self.url + path,
                data=json.dumps(body).encode() if body is not None else None,
                headers={"Authorization": f"Bearer {self.master_key}", "Content-Type": "application/json"},
                method=method,
            )
            try:
                with urllib.request.urlopen(request, timeout=30) as response:
                    return response.status, json.loads(response.read() or b"{}")
            except urllib.error.HTTPError as error:
                detail = _detail(error)
                if error.code in ok:
                    return error.code, detail
                # 5xx and 404 on a fresh deploy: the proxy (or its database) is still starting.
                if error.code < 500 and error.code not in (404,):
                    raise GatewayError(f"{method} {path} was refused with {error.code}: {detail}") from None
                last = f"{error.code}: {detail}"
            except (urllib.error.URLError, OSError) as error:
                last = str(getattr(error, "reason", error))
            if self.clock() + min(2 ** attempt, 15) > self.deadline:
                raise GatewayError(f"the gateway at {self.url} did not become ready in time ({method} {path}: {last})")
            self.sleep(min(2 ** attempt, 15))


def _detail(error):
    try:
        payload = json.loads(error.read() or b"{}")
    except ValueError:
        return "(no JSON body)"
    message = payload.get("detail") or payload.get("error") or payload
    return str(message)[:300]


def _settings(props):
    """The key's settings as LiteLLM's request fields; unset props are left out (LiteLLM keeps its defaults)."""
    fields = {
        "key_alias": props["KeyAlias"],
        "models": props.get("Models"),
        "max_budget": _number(props.get("MaxBudgetUsd")),
        "budget_duration": props.get("BudgetDuration"),
        "tpm_limit": _number(props.get("TpmLimit")),
        "rpm_limit": _number(props.get("RpmLimit")),
        "max_parallel_requests": _number(props.get("MaxParallelRequests")),
        "metadata": json.loads(props["Metadata"]) if props.get("Metadata") else None,
    }
    return {k: v for k, v in fields.items() if v is not None}


def _number(value):
    # CloudFormation hands custom resources every property as a string.
    if value is None:
        return None
    number = float(value)
    return int(number) if number.is_integer() else number


def _key_value(secrets_client, secret_arn):
    """The value already written for this key, or a new one written now (so a retry finds it)."""
    current = secrets_client.get_secret_value(SecretId=secret_arn).get("SecretString", "")
    if current.startswith(PREFIX):
        return current
    value = PREFIX + "".join(secrets.choice(_ALPHABET) for _ in range(32))
    secrets_client.put_secret_value(SecretId=secret_arn, SecretString=value)
    return value


def handle(event, secrets_client, now=time.monotonic, sleep=time.sleep, wait_seconds=None):
    props = event["ResourceProperties"]
    alias = props["KeyAlias"]
    wait = wait_seconds if wait_seconds is not None else int(os.environ.get("WAIT_SECONDS", "600"))
    master_key = secrets_client.get_secret_value(SecretId=props["MasterKeySecretArn"])["SecretString"]
    gateway = Gateway(props["GatewayUrl"], master_key, now() + wait, sleep=sleep, clock=now)
    request_type = event["RequestType"]

    if request_type == "Delete":
        value = secrets_client.get_secret_value(SecretId=props["SecretArn"]).get("SecretString", "")
        body = {"keys": [value]} if value.startswith(PREFIX) else {"key_aliases": [alias]}
        try:
            gateway.call("POST", "/key/delete", body, ok=(200, 400, 404))
        except GatewayError as error:
            # A gateway that is already gone cannot hold the key either; never block a stack deletion on it.
            print(json.dumps({"message": "key delete skipped", "alias": alias, "reason": str(error)}))
        return {"PhysicalResourceId": event["PhysicalResourceId"]}

    value = _key_value(secrets_client, props["SecretArn"])
    settings = _settings(props)
    # Update first: it finds the key by its value in the request body (a query string could reach access logs).
    status, _ = gateway.call("POST", "/key/update", {"key": value, **settings}, ok=(200, 400, 404))
    if status == 200:
        action = "updated"  # an Update, or a retried Create that had already reached LiteLLM
    else:
        status, detail = gateway.call("POST", "/key/generate", {"key": value, **settings}, ok=(200, 400))
        if status != 200:
            raise GatewayError(f"LiteLLM refused to create the key '{alias}': {detail}. If a key with this alias was "
                               "made outside this stack, delete it or choose another keyAlias.")
        action = "created"
    print(json.dumps({"message": f"key {action}", "alias": alias}))
    # The key is updated in place, also when its alias changes: the physical id never changes, so CloudFormation
    # never deletes the key it has just updated.
    return {"PhysicalResourceId": event.get("PhysicalResourceId", f"virtual-key-{alias}")}


def on_event(event, context=None):
    import boto3

    remaining = context.get_remaining_time_in_millis() / 1000 - 30 if context is not None else 600
    return handle(event, boto3.client("secretsmanager"), wait_seconds=min(int(os.environ.get("WAIT_SECONDS", "600")), remaining))
