/**
 * `npx projen bench`: synthesis time of the reference deployment against a floor, a hand-written app of the same
 * raw aws-cdk-lib resources (no validation, no config rendering, no acknowledgements). Prints medians and the ratio
 * (target ≤ 1.25). A benchmark, not a test: it asserts nothing.
 */
import * as os from 'os';
import * as path from 'path';
import { App, Duration, RemovalPolicy, SecretValue, Stack, Tags } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { CustomResource } from 'aws-cdk-lib/core';
import * as cr from 'aws-cdk-lib/custom-resources';
import { synthesizeReference } from './reference-app';

const ASSETS = path.join(__dirname, '..', 'assets');

function floor(outdir: string): void {
  const app = new App({ outdir });
  Tags.of(app).add('env', 'dev');
  Tags.of(app).add('application', 'document-processing');
  const stack = new Stack(app, 'Floor', { env: { region: 'us-east-1' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
  const secret = (id: string) => new secretsmanager.Secret(stack, id, { generateSecretString: { passwordLength: 32, excludePunctuation: true } });
  const entropy = secret('Entropy');
  const master = new secretsmanager.Secret(stack, 'Master', { secretStringValue: SecretValue.unsafePlainText(`sk-${entropy.secretValue.unsafeUnwrap()}`) });
  const salt = secret('Salt');
  const ui = secret('Ui');
  const db = new rds.DatabaseCluster(stack, 'Db', {
    engine: rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_16_8 }),
    vpc,
    writer: rds.ClusterInstance.serverlessV2('Writer'),
    serverlessV2MinCapacity: 0.5,
    serverlessV2MaxCapacity: 1,
    credentials: rds.Credentials.fromGeneratedSecret('litellm'),
    defaultDatabaseName: 'litellm',
    removalPolicy: RemovalPolicy.SNAPSHOT,
  });
  const cacheSg = new ec2.SecurityGroup(stack, 'CacheSg', { vpc, allowAllOutbound: false });
  const cachePassword = secret('CachePassword');
  const users = ['default', 'litellm'].map((u) => new elasticache.CfnUser(stack, `User${u}`, {
    engine: 'valkey',
    userId: `floor-${u}`,
    userName: u,
    accessString: 'on ~* +@all',
    authenticationMode: { Type: 'password', Passwords: [cachePassword.secretValue.unsafeUnwrap()] },
  }));
  const group = new elasticache.CfnUserGroup(stack, 'Group', { engine: 'valkey', userGroupId: 'floor', userIds: users.map((u) => u.ref) });
  const cache = new elasticache.CfnServerlessCache(stack, 'Cache', {
    engine: 'valkey', serverlessCacheName: 'floor', subnetIds: vpc.privateSubnets.map((s) => s.subnetId), securityGroupIds: [cacheSg.securityGroupId], userGroupId: group.ref,
  });
  const logGroup = new logs.LogGroup(stack, 'Logs', { retention: logs.RetentionDays.TWO_WEEKS });
  const execLogs = new logs.LogGroup(stack, 'ExecLogs', { retention: logs.RetentionDays.TWO_WEEKS });
  const cluster = new ecs.Cluster(stack, 'Cluster', {
    vpc,
    containerInsightsV2: ecs.ContainerInsights.ENABLED,
    executeCommandConfiguration: { logging: ecs.ExecuteCommandLogging.OVERRIDE, logConfiguration: { cloudWatchLogGroup: execLogs } },
  });
  const image = ecs.ContainerImage.fromAsset(path.join(ASSETS, 'service', 'litellm'));
  const arm = { cpuArchitecture: ecs.CpuArchitecture.ARM64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX };
  const taskDef = new ecs.FargateTaskDefinition(stack, 'Task', { cpu: 1024, memoryLimitMiB: 2048, runtimePlatform: arm });
  const secrets = {
    LITELLM_ADMIN_KEY: ecs.Secret.fromSecretsManager(master),
    LITELLM_SALT_KEY: ecs.Secret.fromSecretsManager(salt),
    UI_PASSWORD: ecs.Secret.fromSecretsManager(ui, 'password'),
    DATABASE_PASSWORD: ecs.Secret.fromSecretsManager(db.secret!, 'password'),
    REDIS_PASSWORD: ecs.Secret.fromSecretsManager(cachePassword),
  };
  taskDef.addContainer('litellm', {
    image,
    secrets,
    environment: { DATABASE_HOST: db.clusterEndpoint.hostname, REDIS_HOST: cache.attrEndpointAddress },
    portMappings: [{ containerPort: 4000 }],
    logging: ecs.LogDrivers.awsLogs({ logGroup, streamPrefix: 'litellm' }),
  });
  const migrateDef = new ecs.FargateTaskDefinition(stack, 'MigrateTask', { cpu: 512, memoryLimitMiB: 1024, runtimePlatform: arm });
  migrateDef.addContainer('migrate', { image, secrets, logging: ecs.LogDrivers.awsLogs({ logGroup, streamPrefix: 'migrate' }) });
  taskDef.addToTaskRolePolicy(new iam.PolicyStatement({ actions: ['bedrock:InvokeModel'], resources: [`arn:aws:bedrock:us-east-1:${stack.account}:inference-profile/x`] }));
  taskDef.addToTaskRolePolicy(new iam.PolicyStatement({
    actions: ['bedrock:InvokeModel'], resources: ['arn:aws:bedrock:*::foundation-model/x'], conditions: { StringEquals: { 'bedrock:InferenceProfileArn': ['p'] } },
  }));
  const serviceSg = new ec2.SecurityGroup(stack, 'ServiceSg', { vpc, allowAllOutbound: false });
  serviceSg.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443));
  const service = new ecs.FargateService(stack, 'Service', {
    cluster, taskDefinition: taskDef, enableExecuteCommand: true, circuitBreaker: { rollback: true }, securityGroups: [serviceSg],
  });
  db.connections.allowDefaultPortFrom(service);
  cacheSg.connections.allowFrom(service, ec2.Port.tcp(6379));
  const alb = new elbv2.ApplicationLoadBalancer(stack, 'Alb', { vpc, internetFacing: false, idleTimeout: Duration.seconds(630) });
  const listener = alb.addListener('Listener', { port: 80, open: false });
  listener.addTargets('Proxy', { port: 4000, protocol: elbv2.ApplicationProtocol.HTTP, targets: [service], healthCheck: { path: '/health/liveliness' } });
  service.autoScaleTaskCount({ minCapacity: 1, maxCapacity: 4 }).scaleOnCpuUtilization('Cpu', { targetUtilizationPercent: 70 });

  const fn = (id: string, dir: string, handler: string) => new lambda.Function(stack, id, {
    runtime: lambda.Runtime.PYTHON_3_13, handler, code: lambda.Code.fromAsset(path.join(ASSETS, dir), { exclude: ['tests'] }),
  });
  const migration = new cr.Provider(stack, 'MigrationProvider', {
    onEventHandler: fn('Start', 'service/migration-runner', 'migration.on_event'), isCompleteHandler: fn('Check', 'service/migration-runner', 'migration.is_complete'),
  });
  service.node.addDependency(new CustomResource(stack, 'Migration', { serviceToken: migration.serviceToken, properties: { T: migrateDef.taskDefinitionArn } }));
  const keyHandler = new lambda.Function(stack, 'Keys', {
    runtime: lambda.Runtime.PYTHON_3_13,
    handler: 'virtual_keys.on_event',
    vpc,
    code: lambda.Code.fromAsset(path.join(ASSETS, 'keys', 'virtual-keys'), { exclude: ['tests'] }),
  });
  master.grantRead(keyHandler);
  listener.connections.allowDefaultPortFrom(keyHandler);
  const keys = new cr.Provider(stack, 'KeyProvider', { onEventHandler: keyHandler });
  for (const agent of ['Supervisor', 'Chunking', 'Extraction', 'Mapping', 'Validation']) {
    const keySecret = secret(`${agent}Key`);
    keySecret.grantRead(keyHandler);
    keySecret.grantWrite(keyHandler);
    new CustomResource(stack, agent, { serviceToken: keys.serviceToken, properties: { S: keySecret.secretArn } });
  }

  // Filters, dashboard and alarms of the same shape as the gateway's: per-model metrics, math totals and rates.
  const ns = 'DocumentProcessing/LlmGateway';
  const models = ['us.anthropic.claude-sonnet-4-5-20250929-v1:0', 'us.anthropic.claude-haiku-4-5-20251001-v1:0'];
  const names = ['RequestCount', 'InputTokens', 'OutputTokens', 'TotalTokens', 'ResponseCostUSD', 'ResponseTimeMs', 'RequestErrors', 'Throttles'];
  for (const name of [...names, 'ApplicationErrors']) {
    new logs.MetricFilter(stack, name, {
      logGroup,
      metricNamespace: ns,
      metricName: name,
      metricValue: '1',
      filterPattern: logs.FilterPattern.literal('{ $.litellm_metric IS TRUE }'),
      dimensions: name === 'ApplicationErrors' ? undefined : { Model: '$.model' },
    });
  }
  const per = (name: string) => models.map((m) => new cloudwatch.Metric({ namespace: ns, metricName: name, dimensionsMap: { Model: m }, label: m }));
  const total = (name: string) => new cloudwatch.MathExpression({
    expression: models.map((_, i) => `FILL(${name.toLowerCase()}${i}, 0)`).join(' + '),
    usingMetrics: Object.fromEntries(per(name).map((m, i) => [`${name.toLowerCase()}${i}`, m])),
  });
  const ratio = (a: string, b: string) => models.map((m, i) => new cloudwatch.MathExpression({
    expression: `n${i} / d${i}`,
    usingMetrics: { [`n${i}`]: per(a)[i], [`d${i}`]: per(b)[i] },
    label: m,
  }));
  let rates = 0;
  const rate = (a: cloudwatch.IMetric, b: cloudwatch.IMetric) => {
    const [p, w] = [`p${rates}`, `w${rates++}`];
    return new cloudwatch.MathExpression({ expression: `IF(${w} > 0, 100 * ${p} / ${w}, 0)`, usingMetrics: { [p]: a, [w]: b } });
  };
  const query = (lines: string[]) => new cloudwatch.LogQueryWidget({ logGroupNames: [logGroup.logGroupName], queryLines: lines });
  new cloudwatch.Dashboard(stack, 'Dashboard', {
    widgets: [
      [new cloudwatch.SingleValueWidget({ metrics: [total('RequestCount')] }), new cloudwatch.SingleValueWidget({ metrics: [total('InputTokens'), total('OutputTokens'), total('ResponseCostUSD')] })],
      [new cloudwatch.GraphWidget({ left: per('RequestCount') }), new cloudwatch.GraphWidget({ left: [rate(total('RequestErrors'), total('RequestCount')), rate(total('Throttles'), total('RequestCount'))] })],
      [new cloudwatch.GraphWidget({ left: per('ResponseTimeMs') }), query(['filter ispresent(litellm_metric)', '| stats pct(response_time_ms, 95) by bin(5m)'])],
      [new cloudwatch.GraphWidget({ left: ratio('TotalTokens', 'RequestCount') }), new cloudwatch.GraphWidget({ left: per('TotalTokens'), stacked: true })],
      [new cloudwatch.GraphWidget({ left: ratio('ResponseCostUSD', 'RequestCount') }), query(['stats sum(response_cost) by key_alias, model_group'])],
      [
        new cloudwatch.GraphWidget({ left: [service.metricCpuUtilization()] }),
        new cloudwatch.GraphWidget({ left: [service.metricMemoryUtilization()] }),
      ],
      [new cloudwatch.GraphWidget({ left: [alb.metrics.requestCount()], right: [alb.metrics.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT)] }),
        new cloudwatch.GraphWidget({ left: [alb.metrics.targetResponseTime(), alb.metrics.targetResponseTime({ statistic: 'p99' })] })],
    ],
  });
  const alarms: cloudwatch.IMetric[] = [
    rate(alb.metrics.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT), alb.metrics.requestCount()),
    alb.metrics.requestCount(),
    new cloudwatch.MathExpression({ expression: 'MAX([a, b])', usingMetrics: { a: per('ResponseTimeMs')[0], b: per('ResponseTimeMs')[1] } }),
    rate(total('RequestErrors'), total('RequestCount')),
    rate(total('Throttles'), total('RequestCount')),
    service.metricCpuUtilization(),
  ];
  alarms.forEach((metric, i) => new cloudwatch.Alarm(stack, `Alarm${i}`, { metric, threshold: 1, evaluationPeriods: 1 }));
  app.synth();
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function time(run: () => void): number {
  const start = process.hrtime.bigint();
  run();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const runs = Number(process.env.BENCH_RUNS ?? 7);
const out = (name: string) => path.join(os.tmpdir(), `cdk-llm-gateway-bench-${name}`);
// One warm-up each (module loading), then alternate so both see the same machine state.
synthesizeReference(out('reference'));
floor(out('floor'));
const reference: number[] = [];
const floorTimes: number[] = [];
for (let i = 0; i < runs; i++) {
  reference.push(time(() => synthesizeReference(out('reference'))));
  floorTimes.push(time(() => floor(out('floor'))));
}
const [r, f] = [median(reference), median(floorTimes)];
const list = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(', ');
console.log(`reference deployment: median ${r.toFixed(0)} ms over ${runs} synths (${list(reference)})`);
console.log(`raw aws-cdk-lib floor: median ${f.toFixed(0)} ms over ${runs} synths (${list(floorTimes)})`);
console.log(`ratio: ${(r / f).toFixed(2)} (target ≤ 1.25)`);
