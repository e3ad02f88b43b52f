import { Annotations, CfnOutput, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct, IConstruct } from 'constructs';
import { CacheConnection, CacheOptions, GatewayCache } from './cache';
import { ComplianceProfile } from './compliance';
import { GatewayConfig, GatewayConfigProps } from './config';
import { DatabaseConnection, DatabaseOptions, GatewayDatabase } from './database';
import { GatewayVirtualKey, IVirtualKeyIssuer, VirtualKeyBinding, VirtualKeyOptions } from './keys';
import { VirtualKeyIssuer } from './keys/private/issuer';
import { GatewayAlarms, GatewayDashboard, GatewayMetrics, ObservabilityOptions } from './observability';
import { acknowledge } from './private/acknowledge';
import { createComplianceKey, encryptSecretsWith } from './private/compliance';
import { DEFAULTS, maxProcesses, workersPerTask } from './private/defaults';
import { namePropsOf } from './private/prop-path';
import { applyDataRemovalPolicy } from './private/removal';
import { validateGatewayProps } from './private/validate-gateway';
import { GatewaySecrets, GatewaySecretsProps } from './secrets';
import { GatewayEndpointOptions, GatewayService, GatewayServiceOptions } from './service';

/** Properties of `LlmGateway`: the config's props (models, routing, timeouts), and one group per part. */
export interface LlmGatewayProps extends GatewayConfigProps {
  /** The VPC: private subnets with egress in two or more Availability Zones. */
  readonly vpc: ec2.IVpc;
  /**
   * Where the tasks, the load balancer, the database and the cache run.
   *
   * @default - the VPC's private subnets with egress
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /**
   * The LiteLLM tasks: image, size, processes, scaling, logs and migrations.
   *
   * @default - 1 vCPU and 2 GiB per task, 2 workers, 1 to 4 tasks at 70% CPU, the pinned LiteLLM release
   */
  readonly service?: GatewayServiceOptions;
  /**
   * The internal load balancer agents call: who may call it, TLS and DNS, timeouts.
   *
   * @default - HTTP on port 80 from the VPC's CIDR, timeouts that follow the longest request
   */
  readonly endpoint?: GatewayEndpointOptions;
  /**
   * The admin key, salt key and UI login, when you bring your own.
   *
   * @default - generated in Secrets Manager
   */
  readonly secrets?: GatewaySecretsProps;
  /**
   * Options of the Aurora Serverless v2 database the gateway creates.
   *
   * @default - 0.5–1 ACU, no readers, 7 days of backups, deletion protection off, snapshot on removal
   */
  readonly database?: DatabaseOptions;
  /**
   * An existing PostgreSQL database instead of a new one (not together with `database`).
   *
   * @default - a new Aurora Serverless v2 cluster
   */
  readonly existingDatabase?: DatabaseConnection;
  /**
   * The shared cache that makes limits hold across tasks and workers.
   *
   * @default - a new ElastiCache Serverless (Valkey) when more than one LiteLLM process can run
   */
  readonly cache?: CacheOptions;
  /**
   * An existing Redis-compatible cache in the gateway's VPC instead of a new ElastiCache Serverless (Valkey).
   *
   * @default - a new cache when the cache is on
   */
  readonly existingCache?: CacheConnection;
  /**
   * Metrics, dashboard and alarms.
   *
   * @default - metrics in the `LlmGateway` namespace, a dashboard, and alarms to a topic the gateway creates
   */
  readonly observability?: ObservabilityOptions;
  /**
   * Controls that cost money or change operations, as one switch: `ComplianceProfile.CONTROL_TOWER` passes AWS
   * Control Tower's proactive controls on the gateway's resources (see the README's "Governed accounts" for what it
   * turns on and costs). Input that would fail one of its controls fails at synth, naming the prop.
   *
   * @default ComplianceProfile.DEFAULT
   */
  readonly compliance?: ComplianceProfile;
  /**
   * What happens to the gateway's data when it leaves the stack: its log groups, the database and the salt key.
   * `RemovalPolicy.DESTROY` makes a development gateway that `cdk destroy` removes entirely (the database without a
   * final snapshot); see the README's "Clean-up" for what AWS itself creates and keeps.
   *
   * @default - kept: log groups are retained, the database leaves a snapshot, the salt key is retained
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * A LiteLLM gateway between LLM agents and Amazon Bedrock: one OpenAI-compatible endpoint (`…/v1`) with model
 * aliases, routing, fallback, rate limits and spend per virtual key, on ECS Fargate behind an internal load balancer.
 *
 * @example
 * import { Stack } from 'aws-cdk-lib';
 * import * as ec2 from 'aws-cdk-lib/aws-ec2';
 * import { LlmGateway } from 'cdk-llm-gateway';
 *
 * declare const stack: Stack;
 * declare const vpc: ec2.IVpc;
 * declare const agentSecurityGroup: ec2.ISecurityGroup;
 *
 * const gateway = new LlmGateway(stack, 'Gateway', { vpc });
 * gateway.connections.allowDefaultPortFrom(agentSecurityGroup);
 */
export class LlmGateway extends Construct implements ec2.IConnectable, IVirtualKeyIssuer {
  /** The typed LiteLLM configuration, defaults applied. */
  public readonly config: GatewayConfig;
  /** The rendered `litellm_config.yaml`. */
  public readonly renderedConfig: string;
  /** The admin key, salt key and UI login. */
  public readonly secrets: GatewaySecrets;
  /** The service, load balancer and scaling. */
  public readonly gatewayService: GatewayService;
  /** The shared cache the gateway created, if any. */
  public readonly cache?: GatewayCache;
  /** How the tasks reach the shared cache, if on. */
  public readonly cacheConnection?: CacheConnection;
  /** How the tasks reach the database. */
  public readonly databaseConnection: DatabaseConnection;
  /** The base URL of the OpenAI-compatible API, ending in `/v1`. */
  public readonly endpointUrl: string;
  /** The URL of LiteLLM's admin UI, unless `service.adminUi` is off. */
  public readonly adminUiUrl?: string;
  /** The customer managed key of the log groups, secrets and the alarm topic, with `ComplianceProfile.CONTROL_TOWER`. */
  public readonly complianceKey?: kms.Key;
  /** Network access to the gateway: `agentFunction.connections.allowToDefaultPort(gateway)`. */
  public readonly connections: ec2.Connections;
  /** The metric filters and metric factory, unless the config's metrics callback is off. */
  public readonly metrics?: GatewayMetrics;
  /** The dashboard, unless turned off. */
  public readonly dashboard?: GatewayDashboard;
  /** The alarms, unless turned off. */
  public readonly alarms?: GatewayAlarms;
  /** The alarm topic the gateway created (none when `observability.alarmOptions.alarmTopic` is given or alarms are off). */
  public readonly alarmTopic?: sns.ITopic;

