import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct, DependencyGroup, IDependable } from 'constructs';
import { DEFAULT_IAM_DATABASE_USER } from './private/iam-database-auth';
import { validateDatabaseOptions } from './private/validate';
import { acknowledge, acknowledgeFinding } from '../private/acknowledge';
import { DEFAULTS } from '../private/defaults';
import { securityGroupRules } from '../private/dependencies';
import { propPrefix } from '../private/prop-path';
import { DEFAULT_AURORA_POSTGRES_VERSION } from '../private/retired-versions';
import { validateSubnets } from '../private/subnets';

/**
 * How the gateway reaches its PostgreSQL database. `GatewayDatabase` provides one; pass your own to use an existing
 * database.
 */
export interface DatabaseConnection {
  /** The writer endpoint's host name. */
  readonly hostname: string;
  /**
   * The port.
   *
   * @default 5432
   */
  readonly port?: number;
  /** A JSON secret with `username` and `password` fields (the format RDS generates). */
  readonly secret: secretsmanager.ISecret;
  /**
   * The database (schema owner) LiteLLM uses.
   *
   * @default 'litellm'
   */
  readonly databaseName?: string;
  /** The database's security group; the gateway's tasks are allowed in on `port`. */
  readonly securityGroup: ec2.ISecurityGroup;
  /**
   * What must be created before the database answers: the gateway's service and its one-off migration wait for it.
   * For an Aurora cluster in the same app, its writer instance — CloudFormation finishes a cluster before any of
   * its instances exists.
   *
   * @default - nothing to wait for: the database already answers
   */
  readonly ready?: IDependable;
  /**
   * The PostgreSQL role the serving tasks log in as with a short-lived IAM token instead of the password in
   * `secret` (IAM database authentication; the database must allow it). The one-off migration creates the role and
   * grants it LiteLLM's tables, logged in with `secret`, which keeps owning the schema. Needs `clusterResourceId`.
   *
   * @default - the serving tasks log in with `secret`
   */
  readonly iamUser?: string;
  /**
   * The cluster's resource id (`cluster-…`), which `rds-db:connect` names.
   *
   * @default - none: needed with `iamUser`
   */
  readonly clusterResourceId?: string;
}

/** Options of the database the gateway creates. */
export interface DatabaseOptions {
  /**
   * Minimum Aurora capacity units.
   *
   * @default 0.5
   */
  readonly minCapacity?: number;
  /**
   * Maximum Aurora capacity units.
   *
   * @default 1
   */
  readonly maxCapacity?: number;
  /**
   * Number of Serverless v2 readers beside the writer (each in a different AZ where possible).
   *
   * @default 0
   */
  readonly readers?: number;
  /**
   * Deletion protection on the cluster.
   *
   * @default false (the reference's dev setting; turn it on for production)
   */
  readonly deletionProtection?: boolean;
  /**
   * Interval of RDS enhanced monitoring (operating-system metrics of each instance, in CloudWatch Logs), with a
   * monitoring role the construct creates.
   *
   * @default - no enhanced monitoring
   */
  readonly monitoringInterval?: Duration;
  /**
   * What happens to the cluster when it leaves the stack.
   *
   * @default RemovalPolicy.SNAPSHOT
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * The serving tasks log in with IAM database authentication (a token minted from the task role, renewed every
   * 12 minutes) as their own PostgreSQL role, and never receive the database password; only the one-off migration
   * does. Free.
   *
   * @default false
   */
  readonly iamAuthentication?: boolean;
  /**
   * How long Aurora keeps automated backups, for a point-in-time restore (1 to 35 days). Backup storage up to the
   * cluster's size is free.
   *
   * @default Duration.days(7)
   */
  readonly backupRetention?: Duration;
  /**
   * The Aurora PostgreSQL version (major 16 is tested). A version AWS has retired fails at synth: RDS would refuse
   * to create the cluster. When a new release of this library moves the default, an existing cluster is upgraded
   * in place to it (a minor upgrade, with a short interruption); set this to stay where you are.
   *
   * @default rds.AuroraPostgresEngineVersion.VER_16_8 (the long-term-support minor of Aurora PostgreSQL 16)
   */
  readonly engineVersion?: rds.AuroraPostgresEngineVersion;
  /**
   * The database name.
   *
   * @default 'litellm'
   */
  readonly databaseName?: string;
}

