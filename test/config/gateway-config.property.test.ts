import { Duration } from 'aws-cdk-lib';
import * as fc from 'fast-check';
import { parse } from 'yaml';
import { BedrockModel, Fallback, GatewayConfig, GatewayConfigProps, InferenceGeography, ModelAlias, RoutingStrategy } from '../../src';

const models = [
  BedrockModel.CLAUDE_SONNET_4_5.inGeography(InferenceGeography.US),
  BedrockModel.CLAUDE_HAIKU_4_5.inGeography(InferenceGeography.US),
  BedrockModel.CLAUDE_OPUS_4_5,
  BedrockModel.fromModelId('amazon.nova-pro-v1:0'),
];
const strategies = [
  RoutingStrategy.SIMPLE_SHUFFLE, RoutingStrategy.LEAST_BUSY, RoutingStrategy.USAGE_BASED_ROUTING,
  RoutingStrategy.USAGE_BASED_ROUTING_V2, RoutingStrategy.LATENCY_BASED_ROUTING, RoutingStrategy.COST_BASED_ROUTING,
];

// Alias names that YAML could misread if written by hand: numbers, booleans, null, dotted and dashed words.
const aliasArb = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,20}$/),
  fc.constantFrom('true', 'no', 'null', '1', '1e3', '0x1F', 'on', '.5', 'y', '~'.replace('~', 'n')),
);

const aliasArrayArb = fc.uniqueArray(aliasArb, { minLength: 1, maxLength: 6 }).filter((a) => a.every((x) => /^[A-Za-z0-9]/.test(x)));

const optionalInt = (min: number, max: number) => fc.option(fc.integer({ min, max }), { nil: undefined });

const configArb = aliasArrayArb.chain((aliases) => {
  const modelArb: fc.Arbitrary<ModelAlias> = fc.record({
    model: fc.constantFrom(...models),
    region: fc.constantFrom(undefined, 'us-east-1', 'us-west-2'),
    tpm: optionalInt(1, 10_000_000),
    rpm: optionalInt(1, 100_000),
    timeout: fc.option(fc.integer({ min: 1, max: 3600 }).map((s) => Duration.seconds(s)), { nil: undefined }),
    maxRetries: optionalInt(0, 10),
  }).map((m) => ({ alias: '', ...m }));
  // Fallbacks only point to later aliases, so they never form a cycle.
  const fallbacksArb: fc.Arbitrary<Fallback[]> = fc.array(fc.nat(), { maxLength: aliases.length }).map((seeds) => {
    const out: Fallback[] = [];
    seeds.forEach((seed, i) => {
      const later = aliases.slice(i + 1);
      if (later.length > 0) out.push({ from: aliases[i], to: later.slice(0, 1 + (seed % later.length)) });
    });
    return out;
  });
  return fc.record({
    models: fc.tuple(...aliases.map(() => modelArb)).map((ms) => ms.map((m, i) => ({ ...m, alias: aliases[i] }))),
    routing: fc.record({
      strategy: fc.constantFrom(...strategies),
      enforceModelRateLimits: fc.option(fc.boolean(), { nil: undefined }),
      numRetries: optionalInt(0, 10),
      allowedFails: optionalInt(0, 10),
      timeout: fc.option(fc.integer({ min: 1, max: 3600 }).map((s) => Duration.seconds(s)), { nil: undefined }),
      fallbacks: fallbacksArb,
      contextWindowFallbacks: fallbacksArb,
    }),
    requestTimeout: fc.option(fc.integer({ min: 1, max: 7200 }).map((s) => Duration.seconds(s)), { nil: undefined }),
    maxParallelRequests: optionalInt(1, 10_000),
    dropParams: fc.option(fc.boolean(), { nil: undefined }),
    metricsCallback: fc.option(fc.boolean(), { nil: undefined }),
  }) as fc.Arbitrary<GatewayConfigProps>;
});

test('any valid configuration renders to YAML that parses back to the same document and the same props', () => {
  fc.assert(
    fc.property(configArb, (props) => {
      const config = new GatewayConfig(props);
      const parsed = parse(config.renderYaml(), { version: '1.1' });
      expect(parsed).toEqual(config._document());
      // and the props survive the round trip, field by field
      parsed.model_list.forEach((entry: any, i: number) => {
        const m = props.models![i];
        expect(entry.model_name).toBe(m.alias);
        expect(typeof entry.model_name).toBe('string');
        expect(entry.litellm_params.model).toBe(`bedrock/${m.model.modelId}`);
        expect(entry.litellm_params.tpm).toBe(m.tpm);
        expect(entry.litellm_params.rpm).toBe(m.rpm);
        expect(entry.litellm_params.aws_region_name).toBe(m.region);
        expect(entry.litellm_params.timeout).toBe(m.timeout?.toSeconds());
        expect(entry.litellm_params.max_retries).toBe(m.maxRetries);
      });
      expect(parsed.router_settings.routing_strategy).toBe(props.routing!.strategy!.strategyName);
      expect(parsed.router_settings.optional_pre_call_checks)
        .toEqual(props.routing!.enforceModelRateLimits === false ? undefined : ['enforce_model_rate_limits']);
      const fallbacks = (parsed.router_settings.fallbacks ?? []).map((f: any) => {
        const [from] = Object.keys(f);
        return { from, to: f[from] };
      });
      expect(fallbacks).toEqual(props.routing!.fallbacks);
    }),
    { numRuns: 300 },
  );
});
