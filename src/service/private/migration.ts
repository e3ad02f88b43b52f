import * as fs from 'fs';
import * as path from 'path';
import { CustomResource, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { validateIamDatabaseUser } from '../../database/private/iam-database-auth';
import { acknowledge, acknowledgeFinding, acknowledgeWildcardResources } from '../../private/acknowledge';
import { DEFAULTS } from '../../private/defaults';

const HANDLER_DIR = path.join(__dirname, '..', '..', '..', 'assets', 'service', 'migration-runner');
/** The container's entry point with IAM database authentication (run by `python3 -c`, not part of the functions). */
const IAM_USER_SCRIPT = 'iam_database_user.py';
/** The variable that names the IAM database user to the container's entry point. */
const IAM_USER_VARIABLE = 'LITELLM_IAM_DATABASE_USER';
const CONTAINER_NAME = 'migrate';
const STREAM_PREFIX = 'migrate';
const MIGRATION_MEMORY_MIB = 1024;

/**
 * `litellm` (the image's entry point) applies the migrations and exits: `--skip_server_startup` skips the server.
 * `--enforce_prisma_migration_check` makes a failed migration exit non-zero on the releases that otherwise log the
 * failure and exit 0 (1.82.3 to 1.103); from 1.104 that is the default and the flag is accepted and ignored, with a
 * deprecation line in the log. Releases before 1.82.3 do not know the flag: their migration task fails at once.
 */
const MIGRATION_COMMAND = ['--config', '/app/config.yaml', '--skip_server_startup', '--enforce_prisma_migration_check'];

/**
 * Switches that decide whether `--skip_server_startup` migrates at all and whether a failure ends it non-zero, set
 * here so that no image default can turn the task into a no-op that exits 0: with `DISABLE_SCHEMA_UPDATE=true` (what
 * serving tasks get) LiteLLM only diffs the schema and exits 0, and on releases from 1.104 that read it,
 * `ENFORCE_PRISMA_MIGRATION_CHECK=false` restores the log-only failure (1.108.7 reads it no more).
 */
const MIGRATION_ENVIRONMENT: Record<string, string> = {
  DISABLE_SCHEMA_UPDATE: 'false',
  ENFORCE_PRISMA_MIGRATION_CHECK: 'true',
};

/** The unprivileged user of a hardened migration (uid:gid), the serving container's. */
const MIGRATION_HARDENED_USER = '65534:65534';
/**
 * Where a hardened migration may write: an ephemeral task volume. LiteLLM 1.108.7's migration writes nothing else:
 * the v2 resolver (the default) takes its locks and baselines through SQL (psycopg), reads its migration files in
 * place (`LITELLM_MIGRATION_DIR` unset), and the image runs its baked Prisma CLI read-only (`PRISMA_OFFLINE_MODE`,
 * `PRISMA_CLI_PATH` under /opt/prisma, which the image makes readable for every uid). The twin measured no file
 * written there by a full migration; the volume is the margin for Python's tempfile (the opt-in replica-identity
 * step, a pinned CA bundle) and for the real Prisma CLI.
 */
const MIGRATION_WRITABLE_PATHS = ['/tmp'];
/**
 * Environment of a hardened migration. HOME in the writable volume: a uid the image does not know gets `/` (read-only),
 * and whatever of the Prisma CLI or Python caches under HOME then lands in the volume instead of failing. The Prisma
 * CLI's update check is off: it calls Prisma's server and caches the answer under HOME, and a migration needs neither.
 */
const HARDENED_ENVIRONMENT: Record<string, string> = {
  HOME: '/tmp',
  CHECKPOINT_DISABLE: '1',
};

/** Properties of `GatewayMigration`. */
export interface GatewayMigrationProps {
  /** The cluster the one-off task runs in. */
  readonly cluster: ecs.ICluster;
  /** The gateway image: the same LiteLLM version, and so the same schema, as the serving tasks. */
  readonly image: ecs.ContainerImage;
  /** Subnets of the one-off task (private, with a route to the database and to ECR). */
  readonly subnets: ec2.ISubnet[];
  /** Security groups of the one-off task: the serving tasks' group, which the database admits. */
  readonly securityGroups: ec2.ISecurityGroup[];
  /**
   * Plain environment of the task (database host and name, Region). `DISABLE_SCHEMA_UPDATE` and
   * `ENFORCE_PRISMA_MIGRATION_CHECK` are the construct's: the task always migrates and fails on a failed migration.
   */
  readonly environment: Record<string, string>;
  /** Secrets of the task (database login, admin key referenced by the config). */
  readonly secrets: Record<string, ecs.Secret>;
  /** Where the task logs. */
  readonly logGroup: logs.ILogGroup;
  /**
   * The VPC of `subnets`: the start and check functions and the provider framework's functions run in it, with a
   * security group that allows HTTPS out only (AWS Control Tower refuses functions outside a VPC).
   *
   * @default - the functions run outside any VPC
   */
  readonly vpc?: ec2.IVpc;
  /**
   * Retention of the log groups of the start and check functions and of the provider framework's waiter (a state
   * machine that polls the migration).
   *
   * @default logs.RetentionDays.TWO_WEEKS
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * A KMS key for the functions' and the waiter's log groups.
   *
   * @default - CloudWatch Logs' own encryption
   */
  readonly logEncryptionKey?: kms.IKey;
  /**
   * How long a migration may run before the deploy fails.
   *
   * @default Duration.minutes(30)
   */
  readonly timeout?: Duration;
  /**
   * Run the migration as an unprivileged user (uid and gid 65534, as the hardened serving container) with a read-only root
   * filesystem, writable only in an ephemeral task volume at /tmp (which is also its HOME),
   * as AWS Control Tower's CT.ECS.PR.3 and CT.ECS.PR.6 ask. The local twin proves that LiteLLM's migration
   * (`--skip_server_startup`) applies every migration this way, with a stand-in for the Prisma CLI; that the image's
   * baked Prisma CLI and engines run as that user is what LiteLLM's image promises (readable by every uid) and is
   * for a development account to confirm.
   *
   * @default false
   */
  readonly hardened?: boolean;
  /**
   * The PostgreSQL role the serving tasks log in as with IAM database authentication. Before migrating, the task
   * creates it if it is missing, grants it `rds_iam` and LiteLLM's tables, sequences and schema (and, by default
   * privileges, every table a later migration adds), logged in as the master user of `secrets`
   * (`DATABASE_USERNAME`, `DATABASE_PASSWORD`), which keeps owning the schema and running the migrations. The
   * container then runs `python3` (the image's, with psycopg) before `litellm`. Needs Aurora or RDS PostgreSQL with
   * IAM authentication on.
   *
   * @default - no IAM database user: the serving tasks log in with the password
   */
  readonly iamDatabaseUser?: string;
}

/**
 * Runs LiteLLM's database migrations once per deploy, in a one-off Fargate task of the gateway image
 * (`--skip_server_startup`), before the service rolls; the serving tasks start with `DISABLE_SCHEMA_UPDATE=true`.
 * A failed migration (or an unreachable database) ends the task non-zero, which fails the deploy, so no task serves
 * a schema its version does not expect.
 */
export class GatewayMigration extends Construct {
  /** The one-off task's definition. */
  public readonly taskDefinition: ecs.FargateTaskDefinition;
  /** The custom resource; make the service depend on it. */
  public readonly resource: CustomResource;

  private readonly props: GatewayMigrationProps;

  constructor(scope: Construct, id: string, props: GatewayMigrationProps) {
    super(scope, id);
    this.props = props;
    const timeout = props.timeout ?? DEFAULTS.migrationTimeout;
    if (timeout.toMinutes({ integral: false }) < 1 || timeout.toHours({ integral: false }) > 2) {
      throw new Error(`migration timeout must be between 1 minute and 2 hours, got ${timeout.toHumanString()}.`);
    }
    this.taskDefinition = this.createTaskDefinition(migrationEnvironment(props));
    const network = this.functionNetwork();
    const functionLogGroup = this.createLogGroup('FunctionLogGroup');
    const onEvent = this.createFunction('StartFunction', 'migration.on_event', 'starts the one-off schema migration task', functionLogGroup, network);
    const isComplete = this.createFunction('CheckFunction', 'migration.is_complete', 'waits for the schema migration task', functionLogGroup, network);
    onEvent.addToRolePolicy(new iam.PolicyStatement({
      actions: ['ecs:RunTask'],
      resources: [this.taskDefinition.taskDefinitionArn],
      conditions: { ArnEquals: { 'ecs:cluster': props.cluster.clusterArn } },
    }));
    onEvent.addToRolePolicy(new iam.PolicyStatement({
      actions: ['iam:PassRole'],
      resources: [this.taskDefinition.taskRole.roleArn, this.taskDefinition.obtainExecutionRole().roleArn],
    }));
    const tasksArn = Stack.of(this).formatArn({ service: 'ecs', resource: 'task', resourceName: `${props.cluster.clusterName}/*` });
    // StopTask: a migration that outlives its timeout is stopped before the deploy gives up on it.
    isComplete.addToRolePolicy(new iam.PolicyStatement({ actions: ['ecs:DescribeTasks', 'ecs:StopTask'], resources: [tasksArn] }));
    const provider = this.createProvider(onEvent, isComplete, network, timeout, functionLogGroup);

    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::LiteLlmSchemaMigration',
      properties: {
        // A new task definition revision (new image or config) is an Update, and so a new migration.
        TaskDefinition: this.taskDefinition.taskDefinitionArn,
        Cluster: props.cluster.clusterArn,
        Subnets: props.subnets.map((s) => s.subnetId),
        SecurityGroups: props.securityGroups.map((g) => g.securityGroupId),
        ContainerName: CONTAINER_NAME,
        LogGroup: props.logGroup.logGroupName,
        StreamPrefix: STREAM_PREFIX,
        TimeoutSeconds: timeout.toSeconds(),
      },
    });
    // The task pulls its image, reads its secrets and writes its logs with the execution role's policy: with a
    // database of the user's (nothing else to wait for) the task could otherwise start before that policy exists.
    this.resource.node.addDependency(this.taskDefinition.obtainExecutionRole());
    this.acknowledgeFindings(provider, [onEvent, isComplete], isComplete, tasksArn);
  }

  private createTaskDefinition(environment: Record<string, string>): ecs.FargateTaskDefinition {
    const props = this.props;
    const hardened = props.hardened ?? false;
    const taskDefinition = new ecs.FargateTaskDefinition(this, 'TaskDefinition', {
      cpu: 512,
      memoryLimitMiB: MIGRATION_MEMORY_MIB,
      runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.ARM64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
    });
    const container = taskDefinition.addContainer(CONTAINER_NAME, {
      image: props.image,
      essential: true,
      // As the serving container: `litellm` itself, so the task definition fixes what runs whatever the image's script.
      // With an IAM database user, a short script first prepares that user, then runs `litellm` with the command.
      entryPoint: props.iamDatabaseUser !== undefined
        ? ['python3', '-c', fs.readFileSync(path.join(HANDLER_DIR, IAM_USER_SCRIPT), 'utf8')]
        : ['litellm'],
      command: MIGRATION_COMMAND,
      // A hard limit equal to the task's memory: the container is killed at the limit instead of the task.
      memoryLimitMiB: MIGRATION_MEMORY_MIB,
      environment,
      secrets: props.secrets,
      logging: ecs.LogDrivers.awsLogs({ logGroup: props.logGroup, streamPrefix: STREAM_PREFIX }),
      readonlyRootFilesystem: hardened,
      user: hardened ? MIGRATION_HARDENED_USER : undefined,
    });
    if (hardened) {
      for (const [i, containerPath] of MIGRATION_WRITABLE_PATHS.entries()) {
        const name = `writable${i}`;
        taskDefinition.addVolume({ name });
        container.addMountPoints({ sourceVolume: name, containerPath, readOnly: false });
      }
    }
    return taskDefinition;
  }

  /** The functions call the ECS, Lambda and CloudFormation APIs over HTTPS and nothing else. */
  private functionNetwork(): Pick<lambda.FunctionProps, 'vpc' | 'vpcSubnets' | 'securityGroups'> {
    const props = this.props;
    if (!props.vpc) {
      return {};
    }
    const securityGroup = new ec2.SecurityGroup(this, 'FunctionSecurityGroup', {
      vpc: props.vpc,
      description: 'LiteLLM gateway migration functions: HTTPS to AWS APIs only',
      allowAllOutbound: false,
    });
    securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to AWS APIs');
    return { vpc: props.vpc, vpcSubnets: { subnets: props.subnets }, securityGroups: [securityGroup] };
  }

  /**
   * A log group of the stack's, with the gateway's retention and key, instead of one Lambda would create on first use
   * that never expires and outlives the stack. Kept when the stack goes, like the gateway's other log groups.
   */
  private createLogGroup(id: string): logs.LogGroup {
    return new logs.LogGroup(this, id, {
      retention: this.props.logRetention ?? DEFAULTS.logRetention,
      encryptionKey: this.props.logEncryptionKey,
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  private createFunction(id: string, handler: string, what: string, logGroup: logs.ILogGroup,
    network: Pick<lambda.FunctionProps, 'vpc' | 'vpcSubnets' | 'securityGroups'>): lambda.Function {
    return new lambda.Function(this, id, {
      runtime: lambda.Runtime.PYTHON_3_13,
      architecture: lambda.Architecture.ARM_64,
      handler,
      code: lambda.Code.fromAsset(HANDLER_DIR, { exclude: ['tests', '__pycache__', '*.pyc', '.pytest_cache', IAM_USER_SCRIPT] }),
      timeout: Duration.minutes(1),
      description: `LiteLLM gateway: ${what}`,
      logGroup,
      ...network,
    });
  }

  private createProvider(onEvent: lambda.IFunction, isComplete: lambda.IFunction,
    network: Pick<lambda.FunctionProps, 'vpc' | 'vpcSubnets' | 'securityGroups'>, timeout: Duration, logGroup: logs.ILogGroup): cr.Provider {
    const provider = new cr.Provider(this, 'Provider', {
      onEventHandler: onEvent,
      isCompleteHandler: isComplete,
      // The framework's functions log beside ours, not to groups Lambda would create and never expire.
      logGroup,
      queryInterval: Duration.seconds(15),
      totalTimeout: timeout,
      ...network,
      // The waiter logs its executions (Control Tower's CT.STEPFUNCTIONS.PR.1), errors only: one per deploy.
      disableWaiterStateMachineLogging: false,
      waiterStateMachineLogOptions: { destination: this.createLogGroup('WaiterLogGroup'), level: sfn.LogLevel.ERROR },
    });
    // X-Ray tracing of the waiter (CT.STEPFUNCTIONS.PR.2), which the provider framework has no option for: a few
    // traces per deploy, within X-Ray's free tier.
    const waiter = provider.node.findAll().find((c): c is sfn.CfnStateMachine => c instanceof sfn.CfnStateMachine);
    if (waiter) {
      waiter.tracingConfiguration = { enabled: true };
      const waiterRole = provider.node.findAll().find((c): c is iam.Role => c instanceof iam.Role && c.assumeRolePolicy?.toJSON().Statement
        .some((st: any) => JSON.stringify(st.Principal ?? {}).includes('states.amazonaws.com')));
      waiterRole?.addToPrincipalPolicy(new iam.PolicyStatement({
        actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'xray:GetSamplingRules', 'xray:GetSamplingTargets'],
        resources: ['*'],
      }));
      if (waiterRole) {
        acknowledgeWildcardResources(waiterRole.node.findChild('DefaultPolicy'), ['*'], 'X-Ray trace writes have no resource-level permissions; AWS requires "*".');
      }
    }
    return provider;
  }

  private acknowledgeFindings(provider: cr.Provider, handlers: lambda.Function[], isComplete: lambda.Function, tasksArn: string): void {
    acknowledge(this.taskDefinition, 'AwsSolutions-ECS2', 'The environment holds no secret: Region, log level, database host and name.');
    acknowledgeWildcardResources(this.taskDefinition.obtainExecutionRole().node.findChild('DefaultPolicy'), ['*'],
      'ecr:GetAuthorizationToken has no resource-level permissions; AWS requires "*".');
    acknowledgeWildcardResources(isComplete.role!.node.findChild('DefaultPolicy'), [tasksArn],
      'Task ids are known only at run time: DescribeTasks and StopTask on the tasks of the gateway cluster.');
    // CDK's provider framework (its Lambda functions and waiter state machine) as CDK writes it.
    const functions = [...handlers, ...provider.node.findAll().filter((c): c is lambda.Function => c instanceof lambda.Function)];
    acknowledgeWildcardResources(this, [...new Set(functions)].map((f) => `${f.functionArn}:*`),
      "CDK's custom-resource provider framework invokes its handlers and their versions (<function ARN>:*).");
    acknowledgeFinding(this, 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      'The handlers write their own logs only; this managed policy is what CDK attaches for that.');
    acknowledgeFinding(this, 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]',
      'The managed policy CDK attaches so a function in a VPC can attach its network interface.');
    acknowledge(this, 'AwsSolutions-L1', "Our handlers run Python 3.13; the provider framework's runtime is chosen by aws-cdk-lib and upgraded with it.");
    acknowledge(provider, 'AwsSolutions-SF1', 'The waiter logs errors only: it polls the migration once per deploy, and the handlers log every step.');
  }
}

