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


class AwsError(Exception):
    """What botocore raises: the error code under response["Error"]["Code"]."""

    def __init__(self, code):
        super().__init__(f"An error occurred ({code})")
        self.response = {"Error": {"Code": code, "Message": code}}


class FakeEcs:
    """ECS as the handler sees it: answers (or errors, raised) queued per call."""

    def __init__(self, run=None, describe=None, run_errors=()):
        self.run = run if run is not None else {"tasks": [{"taskArn": TASK}], "failures": []}
        self.describe = describe or []
        self.run_errors = list(run_errors)
        self.calls = []

    def run_task(self, **kwargs):
        self.calls.append(("run_task", kwargs))
        if self.run_errors:
            raise self.run_errors.pop(0)
        return self.run

    def describe_tasks(self, **kwargs):
        self.calls.append(("describe_tasks", kwargs))
        answer = self.describe.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    def stop_task(self, **kwargs):
        self.calls.append(("stop_task", kwargs))
        return {}


class LambdaContext:
    def __init__(self, remaining_seconds):
        self.remaining_seconds = remaining_seconds

    def get_remaining_time_in_millis(self):
        return int(self.remaining_seconds * 1000)


def running():
    return {"tasks": [{"taskArn": TASK, "lastStatus": "RUNNING", "containers": []}]}


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
    result = handler.on_event(event(kind), client=ecs, clock=lambda: 1000.4)
    assert result == {"PhysicalResourceId": "litellm-schema-migration", "Data": {"TaskArn": TASK, "StartedAt": "1000"}}
    ((_, kwargs),) = ecs.calls
    assert (
        kwargs["taskDefinition"] == PROPS["TaskDefinition"]
        and kwargs["launchType"] == "FARGATE"
        and kwargs["count"] == 1
    )
    assert kwargs["networkConfiguration"]["awsvpcConfiguration"] == {
        "subnets": ["subnet-1", "subnet-2"],
        "securityGroups": ["sg-1"],
        "assignPublicIp": "DISABLED",
    }


def test_delete_runs_nothing():
    ecs = FakeEcs()
    assert handler.on_event(event("Delete", PhysicalResourceId="litellm-schema-migration"), client=ecs) == {
        "PhysicalResourceId": "litellm-schema-migration"
    }
    assert handler.is_complete(event("Delete"), client=ecs) == {"IsComplete": True}
    assert ecs.calls == []


def test_a_task_that_cannot_start_fails_the_deploy():
    ecs = FakeEcs(run={"tasks": [], "failures": [{"reason": "RESOURCE:ENI"}]})
    with pytest.raises(RuntimeError, match="Could not start the LiteLLM migration task.*RESOURCE:ENI"):
        handler.on_event(event("Create"), client=ecs)


def test_waits_while_the_task_runs_then_completes_on_exit_0():
    ecs = FakeEcs(describe=[{"tasks": [{"taskArn": TASK, "lastStatus": "RUNNING", "containers": []}]}, stopped(0)])
    assert handler.is_complete(event("Update", Data={"TaskArn": TASK}), client=ecs) == {"IsComplete": False}
    assert handler.is_complete(event("Update", Data={"TaskArn": TASK}), client=ecs) == {
        "IsComplete": True,
        "Data": {"TaskArn": TASK},
    }


def test_a_failed_migration_fails_the_deploy_and_says_where_the_logs_are():
    ecs = FakeEcs(describe=[stopped(1, container_reason="Database setup failed")])
    with pytest.raises(RuntimeError) as err:
        handler.is_complete(event("Create", Data={"TaskArn": TASK}), client=ecs)
    message = str(err.value)
    assert "exit code 1" in message and "Database setup failed" in message
    assert "log group /gw/logs, stream migrate/migrate/abc123" in message
    assert "serving tasks were not updated" in message


def test_a_task_stopped_before_its_container_ran_fails():
    ecs = FakeEcs(
        describe=[
            {
                "tasks": [
                    {
                        "taskArn": TASK,
                        "lastStatus": "STOPPED",
                        "stoppedReason": "CannotPullContainerError",
                        "containers": [{"name": "migrate"}],
                    }
                ]
            }
        ]
    )
    with pytest.raises(RuntimeError, match="exit code None; CannotPullContainerError"):
        handler.is_complete(event("Create", Data={"TaskArn": TASK}), client=ecs)


