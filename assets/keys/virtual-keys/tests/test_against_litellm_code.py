"""The handler's requests and its reading of answers, checked against LiteLLM's own code (the pinned release in the
twin's venv: `.venv/bin/python -m pytest assets/keys/virtual-keys`; skipped where LiteLLM is not installed).

The real key API needs LiteLLM's database client, whose Prisma query engine this machine cannot download (see
assets/twin/tests/test_database.py), so the proxy's endpoints cannot run end to end here. What runs is the code they
are made of: the request models, the update preparation that decides what the database row gets, the alias and
not-found checks with the database lookup stubbed, and the error objects the proxy turns into response bodies.
"""

import asyncio
import json
import os
import sys

import pytest
import virtual_keys as handler
from key_handler_support import OWNER, event, new_key

# Never fetch the model cost map from the internet when LiteLLM is imported.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
# The callback's tests stand in for LiteLLM with empty modules (they run without it); this module needs the real one.
for name in [
    n
    for n, m in sys.modules.items()
    if (n == "litellm" or n.startswith("litellm.")) and getattr(m, "__file__", None) is None
]:
    del sys.modules[name]
pytest.importorskip("litellm.proxy.management_endpoints.key_management_endpoints")

from litellm.proxy import _types  # noqa: E402
from litellm.proxy.auth.auth_exception_handler import _auth_failure_log_message  # noqa: E402
from litellm.proxy.auth.resolvers.exceptions import KeyNotFoundError  # noqa: E402
from litellm.proxy.management_endpoints import key_management_endpoints as endpoints  # noqa: E402
from litellm.proxy.utils import hash_token  # noqa: E402

FULL = event("Create", "http://127.0.0.1:1")["ResourceProperties"]


def row(**fields):
    return _types.LiteLLM_VerificationToken(token=hash_token(new_key()), **fields)


def test_our_hash_is_litellms():
    value = new_key()
    assert handler._hash(value) == hash_token(value)


def test_generate_and_update_accept_the_whole_state_with_its_nulls():
    bare = {k: v for k, v in FULL.items() if k in ("KeyAlias", "SecretArn", "MasterKeySecretArn", "GatewayUrl")}
    for props in (FULL, bare):
        body = {"key": new_key(), **handler.desired_state(props, OWNER)}
        generate = _types.GenerateKeyRequest.model_validate(body)
        update = _types.UpdateKeyRequest.model_validate(body)
        assert generate.key_alias == update.key_alias == "extraction"
    _types.KeyRequest.model_validate({"keys": [new_key()]})


@pytest.mark.parametrize(
    "prop,column,cleared",
    [
        ("RpmLimit", "rpm_limit", None),
        ("TpmLimit", "tpm_limit", None),
        ("MaxParallelRequests", "max_parallel_requests", None),
        ("MaxBudgetUsd", "max_budget", None),
        ("BudgetDuration", "budget_duration", None),
        ("Models", "models", []),
    ],
)
def test_an_update_without_a_setting_clears_its_column(prop, column, cleared):
    # prepare_key_update_data is what /key/update writes to the row (update_key_fn passes it to the database).
    props = {k: v for k, v in FULL.items() if k != prop and not (prop == "MaxBudgetUsd" and k == "BudgetDuration")}
    body = {"key": new_key(), **handler.desired_state(props, OWNER)}
    existing = row(
        key_alias="extraction",
        rpm_limit=40,
        tpm_limit=60000,
        max_parallel_requests=4,
        max_budget=50.0,
        budget_duration="30d",
        models=["claude-primary"],
        metadata={"agent": "extraction", "old": "label"},
    )
    values = asyncio.run(
        endpoints.prepare_key_update_data(data=_types.UpdateKeyRequest.model_validate(body), existing_key_row=existing)
    )
    assert column in values and values[column] == cleared
    if prop == "BudgetDuration":
        assert values["budget_reset_at"] is None


def test_an_update_replaces_the_metadata_with_exactly_the_props_labels_and_the_mark():
    body = {"key": new_key(), **handler.desired_state({**FULL, "Metadata": json.dumps({"agent": "mapping"})}, OWNER)}
    existing = row(key_alias="extraction", metadata={"agent": "extraction", "dropped": "label"})
    values = asyncio.run(
        endpoints.prepare_key_update_data(data=_types.UpdateKeyRequest.model_validate(body), existing_key_row=existing)
    )
    assert values["metadata"] == {"agent": "mapping", handler.OWNER_FIELD: OWNER}


class _Table:
    def __init__(self, found):
        self.found = found

    async def find_first(self, **kwargs):
        return self.found

    async def find_unique(self, **kwargs):
        return self.found


def _answer(error):
    """The body the proxy sends for a ProxyException (proxy_server.openai_exception_handler), and its status."""
    return int(error.code), {"error": json.loads(json.dumps(error.to_dict(), default=str))}


def test_the_handler_reads_litellms_alias_conflict(monkeypatch):
    monkeypatch.setattr(endpoints, "_prisma_table", lambda repository: _Table(row(key_alias="extraction")))
    with pytest.raises(_types.ProxyException) as raised:
        asyncio.run(endpoints._enforce_unique_key_alias(key_alias="extraction", prisma_client=object()))
    status, payload = _answer(raised.value)
    assert handler._alias_conflict(status, payload)
    assert not handler._key_not_found(status, payload)


def test_the_handler_reads_litellms_key_not_found(monkeypatch):
    monkeypatch.setattr(endpoints, "_prisma_table", lambda repository: _Table(None))
    with pytest.raises(_types.ProxyException) as raised:
        asyncio.run(endpoints._get_and_validate_existing_key(token=new_key(), prisma_client=object()))
    status, payload = _answer(raised.value)
    assert handler._key_not_found(status, payload)
    # A route that is not there yet (FastAPI's own 404) is not a missing key.
    assert not handler._key_not_found(404, {"detail": "Not Found"})


def test_the_callback_redacts_litellms_own_auth_failure_text():
    import importlib.util
    import pathlib

    path = pathlib.Path(__file__).parents[3] / "service" / "litellm" / "callbacks" / "metrics_logger.py"
    spec = importlib.util.spec_from_file_location("metrics_logger_under_test", path)
    assert spec is not None and spec.loader is not None, path
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    value = new_key()
    text = _auth_failure_log_message(KeyNotFoundError(hash_token(value)))
    assert hash_token(value) in text  # what LiteLLM says
    redacted = module.redact(text)
    digest = hash_token(value)
    assert not any(digest[i : i + 8] in redacted for i in range(len(digest) - 7))
    assert redacted.startswith("Authentication Error, Invalid proxy server token passed.")
