import * as fs from 'fs';
import * as path from 'path';
import { App, Duration, RemovalPolicy, Stack, cx_api as cxapi } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import {
  BedrockModel, ComplianceProfile, GatewayImage, HealthCheckPath, InferenceGeography, LlmGateway, LlmGatewayProps, LogLevel, RoutingStrategy,
} from '../src';
import { container, ENV, env, gatewayTemplate, stackWithVpc, threeGatewaysInOneAccount } from './helpers';
import { DEFAULT_LITELLM_VERSION, LITELLM_ADVISORIES, advisoriesAffecting, compareReleases } from '../src/service/private/litellm-advisories';

/** The one Docker image asset of the stack's app, as the CLI would build it. */
function dockerImage(stack: Stack): any {
  const assembly = App.of(stack)!.synth();
  const manifest = assembly.artifacts.find((a) => a instanceof cxapi.AssetManifestArtifact) as cxapi.AssetManifestArtifact;
  const images = Object.values(manifest.contents.dockerImages ?? {});
  expect(images).toHaveLength(1);
  return images[0].source;
}

const haiku = BedrockModel.CLAUDE_HAIKU_4_5.inGeography(InferenceGeography.US);

describe('service overrides', () => {
  test('size, workers, scaling and cooldowns', () => {
    const { template } = gatewayTemplate({
      service: {
        cpu: 2048,
        memoryLimitMiB: 8192,
        workersPerTask: 4,
        minTasks: 2,
        maxTasks: 6,
        targetCpuUtilizationPercent: 55,
        scaleOutCooldown: Duration.seconds(30),
        scaleInCooldown: Duration.minutes(10),
      },
    });
    template.hasResourceProperties('AWS::ECS::TaskDefinition', { Cpu: '2048', Memory: '8192' });
    expect(container(template).Command).toEqual(['--config', '/app/config.yaml', '--port', '4000', '--num_workers', '4', '--keepalive_timeout', '1235', '--timeout_worker_healthcheck', '60']);
    template.hasResourceProperties('AWS::ECS::Service', { DesiredCount: 2 });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: 2, MaxCapacity: 6 });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({ TargetValue: 55, ScaleOutCooldown: 30, ScaleInCooldown: 600 }),
    });
  });

  test('log group name, retention and level', () => {
    const { template } = gatewayTemplate({ service: { logGroupName: '/team/gw', logRetention: logs.RetentionDays.ONE_MONTH, logLevel: LogLevel.ERROR } });
    template.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: '/team/gw', RetentionInDays: 30 });
    expect(env(template).LITELLM_LOG).toBe('ERROR');
  });

  test('an existing log group is used as is', () => {
    const { stack, vpc } = stackWithVpc();
    const logGroup = new logs.LogGroup(stack, 'Mine', { retention: logs.RetentionDays.ONE_DAY });
    new LlmGateway(stack, 'Gateway', { vpc, service: { logGroup } });
    const template = Template.fromStack(stack);
    expect(container(template).LogConfiguration.Options['awslogs-group']).toEqual({ Ref: expect.stringMatching(/^Mine/) });
    template.resourceCountIs('AWS::Logs::LogGroup', 4); // Mine + the exec sessions' group + the migration functions' and waiter's
  });

  test('ECS Exec can be turned off, and with it every permission on "*" of the task role', () => {
    const { template } = gatewayTemplate({ service: { enableExecuteCommand: false } });
    template.hasResourceProperties('AWS::ECS::Service', { EnableExecuteCommand: false });
    const task = Object.values(template.findResources('AWS::IAM::Policy')).find((p: any) => /TaskRole/.test(p.Properties.PolicyName)) as any;
    expect(JSON.stringify(task)).not.toMatch(/ssmmessages|"\*"/);
    template.resourceCountIs('AWS::Logs::LogGroup', 3); // the gateway's + the migration functions' and waiter's
  });

  test('timeouts: idle, deregistration, stop, start period, health path', () => {
    const { template } = gatewayTemplate({
      endpoint: { idleTimeout: Duration.seconds(1500), deregistrationDelay: Duration.seconds(90), healthCheckPath: HealthCheckPath.READINESS },
      service: { stopTimeout: Duration.seconds(60), healthCheckStartPeriod: Duration.seconds(180) },
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      LoadBalancerAttributes: Match.arrayWith([{ Key: 'idle_timeout.timeout_seconds', Value: '1500' }]),
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      HealthCheckPath: '/health/readiness',
      TargetGroupAttributes: Match.arrayWith([{ Key: 'deregistration_delay.timeout_seconds', Value: '90' }]),
    });
    expect(container(template).StopTimeout).toBe(60);
    // the task keeps idle connections 5 s longer than the load balancer
    expect(container(template).Command.slice(-4, -2)).toEqual(['--keepalive_timeout', '1505']);
    expect(container(template).HealthCheck.StartPeriod).toBe(180);
    expect(env(template).GRACEFUL_SHUTDOWN_TIMEOUT).toBe('45');
    template.hasResourceProperties('AWS::ECS::Service', { HealthCheckGracePeriodSeconds: 180 });
  });

  test('the default idle timeout and drain follow the longest request (streams survive deploys)', () => {
    // 15 min per call, primary then fallback: 1800 s
    const { template } = gatewayTemplate({ requestTimeout: Duration.minutes(15) });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      LoadBalancerAttributes: Match.arrayWith([{ Key: 'idle_timeout.timeout_seconds', Value: '1830' }]),
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      TargetGroupAttributes: Match.arrayWith([{ Key: 'deregistration_delay.timeout_seconds', Value: '1800' }]),
    });
    // a retried timeout counts too: 2 × 300 s for each alias of the chain
    gatewayTemplate({ requestTimeout: Duration.seconds(300), routing: { timeoutRetries: 1 } }).template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      LoadBalancerAttributes: Match.arrayWith([{ Key: 'idle_timeout.timeout_seconds', Value: '1240' }]),
    });
    // the drain is capped at the load balancer's 3600 s
    gatewayTemplate({ requestTimeout: Duration.seconds(1850) }).template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      TargetGroupAttributes: Match.arrayWith([{ Key: 'deregistration_delay.timeout_seconds', Value: '3600' }]),
    });
  });

  test('a drain shorter than the longest request is warned about', () => {
    const warnings = (props: Partial<LlmGatewayProps>) => Annotations.fromStack(gatewayTemplate(props).stack)
      .findWarning('/TestStack/Gateway/Service', Match.stringLikeRegexp('shortDeregistrationDelay'));
    expect(warnings({ endpoint: { deregistrationDelay: Duration.seconds(90) } })).toHaveLength(1);
    expect(warnings({ endpoint: { deregistrationDelay: Duration.seconds(600) } })).toHaveLength(1);
    expect(warnings({ endpoint: { deregistrationDelay: Duration.seconds(1200) } })).toHaveLength(0);
  });

  test('allowed CIDRs replace the VPC CIDR', () => {
    const { template } = gatewayTemplate({ endpoint: { allowedCidrs: ['10.1.0.0/16', '10.2.0.0/16'] } });
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: 'LiteLLM gateway load balancer',
      SecurityGroupIngress: [
        Match.objectLike({ CidrIp: '10.1.0.0/16', FromPort: 80 }),
        Match.objectLike({ CidrIp: '10.2.0.0/16', FromPort: 80 }),
      ],
    });
  });

  test('allowed from anywhere is allowed, with a warning naming the prop', () => {
    const { stack } = gatewayTemplate({ endpoint: { allowedCidrs: ['0.0.0.0/0'] } });
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('allowedFromAnywhere'));
    expect(warnings.map((w) => String(w.entry.data))).toEqual([expect.stringMatching(/^endpoint\.allowedCidrs holds '0\.0\.0\.0\/0'/)]);
    expect(Annotations.fromStack(gatewayTemplate().stack).findWarning('*', Match.stringLikeRegexp('allowedFromAnywhere'))).toHaveLength(0);
  });

  test('masterKeyVariable: the container gets the admin key under the name the config reads', () => {
    const { template, gateway } = gatewayTemplate({ masterKeyVariable: 'GATEWAY_ADMIN_KEY' });
    const secrets = container(template).Secrets.map((s: any) => s.Name);
    expect(secrets).toContain('GATEWAY_ADMIN_KEY');
    expect(secrets).not.toContain('LITELLM_ADMIN_KEY');
    expect(gateway.renderedConfig).toContain('master_key: os.environ/GATEWAY_ADMIN_KEY');
    expect(() => gatewayTemplate({ masterKeyVariable: 'DATABASE_HOST' }))
      .toThrow("masterKeyVariable 'DATABASE_HOST' is a variable the gateway's container already sets for LiteLLM; choose another name");
  });

  test('HTTPS with a certificate and a private DNS name', () => {
    const { stack, vpc } = stackWithVpc();
    const zone = new route53.PrivateHostedZone(stack, 'Zone', { zoneName: 'document-processing.internal', vpc });
    const certificate = acm.Certificate.fromCertificateArn(stack, 'Cert', 'arn:aws:acm:us-east-1:123456789012:certificate/abc');
    const gateway = new LlmGateway(stack, 'Gateway', { vpc, endpoint: { certificate, domainName: 'llm-gateway.document-processing.internal', hostedZone: zone } });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 443,
      Protocol: 'HTTPS',
      Certificates: [{ CertificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/abc' }],
      SslPolicy: Match.stringLikeRegexp('TLS'),
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: 'LiteLLM gateway load balancer', SecurityGroupIngress: [Match.objectLike({ FromPort: 443, ToPort: 443 })],
    });
    template.hasResourceProperties('AWS::Route53::RecordSet', { Name: 'llm-gateway.document-processing.internal.', Type: 'A' });
    expect(gateway.endpointUrl).toBe('https://llm-gateway.document-processing.internal/v1');
  });

  test('a DNS name over HTTP', () => {
    const { stack, vpc } = stackWithVpc();
    const zone = new route53.PrivateHostedZone(stack, 'Zone', { zoneName: 'example.internal', vpc });
    const gateway = new LlmGateway(stack, 'Gateway', { vpc, endpoint: { domainName: 'gw.example.internal', hostedZone: zone } });
    expect(gateway.endpointUrl).toBe('http://gw.example.internal/v1');
    Template.fromStack(stack).hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 80, Protocol: 'HTTP' });
  });

  test('access logs go to the given bucket', () => {
    const { stack, vpc } = stackWithVpc();
    const bucket = new s3.Bucket(stack, 'Logs');
    new LlmGateway(stack, 'Gateway', { vpc, endpoint: { accessLogsBucket: bucket } });
    Template.fromStack(stack).hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      LoadBalancerAttributes: Match.arrayWith([{ Key: 'access_logs.s3.enabled', Value: 'true' }]),
    });
  });

  test('an existing cluster is used and no cluster is created', () => {
    const { stack, vpc } = stackWithVpc();
    const cluster = new ecs.Cluster(stack, 'Shared', { vpc });
    const gateway = new LlmGateway(stack, 'Gateway', { vpc, service: { cluster } });
    expect(gateway.cluster).toBe(cluster);
    Template.fromStack(stack).resourceCountIs('AWS::ECS::Cluster', 1);
  });

  test('own subnets', () => {
    const { stack } = stackWithVpc();
    const vpc = new ec2.Vpc(stack, 'Vpc2', {
      maxAzs: 2,
      subnetConfiguration: [
        { name: 'pub', subnetType: ec2.SubnetType.PUBLIC },
        { name: 'app', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
        { name: 'data', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      ],
    });
    new LlmGateway(stack, 'Gateway', { vpc, vpcSubnets: { subnetGroupName: 'app' } });
    Template.fromStack(stack).hasResourceProperties('AWS::ECS::Service', {
      NetworkConfiguration: { AwsvpcConfiguration: Match.objectLike({ Subnets: [{ Ref: Match.stringLikeRegexp('Vpc2appSubnet1') }, { Ref: Match.stringLikeRegexp('Vpc2appSubnet2') }] }) },
    });
  });
});

