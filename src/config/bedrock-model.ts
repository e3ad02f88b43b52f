import {
  CatalogGeography, CatalogModel, GEOGRAPHIES, geographyData, modelData, MODELS, profileDestinationRegions, profileSourceRegions,
} from './catalog/bedrock-models';

/** What a Bedrock model serves through the gateway. */
export enum ModelCapability {
  /** Chat completions (`/v1/chat/completions`). */
  CHAT = 'chat',
  /** Embeddings (`/v1/embeddings`). */
  EMBEDDING = 'embedding',
  /** Reranking (`/v1/rerank`). */
  RERANK = 'rerank',
}

/**
 * A geography of Amazon Bedrock cross-Region inference: the prefix of a system-defined inference profile
 * (`us.`, `eu.` …) and the AWS Regions from which such a profile may be called.
 *
 * The set grows as AWS adds geographies, so it is a class: use a constant, or `InferenceGeography.of()` for one
 * this version does not list yet. The constants come from the catalog table (`src/config/catalog/bedrock-models.ts`).
 */
export class InferenceGeography {
  /** United States (`us.`): called from the commercial US Regions, routed to them. */
  public static readonly US = InferenceGeography.catalogued('us');
  /** European Union (`eu.`): called from the European Regions (London and Zurich too), routed to EU member-state Regions. */
  public static readonly EU = InferenceGeography.catalogued('eu');
  /** Asia Pacific (`apac.`): called from and routed to the Asia Pacific Regions listed in the catalog. */
  public static readonly APAC = InferenceGeography.catalogued('apac');
  /** Japan (`jp.`): called from and routed to Tokyo and Osaka. */
  public static readonly JP = InferenceGeography.catalogued('jp');
  /** Australia (`au.`): called from and routed to Sydney and Melbourne. */
  public static readonly AU = InferenceGeography.catalogued('au');
  /**
   * Canada (`ca.`): called from and routed to the Canadian Regions (few models). LiteLLM 1.108.7 does not know
   * this prefix: it calls such a profile through InvokeModel and prices it at 0 (the gateway warns).
   */
  public static readonly CA = InferenceGeography.catalogued('ca');
  /** AWS GovCloud (US) (`us-gov.`): called from and routed to the GovCloud Regions. */
  public static readonly US_GOV = InferenceGeography.catalogued('us-gov');
  /** Global (`global.`): called from commercial Regions, routed to any commercial Region. */
  public static readonly GLOBAL = InferenceGeography.catalogued('global');

  /**
   * A geography this version does not list.
   *
   * @param prefix the inference-profile prefix without its dot, e.g. `in`
   * @param sourceRegionPrefixes Region names or Region-name prefixes (`ca-`) from which the profile may be called
   */
  public static of(prefix: string, sourceRegionPrefixes: string[]): InferenceGeography {
    if (!/^[a-z][a-z-]*[a-z]$/.test(prefix)) {
      throw new Error(`InferenceGeography.of: prefix '${prefix}' is not an inference-profile prefix such as 'us' or 'eu' (lowercase letters, no dot).`);
    }
    if (sourceRegionPrefixes.length === 0) {
      throw new Error(`InferenceGeography.of('${prefix}'): sourceRegionPrefixes is empty; name at least one Region or Region prefix such as 'ca-'.`);
    }
    const partition = sourceRegionPrefixes.every((p) => p.startsWith('us-gov-')) ? 'aws-us-gov' : 'aws';
    return new InferenceGeography(prefix, partition, [...sourceRegionPrefixes], undefined);
  }

  /** All geographies this version knows, longest prefix first (so `us-gov.` is matched before `us.`). */
  public static knownGeographies(): InferenceGeography[] {
    return [
      InferenceGeography.US_GOV,
      InferenceGeography.GLOBAL,
      InferenceGeography.APAC,
      InferenceGeography.US,
      InferenceGeography.EU,
      InferenceGeography.JP,
      InferenceGeography.AU,
      InferenceGeography.CA,
    ];
  }

  private static catalogued(prefix: string): InferenceGeography {
    const data = geographyData(prefix) as CatalogGeography;
    return new InferenceGeography(prefix, data.partition, [...data.sourceRegions], data);
  }