/** The task's environment: the caller's, and the switches the construct owns (which the caller may not set). */
function migrationEnvironment(props: GatewayMigrationProps): Record<string, string> {
  const iamUser = props.iamDatabaseUser;
  if (iamUser !== undefined) {
    validateIamDatabaseUser(iamUser, 'iamDatabaseUser');
    const missing = ['DATABASE_USERNAME', 'DATABASE_PASSWORD'].filter((name) => !(name in props.secrets));
    if (missing.length > 0) {
      throw new Error(`iamDatabaseUser needs the master login in secrets to create the user: ${missing.join(' and ')} missing.`);
    }
  }
  const owned = {
    ...MIGRATION_ENVIRONMENT,
    ...(props.hardened ? HARDENED_ENVIRONMENT : {}),
    ...(iamUser !== undefined ? { [IAM_USER_VARIABLE]: iamUser } : {}),
  };
  const reserved = Object.keys(owned).filter((name) => name in props.environment);
  if (reserved.length > 0) {
    throw new Error(`environment sets ${reserved.join(' and ')}: the migration task sets ${reserved.length === 1 ? 'it' : 'them'} itself `
      + '(it must migrate, fail the deploy when the migration fails and, hardened, keep HOME in its volume). Remove ' + (reserved.length === 1 ? 'it.' : 'them.'));
  }
  return { ...props.environment, ...owned };
}