  private readonly _database?: GatewayDatabase;
  private readonly keyIssuer: VirtualKeyIssuer;
  /** The retention and key of the gateway's log groups, for those of the key handler. */
  private logRetention?: logs.RetentionDays;
  private logEncryptionKey?: kms.IKey;

  constructor(scope: Construct, id: string, props: LlmGatewayProps) {
    super(scope, id);
    const compliance = props.compliance ?? ComplianceProfile.DEFAULT;
    validateGatewayProps(props, compliance);
    this.complianceKey = compliance === ComplianceProfile.CONTROL_TOWER ? createComplianceKey(this) : undefined;

    const cacheOn = props.cache?.enabled ?? (props.existingCache !== undefined || maxProcesses(props.service) > 1);
    this.config = new GatewayConfig(props, {
      defaultRegion: Stack.of(this).region,
      cache: cacheOn
        // A cache of the gateway's own always has a password; one of the user's, when it has a password secret.
        ? { port: props.existingCache?.port ?? DEFAULTS.valkeyPort, password: props.existingCache?.password !== undefined || !props.existingCache }
        : undefined,
    });
    this.renderedConfig = this.config.renderYaml();
    for (const warning of this.config.warnings) {
      Annotations.of(this).addWarningV2(warning.id, warning.message);
    }

    this.secrets = new GatewaySecrets(this, 'Secrets', props.secrets);
    if (props.existingDatabase) {
      this.databaseConnection = props.existingDatabase;
    } else {
      this._database = this.createDatabase(props);
      this.databaseConnection = this._database.connection;
    }
    if (props.existingCache) {
      this.cacheConnection = props.existingCache;
    } else if (cacheOn) {
      this.cache = new GatewayCache(this, 'Cache', { vpc: props.vpc, vpcSubnets: props.vpcSubnets });
      this.cacheConnection = this.cache.connection;
    }
    this.gatewayService = this.createService(props);
    this.connections = this.gatewayService.connections;
    this.endpointUrl = this.gatewayService.endpointUrl;
    this.adminUiUrl = this.gatewayService.adminUiUrl;
    this.warnAboutPerProcessLimits(props.service);

    // Observability is its own sub-tree: it can be turned off (or built in another stack from the same parts)
    // without touching the service.
    const observability = props.observability ?? {};
    this.metrics = this.createMetrics(observability);
    this.dashboard = this.createDashboard(observability);
    if (observability.alarms ?? this.metrics !== undefined) {
      // An alarm without an action tells no one (and AWS Control Tower refuses it): the gateway's own topic, to
      // which operators subscribe, unless one is given.
      this.alarmTopic = observability.alarmOptions?.alarmTopic ? undefined : this.createAlarmTopic();
      this.alarms = this.createAlarms(observability, observability.alarmOptions?.alarmTopic ?? this.alarmTopic!);
    }

    if (this.complianceKey) {
      this.encryptWithComplianceKey(this.complianceKey);
    }
    if (props.removalPolicy !== undefined) {
      applyDataRemovalPolicy(this, props.removalPolicy, props.database?.removalPolicy);
    }
    this.keyIssuer = new VirtualKeyIssuer({
      gateway: this,
      modelAliases: this.config.aliases,
      providerProps: () => ({
        vpc: props.vpc,
        vpcSubnets: props.vpcSubnets,
        gateway: this,
        gatewayUrl: this.gatewayService.baseUrl,
        masterKey: this.masterKey,
        secretsKey: this.complianceKey,
        logRetention: this.logRetention,
        logEncryptionKey: this.logEncryptionKey,
        // The URL names the DNS record when there is one: a key must not resolve it before it exists.
        dependsOn: [this.service, this.listener, ...(this.gatewayService.dnsRecord ? [this.gatewayService.dnsRecord] : [])],
        // Keys live in the database: a new one (replaced, restored) must trigger an Update that re-creates them.
        databaseIdentity: this._database
          ? this._database.cluster.clusterResourceIdentifier
          : `${this.databaseConnection.hostname}:${this.databaseConnection.port ?? DEFAULTS.postgresPort}/${this.databaseConnection.databaseName ?? DEFAULTS.databaseName}`,
      }),
    });
    new CfnOutput(this, 'EndpointUrl', {
      description: 'OpenAI-compatible base URL of the LLM gateway (reachable inside the VPC)',
      value: this.endpointUrl,
    });
    new CfnOutput(this, 'AdminKeySecretArn', {
      description: 'Secrets Manager ARN of the gateway admin key',
      value: this.secrets.masterKey.secretArn,
    });
  }