  /** The inference-profile prefix without its dot, e.g. `us`. */
  public readonly prefix: string;
  /** The AWS partition of the geography's Regions (`aws`, `aws-us-gov`). */
  public readonly partition: string;
  private readonly sourceRegionPrefixes: string[];
  private readonly data?: CatalogGeography;

  private constructor(prefix: string, partition: string, sourceRegionPrefixes: string[], data: CatalogGeography | undefined) {
    this.prefix = prefix;
    this.partition = partition;
    this.sourceRegionPrefixes = sourceRegionPrefixes;
    this.data = data;
  }

  /** Whether a profile of this geography may be called from `region`. */
  public includesRegion(region: string): boolean {
    return this.sourceRegionPrefixes.some((p) => (p.endsWith('-') ? region.startsWith(p) : region === p));
  }

  /**
   * The Regions the geography's profiles usually route to; empty when any commercial Region (global) or not known.
   */
  public get destinationRegions(): string[] {
    const destinations = this.data?.destinationRegions;
    return destinations === undefined || destinations === '*' ? [] : [...destinations];
  }

  /** Whether the geography's profiles may route to any commercial Region. */
  public get isGlobal(): boolean {
    return this.data?.destinationRegions === '*';
  }
}

/** Options for a Bedrock model that this version's catalog does not list. */
export interface BedrockModelOptions {
  /**
   * The cross-Region inference geographies in which AWS publishes a system-defined inference profile for the model.
   *
   * @default - none known; `inGeography()` accepts any geography
   */
  readonly geographies?: InferenceGeography[];
  /**
   * What the model serves. An embedding model is rendered so that LiteLLM serves it on `/v1/embeddings`.
   *
   * @default - the catalog's value for a listed model, else ModelCapability.CHAT
   */
  readonly capability?: ModelCapability;
}

const FOUNDATION_MODEL_ID = /^[a-z][a-z0-9-]*\.[a-z0-9][a-z0-9._-]*(:[0-9]+(:[0-9a-z.]+)?)?$/;

/**
 * An Amazon Bedrock model the gateway can invoke: a foundation model in one Region, or a cross-Region
 * inference profile of it (`us.anthropic…`), which Bedrock routes to several destination Regions.
 *
 * The constants are generated from the catalog table (`src/config/catalog/bedrock-models.ts`, which cites the AWS
 * page of every row); `BedrockModel.fromModelId()` takes any other Bedrock id.
 *
 * @example
 * import { BedrockModel, InferenceGeography } from 'cdk-llm-gateway';
 *
 * // eu.anthropic.claude-sonnet-4-5-20250929-v1:0
 * const sonnet = BedrockModel.CLAUDE_SONNET_4_5.inGeography(InferenceGeography.EU);
 */
