import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { gatewayTemplate, stackWithVpc } from './helpers';
import { DependencyGraph, deployInvariantViolations } from './invariants';
import { ReferenceGatewayStack } from '../integ/reference-app';
import { LlmGateway, LlmGatewayProps, RoutingStrategy } from '../src';
import { DEFAULT_AURORA_POSTGRES_VERSION, RETIRED_VERSIONS } from '../src/private/retired-versions';

// Deploy-time rules AWS enforces and cfn-lint does not know (test/invariants.ts names each rule's source), on every
// kind of template the library makes.

type Configure = (stack: Stack, vpc: ec2.Vpc) => Partial<LlmGatewayProps>;

/** A gateway's template, with two virtual keys unless `keys` is false. */
function gateway(props: Partial<LlmGatewayProps>, configure: Configure = () => ({}), keys = true): any {
  const { stack, vpc } = stackWithVpc();
  const g = new LlmGateway(stack, 'Gateway', { vpc, ...props, ...configure(stack, vpc) });
  if (keys) {
    g.addVirtualKey('Supervisor', { models: ['claude-primary'] });
    g.addVirtualKey('Chunking', { models: ['claude-fast'], rpmLimit: 10 });
  }
  return Template.fromStack(stack).toJSON();
}

const existingDatabaseAndCache = (stack: Stack, vpc: ec2.Vpc): Partial<LlmGatewayProps> => ({
  routing: { strategy: RoutingStrategy.SIMPLE_SHUFFLE },
  existingDatabase: {
    hostname: 'db.example.internal',
    secret: new secretsmanager.Secret(stack, 'DbSecret'),
    securityGroup: ec2.SecurityGroup.fromSecurityGroupId(stack, 'DbSg', 'sg-0123456789abcdef0'),
  },
  existingCache: {
    hostname: 'cache.example.internal',
    vpc,
    securityGroup: new ec2.SecurityGroup(stack, 'CacheSg', { vpc }),
    password: new secretsmanager.Secret(stack, 'CachePassword'),
    username: 'gateway',
  },
});

const https = (stack: Stack, vpc: ec2.Vpc): Partial<LlmGatewayProps> => ({
  endpoint: {
    certificate: acm.Certificate.fromCertificateArn(stack, 'Cert', 'arn:aws:acm:us-east-1:123456789012:certificate/abc'),
    domainName: 'llm-gateway.document-processing.internal',
    hostedZone: new route53.PrivateHostedZone(stack, 'Zone', { zoneName: 'document-processing.internal', vpc }),
  },
});

const VARIANTS: Record<string, () => any> = {
  'the reference deployment': () =>
    Template.fromStack(new ReferenceGatewayStack(new App(), 'LlmGatewayStack', { env: { region: 'us-east-1' } })).toJSON(),
  'the library defaults': () => gatewayTemplate().template.toJSON(),
  'the defaults with virtual keys': () => gateway({}),
  'an existing database and cache': () => gateway({}, existingDatabaseAndCache),
  'HTTPS with a DNS name, and keys': () => gateway({}, https),
  'readers, migrations in every task, no cache, a named log group': () =>
    gateway({ database: { readers: 2 }, service: { migrateOnce: false, logGroupName: '/team/gateway' }, cache: { enabled: false } }),
  'the integ test stack': () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { integStack } = require('../integ/integ.llm-gateway');
    return Template.fromStack(integStack).toJSON();
  },
};

describe('every template the library makes keeps the deploy-time rules', () => {
  test.each(Object.keys(VARIANTS))('%s', (name) => {
    expect(deployInvariantViolations(VARIANTS[name]())).toEqual([]);
  });
});

