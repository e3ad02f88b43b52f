import { Duration } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';

/**
 * The defaults of every construct in the library, in one place: code, doc comments (`@default`) and error messages
 * read them from here, so a default changes in one line. Tests pin each value against the rendered template.
 */
export const DEFAULTS = {
  // Ports
  proxyPort: 4000,
  postgresPort: 5432,
  valkeyPort: 6379,
  httpPort: 80,
  httpsPort: 443,

  // Service: task size, processes and scaling
  cpu: 1024,
  memoryLimitMiB: 2048,
  minTasks: 1,
  maxTasks: 4,
  /** Measured: the proxy's latency bends upward at about half a vCPU busy (README, Performance). */
  targetCpuUtilizationPercent: 50,
  scaleOutCooldown: Duration.seconds(60),
  scaleInCooldown: Duration.seconds(300),
  stopTimeout: Duration.seconds(120),
  healthCheckStartPeriod: Duration.seconds(60),
  logRetention: logs.RetentionDays.TWO_WEEKS,
  /** The container log stream prefix, which the metric filters do not depend on. */
  logStreamPrefix: 'litellm',
  /** The load balancer holds a silent connection this much longer than the longest request. */
  idleTimeoutMarginSeconds: 30,
  /** The load balancer's limits: idle timeout and deregistration delay. */
  maxIdleTimeoutSeconds: 4000,
  maxDeregistrationDelaySeconds: 3600,
  /** How much longer than the load balancer a task keeps an idle connection open, so the load balancer closes first. */
  keepaliveMarginSeconds: 5,
  /** Seconds left, after LiteLLM's graceful shutdown, for its workers to close before ECS kills the container. */
  shutdownHeadroomSeconds: 15,
  migrationTimeout: Duration.minutes(30),
  /** How long uvicorn's supervisor waits for a starting worker before it restarts it. */
  workerHealthcheckTimeoutSeconds: 60,
  /** Memory one LiteLLM worker needs with headroom (measured: 610–630 MiB at peak under load, plus its Prisma engine). */
  memoryPerWorkerMiB: 1024,

  // Database
  databaseName: 'litellm',
  databaseUser: 'litellm',
  databaseMinCapacity: 0.5,
  databaseMaxCapacity: 1,
  databaseReaders: 0,
  databaseBackupRetention: Duration.days(7),

  // Config
  requestTimeout: Duration.seconds(600),
  maxParallelRequests: 50,
  numRetries: 3,
  retryAfter: Duration.seconds(5),
  timeoutRetries: 0,
  allowedFails: 2,
  cooldownTime: Duration.seconds(60),
  masterKeyVariable: 'LITELLM_ADMIN_KEY',

  // Virtual keys: how long the key handler waits for a gateway that is still starting (Create, Update), for one that
  // may be gone (Delete), and for one request to the key API.
  keyHandlerWait: Duration.seconds(600),
  keyHandlerDeleteWait: Duration.seconds(30),
  keyHandlerRequestTimeout: Duration.seconds(10),

  // Observability
  metricsNamespace: 'LlmGateway',
} as const;

/** The service's sizing props, as the gateway and the service both read them. */
export interface ProcessSizing {
  readonly cpu?: number;
  readonly maxTasks?: number;
  readonly workersPerTask?: number;
}

/**
 * LiteLLM worker processes per task: one per vCPU, as LiteLLM advises. Measured on one core, a second worker added no
 * throughput, 950 MiB and ten seconds of start (README, Performance).
 */
export function workersPerTask(sizing: ProcessSizing = {}): number {
  return sizing.workersPerTask ?? Math.max(1, Math.floor((sizing.cpu ?? DEFAULTS.cpu) / 1024));
}

/**
 * How many LiteLLM processes can run at once: every worker of every task keeps its own in-memory counters, so this
 * decides whether limits need the shared cache.
 */
export function maxProcesses(sizing: ProcessSizing = {}): number {
  return (sizing.maxTasks ?? DEFAULTS.maxTasks) * workersPerTask(sizing);
}
