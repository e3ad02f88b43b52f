import { Duration } from 'aws-cdk-lib';
import { stringify } from 'yaml';
import { BedrockModel, InferenceGeography } from './bedrock-model';
import { ModelAlias } from './model-alias';
import { METRICS_CALLBACK, renderDocument } from './private/render';
import { ResolvedConfig, resolveConfig } from './private/resolve';
import { configWarnings, longestRequestSeconds, validateConfig } from './private/validate';
import { RoutingProps, RoutingStrategy } from './routing';
import { DEFAULTS } from '../private/defaults';

/** A condition under which the configuration is legal but risky; the gateway reports it as a CDK warning. */
export interface ConfigWarning {
  /** A stable id, so a user can acknowledge the warning (`Annotations.of(scope).acknowledgeWarning(id)`). */
  readonly id: string;
  /** What is risky and what to do about it. */
  readonly message: string;
}

/**
 * The typed LiteLLM configuration: models, routing and proxy settings.
 */
export interface GatewayConfigProps {
  /**
   * The model aliases agents can call.
   *
   * @default - the reference aliases: claude-primary (Claude Sonnet 4.5, 80,000 tpm, 50 rpm), claude-fallback and
   * claude-fast (Claude Haiku 4.5, 80,000 tpm, 100 rpm), through the inference profiles of `defaultGeography`
   */
  readonly models?: ModelAlias[];
  /**
   * The cross-Region inference geography of the default aliases (only when `models` is unset).
   *
   * @default - the smallest geography whose profiles can be called from the stack's Region: `us.` in the US,
   * `eu.` in Europe, `jp.` in Tokyo and Osaka, `au.` in Sydney and Melbourne, `apac.` elsewhere in Asia Pacific,
   * `us-gov.` in AWS GovCloud (US); `global.` with a warning where no geographic profile serves the Region and
   * for an environment-agnostic stack
   */
  readonly defaultGeography?: InferenceGeography;
  /**
   * Router settings: strategy, retries, cooldowns and fallbacks.
   *
   * @default - the reference routing (see `RoutingProps`)
   */
  readonly routing?: RoutingProps;
  /**
   * How long one call to a model may wait for Bedrock (`litellm_settings.request_timeout`; an alias's own `timeout`
   * overrides it), streamed or not: the proxy passes it to every call, without a cap of its own (a stream is bounded
   * per wait for its next chunk, not in total). A call that times out is retried `routing.timeoutRetries` times and
   * then falls back, so one request to the proxy can take longer: see `GatewayConfig.longestRequest`, which the load
   * balancer's idle timeout and drain follow, and which cannot exceed the load balancer's 4000 s.
   *
   * @default Duration.seconds(600)
   */
  readonly requestTimeout?: Duration;
  /**
   * Maximum calls in flight to one deployment from one LiteLLM worker process (`max_parallel_requests` of every
   * alias); further calls wait their turn. With T tasks of W workers, up to T × W × this many calls reach one model.
   *
   * @default 50
   */
  readonly maxParallelRequests?: number;
  /**
   * Drop OpenAI parameters that Bedrock does not support instead of failing (`litellm_settings.drop_params`).
   *
   * @default true
   */
  readonly dropParams?: boolean;
  /**
   * Log JSON lines (`litellm_settings.json_logs`), which the metric filters read.
   *
   * @default true
   */
  readonly jsonLogs?: boolean;
  /**
   * Let the admin UI store models in the database (`general_settings.store_model_in_db`). Off keeps the typed
   * configuration the single source of truth.
   *
   * @default false
   */
  readonly storeModelInDb?: boolean;
  /**
   * Register the metrics callback (one JSON line per completion, read by the metric filters).
   *
   * @default true
   */
  readonly metricsCallback?: boolean;
  /**
   * The name of the environment variable that holds the admin key; the config references it as
   * `os.environ/<name>`. A name, never the key itself.
   *
   * @default 'LITELLM_ADMIN_KEY'
   */
  readonly masterKeyVariable?: string;
}

/** Options of `GatewayConfig.render`. */
export interface GatewayConfigOptions {
  /**
   * The Region used for aliases without one, and checked against their inference-profile geography.
   * A token (an environment-agnostic stack) counts as unknown.
   *
   * @default - unknown: aliases without a Region are rendered without `aws_region_name`
   */
  readonly defaultRegion?: string;
  /**
   * Share router state (rate-limit counters, cooldowns) and virtual-key limits through a Redis-compatible cache,
   * reached with the container's REDIS_HOST, REDIS_PORT, REDIS_PASSWORD, REDIS_USERNAME and REDIS_SSL variables, and
   * REDIS_CLUSTER_NODES for a cluster-mode cache.
   *
   * @default - no shared cache: each worker counts on its own
   */
  readonly cache?: CacheSettings;
}

