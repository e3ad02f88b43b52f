import json
import time

import pytest
import virtual_keys as handler
from fake_litellm import FakeLiteLLM, hash_key
from key_handler_support import (
    KEY_ARN,
    MASTER_ARN,
    OWNER,
    AwsError,
    FakeContext,
    FakeSecrets,
    closed_port_url,
    event,
    expected_row,
    new_key,
)

PHYSICAL = "virtual-key-extraction"


@pytest.fixture
def master():
    return new_key()


@pytest.fixture
def secrets_client(master):
    return FakeSecrets(master)


# --- the ordinary life of a key


def test_create_makes_one_key_equal_to_the_props_and_stores_it(run, secrets_client, master):
    with FakeLiteLLM(master) as gw:
        e = event("Create", gw.url)
        result, logs = run(e, secrets_client)
        value = secrets_client.values[KEY_ARN]
        assert value.startswith("sk-") and len(value) == 35
        assert gw.keys == {hash_key(value): expected_row(e["ResourceProperties"])}
    assert result == {"PhysicalResourceId": PHYSICAL}
    assert value not in json.dumps(result) and value not in logs


def test_a_retried_create_adopts_the_key_instead_of_making_a_second(run, secrets_client, master):
    with FakeLiteLLM(master) as gw:
        run(event("Create", gw.url), secrets_client)
        first = secrets_client.values[KEY_ARN]
        run(event("Create", gw.url), secrets_client)
        assert list(gw.keys) == [hash_key(first)]
        assert secrets_client.puts == 1


def test_an_update_of_limits_keeps_the_value_and_the_physical_id(run, secrets_client, master):
    with FakeLiteLLM(master) as gw:
        run(event("Create", gw.url), secrets_client)
        value = secrets_client.values[KEY_ARN]
        e = event("Update", gw.url, physical=PHYSICAL, RpmLimit="10", KeyAlias="extraction-v2")
        result, _ = run(e, secrets_client)
        assert result == {"PhysicalResourceId": PHYSICAL}
        assert secrets_client.values[KEY_ARN] == value
        assert gw.key(value) == expected_row(e["ResourceProperties"])


def test_delete_deletes_the_key(run, secrets_client, master):
    with FakeLiteLLM(master) as gw:
        run(event("Create", gw.url), secrets_client)
        result, _ = run(event("Delete", gw.url, physical=PHYSICAL), secrets_client)
        assert gw.keys == {}
        assert result == {"PhysicalResourceId": PHYSICAL}


def test_delete_of_a_key_that_never_reached_litellm_leaves_a_foreign_key_with_the_alias_alone(
    run, secrets_client, master
):
    with FakeLiteLLM(master) as gw:
        handmade = new_key()
        gw.add(handmade, key_alias="extraction")
        run(event("Delete", gw.url, physical=PHYSICAL), secrets_client)
        assert gw.key(handmade) is not None


def test_waits_for_a_slow_start_then_creates(run, secrets_client, master):
    with FakeLiteLLM(master, ready_after=0.5) as gw:
        run(event("Create", gw.url), secrets_client, wait=60)
        assert len(gw.keys) == 1
        assert gw.count("/key/update") > 1  # it waited through 503s


def test_a_gateway_that_never_becomes_ready_fails_clearly(run, secrets_client, master):
    with FakeLiteLLM(master, ready_after=60) as gw:
        with pytest.raises(handler.GatewayError, match="did not answer POST /key/update in time"):
            run(event("Create", gw.url), secrets_client, wait=0.5)


def test_an_alias_taken_outside_the_stack_fails_with_what_to_do(run, secrets_client, master):
    with FakeLiteLLM(master) as gw:
        handmade = new_key()
        gw.add(handmade, key_alias="extraction")
        with pytest.raises(
            handler.GatewayError,
            match="alias 'extraction' is held by a key made outside this stack.*choose another keyAlias",
        ):
            run(event("Create", gw.url), secrets_client)
        assert gw.key(handmade)["key_alias"] == "extraction"  # untouched
        assert len(gw.keys) == 1


