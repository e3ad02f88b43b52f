import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { LlmGateway } from '../src';
import { container, containerNamed, env, gatewayTemplate, stackWithVpc } from './helpers';
import { GatewayMigration } from '../src/service/private/migration';

// Migrations once per deploy, in a one-off task, before the service rolls.
let template: Template;
beforeAll(() => {
  template = gatewayTemplate().template;
});

test('the one-off task runs the same image with the migrate-and-exit command that fails on a failed migration', () => {
  const migrate = containerNamed(template, 'migrate');
  // LiteLLM 1.82.3 to 1.103 log a failed migration and exit 0 without --enforce_prisma_migration_check; the
  // deploy would then roll the service onto a schema its version does not expect.
  expect(migrate.EntryPoint).toEqual(['litellm']);
  expect(migrate.Command).toEqual(['--config', '/app/config.yaml', '--skip_server_startup', '--enforce_prisma_migration_check']);
  expect(migrate.Image).toEqual(container(template).Image);
  const environment = Object.fromEntries(migrate.Environment.map((e: any) => [e.Name, e.Value]));
  expect(Object.keys(environment).filter((k) => !k.startsWith('LITELLM_LOCAL_')).sort()).toEqual([
    'AWS_REGION_NAME', 'DATABASE_HOST', 'DATABASE_NAME', 'DISABLE_SCHEMA_UPDATE', 'ENFORCE_PRISMA_MIGRATION_CHECK', 'LITELLM_LOG',
  ]);
  expect(migrate.Secrets.map((s: any) => s.Name).sort()).toEqual(['DATABASE_PASSWORD', 'DATABASE_USERNAME', 'LITELLM_ADMIN_KEY']);
  expect(migrate.LogConfiguration.Options['awslogs-stream-prefix']).toBe('migrate');
});

test('the one-off task migrates and fails loudly whatever the image sets: schema updates on, migration check on', () => {
  // With DISABLE_SCHEMA_UPDATE=true (an image default, or the serving tasks' value) --skip_server_startup only diffs
  // the schema and exits 0; ENFORCE_PRISMA_MIGRATION_CHECK=false makes 1.104+ releases that read it log-only again.
  const environment = Object.fromEntries(containerNamed(template, 'migrate').Environment.map((e: any) => [e.Name, e.Value]));
  expect(environment.DISABLE_SCHEMA_UPDATE).toBe('false');
  expect(environment.ENFORCE_PRISMA_MIGRATION_CHECK).toBe('true');
});

test('the migration environment cannot switch those off: a clear error names the variable', () => {
  const { stack, vpc } = stackWithVpc();
  const props = {
    cluster: new ecs.Cluster(stack, 'Cluster', { vpc }),
    image: ecs.ContainerImage.fromRegistry('example.com/litellm:1.108.7'),
    subnets: vpc.privateSubnets,
    securityGroups: [new ec2.SecurityGroup(stack, 'Sg', { vpc })],
    secrets: {},
    logGroup: new logs.LogGroup(stack, 'Logs'),
  };
  expect(() => new GatewayMigration(stack, 'Off', { ...props, environment: { DISABLE_SCHEMA_UPDATE: 'true' } }))
    .toThrow(/environment sets DISABLE_SCHEMA_UPDATE: the migration task sets it itself/);
  expect(() => new GatewayMigration(stack, 'LogOnly', { ...props, environment: { ENFORCE_PRISMA_MIGRATION_CHECK: 'false', DISABLE_SCHEMA_UPDATE: 'false' } }))
    .toThrow(/environment sets DISABLE_SCHEMA_UPDATE and ENFORCE_PRISMA_MIGRATION_CHECK: .* Remove them\./);
  expect(() => new GatewayMigration(stack, 'Fine', { ...props, environment: { DATABASE_HOST: 'db.example.com' } })).not.toThrow();
});

test('serving tasks skip the migration', () => {
  expect(env(template).DISABLE_SCHEMA_UPDATE).toBe('true');
});

