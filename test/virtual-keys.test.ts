import { Duration, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { AwsSolutionsChecks } from 'cdk-nag';
import { LlmGateway } from '../src';
import { stackWithVpc } from './helpers';

function withKeys(add: (gateway: LlmGateway) => void) {
  const { stack, vpc } = stackWithVpc();
  const gateway = new LlmGateway(stack, 'Gateway', { vpc });
  add(gateway);
  return { stack, gateway, template: Template.fromStack(stack) };
}

describe('the five reference agents as code (S-USE-3)', () => {
  const agents = ['Supervisor', 'Chunking', 'Extraction', 'Mapping', 'Validation'];
  let template: Template;
  beforeAll(() => {
    ({ template } = withKeys((g) => {
      for (const agent of agents) {
        g.addVirtualKey(agent, {
          models: agent === 'Chunking' || agent === 'Validation' ? ['claude-fast'] : ['claude-primary', 'claude-fallback'],
          maxBudgetUsd: 50,
          budgetDuration: Duration.days(30),
          rpmLimit: 40,
          tpmLimit: 60_000,
          maxParallelRequests: 4,
          metadata: { agent: agent.toLowerCase() },
        });
      }
    }));
  });

  test('one custom resource and one secret per agent, one handler for all', () => {
    template.resourceCountIs('Custom::LiteLlmVirtualKey', 5);
    // migration start/check + its provider framework (3), the key handler + its provider framework (1)
    template.resourceCountIs('AWS::Lambda::Function', 7);
    expect(Object.keys(template.findResources('AWS::SecretsManager::Secret')).filter((k) => /VirtualKeys/.test(k))).toHaveLength(5);
  });

  test('the custom resource carries settings and ARNs, never key material', () => {
    template.hasResourceProperties('Custom::LiteLlmVirtualKey', {
      KeyAlias: 'extraction',
      Models: ['claude-primary', 'claude-fallback'],
      MaxBudgetUsd: 50,
      BudgetDuration: '30d',
      RpmLimit: 40,
      TpmLimit: 60000,
      MaxParallelRequests: 4,
      Metadata: '{"agent":"extraction"}',
      SecretArn: { Ref: Match.stringLikeRegexp('ExtractionSecret') },
      MasterKeySecretArn: { Ref: Match.stringLikeRegexp('^GatewaySecretsMasterKey') },
      GatewayUrl: { 'Fn::Join': ['', ['http://', { 'Fn::GetAtt': [Match.stringLikeRegexp('LoadBalancer'), 'DNSName'] }]] },
    });
    expect(JSON.stringify(template.toJSON())).not.toMatch(/sk-[A-Za-z0-9]{8,}/);
  });

  test('the key secrets hold a generated placeholder, not a literal', () => {
    const secrets = Object.entries(template.findResources('AWS::SecretsManager::Secret')).filter(([k]) => /VirtualKeys/.test(k));
    for (const [, s] of secrets) {
      expect((s as any).Properties.SecretString).toBeUndefined();
      expect((s as any).Properties.GenerateSecretString).toMatchObject({ PasswordLength: 16, ExcludePunctuation: true });
    }
  });

  test('each key waits for the service and its listener', () => {
    const resources = template.toJSON().Resources;
    const [serviceId] = Object.keys(template.findResources('AWS::ECS::Service'));
    const [listenerId] = Object.keys(template.findResources('AWS::ElasticLoadBalancingV2::Listener'));
    for (const [, r] of Object.entries(resources).filter(([, v]: any) => v.Type === 'Custom::LiteLlmVirtualKey')) {
      expect((r as any).DependsOn).toEqual(expect.arrayContaining([serviceId, listenerId]));
    }
  });

  test('the handler runs in the VPC and may reach the gateway listener and HTTPS only', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'virtual_keys.on_event',
      Timeout: 840,
      VpcConfig: { SubnetIds: [{ Ref: Match.stringLikeRegexp('VpcPrivateSubnet1') }, { Ref: Match.stringLikeRegexp('VpcPrivateSubnet2') }], SecurityGroupIds: Match.anyValue() },
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      FromPort: 80,
      ToPort: 80,
      GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^GatewayServiceLoadBalancerSecurityGroup'), 'GroupId'] },
      SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^GatewayVirtualKeysSecurityGroup'), 'GroupId'] },
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('key handler'),
      SecurityGroupEgress: [Match.objectLike({ CidrIp: '0.0.0.0/0', FromPort: 443, ToPort: 443 })],
    });
  });

  test('the handler reads the admin key and reads/writes only the key secrets', () => {
    const policy = Object.entries(template.findResources('AWS::IAM::Policy')).find(([k]) => /VirtualKeysHandlerServiceRoleDefaultPolicy/.test(k))![1] as any;
    const statements = policy.Properties.PolicyDocument.Statement;
    const writes = statements.filter((s: any) => [s.Action].flat().includes('secretsmanager:PutSecretValue'));
    expect(writes.map((s: any) => s.Resource.Ref).sort()).toEqual(agents.sort().map((a) => expect.stringMatching(new RegExp(`VirtualKeys${a}Secret`))));
    const reads = statements.filter((s: any) => [s.Action].flat().includes('secretsmanager:GetSecretValue')).map((s: any) => s.Resource.Ref);
    expect(reads).toEqual(expect.arrayContaining([expect.stringMatching(/^GatewaySecretsMasterKey[A-F0-9]+$/)]));
    expect(reads).toHaveLength(6);
  });

  test('agents read their key through grantRead', () => {
    const { stack, vpc } = stackWithVpc();
    const key = new LlmGateway(stack, 'Gateway', { vpc }).addVirtualKey('Mapping');
    const role = new iam.Role(stack, 'AgentRole', { assumedBy: new iam.ServicePrincipal('bedrock-agentcore.amazonaws.com') });
    key.grantRead(role);
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^AgentRole') }],
      PolicyDocument: { Statement: [Match.objectLike({ Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'] })] },
    });
    expect(key.keyAlias).toBe('mapping');
  });

  test('each key carries the identity of the database it lives in, so a new database updates (re-creates) it', () => {
    const [clusterId] = Object.keys(template.findResources('AWS::RDS::DBCluster'));
    template.hasResourceProperties('Custom::LiteLlmVirtualKey', {
      KeyAlias: 'extraction',
      DatabaseIdentity: { 'Fn::GetAtt': [clusterId, 'DBClusterResourceId'] },
    });
  });

  test('a key on an existing database carries its host, port and name', () => {
    const { stack, vpc } = stackWithVpc();
    const secret = new secretsmanager.Secret(stack, 'DbSecret');
    const securityGroup = new ec2.SecurityGroup(stack, 'DbSg', { vpc });
    new LlmGateway(stack, 'Gateway', { vpc, existingDatabase: { hostname: 'db.internal.example', port: 5433, secret, securityGroup, databaseName: 'gw' } })
      .addVirtualKey('Mapping');
    Template.fromStack(stack).hasResourceProperties('Custom::LiteLlmVirtualKey', { DatabaseIdentity: 'db.internal.example:5433/gw' });
  });

  test('Delete has a short bound of its own; Create and Update wait for a starting gateway', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'virtual_keys.on_event',
      Environment: { Variables: { WAIT_SECONDS: '600', DELETE_WAIT_SECONDS: '30', REQUEST_TIMEOUT_SECONDS: '10' } },
    });
  });

  test('defaults: every alias, no limits', () => {
    const { template: t } = withKeys((g) => g.addVirtualKey('Plain'));
    t.hasResourceProperties('Custom::LiteLlmVirtualKey', {
      KeyAlias: 'plain',
      Models: ['claude-primary', 'claude-fallback', 'claude-fast'],
      MaxBudgetUsd: Match.absent(),
      RpmLimit: Match.absent(),
      BudgetDuration: Match.absent(),
      Metadata: Match.absent(),
    });
  });

  test('budget durations in LiteLLM units', () => {
    const { template: t } = withKeys((g) => {
      g.addVirtualKey('A', { maxBudgetUsd: 1, budgetDuration: Duration.hours(12) });
      g.addVirtualKey('B', { maxBudgetUsd: 1, budgetDuration: Duration.minutes(90) });
      g.addVirtualKey('C', { maxBudgetUsd: 1, budgetDuration: Duration.seconds(45) });
    });
    const durations = Object.values(t.findResources('Custom::LiteLlmVirtualKey')).map((r: any) => r.Properties.BudgetDuration).sort();
    expect(durations).toEqual(['12h', '45s', '90m']);
  });

  test('cdk-nag stays clean with keys', () => {
    const { stack, vpc } = stackWithVpc();
    new LlmGateway(stack, 'Gateway', { vpc }).addVirtualKey('Agent');
    Validations.of(vpc).acknowledge({ id: 'AwsSolutions-VPC7', reason: 'test VPC' });
    expect(new AwsSolutionsChecks(stack).validateScope(stack).violations.map((v) => v.ruleName)).toEqual([]);
  });
});

