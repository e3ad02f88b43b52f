import { Duration, Token } from 'aws-cdk-lib';
import { stringify } from 'yaml';
import { BedrockModel, InferenceGeography, ModelCapability } from './bedrock-model';
import { ModelAlias } from './model-alias';
import { assertBedrockRegion, chooseDefaultModels, DefaultModels, profileWarnings } from './regions';
import { Fallback, RoutingProps, RoutingStrategy } from './routing';

/**
 * The aliases of the reference deployment, with its limits, through the inference-profile geography that serves the
 * stack's Region (see `chooseDefaultModels`).
 */
function referenceModels(defaults: DefaultModels): ModelAlias[] {
  const sonnet = defaults.primary;
  const haiku = defaults.fast;
  return [
    { alias: 'claude-primary', model: sonnet, tpm: 80_000, rpm: 50 },
    { alias: 'claude-fallback', model: haiku, tpm: 80_000, rpm: 100 },
    { alias: 'claude-fast', model: haiku, tpm: 80_000, rpm: 100 },
  ];
}

function referenceFallbacks(): Fallback[] {
  return [{ from: 'claude-primary', to: ['claude-fallback'] }];
}

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
   * How long one call to a model may take (`litellm_settings.request_timeout`; an alias's own `timeout` overrides
   * it). A call that times out is retried `routing.timeoutRetries` times and then falls back, so one request to the
   * proxy can take longer: see `GatewayConfig.longestRequest`, which the load balancer's timeouts follow.
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
   * Retries LiteLLM makes for a failed call (`litellm_settings.num_retries`).
   *
   * @default 3
   */
  readonly numRetries?: number;
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
   * Share router state (rate-limit counters, cooldowns) and virtual-key limits through Redis/Valkey, reached with the
   * container's REDIS_HOST, REDIS_PORT, REDIS_PASSWORD, REDIS_USERNAME and REDIS_SSL variables, and
   * REDIS_CLUSTER_NODES for a cluster-mode cache.
   *
   * @default - no shared state: each worker counts on its own
   */
  readonly sharedState?: SharedStateSettings;
}

/** How the rendered config reaches the shared Redis/Valkey. */
export interface SharedStateSettings {
  /** The cache port. */
  readonly port: number;
  /** Whether the cache needs a password (REDIS_PASSWORD). */
  readonly password: boolean;
}

const ALIAS = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]{1,2}$/;
const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;

/**
 * The LiteLLM configuration of a gateway, validated on construction and rendered to `litellm_config.yaml`.
 *
 * Pure: no AWS calls and no construct scope, so it can be tested and rendered on its own. Every key is written
 * where LiteLLM reads it (checked against LiteLLM v1.83 sources: `litellm/router.py` `Router.__init__`,
 * `litellm/proxy/proxy_server.py` `ProxyConfig.load_config`, `litellm/proxy/common_utils/callback_utils.py`).
 */
export class GatewayConfig {
  /**
   * The module path, relative to the config file's folder, of the metrics callback instance
   * (`assets/litellm/callbacks/metrics_logger.py`, object `metrics_logger`). LiteLLM resolves `a.b.c` to
   * `<config dir>/a/b.py` and takes attribute `c`, which must be an instance.
   */
  public static readonly METRICS_CALLBACK = 'callbacks.metrics_logger.metrics_logger';

  /** The environment variable that carries the admin (master) key into the container by default. */
  public static readonly DEFAULT_MASTER_KEY_VARIABLE = 'LITELLM_ADMIN_KEY';

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
  /** Whether router state and key limits are shared through Redis/Valkey. */
  public readonly hasSharedState: boolean;

  private readonly props: GatewayConfigProps;
  private readonly defaultRegion?: string;
  private readonly fallbacks: Fallback[];
  private readonly contextWindowFallbacks: Fallback[];
  private readonly sharedState?: SharedStateSettings;

