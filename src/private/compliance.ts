import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { IConstruct } from 'constructs';
import { ComplianceProfile } from '../compliance';

/** What `ComplianceProfile.CONTROL_TOWER` needs of the props it does not set itself. */
export interface ComplianceInput {
  readonly certificate?: unknown;
  readonly accessLogsBucket?: unknown;
  readonly logRetention?: logs.RetentionDays;
  readonly logGroup?: unknown;
  readonly loadBalancerDeletionProtection?: boolean;
  readonly databaseDeletionProtection?: boolean;
  readonly existingDatabase?: unknown;
}

const YEAR_DAYS = 365;

/** Fails at synth, naming the prop, when the Control Tower profile meets input that would fail one of its controls. */
export function validateCompliance(profile: ComplianceProfile, props: ComplianceInput): void {
  if (profile !== ComplianceProfile.CONTROL_TOWER) return;
  const name = 'compliance: ComplianceProfile.CONTROL_TOWER';
  if (props.certificate === undefined) {
    throw new Error(`${name} serves HTTPS only, so it needs certificate (and domainName): an HTTP-only listener fails Control Tower's CT.ELASTICLOADBALANCING.PR.1.`);
  }
  if (props.accessLogsBucket === undefined) {
    throw new Error(`${name} needs accessLogsBucket for the load balancer's access logs (CT.ELASTICLOADBALANCING.PR.6).`);
  }
  const retention = props.logRetention;
  if (retention !== undefined && retention !== logs.RetentionDays.INFINITE && retention < YEAR_DAYS) {
    throw new Error(`${name} keeps logs at least a year (CT.CLOUDWATCH.PR.2), but logRetention is ${retention} days: use logs.RetentionDays.ONE_YEAR or longer, or leave it unset.`);
  }
  if (props.logGroup !== undefined) {
    throw new Error(`${name} creates the container's log group (a year, encrypted with its key): drop logGroup, or use ComplianceProfile.DEFAULT and configure your group yourself.`);
  }
  if (props.loadBalancerDeletionProtection === false) {
    throw new Error(`${name} turns deletion protection on (CT.ELASTICLOADBALANCING.PR.5), but loadBalancerDeletionProtection is false: remove it.`);
  }
  if (props.databaseDeletionProtection === false) {
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