describe('bad input fails at synth', () => {
  const bad = (add: (g: LlmGateway) => void, message: RegExp) => expect(() => withKeys(add)).toThrow(message);
  test('unknown alias in models', () => bad((g) => g.addVirtualKey('A', { models: ['gpt-4o'] }), /virtual key 'a': models names 'gpt-4o', which is not a model alias of the gateway \(known: claude-primary/));
  test('empty models', () => bad((g) => g.addVirtualKey('A', { models: [] }), /models is empty/));
  test('duplicate key alias', () => bad((g) => { g.addVirtualKey('A'); g.addVirtualKey('B', { keyAlias: 'a' }); }, /keyAlias 'a' is already used/));
  test.each([0, -5, Infinity])('budget %p', (maxBudgetUsd) => bad((g) => g.addVirtualKey('A', { maxBudgetUsd }), /maxBudgetUsd must be above 0/));
  test.each([['rpmLimit', 0], ['tpmLimit', -1], ['maxParallelRequests', 1.5]])('%p %p', (name, value) =>
    bad((g) => g.addVirtualKey('A', { [name]: value }), new RegExp(`${name} must be a positive integer`)));
  test('fractional budget duration', () => bad((g) => g.addVirtualKey('A', { maxBudgetUsd: 1, budgetDuration: Duration.millis(1500) }), /budgetDuration must be a whole number of seconds/));
  test('budget duration without a budget', () => bad((g) => g.addVirtualKey('A', { budgetDuration: Duration.days(1) }), /budgetDuration resets a budget, but maxBudgetUsd is not set/));
  test('bad alias', () => bad((g) => g.addVirtualKey('A', { keyAlias: 'no spaces' }), /keyAlias must be/));
  test.each([[{ note: 'sk-abcdef' }], [{ api_key: 'x' }], [{ password: 'x' }]])('secret-looking metadata %p', (metadata) =>
    bad((g) => g.addVirtualKey('A', { metadata }), /looks like a secret/));
  test('the handler\'s own mark is reserved', () =>
    bad((g) => g.addVirtualKey('A', { metadata: { cdk_llm_gateway_owner: 'x' } }), /metadata 'cdk_llm_gateway_owner' is reserved/));
  test('ordinary metadata passes', () => expect(() => withKeys((g) => g.addVirtualKey('A', { metadata: { monkey: 'business', team: 'docs' } }))).not.toThrow());
});
