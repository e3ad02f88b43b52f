import { Annotations, CfnOutput, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { GatewayConfig, GatewayConfigProps } from './config';
import { DatabaseConnection, DatabaseOptions, GatewayDatabase } from './database';
import { GatewaySecrets, GatewaySecretsProps } from './secrets';
import { GatewayService, GatewayServiceOptions } from './service';
import { validateDatabaseOptions } from './database/private/validate';
import { validateServiceOptions } from './service/private/validate';

/** Properties of `LlmGateway`. */
export interface LlmGatewayProps extends GatewayConfigProps, GatewayServiceOptions, GatewaySecretsProps {
  /** The VPC: private subnets with egress in two or more Availability Zones. */
  readonly vpc: ec2.IVpc;
  /**
   * Options of the Aurora Serverless v2 database the gateway creates.
   *
   * @default - 0.5–1 ACU, no readers, deletion protection off, snapshot on removal
   */
  readonly database?: DatabaseOptions;
  /**
   * An existing PostgreSQL database instead of a new one (not together with `database`).
   *
   * @default - a new Aurora Serverless v2 cluster
   */
  readonly existingDatabase?: DatabaseConnection;
}

/**
 * A LiteLLM gateway between LLM agents and Amazon Bedrock: one OpenAI-compatible endpoint (`…/v1`) with model
 * aliases, routing, fallback, rate limits and spend per virtual key, on ECS Fargate behind an internal load balancer.
 *
 * @example
 * const gateway = new LlmGateway(this, 'Gateway', { vpc });
 * gateway.connections.allowDefaultPortFrom(agentSecurityGroup);
 */
export class LlmGateway extends Construct implements ec2.IConnectable {
  /** The typed LiteLLM configuration, defaults applied. */
  public readonly config: GatewayConfig;
  /** The rendered `litellm_config.yaml`. */
  public readonly renderedConfig: string;
  /** The admin key, salt key and UI login. */
  public readonly secrets: GatewaySecrets;
  /** The service, load balancer and scaling. */
  public readonly gatewayService: GatewayService;
  /** How the tasks reach the database. */
  public readonly databaseConnection: DatabaseConnection;
  /** The base URL of the OpenAI-compatible API, ending in `/v1`. */
  public readonly endpointUrl: string;
  /** Network access to the gateway: `connections.allowDefaultPortFrom(agents)`. */
  public readonly connections: ec2.Connections;

  private readonly _database?: GatewayDatabase;

  constructor(scope: Construct, id: string, props: LlmGatewayProps) {
    super(scope, id);
    if (props.existingDatabase && props.database) {
      throw new Error('existingDatabase and database are both set: database configures a new cluster, so drop it when you bring your own.');
    }
    this.config = new GatewayConfig(props, { defaultRegion: Stack.of(this).region });
    // Checked before anything is created, so the first error names the prop rather than a child's symptom.
    validateServiceOptions(props, this.config);
    validateDatabaseOptions(props.database ?? {}, 'database.');
    this.renderedConfig = this.config.renderYaml();
    for (const warning of this.config.warnings) {
      Annotations.of(this).addWarningV2(warning.id, warning.message);
    }

    this.secrets = new GatewaySecrets(this, 'Secrets', props);

    if (props.existingDatabase) {
      this.databaseConnection = props.existingDatabase;
    } else {
      this._database = new GatewayDatabase(this, 'Database', {
        ...props.database,
        vpc: props.vpc,
        vpcSubnets: props.vpcSubnets,
      });
      this.databaseConnection = this._database.connection;
    }

    this.gatewayService = new GatewayService(this, 'Service', {
      ...props,
      config: this.config,
      masterKey: this.secrets.masterKey,
      saltKey: this.secrets.saltKey,
      uiCredentials: this.secrets.uiCredentials,
      database: this.databaseConnection,
    });
    this.connections = this.gatewayService.connections;
    this.endpointUrl = this.gatewayService.endpointUrl;

    this.warnAboutPerProcessState(props);

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

  private warnAboutPerProcessState(props: LlmGatewayProps): void {
    const processes = (props.maxCapacity ?? 4) * (props.workers ?? 2);
    if (processes > 1 && this.config.hasRateLimits) {
      Annotations.of(this).addWarningV2('cdk-llm-gateway:perProcessRateLimits',
        `rpm/tpm limits and router cooldowns are counted in each LiteLLM worker's memory: with up to ${props.maxCapacity ?? 4} tasks × ${props.workers ?? 2} workers, ` +
        `the effective limits can reach ${processes}× the configured ones. Keep maxCapacity × workers at 1, or lower the limits accordingly (see the README, "Rate limits at scale").`);
    }
  }
}
