"""Custom-resource handler: one LiteLLM virtual key per resource, managed through the gateway's key API.

The key value is made here (``sk-`` + 32 random characters) and written to the construct's own secret *before*
LiteLLM is asked to create it (``/key/generate`` with a caller-chosen ``key``). Every Create and Update converges on
one state instead of replaying one request:

- ``/key/update`` with our value and the *whole* desired state. ``/key/update`` is a merge patch in which an explicit
  null clears a column, so a limit dropped from the props is sent as null (``models`` as ``[]``, every alias;
  ``metadata`` as exactly the props' labels) and the key in LiteLLM equals the props after every Create, Update and
  rollback (a rollback is an Update back to the old props).
- Not found: ``/key/generate`` with our value. A generate that LiteLLM committed and then answered 5xx, or that timed
  out, is found by the next ``/key/update`` round and adopted.
- "alias already exists": the holders of the alias are looked up (``/key/list``). Our own value means a racing
  commit (adopt it). Keys marked as this stack's resource (metadata ``cdk_llm_gateway_owner``: stack name and logical
  id) are leftovers of a failed earlier Create whose secret is gone (the provider framework never sends Delete after a
  failed Create): they are deleted and ours is generated. Any other holder is a key made outside this stack: that
  is an error that says what to do.

Delete never blocks a stack deletion: it has a short bound of its own, and an unreadable secret or a gateway that is
gone is logged as what was left behind, and the Delete succeeds.

The key never leaves Secrets Manager and LiteLLM: it is not in the template, the CloudFormation response, the
handler's return data, its exceptions or its logs. No response body of LiteLLM is ever repeated (a 422 can echo the
request, a delete answer echoes the keys): errors carry the method, the path, the status and LiteLLM's error type.

Endpoints and fields checked against LiteLLM 1.108.7 (``proxy/management_endpoints/key_management_endpoints.py``:
generate_key_fn, update_key_fn, delete_key_fn, list_keys, _enforce_unique_key_alias; ``proxy/schema.prisma``
LiteLLM_VerificationToken for which columns take null).
"""

import hashlib
import json
import os
import re
import secrets
import string
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from typing import Any

PREFIX = "sk-"
OWNER_FIELD = "cdk_llm_gateway_owner"
# Left on the Lambda's clock for the provider framework to answer CloudFormation after we return or raise.
SAFETY_SECONDS = 15
_ALPHABET = string.ascii_letters + string.digits
# At most this many conflict rounds (look up holders, remove our own leftovers) per request.
_MAX_CONFLICT_ROUNDS = 3


class GatewayError(RuntimeError):
    pass


class _NoAnswer(Exception):
    """The gateway did not answer (refused, unreachable, timed out): worth another try within the deadline."""


_KEY_TEXT = re.compile(r"sk-[A-Za-z0-9_\-]*")
_HEX_TEXT = re.compile(r"[0-9a-fA-F]{32,}")

# A JSON object as LiteLLM answers it, a CloudFormation event or its ResourceProperties.
Json = dict[str, Any]


def redact(text: object) -> str:
    """Whatever we emit, once more without anything shaped like a key or a key hash (defence in depth)."""
    return _HEX_TEXT.sub("<hash>", _KEY_TEXT.sub("sk-<redacted>", str(text)))


def log(**fields: object) -> None:
    print(redact(json.dumps(fields, sort_keys=True)), flush=True)


def _hash(value: str) -> str:
    # LiteLLM stores and lists keys by this hash (proxy/utils.py hash_token).
    return hashlib.sha256(value.encode()).hexdigest()


