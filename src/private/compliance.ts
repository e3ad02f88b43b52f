import { Aws } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct, IConstruct } from 'constructs';
import { ComplianceProfile } from '../compliance';

/** What `ComplianceProfile.CONTROL_TOWER` needs of the props it does not set itself. */
export interface ComplianceInput {
  readonly endpoint?: {
    readonly certificate?: unknown;
    readonly accessLogsBucket?: unknown;
    readonly deletionProtection?: boolean;
  };
  readonly service?: {
    readonly logRetention?: logs.RetentionDays;
    readonly logGroup?: unknown;
  };
  readonly database?: { readonly deletionProtection?: boolean };
}

const YEAR_DAYS = 365;

/** Fails at synth, naming the prop, when the Control Tower profile meets input that would fail one of its controls. */
export function validateCompliance(profile: ComplianceProfile, props: ComplianceInput): void {
  if (profile !== ComplianceProfile.CONTROL_TOWER) return;
  const name = 'compliance: ComplianceProfile.CONTROL_TOWER';
  const endpoint = props.endpoint ?? {};
  const service = props.service ?? {};
  if (endpoint.certificate === undefined) {
    throw new Error(`${name} serves HTTPS only, so it needs endpoint.certificate (and endpoint.domainName): an HTTP-only listener fails Control Tower's CT.ELASTICLOADBALANCING.PR.1.`);
  }
  if (endpoint.accessLogsBucket === undefined) {
    throw new Error(`${name} needs endpoint.accessLogsBucket for the load balancer's access logs (CT.ELASTICLOADBALANCING.PR.6).`);
  }
  const retention = service.logRetention;
  if (retention !== undefined && retention !== logs.RetentionDays.INFINITE && retention < YEAR_DAYS) {
    throw new Error(`${name} keeps logs at least a year (CT.CLOUDWATCH.PR.2), but service.logRetention is ${retention} days: use logs.RetentionDays.ONE_YEAR or longer, or leave it unset.`);
  }
  if (service.logGroup !== undefined) {
    throw new Error(`${name} creates the container's log group (a year, encrypted with its key): drop service.logGroup, or use ComplianceProfile.DEFAULT and configure your group yourself.`);
  }
  if (endpoint.deletionProtection === false) {
    throw new Error(`${name} turns deletion protection on (CT.ELASTICLOADBALANCING.PR.5), but endpoint.deletionProtection is false: remove it.`);
  }
  if (props.database?.deletionProtection === false) {
    throw new Error(`${name} turns deletion protection on (CT.RDS.PR.3), but database.deletionProtection is false: remove it.`);
  }
}

/**
 * Encrypts every secret created so far under `scope` that has no key of its own with `key` (secrets created later,
 * such as virtual keys, take the key as a prop). Secrets the user passed in are not in the tree and are left alone.
 */
export function encryptSecretsWith(scope: IConstruct, key: kms.IKey): void {
  for (const node of scope.node.findAll()) {
    if (node instanceof secretsmanager.CfnSecret && node.kmsKeyId === undefined) {
      node.kmsKeyId = key.keyArn;
    }
  }
}

/**
 * The customer managed key of `ComplianceProfile.CONTROL_TOWER`, for the log groups, the secrets and the alarm topic:
 * CloudWatch Logs and CloudWatch alarms use it as services; rotated yearly.
 */
export function createComplianceKey(scope: Construct): kms.Key {
  const key = new kms.Key(scope, 'ComplianceKey', {
    description: 'LiteLLM gateway: log groups and alarm topic',
    enableKeyRotation: true,
  });
  key.grantEncryptDecrypt(new iam.ServicePrincipal(`logs.${Aws.REGION}.amazonaws.com`));
  key.grant(new iam.ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
  // Grants on the key only for AWS services acting for a resource (Control Tower's CT.KMS.PR.3).
  key.addToResourcePolicy(new iam.PolicyStatement({
    effect: iam.Effect.DENY,
    principals: [new iam.AnyPrincipal()],
    actions: ['kms:CreateGrant'],
    resources: ['*'],
    conditions: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
  }));
  return key;
}
