import { App, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { AwsSolutionsChecks } from 'cdk-nag';
import { GatewayVirtualKey, LlmGateway, LlmGatewayProps } from '../src';
import { ENV, governedProps, stackWithVpc } from './helpers';

type Issuing = LlmGateway;
function newGateway(scope: Stack, id: string, props: LlmGatewayProps): Issuing {
  return new LlmGateway(scope, id, props);
}

function withKeys(add: (gateway: Issuing) => void) {
  const { stack, vpc } = stackWithVpc();
  const gateway = newGateway(stack, 'Gateway', { vpc });
  add(gateway);
  return { stack, gateway, template: Template.fromStack(stack) };
}

describe('the five reference agents as code', () => {
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

  test('the handler reads the admin key and reads/writes only secrets under the gateway\'s key prefix', () => {
    const policy = Object.entries(template.findResources('AWS::IAM::Policy')).find(([k]) => /VirtualKeysHandlerServiceRoleDefaultPolicy/.test(k))![1] as any;
    const statements = policy.Properties.PolicyDocument.Statement;
    const writes = statements.filter((s: any) => [s.Action].flat().includes('secretsmanager:PutSecretValue'));
    expect(writes).toHaveLength(1);
    expect(writes[0].Action).toEqual(['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret', 'secretsmanager:PutSecretValue']);
    expect(JSON.stringify(writes[0].Resource)).toContain(':secret:llm-gateway/TestStack/TestStackGateway');
    expect(JSON.stringify(writes[0].Resource)).toMatch(/\/virtual-keys\/\*"/);
    const reads = statements.filter((s: any) => [s.Action].flat().includes('secretsmanager:GetSecretValue') && s !== writes[0]).map((s: any) => s.Resource.Ref);
    expect(reads).toEqual([expect.stringMatching(/^GatewaySecretsMasterKey[A-F0-9]+$/)]);
    const names = Object.entries(template.findResources('AWS::SecretsManager::Secret')).filter(([k]) => /VirtualKeys/.test(k)).map(([, s]) => (s as any).Properties.Name);
    expect(names).toHaveLength(5);
    for (const name of names) expect(name).toMatch(/^llm-gateway\/TestStack\/TestStackGateway[A-F0-9]+\/virtual-keys\/TestStack-/);
  });

  test('agents read their key through grantRead', () => {
    const { stack, vpc } = stackWithVpc();
    const key = newGateway(stack, 'Gateway', { vpc }).addVirtualKey('Mapping');
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
    newGateway(stack, 'Gateway', { vpc, existingDatabase: { hostname: 'db.internal.example', port: 5433, secret, securityGroup, databaseName: 'gw' } })
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
    newGateway(stack, 'Gateway', { vpc }).addVirtualKey('Agent');
    Validations.of(vpc).acknowledge({ id: 'AwsSolutions-VPC7', reason: 'test VPC' });
    expect(new AwsSolutionsChecks(stack).validateScope(stack).violations.map((v) => v.ruleName)).toEqual([]);
  });
});

describe('bad input fails at synth', () => {
  const bad = (add: (g: Issuing) => void, message: RegExp) => expect(() => withKeys(add)).toThrow(message);
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

describe('keys in agents\' own stacks', () => {
  interface AgentApp { app: App; gatewayStack: Stack; gateway: Issuing; agents: Stack[]; keys: GatewayVirtualKey[]; functions: lambda.Function[] }

  /** The gateway in stack G; each agent in a stack of its own with a function in the VPC, its key and the two calls. */
  function agentApp(agentCount: number, props: (stack: Stack, vpc: ec2.IVpc) => Partial<LlmGatewayProps> = () => ({}), enable = true): AgentApp {
    const app = new App();
    // The VPC in a stack of its own, as agents and the gateway share it: the agents' references to it are not the
    // gateway stack's.
    const { vpc } = stackWithVpc(app, 'Network');
    const gatewayStack = new Stack(app, 'G', { env: ENV });
    const gateway = newGateway(gatewayStack, 'Gateway', { vpc, ...props(gatewayStack, vpc) });
    if (enable) gateway.enableVirtualKeys();
    const agents: Stack[] = [];
    const keys: GatewayVirtualKey[] = [];
    const functions: lambda.Function[] = [];
    for (let i = 1; i <= agentCount; i++) {
      const agent = new Stack(app, `A${i}`, { env: ENV });
      const fn = new lambda.Function(agent, 'Agent', {
        runtime: lambda.Runtime.PYTHON_3_13,
        handler: 'index.handler',
        code: lambda.Code.fromInline('def handler(event, context):\n    return None\n'),
        vpc,
        vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      });
      const key = new GatewayVirtualKey(agent, 'Key', { gateway, keyAlias: `agent-${i}`, models: ['claude-fast'], rpmLimit: 10 });
      fn.connections.allowToDefaultPort(gateway);
      key.grantRead(fn);
      agents.push(agent);
      keys.push(key);
      functions.push(fn);
    }
    return { app, gatewayStack, gateway, agents, keys, functions };
  }

  test('an app with the gateway and two agents in stacks of their own synthesizes (no cycle)', () => {
    const { app } = agentApp(2);
    expect(() => app.synth()).not.toThrow();
  });

  test('each agent stack depends on the gateway stack, never the other way', () => {
    const { app, gatewayStack, agents } = agentApp(2);
    app.synth();
    for (const agent of agents) {
      expect(agent.dependencies).toContain(gatewayStack);
    }
    expect(JSON.stringify(Template.fromStack(gatewayStack).toJSON())).not.toMatch(/"A[12]:/);
  });

  test("the gateway's template is the same with 0, 1 and 2 agent stacks, and names none of them", () => {
    const templates = [0, 1, 2].map((n) => Template.fromStack(agentApp(n).gatewayStack).toJSON());
    expect(templates[1]).toEqual(templates[0]);
    expect(templates[2]).toEqual(templates[0]);
    const text = JSON.stringify(templates[2]);
    expect(text).not.toMatch(/"A[12]:|A[12]\/|agent-[12]/);
  });

  test('with the compliance profile (a customer managed key encrypts the key secrets) too', () => {
    const apps = [0, 2].map((n) => agentApp(n, governedProps));
    expect(Template.fromStack(apps[1].gatewayStack).toJSON()).toEqual(Template.fromStack(apps[0].gatewayStack).toJSON());
    // The agent's secret uses the gateway's key; the agent may decrypt through Secrets Manager only.
    const agent = Template.fromStack(apps[1].agents[0]);
    agent.hasResourceProperties('AWS::SecretsManager::Secret', { KmsKeyId: { 'Fn::ImportValue': Match.stringLikeRegexp('ComplianceKey') } });
    agent.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'kms:Decrypt', Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.us-east-1.amazonaws.com' } } })]) },
    });
  });

  test("the key's secret is named under the prefix on which the gateway's handler may write it", () => {
    const { gatewayStack, agents } = agentApp(1);
    const gateway = Template.fromStack(gatewayStack);
    const agent = Template.fromStack(agents[0]);
    const policy = Object.entries(gateway.findResources('AWS::IAM::Policy')).find(([k]) => /VirtualKeysHandlerServiceRoleDefaultPolicy/.test(k))![1] as any;
    const write = policy.Properties.PolicyDocument.Statement.find((s: any) => [s.Action].flat().includes('secretsmanager:PutSecretValue'));
    // arn:<partition>:secretsmanager:<region>:<account>:secret:<prefix>*
    const [, parts] = write.Resource['Fn::Join'];
    const pattern = parts.map((p: any) => (typeof p === 'string' ? p : '')).join('');
    const prefix = pattern.slice(pattern.indexOf(':secret:') + ':secret:'.length, -1);
    expect(prefix).toMatch(/^llm-gateway\/G\/GGateway[A-F0-9]+\/virtual-keys\/$/);
    const [secret] = Object.values(agent.findResources('AWS::SecretsManager::Secret')) as any[];
    expect(secret.Properties.Name.startsWith(prefix)).toBe(true);
    expect(secret.Properties.Name).toMatch(/virtual-keys\/A1-Key/);
    // The value is generated by Secrets Manager as a placeholder, replaced by the handler: never in a template.
    expect(secret.Properties.SecretString).toBeUndefined();
    expect(JSON.stringify(agent.toJSON()) + JSON.stringify(gateway.toJSON())).not.toMatch(/sk-[A-Za-z0-9]{8,}/);
  });

  test("the key's custom resource lives in the agent's stack and calls the gateway's handler (deleted with the agent)", () => {
    const { agents } = agentApp(1);
    const agent = Template.fromStack(agents[0]);
    agent.hasResourceProperties('Custom::LiteLlmVirtualKey', {
      ServiceToken: { 'Fn::ImportValue': Match.stringLikeRegexp('^G:.*VirtualKeysProvider') },
      KeyAlias: 'agent-1',
      Models: ['claude-fast'],
      RpmLimit: 10,
      SecretArn: { Ref: Match.stringLikeRegexp('^KeySecret') },
      MasterKeySecretArn: { 'Fn::ImportValue': Match.stringLikeRegexp('MasterKey') },
    });
  });

  test('the agent reads its key and reaches the gateway from its own stack', () => {
    const { agents } = agentApp(1);
    const agent = Template.fromStack(agents[0]);
    agent.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], Resource: { Ref: Match.stringLikeRegexp('^KeySecret') } })]) },
    });
    // The ingress rule on the gateway's group is a resource of the agent's stack.
    agent.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: { 'Fn::ImportValue': Match.stringLikeRegexp('LoadBalancerSecurityGroup') },
      SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^AgentSecurityGroup'), 'GroupId'] },
    });
  });

  test('one key alias per gateway, across stacks', () => {
    const app = new App();
    const { stack, vpc } = stackWithVpc(app, 'G');
    const gateway = newGateway(stack, 'Gateway', { vpc });
    new GatewayVirtualKey(new Stack(app, 'A1', { env: ENV }), 'Key', { gateway, keyAlias: 'same' });
    expect(() => new GatewayVirtualKey(new Stack(app, 'A2', { env: ENV }), 'Key', { gateway, keyAlias: 'same' }))
      .toThrow(/virtual key 'same' \(A2\/Key\): keyAlias 'same' is already used by another key of this gateway \(A1\/Key\)/);
    expect(() => gateway.addVirtualKey('Same')).toThrow(/keyAlias 'same' is already used/);
  });

  test("a key's models must be the gateway's aliases, in any stack", () => {
    const { app, gateway } = agentApp(0);
    expect(() => new GatewayVirtualKey(new Stack(app, 'A9', { env: ENV }), 'Key', { gateway, models: ['gpt-4o'] }))
      .toThrow(/models names 'gpt-4o', which is not a model alias of the gateway/);
  });

  test('a refused key does not hold its alias', () => {
    const { app, gateway } = agentApp(0);
    const agent = new Stack(app, 'A9', { env: ENV });
    expect(() => new GatewayVirtualKey(agent, 'Bad', { gateway, keyAlias: 'k', rpmLimit: 0 })).toThrow(/rpmLimit/);
    expect(() => new GatewayVirtualKey(agent, 'Good', { gateway, keyAlias: 'k' })).not.toThrow();
  });

  test("a key in another Region or account than the gateway's is refused", () => {
    const { app, gateway } = agentApp(0);
    const elsewhere = new Stack(app, 'Far', { env: { account: ENV.account, region: 'eu-west-1' } });
    expect(() => new GatewayVirtualKey(elsewhere, 'Key', { gateway })).toThrow(/its stack is in Region eu-west-1, the gateway's in us-east-1/);
  });

  test('a key from another stack before enableVirtualKeys() creates the handler in the gateway stack and warns', () => {
    const { agents, gatewayStack } = agentApp(1, () => ({}), false);
    Annotations.fromStack(agents[0]).hasWarning('/A1/Key', Match.stringLikeRegexp('enableVirtualKeys'));
    Template.fromStack(gatewayStack).hasResourceProperties('AWS::Lambda::Function', { Handler: 'virtual_keys.on_event' });
  });

  test('no key handler without keys or enableVirtualKeys()', () => {
    const { gatewayStack } = agentApp(0, () => ({}), false);
    expect(JSON.stringify(Template.fromStack(gatewayStack).toJSON())).not.toMatch(/virtual_keys\.on_event/);
  });

  test('cdk-nag stays clean in the gateway and the agent stacks', () => {
    const { gatewayStack, agents } = agentApp(1);
    for (const stack of [gatewayStack, ...agents]) {
      Validations.of(stack).acknowledge({ id: 'AwsSolutions-VPC7', reason: 'test VPC' });
    }
    // The agent stack's own function is the test's, not the library's: only the key is checked there.
    const key = agents[0].node.findChild('Key');
    const violations = [gatewayStack, key].flatMap((s) => new AwsSolutionsChecks(s).validateScope(s).violations);
    expect(violations.map((v) => `${v.ruleName} ${v.violatingResources.map((r) => r.constructPath ?? r.resourceLogicalId).join(', ')}`)).toEqual([]);
  });
});
