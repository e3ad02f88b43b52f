/**
 * The Bedrock catalog as data: partitions and their Bedrock Regions, cross-Region inference geographies, and the
 * models with their inference profiles, context windows and capabilities.
 *
 * One versioned table. `BedrockModel`'s constants are generated from it (`npx projen catalog`; a test regenerates
 * them and fails when they differ), and the gateway checks Regions and profiles against it at synth time.
 * Each row names the AWS documentation pages it was taken from. To add a model, add a row here and run
 * `npx projen catalog`; for a model this version does not list, `BedrockModel.fromModelId()` needs no row.
 */

/** The date the table was last checked against the AWS pages its rows cite. */
export const CATALOG_VERSION = '2026-11-28';

/** What a model serves through the gateway. */
export type CatalogCapability = 'chat' | 'embedding' | 'rerank';

/** Input or output kinds of a model. */
export type CatalogModality = 'text' | 'image' | 'video' | 'audio' | 'document' | 'embedding';

/** An AWS partition in which Bedrock is offered. */
export interface CatalogPartition {
  /** The partition name, as in `arn:<partition>:…`. */
  readonly name: string;
  /** The Regions of the partition that offer Bedrock runtime. */
  readonly bedrockRegions: readonly string[];
  /** Where the Region list comes from. */
  readonly source: string;
}

/** A cross-Region inference geography: the profile prefix, and the Regions its profiles are called from and route to. */
export interface CatalogGeography {
  /** The inference-profile prefix without its dot, e.g. `us`. */
  readonly prefix: string;
  /** A short description for docs and messages. */
  readonly name: string;
  /** The partition whose Regions the geography's profiles use. */
  readonly partition: string;
  /**
   * The Regions the geography covers: every source and destination Region of its profiles must be one of them.
   * `'*'` covers every Bedrock Region of the partition (the global geography).
   */
  readonly territory: readonly string[] | '*';
  /** The Regions from which its profiles are usually called (a model row may narrow them). */
  readonly sourceRegions: readonly string[];
  /** The Regions to which its profiles usually route (a model row may narrow them); `'*'`: any commercial Region. */
  readonly destinationRegions: readonly string[] | '*';
  /** The AWS documentation pages the geography's Regions come from. */
  readonly sources: readonly string[];
}

/** A model's system-defined inference profile in one geography, where it differs from the geography's usual Regions. */
export interface CatalogProfile {
  /** @default - the geography's sourceRegions */
  readonly sourceRegions?: readonly string[];
  /** @default - the geography's destinationRegions */
  readonly destinationRegions?: readonly string[];
}

/** One model of the catalog. */
export interface CatalogModel {
  /** The name of the generated `BedrockModel` constant, e.g. `AMAZON_NOVA_PRO`. */
  readonly constant: string;
  /** The Bedrock model id. */
  readonly id: string;
  /** The model's name as AWS documents it. */
  readonly name: string;
  /** The model provider, as in the id's first segment (`anthropic`, `amazon`…). */
  readonly provider: string;
  /** What the model serves. */
  readonly capability: CatalogCapability;
  /** The context window in tokens (input tokens for embedding and rerank models). */
  readonly contextWindow: number;
  readonly inputModalities: readonly CatalogModality[];
  readonly outputModalities: readonly CatalogModality[];
  /** The geographies with a system-defined inference profile of the model, by prefix. */
  readonly profiles: { readonly [prefix: string]: CatalogProfile };
  /**
   * The Regions where the model can be called on demand without a profile. Undefined when the table does not
   * state them (then the gateway does not check in-Region calls); empty when the model is offered only through
   * profiles.
   */
  readonly inRegion?: readonly string[];
  /** The AWS documentation pages the row was taken from. */
  readonly sources: readonly string[];
}

const DOCS = 'https://docs.aws.amazon.com/bedrock/latest/userguide';
const PROFILES_PAGE = `${DOCS}/inference-profiles-support.html`;
const MODELS_PAGE = `${DOCS}/models-supported.html`;
const card = (slug: string) => `${DOCS}/model-card-${slug}.html`;

/**
 * Bedrock runtime Regions per partition, from the AWS SDK's endpoint table (botocore 1.44.8
 * `botocore/data/endpoints.json`, service `bedrock`), which also backs the "Amazon Bedrock endpoints and quotas"
 * page. Bedrock is not offered in the China partition (aws-cn has no `bedrock` endpoint). Commercial and GovCloud
 * come first: the catalog's geographies and the quick start cover those two.
 */