export class BedrockModel {
  // catalog:begin — generated from src/config/catalog/bedrock-models.ts by `npx projen catalog`; do not edit by hand.
  /**
   * Claude Sonnet 4.5 (`anthropic.claude-sonnet-4-5-20250929-v1:0`): chat, 200,000-token context, input text, image; inference profiles `us.`, `eu.`, `apac.`, `jp.`, `au.`, `us-gov.`, `global.`.
   */
  public static readonly CLAUDE_SONNET_4_5 = BedrockModel.catalogued('anthropic.claude-sonnet-4-5-20250929-v1:0');
  /**
   * Claude Haiku 4.5 (`anthropic.claude-haiku-4-5-20251001-v1:0`): chat, 200,000-token context, input text, image; inference profiles `us.`, `eu.`, `apac.`, `jp.`, `au.`, `us-gov.`, `global.`.
   */
  public static readonly CLAUDE_HAIKU_4_5 = BedrockModel.catalogued('anthropic.claude-haiku-4-5-20251001-v1:0');
  /**
   * Claude Sonnet 4.6 (`anthropic.claude-sonnet-4-6`): chat, 1,000,000-token context, input text, image; inference profiles `us.`, `eu.`, `apac.`, `jp.`, `au.`, `global.`.
   */
  public static readonly CLAUDE_SONNET_4_6 = BedrockModel.catalogued('anthropic.claude-sonnet-4-6');
  /**
   * Claude Opus 4.6 (`anthropic.claude-opus-4-6-v1`): chat, 1,000,000-token context, input text, image; inference profiles `us.`, `eu.`, `au.`, `global.`.
   */
  public static readonly CLAUDE_OPUS_4_6 = BedrockModel.catalogued('anthropic.claude-opus-4-6-v1');
  /**
   * Claude Opus 4.5 (`anthropic.claude-opus-4-5-20251101-v1:0`): chat, 200,000-token context, input text, image; inference profiles `us.`, `eu.`, `global.`.
   */
  public static readonly CLAUDE_OPUS_4_5 = BedrockModel.catalogued('anthropic.claude-opus-4-5-20251101-v1:0');
  /**
   * Claude Opus 4.1 (`anthropic.claude-opus-4-1-20250805-v1:0`): chat, 200,000-token context, input text, image; inference profiles `us.`.
   */
  public static readonly CLAUDE_OPUS_4_1 = BedrockModel.catalogued('anthropic.claude-opus-4-1-20250805-v1:0');
  /**
   * Claude Sonnet 4 (`anthropic.claude-sonnet-4-20250514-v1:0`): chat, 200,000-token context, input text, image; inference profiles `us.`, `eu.`, `apac.`, `global.`.
   */
  public static readonly CLAUDE_SONNET_4 = BedrockModel.catalogued('anthropic.claude-sonnet-4-20250514-v1:0');
  /**
   * Claude Opus 4 (`anthropic.claude-opus-4-20250514-v1:0`): chat, 200,000-token context, input text, image; inference profiles `us.`.
   */
  public static readonly CLAUDE_OPUS_4 = BedrockModel.catalogued('anthropic.claude-opus-4-20250514-v1:0');
  /**
   * Claude 3.7 Sonnet (`anthropic.claude-3-7-sonnet-20250219-v1:0`): chat, 200,000-token context, input text, image; inference profiles `us.`, `eu.`, `apac.`.
   */
  public static readonly CLAUDE_3_7_SONNET = BedrockModel.catalogued('anthropic.claude-3-7-sonnet-20250219-v1:0');
  /**
   * Claude 3.5 Haiku (`anthropic.claude-3-5-haiku-20241022-v1:0`): chat, 200,000-token context, input text; inference profiles `us.`.
   */
  public static readonly CLAUDE_3_5_HAIKU = BedrockModel.catalogued('anthropic.claude-3-5-haiku-20241022-v1:0');
  /**
   * Amazon Nova Premier (`amazon.nova-premier-v1:0`): chat, 1,000,000-token context, input text, image, video; inference profiles `us.`.
   */
  public static readonly AMAZON_NOVA_PREMIER = BedrockModel.catalogued('amazon.nova-premier-v1:0');
  /**
   * Amazon Nova Pro (`amazon.nova-pro-v1:0`): chat, 300,000-token context, input text, image, video; inference profiles `us.`, `eu.`, `apac.`.
   */
  public static readonly AMAZON_NOVA_PRO = BedrockModel.catalogued('amazon.nova-pro-v1:0');
  /**
   * Amazon Nova Lite (`amazon.nova-lite-v1:0`): chat, 300,000-token context, input text, image, video; inference profiles `us.`, `eu.`, `apac.`, `ca.`.
   */
  public static readonly AMAZON_NOVA_LITE = BedrockModel.catalogued('amazon.nova-lite-v1:0');
  /**
   * Amazon Nova Micro (`amazon.nova-micro-v1:0`): chat, 128,000-token context, input text; inference profiles `us.`, `eu.`, `apac.`.
   */
  public static readonly AMAZON_NOVA_MICRO = BedrockModel.catalogued('amazon.nova-micro-v1:0');
  /**
   * Amazon Nova 2 Lite (`amazon.nova-2-lite-v1:0`): chat, 1,000,000-token context, input text, image, video; inference profiles `us.`, `eu.`, `apac.`, `jp.`, `global.`.
   */
  public static readonly AMAZON_NOVA_2_LITE = BedrockModel.catalogued('amazon.nova-2-lite-v1:0');
  /**
   * Amazon Titan Text Embeddings V2 (`amazon.titan-embed-text-v2:0`): embeddings, 8,192-token context, input text; in-Region only (no cross-Region profile).
   */
  public static readonly AMAZON_TITAN_EMBED_TEXT_V2 = BedrockModel.catalogued('amazon.titan-embed-text-v2:0');
  /**
   * Amazon Rerank 1.0 (`amazon.rerank-v1:0`): rerank, 32,000-token context, input text; in-Region only (no cross-Region profile).
   */
  public static readonly AMAZON_RERANK_V1 = BedrockModel.catalogued('amazon.rerank-v1:0');
  /**
   * Llama 4 Maverick 17B Instruct (`meta.llama4-maverick-17b-instruct-v1:0`): chat, 1,000,000-token context, input text, image; inference profiles `us.`.
   */
  public static readonly META_LLAMA_4_MAVERICK_17B = BedrockModel.catalogued('meta.llama4-maverick-17b-instruct-v1:0');
  /**
   * Llama 4 Scout 17B Instruct (`meta.llama4-scout-17b-instruct-v1:0`): chat, 3,500,000-token context, input text, image; inference profiles `us.`.
   */
  public static readonly META_LLAMA_4_SCOUT_17B = BedrockModel.catalogued('meta.llama4-scout-17b-instruct-v1:0');
  /**
   * Llama 3.3 70B Instruct (`meta.llama3-3-70b-instruct-v1:0`): chat, 128,000-token context, input text; inference profiles `us.`.
   */
  public static readonly META_LLAMA_3_3_70B_INSTRUCT = BedrockModel.catalogued('meta.llama3-3-70b-instruct-v1:0');
  /**
   * Pixtral Large (25.02) (`mistral.pixtral-large-2502-v1:0`): chat, 128,000-token context, input text, image; inference profiles `us.`, `eu.`.
   */
  public static readonly MISTRAL_PIXTRAL_LARGE = BedrockModel.catalogued('mistral.pixtral-large-2502-v1:0');
  /**
   * Mistral Large (24.07) (`mistral.mistral-large-2407-v1:0`): chat, 128,000-token context, input text; in-Region only (no cross-Region profile).
   */
  public static readonly MISTRAL_LARGE_2407 = BedrockModel.catalogued('mistral.mistral-large-2407-v1:0');
  /**
   * DeepSeek-R1 (`deepseek.r1-v1:0`): chat, 128,000-token context, input text; inference profiles `us.`.
   */
  public static readonly DEEPSEEK_R1 = BedrockModel.catalogued('deepseek.r1-v1:0');
  /**
   * DeepSeek-V3.1 (`deepseek.v3-v1:0`): chat, 128,000-token context, input text; in-Region only (no cross-Region profile).
   */
  public static readonly DEEPSEEK_V3_1 = BedrockModel.catalogued('deepseek.v3-v1:0');
  /**
   * gpt-oss-120b (`openai.gpt-oss-120b-1:0`): chat, 128,000-token context, input text; inference profiles `us-gov.`.
   */
  public static readonly OPENAI_GPT_OSS_120B = BedrockModel.catalogued('openai.gpt-oss-120b-1:0');
  /**
   * gpt-oss-20b (`openai.gpt-oss-20b-1:0`): chat, 128,000-token context, input text; inference profiles `us-gov.`.
   */
  public static readonly OPENAI_GPT_OSS_20B = BedrockModel.catalogued('openai.gpt-oss-20b-1:0');
  /**
   * Cohere Embed v4 (`cohere.embed-v4:0`): embeddings, 128,000-token context, input text, image; inference profiles `us.`, `eu.`, `apac.`, `global.`.
   */
  public static readonly COHERE_EMBED_V4 = BedrockModel.catalogued('cohere.embed-v4:0');
  /**
   * Cohere Embed English v3 (`cohere.embed-english-v3`): embeddings, 512-token context, input text; in-Region only (no cross-Region profile).
   */
  public static readonly COHERE_EMBED_ENGLISH_V3 = BedrockModel.catalogued('cohere.embed-english-v3');
  /**
   * Cohere Embed Multilingual v3 (`cohere.embed-multilingual-v3`): embeddings, 512-token context, input text; in-Region only (no cross-Region profile).
   */
  public static readonly COHERE_EMBED_MULTILINGUAL_V3 = BedrockModel.catalogued('cohere.embed-multilingual-v3');
  /**
   * Cohere Rerank 3.5 (`cohere.rerank-v3-5:0`): rerank, 4,096-token context, input text; in-Region only (no cross-Region profile).
   */
  public static readonly COHERE_RERANK_V3_5 = BedrockModel.catalogued('cohere.rerank-v3-5:0');
  // catalog:end

