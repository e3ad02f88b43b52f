import { Stack } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { IConstruct } from 'constructs';
import type { CacheConnection } from '../../cache';
import type { DatabaseConnection } from '../../database';
import { DEFAULTS } from '../../private/defaults';

/**
 * LiteLLM fetches these from GitHub at start unless told to use the copies bundled with the release: a task must not
 * depend on a download at start (no egress, a GitHub outage), and bundled prices keep spend reproducible per release.
 */
const OFFLINE_ENVIRONMENT: Record<string, string> = {
  LITELLM_LOCAL_MODEL_COST_MAP: 'True',
  LITELLM_LOCAL_ANTHROPIC_BETA_HEADERS: 'True',
  LITELLM_LOCAL_AUTOROUTER_PRESETS: 'True',
  LITELLM_LOCAL_BLOG_POSTS: 'True',
  LITELLM_LOCAL_POLICY_TEMPLATES: 'True',
};

/** Variables the serving container sets besides those of the database and the cache. */
const CACHE_VARIABLES = ['REDIS_HOST', 'REDIS_PORT', 'REDIS_SSL', 'REDIS_USERNAME', 'REDIS_PASSWORD', 'REDIS_CLUSTER_NODES'];
const SERVING_ONLY = ['LITELLM_SALT_KEY', 'UI_USERNAME', 'UI_PASSWORD', 'DISABLE_SCHEMA_UPDATE', 'GRACEFUL_SHUTDOWN_TIMEOUT', 'DISABLE_ADMIN_UI', 'AIOHTTP_SO_KEEPALIVE',
  'IAM_TOKEN_DB_AUTH', 'DATABASE_USER', 'DATABASE_PORT', 'AWS_RDS_REGION', 'DATABASE_SSLMODE'];

/** What the container environment is built from. */
export interface ContainerEnvironmentInput {
  readonly scope: IConstruct;
  readonly region: string;
  readonly logLevel: string;
  readonly database: DatabaseConnection;
  /** The variable the config reads the admin key from (`os.environ/<name>`). */
  readonly masterKeyVariable: string;
  readonly masterKey: secretsmanager.ISecret;
}

/** The variables and secrets of one container. */
export interface ContainerEnvironment {
  readonly environment: Record<string, string>;
  readonly secrets: Record<string, ecs.Secret>;
}

/**
 * What every LiteLLM container of the gateway needs, the one-off migration's included: both import LiteLLM, which
 * reads these at start, and both connect to the database. The cache is the serving tasks' only.
 */
export function sharedEnvironment(input: ContainerEnvironmentInput): ContainerEnvironment {
  const db = input.database;
  const port = db.port ?? DEFAULTS.postgresPort;
  const environment: Record<string, string> = {
    ...OFFLINE_ENVIRONMENT,
    AWS_REGION_NAME: input.region,
    LITELLM_LOG: input.logLevel,
    // LiteLLM builds DATABASE_URL from these (URL-encoding the password) when DATABASE_URL is unset; a port other
    // than PostgreSQL's goes into the host.
    DATABASE_HOST: port === DEFAULTS.postgresPort ? db.hostname : `${db.hostname}:${port}`,
    DATABASE_NAME: db.databaseName ?? DEFAULTS.databaseName,
  };
  const taken = [...Object.keys(environment), ...CACHE_VARIABLES, 'DATABASE_USERNAME', 'DATABASE_PASSWORD', ...SERVING_ONLY];
  if (taken.includes(input.masterKeyVariable)) {
    throw new Error(`masterKeyVariable '${input.masterKeyVariable}' is a variable the gateway's container already sets for LiteLLM; choose another name, or leave it unset for ${DEFAULTS.masterKeyVariable}.`);
  }
  return {
    environment,
    secrets: {
      // The config reads the admin key from the variable it names: the key arrives under that name.
      [input.masterKeyVariable]: ecs.Secret.fromSecretsManager(input.masterKey),
      DATABASE_USERNAME: ecs.Secret.fromSecretsManager(db.secret, 'username'),
      DATABASE_PASSWORD: ecs.Secret.fromSecretsManager(db.secret, 'password'),
    },
  };
}

function cacheEnvironment(scope: IConstruct, cache: CacheConnection | undefined): ContainerEnvironment {
  if (!cache) {
    return { environment: {}, secrets: {} };
  }
  const port = cache.port ?? DEFAULTS.valkeyPort;
  return {
    environment: {
      REDIS_HOST: cache.hostname,
      // Always set: LiteLLM's proxy cache and its fallback client read the port only from here (litellm/_redis.py).
      REDIS_PORT: String(port),
      REDIS_SSL: (cache.tls ?? true) ? 'True' : 'False',
      ...(cache.username ? { REDIS_USERNAME: cache.username } : {}),
      // A cluster-mode cache needs LiteLLM's cluster client, which the router and the proxy cache build only when
      // this is set (one node suffices: the client discovers the others); a plain client fails with MOVED/CROSSSLOT.
      ...(cache.clusterMode ? { REDIS_CLUSTER_NODES: Stack.of(scope).toJsonString([{ host: cache.hostname, port }]) } : {}),
    },
    secrets: cache.password ? { REDIS_PASSWORD: ecs.Secret.fromSecretsManager(cache.password) } : {},
  };
}

/** What only the serving container adds. */
export interface ServingEnvironmentInput {
  readonly scope: IConstruct;
  readonly cache?: CacheConnection;
  readonly migrateOnce: boolean;
  readonly stopTimeoutSeconds: number;
  readonly adminUi: boolean;
  readonly saltKey: secretsmanager.ISecret;
  readonly uiCredentials: secretsmanager.ISecret;
}

export function servingEnvironment(shared: ContainerEnvironment, input: ServingEnvironmentInput): ContainerEnvironment {
  const cache = cacheEnvironment(input.scope, input.cache);
  return {
    environment: {
      ...shared.environment,
      ...cache.environment,
      // The one-off migration task owns the schema; serving tasks skip `prisma migrate deploy`.
      ...(input.migrateOnce ? { DISABLE_SCHEMA_UPDATE: 'true' } : {}),
      // After SIGTERM LiteLLM stops taking requests and lets those in flight finish for this long; its workers then
      // close, which must end before ECS kills the container at stopTimeout.
      GRACEFUL_SHUTDOWN_TIMEOUT: String(Math.max(1, input.stopTimeoutSeconds - DEFAULTS.shutdownHeadroomSeconds)),
      // TCP keep-alive on the connections to Bedrock: a NAT gateway or VPC endpoint drops a flow idle for 350 s, and a
      // long completion waits silently for its answer longer than that; the probes keep the flow open.
      AIOHTTP_SO_KEEPALIVE: 'True',
      ...(input.adminUi ? {} : { DISABLE_ADMIN_UI: 'True' }),
    },
    secrets: {
      ...shared.secrets,
      ...cache.secrets,
      LITELLM_SALT_KEY: ecs.Secret.fromSecretsManager(input.saltKey),
      UI_USERNAME: ecs.Secret.fromSecretsManager(input.uiCredentials, 'username'),
      UI_PASSWORD: ecs.Secret.fromSecretsManager(input.uiCredentials, 'password'),
    },
  };
}
