import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
sys.modules.setdefault("boto3", type(sys)("boto3"))  # the handler's boto3 is only used when no client is injected
import migration as handler  # noqa: E402

PROPS = {
    "Cluster": "arn:aws:ecs:us-east-1:123456789012:cluster/gw",
    "TaskDefinition": "arn:aws:ecs:us-east-1:123456789012:task-definition/migrate:7",
    "Subnets": ["subnet-1", "subnet-2"],
    "SecurityGroups": ["sg-1"],
    "ContainerName": "migrate",
    "LogGroup": "/gw/logs",
    "StreamPrefix": "migrate",
}
TASK = "arn:aws:ecs:us-east-1:123456789012:task/gw/abc123"


class FakeEcs:
    def __init__(self, run=None, describe=None):
        self.run = run if run is not None else {"tasks": [{"taskArn": TASK}], "failures": []}
        self.describe = describe or []
        self.calls = []

    def run_task(self, **kwargs):
        self.calls.append(("run_task", kwargs))
        return self.run

    def describe_tasks(self, **kwargs):
        self.calls.append(("describe_tasks", kwargs))
        return self.describe.pop(0)


def event(kind, **extra):
    return {"RequestType": kind, "ResourceProperties": PROPS, **extra}


def stopped(exit_code, reason="Essential container in task exited", container_reason=None):
    container = {"name": "migrate", "exitCode": exit_code}
    if container_reason:
        container["reason"] = container_reason
    return {"tasks": [{"taskArn": TASK, "lastStatus": "STOPPED", "stoppedReason": reason, "containers": [container]}]}


@pytest.mark.parametrize("kind", ["Create", "Update"])
def test_create_and_update_start_one_private_fargate_task(kind):
    ecs = FakeEcs()
    result = handler.on_event(event(kind), client=ecs)
    assert result == {"PhysicalResourceId": "litellm-schema-migration", "Data": {"TaskArn": TASK}}
    (_, kwargs), = ecs.calls
    assert kwargs["taskDefinition"] == PROPS["TaskDefinition"] and kwargs["launchType"] == "FARGATE" and kwargs["count"] == 1
    assert kwargs["networkConfiguration"]["awsvpcConfiguration"] == {"subnets": ["subnet-1", "subnet-2"], "securityGroups": ["sg-1"], "assignPublicIp": "DISABLED"}


def test_delete_runs_nothing():
    ecs = FakeEcs()
    assert handler.on_event(event("Delete", PhysicalResourceId="litellm-schema-migration"), client=ecs) == {"PhysicalResourceId": "litellm-schema-migration"}
    assert handler.is_complete(event("Delete"), client=ecs) == {"IsComplete": True}
    assert ecs.calls == []


def test_a_task_that_cannot_start_fails_the_deploy():
    ecs = FakeEcs(run={"tasks": [], "failures": [{"reason": "RESOURCE:ENI"}]})
    with pytest.raises(RuntimeError, match="Could not start the LiteLLM migration task.*RESOURCE:ENI"):
        handler.on_event(event("Create"), client=ecs)


def test_waits_while_the_task_runs_then_completes_on_exit_0():
    ecs = FakeEcs(describe=[{"tasks": [{"taskArn": TASK, "lastStatus": "RUNNING", "containers": []}]}, stopped(0)])
    assert handler.is_complete(event("Update", Data={"TaskArn": TASK}), client=ecs) == {"IsComplete": False}
    assert handler.is_complete(event("Update", Data={"TaskArn": TASK}), client=ecs) == {"IsComplete": True, "Data": {"TaskArn": TASK}}


def test_a_failed_migration_fails_the_deploy_and_says_where_the_logs_are():
    ecs = FakeEcs(describe=[stopped(1, container_reason="Database setup failed")])
    with pytest.raises(RuntimeError) as err:
        handler.is_complete(event("Create", Data={"TaskArn": TASK}), client=ecs)
    message = str(err.value)
    assert "exit code 1" in message and "Database setup failed" in message
    assert "log group /gw/logs, stream migrate/migrate/abc123" in message
    assert "serving tasks were not updated" in message


def test_a_task_stopped_before_its_container_ran_fails():
    ecs = FakeEcs(describe=[{"tasks": [{"taskArn": TASK, "lastStatus": "STOPPED", "stoppedReason": "CannotPullContainerError", "containers": [{"name": "migrate"}]}]}])
    with pytest.raises(RuntimeError, match="exit code None; CannotPullContainerError"):
        handler.is_complete(event("Create", Data={"TaskArn": TASK}), client=ecs)


def test_a_vanished_task_fails():
    ecs = FakeEcs(describe=[{"tasks": [], "failures": [{"reason": "MISSING"}]}])
    with pytest.raises(RuntimeError, match="is gone"):
        handler.is_complete(event("Create", Data={"TaskArn": TASK}), client=ecs)