  /**
   * Any Bedrock model id: a foundation model (`anthropic.claude-…-v1:0`) or a system-defined cross-Region inference
   * profile (`us.anthropic.claude-…-v1:0`). Pass the id Bedrock documents, without LiteLLM's `bedrock/` prefix.
   * A listed model comes back with the catalog's data unless options are given.
   */
  public static fromModelId(modelId: string, options: BedrockModelOptions = {}): BedrockModel {
    if (modelId.startsWith('bedrock/')) {
      throw new Error(`BedrockModel.fromModelId: '${modelId}' carries LiteLLM's 'bedrock/' prefix; pass the Bedrock id alone ('${modelId.slice('bedrock/'.length)}'), the gateway adds the prefix.`);
    }
    if (modelId.startsWith('arn:')) {
      throw new Error(`BedrockModel.fromModelId: '${modelId}' is an ARN; pass a Bedrock model id such as 'anthropic.claude-haiku-4-5-20251001-v1:0' or an inference profile id such as 'us.anthropic.claude-haiku-4-5-20251001-v1:0'.`);
    }
    const geography = InferenceGeography.knownGeographies().find((g) => modelId.startsWith(`${g.prefix}.`) && FOUNDATION_MODEL_ID.test(modelId.slice(g.prefix.length + 1)));
    const foundationModelId = geography ? modelId.slice(geography.prefix.length + 1) : modelId;
    if (!FOUNDATION_MODEL_ID.test(foundationModelId)) {
      throw new Error(`BedrockModel.fromModelId: '${modelId}' is not a Bedrock model id. Expected '<provider>.<model>[:<version>]' such as 'anthropic.claude-haiku-4-5-20251001-v1:0', optionally behind a cross-Region prefix such as 'us.'.`);
    }
    const row = modelData(foundationModelId);
    const base = row && options.geographies === undefined && options.capability === undefined
      ? BedrockModel.fromRow(row)
      : new BedrockModel(foundationModelId, {
        geographies: options.geographies ?? (row ? geographiesOf(row) : undefined),
        capability: options.capability ?? (row ? row.capability as ModelCapability : ModelCapability.CHAT),
      });
    return geography ? base.inGeography(geography) : base;
  }