describe('image', () => {
  test('default: an arm64 image asset from the pinned LiteLLM release', () => {
    const { stack } = gatewayTemplate();
    const image = dockerImage(stack);
    expect(image.dockerBuildArgs).toEqual({ LITELLM_IMAGE: 'ghcr.io/berriai/litellm:v1.108.7' });
    expect(image.platform).toBe('linux/arm64');
    expect(fs.readFileSync(path.join(App.of(stack)!.outdir, image.directory, 'config.yaml'), 'utf8')).toMatch(/model_name: claude-primary/);
    expect(fs.existsSync(path.join(App.of(stack)!.outdir, image.directory, 'callbacks', 'metrics_logger.py'))).toBe(true);
  });

  test('a pinned version, another registry, and a digest', () => {
    const { stack } = gatewayTemplate({ service: { image: GatewayImage.fromLiteLlm({ version: '1.110.2', repository: 'docker.litellm.ai/berriai/litellm' }) } });
    expect(dockerImage(stack).dockerBuildArgs.LITELLM_IMAGE).toBe('docker.litellm.ai/berriai/litellm:1.110.2');
    const digest = `sha256:${'a'.repeat(64)}`;
    const { stack: s2 } = gatewayTemplate({ service: { image: GatewayImage.fromLiteLlm({ version: 'v1.108.7', digest }) } });
    expect(dockerImage(s2).dockerBuildArgs.LITELLM_IMAGE).toBe(`ghcr.io/berriai/litellm:v1.108.7@${digest}`);
  });

  test('a release inside known advisories is refused, naming each advisory and the first fixed release', () => {
    const make = () => GatewayImage.fromLiteLlm({ version: 'main-v1.83.3-stable' });
    expect(make).toThrow(/GHSA-r75f-5x8p-qvmc \(CVE-2026-42208\), critical, known exploited: .*; fixed in 1\.83\.7/);
    expect(make).toThrow(/GHSA-v4p8-mg3p-g94g \(CVE-2026-42271\), high, known exploited/);
    expect(make).toThrow(/GHSA-4xpc-pv4p-pm3w \(CVE-2026-49468\).*fixed in 1\.84\.0/);
    expect(make).toThrow(/Pin 1\.103\.1 or later \(the default is v1\.108\.7\)\. A team that must run this release lists the ids in acceptedAdvisories/);
    // the range boundaries: 1.83.7 is outside the SQL injection's range and still inside the Host-header bypass's
    expect(() => GatewayImage.fromLiteLlm({ version: 'v1.83.7-stable' })).not.toThrow(/GHSA-r75f-5x8p-qvmc/);
    expect(() => GatewayImage.fromLiteLlm({ version: 'v1.83.7-stable' })).toThrow(/GHSA-4xpc-pv4p-pm3w/);
    // a fix shipped on several release lines: each line's fixed patch passes, an older patch of a fixed line does not
    const saltKeyAdvisory = /GHSA-7hp6-4w63-5g45 \(CVE-2026-114612\), critical: .*; fixed in 1\.100\.4, 1\.101\.3, 1\.102\.2, 1\.103\.1/;
    expect(() => GatewayImage.fromLiteLlm({ version: '1.101.2' })).toThrow(saltKeyAdvisory);
    expect(() => GatewayImage.fromLiteLlm({ version: '1.103.0' })).toThrow(saltKeyAdvisory);
    expect(() => GatewayImage.fromLiteLlm({ version: '1.99.4' })).toThrow(saltKeyAdvisory);
    expect(() => GatewayImage.fromLiteLlm({ version: '1.101.3' })).not.toThrow();
    expect(() => GatewayImage.fromLiteLlm({ version: 'v1.103.1' })).not.toThrow();
    // a back-ported fix counts for its tag only
    expect(() => GatewayImage.fromLiteLlm({ version: 'v1.83.10-stable.patch.3' })).not.toThrow(/GHSA-4xpc-pv4p-pm3w/);
    expect(() => GatewayImage.fromLiteLlm({ version: 'v1.83.10-stable.patch.2' })).toThrow(/GHSA-4xpc-pv4p-pm3w/);
  });

  test('accepted advisories: the release synthesizes with a warning per advisory; a stale acceptance is an error', () => {
    const accepted = ['GHSA-3cv6-jpf6-8222', 'GHSA-g5ff-637f-6q2m', 'GHSA-7hp6-4w63-5g45'];
    expect(() => GatewayImage.fromLiteLlm({ version: '1.94.0', acceptedAdvisories: accepted.slice(0, 2) })).toThrow(/GHSA-7hp6-4w63-5g45/);
    const { stack } = gatewayTemplate({ service: { image: GatewayImage.fromLiteLlm({ version: '1.94.0', acceptedAdvisories: accepted }) } });
    expect(dockerImage(stack).dockerBuildArgs.LITELLM_IMAGE).toBe('ghcr.io/berriai/litellm:1.94.0');
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('accepted in acceptedAdvisories'));
    expect(warnings.map((w) => / (GHSA-[^ ,]+)/.exec(String(w.entry.data))![1])).toEqual(accepted);
    expect(() => GatewayImage.fromLiteLlm({ version: 'v1.108.7', acceptedAdvisories: ['GHSA-4xpc-pv4p-pm3w'] }))
      .toThrow("acceptedAdvisories lists GHSA-4xpc-pv4p-pm3w, which does not affect image version 'v1.108.7': remove it.");
  });

  test('the advisory table is consistent and the default is outside every range', () => {
    const ids = LITELLM_ADVISORIES.map((a) => a.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const advisory of LITELLM_ADVISORIES) {
      expect(advisory.id).toMatch(/^GHSA(-[23456789cfghjmpqrvwx]{4}){3}$/);
      expect(advisory.source).toMatch(/^https:\/\//);
      if (advisory.introduced) expect(compareReleases(advisory.introduced, advisory.fixed[0])).toBeLessThan(0);
      expect([...advisory.fixed].sort(compareReleases)).toEqual(advisory.fixed);
      for (const fixed of advisory.fixed) expect(advisoriesAffecting(`v${fixed}`)).not.toContain(advisory);
    }
    expect(advisoriesAffecting(DEFAULT_LITELLM_VERSION)).toEqual([]);
  });

  test('the twin runs exactly the default release', () => {
    const requirements = fs.readFileSync(path.join(__dirname, '..', 'assets', 'twin', 'requirements.txt'), 'utf8');
    expect(requirements).toContain(`\nlitellm==${DEFAULT_LITELLM_VERSION.replace(/^v/, '')} \\\n`);
    expect(fs.readFileSync(path.join(__dirname, '..', 'assets', 'service', 'litellm', 'Dockerfile'), 'utf8'))
      .toContain(`ARG LITELLM_IMAGE=ghcr.io/berriai/litellm:${DEFAULT_LITELLM_VERSION}\n`);
  });

  test('a config change changes the image, and so the task definition', () => {
    const imageOf = (props: Partial<LlmGatewayProps>) => JSON.stringify(container(gatewayTemplate(props).template).Image);
    const base = imageOf({});
    expect(imageOf({})).toBe(base);
    expect(imageOf({ routing: { strategy: RoutingStrategy.LEAST_BUSY } })).not.toBe(base);
  });

  test('a prebuilt image from a registry or ECR', () => {
    const { template } = gatewayTemplate({ service: { image: GatewayImage.fromRegistry('public.ecr.aws/acme/llm-gateway:1.4.0') } });
    expect(container(template).Image).toBe('public.ecr.aws/acme/llm-gateway:1.4.0');
    const { stack, vpc } = stackWithVpc();
    const repo = ecr.Repository.fromRepositoryName(stack, 'Repo', 'llm-gateway');
    new LlmGateway(stack, 'Gateway', { vpc, service: { image: GatewayImage.fromEcrRepository(repo, '1.4.0') } });
    expect(JSON.stringify(container(Template.fromStack(stack)).Image)).toMatch(/llm-gateway:1\.4\.0/);
  });

  test.each([
    [() => GatewayImage.fromLiteLlm({ version: 'main-stable' }), /'main-stable' is a moving tag/],
    [() => GatewayImage.fromLiteLlm({ version: 'lts' }), /'lts' is a moving tag/],
    [() => GatewayImage.fromLiteLlm({ version: 'nightly-build' }), /names no LiteLLM release .* GatewayImage.fromRegistry/],
    [() => GatewayImage.fromLiteLlm({ version: `sha256:${'a'.repeat(64)}` }), /is a digest: put the release tag .* in version and the digest in digest/],
    [() => GatewayImage.fromLiteLlm({ digest: 'sha256:abc' }), /image digest 'sha256:abc' is not a digest/],
    [() => GatewayImage.fromLiteLlm({ version: 'latest' }), /'latest' is a moving tag/],
    [() => GatewayImage.fromLiteLlm({ version: 'v1.83.14-stable' }), /shipped amd64 binaries in its arm64 image/],
    [() => GatewayImage.fromLiteLlm({ version: 'bad tag' }), /is not an image tag/],
    [() => GatewayImage.fromLiteLlm({ repository: 'Not A Repo' }), /is not an image repository name/],
    [() => GatewayImage.fromRegistry('acme/gw:latest'), /uses the moving tag 'latest'/],
    [() => GatewayImage.fromRegistry('acme/gw'), /uses the moving tag 'latest'/],
  ])('rejects %#', (make, message) => {
    expect(make).toThrow(message);
  });
});