test('the custom resource names the task definition, so a new image or config runs the migration again', () => {
  template.hasResourceProperties('Custom::LiteLlmSchemaMigration', {
    TaskDefinition: { Ref: Match.stringLikeRegexp('^GatewayServiceMigrationTaskDefinition') },
    Cluster: { 'Fn::GetAtt': [Match.stringLikeRegexp('^GatewayServiceCluster'), 'Arn'] },
    Subnets: [{ Ref: Match.stringLikeRegexp('VpcPrivateSubnet1') }, { Ref: Match.stringLikeRegexp('VpcPrivateSubnet2') }],
    SecurityGroups: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^GatewayServiceServiceSecurityGroup'), 'GroupId'] }],
    ContainerName: 'migrate',
    StreamPrefix: 'migrate',
    // the handler stops a migration that would outlive this, before the provider framework gives up
    TimeoutSeconds: 1800,
  });
});

test('the service rolls only after the migration', () => {
  const [serviceId] = Object.keys(template.findResources('AWS::ECS::Service'));
  const [migrationId] = Object.keys(template.findResources('Custom::LiteLlmSchemaMigration'));
  expect(template.toJSON().Resources[serviceId].DependsOn).toContain(migrationId);
});

test('with a database of the user\'s, the migration still waits for its task\'s execution role and policy', () => {
  const { stack, vpc } = stackWithVpc();
  new LlmGateway(stack, 'Gateway', {
    vpc,
    existingDatabase: {
      hostname: 'db.example.internal',
      secret: new secretsmanager.Secret(stack, 'DbSecret'),
      securityGroup: ec2.SecurityGroup.fromSecurityGroupId(stack, 'DbSg', 'sg-0123456789abcdef0'),
    },
  });
  const resources = Template.fromStack(stack).toJSON().Resources;
  const [migrationId] = Object.keys(resources).filter((id) => resources[id].Type === 'Custom::LiteLlmSchemaMigration');
  const dependsOn: string[] = resources[migrationId].DependsOn ?? [];
  expect(dependsOn.filter((id) => /^GatewayServiceMigrationTaskDefinitionExecutionRole/.test(id)).sort()).toEqual([
    expect.stringMatching(/^GatewayServiceMigrationTaskDefinitionExecutionRole[0-9A-F]{8}$/),
    expect.stringMatching(/^GatewayServiceMigrationTaskDefinitionExecutionRoleDefaultPolicy/),
  ]);
});

test('the handlers may start exactly the migration task and read tasks of the gateway cluster only', () => {
  const policies = Object.entries(template.findResources('AWS::IAM::Policy')).filter(([k]) => /Migration(Start|Check)Function/.test(k));
  const statements = policies.flatMap(([, p]: any) => p.Properties.PolicyDocument.Statement);
  expect(statements).toEqual(expect.arrayContaining([
    expect.objectContaining({
      Action: 'ecs:RunTask',
      Resource: { Ref: expect.stringMatching(/^GatewayServiceMigrationTaskDefinition/) },
      Condition: { ArnEquals: { 'ecs:cluster': { 'Fn::GetAtt': [expect.stringMatching(/^GatewayServiceCluster/), 'Arn'] } } },
    }),
    expect.objectContaining({ Action: 'iam:PassRole' }),
    expect.objectContaining({ Action: ['ecs:DescribeTasks', 'ecs:StopTask'], Resource: expect.anything() }),
  ]));
  expect(JSON.stringify(statements)).not.toMatch(/"Resource":"\*"/);
});

test('the handler package holds the handler and not its tests', () => {
  template.hasResourceProperties('AWS::Lambda::Function', { Handler: 'migration.on_event', Runtime: 'python3.13' });
  template.hasResourceProperties('AWS::Lambda::Function', { Handler: 'migration.is_complete', Runtime: 'python3.13' });
});

test('migrateOnce false: every task migrates itself, as LiteLLM does by default', () => {
  const { template: t } = gatewayTemplate({ service: { migrateOnce: false } });
  t.resourceCountIs('Custom::LiteLlmSchemaMigration', 0);
  t.resourceCountIs('AWS::ECS::TaskDefinition', 1);
  expect(env(t)).not.toHaveProperty('DISABLE_SCHEMA_UPDATE');
});

test('migration timeout: a prop, bounded, and only with migrateOnce', () => {
  expect(() => gatewayTemplate({ service: { migrationTimeout: Duration.hours(3) } })).toThrow(/migration timeout must be between 1 minute and 2 hours/);
  expect(() => gatewayTemplate({ service: { migrateOnce: false, migrationTimeout: Duration.minutes(5) } })).toThrow(/migrationTimeout is set but migrateOnce is false/);
  expect(() => gatewayTemplate({ service: { migrationTimeout: Duration.minutes(10) } })).not.toThrow();
});
