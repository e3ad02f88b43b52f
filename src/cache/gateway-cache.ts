import { Names, RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { acknowledge } from '../private/acknowledge';
import { DEFAULTS } from '../private/defaults';
import { validateSubnets } from '../private/subnets';

/**
 * How the gateway reaches its Redis-compatible cache. `GatewayCache` provides one; pass your own to share an
 * existing cache.
 */
export interface CacheConnection {
  /** The cache endpoint's host name. */
  readonly hostname: string;
  /**
   * The port.
   *
   * @default 6379
   */
  readonly port?: number;
  /** The VPC the cache is in: the gateway's VPC. */
  readonly vpc: ec2.IVpc;
  /** The cache's security group; the gateway's tasks are allowed in on `port`. */
  readonly securityGroup: ec2.ISecurityGroup;
  /**
   * A secret whose whole value is the password (auth token) of `username`.
   *
   * @default - no AUTH (the cache admits by security group only)
   */
  readonly password?: secretsmanager.ISecret;
  /**
   * The cache user (Redis ACL / ElastiCache RBAC user name).
   *
   * @default - the default user
   */
  readonly username?: string;
  /**
   * Connect with TLS.
   *
   * @default true
   */
  readonly tls?: boolean;
  /**
   * Whether the cache runs in cluster mode (ElastiCache Serverless always does; a replication group with cluster mode
   * enabled does). LiteLLM then uses a cluster client, started from `hostname` (REDIS_CLUSTER_NODES): a plain client
   * is redirected (MOVED) for keys on other shards and its multi-key commands fail with CROSSSLOT.
   *
   * @default false
   */
  readonly clusterMode?: boolean;
}

/** The shared cache of a gateway. `LlmGateway` takes them as `cache`. */
export interface CacheOptions {
  /**
   * Keep LiteLLM's router state (rpm/tpm counters, cooldowns) and virtual-key limits in a shared Valkey, so that
   * limits hold across every task and worker. About 6 USD a month for an idle ElastiCache Serverless cache.
   *
   * @default - on when the service can run more than one LiteLLM process (service.maxTasks × service.workersPerTask > 1), or with existingCache
   */
  readonly enabled?: boolean;
}

/** Properties of `GatewayCache`. */
export interface GatewayCacheProps {
  /** The VPC. */
  readonly vpc: ec2.IVpc;
  /**
   * Where the cache's endpoints go (two or three subnets are used).
   *
   * @default - the VPC's private subnets with egress
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
}

const VALKEY_PORT = DEFAULTS.valkeyPort;
const USER_NAME = 'litellm';

/**
 * ElastiCache Serverless (Valkey) for LiteLLM's shared router state: rate-limit counters and cooldowns that hold
 * across every task and worker. Encrypted in transit (TLS) and at rest, in private subnets, reachable only
 * through `connections`, with its own user whose password is generated into Secrets Manager. The user group's
 * `default` user is off and has a generated password of its own: a Valkey user group admits only users with password
 * or IAM authentication, and must contain a user named `default`.
 */
export class GatewayCache extends Construct implements ec2.IConnectable {
  /** The serverless cache. */
  public readonly cache: elasticache.CfnServerlessCache;
  /** The cache's security group. */
  public readonly securityGroup: ec2.SecurityGroup;
  /** The password of the gateway's cache user. */
  public readonly password: secretsmanager.Secret;
  /** Network access to the cache. */
  public readonly connections: ec2.Connections;
  private readonly vpc: ec2.IVpc;

  constructor(scope: Construct, id: string, props: GatewayCacheProps) {
    super(scope, id);
    validateSubnets(props.vpc, props.vpcSubnets);
    this.vpc = props.vpc;
    // Cache, user and user-group names are account- and Region-wide: derived from the construct path, so two
    // gateways never collide, and stable, so an update never replaces the cache.
    const name = `llmgw-${Names.uniqueResourceName(this, { maxLength: 24, separator: '-' }).toLowerCase().replace(/[^a-z0-9-]/g, '')}`;

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'LiteLLM gateway shared state: Valkey from the gateway tasks only',
      allowAllOutbound: false,
    });
    this.connections = new ec2.Connections({ securityGroups: [this.securityGroup], defaultPort: ec2.Port.tcp(VALKEY_PORT) });

    this.password = new secretsmanager.Secret(this, 'Password', {
      description: 'LiteLLM gateway: password of the Valkey user litellm',
      generateSecretString: { passwordLength: 32, excludePunctuation: true, includeSpace: false },
    });
    acknowledge(this.password, 'AwsSolutions-SMG4', 'ECS reads the cache password when a task starts, and the ElastiCache user holds it: rotate both together by redeploying.');

    // ElastiCache requires a user named `default` in every user group, and a group of engine valkey admits only users
    // that authenticate with a password or IAM (ElastiCache user guide, "Role-Based Access Control (RBAC)";
    // AWS::ElastiCache::UserGroup UserIds: "A user named default must be included"). So the default user is a user
    // of its own (its own user id, the name `default`) with a generated password that nothing reads, and switched
    // off: it can neither log in nor run a command.
    const defaultPassword = new secretsmanager.Secret(this, 'DefaultUserPassword', {
      description: 'LiteLLM gateway: password of the Valkey user default, which is off (no client uses it)',
      generateSecretString: { passwordLength: 32, excludePunctuation: true, includeSpace: false },
    });
    acknowledge(defaultPassword, 'AwsSolutions-SMG4', 'The default cache user is off: its password opens nothing, and ElastiCache only requires that it has one.');
    const disabledDefault = new elasticache.CfnUser(this, 'DefaultUser', {
      engine: 'valkey',
      userId: `${name}-default`,
      userName: 'default',
      accessString: 'off -@all',
      // A CloudFormation dynamic reference: resolved at deploy time, never in the template.
      authenticationMode: { Type: 'password', Passwords: [defaultPassword.secretValue.unsafeUnwrap()] },
    });
    const gatewayUser = new elasticache.CfnUser(this, 'GatewayUser', {
      engine: 'valkey',
      userId: `${name}-litellm`,
      userName: USER_NAME,
      accessString: 'on ~* &* +@all',
      // A CloudFormation dynamic reference: resolved at deploy time, never in the template.
      authenticationMode: { Type: 'password', Passwords: [this.password.secretValue.unsafeUnwrap()] },
    });
    const userGroup = new elasticache.CfnUserGroup(this, 'UserGroup', {
      engine: 'valkey',
      userGroupId: name,
      userIds: [disabledDefault.ref, gatewayUser.ref],
    });

    const subnets = props.vpc.selectSubnets(props.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS });
    this.cache = new elasticache.CfnServerlessCache(this, 'Cache', {
      engine: 'valkey',
      majorEngineVersion: '8',
      serverlessCacheName: name,
      description: 'LiteLLM gateway shared router state',
      subnetIds: subnets.subnetIds.slice(0, 3),
      securityGroupIds: [this.securityGroup.securityGroupId],
      userGroupId: userGroup.ref,
      // Counters and cooldowns are a few kilobytes; the cap bounds the cost of a runaway key space.
      cacheUsageLimits: { dataStorage: { maximum: 1, unit: 'GB' } },
    });
    // Only counters and cooldowns live here: nothing to keep when the gateway goes.
    this.cache.applyRemovalPolicy(RemovalPolicy.DESTROY);
  }

  /** How the gateway reaches this cache. */
  public get connection(): CacheConnection {
    return {
      hostname: this.cache.attrEndpointAddress,
      port: VALKEY_PORT,
      vpc: this.vpc,
      securityGroup: this.securityGroup,
      password: this.password,
      username: USER_NAME,
      tls: true,
      // ElastiCache Serverless is cluster-mode only.
      clusterMode: true,
    };
  }
}