describe('database overrides', () => {
  test('capacity, readers, protection, removal, version, name', () => {
    const { template } = gatewayTemplate({
      database: {
        minCapacity: 1,
        maxCapacity: 8,
        readers: 1,
        deletionProtection: true,
        removalPolicy: RemovalPolicy.RETAIN,
        engineVersion: rds.AuroraPostgresEngineVersion.VER_16_6,
        databaseName: 'gateway',
      },
    });
    template.hasResource('AWS::RDS::DBCluster', {
      Properties: Match.objectLike({
        ServerlessV2ScalingConfiguration: { MinCapacity: 1, MaxCapacity: 8 },
        DeletionProtection: true,
        EngineVersion: '16.6',
        DatabaseName: 'gateway',
      }),
      DeletionPolicy: 'Retain',
    });
    template.resourceCountIs('AWS::RDS::DBInstance', 2);
    expect(env(template).DATABASE_NAME).toBe('gateway');
  });

  test('an existing database: no cluster, tasks allowed in, credentials from its secret', () => {
    const { stack, vpc } = stackWithVpc();
    const securityGroup = new ec2.SecurityGroup(stack, 'DbSg', { vpc });
    const secret = new secretsmanager.Secret(stack, 'DbSecret');
    const gateway = new LlmGateway(stack, 'Gateway', {
      vpc, existingDatabase: { hostname: 'db.example.internal', port: 5433, secret, securityGroup, databaseName: 'llm' },
    });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::RDS::DBCluster', 0);
    expect(env(template).DATABASE_HOST).toBe('db.example.internal:5433');
    expect(env(template).DATABASE_NAME).toBe('llm');
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', { FromPort: 5433, GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DbSg'), 'GroupId'] } });
    expect(() => gateway.database).toThrow(/uses an existing database/);
  });
});

