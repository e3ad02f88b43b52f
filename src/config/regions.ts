import { BedrockModel, InferenceGeography } from './bedrock-model';
import { PARTITIONS, partitionNameOf, partitionOfRegion } from './catalog/bedrock-models';

/** A warning about the Region choice; GatewayConfig reports it with its other warnings. */
export interface RegionWarning {
  readonly id: string;
  readonly message: string;
}

/** The models of the default aliases and the geography chosen for them. */
export interface DefaultModels {
  readonly primary: BedrockModel;
  readonly fast: BedrockModel;
  readonly geography: InferenceGeography;
  readonly warnings: RegionWarning[];
}

const WARNING_ID = 'cdk-llm-gateway:defaultGeography';
const SET_IT = 'Set defaultGeography (e.g. InferenceGeography.US) or models to choose, or acknowledge this warning to keep it.';

/**
 * The default aliases' models for the stack's Region: Claude Sonnet 4.5 (primary) and Claude Haiku 4.5 (fallback,
 * fast) through the smallest geography whose profiles of both can be called from the Region, so prompts stay as
 * close to the Region as Bedrock allows (jp. from Tokyo, au. from Sydney, eu. from Frankfurt, us-gov. in GovCloud).
 * Where only global profiles serve the Region, or the stack is environment-agnostic, it takes global. and warns,
 * naming the prop that chooses otherwise.
 *
 * @param region the stack's Region, undefined when unknown at synth time
 * @param chosen the defaultGeography prop
 */
export function chooseDefaultModels(region: string | undefined, chosen: InferenceGeography | undefined): DefaultModels {
  const sonnet = BedrockModel.CLAUDE_SONNET_4_5;
  const haiku = BedrockModel.CLAUDE_HAIKU_4_5;
  const pick = (geography: InferenceGeography, warnings: RegionWarning[] = []): DefaultModels => ({
    primary: sonnet.inGeography(geography), fast: haiku.inGeography(geography), geography, warnings,
  });

  if (chosen !== undefined) {
    const known = sonnet.publishedGeographies.filter((g) => haiku.publishedGeographies.some((h) => h.prefix === g.prefix));
    if (!known.some((g) => g.prefix === chosen.prefix)) {
      throw new Error(`defaultGeography '${chosen.prefix}.': the default aliases use Claude Sonnet 4.5 and Claude Haiku 4.5, which have profiles in ${known.map((g) => `${g.prefix}.`).join(', ')}. Choose one of those, or set models.`);
    }
    const models = pick(chosen);
    if (region !== undefined) {
      const problem = models.primary._regionProblem(region) ?? models.fast._regionProblem(region);
      if (problem) {
        throw new Error(`defaultGeography '${chosen.prefix}.' does not serve the stack's Region: ${problem}. Choose another defaultGeography or leave it unset.`);
      }
    }
    return models;
  }

  if (region === undefined) {
    return pick(InferenceGeography.GLOBAL, [{
      id: WARNING_ID,
      message: 'The stack is environment-agnostic, so the default aliases cannot follow its Region: they use global. inference profiles (Claude Sonnet 4.5 and Haiku 4.5), which work from every commercial Region but may process prompts in any commercial Region, and do not exist in AWS GovCloud (US). Give the stack an env.region to get the geography that serves it, or set defaultGeography. ' + SET_IT,
    }]);
  }

  assertBedrockRegion("the stack's Region", region, 'give the stack an env.region where Bedrock is offered');
  const candidates = sonnet._profilesCallableFrom(region)
    .filter((g) => !g.isGlobal && haiku._profilesCallableFrom(region).some((h) => h.prefix === g.prefix))
    // The smallest geography keeps prompts closest to the Region (jp. rather than apac. from Tokyo).
    .sort((a, b) => a.destinationRegions.length - b.destinationRegions.length);
  const geography = candidates[0];
  if (geography) {
    const warnings: RegionWarning[] = [];
    if (geography.destinationRegions.length > 0 && !geography.destinationRegions.includes(region)) {
      warnings.push({
        id: WARNING_ID,
        message: `No inference profile of Claude Sonnet 4.5 or Haiku 4.5 routes inside ${region}'s country; the default aliases use '${geography.prefix}.' profiles, which process prompts in ${geography.destinationRegions.join(', ')}. ${SET_IT}`,
      });
    }
    return pick(geography, warnings);
  }
  if (sonnet._profilesCallableFrom(region).some((g) => g.isGlobal) && haiku._profilesCallableFrom(region).some((g) => g.isGlobal)) {
    return pick(InferenceGeography.GLOBAL, [{
      id: WARNING_ID,
      message: `No geographic inference profile of Claude Sonnet 4.5 and Haiku 4.5 can be called from ${region}; the default aliases use global. profiles, which may process prompts in any commercial Region. ${SET_IT}`,
    }]);
  }
  throw new Error(`No inference profile of Claude Sonnet 4.5 and Haiku 4.5, the default aliases' models, can be called from the stack's Region ${region}. Set models to models offered there (see BedrockModel's catalog), or deploy the gateway in a Region that has them (${sonnet.publishedGeographies.map((g) => `${g.prefix}.`).join(', ')}).`);
}

/**
 * Fails unless `region` is a Region of a partition that offers Bedrock, naming `what` and the fix.
 */
export function assertBedrockRegion(what: string, region: string, fix: string): void {
  if (partitionOfRegion(region)) return;
  const partitionName = partitionNameOf(region);
  const partition = PARTITIONS.find((p) => p.name === partitionName);
  if (!partition) {
    throw new Error(`${what} '${region}' is in partition ${partitionName}, where Amazon Bedrock is not offered (partitions with Bedrock: ${PARTITIONS.map((p) => p.name).join(', ')}); ${fix}.`);
  }
  throw new Error(`${what} '${region}' is not a Region of partition ${partition.name} that offers Amazon Bedrock (${partition.bedrockRegions.join(', ')}); ${fix}.`);
}


/**
 * The profile prefixes LiteLLM 1.108.7 strips to find a model's base id, its request route (Converse or Invoke) and
 * its price (`litellm/llms/bedrock/common_utils.py`, `_supported_cross_region_inference_region`).
 */
const LITELLM_PROFILE_PREFIXES = ['global', 'us', 'eu', 'apac', 'jp', 'au', 'us-gov'];

/** Warnings about aliases whose profile prefix the pinned LiteLLM does not know. */
export function profileWarnings(models: readonly { alias: string; model: BedrockModel }[]): RegionWarning[] {
  const unknown = models.filter((m) => m.model.geography && !LITELLM_PROFILE_PREFIXES.includes(m.model.geography.prefix));
  if (unknown.length === 0) return [];
  return [{
    id: 'cdk-llm-gateway:profilePrefixUnknownToLiteLLM',
    message: `${unknown.map((m) => `'${m.alias}' (${m.model.modelId})`).join(', ')}: LiteLLM 1.108.7 does not know the '${unknown[0].model.geography!.prefix}.' profile prefix, so it calls the model through InvokeModel rather than Converse and finds no price for it (spend is recorded as 0). Prefer a profile of ${LITELLM_PROFILE_PREFIXES.map((p) => `${p}.`).join(', ')}, or acknowledge this warning.`,
  }];
}