def test_a_wrong_master_key_is_a_clear_error_not_a_wait(run, secrets_client, master):
    secrets_client.values[MASTER_ARN] = new_key()
    with FakeLiteLLM(master) as gw:
        started = time.monotonic()
        with pytest.raises(handler.GatewayError, match="refused with 401"):
            run(event("Create", gw.url), secrets_client, wait=30)
        assert time.monotonic() - started < 5


def test_no_key_value_travels_in_a_url(run, secrets_client, master):
    with FakeLiteLLM(master) as gw:
        run(event("Create", gw.url), secrets_client)
        run(event("Update", gw.url, physical=PHYSICAL), secrets_client)
        run(event("Delete", gw.url, physical=PHYSICAL), secrets_client)
        assert all("sk-" not in path for _, path, _ in gw.requests)


# --- idempotent creation


@pytest.mark.parametrize("fault", ["commit_then_500", "commit_then_hang"])
def test_a_generate_that_litellm_committed_then_failed_converges_on_one_key(run, secrets_client, master, fault):
    # LiteLLM commits the key, then answers 500 (or the answer never comes before the client's timeout); the
    # retry must not end in "alias already exists".
    with FakeLiteLLM(master) as gw:
        gw.inject("/key/generate", fault, seconds=1.5)
        e = event("Create", gw.url)
        result, _ = run(e, secrets_client, wait=20, request_timeout=0.5)
        value = secrets_client.values[KEY_ARN]
        assert result == {"PhysicalResourceId": PHYSICAL}
        assert gw.keys == {hash_key(value): expected_row(e["ResourceProperties"])}


def test_a_generate_that_commits_late_after_the_timeout_is_adopted(run, secrets_client, master):
    # The timed-out generate lands between our next update (not found) and our next generate (alias exists).
    with FakeLiteLLM(master) as gw:
        calls = {"n": 0}
        original = gw.route_key_update

        def late_update(body):
            calls["n"] += 1
            status, payload = original(body)
            if calls["n"] == 1 and status == 404:
                gw.route_key_generate(
                    {"key": body["key"], **{k: v for k, v in body.items() if k != "key"}}
                )  # the late commit
            return status, payload

        gw.route_key_update = late_update
        e = event("Create", gw.url)
        run(e, secrets_client)
        value = secrets_client.values[KEY_ARN]
        assert gw.keys == {hash_key(value): expected_row(e["ResourceProperties"])}
        assert gw.count("/key/list") == 1


def test_a_rerun_after_a_failed_create_replaces_its_own_leftover_and_nothing_else(run, master):
    # First attempt: the key is committed, the Create fails anyway (the gateway never answers in time), CloudFormation
    # rolls back, the provider framework skips Delete, the secret of that attempt is gone.
    with FakeLiteLLM(master) as gw:
        gw.inject("/key/generate", "commit_then_500").inject("/key/update", None).inject(
            "/key/update", "503", times=100
        )
        first_secrets = FakeSecrets(master)
        with pytest.raises(handler.GatewayError):
            run(event("Create", gw.url), first_secrets, wait=0.3)
        assert len(gw.keys) == 1
        gw.faults.clear()
        other = new_key()
        gw.add(other, key_alias="chunking", metadata={"agent": "chunking"})

        second_secrets = FakeSecrets(master)
        e = event("Create", gw.url)
        run(e, second_secrets)
        value = second_secrets.values[KEY_ARN]
        assert value != first_secrets.values[KEY_ARN]
        assert gw.key(value) == expected_row(e["ResourceProperties"])
        assert gw.key(first_secrets.values[KEY_ARN]) is None
        assert gw.key(other) is not None and len(gw.keys) == 2


# --- the key equals the props after every Create, Update and rollback

LIMITS = ["RpmLimit", "TpmLimit", "MaxBudgetUsd", "MaxParallelRequests", "BudgetDuration", "Models", "Metadata"]


