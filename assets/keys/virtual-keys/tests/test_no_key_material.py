"""Every fault path of the key handler, swept for key material: no key value, no key hash, no 8-character piece of
either, and not the master key, in any log line, exception text or CloudFormation response (Reason, Data,
PhysicalResourceId) the handler produces."""

import hashlib

import pytest
import virtual_keys as handler
from fake_litellm import FakeLiteLLM
from key_handler_support import KEY_ARN, MASTER_ARN, AwsError, FakeContext, FakeSecrets, closed_port_url, event, new_key

PHYSICAL = "virtual-key-extraction"


class LeakySecrets(FakeSecrets):
    """A Secrets Manager whose write error repeats what it was given (the handler must not repeat AWS messages)."""

    def put_secret_value(self, SecretId, SecretString):
        self.attempted = SecretString
        raise AwsError("ValidationException", f"could not store {SecretString}")


def forbidden(values):
    """Each value, its SHA-256, and every 8-character piece of both."""
    out = set()
    for value in values:
        digest = hashlib.sha256(value.encode()).hexdigest()
        out |= {value, digest}
        for text in (value[3:] if value.startswith("sk-") else value, digest):
            out |= {text[i : i + 8] for i in range(len(text) - 7)}
    return out


def scenarios():
    """(name, kind, props/faults, secrets): each fault path the handler has, run to its end."""

    def create(gw, secrets_client, run):
        run(event("Create", gw.url), secrets_client)

    def lifecycle(gw, s, run):
        run(event("Create", gw.url), s)
        run(event("Update", gw.url, physical=PHYSICAL, RpmLimit=None), s)
        run(event("Delete", gw.url, physical=PHYSICAL), s)

    def fault(path, kind, seconds=0.0):
        def go(gw, s, run):
            gw.inject(path, kind, seconds=seconds)
            run(event("Create", gw.url), s)

        return go

    def foreign_alias(gw, s, run):
        gw.add(new_key(), key_alias="extraction")
        run(event("Create", gw.url), s)

    def leftover_of_ours(gw, s, run):
        gw.add(
            new_key(),
            key_alias="extraction",
            metadata={handler.OWNER_FIELD: "AgentsStack/GatewayVirtualKeysExtraction4F2A1B3C"},
        )
        run(event("Create", gw.url), s)

    def update_echoes(gw, s, run):
        run(event("Create", gw.url), s)
        gw.inject("/key/update", "echo_400")
        run(event("Update", gw.url, physical=PHYSICAL), s)

    def delete_faults(kind):
        def go(gw, s, run):
            run(event("Create", gw.url), s)
            gw.inject("/key/delete", kind, times=50, seconds=0.3)
            run(event("Delete", gw.url, physical=PHYSICAL), s, wait=1)

        return go

    def delete_unreadable(gw, s, run):
        run(event("Create", gw.url), s)
        s.broken[KEY_ARN] = AwsError("InvalidRequestException", "marked for deletion")
        gw.inject("/key/list", "echo_422")
        run(event("Delete", gw.url, physical=PHYSICAL), s, wait=1)

    def master_unreadable(gw, s, run):
        run(event("Create", gw.url), s)
        s.broken[MASTER_ARN] = AwsError("AccessDeniedException", "denied")
        run(event("Delete", gw.url, physical=PHYSICAL), s)

    def wrong_master(gw, s, run):
        s.values[MASTER_ARN] = new_key()
        run(event("Create", gw.url), s)

    def never_ready(gw, s, run):
        gw.ready_at = float("inf")
        run(event("Create", gw.url), s, wait=1)

    def gone(gw, s, run):
        s.values[KEY_ARN] = new_key()
        run(event("Delete", closed_port_url(), physical=PHYSICAL), s, wait=1)
        run(event("Create", closed_port_url()), s, wait=1)

    return [
        ("create, update, delete", lifecycle, FakeSecrets),
        ("generate committed then 500", fault("/key/generate", "commit_then_500"), FakeSecrets),
        ("generate committed then timed out", fault("/key/generate", "commit_then_hang", seconds=1.5), FakeSecrets),
        ("generate answers 422 echoing the request", fault("/key/generate", "echo_422"), FakeSecrets),
        ("generate answers 400 echoing the request", fault("/key/generate", "echo_400"), FakeSecrets),
        ("update answers 422 echoing the request", fault("/key/update", "echo_422"), FakeSecrets),
        ("update answers 400 echoing the request on an Update", update_echoes, FakeSecrets),
        ("alias held outside the stack", foreign_alias, FakeSecrets),
        ("alias held by our own leftover", leftover_of_ours, FakeSecrets),
        ("delete answers 422 echoing the keys", delete_faults("echo_422"), FakeSecrets),
        ("delete hangs", delete_faults("hang"), FakeSecrets),
        ("delete answers 500", delete_faults("500"), FakeSecrets),
        ("delete with the key secret unreadable, list echoing", delete_unreadable, FakeSecrets),
        ("delete with the master key unreadable", master_unreadable, FakeSecrets),
        ("wrong master key", wrong_master, FakeSecrets),
        ("gateway never ready", never_ready, FakeSecrets),
        ("gateway gone", gone, FakeSecrets),
        ("secret write fails with a message repeating the value", create, LeakySecrets),
    ]


SCENARIOS = scenarios()


@pytest.mark.parametrize("name,scenario,secrets_type", SCENARIOS, ids=[s[0] for s in SCENARIOS])
def test_no_key_material_in_anything_a_fault_path_emits(name, scenario, secrets_type, on_event, captured):
    master = new_key()
    secrets_client = secrets_type(master)

    def through_the_entry_point(e, s, wait=3):
        # The Lambda entry point, as the provider framework calls it; its exception text becomes the Reason.
        env = {"WAIT_SECONDS": wait, "DELETE_WAIT_SECONDS": wait, "REQUEST_TIMEOUT_SECONDS": 0.5}
        on_event(e, s, FakeContext(handler.SAFETY_SECONDS + wait), env=env)

    with FakeLiteLLM(master) as gw:
        scenario(gw, secrets_client, through_the_entry_point)
        values = {master, *secrets_client.values.values(), *gw.added, getattr(secrets_client, "attempted", "")}
    emitted = captured.text()
    assert emitted.strip(), name
    leaked = sorted(piece for piece in forbidden(v for v in values if v.startswith("sk-")) if piece in emitted)
    assert not leaked, f"{name}: key material in what the handler emitted: {len(leaked)} pieces"
