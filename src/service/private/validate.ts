import { Duration, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { GatewayConfig } from '../../config';
import { validateSubnets } from '../../private/subnets';
import type { GatewayServiceOptions } from '../gateway-service';

// Fargate's task sizes: CPU units → memory range and step in MiB.
const FARGATE_SIZES: Record<number, [number, number, number]> = {
  256: [512, 2048, 512],
  512: [1024, 4096, 1024],
  1024: [2048, 8192, 1024],
  2048: [4096, 16384, 1024],
  4096: [8192, 30720, 1024],
  8192: [16384, 61440, 4096],
  16384: [32768, 122880, 8192],
};

function isIpv4Cidr(cidr: string): boolean {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  return match !== null && match.slice(1, 5).every((octet) => Number(octet) <= 255) && Number(match[5]) <= 32;
}

export function validateFargateSize(cpu: number, memoryLimitMiB: number, prefix = ''): void {
  const range = FARGATE_SIZES[cpu];
  if (!range) {
    throw new Error(`${prefix}cpu ${cpu} is not a Fargate task size; use one of ${Object.keys(FARGATE_SIZES).join(', ')}.`);
  }
  const [min, max, step] = range;
  if (memoryLimitMiB < min || memoryLimitMiB > max || (memoryLimitMiB - min) % step !== 0) {
    const allowed = cpu === 256 ? '512, 1024 or 2048' : `${min} to ${max} in steps of ${step}`;
    throw new Error(`${prefix}memoryLimitMiB ${memoryLimitMiB} is not offered by Fargate with cpu ${cpu}; use ${allowed}.`);
  }
}

function seconds(name: string, value: Duration | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (Token.isUnresolved(value.toHumanString())) {
    throw new Error(`${name} must be known at synth time.`);
  }
  const s = value.toMilliseconds({ integral: false }) / 1000;
  if (!Number.isInteger(s) || s < min || s > max) {
    throw new Error(`${name} must be a whole number of seconds from ${min} to ${max}, got ${value.toHumanString()}.`);
  }
  return s;
}

function integer(name: string, value: number | undefined, min: number, max: number): void {
  if (value !== undefined && !(Number.isInteger(value) && value >= min && value <= max)) {
    throw new Error(`${name} must be a whole number from ${min} to ${max}, got ${value}.`);
  }
}

export function validateServiceOptions(props: GatewayServiceOptions & { vpc: ec2.IVpc }, config: GatewayConfig, prefix = ''): void {
  integer(`${prefix}workers`, props.workers, 1, 64);
  integer(`${prefix}minCapacity`, props.minCapacity, 1, 1000);
  integer(`${prefix}maxCapacity`, props.maxCapacity, 1, 1000);
  const min = props.minCapacity ?? 1;
  const max = props.maxCapacity ?? 4;
  if (min > max) {
    throw new Error(`${prefix}minCapacity (${min}) is greater than maxCapacity (${max}); raise maxCapacity or lower minCapacity.`);
  }
  integer(`${prefix}targetCpuUtilizationPercent`, props.targetCpuUtilizationPercent, 1, 100);
  seconds(`${prefix}scaleOutCooldown`, props.scaleOutCooldown, 1, 86400);
  seconds(`${prefix}scaleInCooldown`, props.scaleInCooldown, 1, 86400);
  seconds(`${prefix}deregistrationDelay`, props.deregistrationDelay, 0, 3600);
  seconds(`${prefix}stopTimeout`, props.stopTimeout, 2, 120);
  seconds(`${prefix}healthCheckStartPeriod`, props.healthCheckStartPeriod, 60, 300);
  const longest = config.longestRequest.toSeconds();
  const why = `the longest request at the proxy is ${longest} s (requestTimeout ${config.requestTimeout.toSeconds()} s per call, with routing.timeoutRetries and the fallbacks of the worst alias)`;
  const idle = seconds(`${prefix}idleTimeout`, props.idleTimeout, 1, 4000);
  if (idle !== undefined && idle < longest) {
    throw new Error(`${prefix}idleTimeout (${idle} s) is shorter than the longest request: ${why}, and the load balancer would answer 504 while the proxy still works on it. Raise idleTimeout to at least ${longest} s, or lower requestTimeout.`);
  }
  if (idle === undefined && longest + 30 > 4000) {
    throw new Error(`${prefix}requestTimeout leaves no room for the load balancer's idle timeout (at most 4000 s): ${why}. Lower requestTimeout, routing.timeoutRetries or the fallback chains.`);
  }
  if (props.certificate && !props.domainName) {
    throw new Error(`${prefix}certificate needs domainName: agents must call a name the certificate covers, not the load balancer's generated DNS name.`);
  }
  if (props.domainName && !props.hostedZone) {
    throw new Error(`${prefix}domainName '${props.domainName}' needs hostedZone, the (private) hosted zone in which the record is created.`);
  }
  if (props.hostedZone && !props.domainName) {
    throw new Error(`${prefix}hostedZone needs domainName, the name to create in it (e.g. 'llm-gateway.example.internal').`);
  }
  if (props.logGroup && (props.logGroupName !== undefined || props.logRetention !== undefined)) {
    throw new Error(`${prefix}logGroup is given, so logGroupName and logRetention have no effect; set them on your log group instead.`);
  }
  for (const cidr of props.allowedCidrs ?? []) {
    if (!Token.isUnresolved(cidr) && !isIpv4Cidr(cidr)) {
      throw new Error(`${prefix}allowedCidrs: '${cidr}' is not an IPv4 CIDR such as '10.0.0.0/16' (four numbers 0-255, a prefix length 0-32).`);
    }
  }
  const name = props.logGroupName;
  if (name !== undefined && !Token.isUnresolved(name) && !/^[.\-_/#A-Za-z0-9]{1,512}$/.test(name)) {
    throw new Error(`${prefix}logGroupName '${name}' is not a CloudWatch Logs group name: 1 to 512 characters of letters, digits and '.-_/#' (e.g. '/document-processing/llm-gateway').`);
  }
  if (props.allowedCidrs !== undefined && props.allowedCidrs.length === 0) {
    throw new Error(`${prefix}allowedCidrs is empty: nothing could reach the gateway. Leave it unset for the VPC's CIDR.`);
  }
  validateSubnets(props.vpc, props.vpcSubnets, prefix);
}
