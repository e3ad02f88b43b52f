import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { failuresOf, controlTowerFailures } from './control-tower';
import { governedProps } from './helpers';
import { ReferenceGatewayStack } from '../integ/reference-app';
import { ComplianceProfile, LlmGateway, LlmGatewayProps } from '../src';
import { GatewayMigration } from '../src/service/private/migration';

// AWS Control Tower's proactive controls, run by cfn-guard with AWS's own rules on the reference template, as a
// Control Tower hook runs them at deploy. The example's VPC (its public subnets) is the user's, not the gateway's.
const gatewayOwned = (logicalId: string) => !logicalId.startsWith('Vpc');

function referenceTemplate(): object {
  const stack = new ReferenceGatewayStack(new App(), 'LlmGatewayStack', { env: { region: 'us-east-1' } });
  return Template.fromStack(stack).toJSON();
}

/**
 * What the default still fails, and why each stays off by default (the README's "Governed accounts" lists the same).
 * A control that starts passing, or a new failure, fails this test: update the list and the README together.
 */
const LOG_GROUPS = /^GatewayService(Exec)?LogGroup|^GatewayServiceMigration(Waiter|Function)LogGroup|^GatewayVirtualKeysHandlerLogGroup/;
const DEFAULT_FAILURES: Record<string, RegExp> = {
  // 14-day retention and CloudWatch Logs' own encryption: a year and a customer managed key cost money.
  'CT.CLOUDWATCH.PR.2': LOG_GROUPS,
  'CT.CLOUDWATCH.PR.3': LOG_GROUPS,
  // Root user and a writable root filesystem: hardenedContainer (the profile turns it on) is not proven against the
  // released image's files, so it is not the default (see README).
  'CT.ECS.PR.3': /^GatewayService(Migration)?TaskDefinition/,
  'CT.ECS.PR.6': /^GatewayService(Migration)?TaskDefinition/,
  // HTTP on port 80 without a certificate; deletion protection and access logs change operations or cost money.
  'CT.ELASTICLOADBALANCING.PR.1': /^GatewayServiceLoadBalancerListener/,
  'CT.ELASTICLOADBALANCING.PR.5': /^GatewayServiceLoadBalancer/,
  'CT.ELASTICLOADBALANCING.PR.6': /^GatewayServiceLoadBalancer/,
  // Enhanced monitoring costs money; deletion protection blocks `cdk destroy` of a dev stack.
  'CT.RDS.PR.2': /^GatewayDatabaseClusterWriter/,
  'CT.RDS.PR.3': /^GatewayDatabaseCluster/,
};

describe('AWS Control Tower proactive controls (cfn-guard)', () => {
  const template = referenceTemplate();

  test('the checker sees a failure it must see (a task definition running as root)', () => {
    // Guards the check itself: a broken rule path or binary would otherwise make every template "pass".
    const all = controlTowerFailures(template);
    expect(all.get('CT.ECS.PR.3')).toEqual(expect.arrayContaining([expect.stringMatching(/^GatewayServiceTaskDefinition/)]));
    expect(all.get('CT.EC2.PR.11')).toEqual(expect.arrayContaining([expect.stringMatching(/^VpcpublicSubnet/)]));
  });

  test('default reference: only the documented controls fail, each on the resources listed', () => {
    const failures = failuresOf(template, gatewayOwned);
    expect(Object.keys(failures).sort()).toEqual(Object.keys(DEFAULT_FAILURES).sort());
    for (const [control, ids] of Object.entries(failures)) {
      expect([control, ids.filter((id) => !DEFAULT_FAILURES[control].test(id))]).toEqual([control, []]);
    }
  });

  test('cheap controls pass by default: alarm actions, memory limits, functions in the VPC, Aurora logs and IAM auth, waiter logging and tracing', () => {
    const failures = failuresOf(template, gatewayOwned);
    for (const control of ['CT.CLOUDWATCH.PR.1', 'CT.ECS.PR.7', 'CT.LAMBDA.PR.3', 'CT.RDS.PR.4', 'CT.RDS.PR.25', 'CT.STEPFUNCTIONS.PR.1', 'CT.STEPFUNCTIONS.PR.2']) {
      expect([control, failures[control]]).toEqual([control, undefined]);
    }
  });
});