class Gateway:
    """The gateway's key API, authenticated with the master key. One attempt per request; callers decide retries."""

    def __init__(
        self,
        url: str,
        master_key: str,
        deadline: float,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        request_timeout: float = 10.0,
    ) -> None:
        self.url = url.rstrip("/")
        self.master_key = master_key
        self.deadline = deadline
        self.sleep = sleep
        self.clock = clock
        self.request_timeout = request_timeout

    def request(self, method: str, path: str, body: Json | None = None) -> tuple[int, Json]:
        """(status, JSON payload) of one request; raises _NoAnswer when nothing came back in time."""
        left = self.deadline - self.clock()
        if left <= 0:
            raise _NoAnswer("no time left")
        request = urllib.request.Request(
            self.url + path,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Authorization": f"Bearer {self.master_key}", "Content-Type": "application/json"},
            method=method,
        )
        try:
            with urllib.request.urlopen(request, timeout=max(0.1, min(self.request_timeout, left))) as response:
                return response.status, _json(response.read())
        except urllib.error.HTTPError as error:
            try:
                payload = _json(error.read())
            except OSError:
                payload = {}
            return error.code, payload
        except urllib.error.URLError as error:
            raise _NoAnswer(type(getattr(error, "reason", error)).__name__) from None
        except (OSError, ValueError) as error:  # timeouts, resets, truncated bodies
            raise _NoAnswer(type(error).__name__) from None

    def pause(self, attempt: int, method: str, path: str, last: str) -> None:
        """Sleep before the next try, or fail when the next try would start after the deadline."""
        delay = min(2**attempt, 15) * 0.5
        if self.clock() + delay > self.deadline:
            raise GatewayError(f"the gateway did not answer {method} {path} in time (last: {last})")
        self.sleep(delay)


def _json(raw: bytes | None) -> Json:
    try:
        payload = json.loads(raw or b"{}")
    except ValueError:
        return {}
    return payload if isinstance(payload, dict) else {}


def _error(payload: Json) -> Json:
    """LiteLLM's error object ({"error": {"message", "type", "param", "code"}}), or {}."""
    error = payload.get("error")
    return error if isinstance(error, dict) else {}


def _message(payload: Json) -> str:
    """The error text, for matching only: never repeated, it can carry what the request carried."""
    return str(_error(payload).get("message") or payload.get("detail") or "")


def _refused(method: str, path: str, status: int, payload: Json) -> GatewayError:
    kind = _error(payload).get("type")
    kind = f" ({kind})" if isinstance(kind, str) and re.fullmatch(r"[a-z_]{1,40}", kind) else ""
    return GatewayError(f"{method} {path} was refused with {status}{kind}")


def _key_not_found(status: int, payload: Json) -> bool:
    # LiteLLM's own 404 comes as an error object; a bare {"detail": "Not Found"} is a route that is not there (yet).
    return status == 404 and bool(_error(payload))


def _alias_conflict(status: int, payload: Json) -> bool:
    return status == 400 and "already exists" in _message(payload)


def _owner(event: Json) -> str:
    """This resource's mark on its key: the stack's name (stable across re-creations of a stack) and logical id."""
    stack = str(event.get("StackId", "")).split(":stack/")[-1].split("/")[0]
    return f"{stack}/{event.get('LogicalResourceId', '')}"


def desired_state(props: Json, owner: str) -> Json:
    """The key's whole state as LiteLLM's request fields: unset props as null (or the field's empty value)."""
    metadata = json.loads(props["Metadata"]) if props.get("Metadata") else {}
    return {
        "key_alias": props["KeyAlias"],
        "models": list(props.get("Models") or []),  # [] = every model; the models column takes no null
        "max_budget": _number(props.get("MaxBudgetUsd")),
        "budget_duration": props.get("BudgetDuration") or None,
        "tpm_limit": _number(props.get("TpmLimit")),
        "rpm_limit": _number(props.get("RpmLimit")),
        "max_parallel_requests": _number(props.get("MaxParallelRequests")),
        "metadata": {**metadata, OWNER_FIELD: owner},  # replaced wholesale; the column takes no null
    }


def _number(value: str | float | None) -> int | float | None:
    # CloudFormation hands custom resources every property as a string.
    if value is None or value == "":
        return None
    number = float(value)
    return int(number) if number.is_integer() else number


def _key_value(secrets_client: Any, secret_arn: str) -> str:
    """The value already written for this key, or a new one written now (so a retry finds it)."""
    current = secrets_client.get_secret_value(SecretId=secret_arn).get("SecretString", "")
    if current.startswith(PREFIX):
        return current
    value = PREFIX + "".join(secrets.choice(_ALPHABET) for _ in range(32))
    secrets_client.put_secret_value(SecretId=secret_arn, SecretString=value)
    return value