  /** The Aurora database; throws when the gateway uses `existingDatabase`. */
  public get database(): GatewayDatabase {
    if (!this._database) {
      throw new Error('This gateway uses an existing database (existingDatabase); it has no GatewayDatabase.');
    }
    return this._database;
  }

  /** The ECS cluster. */
  public get cluster(): ecs.ICluster {
    return this.gatewayService.cluster;
  }

  /** The Fargate service. */
  public get service(): ecs.FargateService {
    return this.gatewayService.service;
  }

  /** The task definition. */
  public get taskDefinition(): ecs.FargateTaskDefinition {
    return this.gatewayService.taskDefinition;
  }

  /** The internal load balancer. */
  public get loadBalancer(): elbv2.ApplicationLoadBalancer {
    return this.gatewayService.loadBalancer;
  }

  /** The listener agents call. */
  public get listener(): elbv2.ApplicationListener {
    return this.gatewayService.listener;
  }

  /** The container's log group, which the metric filters read. */
  public get logGroup(): logs.ILogGroup {
    return this.gatewayService.logGroup;
  }

  /** The admin (master) key secret. */
  public get masterKey(): secretsmanager.ISecret {
    return this.secrets.masterKey;
  }

  /** The gateway's model aliases: what a virtual key's `models` may name. */
  public get modelAliases(): string[] {
    return this.config.aliases;
  }

  /**
   * Creates the key handler in this stack now. Call it when agents declare keys in their own stacks
   * (`new GatewayVirtualKey(agentStack, 'Key', { gateway })`): adding or removing an agent's stack then never changes
   * this one. `addVirtualKey` and a key in this stack create it otherwise.
   */
  public enableVirtualKeys(): void {
    this.keyIssuer.enable();
  }

  /** Registers a key declared with `new GatewayVirtualKey(scope, id, { gateway: this })`; see `IVirtualKeyIssuer`. */
  public bindVirtualKey(key: IConstruct, keyAlias: string): VirtualKeyBinding {
    return this.keyIssuer.bind(key, keyAlias);
  }

  /**
   * A LiteLLM virtual key for one agent, managed with the stack: its limits and budget are enforced by LiteLLM and
   * its spend is tracked under its alias. The key value is only in `key.secret`; grant the agent read access with
   * `key.grantRead(agent)`. For an agent in a stack of its own, declare the key there:
   * `new GatewayVirtualKey(agentStack, 'Key', { gateway, … })`.
   */
  public addVirtualKey(id: string, options: VirtualKeyOptions = {}): GatewayVirtualKey {
    // Under the handler, so keys made this way keep their logical ids.
    return new GatewayVirtualKey(this.keyIssuer.enable(), id, { ...options, gateway: this });
  }