export const PARTITIONS: readonly CatalogPartition[] = [
  {
    name: 'aws',
    bedrockRegions: [
      'af-south-1', 'ap-east-2', 'ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3', 'ap-south-1', 'ap-south-2',
      'ap-southeast-1', 'ap-southeast-2', 'ap-southeast-3', 'ap-southeast-4', 'ap-southeast-5', 'ap-southeast-6',
      'ap-southeast-7', 'ca-central-1', 'ca-west-1', 'eu-central-1', 'eu-central-2', 'eu-north-1', 'eu-south-1',
      'eu-south-2', 'eu-west-1', 'eu-west-2', 'eu-west-3', 'il-central-1', 'me-central-1', 'me-south-1',
      'mx-central-1', 'sa-east-1', 'us-east-1', 'us-east-2', 'us-west-1', 'us-west-2',
    ],
    source: 'https://docs.aws.amazon.com/general/latest/gr/bedrock.html',
  },
  {
    name: 'aws-us-gov',
    bedrockRegions: ['us-gov-east-1', 'us-gov-west-1'],
    source: 'https://docs.aws.amazon.com/govcloud-us/latest/UserGuide/govcloud-bedrock.html',
  },
  // Listed so that a stack there is not told Bedrock is missing; the table has no profile data for them, so the
  // default aliases refuse them and aliases must name models offered there.
  { name: 'aws-eusc', bedrockRegions: ['eusc-de-east-1'], source: 'botocore/data/endpoints.json (botocore 1.44.8)' },
  { name: 'aws-iso', bedrockRegions: ['us-iso-east-1'], source: 'botocore/data/endpoints.json (botocore 1.44.8)' },
  { name: 'aws-iso-b', bedrockRegions: ['us-isob-east-1'], source: 'botocore/data/endpoints.json (botocore 1.44.8)' },
  { name: 'aws-iso-f', bedrockRegions: ['us-isof-east-1', 'us-isof-south-1'], source: 'botocore/data/endpoints.json (botocore 1.44.8)' },
];

const US = ['us-east-1', 'us-east-2', 'us-west-1', 'us-west-2'];
const EU_MEMBER_STATES = ['eu-central-1', 'eu-north-1', 'eu-south-1', 'eu-south-2', 'eu-west-1', 'eu-west-3'];
const APAC = ['ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3', 'ap-south-1', 'ap-south-2', 'ap-southeast-1', 'ap-southeast-2', 'ap-southeast-4'];
const JP = ['ap-northeast-1', 'ap-northeast-3'];
const AU = ['ap-southeast-2', 'ap-southeast-4'];
const CA = ['ca-central-1', 'ca-west-1'];
const US_GOV = ['us-gov-east-1', 'us-gov-west-1'];
const COMMERCIAL = PARTITIONS[0].bedrockRegions;
const GEOGRAPHIC = [`${DOCS}/geographic-cross-region-inference.html`, `${DOCS}/inference-profiles-support.html`];
const GLOBAL_PAGES = [`${DOCS}/global-cross-region-inference.html`, `${DOCS}/inference-profiles-support.html`];

/**
 * Cross-Region inference geographies ("Geographic cross-Region inference" and "Global cross-Region inference" in
 * the Bedrock user guide). A geographic profile keeps processing inside its geography; a global profile may
 * route to any commercial Region.
 */
export const GEOGRAPHIES: readonly CatalogGeography[] = [
  { prefix: 'us', name: 'United States', partition: 'aws', territory: US, sourceRegions: US, destinationRegions: US, sources: GEOGRAPHIC },
  {
    prefix: 'eu',
    name: 'European Union',
    partition: 'aws',
    territory: ['eu-central-1', 'eu-central-2', 'eu-north-1', 'eu-south-1', 'eu-south-2', 'eu-west-1', 'eu-west-2', 'eu-west-3'],
    // London and Zurich call EU profiles, which route to the EU member-state Regions only.
    sourceRegions: ['eu-central-1', 'eu-central-2', 'eu-north-1', 'eu-south-1', 'eu-south-2', 'eu-west-1', 'eu-west-2', 'eu-west-3'],
    destinationRegions: EU_MEMBER_STATES,
    sources: GEOGRAPHIC,
  },
  { prefix: 'apac', name: 'Asia Pacific', partition: 'aws', territory: APAC, sourceRegions: APAC, destinationRegions: APAC, sources: GEOGRAPHIC },
  { prefix: 'jp', name: 'Japan', partition: 'aws', territory: JP, sourceRegions: JP, destinationRegions: JP, sources: GEOGRAPHIC },
  { prefix: 'au', name: 'Australia', partition: 'aws', territory: AU, sourceRegions: AU, destinationRegions: AU, sources: GEOGRAPHIC },
  { prefix: 'ca', name: 'Canada', partition: 'aws', territory: CA, sourceRegions: CA, destinationRegions: CA, sources: GEOGRAPHIC },
  { prefix: 'us-gov', name: 'AWS GovCloud (US)', partition: 'aws-us-gov', territory: US_GOV, sourceRegions: US_GOV, destinationRegions: US_GOV, sources: GEOGRAPHIC },
  { prefix: 'global', name: 'Global (any commercial Region)', partition: 'aws', territory: '*', sourceRegions: COMMERCIAL, destinationRegions: '*', sources: GLOBAL_PAGES },
];

