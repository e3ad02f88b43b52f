import { Token } from 'aws-cdk-lib';
import type { GatewayConfig } from '../../config';
import { DEFAULTS, workersPerTask } from '../../private/defaults';
import { validateSubnets } from '../../private/subnets';
import { integerBetween, isIpv4Cidr, secondsBetween } from '../../private/validate';
import type { GatewayServiceProps } from '../gateway-service';
import type { GatewayEndpointOptions } from '../options';

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

/** Checks the service's and the endpoint's props; errors name them under `prefix` (e.g. `service.`) and `endpointPrefix`. */
export function validateServiceOptions(props: GatewayServiceProps, config: GatewayConfig, prefix = '', endpointPrefix = 'endpoint.'): void {
  integerBetween(`${prefix}workersPerTask`, props.workersPerTask, 1, 64);
  integerBetween(`${prefix}minTasks`, props.minTasks, 1, 1000);
  integerBetween(`${prefix}maxTasks`, props.maxTasks, 1, 1000);
  const min = props.minTasks ?? DEFAULTS.minTasks;
  const max = props.maxTasks ?? DEFAULTS.maxTasks;
  if (min > max) {
    throw new Error(`${prefix}minTasks (${min}) is greater than maxTasks (${max}); raise maxTasks or lower minTasks.`);
  }
  integerBetween(`${prefix}targetCpuUtilizationPercent`, props.targetCpuUtilizationPercent, 1, 100);
  integerBetween(`${prefix}targetRequestsPerTaskPerMinute`, props.targetRequestsPerTaskPerMinute, 1, 1_000_000);
  if (min === max && (props.targetCpuUtilizationPercent !== undefined || props.targetRequestsPerTaskPerMinute !== undefined
    || props.scaleInCooldown !== undefined || props.scaleOutCooldown !== undefined)) {
    throw new Error(`${prefix}minTasks equals ${prefix}maxTasks (${min}): the service has a fixed size and no scaling, so the scaling targets and cooldowns have no effect. Drop them, or raise maxTasks.`);
  }
  secondsBetween(`${prefix}scaleOutCooldown`, props.scaleOutCooldown, 1, 86400);
  secondsBetween(`${prefix}scaleInCooldown`, props.scaleInCooldown, 1, 86400);
  secondsBetween(`${prefix}stopTimeout`, props.stopTimeout, 2, 120);
  secondsBetween(`${prefix}healthCheckStartPeriod`, props.healthCheckStartPeriod, 60, 300);
  const workers = workersPerTask(props);
  const memory = props.memoryLimitMiB ?? DEFAULTS.memoryLimitMiB;
  const needed = workers * DEFAULTS.memoryPerWorkerMiB;
  if (memory < needed) {
    throw new Error(`${prefix}memoryLimitMiB ${memory} is too small for ${workers} LiteLLM worker${workers === 1 ? '' : 's'}: each needs about ${DEFAULTS.memoryPerWorkerMiB} MiB with headroom. Use ${needed} or more, or fewer ${prefix}workersPerTask.`);
  }
  if ((props.cpu ?? DEFAULTS.cpu) < 512 && workers > 1) {
    throw new Error(`${prefix}cpu ${props.cpu} (a quarter vCPU) cannot start ${workers} LiteLLM workers in time; use cpu 512 or more, or ${prefix}workersPerTask: 1.`);
  }
  if (props.logGroup && (props.logGroupName !== undefined || props.logRetention !== undefined)) {
    throw new Error(`${prefix}logGroup is given, so logGroupName and logRetention have no effect; set them on your log group instead.`);
  }
  const name = props.logGroupName;
  if (name !== undefined && !Token.isUnresolved(name) && !/^[.\-_/#A-Za-z0-9]{1,512}$/.test(name)) {
    throw new Error(`${prefix}logGroupName '${name}' is not a CloudWatch Logs group name: 1 to 512 characters of letters, digits and '.-_/#' (e.g. '/document-processing/llm-gateway').`);
  }
  validateEndpoint(props.endpoint ?? {}, config, endpointPrefix);
  validateSubnets(props.vpc, props.vpcSubnets);
}

function validateEndpoint(endpoint: GatewayEndpointOptions, config: GatewayConfig, prefix: string): void {
  secondsBetween(`${prefix}deregistrationDelay`, endpoint.deregistrationDelay, 0, DEFAULTS.maxDeregistrationDelaySeconds);
  const longest = config.longestRequest.toSeconds();
  const why = `the longest request at the proxy is ${longest} s (requestTimeout ${config.requestTimeout.toSeconds()} s per call, with routing.timeoutRetries and the fallbacks of the worst alias)`;
  const idle = secondsBetween(`${prefix}idleTimeout`, endpoint.idleTimeout, 1, DEFAULTS.maxIdleTimeoutSeconds);
  if (idle !== undefined && idle < longest) {
    throw new Error(`${prefix}idleTimeout (${idle} s) is shorter than the longest request: ${why}, and the load balancer would answer 504 while the proxy still works on it. Raise idleTimeout to at least ${longest} s, or lower requestTimeout.`);
  }
  if (idle === undefined && longest + DEFAULTS.idleTimeoutMarginSeconds > DEFAULTS.maxIdleTimeoutSeconds) {
    throw new Error(`requestTimeout leaves no room for the load balancer's idle timeout (at most ${DEFAULTS.maxIdleTimeoutSeconds} s): ${why}. Lower requestTimeout, routing.timeoutRetries or the fallback chains.`);
  }
  if (endpoint.certificate && !endpoint.domainName) {
    throw new Error(`${prefix}certificate needs ${prefix}domainName: agents must call a name the certificate covers, not the load balancer's generated DNS name.`);
  }
  if (endpoint.hostedZone && !endpoint.domainName) {
    throw new Error(`${prefix}hostedZone needs ${prefix}domainName, the name to create in it (e.g. 'llm-gateway.example.internal').`);
  }
  if (endpoint.redirectHttp && !endpoint.certificate) {
    throw new Error(`${prefix}redirectHttp needs ${prefix}certificate: it redirects port 80 to HTTPS on 443, which only a certificate serves.`);
  }
  for (const cidr of endpoint.allowedCidrs ?? []) {
    if (!Token.isUnresolved(cidr) && !isIpv4Cidr(cidr)) {
      throw new Error(`${prefix}allowedCidrs: '${cidr}' is not an IPv4 CIDR such as '10.0.0.0/16' (four numbers 0-255, a prefix length 0-32).`);
    }
  }
}
