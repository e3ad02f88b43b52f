"""The migration handler against ECS as moto models it (RunTask, DescribeTasks, StopTask with boto3's real client and
its request validation) instead of the hand-written FakeEcs, injected the way the handler takes its client. moto
does not run containers, so exit codes stay with test_migration.py's FakeEcs. Needs moto: .ci/python.sh runs it in
its tools venv, inside a network namespace with only loopback; `npx projen test:python` (no moto) skips it."""

import os
import secrets
import sys

import pytest

if not hasattr(sys.modules.get("boto3"), "client"):  # test_migration.py's stand-in; moto needs the real one
    sys.modules.pop("boto3", None)
moto = pytest.importorskip("moto")
import boto3  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import migration as handler  # noqa: E402

REGION = "us-east-1"
TIMEOUT = 1800


@pytest.fixture
def ecs(monkeypatch):
    """moto's ECS with a cluster, the migration's Fargate task definition and a subnet and security group for it;
    credentials made up at run time (moto checks none, nothing leaves the process)."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIA" + secrets.token_hex(8).upper())
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", secrets.token_urlsafe(30))
    with moto.mock_aws():
        client = boto3.client("ecs", region_name=REGION)
        client.create_cluster(clusterName="gw")
        client.register_task_definition(
            family="migrate",
            networkMode="awsvpc",
            requiresCompatibilities=["FARGATE"],
            cpu="512",
            memory="1024",
            containerDefinitions=[{"name": "migrate", "image": "litellm", "essential": True, "memory": 1024}],
        )
        ec2 = boto3.client("ec2", region_name=REGION)
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})  # as CDK's Vpc does
        client.network = {
            "subnet": ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"],
            "group": ec2.create_security_group(GroupName="migrate", Description="migration", VpcId=vpc)["GroupId"],
        }
        yield client


@pytest.fixture
def props(ecs):
    return {
        "Cluster": ecs.describe_clusters(clusters=["gw"])["clusters"][0]["clusterArn"],
        "TaskDefinition": ecs.describe_task_definition(taskDefinition="migrate")["taskDefinition"]["taskDefinitionArn"],
        "Subnets": [ecs.network["subnet"]],  # moto checks that they exist, as ECS does
        "SecurityGroups": [ecs.network["group"]],
        "ContainerName": "migrate",
        "LogGroup": "/gw/logs",
        "StreamPrefix": "migrate",
        "TimeoutSeconds": str(TIMEOUT),
    }


def _start(ecs, props, at=1000.0):
    return handler.on_event({"RequestType": "Create", "ResourceProperties": props}, client=ecs, clock=lambda: at)


def _poll(ecs, props, data, at):
    event = {"RequestType": "Create", "ResourceProperties": props, "Data": data}
    return handler.is_complete(event, client=ecs, clock=lambda: at)


def test_create_starts_one_fargate_task_of_the_migration_and_waits_while_it_runs(ecs, props):
    started = _start(ecs, props)
    data = started["Data"]
    assert started["PhysicalResourceId"] == handler.PHYSICAL_ID
    tasks = ecs.list_tasks(cluster="gw")["taskArns"]
    assert tasks == [data["TaskArn"]]
    task = ecs.describe_tasks(cluster="gw", tasks=tasks)["tasks"][0]
    assert task["launchType"] == "FARGATE" and task["startedBy"] == "cdk-llm-gateway"
    assert task["taskDefinitionArn"] == props["TaskDefinition"]
    assert data["StopAt"] == str(int(1000 + TIMEOUT - handler.DEADLINE_MARGIN_SECONDS))
    assert _poll(ecs, props, data, at=1060) == {"IsComplete": False}


def test_a_migration_that_outlives_its_timeout_is_stopped_in_ecs_and_fails_the_deploy(ecs, props):
    data = _start(ecs, props)["Data"]
    with pytest.raises(RuntimeError, match=r"did not finish within the migration timeout \(1800 s\)"):
        _poll(ecs, props, data, at=float(data["StopAt"]))
    task = ecs.describe_tasks(cluster="gw", tasks=[data["TaskArn"]])["tasks"][0]
    assert task["lastStatus"] == "STOPPED"
    assert task["stoppedReason"] == "cdk-llm-gateway: the migration outlived its timeout"


def test_a_task_ecs_does_not_know_is_waited_for_then_reported_gone(ecs, props):
    unknown = props["Cluster"].replace(":cluster/", ":task/") + "/" + secrets.token_hex(16)
    data = {"TaskArn": unknown, "StartedAt": "1000"}
    assert _poll(ecs, props, data, at=1000 + handler.VISIBILITY_GRACE_SECONDS - 1) == {"IsComplete": False}
    with pytest.raises(RuntimeError, match="is gone"):
        _poll(ecs, props, data, at=1000 + handler.VISIBILITY_GRACE_SECONDS)


def test_a_cluster_ecs_does_not_have_fails_the_start_with_ecs_own_error(ecs, props):
    missing = {**props, "Cluster": props["Cluster"].replace("/gw", "/not-there")}
    with pytest.raises(ecs.exceptions.ClusterNotFoundException):
        _start(ecs, missing)