  private createDatabase(props: LlmGatewayProps): GatewayDatabase {
    const governed = this.complianceKey !== undefined;
    namePropsOf(this, 'Database', 'database.');
    return new GatewayDatabase(this, 'Database', {
      ...props.database,
      ...(governed ? {
        deletionProtection: true,
        monitoringInterval: props.database?.monitoringInterval ?? Duration.seconds(60),
      } : {}),
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets,
    });
  }

  private createService(props: LlmGatewayProps): GatewayService {
    const service = props.service ?? {};
    const endpoint = props.endpoint ?? {};
    const governed = this.complianceKey !== undefined;
    namePropsOf(this, 'Service', 'service.');
    this.logRetention = governed ? service.logRetention ?? logs.RetentionDays.ONE_YEAR : service.logRetention;
    this.logEncryptionKey = governed ? service.logEncryptionKey ?? this.complianceKey : service.logEncryptionKey;
    return new GatewayService(this, 'Service', {
      ...service,
      logRetention: this.logRetention,
      logEncryptionKey: this.logEncryptionKey,
      ...(governed ? { hardenedContainer: service.hardenedContainer ?? true } : {}),
      endpoint: governed ? { ...endpoint, deletionProtection: true, redirectHttp: true } : endpoint,
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets,
      config: this.config,
      masterKey: this.secrets.masterKey,
      saltKey: this.secrets.saltKey,
      uiCredentials: this.secrets.uiCredentials,
      databaseConnection: this.databaseConnection,
      cacheConnection: this.cacheConnection,
    });
  }

  private createMetrics(observability: ObservabilityOptions): GatewayMetrics | undefined {
    if (!this.config.reportsMetrics) {
      // No callback, no lines: filters would publish nothing.
      return undefined;
    }
    return new GatewayMetrics(this, 'Metrics', {
      logGroup: this.logGroup,
      models: this.config.bedrockModels.map((m) => m.modelId),
      namespace: observability.namespace,
      agentDimension: observability.agentDimension,
    });
  }

  private createDashboard(observability: ObservabilityOptions): GatewayDashboard | undefined {
    if (!(observability.dashboard ?? this.metrics !== undefined)) {
      return undefined;
    }
    return new GatewayDashboard(this, 'Dashboard', {
      metrics: this.metrics!,
      logGroup: this.logGroup,
      service: this.service,
      loadBalancer: this.loadBalancer,
      dashboardName: observability.dashboardName,
    });
  }

  private createAlarms(observability: ObservabilityOptions, alarmTopic: sns.ITopic): GatewayAlarms {
    return new GatewayAlarms(this, 'Alarms', {
      ...observability.alarmOptions,
      alarmTopic,
      metrics: this.metrics!,
      service: this.service,
      loadBalancer: this.loadBalancer,
      targetGroup: this.gatewayService.targetGroup,
    });
  }

  private createAlarmTopic(): sns.ITopic {
    const topic = new sns.Topic(this, 'AlarmTopic', { displayName: 'LiteLLM gateway alarms', enforceSSL: true, masterKey: this.complianceKey });
    if (!this.complianceKey) {
      acknowledge(topic, 'AwsSolutions-SNS2',
        'CloudWatch alarms cannot publish to a topic encrypted with the AWS managed key; a customer managed key comes with compliance: ComplianceProfile.CONTROL_TOWER.');
    }
    return topic;
  }

  private encryptWithComplianceKey(key: kms.Key): void {
    // The gateway's own secrets (admin, salt and UI keys, the database login, the cache passwords) use the
    // compliance key too. They are read by the tasks' execution roles (ECS injects them), the key handler, and
    // CloudFormation's dynamic references (the deploying role, which the key's default policy lets IAM allow).
    encryptSecretsWith(this, key);
    key.grantDecrypt(this.taskDefinition.obtainExecutionRole());
    if (this.gatewayService.migrationTaskDefinition) {
      key.grantDecrypt(this.gatewayService.migrationTaskDefinition.obtainExecutionRole());
    }
  }

  private warnAboutPerProcessLimits(service: GatewayServiceOptions = {}): void {
    const processes = maxProcesses(service);
    if (processes > 1 && this.config.hasRateLimits && !this.config.usesCache) {
      Annotations.of(this).addWarningV2('cdk-llm-gateway:perProcessRateLimits',
        `rpm/tpm limits and router cooldowns are counted in each LiteLLM worker's memory: with up to ${service.maxTasks ?? DEFAULTS.maxTasks} tasks × ${workersPerTask(service)} workers, ` +
        `the effective limits can reach ${processes}× the configured ones. Turn cache.enabled on, keep service.maxTasks × service.workersPerTask at 1, or lower the limits (README, "Correct at scale").`);
    }
  }
}
