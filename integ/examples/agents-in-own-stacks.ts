// Agents in stacks of their own, each with its key: adding or removing an agent never changes the gateway's stack.
import { App, Stack, StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { GatewayVirtualKey, LlmGateway } from '../../src';

const app = new App();
const env = { account: '123456789012', region: 'us-east-1' };

// The VPC in a stack of its own: agents that use it then refer to that stack, not to the gateway's.
const network = new Stack(app, 'Network', { env });
const vpc = new ec2.Vpc(network, 'Vpc', { maxAzs: 2, natGateways: 1 });

const platform = new Stack(app, 'LlmGateway', { env });
// No address range: only the agents below, by security group.
const gateway = new LlmGateway(platform, 'Gateway', { vpc, endpoint: { allowedCidrs: [] } });
// The key handler exists before any agent declares a key.
gateway.enableVirtualKeys();

interface AgentStackProps extends StackProps {
  readonly models: string[];
}

class AgentStack extends Stack {
  constructor(scope: Construct, id: string, props: AgentStackProps) {
    super(scope, id, props);
    const key = new GatewayVirtualKey(this, 'Key', { gateway, keyAlias: id.toLowerCase(), models: props.models, rpmLimit: 60 });
    const agent = new lambda.Function(this, 'Agent', {
      runtime: lambda.Runtime.PYTHON_3_13,
      handler: 'index.handler',
      code: lambda.Code.fromInline('def handler(event, context):\n    return {}\n'),
      vpc,
      environment: { GATEWAY_URL: gateway.endpointUrl, KEY_SECRET_ARN: key.secret.secretArn },
    });
    key.grantRead(agent);
    // The rule goes into this stack: the agent may call the gateway.
    agent.connections.allowToDefaultPort(gateway);
  }
}

new AgentStack(app, 'ExtractionAgent', { env, models: ['claude-primary', 'claude-fallback'] });
new AgentStack(app, 'ValidationAgent', { env, models: ['claude-fast'] });

app.synth();