  constructor(props: GatewayConfigProps = {}, options: GatewayConfigOptions = {}) {
    this.props = props;
    this.defaultRegion = options.defaultRegion !== undefined && !Token.isUnresolved(options.defaultRegion) ? options.defaultRegion : undefined;
    const routing = props.routing ?? {};
    const defaulted = props.models === undefined;
    if (props.models !== undefined && props.defaultGeography !== undefined) {
      throw new Error('defaultGeography applies only to the default aliases, and models is set: choose each model\'s geography in models (model.inGeography(…)) and drop defaultGeography.');
    }
    const defaults = defaulted ? chooseDefaultModels(this.defaultRegion, props.defaultGeography) : undefined;
    this.models = props.models ?? referenceModels(defaults!);
    this.strategy = routing.strategy ?? RoutingStrategy.SIMPLE_SHUFFLE;
    this.enforcesModelRateLimits = routing.enforceModelRateLimits ?? true;
    this.fallbacks = routing.fallbacks ?? (defaulted ? referenceFallbacks() : []);
    this.contextWindowFallbacks = routing.contextWindowFallbacks ?? (defaulted ? referenceFallbacks() : []);
    this.requestTimeout = props.requestTimeout ?? Duration.seconds(600);
    this.masterKeyVariable = props.masterKeyVariable ?? GatewayConfig.DEFAULT_MASTER_KEY_VARIABLE;
    this.sharedState = options.sharedState;
    this.hasSharedState = options.sharedState !== undefined;

    this.validate();
    this.longestRequest = Duration.seconds(this.longestRequestSeconds());
    this.warnings = [...this.collectWarnings(), ...(defaults?.warnings ?? []), ...profileWarnings(this.models)];
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
    const routing = this.props.routing ?? {};
    const seconds = (d: Duration | undefined, fallback: number) => (d ? d.toSeconds() : fallback);
    const fallbackList = (list: Fallback[]) => list.map((f) => ({ [f.from]: [...f.to] }));

    const routerSettings: Record<string, unknown> = {
      routing_strategy: this.strategy.strategyName,
      num_retries: routing.numRetries ?? 3,
      retry_after: seconds(routing.retryAfter, 5),
      // LiteLLM ranks litellm_settings.request_timeout above router_settings.timeout, so a router timeout would be
      // ignored: calls are bounded by request_timeout or the alias's own litellm_params.timeout.
      retry_policy: { TimeoutErrorRetries: routing.timeoutRetries ?? 0 },
      allowed_fails: routing.allowedFails ?? 2,
      cooldown_time: seconds(routing.cooldownTime, 60),
    };
    if (this.enforcesModelRateLimits) {
      // The one router path that refuses a deployment over its rpm/tpm: it increments the deployment's per-minute
      // request counter in the router's cache (Redis when shared) before the call and refuses past the limit
      // (litellm/router_utils/pre_call_checks/model_rate_limit_check.py). Routing strategies only use rpm/tpm to pick.
      routerSettings.optional_pre_call_checks = ['enforce_model_rate_limits'];
    }
    if (this.fallbacks.length > 0) {
      routerSettings.fallbacks = fallbackList(this.fallbacks);
    }
    if (this.contextWindowFallbacks.length > 0) {
      routerSettings.context_window_fallbacks = fallbackList(this.contextWindowFallbacks);
    }
    if (this.sharedState) {
      // Router.__init__ builds its Redis client from these arguments (then it keeps cooldowns and usage in Redis); the
      // client adds REDIS_USERNAME and REDIS_SSL from the environment (litellm/_redis.py), and becomes a cluster client
      // when REDIS_CLUSTER_NODES is set (Router._create_redis_cache).
      routerSettings.redis_host = 'os.environ/REDIS_HOST';
      routerSettings.redis_port = this.sharedState.port;
      if (this.sharedState.password) {
        routerSettings.redis_password = 'os.environ/REDIS_PASSWORD';
      }
    }

    // request_timeout, num_retries and drop_params are module settings: LiteLLM sets every litellm_settings key
    // as `litellm.<key>`, while general_settings.request_timeout is never read (S-FIX-6). set_verbose is
    // deprecated; the container's LITELLM_LOG sets the log level instead.
    const litellmSettings: Record<string, unknown> = {
      drop_params: this.props.dropParams ?? true,
      json_logs: this.props.jsonLogs ?? true,
      num_retries: this.props.numRetries ?? 3,
      request_timeout: this.requestTimeout.toSeconds(),
    };
    if (this.props.metricsCallback ?? true) {
      litellmSettings.callbacks = [GatewayConfig.METRICS_CALLBACK];
    }
    if (this.sharedState) {
      // Virtual-key rpm/tpm/parallel limits are shared only through the proxy's Redis cache; `default_off` keeps
      // response caching off unless a request asks for it. Connection from the REDIS_* environment (a cluster client
      // with REDIS_CLUSTER_NODES: litellm/caching/caching.py).
      litellmSettings.cache = true;
      litellmSettings.cache_params = { type: 'redis', mode: 'default_off' };
    }

    // No database_url: LiteLLM assembles the URL from DATABASE_HOST/USERNAME/PASSWORD/NAME only when neither
    // DATABASE_URL nor general_settings.database_url is set (S-FIX-11), and ECS injects those from the cluster secret.
    const generalSettings: Record<string, unknown> = {
      master_key: `os.environ/${this.masterKeyVariable}`,
      store_model_in_db: this.props.storeModelInDb ?? false,
    };

    return {
      model_list: this.models.map((m) => this.renderModel(m)),
      router_settings: routerSettings,
      litellm_settings: litellmSettings,
      general_settings: generalSettings,
    };
  }

