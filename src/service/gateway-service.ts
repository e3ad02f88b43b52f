import { Annotations, Aws, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as route53targets from 'aws-cdk-lib/aws-route53-targets';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { GatewayImage } from './gateway-image';
import { GatewayEndpointOptions, GatewayServiceOptions, HealthCheckPath, LogLevel } from './options';
import { CacheConnection } from '../cache';
import { GatewayConfig } from '../config';
import { DatabaseConnection } from '../database';
import { grantIamDatabaseConnect, iamDatabaseEnvironment, validateIamDatabaseUser } from '../database/private/iam-database-auth';
import { acknowledge, acknowledgeWildcardResources, logStreamsArn } from '../private/acknowledge';
import { DEFAULTS, workersPerTask } from '../private/defaults';
import { securityGroupRules } from '../private/dependencies';
import { propPrefix } from '../private/prop-path';
import { bedrockInvokeStatements } from './private/bedrock-policy';
import { ContainerEnvironment, servingEnvironment, sharedEnvironment } from './private/container-environment';
import { litellmLogDriver } from './private/log-driver';
import { GatewayMigration } from './private/migration';
import { validateFargateSize, validateServiceOptions } from './private/validate';

/** Properties of `GatewayService`. */
export interface GatewayServiceProps extends GatewayServiceOptions {
  /** The VPC. */
  readonly vpc: ec2.IVpc;
  /**
   * Where the tasks and the load balancer run.
   *
   * @default - the VPC's private subnets with egress
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /**
   * The load balancer agents call.
   *
   * @default - internal, HTTP on port 80 from the VPC's CIDR
   */
  readonly endpoint?: GatewayEndpointOptions;
  /** The LiteLLM configuration baked into the image. */
  readonly config: GatewayConfig;
  /** The admin key secret (value starts with `sk-`). */
  readonly masterKey: secretsmanager.ISecret;
  /** The salt key secret. */
  readonly saltKey: secretsmanager.ISecret;
  /** The admin UI login (`username`, `password` fields). */
  readonly uiCredentials: secretsmanager.ISecret;
  /** How the tasks reach the database. */
  readonly databaseConnection: DatabaseConnection;
  /**
   * How the tasks reach the shared cache; `config` must be rendered with a cache for it.
   *
   * @default - no shared cache
   */
  readonly cacheConnection?: CacheConnection;
}

/** The unprivileged user of a hardened container (uid:gid; `nobody` in most images). */
const CONTAINER_USER = '65534:65534';
/** Where a hardened container may write: an ephemeral task volume for temporary files (Python's tempfile, which LiteLLM uses for uploads and batch files). */
const WRITABLE_PATHS = ['/tmp'];

/**
 * LiteLLM on ECS Fargate (arm64) behind an internal Application Load Balancer, with auto-scaling, secrets injected
 * by ECS, and exactly the Bedrock permissions its models need.
 */
export class GatewayService extends Construct implements ec2.IConnectable {
  /** The ECS cluster. */
  public readonly cluster: ecs.ICluster;
  /** The task definition. */
  public readonly taskDefinition: ecs.FargateTaskDefinition;
  /** The LiteLLM container. */
  public readonly container: ecs.ContainerDefinition;
  /** The Fargate service. */
  public readonly service: ecs.FargateService;
  /** The internal load balancer. */
  public readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  /** The listener agents call. */
  public readonly listener: elbv2.ApplicationListener;
  /** The target group of the tasks. */
  public readonly targetGroup: elbv2.ApplicationTargetGroup;
  /** The container's log group. */
  public readonly logGroup: logs.ILogGroup;
  /** The auto-scaling target of the service; none when `minTasks` equals `maxTasks`. */
  public readonly scaling?: ecs.ScalableTaskCount;
  /** The tasks' security group. */
  public readonly securityGroup: ec2.SecurityGroup;
  /** The load balancer's security group. */
  public readonly loadBalancerSecurityGroup: ec2.SecurityGroup;
  /** Network access to the load balancer: `connections.allowDefaultPortFrom(agents)` lets agents call the gateway. */
  public readonly connections: ec2.Connections;
  /** The base URL of the OpenAI-compatible API, ending in `/v1`. */
  public readonly endpointUrl: string;
  /** The gateway's root URL (health, admin UI at `/ui`, key API). */
  public readonly baseUrl: string;
  /** The task definition of the one-off schema migration, unless `migrateOnce` is false. */
  public readonly migrationTaskDefinition?: ecs.FargateTaskDefinition;
  /** The Route 53 record, when `endpoint.hostedZone` is set. */
  public readonly dnsRecord?: route53.ARecord;
  /** The URL of LiteLLM's admin UI (`<baseUrl>/ui`), unless `adminUi` is off. */
  public readonly adminUiUrl?: string;

  private readonly props: GatewayServiceProps;
  private readonly endpoint: GatewayEndpointOptions;
  private readonly vpcSubnets: ec2.SubnetSelection;
  private readonly longestRequestSeconds: number;
  private readonly idleTimeout: Duration;
  private readonly listenerPort: number;
  private readonly execLogGroup?: logs.ILogGroup;
  private readonly hardened: boolean;
  private readonly execEnabled: boolean;

  constructor(scope: Construct, id: string, props: GatewayServiceProps) {
    super(scope, id);
    this.props = props;
    this.endpoint = props.endpoint ?? {};
    const prefix = propPrefix(scope, id);
    validateServiceOptions(props, props.config, prefix);
    validateFargateSize(props.cpu ?? DEFAULTS.cpu, props.memoryLimitMiB ?? DEFAULTS.memoryLimitMiB, prefix);
    if ((props.cacheConnection !== undefined) !== props.config.usesCache) {
      throw new Error(props.cacheConnection
        ? 'cacheConnection is set, but config was rendered without a cache: LiteLLM would not use it.'
        : 'config was rendered with a cache, but no cacheConnection is set: pass the cache the config points at.');
    }
    this.vpcSubnets = props.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };
    this.longestRequestSeconds = props.config.longestRequest.toSeconds();
    // The connection is silent while the proxy waits on a model: the load balancer must hold it for the longest request.
    this.idleTimeout = this.endpoint.idleTimeout ?? Duration.seconds(this.longestRequestSeconds + DEFAULTS.idleTimeoutMarginSeconds);
    this.listenerPort = this.endpoint.certificate ? DEFAULTS.httpsPort : DEFAULTS.httpPort;

    this.logGroup = props.logGroup ?? this.createLogGroup('LogGroup', props.logGroupName);
    // ECS Exec sessions are audited in a log group of their own, so the task role writes to that group only
    // (without it, CDK grants log writes on '*') and exec output never reaches the gateway's metric filters.
    this.hardened = props.hardenedContainer ?? false;
    // ECS Exec's agent needs a writable root filesystem: it is off in a hardened container unless asked for.
    this.execEnabled = props.enableExecuteCommand ?? !this.hardened;
    if (this.hardened && props.enableExecuteCommand) {
      Annotations.of(this).addWarningV2('cdk-llm-gateway:execWithReadOnlyRoot',
        `${prefix}enableExecuteCommand is on with ${prefix}hardenedContainer: ECS Exec's agent cannot start in a read-only root filesystem (aws/containers-roadmap#1359), so execute-command sessions will fail. Turn one of them off.`);
    }
    this.execLogGroup = this.execEnabled && !props.cluster ? this.createLogGroup('ExecLogGroup') : undefined;
    this.cluster = props.cluster ?? this.createCluster();

    const shared = sharedEnvironment({
      scope: this,
      region: Stack.of(this).region,
      logLevel: props.logLevel ?? LogLevel.INFO,
      database: props.databaseConnection,
      masterKeyVariable: props.config.masterKeyVariable,
      masterKey: props.masterKey,
    });
    const image = (props.image ?? GatewayImage.fromLiteLlm()).bind(this, props.config).containerImage;
    const bedrockStatements = bedrockInvokeStatements(props.config, Stack.of(this).region, Aws.ACCOUNT_ID, Aws.PARTITION);
    this.taskDefinition = this.createTaskDefinition(bedrockStatements);
    this.container = this.createContainer(image, shared);
    this.loadBalancerSecurityGroup = this.createSecurityGroup('LoadBalancerSecurityGroup', 'LiteLLM gateway load balancer');
    this.securityGroup = this.createSecurityGroup('ServiceSecurityGroup', 'LiteLLM gateway tasks: proxy port from the load balancer only');
    // HTTPS to AWS APIs (Bedrock, Secrets Manager, ECR, CloudWatch Logs) through the NAT or VPC endpoints.
    this.securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to AWS APIs');
    this.loadBalancer = this.createLoadBalancer();
    this.listener = this.createListener();
    this.service = this.createService();
    this.targetGroup = this.createTargetGroup();
    this.connectToDatabaseAndCache();
    if (props.migrateOnce ?? true) {
      this.migrationTaskDefinition = this.createMigration(image, shared).taskDefinition;
    } else if (props.migrationTimeout !== undefined) {
      throw new Error('migrationTimeout is set but migrateOnce is false: drop one of them.');
    }
    this.scaling = this.createScaling();
    this.dnsRecord = this.createDnsRecord();
    this.connections = new ec2.Connections({ securityGroups: [this.loadBalancerSecurityGroup], defaultPort: ec2.Port.tcp(this.listenerPort) });
    this.acknowledgeFindings(bedrockStatements);

    const host = this.endpoint.domainName ?? this.loadBalancer.loadBalancerDnsName;
    this.baseUrl = `${this.endpoint.certificate ? 'https' : 'http'}://${host}`;
    this.endpointUrl = `${this.baseUrl}/v1`;
    this.adminUiUrl = (props.adminUi ?? true) ? `${this.baseUrl}/ui` : undefined;
  }

  private createLogGroup(id: string, logGroupName?: string): logs.LogGroup {
    return new logs.LogGroup(this, id, {
      logGroupName,
      retention: this.props.logRetention ?? DEFAULTS.logRetention,
      encryptionKey: this.props.logEncryptionKey,
      // Kept when the stack goes: the logs outlive it. A fixed name would collide, on the retry, with the group a
      // failed first deploy kept, so a named group is deleted when its own create rolls back (RetainExceptOnCreate);
      // a generated name never collides, and keeps a failed deploy's logs to read.
      removalPolicy: logGroupName !== undefined ? RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE : RemovalPolicy.RETAIN,
    });
  }

  private createCluster(): ecs.Cluster {
    return new ecs.Cluster(this, 'Cluster', {
      vpc: this.props.vpc,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
      executeCommandConfiguration: this.execLogGroup
        ? { logging: ecs.ExecuteCommandLogging.OVERRIDE, logConfiguration: { cloudWatchLogGroup: this.execLogGroup } }
        : undefined,
    });
  }

  private createTaskDefinition(bedrockStatements: iam.PolicyStatement[]): ecs.FargateTaskDefinition {
    const taskDefinition = new ecs.FargateTaskDefinition(this, 'TaskDefinition', {
      cpu: this.props.cpu ?? DEFAULTS.cpu,
      memoryLimitMiB: this.props.memoryLimitMiB ?? DEFAULTS.memoryLimitMiB,
      runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.ARM64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
    });
    for (const statement of bedrockStatements) {
      taskDefinition.addToTaskRolePolicy(statement);
    }
    return taskDefinition;
  }

  private createContainer(image: ecs.ContainerImage, shared: ContainerEnvironment): ecs.ContainerDefinition {
    const props = this.props;
    const stopTimeout = props.stopTimeout ?? DEFAULTS.stopTimeout;
    const memoryLimitMiB = props.memoryLimitMiB ?? DEFAULTS.memoryLimitMiB;
    const hardened = this.hardened;
    const serving = servingEnvironment(shared, {
      scope: this,
      cache: props.cacheConnection,
      migrateOnce: props.migrateOnce ?? true,
      stopTimeoutSeconds: stopTimeout.toSeconds(),
      adminUi: props.adminUi ?? true,
      saltKey: props.saltKey,
      uiCredentials: props.uiCredentials,
    });
    const database = this.iamDatabase(serving);
    const container = this.taskDefinition.addContainer('litellm', {
      image,
      essential: true,
      // `litellm` itself, not the image's entrypoint script: what runs is then fixed by the task definition (which the
      // local twin reads and runs) rather than by a script that changes between LiteLLM releases.
      entryPoint: ['litellm'],
      // uvicorn's own workers, not gunicorn: under gunicorn LiteLLM leaves gunicorn's 2 s keep-alive, and a load
      // balancer that reuses a connection the task has just closed answers 502. The task must keep idle connections
      // open longer than the load balancer does, so that the load balancer always closes first.
      command: [
        '--config', '/app/config.yaml', '--port', String(DEFAULTS.proxyPort),
        '--num_workers', String(workersPerTask(props)),
        '--keepalive_timeout', String(this.idleTimeout.toSeconds() + DEFAULTS.keepaliveMarginSeconds),
        // uvicorn restarts a worker that does not answer its supervisor within 5 s, and a worker importing LiteLLM on
        // a fraction of a vCPU takes longer: without this, starts loop (measured in the twin: 25 restarts, 156 s).
        '--timeout_worker_healthcheck', String(DEFAULTS.workerHealthcheckTimeoutSeconds),
      ],
      portMappings: [{ containerPort: DEFAULTS.proxyPort, name: 'proxy' }],
      environment: database.environment,
      secrets: database.secrets,
      healthCheck: {
        // The image has neither curl nor wget; its own Python probes the proxy. /health would need a key and call
        // every model; /health/liveliness answers without a key and calls nothing.
        command: ['CMD', 'python3', '-c', `import urllib.request; urllib.request.urlopen('http://127.0.0.1:${DEFAULTS.proxyPort}/health/liveliness', timeout=5)`],
        interval: Duration.seconds(30),
        timeout: Duration.seconds(10),
        retries: 3,
        startPeriod: props.healthCheckStartPeriod ?? DEFAULTS.healthCheckStartPeriod,
      },
      logging: litellmLogDriver(this.logGroup),
      // A hard limit equal to the task's memory (Control Tower's CT.ECS.PR.7): it changes nothing on Fargate, where
      // the task's memory is the limit anyway.
      memoryLimitMiB,
      stopTimeout,
      readonlyRootFilesystem: hardened,
      user: hardened ? CONTAINER_USER : undefined,
    });
    if (hardened) {
      for (const [i, containerPath] of WRITABLE_PATHS.entries()) {
        const name = `writable${i}`;
        this.taskDefinition.addVolume({ name });
        container.addMountPoints({ sourceVolume: name, containerPath, readOnly: false });
      }
    }
    return container;
  }

  /**
   * With an IAM database user, the serving container logs in with a token (LiteLLM mints and renews it from the task
   * role) and never receives the database login; the migration keeps it.
   */
  private iamDatabase(serving: ContainerEnvironment): ContainerEnvironment {
    const db = this.props.databaseConnection;
    if (db.iamUser === undefined) {
      return serving;
    }
    validateIamDatabaseUser(db.iamUser, 'databaseConnection.iamUser');
    if (db.clusterResourceId === undefined) {
      throw new Error('databaseConnection.iamUser needs databaseConnection.clusterResourceId (the cluster\'s resource id, cluster-…) for rds-db:connect.');
    }
    grantIamDatabaseConnect(this.taskDefinition.taskRole, this, db.clusterResourceId, db.iamUser);
    const { DATABASE_USERNAME: _user, DATABASE_PASSWORD: _password, ...secrets } = serving.secrets;
    return {
      environment: {
        ...serving.environment,
        ...iamDatabaseEnvironment({ hostname: db.hostname, port: db.port ?? DEFAULTS.postgresPort, user: db.iamUser, region: Stack.of(this).region }),
      },
      secrets,
    };
  }

  private createSecurityGroup(id: string, description: string): ec2.SecurityGroup {
    return new ec2.SecurityGroup(this, id, { vpc: this.props.vpc, description, allowAllOutbound: false });
  }

  private createLoadBalancer(): elbv2.ApplicationLoadBalancer {
    const loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'LoadBalancer', {
      vpc: this.props.vpc,
      vpcSubnets: this.vpcSubnets,
      internetFacing: false,
      securityGroup: this.loadBalancerSecurityGroup,
      idleTimeout: this.idleTimeout,
      dropInvalidHeaderFields: true,
      deletionProtection: this.endpoint.deletionProtection ?? false,
    });
    if (this.endpoint.accessLogsBucket) {
      loadBalancer.logAccessLogs(this.endpoint.accessLogsBucket, 'llm-gateway');
    }
    return loadBalancer;
  }

  private createListener(): elbv2.ApplicationListener {
    const { certificate, redirectHttp } = this.endpoint;
    const listener = this.loadBalancer.addListener('Listener', {
      port: this.listenerPort,
      protocol: certificate ? elbv2.ApplicationProtocol.HTTPS : elbv2.ApplicationProtocol.HTTP,
      certificates: certificate ? [certificate] : undefined,
      sslPolicy: certificate ? elbv2.SslPolicy.RECOMMENDED_TLS : undefined,
      open: false,
    });
    if (redirectHttp) {
      this.loadBalancer.addRedirect({
        sourcePort: DEFAULTS.httpPort,
        sourceProtocol: elbv2.ApplicationProtocol.HTTP,
        targetPort: DEFAULTS.httpsPort,
        targetProtocol: elbv2.ApplicationProtocol.HTTPS,
        open: false,
      });
    }
    for (const cidr of this.allowedCidrs()) {
      if (cidr.endsWith('/0')) {
        Annotations.of(this).addWarningV2('cdk-llm-gateway:allowedFromAnywhere',
          `endpoint.allowedCidrs holds '${cidr}': every address that can route to the load balancer may call the gateway. It stays internal, but list your agents' ranges, or use connections.allowDefaultPortFrom(agents).`);
      }
      this.loadBalancerSecurityGroup.addIngressRule(ec2.Peer.ipv4(cidr), ec2.Port.tcp(this.listenerPort), 'Agents in the VPC to the gateway');
      if (redirectHttp) {
        this.loadBalancerSecurityGroup.addIngressRule(ec2.Peer.ipv4(cidr), ec2.Port.tcp(DEFAULTS.httpPort), 'Agents in the VPC to the HTTPS redirect');
      }
    }
    return listener;
  }

  /** The ranges admitted by CIDR: the VPC's, unless given; none for an imported VPC that does not know its CIDR. */
  private allowedCidrs(): string[] {
    if (this.endpoint.allowedCidrs !== undefined) {
      return this.endpoint.allowedCidrs;
    }
    try {
      return [this.props.vpc.vpcCidrBlock];
    } catch {
      Annotations.of(this).addWarningV2('cdk-llm-gateway:noVpcCidr',
        'The VPC was imported without its CIDR, so no address range may call the gateway: admit agents with agentFunction.connections.allowToDefaultPort(gateway), '
        + 'or pass endpoint.allowedCidrs (or vpcCidrBlock to Vpc.fromVpcAttributes). Pass endpoint.allowedCidrs: [] to acknowledge security-group-only access.');
      return [];
    }
  }

  private createService(): ecs.FargateService {
    const props = this.props;
    const service = new ecs.FargateService(this, 'Service', {
      cluster: this.cluster,
      taskDefinition: this.taskDefinition,
      desiredCount: props.minTasks ?? DEFAULTS.minTasks,
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      assignPublicIp: false,
      vpcSubnets: this.vpcSubnets,
      securityGroups: [this.securityGroup],
      circuitBreaker: { enable: true, rollback: true },
      enableExecuteCommand: this.execEnabled,
      healthCheckGracePeriod: props.healthCheckStartPeriod ?? DEFAULTS.healthCheckStartPeriod,
    });
    // CloudFormation completes an Aurora cluster before its writer instance exists: tasks started earlier find no
    // database. They also wait for their security group's rules (to the database and the cache).
    service.node.addDependency(securityGroupRules(this.securityGroup));
    if (props.databaseConnection.ready) {
      service.node.addDependency(props.databaseConnection.ready);
    }
    return service;
  }

  private createTargetGroup(): elbv2.ApplicationTargetGroup {
    const longest = this.longestRequestSeconds;
    const defaultDrain = Math.min(longest, DEFAULTS.maxDeregistrationDelaySeconds);
    const drain = this.endpoint.deregistrationDelay?.toSeconds();
    if (drain !== undefined && drain < defaultDrain) {
      Annotations.of(this).addWarningV2('cdk-llm-gateway:shortDeregistrationDelay',
        `endpoint.deregistrationDelay (${drain} s) is shorter than the longest request (${longest} s): ` +
        'a rolling deploy or scale-in cuts completions and streams that run longer. Leave it unset to drain for the longest request.');
    }
    return this.listener.addTargets('Proxy', {
      port: DEFAULTS.proxyPort,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targets: [this.service.loadBalancerTarget({ containerName: this.container.containerName, containerPort: DEFAULTS.proxyPort })],
      deregistrationDelay: this.endpoint.deregistrationDelay ?? Duration.seconds(defaultDrain),
      healthCheck: {
        // The proxy port itself (LiteLLM no longer has a separate health app); never /health, which needs a key and
        // calls every model.
        path: this.endpoint.healthCheckPath ?? HealthCheckPath.LIVELINESS,
        healthyHttpCodes: '200',
        interval: Duration.seconds(30),
        timeout: Duration.seconds(10),
        healthyThresholdCount: 2,
        unhealthyThresholdCount: 3,
      },
    });
  }

  private connectToDatabaseAndCache(): void {
    const { databaseConnection: database, cacheConnection: cache } = this.props;
    this.service.connections.allowTo(database.securityGroup, ec2.Port.tcp(database.port ?? DEFAULTS.postgresPort), 'LiteLLM gateway tasks to the database');
    if (cache) {
      this.service.connections.allowTo(cache.securityGroup, ec2.Port.tcp(cache.port ?? DEFAULTS.valkeyPort), 'LiteLLM gateway tasks to the shared cache');
    }
  }

  private createMigration(image: ecs.ContainerImage, shared: ContainerEnvironment): GatewayMigration {
    const props = this.props;
    const migration = new GatewayMigration(this, 'Migration', {
      cluster: this.cluster,
      image,
      subnets: props.vpc.selectSubnets(this.vpcSubnets).subnets,
      securityGroups: [this.securityGroup],
      environment: shared.environment,
      secrets: shared.secrets,
      logGroup: this.logGroup,
      timeout: props.migrationTimeout,
      vpc: props.vpc,
      logRetention: props.logRetention,
      logEncryptionKey: props.logEncryptionKey,
      hardened: this.hardened,
      iamDatabaseUser: props.databaseConnection.iamUser,
    });
    // The service rolls only after the new schema is in place.
    this.service.node.addDependency(migration.resource);
    // The migration connects at once, and LiteLLM gives up on a database that does not answer yet: it waits for
    // the writer instance and for the rules that let the tasks' security group reach it.
    migration.resource.node.addDependency(securityGroupRules(this.securityGroup));
    if (props.databaseConnection.ready) {
      migration.resource.node.addDependency(props.databaseConnection.ready);
    }
    return migration;
  }

  private createScaling(): ecs.ScalableTaskCount | undefined {
    const props = this.props;
    const minCapacity = props.minTasks ?? DEFAULTS.minTasks;
    const maxCapacity = props.maxTasks ?? DEFAULTS.maxTasks;
    if (minCapacity === maxCapacity) {
      // A fixed size: a scaling target and policy would only ever hold it.
      return undefined;
    }
    const scaling = this.service.autoScaleTaskCount({ minCapacity, maxCapacity });
    const cooldowns = {
      scaleOutCooldown: props.scaleOutCooldown ?? DEFAULTS.scaleOutCooldown,
      scaleInCooldown: props.scaleInCooldown ?? DEFAULTS.scaleInCooldown,
    };
    scaling.scaleOnCpuUtilization('CpuScaling', {
      targetUtilizationPercent: props.targetCpuUtilizationPercent ?? DEFAULTS.targetCpuUtilizationPercent,
      ...cooldowns,
    });
    if (props.targetRequestsPerTaskPerMinute !== undefined) {
      scaling.scaleOnRequestCount('RequestScaling', {
        requestsPerTarget: props.targetRequestsPerTaskPerMinute,
        targetGroup: this.targetGroup,
        ...cooldowns,
      });
    }
    return scaling;
  }

  private createDnsRecord(): route53.ARecord | undefined {
    const { domainName, hostedZone } = this.endpoint;
    if (!domainName || !hostedZone) {
      return undefined;
    }
    return new route53.ARecord(this, 'DnsRecord', {
      zone: hostedZone,
      recordName: domainName,
      target: route53.RecordTarget.fromAlias(new route53targets.LoadBalancerTarget(this.loadBalancer)),
    });
  }

  private acknowledgeFindings(bedrockStatements: iam.PolicyStatement[]): void {
    const taskPolicy = this.taskDefinition.taskRole.node.findChild('DefaultPolicy');
    acknowledgeWildcardResources(taskPolicy, bedrockStatements.flatMap((st) => st.resources).filter((r) => r.includes('bedrock:*:') || r.includes('bedrock:::')),
      'A foundation model in any Region, reachable only through the configured cross-Region inference profiles (bedrock:InferenceProfileArn condition): Bedrock routes a profile to Regions it adds over time.');
    if (this.execEnabled) {
      acknowledgeWildcardResources(taskPolicy, ['*'], 'ECS Exec needs the ssmmessages channels and logs:DescribeLogGroups on "*"; turn it off with enableExecuteCommand: false.');
      if (this.execLogGroup) {
        acknowledgeWildcardResources(taskPolicy, [logStreamsArn(this, this.execLogGroup.logGroupName)], 'ECS Exec writes session logs to streams of its own log group.');
      }
    }
    acknowledgeWildcardResources(this.taskDefinition.obtainExecutionRole().node.findChild('DefaultPolicy'), ['*'], 'ecr:GetAuthorizationToken has no resource-level permissions; AWS requires "*".');
    acknowledge(this.taskDefinition, 'AwsSolutions-ECS2', 'The environment holds no secret: ports, log level, Region, database host and name. Keys and passwords are ECS secrets.');
    acknowledge(this.loadBalancerSecurityGroup, 'AwsSolutions-EC23', 'Ingress is the VPC CIDR or endpoint.allowedCidrs on the listener port of an internal load balancer, never 0.0.0.0/0 by default.');
    if (!this.endpoint.accessLogsBucket) {
      acknowledge(this.loadBalancer, 'AwsSolutions-ELB2', 'Access logs need a bucket: pass endpoint.accessLogsBucket. Requests are also logged by LiteLLM and counted by the metric filters.');
    }
  }
}
