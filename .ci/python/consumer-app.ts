// The Python consumer (test/python-consumer/app.py) in TypeScript, run against the packed npm tarball: the same
// props must give the same template (test/python-consumer/test_consumer.py compares them).
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { BedrockModel, InferenceGeography, LlmGateway, RoutingStrategy } from 'cdk-llm-gateway';

const AGENTS: Record<string, string[]> = { Supervisor: ['claude-primary', 'claude-fast'], Extraction: ['claude-primary', 'claude-fast'], Validation: ['claude-fast'] };

const app = new App();
const stack = new Stack(app, 'ConsumerStack', { env: { region: 'us-east-1' } });
const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2 });
const agentSecurityGroup = new ec2.SecurityGroup(stack, 'Agents', { vpc });

const gateway = new LlmGateway(stack, 'Gateway', {
  vpc,
  models: [
    { alias: 'claude-primary', model: BedrockModel.CLAUDE_SONNET_4_5.inGeography(InferenceGeography.US), tpm: 80_000, rpm: 50 },
    { alias: 'claude-fast', model: BedrockModel.CLAUDE_HAIKU_4_5.inGeography(InferenceGeography.US), tpm: 80_000, rpm: 100 },
  ],
  routing: { strategy: RoutingStrategy.SIMPLE_SHUFFLE, fallbacks: [{ from: 'claude-primary', to: ['claude-fast'] }] },
  requestTimeout: Duration.minutes(10),
});
gateway.connections.allowDefaultPortFrom(agentSecurityGroup);

for (const [agent, models] of Object.entries(AGENTS)) {
  const role = new iam.Role(stack, `${agent}Role`, { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
  const key = gateway.addVirtualKey(agent, {
    models,
    maxBudgetUsd: 50,
    budgetDuration: Duration.days(30),
    rpmLimit: 40,
    tpmLimit: 60_000,
    metadata: { agent },
  });
  key.grantRead(role);
}

app.synth();