  private renderModel(m: ModelAlias): Record<string, unknown> {
    const params: Record<string, unknown> = { model: m.model.litellmModel };
    const region = m.region ?? this.defaultRegion;
    if (region !== undefined) {
      params.aws_region_name = region;
    }
    if (m.tpm !== undefined) params.tpm = m.tpm;
    if (m.rpm !== undefined) params.rpm = m.rpm;
    if (m.timeout !== undefined) params.timeout = m.timeout.toSeconds();
    if (m.maxRetries !== undefined) params.max_retries = m.maxRetries;
    // The router's per-deployment semaphore (one per worker process); general_settings.max_parallel_requests, where
    // LiteLLM's docs put it, is never read by the proxy.
    params.max_parallel_requests = this.props.maxParallelRequests ?? 50;
    if (m.model.capability !== ModelCapability.CHAT) {
      // The proxy serves any alias on /v1/embeddings; model_info.mode makes its health check probe the alias with
      // an embedding call instead of a chat completion (litellm/proxy/health_check.py, resolve_health_check_mode).
      return { model_name: m.alias, litellm_params: params, model_info: { mode: m.model.capability } };
    }
    return { model_name: m.alias, litellm_params: params };
  }

  /** Seconds of the worst request: every call of an alias's chain (the alias, then its fallbacks) times out. */
  private longestRequestSeconds(): number {
    const routing = this.props.routing ?? {};
    const retries = routing.timeoutRetries ?? 0;
    const retryAfter = routing.retryAfter?.toSeconds() ?? 5;
    const byAlias = new Map(this.models.map((m) => [m.alias, m]));
    const timedOut = (alias: string) => {
      const timeout = (byAlias.get(alias)?.timeout ?? this.requestTimeout).toSeconds();
      return (1 + retries) * timeout + retries * retryAfter;
    };
    return Math.max(...this.models.map((m) => {
      const chain = this.fallbacks.filter((f) => f.from === m.alias).flatMap((f) => f.to);
      return [m.alias, ...chain].reduce((total, alias) => total + timedOut(alias), 0);
    }));
  }

