import { Duration, Token } from 'aws-cdk-lib';
import { DEFAULTS } from '../../private/defaults';
import type { CacheSettings, GatewayConfigOptions, GatewayConfigProps } from '../gateway-config';
import type { ModelAlias } from '../model-alias';
import { chooseDefaultModels, DefaultModels, RegionWarning } from '../regions';
import { Fallback, RoutingProps, RoutingStrategy } from '../routing';

/** The config's props with every default applied: what validation and rendering read. */
export interface ResolvedConfig {
  readonly props: GatewayConfigProps;
  readonly routing: RoutingProps;
  /** The stack's Region when known at synth time. */
  readonly defaultRegion?: string;
  readonly models: ModelAlias[];
  readonly strategy: RoutingStrategy;
  readonly enforcesModelRateLimits: boolean;
  readonly fallbacks: Fallback[];
  readonly contextWindowFallbacks: Fallback[];
  readonly requestTimeout: Duration;
  readonly masterKeyVariable: string;
  readonly cache?: CacheSettings;
  /** Warnings about the Region choice of the default aliases. */
  readonly regionWarnings: RegionWarning[];
}

/**
 * The aliases of the reference deployment, with its limits, through the inference-profile geography that serves the
 * stack's Region (see `chooseDefaultModels`).
 */
function referenceModels(defaults: DefaultModels): ModelAlias[] {
  return [
    { alias: 'claude-primary', model: defaults.primary, tpm: 80_000, rpm: 50 },
    { alias: 'claude-fallback', model: defaults.fast, tpm: 80_000, rpm: 100 },
    { alias: 'claude-fast', model: defaults.fast, tpm: 80_000, rpm: 100 },
  ];
}

function referenceFallbacks(): Fallback[] {
  return [{ from: 'claude-primary', to: ['claude-fallback'] }];
}

export function resolveConfig(props: GatewayConfigProps, options: GatewayConfigOptions): ResolvedConfig {
  const defaultRegion = options.defaultRegion !== undefined && !Token.isUnresolved(options.defaultRegion) ? options.defaultRegion : undefined;
  const routing = props.routing ?? {};
  const defaulted = props.models === undefined;
  if (!defaulted && props.defaultGeography !== undefined) {
    throw new Error('defaultGeography applies only to the default aliases, and models is set: choose each model\'s geography in models (model.inGeography(…)) and drop defaultGeography.');
  }
  const defaults = defaulted ? chooseDefaultModels(defaultRegion, props.defaultGeography) : undefined;
  return {
    props,
    routing,
    defaultRegion,
    models: props.models ?? referenceModels(defaults!),
    strategy: routing.strategy ?? RoutingStrategy.SIMPLE_SHUFFLE,
    enforcesModelRateLimits: routing.enforceModelRateLimits ?? true,
    fallbacks: routing.fallbacks ?? (defaulted ? referenceFallbacks() : []),
    contextWindowFallbacks: routing.contextWindowFallbacks ?? (defaulted ? referenceFallbacks() : []),
    requestTimeout: props.requestTimeout ?? DEFAULTS.requestTimeout,
    masterKeyVariable: props.masterKeyVariable ?? DEFAULTS.masterKeyVariable,
    cache: options.cache,
    regionWarnings: defaults?.warnings ?? [],
  };
}