/** Properties of `GatewayDatabase`. */
export interface GatewayDatabaseProps extends DatabaseOptions {
  /** The VPC. */
  readonly vpc: ec2.IVpc;
  /**
   * Where the cluster's instances go.
   *
   * @default - the VPC's private subnets with egress
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
}

const POSTGRES_PORT = DEFAULTS.postgresPort;

/**
 * Aurora Serverless v2 PostgreSQL for LiteLLM's keys, teams and spend logs: encrypted, in private subnets, with
 * generated credentials in Secrets Manager and a security group that admits only what `connections` allows.
 */
export class GatewayDatabase extends Construct implements ec2.IConnectable {
  /** The Aurora cluster. */
  public readonly cluster: rds.DatabaseCluster;
  /** The generated credentials (`username`, `password`, `host`, `port` …). */
  public readonly secret: secretsmanager.ISecret;
  /** The cluster's security group. */
  public readonly securityGroup: ec2.SecurityGroup;
  /** Network access to the cluster. */
  public readonly connections: ec2.Connections;
  /** The database name. */
  public readonly databaseName: string;
  /**
   * Created once the database answers: the cluster, its writer instance and the rules of its security group.
   * CloudFormation completes an Aurora cluster before any of its instances exists, so whatever connects must wait
   * for the writer.
   */
  public readonly ready: IDependable;
  private readonly iamAuthentication: boolean;

  constructor(scope: Construct, id: string, props: GatewayDatabaseProps) {
    super(scope, id);
    validateDatabaseOptions(props, propPrefix(scope, id));
    validateSubnets(props.vpc, props.vpcSubnets);
    const vpcSubnets = props.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };
    this.iamAuthentication = props.iamAuthentication ?? false;
    this.databaseName = props.databaseName ?? DEFAULTS.databaseName;
    const version = props.engineVersion ?? DEFAULT_AURORA_POSTGRES_VERSION;

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'LiteLLM gateway database: PostgreSQL from the gateway tasks only',
      allowAllOutbound: false,
    });

    const readers = Array.from({ length: props.readers ?? DEFAULTS.databaseReaders }, (_, i) =>
      rds.ClusterInstance.serverlessV2(`Reader${i + 1}`, { scaleWithWriter: true }));

    this.cluster = new rds.DatabaseCluster(this, 'Cluster', {
      engine: rds.DatabaseClusterEngine.auroraPostgres({
        version,
      }),
      vpc: props.vpc,
      vpcSubnets,
      securityGroups: [this.securityGroup],
      writer: rds.ClusterInstance.serverlessV2('Writer'),
      readers,
      serverlessV2MinCapacity: props.minCapacity ?? DEFAULTS.databaseMinCapacity,
      serverlessV2MaxCapacity: props.maxCapacity ?? DEFAULTS.databaseMaxCapacity,
      backup: { retention: props.backupRetention ?? DEFAULTS.databaseBackupRetention },
      credentials: rds.Credentials.fromGeneratedSecret(DEFAULTS.databaseUser),
      defaultDatabaseName: this.databaseName,
      storageEncrypted: true,
      deletionProtection: props.deletionProtection ?? false,
      monitoringInterval: props.monitoringInterval,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.SNAPSHOT,
      port: POSTGRES_PORT,
      // PostgreSQL's own log in CloudWatch Logs (RDS creates /aws/rds/cluster/<id>/postgresql, kept until deleted):
      // at the default parameters it holds errors, connection failures and checkpoints only, a few MB a month.
      cloudwatchLogsExports: ['postgresql'],
      // Allows IAM database tokens besides the password login (which LiteLLM and its migration keep using); enabling
      // it costs nothing and changes no existing login.
      iamAuthentication: true,
    });
    this.secret = this.cluster.secret!;
    this.connections = this.cluster.connections;
    // The writer is the cluster's child 'Writer' (aws-rds names it after the writer's id); readers need not be up.
    // The security group's rules (added later, for the tasks) are part of answering too.
    this.ready = new DependencyGroup(this.cluster.node.defaultChild!, this.cluster.node.findChild('Writer'), securityGroupRules(this.securityGroup));

    acknowledge(this.cluster, 'AwsSolutions-SMG4', 'ECS injects the password when a task starts; a scheduled rotation would break running tasks until they restart.');
    if (props.monitoringInterval) {
      acknowledgeFinding(this, 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole]',
        'The managed policy AWS provides for RDS enhanced monitoring: it writes the instances\' OS metrics to the RDSOSMetrics log group only.');
    }
    if (!(props.deletionProtection ?? false)) {
      acknowledge(this.cluster, 'AwsSolutions-RDS10', 'Deletion protection is the deletionProtection prop, off by default like the reference (dev); the removal policy still keeps a snapshot.');
    }
  }

  /** How the gateway's service reaches this database. */
  public get connection(): DatabaseConnection {
    return {
      hostname: this.cluster.clusterEndpoint.hostname,
      port: POSTGRES_PORT,
      secret: this.secret,
      databaseName: this.databaseName,
      securityGroup: this.securityGroup,
      ready: this.ready,
      ...(this.iamAuthentication ? { iamUser: DEFAULT_IAM_DATABASE_USER, clusterResourceId: this.cluster.clusterResourceIdentifier } : {}),
    };
  }
}