describe('the fixes, one by one', () => {
  let template: any;
  let graph: DependencyGraph;
  const only = (type: string) => {
    const ids = graph.ofType(type);
    expect(ids).toHaveLength(1);
    return ids[0];
  };
  beforeAll(() => {
    template = gateway({});
    graph = new DependencyGraph(template.Resources);
  });

  test('the Valkey user group holds a user named default that authenticates with a password, and the gateway user', () => {
    const group = template.Resources[only('AWS::ElastiCache::UserGroup')].Properties;
    const users = group.UserIds.map((u: any) => template.Resources[u.Ref].Properties);
    expect(group.Engine).toBe('valkey');
    expect(users.map((u: any) => [u.UserName, u.Engine, u.AuthenticationMode.Type, u.AccessString])).toEqual([
      ['default', 'valkey', 'password', 'off -@all'],
      ['litellm', 'valkey', 'password', 'on ~* &* +@all'],
    ]);
  });

  test('the service, the migration and every key wait for the Aurora writer instance', () => {
    const writer = graph.ofType('AWS::RDS::DBInstance').find((id) => /Writer/.test(id))!;
    const waiting = [only('AWS::ECS::Service'), only('Custom::LiteLlmSchemaMigration'), ...graph.ofType('Custom::LiteLlmVirtualKey')];
    expect(waiting).toHaveLength(4);
    for (const id of waiting) {
      expect([id, graph.waitsFor(id).has(writer)]).toEqual([id, true]);
    }
    // Directly, not only through one another: migrateOnce off leaves the service without the migration.
    expect(template.Resources[only('AWS::ECS::Service')].DependsOn).toContain(writer);
    expect(template.Resources[only('Custom::LiteLlmSchemaMigration')].DependsOn).toContain(writer);
  });

  test('the migration waits for the security-group rules that let the tasks reach the database', () => {
    const rules = Object.keys(template.Resources).filter((id) => /^GatewayDatabaseSecurityGroupfrom|^GatewayServiceServiceSecurityGrouptoTestStackGatewayDatabase/.test(id));
    expect(rules).toHaveLength(2);
    const migration = graph.waitsFor(only('Custom::LiteLlmSchemaMigration'));
    expect(rules.filter((r) => !migration.has(r))).toEqual([]);
  });

  test('a database the user brings adds nothing to wait for, unless the connection names it', () => {
    const plain = gateway({}, existingDatabaseAndCache, false);
    expect(Object.values<any>(plain.Resources).some((r) => r.Type === 'AWS::RDS::DBCluster' || r.Type.startsWith('AWS::ElastiCache::'))).toBe(false);
    const service = Object.values<any>(plain.Resources).find((r) => r.Type === 'AWS::ECS::Service');
    // Only the tasks' own rule towards the database's security group, which the gateway creates.
    expect(service.DependsOn.filter((d: string) => /Db|Database/.test(d))).toEqual([expect.stringMatching(/^GatewayServiceServiceSecurityGrouptoTestStackDbSg/)]);

    // A cluster of the user's own in the same app: the connection's `ready` is what the gateway waits for.
    const own = (withReady: boolean) => {
      const { stack, vpc } = stackWithVpc();
      const cluster = new rds.DatabaseCluster(stack, 'Own', {
        engine: rds.DatabaseClusterEngine.auroraPostgres({ version: DEFAULT_AURORA_POSTGRES_VERSION }),
        writer: rds.ClusterInstance.serverlessV2('Writer'),
        vpc,
      });
      new LlmGateway(stack, 'Gateway', {
        vpc,
        existingDatabase: {
          hostname: cluster.clusterEndpoint.hostname,
          secret: cluster.secret!,
          securityGroup: cluster.connections.securityGroups[0],
          ready: withReady ? cluster.node.findChild('Writer') : undefined,
        },
      });
      return deployInvariantViolations(Template.fromStack(stack).toJSON()).map((v) => v.resource);
    };
    expect(own(true)).toEqual([]);
    expect(own(false).sort()).toEqual([expect.stringMatching(/^GatewayService[0-9A-F]{8}$/), expect.stringMatching(/^GatewayServiceMigration/)]);
  });

  test('keys wait for the rules between their handler and the load balancer, and for the DNS record they call', () => {
    const t = gateway({}, https);
    const g = new DependencyGraph(t.Resources);
    const record = g.ofType('AWS::Route53::RecordSet')[0];
    const rules = Object.keys(t.Resources).filter((id) => /VirtualKeysSecurityGroupto|LoadBalancerSecurityGroupfromTestStackGatewayVirtualKeys/.test(id));
    expect(rules).toHaveLength(2);
    for (const key of g.ofType('Custom::LiteLlmVirtualKey')) {
      expect([...rules, record].filter((r) => !g.waitsFor(key).has(r))).toEqual([]);
    }
  });

  test('a named log group is retained except when its own create rolls back; a generated name stays retained', () => {
    const named = Template.fromStack(new ReferenceGatewayStack(new App(), 'LlmGatewayStack', { env: { region: 'us-east-1' } }));
    named.hasResource('AWS::Logs::LogGroup', {
      Properties: { LogGroupName: '/document-processing/llm-gateway' },
      DeletionPolicy: 'RetainExceptOnCreate',
      UpdateReplacePolicy: 'Retain',
    });
    // Without a name no retry collides, and the group keeps a failed first deploy's logs.
    const unnamed = Object.values<any>(template.Resources).filter((r) => r.Type === 'AWS::Logs::LogGroup');
    expect(unnamed.length).toBeGreaterThan(0);
    expect(unnamed.map((r) => [r.Properties.LogGroupName, r.DeletionPolicy])).toEqual(unnamed.map(() => [undefined, 'Retain']));
  });

  test('Aurora PostgreSQL: the default is a version AWS has not retired; a retired one fails at synth, naming the prop', () => {
    expect(RETIRED_VERSIONS.auroraPostgres).not.toContain(DEFAULT_AURORA_POSTGRES_VERSION.auroraPostgresFullVersion);
    expect(Object.values<any>(template.Resources).find((r) => r.Type === 'AWS::RDS::DBCluster').Properties.EngineVersion)
      .toBe(DEFAULT_AURORA_POSTGRES_VERSION.auroraPostgresFullVersion);
    expect(() => gatewayTemplate({ database: { engineVersion: rds.AuroraPostgresEngineVersion.of('16.5', '16') } }))
      .toThrow(/^database\.engineVersion: Aurora PostgreSQL 16\.5 is retired.*default is 16\.8/);
    const { stack, vpc } = stackWithVpc(new App(), 'Direct');
    expect(() => new LlmGateway(stack, 'G', { vpc, database: { engineVersion: rds.AuroraPostgresEngineVersion.VER_17_1 } })).toThrow(/17\.1 is retired/);
    expect(() => gatewayTemplate({ database: { engineVersion: rds.AuroraPostgresEngineVersion.VER_17_5 } })).not.toThrow();
  });
});

