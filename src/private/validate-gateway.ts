import { RemovalPolicy, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { validateCompliance } from './compliance';
import { ComplianceProfile } from '../compliance';
import type { LlmGatewayProps } from '../llm-gateway';

/** Checks that span the gateway's prop groups; each group's own props are checked by the construct that owns them. */
export function validateGatewayProps(props: LlmGatewayProps, compliance: ComplianceProfile): void {
  validateCompliance(compliance, props);
  if (props.existingDatabase && props.database) {
    throw new Error('existingDatabase and database are both set: database configures a new cluster, so drop it when you bring your own.');
  }
  if (props.existingCache) {
    if (props.cache?.enabled === false) {
      throw new Error('existingCache is set but cache.enabled is false: drop existingCache, or leave the cache on.');
    }
    if (!sameVpc(props.existingCache.vpc, props.vpc)) {
      throw new Error("existingCache is in another VPC than the gateway's vpc: the tasks could not reach it. Use a cache in the gateway's VPC.");
    }
  }
  const observability = props.observability ?? {};
  const metricsOff = props.metricsCallback === false;
  if (observability.dashboard === false && observability.dashboardName !== undefined) {
    throw new Error('observability.dashboardName is set but observability.dashboard is false: drop one of them.');
  }
  if (observability.alarms === false && observability.alarmOptions !== undefined) {
    throw new Error('observability.alarmOptions is set but observability.alarms is false: drop one of them.');
  }
  if (metricsOff && (observability.dashboard || observability.alarms || observability.agentDimension || observability.namespace !== undefined)) {
    throw new Error('metricsCallback is false, so the gateway prints no metric lines: observability.dashboard, alarms, agentDimension and namespace would read nothing. Drop them, or leave metricsCallback on.');
  }
  if (props.removalPolicy === RemovalPolicy.DESTROY) {
    if (compliance === ComplianceProfile.CONTROL_TOWER) {
      throw new Error('removalPolicy is DESTROY, but compliance: ComplianceProfile.CONTROL_TOWER turns deletion protection on, which stops the destroy: use one or the other.');
    }
    if (props.database?.deletionProtection || props.endpoint?.deletionProtection) {
      throw new Error('removalPolicy is DESTROY, but deletion protection is on (database.deletionProtection or endpoint.deletionProtection), which stops the destroy: turn it off or keep the default removal policy.');
    }
  }
}

function sameVpc(a: ec2.IVpc, b: ec2.IVpc): boolean {
  // Tokens of one VPC are the same string; a literal id and a token cannot be compared at synth.
  return a === b || a.vpcId === b.vpcId || Token.isUnresolved(a.vpcId) !== Token.isUnresolved(b.vpcId);
}
