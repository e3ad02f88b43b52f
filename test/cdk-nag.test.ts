import { App, Stack, Validations } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { AwsSolutionsChecks } from 'cdk-nag';
import { BedrockModel, InferenceGeography, LlmGateway, LlmGatewayProps } from '../src';
import { ENV } from './helpers';

// The gateway acknowledges each finding it intends, with its reason (src/**: acknowledge(...)); a user's stack
// with a gateway is clean under the AwsSolutions pack but for the user's own resources.
type Env = { account?: string; region?: string } | undefined;
type Extra = (stack: Stack, vpc: ec2.Vpc) => Partial<LlmGatewayProps>;

function violations(props: Partial<LlmGatewayProps> = {}, env: Env = ENV, extra?: Extra) {
  const stack = new Stack(new App(), 'NagStack', { env });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
  Validations.of(vpc).acknowledge({ id: 'AwsSolutions-VPC7', reason: "The test's VPC, not the gateway's" });
  new LlmGateway(stack, 'Gateway', { vpc, ...props, ...extra?.(stack, vpc) });
  return new AwsSolutionsChecks(stack).validateScope(stack).violations.map((v) => `${v.ruleName} @ ${v.violatingResources.map((r) => r.constructPath).join(', ')}`);
}

test('default gateway: no unacknowledged AwsSolutions finding', () => {
  expect(violations()).toEqual([]);
});

test('environment-agnostic stack: still clean (finding ids with Region and account tokens)', () => {
  expect(violations({}, undefined)).toEqual([]);
});

test('in-Region and global models, ECS Exec off, HTTPS with DNS: still clean', () => {
  expect(violations({
    service: { enableExecuteCommand: false },
    models: [
      { alias: 'direct', model: BedrockModel.CLAUDE_HAIKU_4_5 },
      { alias: 'global', model: BedrockModel.CLAUDE_SONNET_4_5.inGeography(InferenceGeography.GLOBAL) },
    ],
  }, ENV, (stack, vpc) => ({
    endpoint: {
      certificate: acm.Certificate.fromCertificateArn(stack, 'Cert', 'arn:aws:acm:us-east-1:123456789012:certificate/abc'),
      domainName: 'gw.example.internal',
      hostedZone: new route53.PrivateHostedZone(stack, 'Zone', { zoneName: 'example.internal', vpc }),
    },
  }))).toEqual([]);
});

test('turning deletion protection on needs no acknowledgement; the user-chosen default is acknowledged, not hidden', () => {
  expect(violations({ database: { deletionProtection: true } })).toEqual([]);
});

test('a wildcard the gateway did not intend is still reported', () => {
  const stack = new Stack(new App(), 'NagStack', { env: ENV });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
  Validations.of(vpc).acknowledge({ id: 'AwsSolutions-VPC7', reason: 'test VPC' });
  const gateway = new LlmGateway(stack, 'Gateway', { vpc });
  gateway.taskDefinition.addToTaskRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::bucket/*'] }));
  const found = new AwsSolutionsChecks(stack).validateScope(stack).violations.map((v) => v.ruleName);
  expect(found).toEqual(['AwsSolutions-IAM5[Resource::arn:aws:s3:::bucket/*]']);
});
