// A development gateway: one small task, no dashboard or alarms, and nothing left behind by `cdk destroy`.
import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { LlmGateway } from '../../src';

const app = new App();
const stack = new Stack(app, 'LlmGatewayDev', { env: { account: '123456789012', region: 'us-east-1' } });
const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });

new LlmGateway(stack, 'Gateway', {
  vpc,
  // Log groups, secrets (the salt key too) and the database go with the stack, without a final snapshot.
  removalPolicy: RemovalPolicy.DESTROY,
  // One task of one worker: no scaling policy, and no shared cache (one process counts its limits exactly).
  service: { cpu: 256, memoryLimitMiB: 1024, workersPerTask: 1, minTasks: 1, maxTasks: 1 },
  observability: { dashboard: false, alarms: false },
});

app.synth();