@pytest.mark.parametrize("prop", LIMITS)
def test_an_update_that_drops_a_setting_resets_it_and_a_rollback_restores_it(run, secrets_client, master, prop):
    with FakeLiteLLM(master) as gw:
        full = event("Create", gw.url)
        run(full, secrets_client)
        value = secrets_client.values[KEY_ARN]
        dropped = {prop: None, **({"BudgetDuration": None} if prop == "MaxBudgetUsd" else {})}
        update = event("Update", gw.url, physical=PHYSICAL, **dropped)
        run(update, secrets_client)
        assert gw.key(value) == expected_row(update["ResourceProperties"])
        rollback = event("Update", gw.url, physical=PHYSICAL)
        run(rollback, secrets_client)
        assert gw.key(value) == expected_row(full["ResourceProperties"])


def test_a_rollback_of_an_added_limit_removes_it(run, secrets_client, master):
    with FakeLiteLLM(master) as gw:
        bare = event("Create", gw.url, RpmLimit=None, TpmLimit=None, MaxParallelRequests=None, Metadata=None)
        run(bare, secrets_client)
        value = secrets_client.values[KEY_ARN]
        run(event("Update", gw.url, physical=PHYSICAL, RpmLimit="5"), secrets_client)
        assert gw.key(value)["rpm_limit"] == 5
        rollback = {**bare, "RequestType": "Update", "PhysicalResourceId": PHYSICAL}
        run(rollback, secrets_client)
        assert gw.key(value) == expected_row(bare["ResourceProperties"])


def test_a_replaced_database_gets_the_key_back_on_the_update_its_identity_triggers(run, secrets_client, master):
    with FakeLiteLLM(master) as old_db:
        run(event("Create", old_db.url, DatabaseIdentity="cluster-OLD"), secrets_client)
    value = secrets_client.values[KEY_ARN]
    with FakeLiteLLM(master) as new_db:  # the same gateway URL in the stack, a new empty database behind it
        e = event("Update", new_db.url, physical=PHYSICAL, DatabaseIdentity="cluster-NEW")
        run(e, secrets_client)
        assert new_db.keys == {hash_key(value): expected_row(e["ResourceProperties"])}
        assert secrets_client.values[KEY_ARN] == value  # agents keep their key


def test_a_restored_snapshot_with_an_older_key_of_ours_under_the_alias_converges(run, secrets_client, master):
    with FakeLiteLLM(master) as restored:
        older = new_key()
        restored.add(older, key_alias="extraction", metadata={handler.OWNER_FIELD: OWNER})
        secrets_client.values[KEY_ARN] = new_key()  # the value the stack holds now
        e = event("Update", restored.url, physical=PHYSICAL, DatabaseIdentity="cluster-RESTORED")
        run(e, secrets_client)
        assert restored.keys == {hash_key(secrets_client.values[KEY_ARN]): expected_row(e["ResourceProperties"])}


# --- Delete never blocks a stack deletion


def test_delete_with_an_unreadable_key_secret_deletes_by_the_mark_and_succeeds(run, secrets_client, master):
    with FakeLiteLLM(master) as gw:
        run(event("Create", gw.url), secrets_client)
        handmade = new_key()
        gw.add(handmade, key_alias="extraction-other")
        secrets_client.broken[KEY_ARN] = AwsError(
            "InvalidRequestException",
            "You can't perform this operation on the secret because it was marked for deletion.",
        )
        result, logs = run(event("Delete", gw.url, physical=PHYSICAL), secrets_client)
        assert result == {"PhysicalResourceId": PHYSICAL}
        assert list(gw.keys) == [hash_key(handmade)]
        assert "InvalidRequestException" in logs


def test_delete_with_an_unreadable_master_key_succeeds_and_says_what_was_left(run, secrets_client, master):
    with FakeLiteLLM(master) as gw:
        run(event("Create", gw.url), secrets_client)
        secrets_client.broken[MASTER_ARN] = AwsError("AccessDeniedException", "not authorized")
        result, logs = run(event("Delete", gw.url, physical=PHYSICAL), secrets_client)
        assert result == {"PhysicalResourceId": PHYSICAL}
        assert len(gw.keys) == 1
        assert "key left behind" in logs and "AccessDeniedException" in logs and "extraction" in logs


