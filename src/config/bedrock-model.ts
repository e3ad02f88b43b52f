/**
 * A geography of Amazon Bedrock cross-Region inference: the prefix of a system-defined inference profile
 * (`us.`, `eu.` …) and the AWS Regions from which such a profile may be called.
 *
 * The set grows as AWS adds geographies, so it is a class: use a constant, or `InferenceGeography.of()` for one
 * this version does not list yet.
 */
export class InferenceGeography {
  /** United States (`us.`): called from the commercial US Regions. */
  public static readonly US = new InferenceGeography('us', ['us-'], ['us-gov-']);
  /** European Union (`eu.`): called from the EU Regions. */
  public static readonly EU = new InferenceGeography('eu', ['eu-']);
  /** Asia Pacific (`apac.`): called from the Asia Pacific Regions. */
  public static readonly APAC = new InferenceGeography('apac', ['ap-']);
  /** Japan (`jp.`): called from Tokyo and Osaka. */
  public static readonly JP = new InferenceGeography('jp', ['ap-northeast-1', 'ap-northeast-3']);
  /** Australia (`au.`): called from Sydney and Melbourne. */
  public static readonly AU = new InferenceGeography('au', ['ap-southeast-2', 'ap-southeast-4']);
  /** AWS GovCloud (US) (`us-gov.`): called from the GovCloud Regions. */
  public static readonly US_GOV = new InferenceGeography('us-gov', ['us-gov-']);
  /** Global (`global.`): called from any commercial Region, routed to any commercial Region. */
  public static readonly GLOBAL = new InferenceGeography('global', [''], ['us-gov-', 'cn-', 'us-iso']);

  /**
   * A geography this version does not list.
   *
   * @param prefix the inference-profile prefix without its dot, e.g. `ca`
   * @param sourceRegionPrefixes Region names or Region-name prefixes (`ca-`) from which the profile may be called
   */
  public static of(prefix: string, sourceRegionPrefixes: string[]): InferenceGeography {
    if (!/^[a-z][a-z-]*[a-z]$/.test(prefix)) {
      throw new Error(`InferenceGeography.of: prefix '${prefix}' is not an inference-profile prefix such as 'us' or 'eu' (lowercase letters, no dot).`);
    }
    if (sourceRegionPrefixes.length === 0) {
      throw new Error(`InferenceGeography.of('${prefix}'): sourceRegionPrefixes is empty; name at least one Region or Region prefix such as 'ca-'.`);
    }
    return new InferenceGeography(prefix, sourceRegionPrefixes);
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
    ];
  }

  private constructor(
    /** The inference-profile prefix without its dot, e.g. `us`. */
    public readonly prefix: string,
    private readonly sourceRegionPrefixes: string[],
    private readonly excludedRegionPrefixes: string[] = [],
  ) {}

  /** Whether a profile of this geography may be called from `region`. */
  public includesRegion(region: string): boolean {
    if (this.excludedRegionPrefixes.some((p) => region.startsWith(p))) {
      return false;
    }
    return this.sourceRegionPrefixes.some((p) => (p.endsWith('-') || p === '' ? region.startsWith(p) : region === p));
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
}

const FOUNDATION_MODEL_ID = /^[a-z][a-z0-9-]*\.[a-z0-9][a-z0-9._-]*(:[0-9]+(:[0-9a-z.]+)?)?$/;

/**
 * An Amazon Bedrock model the gateway can invoke: a foundation model in one Region, or a cross-Region
 * inference profile of it (`us.anthropic…`), which Bedrock routes to several destination Regions.
 *
 * The constants are published Claude models (checked against AWS's model and inference-profile tables,
 * November 2026); `BedrockModel.fromModelId()` takes any other Bedrock id.
 *
 * @example
 * import { BedrockModel, InferenceGeography } from 'cdk-llm-gateway';
 *
 * // us.anthropic.claude-sonnet-4-5-20250929-v1:0
 * const sonnet = BedrockModel.CLAUDE_SONNET_4_5.inGeography(InferenceGeography.US);
 */
