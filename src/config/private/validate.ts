import { Token } from 'aws-cdk-lib';
import { DEFAULTS } from '../../private/defaults';
import { nonNegativeInteger, nonNegativeSeconds, positiveInteger, positiveSeconds } from '../../private/validate';
import { BedrockModel } from '../bedrock-model';
import type { ConfigWarning } from '../gateway-config';
import type { ModelAlias } from '../model-alias';
import { assertBedrockRegion, profileWarnings } from '../regions';
import type { Fallback } from '../routing';
import type { ResolvedConfig } from './resolve';

const ALIAS = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]{1,2}$/;
const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;

export function validateConfig(c: ResolvedConfig): void {
  if (c.models.length === 0) {
    throw new Error('models is empty: configure at least one model alias, or leave models unset for the reference aliases.');
  }
  const seen = new Set<string>();
  c.models.forEach((m, i) => {
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
    validateRegion(c, at, m);
  });

  const routing = c.routing;
  nonNegativeInteger('routing.numRetries', routing.numRetries);
  nonNegativeInteger('routing.allowedFails', routing.allowedFails);
  nonNegativeInteger('routing.timeoutRetries', routing.timeoutRetries);
  positiveSeconds('routing.cooldownTime', routing.cooldownTime);
  nonNegativeSeconds('routing.retryAfter', routing.retryAfter);
  positiveSeconds('requestTimeout', c.props.requestTimeout);
  positiveInteger('maxParallelRequests', c.props.maxParallelRequests);
  validateFallbacks('routing.fallbacks', c.fallbacks, seen);
  validateFallbacks('routing.contextWindowFallbacks', c.contextWindowFallbacks, seen);
  validateFallbackCapabilities(c, 'routing.fallbacks', c.fallbacks);
  validateFallbackCapabilities(c, 'routing.contextWindowFallbacks', c.contextWindowFallbacks);
  if (c.cache && !(Number.isInteger(c.cache.port) && c.cache.port > 0 && c.cache.port < 65536)) {
    throw new Error(`the cache port must be a TCP port, got ${c.cache.port}.`);
  }

  const variable = c.props.masterKeyVariable;
  if (variable !== undefined && !ENV_NAME.test(variable)) {
    const looksLikeKey = variable.startsWith('sk-') || variable.length >= 24;
    throw new Error(looksLikeKey
      ? 'masterKeyVariable looks like a key: pass the NAME of the environment variable that holds it (e.g. LITELLM_ADMIN_KEY); the key itself stays in Secrets Manager.'
      : `masterKeyVariable '${variable}' is not an environment variable name (upper-case letters, digits and '_').`);
  }
}


function validateRegion(c: ResolvedConfig, at: string, m: ModelAlias): void {
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
  if (m.region === undefined && c.defaultRegion !== undefined) {
    assertBedrockRegion(`the stack's Region (used because ${at}.region is unset)`, c.defaultRegion, `set ${at}.region to a Region where Bedrock is offered, or deploy the stack in one`);
  }
  const region = m.region ?? c.defaultRegion;
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
function validateFallbackCapabilities(c: ResolvedConfig, name: string, fallbacks: Fallback[]): void {
  const capability = new Map(c.models.map((m) => [m.alias, m.model.capability]));
  fallbacks.forEach((f, i) => {
    f.to.forEach((target, j) => {
      if (capability.get(target) !== capability.get(f.from)) {
        throw new Error(`${name}[${i}].to[${j}] '${target}' serves ${capability.get(target)} but '${f.from}' serves ${capability.get(f.from)}: a fallback must answer the same kind of call (LiteLLM would send the ${capability.get(f.from)} request to it). Fall back to an alias of a ${capability.get(f.from)} model.`);
      }
    });
  });
}

/** Conditions that are legal but risky, reported as CDK warnings. */
export function configWarnings(c: ResolvedConfig): ConfigWarning[] {
  const warnings: ConfigWarning[] = [];
  if (!c.enforcesModelRateLimits && c.models.some((m) => m.tpm !== undefined || m.rpm !== undefined)) {
    warnings.push({
      id: 'cdk-llm-gateway:modelRateLimitsNotEnforced',
      message: 'routing.enforceModelRateLimits is false: the models\' rpm/tpm only weight the router\'s pick, and no deployment is refused when it exceeds them. Leave it on to make them limits.',
    });
  }
  if (!c.strategy.recommendedForProduction) {
    warnings.push({
      id: 'cdk-llm-gateway:routingStrategy',
      message: `routing.strategy '${c.strategy.strategyName}' is not recommended for production by LiteLLM (it reads usage counters on every request and needs shared state across workers). Prefer RoutingStrategy.SIMPLE_SHUFFLE, which still honours rpm/tpm as weights.`,
    });
  }
  return [...warnings, ...c.regionWarnings, ...profileWarnings(c.models)];
}

/** Seconds of the worst request: every call of an alias's chain (the alias, then its fallbacks) times out. */
export function longestRequestSeconds(c: ResolvedConfig): number {
  const retries = c.routing.timeoutRetries ?? DEFAULTS.timeoutRetries;
  const retryAfter = (c.routing.retryAfter ?? DEFAULTS.retryAfter).toSeconds();
  const byAlias = new Map(c.models.map((m) => [m.alias, m]));
  const timedOut = (alias: string) => {
    const timeout = (byAlias.get(alias)?.timeout ?? c.requestTimeout).toSeconds();
    return (1 + retries) * timeout + retries * retryAfter;
  };
  return Math.max(...c.models.map((m) => {
    const chain = c.fallbacks.filter((f) => f.from === m.alias).flatMap((f) => f.to);
    return [m.alias, ...chain].reduce((total, alias) => total + timedOut(alias), 0);
  }));
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