  private validate(): void {
    if (this.models.length === 0) {
      throw new Error('models is empty: configure at least one model alias, or leave models unset for the reference aliases.');
    }
    const seen = new Set<string>();
    this.models.forEach((m, i) => {
      const at = `models[${i}]`;
      if (!ALIAS.test(m.alias)) {
        throw new Error(`${at}.alias '${m.alias}' is not a valid alias: use 1-64 letters, digits, '-', '_' or '.', starting with a letter or digit (LiteLLM treats '/', '*' and ':' specially).`);
      }
      if (seen.has(m.alias)) {
        throw new Error(`${at}.alias '${m.alias}' is defined twice; every alias must be unique.`);
      }
      seen.add(m.alias);
      if (!(m.model instanceof BedrockModel)) {
        throw new Error(`${at}.model must be a BedrockModel, e.g. BedrockModel.CLAUDE_HAIKU_4_5 or BedrockModel.fromModelId('…').`);
      }
      positiveInteger(`${at}.tpm`, m.tpm);
      positiveInteger(`${at}.rpm`, m.rpm);
      nonNegativeInteger(`${at}.maxRetries`, m.maxRetries);
      positiveSeconds(`${at}.timeout`, m.timeout);
      this.validateRegion(at, m);
    });

    const routing = this.props.routing ?? {};
    nonNegativeInteger('routing.numRetries', routing.numRetries);
    nonNegativeInteger('routing.allowedFails', routing.allowedFails);
    nonNegativeInteger('routing.timeoutRetries', routing.timeoutRetries);
    positiveSeconds('routing.cooldownTime', routing.cooldownTime);
    nonNegativeSeconds('routing.retryAfter', routing.retryAfter);
    positiveSeconds('requestTimeout', this.props.requestTimeout);
    positiveInteger('maxParallelRequests', this.props.maxParallelRequests);
    nonNegativeInteger('numRetries', this.props.numRetries);
    validateFallbacks('routing.fallbacks', this.fallbacks, seen);
    validateFallbacks('routing.contextWindowFallbacks', this.contextWindowFallbacks, seen);
    this.validateFallbackCapabilities('routing.fallbacks', this.fallbacks);
    this.validateFallbackCapabilities('routing.contextWindowFallbacks', this.contextWindowFallbacks);
    if (this.sharedState && !(Number.isInteger(this.sharedState.port) && this.sharedState.port > 0 && this.sharedState.port < 65536)) {
      throw new Error(`the cache port must be a TCP port, got ${this.sharedState.port}.`);
    }

    const variable = this.props.masterKeyVariable;
    if (variable !== undefined && !ENV_NAME.test(variable)) {
      const looksLikeKey = variable.startsWith('sk-') || variable.length >= 24;
      throw new Error(looksLikeKey
        ? 'masterKeyVariable looks like a key: pass the NAME of the environment variable that holds it (e.g. LITELLM_ADMIN_KEY); the key itself stays in Secrets Manager.'
        : `masterKeyVariable '${variable}' is not an environment variable name (upper-case letters, digits and '_').`);
    }
  }

  private validateRegion(at: string, m: ModelAlias): void {
    if (m.region !== undefined) {
      if (Token.isUnresolved(m.region)) {
        throw new Error(`${at}.region is a token; the Region is baked into litellm_config.yaml at synth time, so give a literal Region such as 'us-east-1', or leave it unset to use the container's AWS_REGION_NAME.`);
      }
      if (!REGION.test(m.region)) {
        throw new Error(`${at}.region '${m.region}' is not an AWS Region name such as 'us-east-1'.`);
      }
    }
    if (m.region !== undefined) {
      assertBedrockRegion(`${at}.region`, m.region, 'choose a Region where Bedrock is offered');
    }
    if (m.region === undefined && this.defaultRegion !== undefined) {
      assertBedrockRegion(`the stack's Region (used because ${at}.region is unset)`, this.defaultRegion, `set ${at}.region to a Region where Bedrock is offered, or deploy the stack in one`);
    }
    const region = m.region ?? this.defaultRegion;
    if (region === undefined) return;
    const problem = m.model._regionProblem(region);
    if (problem) {
      const source = m.region !== undefined ? `${at}.region '${region}'` : `the stack's Region '${region}' (used because ${at}.region is unset)`;
      const what = m.model.geography
        ? `is outside the '${m.model.geography.prefix}.' inference profile's geography of ${at}.model (${m.model.modelId})`
        : `cannot call ${at}.model (${m.model.modelId}) in-Region`;
      throw new Error(`${source} ${what}: ${problem}. Set ${at}.region to a Region that can call it, or choose the model's profile for this Region's geography.`);
    }
  }

  /** A fallback answers the same kind of call as its alias: a chat request cannot be served by an embedding model. */
  private validateFallbackCapabilities(name: string, fallbacks: Fallback[]): void {
    const capability = new Map(this.models.map((m) => [m.alias, m.model.capability]));
    fallbacks.forEach((f, i) => {
      f.to.forEach((target, j) => {
        if (capability.get(target) !== capability.get(f.from)) {
          throw new Error(`${name}[${i}].to[${j}] '${target}' serves ${capability.get(target)} but '${f.from}' serves ${capability.get(f.from)}: a fallback must answer the same kind of call (LiteLLM would send the ${capability.get(f.from)} request to it). Fall back to an alias of a ${capability.get(f.from)} model.`);
        }
      });
    });
  }