def test_a_vanished_task_fails_once_ecs_has_had_time_to_show_it():
    missing = {"tasks": [], "failures": [{"arn": TASK, "reason": "MISSING"}]}
    ecs = FakeEcs(describe=[missing])
    data = {"TaskArn": TASK, "StartedAt": "1000"}
    with pytest.raises(RuntimeError, match="is gone"):
        handler.is_complete(
            event("Create", Data=data), client=ecs, clock=lambda: 1000 + handler.VISIBILITY_GRACE_SECONDS
        )


def test_a_task_just_started_and_not_yet_visible_is_waited_for():
    missing = {"tasks": [], "failures": [{"arn": TASK, "reason": "MISSING"}]}
    ecs = FakeEcs(describe=[missing, running(), stopped(0)])
    data = {"TaskArn": TASK, "StartedAt": "1000"}
    poll = lambda at: handler.is_complete(event("Create", Data=data), client=ecs, clock=lambda: at)  # noqa: E731
    assert poll(1005) == {"IsComplete": False}
    assert poll(1020) == {"IsComplete": False}
    assert poll(1035) == {"IsComplete": True, "Data": {"TaskArn": TASK}}


@pytest.mark.parametrize("code", ["ThrottlingException", "ServiceUnavailableException"])
def test_a_throttled_or_briefly_unavailable_describe_is_polled_again(code):
    ecs = FakeEcs(describe=[AwsError(code), stopped(0)])
    data = {"TaskArn": TASK, "StartedAt": "1000"}
    assert handler.is_complete(event("Update", Data=data), client=ecs, clock=lambda: 1100) == {"IsComplete": False}
    assert handler.is_complete(event("Update", Data=data), client=ecs, clock=lambda: 1115)["IsComplete"] is True


def test_a_denied_describe_fails_at_once():
    ecs = FakeEcs(describe=[AwsError("AccessDeniedException")])
    with pytest.raises(AwsError, match="AccessDeniedException"):
        handler.is_complete(
            event("Update", Data={"TaskArn": TASK, "StartedAt": "1000"}), client=ecs, clock=lambda: 1100
        )


def test_a_throttled_start_is_retried_with_backoff_within_the_lambdas_time():
    waits: list[float] = []
    ecs = FakeEcs(run_errors=[AwsError("ThrottlingException"), AwsError("ThrottlingException")])
    result = handler.on_event(event("Create"), LambdaContext(55), client=ecs, clock=lambda: 1000, sleep=waits.append)
    assert result["Data"]["TaskArn"] == TASK
    assert [name for name, _ in ecs.calls] == ["run_task"] * 3
    assert waits == [1, 2]


def test_a_throttled_start_is_not_retried_past_the_lambdas_time():
    ecs = FakeEcs(run_errors=[AwsError("ThrottlingException")])
    with pytest.raises(AwsError, match="ThrottlingException"):
        handler.on_event(event("Create"), LambdaContext(5), client=ecs, sleep=lambda s: None)
    assert len(ecs.calls) == 1


def test_a_start_refused_for_good_is_not_retried():
    ecs = FakeEcs(run_errors=[AwsError("InvalidParameterException")])
    with pytest.raises(AwsError):
        handler.on_event(event("Create"), LambdaContext(55), client=ecs, sleep=lambda s: None)
    assert len(ecs.calls) == 1


def test_a_migration_that_outlives_its_timeout_is_stopped_before_the_deploy_gives_up():
    props = {**PROPS, "TimeoutSeconds": "1800"}
    started = handler.on_event(
        {"RequestType": "Create", "ResourceProperties": props}, client=FakeEcs(), clock=lambda: 1000
    )
    data = started["Data"]
    assert data["StopAt"] == str(1000 + 1800 - handler.DEADLINE_MARGIN_SECONDS)
    ecs = FakeEcs(describe=[running(), running()])

    def poll(at: float) -> dict:
        return handler.is_complete(
            {"RequestType": "Create", "ResourceProperties": props, "Data": data}, client=ecs, clock=lambda: at
        )

    assert poll(2000) == {"IsComplete": False}
    with pytest.raises(RuntimeError) as err:
        poll(1000 + 1800 - handler.DEADLINE_MARGIN_SECONDS)
    assert "did not finish within the migration timeout (1800 s); the task was stopped" in str(err.value)
    assert "stream migrate/migrate/abc123" in str(err.value)
    assert ecs.calls[-1] == (
        "stop_task",
        {"cluster": PROPS["Cluster"], "task": TASK, "reason": "cdk-llm-gateway: the migration outlived its timeout"},
    )