const TEXT: readonly CatalogModality[] = ['text'];
const TEXT_IMAGE: readonly CatalogModality[] = ['text', 'image'];
const TEXT_IMAGE_VIDEO: readonly CatalogModality[] = ['text', 'image', 'video'];
const EMBEDDING: readonly CatalogModality[] = ['embedding'];

/** The models. Constants keep the names of earlier versions; new rows are named `<PROVIDER>_<MODEL>`. */
export const MODELS: readonly CatalogModel[] = [
  // Anthropic
  {
    constant: 'CLAUDE_SONNET_4_5',
    id: 'anthropic.claude-sonnet-4-5-20250929-v1:0',
    name: 'Claude Sonnet 4.5',
    provider: 'anthropic',
    capability: 'chat',
    contextWindow: 200_000,
    inputModalities: TEXT_IMAGE,
    outputModalities: TEXT,
    profiles: { 'us': {}, 'eu': {}, 'apac': {}, 'jp': {}, 'au': {}, 'us-gov': {}, 'global': {} },
    sources: [card('anthropic-claude-sonnet-4-5'), PROFILES_PAGE],
  },
  {
    constant: 'CLAUDE_HAIKU_4_5',
    id: 'anthropic.claude-haiku-4-5-20251001-v1:0',
    name: 'Claude Haiku 4.5',
    provider: 'anthropic',
    capability: 'chat',
    contextWindow: 200_000,
    inputModalities: TEXT_IMAGE,
    outputModalities: TEXT,
    profiles: { 'us': {}, 'eu': {}, 'apac': {}, 'jp': {}, 'au': {}, 'us-gov': {}, 'global': {} },
    sources: [card('anthropic-claude-haiku-4-5'), PROFILES_PAGE],
  },
  {
    constant: 'CLAUDE_SONNET_4_6',
    id: 'anthropic.claude-sonnet-4-6',
    name: 'Claude Sonnet 4.6',
    provider: 'anthropic',
    capability: 'chat',
    contextWindow: 1_000_000,
    inputModalities: TEXT_IMAGE,
    outputModalities: TEXT,
    profiles: { us: {}, eu: {}, apac: {}, jp: {}, au: {}, global: {} },
    sources: [card('anthropic-claude-sonnet-4-6'), PROFILES_PAGE],
  },
  {
    constant: 'CLAUDE_OPUS_4_6',
    id: 'anthropic.claude-opus-4-6-v1',
    name: 'Claude Opus 4.6',
    provider: 'anthropic',
    capability: 'chat',
    contextWindow: 1_000_000,
    inputModalities: TEXT_IMAGE,
    outputModalities: TEXT,
    profiles: { us: {}, eu: {}, au: {}, global: {} },
    sources: [card('anthropic-claude-opus-4-6'), PROFILES_PAGE],
  },
  {
    constant: 'CLAUDE_OPUS_4_5',
    id: 'anthropic.claude-opus-4-5-20251101-v1:0',
    name: 'Claude Opus 4.5',
    provider: 'anthropic',
    capability: 'chat',
    contextWindow: 200_000,
    inputModalities: TEXT_IMAGE,
    outputModalities: TEXT,
    profiles: { us: {}, eu: {}, global: {} },
    sources: [card('anthropic-claude-opus-4-5'), PROFILES_PAGE],
  },
  {
    constant: 'CLAUDE_OPUS_4_1',
    id: 'anthropic.claude-opus-4-1-20250805-v1:0',
    name: 'Claude Opus 4.1',
    provider: 'anthropic',
    capability: 'chat',
    contextWindow: 200_000,
    inputModalities: TEXT_IMAGE,
    outputModalities: TEXT,
    profiles: { us: {} },
    sources: [card('anthropic-claude-opus-4-1'), PROFILES_PAGE],
  },
  {
    constant: 'CLAUDE_SONNET_4',
    id: 'anthropic.claude-sonnet-4-20250514-v1:0',
    name: 'Claude Sonnet 4',
    provider: 'anthropic',
    capability: 'chat',
    contextWindow: 200_000,
    inputModalities: TEXT_IMAGE,
    outputModalities: TEXT,
    profiles: { us: {}, eu: {}, apac: {}, global: {} },
    sources: [card('anthropic-claude-sonnet-4'), PROFILES_PAGE],
  },
  {
    constant: 'CLAUDE_OPUS_4',
    id: 'anthropic.claude-opus-4-20250514-v1:0',
    name: 'Claude Opus 4',
    provider: 'anthropic',
    capability: 'chat',
    contextWindow: 200_000,
    inputModalities: TEXT_IMAGE,
    outputModalities: TEXT,
    profiles: { us: {} },
    sources: [card('anthropic-claude-opus-4'), PROFILES_PAGE],
  },
  {
    constant: 'CLAUDE_3_7_SONNET',
    id: 'anthropic.claude-3-7-sonnet-20250219-v1:0',
    name: 'Claude 3.7 Sonnet',
    provider: 'anthropic',
    capability: 'chat',
    contextWindow: 200_000,
    inputModalities: TEXT_IMAGE,
    outputModalities: TEXT,
    profiles: { us: {}, eu: {}, apac: {} },
    sources: [card('anthropic-claude-3-7-sonnet'), PROFILES_PAGE],
  },
  {
    constant: 'CLAUDE_3_5_HAIKU',
    id: 'anthropic.claude-3-5-haiku-20241022-v1:0',
    name: 'Claude 3.5 Haiku',
    provider: 'anthropic',
    capability: 'chat',
    contextWindow: 200_000,
    inputModalities: TEXT,
    outputModalities: TEXT,
    profiles: { us: {} },
    sources: [card('anthropic-claude-3-5-haiku'), PROFILES_PAGE],
  },
  // Amazon
  {
    constant: 'AMAZON_NOVA_PREMIER',
    id: 'amazon.nova-premier-v1:0',
    name: 'Amazon Nova Premier',
    provider: 'amazon',
    capability: 'chat',
    contextWindow: 1_000_000,
    inputModalities: TEXT_IMAGE_VIDEO,
    outputModalities: TEXT,
    profiles: { us: {} },
    inRegion: [],
    sources: [card('amazon-nova-premier'), PROFILES_PAGE],
  },
  {
    constant: 'AMAZON_NOVA_PRO',
    id: 'amazon.nova-pro-v1:0',
    name: 'Amazon Nova Pro',
    provider: 'amazon',
    capability: 'chat',
    contextWindow: 300_000,
    inputModalities: TEXT_IMAGE_VIDEO,
    outputModalities: TEXT,
    profiles: { us: {}, eu: {}, apac: {} },
    sources: [card('amazon-nova-pro'), PROFILES_PAGE],
  },
  {
    constant: 'AMAZON_NOVA_LITE',
    id: 'amazon.nova-lite-v1:0',
    name: 'Amazon Nova Lite',
    provider: 'amazon',
    capability: 'chat',
    contextWindow: 300_000,
    inputModalities: TEXT_IMAGE_VIDEO,
    outputModalities: TEXT,
    profiles: { us: {}, eu: {}, apac: {}, ca: {} },
    sources: [card('amazon-nova-lite'), PROFILES_PAGE],
  },
  {
    constant: 'AMAZON_NOVA_MICRO',
    id: 'amazon.nova-micro-v1:0',
    name: 'Amazon Nova Micro',
    provider: 'amazon',
    capability: 'chat',
    contextWindow: 128_000,
    inputModalities: TEXT,
    outputModalities: TEXT,
    profiles: { us: {}, eu: {}, apac: {} },
    sources: [card('amazon-nova-micro'), PROFILES_PAGE],
  },
  {
    constant: 'AMAZON_NOVA_2_LITE',
    id: 'amazon.nova-2-lite-v1:0',
    name: 'Amazon Nova 2 Lite',
    provider: 'amazon',
    capability: 'chat',
    contextWindow: 1_000_000,
    inputModalities: TEXT_IMAGE_VIDEO,
    outputModalities: TEXT,
    profiles: { us: {}, eu: {}, apac: {}, jp: {}, global: {} },
    sources: [card('amazon-nova-2-lite'), PROFILES_PAGE],
  },
  {
    constant: 'AMAZON_TITAN_EMBED_TEXT_V2',
    id: 'amazon.titan-embed-text-v2:0',
    name: 'Amazon Titan Text Embeddings V2',
    provider: 'amazon',
    capability: 'embedding',
    contextWindow: 8_192,
    inputModalities: TEXT,
    outputModalities: EMBEDDING,
    profiles: {},
    sources: [card('amazon-titan-text-embeddings-v2'), MODELS_PAGE],
  },
  {
    constant: 'AMAZON_RERANK_V1',
    id: 'amazon.rerank-v1:0',
    name: 'Amazon Rerank 1.0',
    provider: 'amazon',
    capability: 'rerank',
    contextWindow: 32_000,
    inputModalities: TEXT,
    outputModalities: TEXT,
    profiles: {},
    sources: [card('amazon-rerank'), MODELS_PAGE],
  },
  // Meta
  {
    constant: 'META_LLAMA_4_MAVERICK_17B',
    id: 'meta.llama4-maverick-17b-instruct-v1:0',
    name: 'Llama 4 Maverick 17B Instruct',
    provider: 'meta',
    capability: 'chat',
    contextWindow: 1_000_000,
    inputModalities: TEXT_IMAGE,
    outputModalities: TEXT,
    profiles: { us: {} },
    inRegion: [],
    sources: [card('meta-llama-4-maverick-17b-instruct'), PROFILES_PAGE],
  },
  {
    constant: 'META_LLAMA_4_SCOUT_17B',
    id: 'meta.llama4-scout-17b-instruct-v1:0',
    name: 'Llama 4 Scout 17B Instruct',
    provider: 'meta',
    capability: 'chat',
    contextWindow: 3_500_000,
    inputModalities: TEXT_IMAGE,
    outputModalities: TEXT,
    profiles: { us: {} },
    inRegion: [],
    sources: [card('meta-llama-4-scout-17b-instruct'), PROFILES_PAGE],
  },
  {
    constant: 'META_LLAMA_3_3_70B_INSTRUCT',
    id: 'meta.llama3-3-70b-instruct-v1:0',
    name: 'Llama 3.3 70B Instruct',
    provider: 'meta',
    capability: 'chat',
    contextWindow: 128_000,
    inputModalities: TEXT,
    outputModalities: TEXT,
    profiles: { us: {} },
    sources: [card('meta-llama-3-3-70b-instruct'), PROFILES_PAGE],
  },
  // Mistral AI
  {
    constant: 'MISTRAL_PIXTRAL_LARGE',
    id: 'mistral.pixtral-large-2502-v1:0',
    name: 'Pixtral Large (25.02)',
    provider: 'mistral',
    capability: 'chat',
    contextWindow: 128_000,
    inputModalities: TEXT_IMAGE,
    outputModalities: TEXT,
    profiles: { us: {}, eu: {} },
    inRegion: [],
    sources: [card('mistral-pixtral-large-25-02'), PROFILES_PAGE],
  },
  {
    constant: 'MISTRAL_LARGE_2407',
    id: 'mistral.mistral-large-2407-v1:0',
    name: 'Mistral Large (24.07)',
    provider: 'mistral',
    capability: 'chat',
    contextWindow: 128_000,
    inputModalities: TEXT,
    outputModalities: TEXT,
    profiles: {},
    sources: [card('mistral-mistral-large-24-07'), MODELS_PAGE],
  },
  // DeepSeek
  {
    constant: 'DEEPSEEK_R1',
    id: 'deepseek.r1-v1:0',
    name: 'DeepSeek-R1',
    provider: 'deepseek',
    capability: 'chat',
    contextWindow: 128_000,
    inputModalities: TEXT,
    outputModalities: TEXT,
    profiles: { us: {} },
    inRegion: [],
    sources: [card('deepseek-deepseek-r1'), PROFILES_PAGE],
  },
  {
    constant: 'DEEPSEEK_V3_1',
    id: 'deepseek.v3-v1:0',
    name: 'DeepSeek-V3.1',
    provider: 'deepseek',
    capability: 'chat',
    contextWindow: 128_000,
    inputModalities: TEXT,
    outputModalities: TEXT,
    profiles: {},
    sources: [card('deepseek-deepseek-v3-1'), MODELS_PAGE],
  },
  // OpenAI (open-weight)
  {
    constant: 'OPENAI_GPT_OSS_120B',
    id: 'openai.gpt-oss-120b-1:0',
    name: 'gpt-oss-120b',
    provider: 'openai',
    capability: 'chat',
    contextWindow: 128_000,
    inputModalities: TEXT,
    outputModalities: TEXT,
    profiles: { 'us-gov': {} },
    sources: [card('openai-gpt-oss-120b'), MODELS_PAGE],
  },
  {
    constant: 'OPENAI_GPT_OSS_20B',
    id: 'openai.gpt-oss-20b-1:0',
    name: 'gpt-oss-20b',
    provider: 'openai',
    capability: 'chat',
    contextWindow: 128_000,
    inputModalities: TEXT,
    outputModalities: TEXT,
    profiles: { 'us-gov': {} },
    sources: [card('openai-gpt-oss-20b'), MODELS_PAGE],
  },
  // Cohere
  {
    constant: 'COHERE_EMBED_V4',
    id: 'cohere.embed-v4:0',
    name: 'Cohere Embed v4',
    provider: 'cohere',
    capability: 'embedding',
    contextWindow: 128_000,
    inputModalities: TEXT_IMAGE,
    outputModalities: EMBEDDING,
    profiles: { us: {}, eu: {}, apac: {}, global: {} },
    sources: [card('cohere-embed-v4'), PROFILES_PAGE],
  },
  {
    constant: 'COHERE_EMBED_ENGLISH_V3',
    id: 'cohere.embed-english-v3',
    name: 'Cohere Embed English v3',
    provider: 'cohere',
    capability: 'embedding',
    contextWindow: 512,
    inputModalities: TEXT,
    outputModalities: EMBEDDING,
    profiles: {},
    sources: [card('cohere-embed-english-v3'), MODELS_PAGE],
  },
  {
    constant: 'COHERE_EMBED_MULTILINGUAL_V3',
    id: 'cohere.embed-multilingual-v3',
    name: 'Cohere Embed Multilingual v3',
    provider: 'cohere',
    capability: 'embedding',
    contextWindow: 512,
    inputModalities: TEXT,
    outputModalities: EMBEDDING,
    profiles: {},
    sources: [card('cohere-embed-multilingual-v3'), MODELS_PAGE],
  },
  {
    constant: 'COHERE_RERANK_V3_5',
    id: 'cohere.rerank-v3-5:0',
    name: 'Cohere Rerank 3.5',
    provider: 'cohere',
    capability: 'rerank',
    contextWindow: 4_096,
    inputModalities: TEXT,
    outputModalities: TEXT,
    profiles: {},
    sources: [card('cohere-rerank-v3-5'), MODELS_PAGE],
  },
];