  private collectWarnings(): ConfigWarning[] {
    const warnings: ConfigWarning[] = [];
    if (!this.enforcesModelRateLimits && this.hasRateLimits) {
      warnings.push({
        id: 'cdk-llm-gateway:modelRateLimitsNotEnforced',
        message: 'routing.enforceModelRateLimits is false: the models\' rpm/tpm only weight the router\'s pick, and no deployment is refused when it exceeds them. Leave it on to make them limits.',
      });
    }
    if (!this.strategy.recommendedForProduction) {
      warnings.push({
        id: 'cdk-llm-gateway:routingStrategy',
        message: `routing.strategy '${this.strategy.strategyName}' is not recommended for production by LiteLLM (it reads usage counters on every request and needs shared state across workers). Prefer RoutingStrategy.SIMPLE_SHUFFLE, which still honours rpm/tpm as weights.`,
      });
    }
    return warnings;
  }
}

function positiveInteger(name: string, value: number | undefined): void {
  if (value !== undefined && !(Number.isInteger(value) && value > 0)) {
    throw new Error(`${name} must be a positive integer, got ${value}.`);
  }
}

function nonNegativeInteger(name: string, value: number | undefined): void {
  if (value !== undefined && !(Number.isInteger(value) && value >= 0)) {
    throw new Error(`${name} must be a whole number >= 0, got ${value}.`);
  }
}

function wholeSeconds(name: string, value: Duration): number {
  if (Token.isUnresolved(value.toHumanString())) {
    throw new Error(`${name} must be known at synth time; it is rendered into litellm_config.yaml.`);
  }
  const ms = value.toMilliseconds({ integral: false });
  if (ms % 1000 !== 0) {
    throw new Error(`${name} must be a whole number of seconds, got ${value.toHumanString()}.`);
  }
  return ms / 1000;
}

function positiveSeconds(name: string, value: Duration | undefined): void {
  if (value !== undefined && wholeSeconds(name, value) <= 0) {
    throw new Error(`${name} must be longer than 0 seconds, got ${value.toHumanString()}.`);
  }
}

function nonNegativeSeconds(name: string, value: Duration | undefined): void {
  if (value !== undefined) {
    wholeSeconds(name, value);
  }
}

function validateFallbacks(name: string, fallbacks: Fallback[], aliases: Set<string>): void {
  const edges = new Map<string, string[]>();
  fallbacks.forEach((f, i) => {
    const at = `${name}[${i}]`;
    if (!aliases.has(f.from)) {
      throw new Error(`${at}.from '${f.from}' is not a configured alias (known: ${[...aliases].join(', ')}).`);
    }
    if (edges.has(f.from)) {
      throw new Error(`${at}.from '${f.from}' already has fallbacks; list all of its fallbacks in one entry, in order.`);
    }
    if (f.to.length === 0) {
      throw new Error(`${at}.to is empty: name at least one alias for '${f.from}' to fall back to, or remove the entry.`);
    }
    f.to.forEach((target, j) => {
      if (target === f.from) {
        throw new Error(`${at}.to[${j}]: '${f.from}' falls back to itself; a fallback must be another alias.`);
      }
      if (!aliases.has(target)) {
        throw new Error(`${at}.to[${j}] '${target}' is not a configured alias (known: ${[...aliases].join(', ')}).`);
      }
      if (f.to.indexOf(target) !== j) {
        throw new Error(`${at}.to[${j}] '${target}' is listed twice for '${f.from}'.`);
      }
    });
    edges.set(f.from, f.to);
  });

  // LiteLLM follows a fallback's own fallbacks, so a cycle loops until max_fallbacks is spent.
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (alias: string, path: string[]): void => {
    if (state.get(alias) === 'done') return;
    if (state.get(alias) === 'visiting') {
      const cycle = [...path.slice(path.indexOf(alias)), alias].join(' → ');
      throw new Error(`${name} form a cycle (${cycle}); fallbacks must not lead back to an alias already tried.`);
    }
    state.set(alias, 'visiting');
    for (const next of edges.get(alias) ?? []) {
      visit(next, [...path, alias]);
    }
    state.set(alias, 'done');
  };
  for (const alias of edges.keys()) {
    visit(alias, []);
  }
}
