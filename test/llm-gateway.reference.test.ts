import { Match, Template } from 'aws-cdk-lib/assertions';
import { container, env, gatewayTemplate, onlyResource } from './helpers';

// The whole default template, checked point by point against the reference design.
let template: Template;
beforeAll(() => {
  template = gatewayTemplate().template;
});

const json = () => JSON.stringify(template.toJSON());

describe('service', () => {
  test('Fargate 1 vCPU / 2 GB ARM64, Container Insights on', () => {
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      Cpu: '1024',
      Memory: '2048',
      RequiresCompatibilities: ['FARGATE'],
      RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' },
    });
    template.hasResourceProperties('AWS::ECS::Cluster', {
      ClusterSettings: [{ Name: 'containerInsights', Value: 'enabled' }],
    });
  });

  test('one port (4000: proxy, admin UI and health), region, offline switches, graceful shutdown inside the stop timeout', () => {
    expect(container(template).PortMappings).toEqual([
      { ContainerPort: 4000, Name: 'proxy', Protocol: 'tcp' },
    ]);
    expect(env(template)).toEqual({
      // TCP keep-alive towards Bedrock, so a NAT gateway does not drop a long silent completion (350 s idle)
      AIOHTTP_SO_KEEPALIVE: 'True',
      // LiteLLM's bundled model prices and headers instead of downloads from GitHub at start
      LITELLM_LOCAL_MODEL_COST_MAP: 'True',
      LITELLM_LOCAL_ANTHROPIC_BETA_HEADERS: 'True',
      LITELLM_LOCAL_AUTOROUTER_PRESETS: 'True',
      LITELLM_LOCAL_BLOG_POSTS: 'True',
      LITELLM_LOCAL_POLICY_TEMPLATES: 'True',
      AWS_REGION_NAME: 'us-east-1',
      LITELLM_LOG: 'INFO',
      DATABASE_HOST: { 'Fn::GetAtt': [expect.stringMatching(/^GatewayDatabaseCluster/), 'Endpoint.Address'] },
      DATABASE_NAME: 'litellm',
      DISABLE_SCHEMA_UPDATE: 'true',
      // the router's shared state in Valkey (TLS, own user)
      REDIS_HOST: { 'Fn::GetAtt': [expect.stringMatching(/^GatewayCache/), 'Endpoint.Address'] },
      REDIS_PORT: '6379',
      REDIS_SSL: 'True',
      REDIS_USERNAME: 'litellm',
      // ElastiCache Serverless is cluster-mode only: LiteLLM's cluster client, started from the endpoint
      REDIS_CLUSTER_NODES: { 'Fn::Join': ['', ['[{"host":"', { 'Fn::GetAtt': [expect.stringMatching(/^GatewayCache/), 'Endpoint.Address'] }, '","port":6379}]']] },
      // 105 s for requests in flight + 15 s for the workers to close end before ECS kills the container at 120 s
      GRACEFUL_SHUTDOWN_TIMEOUT: '105',
    });
  });

  test('entry point litellm; command: config, port 4000, one worker per vCPU, keep-alive beyond the load balancer\'s idle timeout', () => {
    expect(container(template).EntryPoint).toEqual(['litellm']);
    // not gunicorn, whose 2 s keep-alive LiteLLM cannot raise: the load balancer would reuse closed connections (502)
    expect(container(template).Command).toEqual(['--config', '/app/config.yaml', '--port', '4000', '--num_workers', '1', '--keepalive_timeout', '1235',
      // a worker importing LiteLLM answers its supervisor late; uvicorn's 5 s would restart it in a loop
      '--timeout_worker_healthcheck', '60']);
  });

  test('container health check with the image\'s Python on the proxy port\'s /health/liveliness, 30 s, start period 60 s', () => {
    const hc = container(template).HealthCheck;
    expect(hc).toEqual({
      Command: ['CMD', 'python3', '-c', "import urllib.request; urllib.request.urlopen('http://127.0.0.1:4000/health/liveliness', timeout=5)"],
      Interval: 30,
      Timeout: 10,
      Retries: 3,
      StartPeriod: 60,
    });
    expect(json()).not.toMatch(/curl|wget/);
    expect(json()).not.toMatch(/"\/health"/);
  });

  test('log group with 2-week retention, name generated', () => {
    const groups = template.findResources('AWS::Logs::LogGroup');
    expect(Object.keys(groups).map((k) => k.replace(/[A-F0-9]{8}$/, '')).sort()).toEqual(['GatewayServiceExecLogGroup', 'GatewayServiceLogGroup', 'GatewayServiceMigrationFunctionLogGroup', 'GatewayServiceMigrationWaiterLogGroup']);
    for (const lg of Object.values(groups)) expect((lg as any).Properties).toEqual({ RetentionInDays: 14 });
    expect(container(template).LogConfiguration).toEqual({
      LogDriver: 'awslogs',
      Options: {
        'awslogs-group': { Ref: expect.stringMatching(/^GatewayServiceLogGroup/) },
        'awslogs-stream-prefix': 'litellm',
        'awslogs-region': 'us-east-1',
        // a stalled log stream never stalls the proxy; the buffer holds minutes of metric lines
        'mode': 'non-blocking',
        'max-buffer-size': '26214400b',
      },
    });
  });

  test('desired 1, private subnets, no public IP, circuit breaker with rollback, ECS Exec', () => {
    template.hasResourceProperties('AWS::ECS::Service', {
      DesiredCount: 1,
      LaunchType: 'FARGATE',
      EnableExecuteCommand: true,
      DeploymentConfiguration: {
        DeploymentCircuitBreaker: { Enable: true, Rollback: true },
        MinimumHealthyPercent: 100,
        MaximumPercent: 200,
      },
      NetworkConfiguration: {
        AwsvpcConfiguration: {
          AssignPublicIp: 'DISABLED',
          Subnets: [{ Ref: Match.stringLikeRegexp('VpcPrivateSubnet1') }, { Ref: Match.stringLikeRegexp('VpcPrivateSubnet2') }],
        },
      },
    });
  });

  test('auto-scaling 1 → 4 on CPU 50 % (where the proxy\'s latency bends), cooldowns 60 s out / 300 s in', () => {
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: 1, MaxCapacity: 4 });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: {
        PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' },
        TargetValue: 50,
        ScaleOutCooldown: 60,
        ScaleInCooldown: 300,
      },
    });
  });

  test('task role: the two invoke actions on exactly the profiles and their models', () => {
    const policies = template.findResources('AWS::IAM::Policy', { Properties: { PolicyName: Match.stringLikeRegexp('TaskRoleDefaultPolicy') } });
    const statements = Object.values(policies)[0].Properties.PolicyDocument.Statement;
    const profile = (id: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':bedrock:us-east-1:', { Ref: 'AWS::AccountId' }, `:inference-profile/${id}`]] });
    const model = (id: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:bedrock:*::foundation-model/${id}`]] });
    const sonnet = 'anthropic.claude-sonnet-4-5-20250929-v1:0';
    const haiku = 'anthropic.claude-haiku-4-5-20251001-v1:0';
    expect(statements[0]).toEqual({
      Sid: 'InvokeConfiguredModels',
      Action: ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'],
      Effect: 'Allow',
      Resource: [profile(`us.${sonnet}`), profile(`us.${haiku}`)],
    });
    expect(statements[1]).toEqual({
      Sid: 'InvokeModelsThroughProfiles',
      Action: ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'],
      Effect: 'Allow',
      Resource: [model(sonnet), model(haiku)],
      Condition: { StringEquals: { 'bedrock:InferenceProfileArn': [profile(`us.${sonnet}`), profile(`us.${haiku}`)] } },
    });
    // Only ECS Exec's own needs remain: its SSM channels and log-group lookup on '*', and session
    // logs written only to the exec log group.
    expect(statements.slice(2)).toEqual([
      expect.objectContaining({ Action: expect.arrayContaining(['ssmmessages:CreateControlChannel']), Resource: '*' }),
      { Action: 'logs:DescribeLogGroups', Effect: 'Allow', Resource: '*' },
      {
        Action: ['logs:CreateLogStream', 'logs:DescribeLogStreams', 'logs:PutLogEvents'],
        Effect: 'Allow',
        Resource: { 'Fn::Join': ['', expect.arrayContaining([{ Ref: expect.stringMatching(/^GatewayServiceExecLogGroup/) }])] },
      },
    ]);
  });

  test('no bedrock:* and no Resource "*" outside ECS Exec, ECR auth and the migration waiter\'s log delivery and tracing', () => {
    expect(json()).not.toMatch(/"bedrock:\*"/);
    for (const [id, policy] of Object.entries(template.findResources('AWS::IAM::Policy'))) {
      for (const s of (policy as any).Properties.PolicyDocument.Statement) {
        if (s.Resource === '*') {
          const actions = [s.Action].flat();
          // Step Functions' vended log delivery and X-Ray writes have no resource-level permissions.
          const waiter = id.startsWith('GatewayServiceMigrationProviderwaiterstatemachineRole')
            && actions.every((a: string) => a.startsWith('xray:') || /^logs:(\w+LogDelivery|ListLogDeliveries|PutResourcePolicy|DescribeResourcePolicies|DescribeLogGroups|CreateLogStream|PutLogEvents)$/.test(a));
          expect(waiter || actions.every((a: string) => a.startsWith('ssmmessages:') || a === 'ecr:GetAuthorizationToken' || a === 'logs:DescribeLogGroups')).toBe(true);
        }
      }
    }
  });
});

describe('secrets', () => {
  test('every secret reaches the container through ECS', () => {
    const secrets = Object.fromEntries(container(template).Secrets.map((s: any) => [s.Name, s.ValueFrom]));
    expect(Object.keys(secrets).sort()).toEqual([
      'DATABASE_PASSWORD', 'DATABASE_USERNAME', 'LITELLM_ADMIN_KEY', 'LITELLM_SALT_KEY', 'REDIS_PASSWORD', 'UI_PASSWORD', 'UI_USERNAME',
    ]);
    expect(JSON.stringify(secrets.UI_USERNAME)).toMatch(/:username::/);
    expect(JSON.stringify(secrets.UI_PASSWORD)).toMatch(/:password::/);
    expect(JSON.stringify(secrets.DATABASE_PASSWORD)).toMatch(/:password::/);
    expect(env(template)).not.toHaveProperty('DATABASE_URL');
  });

  test('the admin key is sk- plus a dynamic reference to a generated secret', () => {
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      SecretString: { 'Fn::Join': ['', ['sk-{{resolve:secretsmanager:', { Ref: Match.stringLikeRegexp('MasterKeyEntropy') }, ':SecretString:::}}']] },
    });
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      Description: Match.stringLikeRegexp('random part of the admin key'),
      GenerateSecretString: { PasswordLength: 32, ExcludePunctuation: true, IncludeSpace: false },
    });
  });

  test('the salt key is generated and retained', () => {
    template.hasResource('AWS::SecretsManager::Secret', {
      Properties: { Description: Match.stringLikeRegexp('salt key'), GenerateSecretString: { PasswordLength: 32, ExcludePunctuation: true, IncludeSpace: false } },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  test('UI login: user admin, generated password', () => {
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: { SecretStringTemplate: '{"username":"admin"}', GenerateStringKey: 'password', PasswordLength: 32 },
    });
  });

  test('the execution role reads exactly the injected secrets; the task role reads none', () => {
    const policies = Object.values(template.findResources('AWS::IAM::Policy')) as any[];
    const exec = policies.find((p) => /ExecutionRoleDefaultPolicy/.test(p.Properties.PolicyName));
    const reads = exec.Properties.PolicyDocument.Statement.filter((s: any) => [s.Action].flat().includes('secretsmanager:GetSecretValue'));
    expect(reads.map((s: any) => s.Resource.Ref).sort()).toEqual([
      expect.stringMatching(/^GatewayCachePassword/),
      expect.stringMatching(/^GatewayDatabaseClusterSecretAttachment/),
      expect.stringMatching(/^GatewaySecretsMasterKey[A-F0-9]+$/),
      expect.stringMatching(/^GatewaySecretsSaltKey/),
      expect.stringMatching(/^GatewaySecretsUiCredentials/),
    ]);
    const task = policies.find((p) => /TaskRoleDefaultPolicy/.test(p.Properties.PolicyName));
    expect(JSON.stringify(task)).not.toMatch(/secretsmanager/);
  });

  test('no secret value and no password appears in the template', () => {
    expect(json()).not.toMatch(/sk-[A-Za-z0-9]{8,}/);
    expect(json()).not.toMatch(/postgresql:\/\//);
    expect(json()).not.toMatch(/"(SecretString|MasterUserPassword)":"[^{]/);
  });
});

describe('database', () => {
  test('Aurora Serverless v2 PostgreSQL 16, 0.5-1 ACU, encrypted, no deletion protection, database litellm', () => {
    template.hasResource('AWS::RDS::DBCluster', {
      Properties: {
        Engine: 'aurora-postgresql',
        EngineVersion: Match.stringLikeRegexp('^16\\.'),
        ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 1 },
        StorageEncrypted: true,
        DeletionProtection: false,
        DatabaseName: 'litellm',
        Port: 5432,
      },
      DeletionPolicy: 'Snapshot',
      UpdateReplacePolicy: 'Snapshot',
    });
    template.resourceCountIs('AWS::RDS::DBInstance', 1);
    template.hasResourceProperties('AWS::RDS::DBInstance', { DBInstanceClass: 'db.serverless', Engine: 'aurora-postgresql' });
  });

  test('database in private subnets', () => {
    template.hasResourceProperties('AWS::RDS::DBSubnetGroup', {
      SubnetIds: [{ Ref: Match.stringLikeRegexp('VpcPrivateSubnet1') }, { Ref: Match.stringLikeRegexp('VpcPrivateSubnet2') }],
    });
  });

  test('database credentials generated into Secrets Manager', () => {
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: { SecretStringTemplate: '{"username":"litellm"}', GenerateStringKey: 'password' },
    });
  });
});

describe('load balancer', () => {
  test('internal ALB, listener 80 → target 4000', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', { Scheme: 'internal', Type: 'application' });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 80, Protocol: 'HTTP' });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', { Port: 4000, Protocol: 'HTTP', TargetType: 'ip' });
  });

  // The reference design drained 30 s; the library drains for the longest request so deploys do not cut streams (issue #7).
  test('load balancer health on the proxy port, /health/liveliness, 200; drain for the longest request', () => {
    const targetGroup = onlyResource(template, 'AWS::ElasticLoadBalancingV2::TargetGroup').Properties;
    expect(targetGroup.HealthCheckPort).toBeUndefined(); // the traffic port, 4000
    expect(targetGroup.Port).toBe(4000);
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      HealthCheckPath: '/health/liveliness',
      Matcher: { HttpCode: '200' },
      // claude-primary's 600 s call timed out, then claude-fallback's: 1200 s at the proxy
      TargetGroupAttributes: Match.arrayWith([{ Key: 'deregistration_delay.timeout_seconds', Value: '1200' }]),
    });
  });

  test('idle timeout 1230 s covers the longest request (a timed-out call and its fallback, 600 s each)', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      LoadBalancerAttributes: Match.arrayWith([{ Key: 'idle_timeout.timeout_seconds', Value: '1230' }]),
    });
  });
});

describe('security groups', () => {
  const ingress = () => Object.values(template.findResources('AWS::EC2::SecurityGroupIngress')).map((r: any) => r.Properties);

  test('alb-sg ← VPC CIDR :80 only', () => {
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: 'LiteLLM gateway load balancer',
      SecurityGroupIngress: [{ CidrIp: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Vpc'), 'CidrBlock'] }, FromPort: 80, ToPort: 80, IpProtocol: 'tcp', Description: Match.anyValue() }],
    });
  });

  test('ecs-sg ← alb-sg :4000 only; db-sg ← ecs-sg :5432 only; cache ← ecs-sg :6379 only', () => {
    const rules = ingress().map((r) => `${r.GroupId['Fn::GetAtt'][0].replace(/[A-F0-9]{8}$/, '')} <- ${r.SourceSecurityGroupId['Fn::GetAtt'][0].replace(/[A-F0-9]{8}$/, '')} :${r.FromPort}-${r.ToPort}`);
    expect(rules.sort()).toEqual([
      'GatewayCacheSecurityGroup <- GatewayServiceServiceSecurityGroup :6379-6379',
      'GatewayDatabaseSecurityGroup <- GatewayServiceServiceSecurityGroup :5432-5432',
      'GatewayServiceServiceSecurityGroup <- GatewayServiceLoadBalancerSecurityGroup :4000-4000',
    ]);
  });

  test('tasks leave only on HTTPS and to the database and cache', () => {
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('gateway tasks'),
      SecurityGroupEgress: [{ CidrIp: '0.0.0.0/0', FromPort: 443, ToPort: 443, IpProtocol: 'tcp', Description: Match.anyValue() }],
    });
  });
});

describe('outputs', () => {
  test('endpoint URL and admin-key secret ARN', () => {
    const outputs = template.toJSON().Outputs;
    const url = Object.entries(outputs).find(([k]) => k.startsWith('GatewayEndpointUrl'))![1] as any;
    expect(url.Value).toEqual({ 'Fn::Join': ['', ['http://', { 'Fn::GetAtt': [expect.stringMatching(/LoadBalancer/), 'DNSName'] }, '/v1']] });
    const arn = Object.entries(outputs).find(([k]) => k.startsWith('GatewayAdminKeySecretArn'))![1] as any;
    expect(arn.Value).toEqual({ Ref: expect.stringMatching(/^GatewaySecretsMasterKey[A-F0-9]+$/) });
  });
});