def _holders(gateway: Gateway, alias: str) -> list[Json]:
    """The keys holding an alias, as LiteLLM lists them (token = hash, metadata)."""
    path = "/key/list?" + urllib.parse.urlencode({"key_alias": alias, "return_full_object": "true", "size": 100})
    status, payload = gateway.request("GET", path)
    if status >= 500:
        raise _NoAnswer(f"{status}")
    if status != 200:
        raise _refused("GET", "/key/list", status, payload)
    keys = payload.get("keys")
    if not isinstance(keys, list):
        keys = []
    return [k for k in keys if isinstance(k, dict) and k.get("key_alias") == alias]


def _is_ours(holder: Json, owner: str) -> bool:
    metadata = holder.get("metadata")
    return isinstance(metadata, dict) and metadata.get(OWNER_FIELD) == owner


def _delete_tokens(gateway: Gateway, tokens: list[str]) -> None:
    status, payload = gateway.request("POST", "/key/delete", {"keys": tokens})
    if status >= 500:
        raise _NoAnswer(f"{status}")
    if status not in (200, 404):
        raise _refused("POST", "/key/delete", status, payload)


def converge(gateway: Gateway, value: str, state: Json, owner: str) -> str:
    """Make the key with our value hold exactly `state`; 'updated' or 'created'."""
    alias = state["key_alias"]
    attempt, conflicts, last = 0, 0, ""
    while True:
        attempt += 1
        path = "/key/update"
        try:
            status, payload = gateway.request("POST", path, {"key": value, **state})
            if status == 200:
                return "updated"
            if _key_not_found(status, payload):
                path = "/key/generate"
                status, payload = gateway.request("POST", path, {"key": value, **state})
                if status == 200:
                    return "created"
                if _alias_conflict(status, payload) and conflicts < _MAX_CONFLICT_ROUNDS:
                    conflicts += 1
                    path = "/key/list"
                    holders = _holders(gateway, alias)
                    if any(h.get("token") == _hash(value) for h in holders):
                        continue  # our own generate landed after all: the next update adopts it
                    foreign = [h for h in holders if not _is_ours(h, owner)]
                    if foreign:
                        raise GatewayError(
                            f"the key alias '{alias}' is held by a key made outside this stack. Delete that key in "
                            "LiteLLM or choose another keyAlias."
                        )
                    if holders:
                        # Leftovers of an earlier failed Create of this resource: their values are lost with the
                        # secret of that attempt, so nobody can use them; ours replaces them.
                        path = "/key/delete"
                        _delete_tokens(gateway, [h["token"] for h in holders])
                        log(message="replaced keys left by an earlier failed create", alias=alias, count=len(holders))
                    continue
                if _alias_conflict(status, payload):
                    raise GatewayError(f"the key alias '{alias}' stayed taken after {conflicts} tries to resolve it")
            elif _alias_conflict(status, payload):
                raise GatewayError(
                    f"the key alias '{alias}' is held by another key. Delete that key in LiteLLM or "
                    "choose another keyAlias."
                )
            if status < 500 and status != 404:
                raise _refused("POST", path, status, payload)
            last = f"{path}: {status}"  # 5xx, or a route that is not there yet: the proxy or its database is starting
        except _NoAnswer as error:
            last = f"{path}: {error}"
        gateway.pause(attempt, "POST", path, last)


def delete(gateway: Gateway, value: str | None, alias: str, owner: str) -> str:
    """Delete our key (by value), or when the value is unknown the keys of the alias that carry our mark."""
    attempt, last = 0, ""
    while True:
        attempt += 1
        try:
            if value is not None:
                _delete_tokens(gateway, [value])
                return "deleted"
            mine = [h["token"] for h in _holders(gateway, alias) if _is_ours(h, owner) and h.get("token")]
            if mine:
                _delete_tokens(gateway, mine)
                return "deleted by its mark"
            return "nothing to delete"
        except _NoAnswer as error:
            last = str(error)
        gateway.pause(attempt, "POST", "/key/delete", last)


