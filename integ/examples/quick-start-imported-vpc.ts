// Quick start in Frankfurt with a VPC another team owns: only the agents' security group may call the gateway.
import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { LlmGateway } from '../../src';

const app = new App();
const stack = new Stack(app, 'LlmGateway', { env: { account: '123456789012', region: 'eu-central-1' } });

// An imported VPC: its private subnets (with a NAT or VPC endpoints) in two Availability Zones.
const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
  vpcId: 'vpc-0a1b2c3d4e5f67890',
  availabilityZones: ['eu-central-1a', 'eu-central-1b'],
  privateSubnetIds: ['subnet-0a1b2c3d4e5f60001', 'subnet-0a1b2c3d4e5f60002'],
});
const agents = ec2.SecurityGroup.fromSecurityGroupId(stack, 'Agents', 'sg-0a1b2c3d4e5f60003');

// The default aliases use the eu. inference profiles here (prompts stay in the EU).
// allowedCidrs: [] admits no address range: only the security groups allowed below.
const gateway = new LlmGateway(stack, 'Gateway', { vpc, endpoint: { allowedCidrs: [] } });
gateway.connections.allowDefaultPortFrom(agents);

app.synth();
