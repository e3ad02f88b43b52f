"""A Python user's CDK app, written from the README's Python section alone: the quick start, typed models and
routing, one virtual key per agent read by the agent's role, and the agents' security group let in.

`python app.py` synthesizes into $CDK_OUTDIR (or cdk.out); no AWS account, no Docker. .ci/python/consumer-app.ts
is the same app in TypeScript: test_consumer.py compares the two templates.
"""

from aws_cdk import App, Duration, Environment, Stack
import aws_cdk.aws_ec2 as ec2
import aws_cdk.aws_iam as iam
from cdk_llm_gateway import (
    BedrockModel,
    Fallback,
    InferenceGeography,
    LlmGateway,
    ModelAlias,
    RoutingProps,
    RoutingStrategy,
)

# The agents and the aliases each may call.
AGENTS = {"Supervisor": ["claude-primary", "claude-fast"], "Extraction": ["claude-primary", "claude-fast"], "Validation": ["claude-fast"]}

app = App()
stack = Stack(app, "ConsumerStack", env=Environment(region="us-east-1"))
vpc = ec2.Vpc(stack, "Vpc", max_azs=2)
agent_security_group = ec2.SecurityGroup(stack, "Agents", vpc=vpc)

gateway = LlmGateway(
    stack,
    "Gateway",
    vpc=vpc,
    models=[
        ModelAlias(alias="claude-primary", model=BedrockModel.CLAUDE_SONNET_4_5.in_geography(InferenceGeography.US), tpm=80000, rpm=50),
        ModelAlias(alias="claude-fast", model=BedrockModel.CLAUDE_HAIKU_4_5.in_geography(InferenceGeography.US), tpm=80000, rpm=100),
    ],
    routing=RoutingProps(strategy=RoutingStrategy.SIMPLE_SHUFFLE, fallbacks=[Fallback(from_="claude-primary", to=["claude-fast"])]),
    request_timeout=Duration.minutes(10),
)
gateway.connections.allow_default_port_from(agent_security_group)

for agent, models in AGENTS.items():
    role = iam.Role(stack, f"{agent}Role", assumed_by=iam.ServicePrincipal("ecs-tasks.amazonaws.com"))
    key = gateway.add_virtual_key(
        agent,
        models=models,
        max_budget_usd=50,
        budget_duration=Duration.days(30),
        rpm_limit=40,
        tpm_limit=60000,
        metadata={"agent": agent},
    )
    key.grant_read(role)

app.synth()