describe('secrets brought by the user', () => {
  test('are injected and not generated', () => {
    const { stack, vpc } = stackWithVpc();
    const masterKey = new secretsmanager.Secret(stack, 'MyMaster');
    const saltKey = new secretsmanager.Secret(stack, 'MySalt');
    const uiCredentials = new secretsmanager.Secret(stack, 'MyUi');
    const gateway = new LlmGateway(stack, 'Gateway', { vpc, secrets: { masterKey, saltKey, uiCredentials } });
    expect(gateway.masterKey).toBe(masterKey);
    const template = Template.fromStack(stack);
    const secrets = Object.fromEntries(container(template).Secrets.map((s: any) => [s.Name, JSON.stringify(s.ValueFrom)]));
    expect(secrets.LITELLM_ADMIN_KEY).toMatch(/MyMaster/);
    expect(secrets.LITELLM_SALT_KEY).toMatch(/MySalt/);
    expect(secrets.UI_PASSWORD).toMatch(/MyUi/);
    expect(Object.keys(template.findResources('AWS::SecretsManager::Secret')).filter((k) => k.startsWith('GatewaySecrets'))).toEqual([]);
  });
});

describe('salt key is never regenerated by a props change', () => {
  test('same logical id and identical definition whatever the props', () => {
    const saltOf = (props: Partial<LlmGatewayProps>) => {
      const resources = gatewayTemplate(props).template.findResources('AWS::SecretsManager::Secret', {
        Properties: { Description: Match.stringLikeRegexp('salt key') },
      });
      expect(Object.keys(resources)).toHaveLength(1);
      return resources;
    };
    const base = saltOf({});
    for (const props of [
      { service: { workersPerTask: 1, maxTasks: 1 } },
      { models: [{ alias: 'x', model: haiku }] },
      { service: { logGroupName: '/x/y', logLevel: LogLevel.DEBUG } },
      { database: { maxCapacity: 4 } },
      { requestTimeout: Duration.minutes(5) },
    ] as Partial<LlmGatewayProps>[]) {
      expect(saltOf(props)).toEqual(base);
    }
  });
});