describe('each rule catches what it is for (the checker can fail)', () => {
  let base: any;
  beforeAll(() => {
    base = gateway({ service: { logGroupName: '/team/gateway' } });
    expect(deployInvariantViolations(base)).toEqual([]);
  });
  const mutate = (change: (resources: Record<string, any>) => void) => {
    const copy = JSON.parse(JSON.stringify(base));
    change(copy.Resources);
    return deployInvariantViolations(copy).map((v) => `${v.rule} ${v.resource}: ${v.message}`);
  };
  const find = (resources: Record<string, any>, test: (id: string, r: any) => boolean) =>
    Object.entries(resources).filter(([id, r]) => test(id, r)).map(([id]) => id);

  test('a no-password default user in a Valkey group (what the library made before)', () => {
    expect(mutate((r) => {
      const [user] = find(r, (_, x) => x.Type === 'AWS::ElastiCache::User' && x.Properties.UserName === 'default');
      r[user].Properties.AuthenticationMode = { Type: 'no-password-required' };
    })).toEqual([expect.stringMatching(/^elasticache-user-group .*only users with password or IAM authentication; user 'default' has no-password-required/)]);
  });

  test('a group without a default user, and the built-in default user in a Valkey group', () => {
    expect(mutate((r) => {
      const [group] = find(r, (_, x) => x.Type === 'AWS::ElastiCache::UserGroup');
      r[group].Properties.UserIds = r[group].Properties.UserIds.slice(1);
    })).toEqual([expect.stringMatching(/no user named default/)]);
    expect(mutate((r) => {
      const [group] = find(r, (_, x) => x.Type === 'AWS::ElastiCache::UserGroup');
      r[group].Properties.UserIds = ['default', r[group].Properties.UserIds[1]];
    })).toEqual([expect.stringMatching(/user 'default' has no-password-required/)]);
  });

  test('an IAM user named unlike its id, and a password user without a password', () => {
    expect(mutate((r) => {
      const [user] = find(r, (_, x) => x.Type === 'AWS::ElastiCache::User' && x.Properties.UserName === 'litellm');
      r[user].Properties.AuthenticationMode = { Type: 'iam' };
      const [other] = find(r, (_, x) => x.Type === 'AWS::ElastiCache::User' && x.Properties.UserName === 'default');
      r[other].Properties.AuthenticationMode = { Type: 'password' };
    })).toEqual([
      expect.stringMatching(/password authentication without a password/),
      expect.stringMatching(/an IAM user's user name must equal its user id \('litellm' is not 'llmgw-/),
    ]);
  });

  test('database clients that wait for the cluster only (what the library made before)', () => {
    const violations = mutate((r) => {
      for (const id of find(r, (i, x) => !/^GatewayDatabase/.test(i) && x.DependsOn)) {
        r[id].DependsOn = [r[id].DependsOn].flat().filter((d: string) => !/^GatewayDatabase/.test(d));
      }
    });
    // The service, the migration, and the two keys that call the service.
    expect(violations).toHaveLength(4);
    expect(violations.every((v) => /^database-client-waits-for-writer .* does not wait for its writer instance GatewayDatabaseClusterWriter/.test(v))).toBe(true);
  });

  test('a retained log group with a fixed name (what the library made before)', () => {
    expect(mutate((r) => {
      const [group] = find(r, (_, x) => x.Type === 'AWS::Logs::LogGroup' && x.Properties.LogGroupName === '/team/gateway');
      r[group].DeletionPolicy = 'Retain';
    })).toEqual([expect.stringMatching(/^retained-fixed-name .*"\/team\/gateway" is retained on a rolled-back create/)]);
  });

  test('keys that do not wait for the network path to the gateway (what the library made before)', () => {
    const violations = mutate((r) => {
      for (const id of find(r, (_, x) => x.Type === 'Custom::LiteLlmVirtualKey')) {
        r[id].DependsOn = r[id].DependsOn.filter((d: string) => !/SecurityGroup/.test(d));
      }
    });
    expect(violations).toHaveLength(4);
    expect(violations.every((v) => /^gateway-caller-waits-for-gateway .*AWS::EC2::SecurityGroup(Ingress|Egress)\)$/.test(v))).toBe(true);
  });

  test('keys that do not wait for the service', () => {
    const violations = mutate((r) => {
      const [service] = find(r, (_, x) => x.Type === 'AWS::ECS::Service');
      for (const id of find(r, (_, x) => x.Type === 'Custom::LiteLlmVirtualKey')) {
        r[id].DependsOn = r[id].DependsOn.filter((d: string) => d !== service && !/TaskCount/.test(d));
      }
    });
    expect(violations.filter((v) => /AWS::ECS::Service\)$/.test(v))).toHaveLength(2);
  });

  test('retired version strings', () => {
    expect(mutate((r) => {
      const [cluster] = find(r, (_, x) => x.Type === 'AWS::RDS::DBCluster');
      r[cluster].Properties.EngineVersion = '16.5';
      const [fn] = find(r, (_, x) => x.Type === 'AWS::Lambda::Function');
      r[fn].Properties.Runtime = 'nodejs18.x';
    })).toEqual([
      expect.stringMatching(/^retired-version .*Aurora PostgreSQL 16\.5 is retired/),
      expect.stringMatching(/^retired-version .*Lambda runtime nodejs18\.x is retired/),
    ]);
  });
});
