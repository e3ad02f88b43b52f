"""Custom-resource handler that runs LiteLLM's database migrations once per deploy, before the service rolls.

On Create and Update (the migration task definition changes with the image, so every new LiteLLM version or config
is an Update) it starts one Fargate task of the gateway image with ``--skip_server_startup``, which applies the
Prisma migrations and exits; ``is_complete`` polls it. A non-zero exit fails the deploy with the reason and where
the logs are, before any serving task runs on the new image. Delete does nothing: the schema stays with the data.

Faults: ECS answers throttles and brief outages (retried, within the Lambda's time on start, at the next poll while
waiting); a task just started may not be visible to DescribeTasks yet (waited for, up to ``VISIBILITY_GRACE_SECONDS``);
a task that outlives the migration timeout is stopped before the provider framework gives up, so no migration keeps
running against the database after CloudFormation has moved on.
"""

import time
from collections.abc import Callable
from typing import Any

import boto3

# A CloudFormation event, its ResourceProperties or the handler's answer.
Json = dict[str, Any]

PHYSICAL_ID = "litellm-schema-migration"
# How long a task ECS has just started may be missing from DescribeTasks (eventual consistency).
VISIBILITY_GRACE_SECONDS = 120
# Stop the task this long before the provider framework's total timeout, which ends the polling for good.
DEADLINE_MARGIN_SECONDS = 60
# AWS error codes worth another try: throttling and brief service trouble.
TRANSIENT_CODES = {
    "ThrottlingException",
    "Throttling",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "ServiceUnavailable",
    "ServiceUnavailableException",
    "ServerException",
    "InternalFailure",
    "InternalError",
}
START_ATTEMPTS = 5
_ecs: Any = None


def _client(client: Any) -> Any:
    global _ecs
    if client is not None:
        return client
    if _ecs is None:
        _ecs = boto3.client("ecs")
    return _ecs


def _error_code(error: BaseException) -> str | None:
    response = getattr(error, "response", None)
    return (response or {}).get("Error", {}).get("Code") if isinstance(response, dict) else None


def _is_transient(error: BaseException) -> bool:
    return _error_code(error) in TRANSIENT_CODES


def _remaining_seconds(context: Any) -> float:
    return context.get_remaining_time_in_millis() / 1000 if context is not None else float("inf")


def on_event(
    event: Json,
    context: Any = None,
    client: Any = None,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
) -> Json:
    if event["RequestType"] == "Delete":
        return {"PhysicalResourceId": event.get("PhysicalResourceId", PHYSICAL_ID)}
    props = event["ResourceProperties"]
    ecs = _client(client)
    for attempt in range(START_ATTEMPTS):
        try:
            response = ecs.run_task(
                cluster=props["Cluster"],
                taskDefinition=props["TaskDefinition"],
                launchType="FARGATE",
                count=1,
                startedBy="cdk-llm-gateway",
                networkConfiguration={
                    "awsvpcConfiguration": {
                        "subnets": props["Subnets"],
                        "securityGroups": props["SecurityGroups"],
                        "assignPublicIp": "DISABLED",
                    }
                },
            )
            break
        except Exception as error:  # noqa: BLE001 - only AWS's transient errors are retried
            wait = 2**attempt
            if not _is_transient(error) or attempt == START_ATTEMPTS - 1 or _remaining_seconds(context) < wait + 10:
                raise
            sleep(wait)
    tasks = response.get("tasks") or []
    if response.get("failures") or not tasks:
        raise RuntimeError(f"Could not start the LiteLLM migration task: {response.get('failures')}")
    started = clock()
    data = {"TaskArn": tasks[0]["taskArn"], "StartedAt": str(int(started))}
    if props.get("TimeoutSeconds"):
        data["StopAt"] = str(int(started + int(props["TimeoutSeconds"]) - DEADLINE_MARGIN_SECONDS))
    return {"PhysicalResourceId": PHYSICAL_ID, "Data": data}


def _logs(props: Json, task_arn: str) -> str:
    task_id = task_arn.rsplit("/", 1)[-1]
    return f"Logs: log group {props['LogGroup']}, stream {props['StreamPrefix']}/{props['ContainerName']}/{task_id}."


def is_complete(event: Json, context: Any = None, client: Any = None, clock: Callable[[], float] = time.time) -> Json:
    if event["RequestType"] == "Delete":
        return {"IsComplete": True}
    props = event["ResourceProperties"]
    data = event["Data"]
    task_arn = data["TaskArn"]
    now = clock()
    ecs = _client(client)
    try:
        response = ecs.describe_tasks(cluster=props["Cluster"], tasks=[task_arn])
    except Exception as error:  # noqa: BLE001 - a throttle now is a poll later; anything else fails the deploy
        if _is_transient(error):
            print(f"DescribeTasks answered {_error_code(error)}; polling again")
            return {"IsComplete": False}
        raise
    tasks = response.get("tasks") or []
    if not tasks:
        started = float(data.get("StartedAt", now))
        if now - started < VISIBILITY_GRACE_SECONDS:
            return {"IsComplete": False}
        raise RuntimeError(f"The LiteLLM migration task {task_arn} is gone: {response.get('failures')}")
    task = tasks[0]
    if task.get("lastStatus") != "STOPPED":
        stop_at = data.get("StopAt")
        if stop_at is not None and now >= float(stop_at):
            ecs.stop_task(
                cluster=props["Cluster"], task=task_arn, reason="cdk-llm-gateway: the migration outlived its timeout"
            )
            raise RuntimeError(
                f"LiteLLM database migration did not finish within the migration timeout "
                f"({props.get('TimeoutSeconds')} s); the task was stopped, and the serving tasks were not updated. "
                f"{_logs(props, task_arn)}"
            )
        return {"IsComplete": False}
    container: dict = next((c for c in task.get("containers", []) if c.get("name") == props["ContainerName"]), {})
    exit_code = container.get("exitCode")
    if exit_code == 0:
        return {"IsComplete": True, "Data": {"TaskArn": task_arn}}
    raise RuntimeError(
        f"LiteLLM database migration failed (exit code {exit_code}; {task.get('stoppedReason', 'no reason given')}"
        f"{'; ' + container['reason'] if container.get('reason') else ''}). The serving tasks were not updated. "
        f"{_logs(props, task_arn)}"
    )
