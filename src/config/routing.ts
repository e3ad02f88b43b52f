import { Duration } from 'aws-cdk-lib';

/**
 * A LiteLLM router strategy (`router_settings.routing_strategy`): how the router picks among the deployments
 * that share one alias.
 *
 * The set is LiteLLM's own (`litellm/router.py`, `Router.__init__`, checked at v1.83).
 */
export class RoutingStrategy {
  /** Random pick weighted by rpm/tpm: LiteLLM's default and its production recommendation. */
  public static readonly SIMPLE_SHUFFLE = new RoutingStrategy('simple-shuffle', true);
  /** The deployment with the fewest requests in flight. */
  public static readonly LEAST_BUSY = new RoutingStrategy('least-busy', true);
  /**
   * The deployment with the lowest tpm/rpm usage; LiteLLM advises against it in production. Its usage counters are
   * read, added to and written back whole by each worker, so concurrent workers overwrite each other's counts, and it
   * skips a deployment one request before its rpm (rpm 2 serves one request a minute).
   */
  public static readonly USAGE_BASED_ROUTING = new RoutingStrategy('usage-based-routing', false);
  /** Usage-based routing on async counters; LiteLLM advises against it in production. */
  public static readonly USAGE_BASED_ROUTING_V2 = new RoutingStrategy('usage-based-routing-v2', false);
  /** The deployment with the lowest recent latency. */
  public static readonly LATENCY_BASED_ROUTING = new RoutingStrategy('latency-based-routing', true);
  /** The cheapest healthy deployment. */
  public static readonly COST_BASED_ROUTING = new RoutingStrategy('cost-based-routing', true);

  private constructor(
    /** The value LiteLLM reads, e.g. `simple-shuffle`. */
    public readonly strategyName: string,
    /** Whether LiteLLM's production guide recommends this strategy. */
    public readonly recommendedForProduction: boolean,
  ) {}
}

/** An ordered list of aliases that LiteLLM tries when the `from` alias fails. */
export interface Fallback {
  /** The alias whose failures fall back. */
  readonly from: string;
  /** The aliases tried in order; each must be a configured alias other than `from`. */
  readonly to: string[];
}

/**
 * Router settings (`router_settings` in `litellm_config.yaml`).
 *
 * Each key is an argument of LiteLLM's `Router.__init__`; LiteLLM ignores unknown keys with only a warning,
 * so the gateway renders none but these.
 */
export interface RoutingProps {
  /**
   * How the router picks among deployments of one alias.
   *
   * @default RoutingStrategy.SIMPLE_SHUFFLE (LiteLLM's production recommendation; rpm/tpm weight the pick, and
   * `enforceModelRateLimits` makes them limits)
   */
  readonly strategy?: RoutingStrategy;
  /**
   * Refuse a call (429) when its deployment has used its `rpm` or `tpm` in the current minute
   * (`router_settings.optional_pre_call_checks: [enforce_model_rate_limits]`).
   *
   * Without it a deployment's rpm/tpm only weight the router's pick (or steer usage-based routing) and nothing stops
   * a burst. With shared state the requests are counted in Redis/Valkey, so the limit holds across every task and
   * worker: rpm exactly (each request is counted before it is sent), tpm once the tokens of finished calls are
   * counted (calls in flight can overshoot it). A refused call goes to the alias's fallbacks, if any.
   *
   * @default true
   */
  readonly enforceModelRateLimits?: boolean;
  /**
   * Retries of a failed call, per deployment, before fallbacks apply.
   *
   * @default 3
   */
  readonly numRetries?: number;
  /**
   * Minimum wait before a retry.
   *
   * @default Duration.seconds(5)
   */
  readonly retryAfter?: Duration;
  /**
   * Retries of a call that timed out (`router_settings.retry_policy.TimeoutErrorRetries`). Each retry waits the whole
   * timeout again, and the load balancer must hold the connection for all of them, so timed-out calls go straight to
   * the alias's fallbacks by default; other failures get `numRetries`.
   *
   * @default 0
   */
  readonly timeoutRetries?: number;
  /**
   * Failures within a minute after which a deployment is put in cooldown.
   *
   * @default 2
   */
  readonly allowedFails?: number;
  /**
   * How long a deployment stays out of rotation after too many failures.
   *
   * @default Duration.seconds(60)
   */
  readonly cooldownTime?: Duration;
  /**
   * Fallbacks on errors and throttling (`router_settings.fallbacks`).
   *
   * @default - with the default models, claude-primary → claude-fallback; with your own models, none
   */
  readonly fallbacks?: Fallback[];
  /**
   * Fallbacks when a prompt exceeds the model's context window (`router_settings.context_window_fallbacks`).
   *
   * @default - with the default models, claude-primary → claude-fallback; with your own models, none
   */
  readonly contextWindowFallbacks?: Fallback[];
}
