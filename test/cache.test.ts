import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { parse } from 'yaml';
import { BedrockModel, GatewayConfig, GatewayService, LlmGateway, RoutingStrategy } from '../src';
import { ENV, env, container, gatewayTemplate, stackWithVpc, threeGatewaysInOneAccount } from './helpers';

// The shared cache holds the router's state, so that limits and cooldowns hold across every task and worker.
let template: Template;
beforeAll(() => {
  template = gatewayTemplate().template;
});

describe('the default gateway (up to 4 tasks × 2 workers) shares state in ElastiCache Serverless (Valkey)', () => {
  test('a Valkey serverless cache in private subnets, behind its own security group, with a user group', () => {
    template.hasResourceProperties('AWS::ElastiCache::ServerlessCache', {
      Engine: 'valkey',
      MajorEngineVersion: '8',
      ServerlessCacheName: Match.stringLikeRegexp('^llmgw-[a-z0-9-]+$'),
      SubnetIds: [{ Ref: Match.stringLikeRegexp('VpcPrivateSubnet1') }, { Ref: Match.stringLikeRegexp('VpcPrivateSubnet2') }],
      SecurityGroupIds: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^GatewayCacheSecurityGroup'), 'GroupId'] }],
      UserGroupId: { Ref: Match.stringLikeRegexp('^GatewayCacheUserGroup') },
      CacheUsageLimits: { DataStorage: { Maximum: 1, Unit: 'GB' } },
    });
  });

  test('the default user is off; it and the gateway user authenticate with generated passwords by dynamic reference', () => {
    // A Valkey user group admits no user without a password (or IAM), and must hold a user named default.
    template.hasResourceProperties('AWS::ElastiCache::User', {
      UserName: 'default',
      AccessString: 'off -@all',
      Engine: 'valkey',
      AuthenticationMode: {
        Type: 'password',
        Passwords: [{ 'Fn::Join': ['', ['{{resolve:secretsmanager:', { Ref: Match.stringLikeRegexp('^GatewayCacheDefaultUserPassword') }, ':SecretString:::}}']] }],
      },
    });
    expect(JSON.stringify(template.findResources('AWS::ElastiCache::User'))).not.toMatch(/no-password-required|NoPasswordRequired/);
    template.hasResourceProperties('AWS::ElastiCache::User', {
      UserName: 'litellm',
      Engine: 'valkey',
      AuthenticationMode: {
        Type: 'password',
        Passwords: [{ 'Fn::Join': ['', ['{{resolve:secretsmanager:', { Ref: Match.stringLikeRegexp('^GatewayCachePassword') }, ':SecretString:::}}']] }],
      },
    });
  });

  test('only the tasks reach the cache, on 6379', () => {
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      FromPort: 6379,
      ToPort: 6379,
      GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^GatewayCacheSecurityGroup'), 'GroupId'] },
      SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^GatewayServiceServiceSecurityGroup'), 'GroupId'] },
    });
  });

  test('the container reaches it over TLS as its own user, on an explicit port; the password is an ECS secret', () => {
    expect(env(template)).toMatchObject({ REDIS_PORT: '6379', REDIS_SSL: 'True', REDIS_USERNAME: 'litellm' });
    expect(container(template).Secrets.find((s: any) => s.Name === 'REDIS_PASSWORD').ValueFrom).toEqual({ Ref: expect.stringMatching(/^GatewayCachePassword/) });
  });

  test('ElastiCache Serverless is cluster-mode only: the container names it as the startup node of LiteLLM\'s cluster client', () => {
    // Without REDIS_CLUSTER_NODES LiteLLM builds a plain client, which a cluster answers with MOVED and CROSSSLOT.
    const address = { 'Fn::GetAtt': [expect.stringMatching(/^GatewayCache[0-9A-F]+$/), 'Endpoint.Address'] };
    expect(env(template).REDIS_CLUSTER_NODES).toEqual({ 'Fn::Join': ['', ['[{"host":"', address, '","port":6379}]']] });
    expect(env(template).REDIS_HOST).toEqual(address);
  });

  test('the rendered config points the router and the proxy cache at it, response caching off, and enforces rpm/tpm there', () => {
    const { gateway } = gatewayTemplate();
    const doc = parse(gateway.renderedConfig, { version: '1.1' });
    expect(doc.router_settings).toMatchObject({ redis_host: 'os.environ/REDIS_HOST', redis_port: 6379, redis_password: 'os.environ/REDIS_PASSWORD' });
    // The limits hold across every task and worker only when the router enforces them in the shared cache.
    expect(doc.router_settings).toMatchObject({ routing_strategy: 'simple-shuffle', optional_pre_call_checks: ['enforce_model_rate_limits'] });
    expect(doc.litellm_settings).toMatchObject({ cache: true, cache_params: { type: 'redis', mode: 'default_off' } });
  });

  test('no per-process, routing or rate-limit warning', () => {
    const { stack } = gatewayTemplate();
    expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue()).map((w) => String(w.entry.data))).toEqual([]);
  });

  test('two gateways in one account get different cache, user and user-group names', () => {
    const names = threeGatewaysInOneAccount().flatMap((s) => Object.values(Template.fromStack(s).toJSON().Resources as Record<string, any>))
      .flatMap((r) => [r.Properties?.ServerlessCacheName, r.Properties?.UserId, r.Type === 'AWS::ElastiCache::UserGroup' ? r.Properties.UserGroupId : undefined]
        .filter((n) => n !== undefined).map((n) => ({ type: r.Type, name: n as string })));
    expect(names).toHaveLength(12);
    expect(new Set(names.map((n) => `${n.type}/${n.name}`)).size).toBe(12);
    expect(names.every((n) => n.name.length <= 40 && /^[a-z][a-z0-9-]*$/.test(n.name))).toBe(true);
  });
});

