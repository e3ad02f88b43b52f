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
  /** The deployment with the lowest tpm/rpm usage; LiteLLM advises against it in production. */
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
   * @default RoutingStrategy.USAGE_BASED_ROUTING (the reference design; the gateway warns, see the README)
   */
  readonly strategy?: RoutingStrategy;
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
   * Timeout of one call to Bedrock, whole seconds.
   *
   * @default Duration.seconds(600)
   */
  readonly timeout?: Duration;
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