/** The reference's VPC and keys with the Control Tower profile and what it needs: a certificate, a zone, a log bucket. */
function governed(extra: (stack: Stack) => Partial<LlmGatewayProps> = () => ({})): { stack: Stack; gateway: LlmGateway } {
  const stack = new Stack(new App(), 'GovernedStack', { env: { account: '123456789012', region: 'us-east-1' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
  const { endpoint, ...more } = extra(stack);
  const base = governedProps(stack, vpc);
  const gateway = new LlmGateway(stack, 'Gateway', { vpc, ...base, endpoint: { ...base.endpoint, ...endpoint }, ...more });
  gateway.addVirtualKey('Agent');
  return { stack, gateway };
}

describe('ComplianceProfile.CONTROL_TOWER', () => {
  test('passes every Control Tower control on the gateway\'s resources but the migration task\'s user and root filesystem', () => {
    const { stack } = governed();
    // The serving container runs hardened (proven in the twin). GatewayMigration can run hardened too (below, and
    // assets/twin/tests/test_hardened_migration.py); until the service passes the profile's hardening to it, its task
    // definition is the one failure left.
    expect(failuresOf(Template.fromStack(stack).toJSON(), (id) => !id.startsWith('Vpc') && !id.startsWith('Zone'))).toEqual({});
  });

  test('the serving container runs as an unprivileged user, read-only but for an ephemeral /tmp; the default does not', () => {
    const hardened = Template.fromStack(governed().stack).toJSON() as any;
    const task = Object.entries<any>(hardened.Resources).find(([id]) => /^GatewayServiceTaskDefinition[0-9A-F]{8}$/.test(id))![1];
    const litellm = task.Properties.ContainerDefinitions.find((c: any) => c.Name === 'litellm');
    expect([litellm.User, litellm.ReadonlyRootFilesystem, litellm.MountPoints]).toEqual(['65534:65534', true, [{ ContainerPath: '/tmp', ReadOnly: false, SourceVolume: 'writable0' }]]);
    expect(task.Properties.Volumes).toEqual([{ Name: 'writable0' }]);
    const plain = Object.entries<any>((referenceTemplate() as any).Resources).find(([id]) => /^GatewayServiceTaskDefinition[0-9A-F]{8}$/.test(id))![1];
    const plainLitellm = plain.Properties.ContainerDefinitions.find((c: any) => c.Name === 'litellm');
    expect([plainLitellm.User, plainLitellm.ReadonlyRootFilesystem]).toEqual([undefined, false]);
  });

  test('a year of logs, one rotated key for log groups, secrets and the alarm topic, deletion protection, HTTPS redirect, monitoring', () => {
    const { stack } = governed();
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    for (const group of Object.values<any>(template.findResources('AWS::Logs::LogGroup'))) {
      expect(group.Properties.RetentionInDays).toBe(365);
      expect(group.Properties.KmsKeyId).toBeDefined();
    }
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^GatewayComplianceKey'), 'Arn'] } });
    // The gateway's secrets, the virtual keys' included, are encrypted with the same key, and whoever reads them may use it.
    const secrets = Object.values<any>(template.findResources('AWS::SecretsManager::Secret'));
    expect(secrets.length).toBeGreaterThan(5);
    for (const secret of secrets) {
      expect(secret.Properties.KmsKeyId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^GatewayComplianceKey/), 'Arn'] });
    }
    const policies = JSON.stringify(template.findResources('AWS::IAM::Policy', {}));
    for (const role of ['GatewayServiceTaskDefinitionExecutionRole', 'GatewayServiceMigrationTaskDefinitionExecutionRole']) {
      const policy = Object.entries<any>(template.findResources('AWS::IAM::Policy')).find(([id]) => id.startsWith(`${role}DefaultPolicy`));
      expect([role, JSON.stringify(policy?.[1]).includes('kms:Decrypt') && JSON.stringify(policy?.[1]).includes('GatewayComplianceKey')]).toEqual([role, true]);
    }
    // The key handler decrypts through Secrets Manager only, granted in the key's own policy (so that keys in agents'
    // stacks add nothing to the gateway's).
    const keyPolicy = Object.values<any>(template.findResources('AWS::KMS::Key'))[0].Properties.KeyPolicy.Statement;
    expect(keyPolicy).toContainEqual(expect.objectContaining({
      Action: expect.arrayContaining(['kms:Decrypt']),
      Principal: { AWS: { 'Fn::GetAtt': [expect.stringMatching(/^GatewayVirtualKeysHandlerServiceRole/), 'Arn'] } },
      Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.us-east-1.amazonaws.com' } },
    }));
    expect(policies).toContain('kms:Decrypt');
    template.hasResourceProperties('AWS::RDS::DBCluster', { DeletionProtection: true });
    template.hasResourceProperties('AWS::RDS::DBInstance', { MonitoringInterval: 60 });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      LoadBalancerAttributes: Match.arrayWith([{ Key: 'deletion_protection.enabled', Value: 'true' }]),
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 80, DefaultActions: [{ Type: 'redirect', RedirectConfig: Match.objectLike({ Protocol: 'HTTPS', Port: '443' }) }],
    });
  });

  test('bad input fails at synth, naming the prop', () => {
    const withoutCertificate = () => new LlmGateway(new Stack(), 'Gateway', {
      vpc: new ec2.Vpc(new Stack(), 'Vpc'), compliance: ComplianceProfile.CONTROL_TOWER,
    });
    expect(withoutCertificate).toThrow(/needs endpoint\.certificate/);
    expect(() => governed(() => ({ service: { logRetention: logs.RetentionDays.THREE_MONTHS } }))).toThrow(/service\.logRetention is 90 days/);
    expect(() => governed((stack) => ({ service: { logGroup: new logs.LogGroup(stack, 'Mine') } }))).toThrow(/drop service\.logGroup/);
    expect(() => governed(() => ({ database: { deletionProtection: false } }))).toThrow(/database\.deletionProtection is false/);
    expect(() => governed(() => ({ endpoint: { deletionProtection: false } }))).toThrow(/endpoint\.deletionProtection is false/);
    expect(() => governed(() => ({ endpoint: { accessLogsBucket: undefined } }))).toThrow(/needs endpoint\.accessLogsBucket/);
    expect(() => governed(() => ({ service: { logRetention: logs.RetentionDays.INFINITE } }))).not.toThrow();
    const redirectWithoutCertificate = () => {
      const stack = new Stack();
      new LlmGateway(stack, 'Gateway', { vpc: new ec2.Vpc(stack, 'Vpc'), endpoint: { redirectHttp: true } });
    };
    expect(redirectWithoutCertificate).toThrow(/endpoint\.redirectHttp needs endpoint\.certificate/);
  });
});