describe('warnings', () => {
  test('the worker count follows the task size, one per vCPU, unless given', () => {
    const workers = (service: LlmGatewayProps['service']) => {
      const command: string[] = container(gatewayTemplate({ service }).template).Command;
      return command[command.indexOf('--num_workers') + 1];
    };
    expect(workers(undefined)).toBe('1');
    expect(workers({ cpu: 512, memoryLimitMiB: 1024 })).toBe('1');
    expect(workers({ cpu: 2048, memoryLimitMiB: 4096 })).toBe('2');
    expect(workers({ cpu: 4096, memoryLimitMiB: 8192 })).toBe('4');
    expect(workers({ cpu: 4096, memoryLimitMiB: 8192, workersPerTask: 3 })).toBe('3');
  });

  test('usage-based routing, and per-process limits without the cache, are warned about, with ids to acknowledge', () => {
    const { stack } = gatewayTemplate({ cache: { enabled: false }, routing: { strategy: RoutingStrategy.USAGE_BASED_ROUTING } });
    const warnings = Annotations.fromStack(stack).findWarning('/TestStack/Gateway', Match.anyValue());
    expect(warnings.map((w) => String(w.entry.data))).toEqual([
      expect.stringMatching(/usage-based-routing' is not recommended for production.*\[ack: cdk-llm-gateway:routingStrategy\]/),
      expect.stringMatching(/4 tasks × 1 workers, the effective limits can reach 4×.*\[ack: cdk-llm-gateway:perProcessRateLimits\]/),
    ]);
  });

  test('one task with one worker, or no limits, raises no per-process warning', () => {
    const warnings = (props: Partial<LlmGatewayProps>) => {
      const { stack } = gatewayTemplate({ routing: { strategy: RoutingStrategy.SIMPLE_SHUFFLE }, ...props });
      return Annotations.fromStack(stack).findWarning('*', Match.anyValue());
    };
    expect(warnings({ service: { maxTasks: 1, workersPerTask: 1 } })).toEqual([]);
    expect(warnings({ models: [{ alias: 'a', model: haiku }] })).toEqual([]);
  });
});

describe('collisions', () => {
  test('two gateways in one stack, and gateways in two stacks of one account, share no physical name', () => {
    const [stack, other] = threeGatewaysInOneAccount();
    // Account-wide physical names: none is fixed by default, so CloudFormation generates unique ones.
    const physical = ['LogGroupName', 'ClusterName', 'ServiceName', 'RoleName', 'DBClusterIdentifier', 'DashboardName', 'Family'];
    const fixed = [stack, other].flatMap((s) => Object.values(Template.fromStack(s).toJSON().Resources as Record<string, any>))
      .flatMap((r) => Object.entries(r.Properties ?? {})
        .filter(([k]) => physical.includes(k) || (r.Type === 'AWS::SecretsManager::Secret' && k === 'Name') || (r.Type.startsWith('AWS::ElasticLoadBalancingV2') && k === 'Name'))
        .filter(([, v]) => typeof v === 'string')
        .map(([k, v]) => `${r.Type}.${k}=${v}`));
    expect(fixed.filter((n) => !n.includes('.Family='))).toEqual([]);
    const families = fixed.filter((n) => n.includes('.Family='));
    expect(families).toHaveLength(6); // serving and migration task of each of the three gateways
    expect(new Set(families).size).toBe(6);
    const outputs = Object.keys(Template.fromStack(stack).toJSON().Outputs);
    expect(outputs.filter((o) => o.startsWith('AEndpointUrl') || o.startsWith('BEndpointUrl'))).toHaveLength(2);
  });
});

describe('endpoint and connections', () => {
  test('agents are allowed in with connections.allowDefaultPortFrom', () => {
    const { stack, vpc } = stackWithVpc();
    const gateway = new LlmGateway(stack, 'Gateway', { vpc, endpoint: { allowedCidrs: ['10.9.0.0/16'] } });
    const agents = new ec2.SecurityGroup(stack, 'Agents', { vpc });
    gateway.connections.allowDefaultPortFrom(agents);
    Template.fromStack(stack).hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      FromPort: 80, ToPort: 80, SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Agents'), 'GroupId'] },
    });
    expect(gateway.service).toBe(gateway.gatewayService.service);
    expect(gateway.taskDefinition).toBe(gateway.gatewayService.taskDefinition);
    expect(gateway.loadBalancer).toBe(gateway.gatewayService.loadBalancer);
    expect(gateway.listener).toBe(gateway.gatewayService.listener);
    expect(gateway.logGroup).toBe(gateway.gatewayService.logGroup);
    expect(gateway.database.cluster).toBeInstanceOf(rds.DatabaseCluster);
    expect(gateway.renderedConfig).toBe(gateway.config.renderYaml());
  });
});