def test_delete_through_the_entry_point_with_the_gateway_gone_returns_in_its_short_bound(on_event, secrets_client):
    secrets_client.values[KEY_ARN] = new_key()
    # Fifteen minutes on the Lambda's clock: the old code waited min(600 s, remaining - 30 s) per key.
    result, error, logs, took = on_event(
        event("Delete", closed_port_url(), physical=PHYSICAL),
        secrets_client,
        FakeContext(60),
        env={"DELETE_WAIT_SECONDS": 2},
    )
    assert error is None and result == {"PhysicalResourceId": PHYSICAL}
    assert took < 4
    assert "key left behind" in logs


def test_delete_through_the_entry_point_with_a_gateway_that_hangs_returns_in_its_short_bound(
    on_event, secrets_client, master
):
    secrets_client.values[KEY_ARN] = new_key()
    with FakeLiteLLM(master) as gw:
        gw.inject("/key/delete", "hang", times=10, seconds=20)
        result, error, logs, took = on_event(
            event("Delete", gw.url, physical=PHYSICAL), secrets_client, FakeContext(60), env={"DELETE_WAIT_SECONDS": 2}
        )
    assert error is None and result == {"PhysicalResourceId": PHYSICAL}
    assert took < 4
    assert "key left behind" in logs


def test_delete_defaults_to_a_short_bound_not_the_create_bound(on_event, secrets_client, monkeypatch):
    monkeypatch.delenv("DELETE_WAIT_SECONDS", raising=False)
    waits = []

    def handle(e, client, wait_seconds, request_timeout):
        waits.append(wait_seconds)
        return {}

    monkeypatch.setattr(handler, "handle", handle)
    on_event(
        event("Delete", "http://127.0.0.1:1", physical=PHYSICAL),
        secrets_client,
        FakeContext(840),
        env={"WAIT_SECONDS": 600},
    )
    on_event(event("Create", "http://127.0.0.1:1"), secrets_client, FakeContext(840), env={"WAIT_SECONDS": 600})
    assert waits[0] <= 60 and 590 < waits[1] <= 600


# --- the entry point keeps to the Lambda's remaining time


def test_create_through_the_entry_point_ends_before_the_lambda_does(on_event, secrets_client, master):
    with FakeLiteLLM(master, ready_after=600) as gw:
        context = FakeContext(handler.SAFETY_SECONDS + 1.5)
        result, error, _, took = on_event(
            event("Create", gw.url), secrets_client, context, env={"WAIT_SECONDS": 600, "REQUEST_TIMEOUT_SECONDS": 10}
        )
    assert isinstance(error, handler.GatewayError) and "in time" in str(error)
    assert took < 2.5
    assert context.get_remaining_time_in_millis() > (handler.SAFETY_SECONDS - 1) * 1000


def test_a_request_that_hangs_is_cut_at_the_deadline_not_at_its_own_timeout(on_event, secrets_client, master):
    with FakeLiteLLM(master) as gw:
        gw.inject("/key/update", "hang", times=5, seconds=30)
        context = FakeContext(handler.SAFETY_SECONDS + 1.5)
        _, error, _, took = on_event(
            event("Create", gw.url), secrets_client, context, env={"WAIT_SECONDS": 600, "REQUEST_TIMEOUT_SECONDS": 30}
        )
    assert isinstance(error, handler.GatewayError)
    assert took < 2.5


def test_create_through_the_entry_point_with_time_to_spare_succeeds(on_event, secrets_client, master):
    with FakeLiteLLM(master) as gw:
        gw.inject("/key/generate", "commit_then_500")
        result, error, _, _ = on_event(
            event("Create", gw.url), secrets_client, FakeContext(handler.SAFETY_SECONDS + 20)
        )
        assert error is None and result == {"PhysicalResourceId": PHYSICAL}
        assert len(gw.keys) == 1