export class BedrockModel {
  /** Claude Sonnet 4.5 (`anthropic.claude-sonnet-4-5-20250929-v1:0`). */
  public static readonly CLAUDE_SONNET_4_5 = BedrockModel.foundation('anthropic.claude-sonnet-4-5-20250929-v1:0', [
    InferenceGeography.US, InferenceGeography.EU, InferenceGeography.JP, InferenceGeography.AU, InferenceGeography.US_GOV, InferenceGeography.GLOBAL,
  ]);
  /** Claude Haiku 4.5 (`anthropic.claude-haiku-4-5-20251001-v1:0`). */
  public static readonly CLAUDE_HAIKU_4_5 = BedrockModel.foundation('anthropic.claude-haiku-4-5-20251001-v1:0', [
    InferenceGeography.US, InferenceGeography.EU, InferenceGeography.JP, InferenceGeography.AU, InferenceGeography.US_GOV, InferenceGeography.GLOBAL,
  ]);
  /** Claude Opus 4.5 (`anthropic.claude-opus-4-5-20251101-v1:0`). */
  public static readonly CLAUDE_OPUS_4_5 = BedrockModel.foundation('anthropic.claude-opus-4-5-20251101-v1:0', [
    InferenceGeography.US, InferenceGeography.EU, InferenceGeography.GLOBAL,
  ]);
  /** Claude Opus 4.1 (`anthropic.claude-opus-4-1-20250805-v1:0`). */
  public static readonly CLAUDE_OPUS_4_1 = BedrockModel.foundation('anthropic.claude-opus-4-1-20250805-v1:0', [InferenceGeography.US]);
  /** Claude Sonnet 4 (`anthropic.claude-sonnet-4-20250514-v1:0`). */
  public static readonly CLAUDE_SONNET_4 = BedrockModel.foundation('anthropic.claude-sonnet-4-20250514-v1:0', [
    InferenceGeography.US, InferenceGeography.EU, InferenceGeography.APAC, InferenceGeography.GLOBAL,
  ]);
  /** Claude Opus 4 (`anthropic.claude-opus-4-20250514-v1:0`). */
  public static readonly CLAUDE_OPUS_4 = BedrockModel.foundation('anthropic.claude-opus-4-20250514-v1:0', [InferenceGeography.US]);
  /** Claude 3.7 Sonnet (`anthropic.claude-3-7-sonnet-20250219-v1:0`). */
  public static readonly CLAUDE_3_7_SONNET = BedrockModel.foundation('anthropic.claude-3-7-sonnet-20250219-v1:0', [
    InferenceGeography.US, InferenceGeography.EU, InferenceGeography.APAC,
  ]);
  /** Claude 3.5 Haiku (`anthropic.claude-3-5-haiku-20241022-v1:0`). */
  public static readonly CLAUDE_3_5_HAIKU = BedrockModel.foundation('anthropic.claude-3-5-haiku-20241022-v1:0', [InferenceGeography.US]);

  /**
   * Any Bedrock model id: a foundation model (`anthropic.claude-…-v1:0`) or a system-defined cross-Region inference
   * profile (`us.anthropic.claude-…-v1:0`). Pass the id Bedrock documents, without LiteLLM's `bedrock/` prefix.
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
    const catalogued = BedrockModel.CATALOG().find((m) => m.foundationModelId === foundationModelId);
    const base = catalogued && !options.geographies ? catalogued : BedrockModel.foundation(foundationModelId, options.geographies);
    return geography ? base.inGeography(geography) : base;
  }

  // Lazily built so the static constants above exist when it is first called.
  private static CATALOG(): BedrockModel[] {
    return [
      BedrockModel.CLAUDE_SONNET_4_5, BedrockModel.CLAUDE_HAIKU_4_5, BedrockModel.CLAUDE_OPUS_4_5, BedrockModel.CLAUDE_OPUS_4_1,
      BedrockModel.CLAUDE_SONNET_4, BedrockModel.CLAUDE_OPUS_4, BedrockModel.CLAUDE_3_7_SONNET, BedrockModel.CLAUDE_3_5_HAIKU,
    ];
  }

  private static foundation(foundationModelId: string, geographies?: InferenceGeography[]): BedrockModel {
    return new BedrockModel(foundationModelId, geographies, undefined);
  }

  /** The foundation model's id, e.g. `anthropic.claude-sonnet-4-5-20250929-v1:0`. */
  public readonly foundationModelId: string;
  /** The cross-Region geography this model is invoked through; undefined for an in-Region foundation model. */
  public readonly geography?: InferenceGeography;
  private readonly geographies?: InferenceGeography[];

  private constructor(foundationModelId: string, geographies: InferenceGeography[] | undefined, geography: InferenceGeography | undefined) {
    this.foundationModelId = foundationModelId;
    this.geographies = geographies;
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

  /**
   * This model through the system-defined cross-Region inference profile of `geography` (e.g. `us.`).
   * Fails when the catalog knows the model has no profile in that geography.
   */
  public inGeography(geography: InferenceGeography): BedrockModel {
    if (this.geographies && this.geographies.length > 0 && !this.geographies.some((g) => g.prefix === geography.prefix)) {
      const known = this.geographies.map((g) => `${g.prefix}.`).join(', ');
      throw new Error(`Bedrock publishes no '${geography.prefix}.' inference profile for ${this.foundationModelId} (known: ${known}). Choose one of those geographies, or BedrockModel.fromModelId() with { geographies } if AWS has added it.`);
    }
    return new BedrockModel(this.foundationModelId, this.geographies, geography);
  }

  /** The model string LiteLLM is configured with (`bedrock/<id>`). */
  public get litellmModel(): string {
    return `bedrock/${this.modelId}`;
  }
}