describe('GatewayMigration hardened', () => {
  function migrationTemplate(hardened: boolean | undefined): any {
    const stack = new Stack(new App(), 'MigrationStack', { env: { account: '123456789012', region: 'us-east-1' } });
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
    new GatewayMigration(stack, 'Migration', {
      cluster: new ecs.Cluster(stack, 'Cluster', { vpc }),
      image: ecs.ContainerImage.fromRegistry('ghcr.io/berriai/litellm:v1.108.7'),
      subnets: vpc.privateSubnets,
      securityGroups: [new ec2.SecurityGroup(stack, 'Sg', { vpc })],
      environment: { DATABASE_HOST: 'db.example.internal', DATABASE_NAME: 'litellm' },
      secrets: {},
      logGroup: new logs.LogGroup(stack, 'Logs', { retention: logs.RetentionDays.ONE_YEAR }),
      vpc,
      hardened,
    });
    return Template.fromStack(stack).toJSON();
  }
  const taskFailures = (template: object) => failuresOf(template, (id) => id.startsWith('MigrationTaskDefinition'));

  test('passes the task definition controls (non-root user, read-only root filesystem, memory limit); the default fails two', () => {
    expect(taskFailures(migrationTemplate(true))).toEqual({});
    expect(Object.keys(taskFailures(migrationTemplate(undefined)))).toEqual(['CT.ECS.PR.3', 'CT.ECS.PR.6']);
  });

  test('runs as uid 65534, writable only in an ephemeral /tmp that is also HOME, with Prisma\'s update check off', () => {
    const resources = migrationTemplate(true).Resources;
    const task = Object.entries<any>(resources).find(([id]) => /^MigrationTaskDefinition[0-9A-F]{8}$/.test(id))![1];
    const migrate = task.Properties.ContainerDefinitions[0];
    expect([migrate.User, migrate.ReadonlyRootFilesystem, migrate.MountPoints])
      .toEqual(['65534:65534', true, [{ ContainerPath: '/tmp', ReadOnly: false, SourceVolume: 'writable0' }]]);
    expect(task.Properties.Volumes).toEqual([{ Name: 'writable0' }]);
    const environment = Object.fromEntries(migrate.Environment.map((e: any) => [e.Name, e.Value]));
    expect([environment.HOME, environment.CHECKPOINT_DISABLE, environment.DISABLE_SCHEMA_UPDATE]).toEqual(['/tmp', '1', 'false']);
  });

  test('HOME is the construct\'s when hardened: setting it fails at synth, naming it', () => {
    const stack = new Stack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 1, natGateways: 0 });
    const props = {
      cluster: new ecs.Cluster(stack, 'Cluster', { vpc }),
      image: ecs.ContainerImage.fromRegistry('ghcr.io/berriai/litellm:v1.108.7'),
      subnets: vpc.isolatedSubnets,
      securityGroups: [new ec2.SecurityGroup(stack, 'Sg', { vpc })],
      environment: { HOME: '/home/app' },
      secrets: {},
      logGroup: new logs.LogGroup(stack, 'Logs'),
    };
    expect(() => new GatewayMigration(stack, 'Hardened', { ...props, hardened: true })).toThrow(/environment sets HOME: the migration task sets it itself/);
    expect(() => new GatewayMigration(stack, 'Plain', props)).not.toThrow();
  });
});