/** How the rendered config reaches the shared cache. */
export interface CacheSettings {
  /** The cache port. */
  readonly port: number;
  /** Whether the cache needs a password (REDIS_PASSWORD). */
  readonly password: boolean;
}

/**
 * The LiteLLM configuration of a gateway, validated on construction and rendered to `litellm_config.yaml`.
 *
 * Pure: no AWS calls and no construct scope, so it can be tested and rendered on its own. Every key is written
 * where LiteLLM reads it (`litellm/router.py` `Router.__init__`, `litellm/proxy/proxy_server.py`
 * `ProxyConfig.load_config`, `litellm/proxy/common_utils/callback_utils.py`), as the local twin proves by running it.
 */
export class GatewayConfig {
  /**
   * The module path, relative to the config file's folder, of the metrics callback instance
   * (`assets/service/litellm/callbacks/metrics_logger.py`, object `metrics_logger`). LiteLLM resolves `a.b.c` to
   * `<config dir>/a/b.py` and takes attribute `c`, which must be an instance.
   */
  public static readonly METRICS_CALLBACK = METRICS_CALLBACK;

  /** The environment variable that carries the admin (master) key into the container by default. */
  public static readonly DEFAULT_MASTER_KEY_VARIABLE = DEFAULTS.masterKeyVariable;

  /** The model aliases, defaults applied. */
  public readonly models: ModelAlias[];
  /** The routing strategy. */
  public readonly strategy: RoutingStrategy;
  /** Whether deployments' rpm/tpm are enforced as limits (refused with 429), not only used as routing weights. */
  public readonly enforcesModelRateLimits: boolean;
  /** The environment variable the config reads the admin key from; the container gets the key under this name. */
  public readonly masterKeyVariable: string;
  /** How long one call to a model may take, unless its alias sets its own timeout. */
  public readonly requestTimeout: Duration;
  /**
   * The longest one request can take at the proxy when every call times out: each alias's timed-out calls (with
   * their retries and the waits between them) followed by those of its fallbacks, for the worst alias.
   */
  public readonly longestRequest: Duration;
  /** Conditions that are legal but risky. */
  public readonly warnings: ConfigWarning[];
  /** Whether router state and key limits are shared through a Redis-compatible cache. */
  public readonly usesCache: boolean;
  /** Whether completions are reported by the metrics callback (one JSON line each), which the metric filters read. */
  public readonly reportsMetrics: boolean;

  private readonly resolved: ResolvedConfig;

  constructor(props: GatewayConfigProps = {}, options: GatewayConfigOptions = {}) {
    this.resolved = resolveConfig(props, options);
    validateConfig(this.resolved);
    this.models = this.resolved.models;
    this.strategy = this.resolved.strategy;
    this.enforcesModelRateLimits = this.resolved.enforcesModelRateLimits;
    this.masterKeyVariable = this.resolved.masterKeyVariable;
    this.requestTimeout = this.resolved.requestTimeout;
    this.usesCache = this.resolved.cache !== undefined;
    this.reportsMetrics = props.metricsCallback ?? true;
    this.longestRequest = Duration.seconds(longestRequestSeconds(this.resolved));
    this.warnings = configWarnings(this.resolved);
  }

  /** Whether any alias has a tpm or rpm limit: per-process counters unless the router shares state. */
  public get hasRateLimits(): boolean {
    return this.models.some((m) => m.tpm !== undefined || m.rpm !== undefined);
  }

  /** The distinct Bedrock models the aliases call, for IAM. */
  public get bedrockModels(): BedrockModel[] {
    const seen = new Map<string, BedrockModel>();
    for (const m of this.models) {
      seen.set(m.model.modelId, m.model);
    }
    return [...seen.values()];
  }

  /** The alias names, in order. */
  public get aliases(): string[] {
    return this.models.map((m) => m.alias);
  }

  /** The configuration as `litellm_config.yaml` text, keys in a stable order. */
  public renderYaml(): string {
    const header = '# Generated by cdk-llm-gateway from typed props. Edit the construct props, not this file.\n';
    // YAML 1.1, as LiteLLM reads it with PyYAML: strings such as 'on', 'no' or 'y' must be quoted.
    return header + stringify(this._document(), { version: '1.1', lineWidth: 0, aliasDuplicateObjects: false });
  }

  /**
   * The configuration document as plain data.
   * @internal
   */
  public _document(): Record<string, unknown> {
    return renderDocument(this.resolved);
  }
}