describe('bad input fails at synth with the prop named', () => {
  const bad = (props: Partial<LlmGatewayProps>, message: RegExp) => expect(() => gatewayTemplate(props)).toThrow(message);
  test.each(['10.0.0.0/33', '256.1.0.0/16', '10.0.0/16', 'fd00::/8'])('endpoint.allowedCidrs %p', (cidr) =>
    bad({ endpoint: { allowedCidrs: [cidr] } }, new RegExp(`endpoint\\.allowedCidrs: '${cidr.replace(/[./]/g, '\\$&')}' is not an IPv4 CIDR such as '10\\.0\\.0\\.0/16'`)));
  test('service.logGroupName with characters CloudWatch Logs refuses', () =>
    bad({ service: { logGroupName: 'bad name!' } }, /service\.logGroupName 'bad name!' is not a CloudWatch Logs group name: 1 to 512 characters of letters, digits and '\.-_\/#'/));

  test('a VPC without private subnets', () => {
    const stack = new Stack(new App(), 'S', { env: ENV });
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'pub', subnetType: ec2.SubnetType.PUBLIC }] });
    expect(() => new LlmGateway(stack, 'Gateway', { vpc })).toThrow(/vpc selects no private subnets with egress/);
  });
  test('public subnets selected', () => bad({ vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC } }, /vpcSubnets selects public subnets/));
  test('one AZ', () => {
    const stack = new Stack(new App(), 'S', { env: ENV });
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 1 });
    expect(() => new LlmGateway(stack, 'Gateway', { vpc })).toThrow(/vpc selects subnets in 1 Availability Zone/);
  });
  test('min tasks > max', () => bad({ service: { minTasks: 5, maxTasks: 4 } }, /service\.minTasks \(5\) is greater than maxTasks \(4\)/));
  test('database min capacity > max', () => bad({ database: { minCapacity: 2, maxCapacity: 1 } }, /database\.minCapacity \(2\) is greater than maxCapacity \(1\)/));
  test('database capacity off the 0.5 grid', () => bad({ database: { maxCapacity: 1.2 } }, /database\.maxCapacity must be 0 to 256/));
  test('database readers', () => bad({ database: { readers: -1 } }, /database\.readers must be a whole number from 0 to 15/));
  test('database name', () => bad({ database: { databaseName: '1bad' } }, /database\.databaseName '1bad'/));
  test.each([[1024, 1024], [1024, 9216], [3000, 4096], [256, 4096], [2048, 4097]])('Fargate size cpu %p memory %p', (cpu, memoryLimitMiB) =>
    // one worker, so that only the Fargate size is at fault
    bad({ service: { cpu, memoryLimitMiB, workersPerTask: 1 } }, /(service\.cpu \d+ is not a Fargate task size|service\.memoryLimitMiB \d+ is not offered by Fargate with cpu \d+)/));
  test('idle timeout below the longest request', () => bad({ endpoint: { idleTimeout: Duration.seconds(900) } }, /endpoint\.idleTimeout \(900 s\) is shorter than the longest request: the longest request at the proxy is 1200 s \(requestTimeout 600 s per call.*Raise idleTimeout to at least 1200 s, or lower requestTimeout/));
  test('request timeout beyond the load balancer', () => bad({ requestTimeout: Duration.seconds(1990) }, /requestTimeout leaves no room for the load balancer's idle timeout \(at most 4000 s\): the longest request at the proxy is 3980 s.*Lower requestTimeout, routing.timeoutRetries or the fallback chains/));
  test('certificate without a domain', () => {
    const { stack, vpc } = stackWithVpc();
    const certificate = acm.Certificate.fromCertificateArn(stack, 'Cert', 'arn:aws:acm:us-east-1:123456789012:certificate/abc');
    expect(() => new LlmGateway(stack, 'Gateway', { vpc, endpoint: { certificate } })).toThrow(/endpoint\.certificate needs endpoint\.domainName/);
  });
  test('a DNS name without a hosted zone is the user\'s own record: agents call the name, the gateway creates none', () => {
    const { template, gateway } = gatewayTemplate({ endpoint: { domainName: 'gw.example.internal' } });
    expect(gateway.endpointUrl).toBe('http://gw.example.internal/v1');
    template.resourceCountIs('AWS::Route53::RecordSet', 0);
    expect(gateway.gatewayService.dnsRecord).toBeUndefined();
  });
  test('hosted zone without a DNS name', () => {
    const { stack, vpc } = stackWithVpc();
    const hostedZone = new route53.PrivateHostedZone(stack, 'Zone', { zoneName: 'x.internal', vpc });
    expect(() => new LlmGateway(stack, 'Gateway', { vpc, endpoint: { hostedZone } })).toThrow(/endpoint\.hostedZone needs endpoint\.domainName/);
  });
  test('existing database with database props', () => {
    const { stack, vpc } = stackWithVpc();
    const existingDatabase = { hostname: 'db', secret: new secretsmanager.Secret(stack, 'S'), securityGroup: new ec2.SecurityGroup(stack, 'G', { vpc }) };
    expect(() => new LlmGateway(stack, 'Gateway', { vpc, existingDatabase, database: { maxCapacity: 2 } })).toThrow(/existingDatabase and database are both set/);
  });
  test('log group together with its name', () => {
    const { stack, vpc } = stackWithVpc();
    expect(() => new LlmGateway(stack, 'Gateway', { vpc, service: { logGroup: new logs.LogGroup(stack, 'L'), logGroupName: '/x' } })).toThrow(/service\.logGroup is given, so logGroupName and logRetention have no effect/);
  });
  test.each<[Partial<LlmGatewayProps>, RegExp]>([
    [{ service: { workersPerTask: 0 } }, /^service\.workersPerTask must be a whole number from 1/],
    [{ service: { minTasks: 0 } }, /^service\.minTasks must be a whole number from 1/],
    [{ service: { maxTasks: -1 } }, /^service\.maxTasks must be a whole number from 1/],
    [{ service: { targetCpuUtilizationPercent: 0 } }, /^service\.targetCpuUtilizationPercent must be a whole number from 1 to 100/],
    [{ service: { targetRequestsPerTaskPerMinute: 0 } }, /^service\.targetRequestsPerTaskPerMinute must be a whole number from 1/],
    [{ service: { scaleOutCooldown: Duration.seconds(0) } }, /^service\.scaleOutCooldown must be a whole number of seconds from 1/],
    [{ service: { scaleInCooldown: Duration.seconds(0) } }, /^service\.scaleInCooldown must be/],
    [{ service: { stopTimeout: Duration.seconds(121) } }, /^service\.stopTimeout must be a whole number of seconds from 2 to 120/],
    [{ service: { stopTimeout: Duration.seconds(0) } }, /^service\.stopTimeout must be/],
    [{ service: { healthCheckStartPeriod: Duration.seconds(30) } }, /^service\.healthCheckStartPeriod must be a whole number of seconds from 60 to 300/],
    [{ service: { memoryLimitMiB: 512 } }, /^service\.memoryLimitMiB 512 is too small for .*LiteLLM/],
    [{ endpoint: { deregistrationDelay: Duration.seconds(4000) } }, /^endpoint\.deregistrationDelay must be/],
    [{ endpoint: { idleTimeout: Duration.seconds(5000) } }, /^endpoint\.idleTimeout must be a whole number of seconds from 1 to 4000/],
    [{ endpoint: { allowedCidrs: ['everyone'] } }, /^endpoint\.allowedCidrs: 'everyone' is not an IPv4 CIDR/],
    [{ requestTimeout: Duration.seconds(0) }, /^requestTimeout must be longer than 0 seconds/],
  ])('%p', (props, message) => bad(props, message));
});

describe('scaling', () => {
  test('a fixed size (minTasks equal to maxTasks) has no scaling target or policy', () => {
    const { template, gateway } = gatewayTemplate({ service: { minTasks: 2, maxTasks: 2 } });
    template.hasResourceProperties('AWS::ECS::Service', { DesiredCount: 2 });
    template.resourceCountIs('AWS::ApplicationAutoScaling::ScalableTarget', 0);
    template.resourceCountIs('AWS::ApplicationAutoScaling::ScalingPolicy', 0);
    expect(gateway.gatewayService.scaling).toBeUndefined();
    // the default range scales
    const byDefault = gatewayTemplate();
    byDefault.template.resourceCountIs('AWS::ApplicationAutoScaling::ScalableTarget', 1);
    expect(byDefault.gateway.gatewayService.scaling).toBeDefined();
  });

  test.each<[string, Partial<LlmGatewayProps['service']>]>([
    ['targetCpuUtilizationPercent', { targetCpuUtilizationPercent: 50 }],
    ['targetRequestsPerTaskPerMinute', { targetRequestsPerTaskPerMinute: 600 }],
    ['scaleOutCooldown', { scaleOutCooldown: Duration.seconds(30) }],
    ['scaleInCooldown', { scaleInCooldown: Duration.seconds(30) }],
  ])('a fixed size with %s set fails, naming the props', (_name, scalingProps) => {
    expect(() => gatewayTemplate({ service: { minTasks: 1, maxTasks: 1, ...scalingProps } }))
      .toThrow(/^service\.minTasks equals service\.maxTasks \(1\): the service has a fixed size and no scaling/);
  });

  test('requests per task add a second target-tracking policy on the load balancer\'s request count per target', () => {
    const { template } = gatewayTemplate({ service: { targetRequestsPerTaskPerMinute: 600, scaleOutCooldown: Duration.seconds(45) } });
    const policies = Object.values(template.findResources('AWS::ApplicationAutoScaling::ScalingPolicy')).map((p: any) => p.Properties.TargetTrackingScalingPolicyConfiguration);
    expect(policies).toHaveLength(2);
    const requests = policies.find((p) => p.PredefinedMetricSpecification.PredefinedMetricType === 'ALBRequestCountPerTarget');
    expect(requests).toMatchObject({ TargetValue: 600, ScaleOutCooldown: 45, ScaleInCooldown: 300 });
    // the resource label names the load balancer and the target group the gateway created
    expect(JSON.stringify(requests.PredefinedMetricSpecification.ResourceLabel)).toMatch(/LoadBalancer.*ProxyGroup/);
    expect(policies.map((p) => p.PredefinedMetricSpecification.PredefinedMetricType).sort()).toEqual(['ALBRequestCountPerTarget', 'ECSServiceAverageCPUUtilization']);
    // CPU only by default
    gatewayTemplate().template.resourceCountIs('AWS::ApplicationAutoScaling::ScalingPolicy', 1);
  });
});

describe('who may call the endpoint', () => {
  const cidrIngress = (template: Template) => {
    const group = Object.values(template.findResources('AWS::EC2::SecurityGroup', { Properties: { GroupDescription: 'LiteLLM gateway load balancer' } }));
    expect(group).toHaveLength(1);
    const inline = ((group[0] as any).Properties.SecurityGroupIngress ?? []).filter((r: any) => r.CidrIp !== undefined);
    const separate = Object.values(template.findResources('AWS::EC2::SecurityGroupIngress')).filter((r: any) => r.Properties.CidrIp !== undefined);
    return [...inline, ...separate];
  };

  test('allowedCidrs: [] admits no range, only the security groups given access', () => {
    const { stack, vpc } = stackWithVpc();
    const gateway = new LlmGateway(stack, 'Gateway', { vpc, endpoint: { allowedCidrs: [] } });
    gateway.connections.allowDefaultPortFrom(new ec2.SecurityGroup(stack, 'Agents', { vpc }));
    const template = Template.fromStack(stack);
    expect(cidrIngress(template)).toEqual([]);
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      FromPort: 80, SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Agents'), 'GroupId'] },
    });
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('noVpcCidr'))).toHaveLength(0);
    // the default admits the VPC's CIDR
    expect(cidrIngress(gatewayTemplate().template)).toEqual([expect.objectContaining({ CidrIp: { 'Fn::GetAtt': [expect.stringMatching(/^Vpc/), 'CidrBlock'] }, FromPort: 80 })]);
  });

  test('an imported VPC without its CIDR synthesizes with a warning and no CIDR rule', () => {
    const stack = new Stack(new App(), 'Imported', { env: ENV });
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
      vpcId: 'vpc-12345678',
      availabilityZones: ['us-east-1a', 'us-east-1b'],
      privateSubnetIds: ['subnet-11111111', 'subnet-22222222'],
    });
    new LlmGateway(stack, 'Gateway', { vpc });
    const template = Template.fromStack(stack);
    expect(cidrIngress(template)).toEqual([]);
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('cdk-llm-gateway:noVpcCidr'));
    expect(warnings.map((w) => String(w.entry.data))).toEqual([expect.stringMatching(/^The VPC was imported without its CIDR, so no address range may call the gateway/)]);
    Annotations.fromStack(stack).hasNoError('*', Match.anyValue());
  });

  test('an imported VPC with its CIDR admits that CIDR, without the warning', () => {
    const stack = new Stack(new App(), 'Imported', { env: ENV });
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
      vpcId: 'vpc-12345678',
      vpcCidrBlock: '10.20.0.0/16',
      availabilityZones: ['us-east-1a', 'us-east-1b'],
      privateSubnetIds: ['subnet-11111111', 'subnet-22222222'],
    });
    new LlmGateway(stack, 'Gateway', { vpc });
    expect(cidrIngress(Template.fromStack(stack))).toEqual([expect.objectContaining({ CidrIp: '10.20.0.0/16', FromPort: 80 })]);
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('noVpcCidr'))).toHaveLength(0);
  });
});

