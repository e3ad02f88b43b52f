import * as path from 'path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct, IDependable } from 'constructs';
import { acknowledge, acknowledgeFinding, acknowledgeWildcardResources } from '../../private/acknowledge';
import { DEFAULTS } from '../../private/defaults';
import { securityGroupRules } from '../../private/dependencies';

const HANDLER_DIR = path.join(__dirname, '..', '..', '..', 'assets', 'keys', 'virtual-keys');

/** Properties of `VirtualKeyProvider`. */
export interface VirtualKeyProviderProps {
  /** The gateway's VPC: the handler calls the internal load balancer from inside it. */
  readonly vpc: ec2.IVpc;
  /**
   * The handler's subnets.
   *
   * @default - the VPC's private subnets with egress
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /** The gateway's network access: the handler is allowed in on its listener port. */
  readonly gateway: ec2.IConnectable;
  /** The gateway's base URL without `/v1`. */
  readonly gatewayUrl: string;
  /** The admin key, read by the handler at run time. */
  readonly masterKey: secretsmanager.ISecret;
  /**
   * What must exist before the gateway answers (its service and listener, and its DNS record when `gatewayUrl` uses
   * it). The network path from the handler to the gateway is added here.
   */
  readonly dependsOn: IDependable[];
  /**
   * A value that changes when the database holding the keys is replaced or restored (a new cluster's resource id).
   * Every key carries it, so a new database means an Update of each key, and the handler re-creates the key with
   * the value agents already hold.
   *
   * @default - keys are not tied to a database: a replaced database loses them until their next Update
   */
  readonly databaseIdentity?: string;
  /**
   * A customer managed KMS key for the keys' secrets; `GatewayVirtualKey.grantRead` then grants its use too.
   *
   * @default - Secrets Manager's AWS managed key
   */
  readonly secretsKey?: kms.IKey;
  /**
   * Retention of the handler's log group.
   *
   * @default logs.RetentionDays.TWO_WEEKS
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * A KMS key for the handler's log group.
   *
   * @default - CloudWatch Logs' own encryption
   */
  readonly logEncryptionKey?: kms.IKey;
}

/**
 * The custom-resource provider behind `LlmGateway.addVirtualKey`: one handler in the VPC that manages every key of
 * a gateway through LiteLLM's key API.
 */
export class VirtualKeyProvider extends Construct {
  /** The handler. */
  public readonly handler: lambda.Function;
  /** The gateway's base URL the handler calls. */
  public readonly gatewayUrl: string;
  /** The admin key secret. */
  public readonly masterKey: secretsmanager.ISecret;
  /** What each key waits for: `dependsOn`, and the security-group rules between handler and gateway. */
  public readonly dependsOn: IDependable[];
  /** The identity of the database holding the keys (see `databaseIdentity`). */
  public readonly databaseIdentity?: string;
  private readonly provider: cr.Provider;
  /** The KMS key of the keys' secrets (`secretsKey`). */
  public readonly secretsKey?: kms.IKey;

  constructor(scope: Construct, id: string, props: VirtualKeyProviderProps) {
    super(scope, id);
    this.gatewayUrl = props.gatewayUrl;
    this.masterKey = props.masterKey;
    this.databaseIdentity = props.databaseIdentity;
    this.secretsKey = props.secretsKey;

    const securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'LiteLLM gateway key handler: to the gateway and to Secrets Manager only',
      allowAllOutbound: false,
    });
    securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to Secrets Manager');
    // A group of the stack's, with the gateway's retention and key, for the handler and the provider framework's
    // function, instead of groups Lambda would create on first use and never expire.
    const logGroup = new logs.LogGroup(this, 'HandlerLogGroup', {
      retention: props.logRetention ?? DEFAULTS.logRetention,
      encryptionKey: props.logEncryptionKey,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.handler = new lambda.Function(this, 'Handler', {
      runtime: lambda.Runtime.PYTHON_3_13,
      architecture: lambda.Architecture.ARM_64,
      handler: 'virtual_keys.on_event',
      code: lambda.Code.fromAsset(HANDLER_DIR, { exclude: ['tests', '__pycache__', '*.pyc', '.pytest_cache'] }),
      // Long enough to wait for a gateway that is still starting after a fresh deploy (WAIT_SECONDS). Delete has a
      // short bound of its own (DELETE_WAIT_SECONDS): a gateway that is gone must not hold up a stack deletion.
      // The handler ends each request at its deadline and leaves itself time to answer before this timeout.
      timeout: Duration.minutes(14),
      environment: {
        WAIT_SECONDS: String(DEFAULTS.keyHandlerWait.toSeconds()),
        DELETE_WAIT_SECONDS: String(DEFAULTS.keyHandlerDeleteWait.toSeconds()),
        REQUEST_TIMEOUT_SECONDS: String(DEFAULTS.keyHandlerRequestTimeout.toSeconds()),
      },
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [securityGroup],
      description: 'LiteLLM gateway: manages virtual keys through the key API',
      logGroup,
    });
    props.gateway.connections.allowDefaultPortFrom(this.handler, 'Key handler to the gateway');
    // The rules that let the handler reach the gateway are resources of their own, and nothing else makes a key wait
    // for them: a key created before them would wait out its bound and fail.
    this.dependsOn = [...props.dependsOn, ...[securityGroup, ...props.gateway.connections.securityGroups].map(securityGroupRules)];
    props.masterKey.grantRead(this.handler);

    // The framework's own function runs in the VPC too (Control Tower's CT.LAMBDA.PR.3): it only invokes the handler
    // and answers CloudFormation, both over HTTPS, which the handler's security group allows.
    this.provider = new cr.Provider(this, 'Provider', {
      onEventHandler: this.handler,
      logGroup,
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [securityGroup],
    });

    const reason = "CDK's custom-resource provider framework invokes its handler and the handler's versions (<function ARN>:*).";
    const functions = this.provider.node.findAll().filter((c): c is lambda.Function => c instanceof lambda.Function);
    acknowledgeWildcardResources(this, [this.handler, ...functions].map((f) => `${f.functionArn}:*`), reason);
    for (const policy of ['AWSLambdaBasicExecutionRole', 'AWSLambdaVPCAccessExecutionRole']) {
      acknowledgeFinding(this, `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/${policy}]`,
        'The managed policies CDK attaches so a function can log and, in a VPC, attach its network interface.');
    }
    acknowledge(this, 'AwsSolutions-L1', "The handler runs Python 3.13; the provider framework's runtime is chosen by aws-cdk-lib and upgraded with it.");
  }

  /** The token that custom resources of this provider use. */
  public get serviceToken(): string {
    return this.provider.serviceToken;
  }
}
