import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { ComplianceProfile, LlmGateway, LlmGatewayProps } from '../src';

export const ENV = { account: '123456789012', region: 'us-east-1' };

/** A stack with a two-AZ VPC like the reference (public subnets for the NAT, private subnets with egress). */
export function stackWithVpc(app = new App(), id = 'TestStack'): { app: App; stack: Stack; vpc: ec2.Vpc } {
  const stack = new Stack(app, id, { env: ENV });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
  return { app, stack, vpc };
}

export function gatewayTemplate(props: Partial<LlmGatewayProps> = {}): { template: Template; gateway: LlmGateway; stack: Stack } {
  const { stack, vpc } = stackWithVpc();
  const gateway = new LlmGateway(stack, 'Gateway', { vpc, ...props });
  return { template: Template.fromStack(stack), gateway, stack };
}

/** The Control Tower profile and what it needs: a certificate for a name in a private zone, an access-log bucket. */
export function governedProps(stack: Stack, vpc: ec2.IVpc): Partial<LlmGatewayProps> {
  return {
    compliance: ComplianceProfile.CONTROL_TOWER,
    endpoint: {
      certificate: acm.Certificate.fromCertificateArn(stack, 'Cert', 'arn:aws:acm:us-east-1:123456789012:certificate/abc'),
      domainName: 'llm-gateway.example.internal',
      hostedZone: new route53.PrivateHostedZone(stack, 'Zone', { zoneName: 'example.internal', vpc }),
      accessLogsBucket: s3.Bucket.fromBucketName(stack, 'AccessLogs', 'my-access-logs'),
    },
  };
}

/** Gateways A and B in stack One, and gateway A in stack Two, of one app (one account and Region). */
export function threeGatewaysInOneAccount(): Stack[] {
  const app = new App();
  const { stack, vpc } = stackWithVpc(app, 'One');
  new LlmGateway(stack, 'A', { vpc });
  new LlmGateway(stack, 'B', { vpc });
  const { stack: other, vpc: otherVpc } = stackWithVpc(app, 'Two');
  new LlmGateway(other, 'A', { vpc: otherVpc });
  return [stack, other];
}

/** The one resource of `type` in the template (fails when there are none or several). */
export function onlyResource(template: Template, type: string): any {
  const found = Object.values(template.findResources(type));
  if (found.length !== 1) {
    throw new Error(`expected exactly one ${type}, found ${found.length}`);
  }
  return found[0];
}

/** The serving container (`litellm`); the one-off migration task has a container of its own (`migrate`). */
export function container(template: Template): any {
  return containerNamed(template, 'litellm');
}

export function containerNamed(template: Template, name: string): any {
  const found = Object.values(template.findResources('AWS::ECS::TaskDefinition'))
    .flatMap((t: any) => t.Properties.ContainerDefinitions)
    .filter((c: any) => c.Name === name);
  if (found.length !== 1) {
    throw new Error(`expected exactly one container '${name}', found ${found.length}`);
  }
  return found[0];
}

export function env(template: Template): Record<string, unknown> {
  return Object.fromEntries(container(template).Environment.map((e: any) => [e.Name, e.Value]));
}