def _aws_error(error: BaseException) -> str:
    """A boto3 error's code (or the exception class): never its message."""
    response = getattr(error, "response", None)
    code = response.get("Error", {}).get("Code") if isinstance(response, dict) else None
    return code if isinstance(code, str) and re.fullmatch(r"[A-Za-z.]{1,64}", code) else type(error).__name__


def handle(
    event: Json,
    secrets_client: Any,
    now: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    wait_seconds: float = 600,
    request_timeout: float = 10.0,
) -> Json:
    props = event["ResourceProperties"]
    alias = props["KeyAlias"]
    owner = _owner(event)
    physical_id = event.get("PhysicalResourceId") or f"virtual-key-{alias}"
    deadline = now() + wait_seconds
    request_type = event["RequestType"]

    if request_type == "Delete":
        try:
            master_key = secrets_client.get_secret_value(SecretId=props["MasterKeySecretArn"])["SecretString"]
        except Exception as error:  # noqa: BLE001 - never block a stack deletion
            log(message="key left behind", alias=alias, reason=f"the master key is unreadable ({_aws_error(error)})")
            return {"PhysicalResourceId": physical_id}
        value = None
        try:
            current = secrets_client.get_secret_value(SecretId=props["SecretArn"]).get("SecretString", "")
            value = current if current.startswith(PREFIX) else None
        except Exception as error:  # noqa: BLE001 - unreadable or scheduled for deletion: fall back to our mark
            log(message="key secret unreadable; deleting by the resource's mark", alias=alias, reason=_aws_error(error))
        gateway = Gateway(
            props["GatewayUrl"], master_key, deadline, sleep=sleep, clock=now, request_timeout=request_timeout
        )
        try:
            outcome = delete(gateway, value, alias, owner)
            log(message=f"key {outcome}", alias=alias)
        except GatewayError as error:
            # A gateway that is gone cannot serve the key either; never block a stack deletion on it.
            log(message="key left behind", alias=alias, reason=str(error))
        return {"PhysicalResourceId": physical_id}

    master_key = secrets_client.get_secret_value(SecretId=props["MasterKeySecretArn"])["SecretString"]
    gateway = Gateway(
        props["GatewayUrl"], master_key, deadline, sleep=sleep, clock=now, request_timeout=request_timeout
    )
    value = _key_value(secrets_client, props["SecretArn"])
    action = converge(gateway, value, desired_state(props, owner), owner)
    log(message=f"key {action}", alias=alias)
    # The key is updated in place, also when its alias changes: the physical id never changes, so CloudFormation
    # never deletes the key it has just updated.
    return {"PhysicalResourceId": physical_id}


def _secrets_client() -> Any:
    import boto3

    return boto3.client("secretsmanager")


def on_event(event: Json, context: Any = None) -> Json:
    """Lambda entry point. Create/Update wait up to WAIT_SECONDS for a gateway that is still starting, Delete up to
    DELETE_WAIT_SECONDS; both end SAFETY_SECONDS before the Lambda's own timeout."""
    remaining = context.get_remaining_time_in_millis() / 1000 if context is not None else 900
    bound_name, bound_default = (
        ("DELETE_WAIT_SECONDS", "30") if event.get("RequestType") == "Delete" else ("WAIT_SECONDS", "600")
    )
    wait = max(0.0, min(float(os.environ.get(bound_name, bound_default)), remaining - SAFETY_SECONDS))
    request_timeout = float(os.environ.get("REQUEST_TIMEOUT_SECONDS", "10"))
    try:
        return handle(event, _secrets_client(), wait_seconds=wait, request_timeout=request_timeout)
    except GatewayError as error:
        raise GatewayError(redact(str(error))) from None
    except Exception as error:  # noqa: BLE001 - the message becomes the stack's failure reason: class and code only
        raise GatewayError(
            f"{type(error).__name__} ({_aws_error(error)}) while managing the key "
            f"'{event.get('ResourceProperties', {}).get('KeyAlias', '?')}'"
        ) from None