  /** Every model of the catalog, as foundation models (call `inGeography()` for a profile). */
  public static catalog(): BedrockModel[] {
    return MODELS.map((row) => BedrockModel.fromRow(row));
  }

  private static catalogued(foundationModelId: string): BedrockModel {
    const row = modelData(foundationModelId);
    if (!row) {
      throw new Error(`the catalog has no row for ${foundationModelId}; regenerate the constants with 'npx projen catalog'.`);
    }
    return BedrockModel.fromRow(row);
  }

  private static fromRow(row: CatalogModel): BedrockModel {
    return new BedrockModel(row.id, { geographies: geographiesOf(row), capability: row.capability as ModelCapability, row });
  }

  /** The foundation model's id, e.g. `anthropic.claude-sonnet-4-5-20250929-v1:0`. */
  public readonly foundationModelId: string;
  /** The cross-Region geography this model is invoked through; undefined for an in-Region foundation model. */
  public readonly geography?: InferenceGeography;
  /** What the model serves: chat, embeddings or rerank. */
  public readonly capability: ModelCapability;
  /** The model's context window in tokens, when the catalog lists the model. */
  public readonly contextWindow?: number;
  private readonly geographies?: InferenceGeography[];
  private readonly row?: CatalogModel;

  private constructor(foundationModelId: string, spec: ModelSpec, geography?: InferenceGeography) {
    this.foundationModelId = foundationModelId;
    this.geographies = spec.geographies;
    this.capability = spec.capability;
    this.row = spec.row;
    this.contextWindow = spec.row?.contextWindow;
    this.geography = geography;
  }

  /** The id Bedrock is called with: the inference-profile id for a cross-Region model, else the foundation model id. */
  public get modelId(): string {
    return this.geography ? `${this.geography.prefix}.${this.foundationModelId}` : this.foundationModelId;
  }

