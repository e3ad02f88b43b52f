import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { container, containerNamed, env, gatewayTemplate } from './helpers';

// S-FIX-10: migrations once per deploy, in a one-off task, before the service rolls.
let template: Template;
beforeAll(() => {
  template = gatewayTemplate().template;
});

test('the one-off task runs the same image with --skip_server_startup and no health app', () => {
  const migrate = containerNamed(template, 'migrate');
  expect(migrate.Command).toEqual(['--config', '/app/config.yaml', '--skip_server_startup']);
  expect(migrate.Image).toEqual(container(template).Image);
  const environment = Object.fromEntries(migrate.Environment.map((e: any) => [e.Name, e.Value]));
  expect(Object.keys(environment).sort()).toEqual(['AWS_REGION_NAME', 'DATABASE_HOST', 'DATABASE_NAME', 'LITELLM_LOG']);
  expect(migrate.Secrets.map((s: any) => s.Name).sort()).toEqual(['DATABASE_PASSWORD', 'DATABASE_USERNAME', 'LITELLM_ADMIN_KEY']);
  expect(migrate.LogConfiguration.Options['awslogs-stream-prefix']).toBe('migrate');
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
  });
});

test('the service rolls only after the migration', () => {
  const [serviceId] = Object.keys(template.findResources('AWS::ECS::Service'));
  const [migrationId] = Object.keys(template.findResources('Custom::LiteLlmSchemaMigration'));
  expect(template.toJSON().Resources[serviceId].DependsOn).toContain(migrationId);
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
    expect.objectContaining({ Action: 'ecs:DescribeTasks' }),
  ]));
  expect(JSON.stringify(statements)).not.toMatch(/"Resource":"\*"/);
});

test('the handler package holds the handler and not its tests', () => {
  template.hasResourceProperties('AWS::Lambda::Function', { Handler: 'migration.on_event', Runtime: 'python3.13' });
  template.hasResourceProperties('AWS::Lambda::Function', { Handler: 'migration.is_complete', Runtime: 'python3.13' });
});

test('migrateOnce false: every task migrates itself, as LiteLLM does by default', () => {
  const { template: t } = gatewayTemplate({ migrateOnce: false });
  t.resourceCountIs('Custom::LiteLlmSchemaMigration', 0);
  t.resourceCountIs('AWS::ECS::TaskDefinition', 1);
  expect(env(t)).not.toHaveProperty('DISABLE_SCHEMA_UPDATE');
});

test('migration timeout: a prop, bounded, and only with migrateOnce', () => {
  expect(() => gatewayTemplate({ migrationTimeout: Duration.hours(3) })).toThrow(/migration timeout must be between 1 minute and 2 hours/);
  expect(() => gatewayTemplate({ migrateOnce: false, migrationTimeout: Duration.minutes(5) })).toThrow(/migrationTimeout is set but migrateOnce is false/);
  expect(() => gatewayTemplate({ migrationTimeout: Duration.minutes(10) })).not.toThrow();
});