/** The partition whose Bedrock Region list holds `region`, if any. */
export function partitionOfRegion(region: string): CatalogPartition | undefined {
  return PARTITIONS.find((p) => p.bedrockRegions.includes(region));
}

/** The partition a Region name belongs to by its form, whether or not Bedrock is offered there. */
export function partitionNameOf(region: string): string {
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-isob-')) return 'aws-iso-b';
  if (region.startsWith('us-isof-') || region.startsWith('eu-isoe-')) return 'aws-iso-f';
  if (region.startsWith('us-iso-')) return 'aws-iso';
  if (region.startsWith('eusc-')) return 'aws-eusc';
  return 'aws';
}

export function geographyData(prefix: string): CatalogGeography | undefined {
  return GEOGRAPHIES.find((g) => g.prefix === prefix);
}

export function modelData(id: string): CatalogModel | undefined {
  return MODELS.find((m) => m.id === id);
}

/** The Regions from which a catalogued model's profile in `prefix` is called, or undefined when it has none. */
export function profileSourceRegions(model: CatalogModel, prefix: string): readonly string[] | undefined {
  const profile = model.profiles[prefix];
  const geography = geographyData(prefix);
  if (!profile || !geography) return undefined;
  return profile.sourceRegions ?? geography.sourceRegions;
}

/** The Regions to which a catalogued model's profile in `prefix` routes (`'*'`: any commercial Region). */
export function profileDestinationRegions(model: CatalogModel, prefix: string): readonly string[] | '*' | undefined {
  const profile = model.profiles[prefix];
  const geography = geographyData(prefix);
  if (!profile || !geography) return undefined;
  return profile.destinationRegions ?? geography.destinationRegions;
}