  /** Whether calls go through a cross-Region inference profile. */
  public get isCrossRegion(): boolean {
    return this.geography !== undefined;
  }

  /** The geographies in which AWS publishes an inference profile for this model (empty when not known). */
  public get publishedGeographies(): InferenceGeography[] {
    return [...(this.geographies ?? [])];
  }

  /** The model provider (`anthropic`, `amazon`, `meta`…), the first segment of the id. */
  public get provider(): string {
    return this.foundationModelId.split('.')[0];
  }

  /** The model's name as AWS documents it, when the catalog lists the model. */
  public get displayName(): string | undefined {
    return this.row?.name;
  }

  /**
   * This model through the system-defined cross-Region inference profile of `geography` (e.g. `us.`).
   * Fails when the catalog knows the model has no profile in that geography.
   */
  public inGeography(geography: InferenceGeography): BedrockModel {
    if (this.geographies !== undefined && !this.geographies.some((g) => g.prefix === geography.prefix)) {
      const known = this.geographies.length > 0 ? `known: ${this.geographies.map((g) => `${g.prefix}.`).join(', ')}` : 'it is offered in-Region only';
      throw new Error(`Bedrock publishes no '${geography.prefix}.' inference profile for ${this.foundationModelId} (${known}). Choose one of those geographies, or BedrockModel.fromModelId() with { geographies } if AWS has added it.`);
    }
    return new BedrockModel(this.foundationModelId, { geographies: this.geographies, capability: this.capability, row: this.row }, geography);
  }

  /** The model string LiteLLM is configured with (`bedrock/<id>`). */
  public get litellmModel(): string {
    return `bedrock/${this.modelId}`;
  }

  /**
   * Why this model cannot be called from `region`, or undefined when it can (or the catalog does not know).
   * @internal
   */
  public _regionProblem(region: string): string | undefined {
    const row = this.row;
    if (this.geography) {
      const sources = row ? profileSourceRegions(row, this.geography.prefix) : undefined;
      const callable = sources ? sources.includes(region) : this.geography.includesRegion(region);
      if (callable) return undefined;
      const from = sources ? `it is called from ${sources.join(', ')}` : `its geography does not include ${region}`;
      return `${from}${this.alternativesFor(region)}`;
    }
    if (row?.inRegion === undefined || row.inRegion.includes(region)) return undefined;
    const where = row.inRegion.length > 0 ? `in-Region only in ${row.inRegion.join(', ')}` : 'only through inference profiles';
    return `${row.name} is offered ${where}${this.alternativesFor(region)}`;
  }

  /**
   * The geographies whose profile of this model can be called from `region`, for messages and defaults.
   * @internal
   */
  public _profilesCallableFrom(region: string): InferenceGeography[] {
    const row = this.row;
    if (!row) return [];
    return (this.geographies ?? []).filter((g) => profileSourceRegions(row, g.prefix)?.includes(region));
  }

  /**
   * The Regions this model's profile routes to (`'*'`: any commercial Region), when known.
   * @internal
   */
  public _destinations(): readonly string[] | '*' | undefined {
    return this.row && this.geography ? profileDestinationRegions(this.row, this.geography.prefix) : undefined;
  }

  private alternativesFor(region: string): string {
    const callable = this._profilesCallableFrom(region);
    const inRegion = this.row?.inRegion?.includes(region) ? [`${this.foundationModelId} in-Region`] : [];
    const options = [...callable.map((g) => `${g.prefix}.${this.foundationModelId}`), ...inRegion];
    return options.length > 0 ? `; from ${region} use ${options.join(' or ')}` : `; no profile of it is known to be callable from ${region}`;
  }
}

interface ModelSpec {
  readonly geographies?: InferenceGeography[];
  readonly capability: ModelCapability;
  readonly row?: CatalogModel;
}

function geographiesOf(row: CatalogModel): InferenceGeography[] {
  return Object.keys(row.profiles).map((prefix) => {
    const known = InferenceGeography.knownGeographies().find((g) => g.prefix === prefix);
    if (!known) {
      throw new Error(`catalog row ${row.id}: unknown geography '${prefix}' (known: ${GEOGRAPHIES.map((g) => g.prefix).join(', ')}).`);
    }
    return known;
  });
}