describe('admin UI', () => {
  test('on by default: served at /ui, DISABLE_ADMIN_UI unset', () => {
    const { template, gateway } = gatewayTemplate();
    expect(env(template).DISABLE_ADMIN_UI).toBeUndefined();
    expect(gateway.adminUiUrl).toBe(`${gateway.endpointUrl.replace(/\/v1$/, '')}/ui`);
    expect(gateway.adminUiUrl).toBe(gateway.gatewayService.adminUiUrl);
  });

  test('adminUi false sets DISABLE_ADMIN_UI=True and leaves no admin UI URL', () => {
    const { template, gateway } = gatewayTemplate({ service: { adminUi: false } });
    expect(env(template).DISABLE_ADMIN_UI).toBe('True');
    expect(gateway.adminUiUrl).toBeUndefined();
    expect(gateway.gatewayService.adminUiUrl).toBeUndefined();
  });
});

describe('database backups', () => {
  test('7 days by default, and the given retention', () => {
    gatewayTemplate().template.hasResourceProperties('AWS::RDS::DBCluster', { BackupRetentionPeriod: 7 });
    gatewayTemplate({ database: { backupRetention: Duration.days(21) } }).template.hasResourceProperties('AWS::RDS::DBCluster', { BackupRetentionPeriod: 21 });
  });

  test.each([Duration.days(0), Duration.days(36), Duration.hours(36)])('database.backupRetention %p fails, naming the prop', (backupRetention) => {
    expect(() => gatewayTemplate({ database: { backupRetention } })).toThrow(/^database\.backupRetention must be a whole number of days from 1 to 35/);
  });
});

