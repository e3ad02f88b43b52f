// HTTPS with a name agents can trust: in a Route 53 private zone, or in DNS the team manages elsewhere.
import { App, CfnOutput, Stack } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { LlmGateway } from '../../src';

const app = new App();
const stack = new Stack(app, 'LlmGateway', { env: { account: '123456789012', region: 'us-west-2' } });
const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });

// A certificate for the names below (for a private name, one issued by AWS Private CA through ACM).
const certificate = acm.Certificate.fromCertificateArn(stack, 'Certificate',
  'arn:aws:acm:us-west-2:123456789012:certificate/0a1b2c3d-4e5f-6789-0abc-def012345678');

// 1. The gateway creates llm.platform.internal in the private hosted zone; port 80 redirects to 443.
const zone = route53.PrivateHostedZone.fromHostedZoneAttributes(stack, 'Zone', {
  hostedZoneId: 'Z0123456789ABCDEFGHIJ',
  zoneName: 'platform.internal',
});
new LlmGateway(stack, 'Gateway', {
  vpc,
  endpoint: { certificate, domainName: 'llm.platform.internal', hostedZone: zone, redirectHttp: true },
});

// 2. DNS outside Route 53: no hosted zone; point a CNAME at the load balancer's name in your own DNS.
const other = new LlmGateway(stack, 'CorpGateway', {
  vpc,
  endpoint: { certificate, domainName: 'llm.corp.example.com' },
});
new CfnOutput(stack, 'CnameTarget', { value: other.loadBalancer.loadBalancerDnsName });

app.synth();
