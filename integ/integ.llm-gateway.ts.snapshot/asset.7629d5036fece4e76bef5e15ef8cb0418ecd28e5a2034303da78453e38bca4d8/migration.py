"""Custom-resource handler that runs LiteLLM's database migrations once per deploy, before the service rolls.

On Create and Update (the migration task definition changes with the image, so every new LiteLLM version or config
is an Update) it starts one Fargate task of the gateway image with ``--skip_server_startup``, which applies the
Prisma migrations and exits; ``is_complete`` polls it. A non-zero exit fails the deploy with the reason and where
the logs are, before any serving task runs on the new image. Delete does nothing: the schema stays with the data.
"""
import boto3

PHYSICAL_ID = "litellm-schema-migration"
_ecs = None


def _client(client):
    global _ecs
    if client is not None:
        return client
    if _ecs is None:
        _ecs = boto3.client("ecs")
    return _ecs


def on_event(event, context=None, client=None):
    if event["RequestType"] == "Delete":
        return {"PhysicalResourceId": event.get("PhysicalResourceId", PHYSICAL_ID)}
    props = event["ResourceProperties"]
    response = _client(client).run_task(
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
    tasks = response.get("tasks") or []
    if response.get("failures") or not tasks:
        raise RuntimeError(f"Could not start the LiteLLM migration task: {response.get('failures')}")
    return {"PhysicalResourceId": PHYSICAL_ID, "Data": {"TaskArn": tasks[0]["taskArn"]}}


def is_complete(event, context=None, client=None):
    if event["RequestType"] == "Delete":
        return {"IsComplete": True}
    props = event["ResourceProperties"]
    task_arn = event["Data"]["TaskArn"]
    response = _client(client).describe_tasks(cluster=props["Cluster"], tasks=[task_arn])
    tasks = response.get("tasks") or []
    if not tasks:
        raise RuntimeError(f"The LiteLLM migration task {task_arn} is gone: {response.get('failures')}")
    task = tasks[0]
    if task.get("lastStatus") != "STOPPED":
        return {"IsComplete": False}
    container = next((c for c in task.get("containers", []) if c.get("name") == props["ContainerName"]), {})
    exit_code = container.get("exitCode")
    if exit_code == 0:
        return {"IsComplete": True, "Data": {"TaskArn": task_arn}}
    task_id = task_arn.rsplit("/", 1)[-1]
    raise RuntimeError(
        f"LiteLLM database migration failed (exit code {exit_code}; {task.get('stoppedReason', 'no reason given')}"
        f"{'; ' + container['reason'] if container.get('reason') else ''}). The serving tasks were not updated. "
        f"Logs: log group {props['LogGroup']}, stream {props['StreamPrefix']}/{props['ContainerName']}/{task_id}."
    )
