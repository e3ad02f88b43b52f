import * as fs from 'fs';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import {
  DEFAULT_IAM_DATABASE_USER, grantIamDatabaseConnect, iamDatabaseEnvironment, validateIamDatabaseUser,
} from '../src/database/private/iam-database-auth';
import { GatewayMigration, GatewayMigrationProps } from '../src/service/private/migration';

const SCRIPT = fs.readFileSync(path.join(__dirname, '..', 'assets', 'service', 'migration-runner', 'iam_database_user.py'), 'utf8');

function migrationStack(extra: Partial<GatewayMigrationProps> = {}): { stack: Stack; migration: GatewayMigration } {
  const stack = new Stack(new App(), 'IamStack', { env: { account: '123456789012', region: 'eu-west-1' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
  const login = new secretsmanager.Secret(stack, 'Login');
  const migration = new GatewayMigration(stack, 'Migration', {
    cluster: new ecs.Cluster(stack, 'Cluster', { vpc }),
    image: ecs.ContainerImage.fromRegistry('ghcr.io/berriai/litellm:v1.108.7'),
    subnets: vpc.privateSubnets,
    securityGroups: [new ec2.SecurityGroup(stack, 'Sg', { vpc })],
    environment: { DATABASE_HOST: 'db.example.internal', DATABASE_NAME: 'litellm' },
    secrets: {
      DATABASE_USERNAME: ecs.Secret.fromSecretsManager(login, 'username'),
      DATABASE_PASSWORD: ecs.Secret.fromSecretsManager(login, 'password'),
    },
    logGroup: new logs.LogGroup(stack, 'Logs'),
    vpc,
    ...extra,
  });
  return { stack, migration };
}

function migrateContainer(stack: Stack): any {
  const tasks = Template.fromStack(stack).findResources('AWS::ECS::TaskDefinition');
  return Object.values<any>(tasks)[0].Properties.ContainerDefinitions[0];
}

function functionCode(stack: Stack): unknown[] {
  return Object.values<any>(Template.fromStack(stack).findResources('AWS::Lambda::Function'))
    .filter((f) => f.Properties.Handler?.startsWith('migration.')).map((f) => f.Properties.Code);
}

describe('GatewayMigration with an IAM database user', () => {
  test('prepares the user with the image\'s Python before it runs litellm with the same command and the master login', () => {
    const plain = migrateContainer(migrationStack().stack);
    const { stack } = migrationStack({ iamDatabaseUser: DEFAULT_IAM_DATABASE_USER });
    const migrate = migrateContainer(stack);
    expect(migrate.EntryPoint).toEqual(['python3', '-c', SCRIPT]);
    expect(migrate.Command).toEqual(plain.Command);
    const environment = Object.fromEntries(migrate.Environment.map((e: any) => [e.Name, e.Value]));
    expect(environment.LITELLM_IAM_DATABASE_USER).toBe('litellm_gateway');
    // The migration itself keeps the password login and never mints a token: the master user owns the schema.
    expect(environment.IAM_TOKEN_DB_AUTH).toBeUndefined();
    expect(migrate.Secrets.map((s: any) => s.Name).sort()).toEqual(['DATABASE_PASSWORD', 'DATABASE_USERNAME']);
    expect(plain.EntryPoint).toEqual(['litellm']);
  });

  test('the script is not part of the functions\' code: their asset is the same with or without it', () => {
    expect(functionCode(migrationStack({ iamDatabaseUser: 'litellm_gateway' }).stack)).toEqual(functionCode(migrationStack().stack));
  });

  test('combines with the hardened container', () => {
    const migrate = migrateContainer(migrationStack({ iamDatabaseUser: 'litellm_gateway', hardened: true }).stack);
    expect([migrate.User, migrate.ReadonlyRootFilesystem, migrate.EntryPoint[0]]).toEqual(['65534:65534', true, 'python3']);
  });

  test('bad input fails at synth, naming the prop', () => {
    expect(() => migrationStack({ iamDatabaseUser: 'LiteLLM-Gateway' })).toThrow(/iamDatabaseUser 'LiteLLM-Gateway' is not a PostgreSQL role name/);
    expect(() => migrationStack({ iamDatabaseUser: 'rds_iam' })).toThrow(/iamDatabaseUser 'rds_iam' is a role PostgreSQL or RDS reserves/);
    expect(() => migrationStack({ iamDatabaseUser: 'pg_monitor' })).toThrow(/reserves/);
    expect(() => migrationStack({ iamDatabaseUser: 'litellm_gateway', secrets: {} }))
      .toThrow(/iamDatabaseUser needs the master login in secrets to create the user: DATABASE_USERNAME and DATABASE_PASSWORD missing/);
    expect(() => migrationStack({ iamDatabaseUser: 'litellm_gateway', environment: { LITELLM_IAM_DATABASE_USER: 'x' } }))
      .toThrow(/environment sets LITELLM_IAM_DATABASE_USER: the migration task sets it itself/);
    expect(() => validateIamDatabaseUser('litellm', 'database.iamUser', 'litellm')).toThrow(/database.iamUser 'litellm' is the master user/);
    expect(() => validateIamDatabaseUser('a'.repeat(64), 'x')).toThrow(/at most 63 characters/);
  });
});

describe('the serving side of IAM database authentication', () => {
  test('variables: the token switch, host and port apart, DATABASE_USER (what the refresh reads), the Region, TLS', () => {
    expect(iamDatabaseEnvironment({ hostname: 'db.cluster-abc.eu-west-1.rds.amazonaws.com', port: 5433, user: 'litellm_gateway', region: 'eu-west-1' }))
      .toEqual({
        IAM_TOKEN_DB_AUTH: 'true',
        DATABASE_HOST: 'db.cluster-abc.eu-west-1.rds.amazonaws.com',
        DATABASE_PORT: '5433',
        DATABASE_USER: 'litellm_gateway',
        AWS_RDS_REGION: 'eu-west-1',
        DATABASE_SSLMODE: 'require',
      });
  });

  test('rds-db:connect on that one user of the cluster, as CDK\'s own grantConnect writes it', () => {
    const stack = new Stack(new App(), 'Grant', { env: { account: '123456789012', region: 'eu-west-1' } });
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0 });
    const cluster = new rds.DatabaseCluster(stack, 'Cluster', {
      engine: rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_16_8 }),
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      writer: rds.ClusterInstance.serverlessV2('Writer'),
      iamAuthentication: true,
    });
    const ours = new iam.Role(stack, 'Ours', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
    const cdks = new iam.Role(stack, 'Cdks', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
    grantIamDatabaseConnect(ours, stack, cluster.clusterResourceIdentifier, 'litellm_gateway');
    cluster.grantConnect(cdks, 'litellm_gateway');
    const policies = Template.fromStack(stack).findResources('AWS::IAM::Policy');
    const statement = (role: string) => Object.entries<any>(policies).find(([id]) => id.startsWith(`${role}DefaultPolicy`))![1]
      .Properties.PolicyDocument.Statement;
    expect(statement('Ours')).toEqual(statement('Cdks'));
    expect(JSON.stringify(statement('Ours'))).toContain(':rds-db:eu-west-1:123456789012:dbuser:');
    expect(JSON.stringify(statement('Ours'))).toContain('/litellm_gateway');
  });
});