describe('when the cache is off', () => {
  test('one task with one worker needs none: no cache, no Redis keys', () => {
    const { template: t, gateway } = gatewayTemplate({ service: { minTasks: 1, maxTasks: 1, workersPerTask: 1 } });
    t.resourceCountIs('AWS::ElastiCache::ServerlessCache', 0);
    expect(env(t)).not.toHaveProperty('REDIS_HOST');
    expect(gateway.renderedConfig).not.toMatch(/redis/);
    expect(gateway.cache).toBeUndefined();
  });

  test('turned off explicitly: no cache, and the per-process warning', () => {
    const { template: t, stack } = gatewayTemplate({ cache: { enabled: false } });
    t.resourceCountIs('AWS::ElastiCache::ServerlessCache', 0);
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('perProcessRateLimits'))).toHaveLength(1);
  });

  test('turned on for a single process too, if asked', () => {
    gatewayTemplate({ service: { maxTasks: 1, workersPerTask: 1 }, cache: { enabled: true } }).template.resourceCountIs('AWS::ElastiCache::ServerlessCache', 1);
  });
});

describe('an existing cache', () => {
  test('is used as is: no cache created, tasks allowed in on its port, its user and password', () => {
    const { stack, vpc } = stackWithVpc();
    const securityGroup = new ec2.SecurityGroup(stack, 'RedisSg', { vpc });
    const password = new secretsmanager.Secret(stack, 'RedisPassword');
    const gateway = new LlmGateway(stack, 'Gateway', {
      vpc,
      routing: { strategy: RoutingStrategy.SIMPLE_SHUFFLE },
      existingCache: { hostname: 'redis.example.internal', port: 6380, vpc, securityGroup, password, username: 'gw', tls: false },
    });
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::ElastiCache::ServerlessCache', 0);
    expect(env(t)).toMatchObject({ REDIS_HOST: 'redis.example.internal', REDIS_PORT: '6380', REDIS_SSL: 'False', REDIS_USERNAME: 'gw' });
    expect(env(t)).not.toHaveProperty('REDIS_CLUSTER_NODES');
    t.hasResourceProperties('AWS::EC2::SecurityGroupIngress', { FromPort: 6380, GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^RedisSg'), 'GroupId'] } });
    expect(parse(gateway.renderedConfig, { version: '1.1' }).router_settings.redis_port).toBe(6380);
  });

  test('in cluster mode gets the cluster client, started from its endpoint and port', () => {
    const { stack, vpc } = stackWithVpc();
    new LlmGateway(stack, 'Gateway', {
      vpc,
      existingCache: { hostname: 'clustercfg.example.internal', port: 6390, clusterMode: true, vpc, securityGroup: new ec2.SecurityGroup(stack, 'Sg', { vpc }) },
    });
    const nodes = env(Template.fromStack(stack)).REDIS_CLUSTER_NODES;
    expect(JSON.parse(nodes as string)).toEqual([{ host: 'clustercfg.example.internal', port: 6390 }]);
    expect(env(Template.fromStack(stack))).toMatchObject({ REDIS_HOST: 'clustercfg.example.internal', REDIS_PORT: '6390' });
  });

  test('without a port uses 6379 and still sets REDIS_PORT', () => {
    const { stack, vpc } = stackWithVpc();
    new LlmGateway(stack, 'Gateway', { vpc, existingCache: { hostname: 'r', vpc, securityGroup: new ec2.SecurityGroup(stack, 'Sg', { vpc }) } });
    expect(env(Template.fromStack(stack)).REDIS_PORT).toBe('6379');
  });

  test('without a password renders no redis_password', () => {
    const { stack, vpc } = stackWithVpc();
    const gateway = new LlmGateway(stack, 'Gateway', { vpc, existingCache: { hostname: 'r', vpc, securityGroup: new ec2.SecurityGroup(stack, 'Sg', { vpc }) } });
    const doc = parse(gateway.renderedConfig, { version: '1.1' });
    expect(doc.router_settings).not.toHaveProperty('redis_password');
    expect(env(Template.fromStack(stack))).not.toHaveProperty('REDIS_USERNAME');
  });

  test('together with the cache turned off fails', () => {
    const { stack, vpc } = stackWithVpc();
    expect(() => new LlmGateway(stack, 'Gateway', { vpc, cache: { enabled: false }, existingCache: { hostname: 'r', vpc, securityGroup: new ec2.SecurityGroup(stack, 'Sg', { vpc }) } }))
      .toThrow(/existingCache is set but cache\.enabled is false/);
  });

  test('in another VPC fails', () => {
    const { stack, vpc } = stackWithVpc();
    const other = new ec2.Vpc(stack, 'Other', { maxAzs: 2 });
    expect(() => new LlmGateway(stack, 'Gateway', { vpc, existingCache: { hostname: 'r', vpc: other, securityGroup: new ec2.SecurityGroup(stack, 'Sg', { vpc: other }) } }))
      .toThrow(/existingCache is in another VPC than the gateway's vpc/);
    const imported = ec2.Vpc.fromVpcAttributes(new Stack(new App(), 'I', { env: ENV }), 'V', { vpcId: 'vpc-1', availabilityZones: ['us-east-1a'] });
    const mine = ec2.Vpc.fromVpcAttributes(stack, 'V2', { vpcId: 'vpc-2', availabilityZones: ['us-east-1a', 'us-east-1b'], privateSubnetIds: ['s-1', 's-2'] });
    expect(() => new LlmGateway(stack, 'Gateway2', { vpc: mine, existingCache: { hostname: 'r', vpc: imported, securityGroup: new ec2.SecurityGroup(stack, 'Sg2', { vpc: mine }) } }))
      .toThrow(/another VPC/);
  });
});

describe('config rendering of the cache (pure)', () => {
  test('router and cache settings, and a port check', () => {
    const doc = parse(new GatewayConfig({ models: [{ alias: 'a', model: BedrockModel.CLAUDE_HAIKU_4_5 }] }, { cache: { port: 6379, password: false } }).renderYaml(), { version: '1.1' });
    expect(doc.router_settings.redis_host).toBe('os.environ/REDIS_HOST');
    expect(doc.router_settings).not.toHaveProperty('redis_password');
    expect(() => new GatewayConfig({}, { cache: { port: 0, password: true } })).toThrow(/the cache port must be a TCP port/);
  });

  test('a service given a cache with a config rendered without it fails, and the reverse', () => {
    const { stack, vpc } = stackWithVpc();
    const gateway = new LlmGateway(stack, 'Gateway', { vpc, cache: { enabled: false } });
    const base = {
      vpc,
      masterKey: gateway.masterKey,
      saltKey: gateway.secrets.saltKey,
      uiCredentials: gateway.secrets.uiCredentials,
      databaseConnection: gateway.databaseConnection,
    };
    expect(() => new GatewayService(stack, 'S1', { ...base, config: gateway.config, cacheConnection: { hostname: 'r', vpc, securityGroup: new ec2.SecurityGroup(stack, 'Sg', { vpc }) } }))
      .toThrow(/cacheConnection is set, but config was rendered without a cache/);
    expect(() => new GatewayService(stack, 'S2', { ...base, config: new GatewayConfig({}, { cache: { port: 6379, password: true } }) }))
      .toThrow(/config was rendered with a cache, but no cacheConnection is set/);
  });
});
