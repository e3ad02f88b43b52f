import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { HIPAASecurityChecks, NIST80053R5Checks } from 'cdk-nag';
import { LlmGateway, LlmGatewayProps } from '../src';
import { ENV, governedProps } from './helpers';

// cdk-nag's NIST 800-53 rev 5 and HIPAA Security packs, which enterprises run beside AwsSolutions. What each still
// reports on the gateway's own resources is listed here with the reason it is intended; a new finding, or one that
// goes away, fails the test (update the list and the README's "Governed accounts" together).
type Pack = typeof NIST80053R5Checks | typeof HIPAASecurityChecks;

function findings(Pack: Pack, props: (stack: Stack, vpc: ec2.Vpc) => Partial<LlmGatewayProps> = () => ({})): string[] {
  const stack = new Stack(new App(), 'NagStack', { env: ENV });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
  new LlmGateway(stack, 'Gateway', { vpc, ...props(stack, vpc) }).addVirtualKey('Agent');
  const rules = new Set<string>();
  for (const v of new Pack(stack).validateScope(stack).violations) {
    // The test's VPC and hosted zone are the user's.
    if (v.violatingResources.some((r) => (r.constructPath ?? '').startsWith('NagStack/Gateway/'))) {
      rules.add(v.ruleName.replace(/^(NIST\.800\.53\.R5|HIPAA\.Security)-/, ''));
    }
  }
  return [...rules].sort();
}

const governed = governedProps;

/** Intended with either setting, and why. */
const ALWAYS: Record<string, string> = {
  SecretsManagerRotationEnabled: 'ECS injects secrets when a task starts (rotation breaks running tasks until they restart); the salt key must never change; LiteLLM, not Secrets Manager, owns the virtual keys',
  RDSInBackupPlan: "Aurora's own continuous backups and a final snapshot on delete; an AWS Backup plan is the account's choice",
  IAMNoInlinePolicy: "CDK's grants write each role's default policy inline, scoped to the gateway's resources",
  EC2RestrictedCommonPorts: "the load balancer admits only its listener ports from the VPC's CIDR, a deploy-time value cdk-nag cannot evaluate (a literal allowedCidrs clears it)",
  EC2RestrictedSSH: 'as EC2RestrictedCommonPorts: no SSH rule exists',
  LambdaConcurrency: 'custom-resource handlers run once per deploy, called by CloudFormation',
  LambdaDLQ: 'custom-resource handlers report failures to CloudFormation, which fails the deploy: no event is lost',
  ELBv2ACMCertificateRequired: 'a port-80 listener has no certificate: the HTTP listener by default, only a redirect to HTTPS with the profile',
};
/** NIST only: the load balancer is internal; a WAF web ACL (about 6 USD a month and more) is yours to associate. */
const NIST_ONLY = ['ALBWAFEnabled'];
/** What the default leaves off and ComplianceProfile.CONTROL_TOWER turns on (cost or operations, see the README). */
const PROFILE_FIXES = [
  'ALBHttpToHttpsRedirection', 'CloudWatchLogGroupEncrypted', 'ELBDeletionProtectionEnabled', 'ELBLoggingEnabled',
  'RDSEnhancedMonitoringEnabled', 'RDSInstanceDeletionProtectionEnabled', 'SNSEncryptedKMS', 'SecretsManagerUsingKMSKey',
];

describe.each([
  ['NIST 800-53 rev 5', NIST80053R5Checks, NIST_ONLY],
  ['HIPAA Security', HIPAASecurityChecks, []],
])('cdk-nag %s', (_name, Pack, packOnly) => {
  test('default: only the intended findings and those the compliance profile addresses', () => {
    expect(findings(Pack)).toEqual([...Object.keys(ALWAYS), ...packOnly, ...PROFILE_FIXES].sort());
  });

  test('ComplianceProfile.CONTROL_TOWER: only the intended findings', () => {
    expect(findings(Pack, governed)).toEqual([...Object.keys(ALWAYS), ...packOnly].sort());
  });
});
