import { Duration } from 'aws-cdk-lib';
import { DEFAULTS } from '../../private/defaults';
import { ModelCapability } from '../bedrock-model';
import type { ModelAlias } from '../model-alias';
import type { Fallback } from '../routing';
import type { ResolvedConfig } from './resolve';

/** The metrics callback instance, relative to the config file's folder (`callbacks/metrics_logger.py`, `metrics_logger`). */
export const METRICS_CALLBACK = 'callbacks.metrics_logger.metrics_logger';

const seconds = (d: Duration | undefined, fallback: Duration) => (d ?? fallback).toSeconds();
const fallbackList = (list: Fallback[]) => list.map((f) => ({ [f.from]: [...f.to] }));

/** `litellm_config.yaml` as plain data: every key where LiteLLM reads it. */
export function renderDocument(c: ResolvedConfig): Record<string, unknown> {
  return {
    model_list: c.models.map((m) => renderModel(c, m)),
    router_settings: routerSettings(c),
    litellm_settings: litellmSettings(c),
    // No database_url: LiteLLM assembles the URL from DATABASE_HOST/USERNAME/PASSWORD/NAME only when neither
    // DATABASE_URL nor general_settings.database_url is set, and ECS injects those from the cluster secret.
    general_settings: {
      master_key: `os.environ/${c.masterKeyVariable}`,
      store_model_in_db: c.props.storeModelInDb ?? false,
    },
  };
}

function routerSettings(c: ResolvedConfig): Record<string, unknown> {
  const routing = c.routing;
  const settings: Record<string, unknown> = {
    routing_strategy: c.strategy.strategyName,
    num_retries: routing.numRetries ?? DEFAULTS.numRetries,
    retry_after: seconds(routing.retryAfter, DEFAULTS.retryAfter),
    // LiteLLM ranks litellm_settings.request_timeout above router_settings.timeout, so a router timeout would be
    // ignored: calls are bounded by request_timeout or the alias's own litellm_params.timeout.
    retry_policy: { TimeoutErrorRetries: routing.timeoutRetries ?? DEFAULTS.timeoutRetries },
    allowed_fails: routing.allowedFails ?? DEFAULTS.allowedFails,
    cooldown_time: seconds(routing.cooldownTime, DEFAULTS.cooldownTime),
  };
  if (c.enforcesModelRateLimits) {
    // The one router path that refuses a deployment over its rpm/tpm: it increments the deployment's per-minute
    // request counter in the router's cache (Redis when shared) before the call and refuses past the limit
    // (litellm/router_utils/pre_call_checks/model_rate_limit_check.py). Routing strategies only use rpm/tpm to pick.
    settings.optional_pre_call_checks = ['enforce_model_rate_limits'];
  }
  if (c.fallbacks.length > 0) {
    settings.fallbacks = fallbackList(c.fallbacks);
  }
  if (c.contextWindowFallbacks.length > 0) {
    settings.context_window_fallbacks = fallbackList(c.contextWindowFallbacks);
  }
  if (c.cache) {
    // Router.__init__ builds its Redis client from these arguments (then it keeps cooldowns and usage in Redis); the
    // client adds REDIS_USERNAME and REDIS_SSL from the environment (litellm/_redis.py), and becomes a cluster client
    // when REDIS_CLUSTER_NODES is set (Router._create_redis_cache).
    settings.redis_host = 'os.environ/REDIS_HOST';
    settings.redis_port = c.cache.port;
    if (c.cache.password) {
      settings.redis_password = 'os.environ/REDIS_PASSWORD';
    }
  }
  return settings;
}

function litellmSettings(c: ResolvedConfig): Record<string, unknown> {
  // request_timeout, num_retries and drop_params are module settings: LiteLLM sets every litellm_settings key
  // as `litellm.<key>`, while general_settings.request_timeout is never read. set_verbose is deprecated; the
  // container's LITELLM_LOG sets the log level instead. num_retries here serves calls outside the router.
  const settings: Record<string, unknown> = {
    drop_params: c.props.dropParams ?? true,
    json_logs: c.props.jsonLogs ?? true,
    num_retries: c.routing.numRetries ?? DEFAULTS.numRetries,
    request_timeout: c.requestTimeout.toSeconds(),
  };
  if (c.props.metricsCallback ?? true) {
    settings.callbacks = [METRICS_CALLBACK];
  }
  if (c.cache) {
    // Virtual-key rpm/tpm/parallel limits are shared only through the proxy's Redis cache; `default_off` keeps
    // response caching off unless a request asks for it. Connection from the REDIS_* environment (a cluster client
    // with REDIS_CLUSTER_NODES: litellm/caching/caching.py).
    settings.cache = true;
    settings.cache_params = { type: 'redis', mode: 'default_off' };
  }
  return settings;
}

function renderModel(c: ResolvedConfig, m: ModelAlias): Record<string, unknown> {
  const params: Record<string, unknown> = { model: m.model.litellmModel };
  const region = m.region ?? c.defaultRegion;
  if (region !== undefined) {
    params.aws_region_name = region;
  }
  if (m.tpm !== undefined) params.tpm = m.tpm;
  if (m.rpm !== undefined) params.rpm = m.rpm;
  if (m.timeout !== undefined) {
    // Streams have a timeout of their own, which would otherwise fall back to request_timeout.
    params.timeout = m.timeout.toSeconds();
    params.stream_timeout = m.timeout.toSeconds();
  }
  if (m.maxRetries !== undefined) params.max_retries = m.maxRetries;
  // The router's per-deployment semaphore (one per worker process); general_settings.max_parallel_requests, where
  // LiteLLM's docs put it, is never read by the proxy.
  params.max_parallel_requests = c.props.maxParallelRequests ?? DEFAULTS.maxParallelRequests;
  if (m.model.capability !== ModelCapability.CHAT) {
    // The proxy serves any alias on /v1/embeddings; model_info.mode makes its health check probe the alias with
    // an embedding call instead of a chat completion (litellm/proxy/health_check.py, resolve_health_check_mode).
    return { model_name: m.alias, litellm_params: params, model_info: { mode: m.model.capability } };
  }
  return { model_name: m.alias, litellm_params: params };
}