describe('removal policy', () => {
  const policies = (template: Template, type: string) => Object.values(template.findResources(type)).map((r: any) => r.DeletionPolicy);

  test('DESTROY deletes every log group, secret and the database (without a snapshot)', () => {
    const { template } = gatewayTemplate({ removalPolicy: RemovalPolicy.DESTROY });
    for (const type of ['AWS::Logs::LogGroup', 'AWS::SecretsManager::Secret', 'AWS::RDS::DBCluster', 'AWS::RDS::DBInstance']) {
      const found = policies(template, type);
      expect(found.length).toBeGreaterThan(0);
      expect([type, found]).toEqual([type, found.map(() => 'Delete')]);
    }
  });

  test('by default log groups and the salt key are retained, and the database leaves a snapshot', () => {
    const { template } = gatewayTemplate();
    expect(new Set(policies(template, 'AWS::Logs::LogGroup'))).toEqual(new Set(['Retain']));
    expect(policies(template, 'AWS::RDS::DBCluster')).toEqual(['Snapshot']);
    const salt = template.findResources('AWS::SecretsManager::Secret', { Properties: { Description: Match.stringLikeRegexp('salt key') } });
    expect(Object.values(salt).map((r: any) => r.DeletionPolicy)).toEqual(['Retain']);
  });

  test('database.removalPolicy wins for the database', () => {
    const { template } = gatewayTemplate({ removalPolicy: RemovalPolicy.DESTROY, database: { removalPolicy: RemovalPolicy.SNAPSHOT } });
    expect(policies(template, 'AWS::RDS::DBCluster')).toEqual(['Snapshot']);
    expect(new Set(policies(template, 'AWS::Logs::LogGroup'))).toEqual(new Set(['Delete']));
  });

  test('DESTROY with the Control Tower profile or with deletion protection fails', () => {
    const governed = (removalPolicy?: RemovalPolicy) => () => {
      const { stack, vpc } = stackWithVpc();
      const certificate = acm.Certificate.fromCertificateArn(stack, 'Cert', 'arn:aws:acm:us-east-1:123456789012:certificate/abc');
      new LlmGateway(stack, 'Gateway', {
        vpc,
        removalPolicy,
        compliance: ComplianceProfile.CONTROL_TOWER,
        endpoint: { certificate, domainName: 'gw.example.internal', accessLogsBucket: new s3.Bucket(stack, 'AccessLogs') },
      });
    };
    expect(governed()).not.toThrow();
    expect(governed(RemovalPolicy.DESTROY))
      .toThrow(/^removalPolicy is DESTROY, but compliance: ComplianceProfile\.CONTROL_TOWER turns deletion protection on/);
    expect(() => gatewayTemplate({ removalPolicy: RemovalPolicy.DESTROY, database: { deletionProtection: true } }))
      .toThrow(/^removalPolicy is DESTROY, but deletion protection is on/);
    expect(() => gatewayTemplate({ removalPolicy: RemovalPolicy.DESTROY, endpoint: { deletionProtection: true } }))
      .toThrow(/^removalPolicy is DESTROY, but deletion protection is on/);
  });
});
