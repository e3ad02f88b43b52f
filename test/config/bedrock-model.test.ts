import { readFileSync } from 'fs';
import { MODEL_FILE, README_FILE, regenerate, regenerateReadme } from './catalog-codegen';
import { BedrockModel, InferenceGeography, ModelCapability } from '../../src';
import { GEOGRAPHIES, MODELS, PARTITIONS, profileSourceRegions } from '../../src/config/catalog/bedrock-models';

describe('BedrockModel catalog', () => {
  test('published ids of the Claude 4.5 models', () => {
    expect(BedrockModel.CLAUDE_SONNET_4_5.modelId).toBe('anthropic.claude-sonnet-4-5-20250929-v1:0');
    expect(BedrockModel.CLAUDE_HAIKU_4_5.modelId).toBe('anthropic.claude-haiku-4-5-20251001-v1:0');
    expect(BedrockModel.CLAUDE_OPUS_4_5.modelId).toBe('anthropic.claude-opus-4-5-20251101-v1:0');
  });

  test('a foundation model is in-Region; its profile is cross-Region', () => {
    expect(BedrockModel.CLAUDE_HAIKU_4_5.isCrossRegion).toBe(false);
    const us = BedrockModel.CLAUDE_HAIKU_4_5.inGeography(InferenceGeography.US);
    expect(us.isCrossRegion).toBe(true);
    expect(us.modelId).toBe('us.anthropic.claude-haiku-4-5-20251001-v1:0');
    expect(us.foundationModelId).toBe('anthropic.claude-haiku-4-5-20251001-v1:0');
    expect(us.litellmModel).toBe('bedrock/us.anthropic.claude-haiku-4-5-20251001-v1:0');
    expect(BedrockModel.CLAUDE_SONNET_4_5.inGeography(InferenceGeography.GLOBAL).modelId).toBe('global.anthropic.claude-sonnet-4-5-20250929-v1:0');
  });

  test('a geography the catalog knows is missing fails', () => {
    expect(() => BedrockModel.CLAUDE_OPUS_4_1.inGeography(InferenceGeography.EU)).toThrow(/no 'eu\.' inference profile for anthropic\.claude-opus-4-1-20250805-v1:0 \(known: us\.\)/);
  });

  test('publishedGeographies is a copy', () => {
    const list = BedrockModel.CLAUDE_OPUS_4_1.publishedGeographies;
    list.push(InferenceGeography.EU);
    expect(BedrockModel.CLAUDE_OPUS_4_1.publishedGeographies.map((g) => g.prefix)).toEqual(['us']);
  });
});

describe('BedrockModel.fromModelId (escape hatch)', () => {
  test('parses a cross-Region profile id and finds the catalog entry', () => {
    const m = BedrockModel.fromModelId('eu.anthropic.claude-sonnet-4-5-20250929-v1:0');
    expect(m.geography?.prefix).toBe('eu');
    expect(m.publishedGeographies.length).toBeGreaterThan(1);
  });

  test('us-gov. is not mistaken for us.', () => {
    expect(BedrockModel.fromModelId('us-gov.anthropic.claude-sonnet-4-5-20250929-v1:0').geography?.prefix).toBe('us-gov');
  });

  test('takes an id the catalog does not list', () => {
    const m = BedrockModel.fromModelId('amazon.nova-pro-v1:0');
    expect(m.modelId).toBe('amazon.nova-pro-v1:0');
    expect(m.isCrossRegion).toBe(false);
    expect(m.inGeography(InferenceGeography.US).modelId).toBe('us.amazon.nova-pro-v1:0');
  });

  test('geographies can be declared for a new model', () => {
    const m = BedrockModel.fromModelId('anthropic.claude-future-v1:0', { geographies: [InferenceGeography.EU] });
    expect(() => m.inGeography(InferenceGeography.US)).toThrow(/no 'us\.' inference profile/);
  });

  test.each([
    ['bedrock/anthropic.claude-haiku-4-5-20251001-v1:0', /carries LiteLLM's 'bedrock\/' prefix; pass the Bedrock id alone \('anthropic\.claude-haiku/],
    ['arn:aws:bedrock:us-east-1::foundation-model/x.y', /is an ARN/],
    ['gpt-4o', /'gpt-4o' is not a Bedrock model id/],
    ['Anthropic.Claude', /is not a Bedrock model id/],
    ['', /is not a Bedrock model id/],
    ['anthropic.claude x', /is not a Bedrock model id/],
  ])('rejects %p', (id, message) => {
    expect(() => BedrockModel.fromModelId(id)).toThrow(message);
  });
});

describe('InferenceGeography', () => {
  test.each([
    [InferenceGeography.US, 'us-east-1', true],
    [InferenceGeography.US, 'us-west-2', true],
    [InferenceGeography.US, 'us-gov-west-1', false],
    [InferenceGeography.US, 'eu-west-1', false],
    [InferenceGeography.EU, 'eu-central-1', true],
    [InferenceGeography.APAC, 'ap-south-1', true],
    [InferenceGeography.JP, 'ap-northeast-1', true],
    [InferenceGeography.JP, 'ap-northeast-2', false],
    [InferenceGeography.AU, 'ap-southeast-2', true],
    [InferenceGeography.US_GOV, 'us-gov-east-1', true],
    [InferenceGeography.GLOBAL, 'sa-east-1', true],
    [InferenceGeography.GLOBAL, 'us-gov-west-1', false],
  ])('%p includes %p: %p', (geo, region, expected) => {
    expect(geo.includesRegion(region)).toBe(expected);
  });

  test('of() makes a new geography and validates it', () => {
    const ca = InferenceGeography.of('ca', ['ca-']);
    expect(ca.includesRegion('ca-central-1')).toBe(true);
    expect(() => InferenceGeography.of('CA.', ['ca-'])).toThrow(/prefix 'CA\.' is not an inference-profile prefix/);
    expect(() => InferenceGeography.of('ca', [])).toThrow(/sourceRegionPrefixes is empty/);
  });
});

describe('the catalog table', () => {
  const commercial = new Set(PARTITIONS.find((p) => p.name === 'aws')!.bedrockRegions);

  test('the generated constants match the table (run `npx projen catalog` after editing it)', () => {
    const committed = readFileSync(MODEL_FILE, 'utf8');
    expect(regenerate(committed)).toEqual(committed);
  });

  test("the README's coverage table matches the table", () => {
    const committed = readFileSync(README_FILE, 'utf8');
    expect(regenerateReadme(committed)).toEqual(committed);
  });

  test('every geography lies inside one partition that offers Bedrock, and names its AWS pages', () => {
    for (const g of GEOGRAPHIES) {
      expect(g.sources.length).toBeGreaterThan(0);
      expect(g.sources.every((url) => url.startsWith('https://docs.aws.amazon.com/'))).toBe(true);
      const partition = PARTITIONS.find((p) => p.name === g.partition);
      expect(partition).toBeDefined();
      const regions = new Set(partition!.bedrockRegions);
      const territory = g.territory === '*' ? [...regions] : g.territory;
      expect(territory.filter((r) => !regions.has(r))).toEqual([]);
      expect(g.sourceRegions.filter((r) => !territory.includes(r))).toEqual([]);
      if (g.destinationRegions !== '*') {
        expect(g.destinationRegions.filter((r) => !territory.includes(r))).toEqual([]);
        expect(g.destinationRegions.length).toBeGreaterThan(0);
      }
    }
  });

  test.each(MODELS.map((m) => [m.constant, m] as const))('%s: its profiles, Regions and data are consistent', (_name, row) => {
    expect(row.id.startsWith(`${row.provider}.`)).toBe(true);
    expect(BedrockModel.fromModelId(row.id).foundationModelId).toBe(row.id);
    expect(row.contextWindow).toBeGreaterThan(0);
    expect(row.sources.length).toBeGreaterThan(0);
    for (const url of row.sources) {
      expect(url).toMatch(/^https:\/\/docs\.aws\.amazon\.com\//);
    }
    expect(row.outputModalities.includes('embedding')).toBe(row.capability === 'embedding');
    for (const [prefix, profile] of Object.entries(row.profiles)) {
      const geography = GEOGRAPHIES.find((g) => g.prefix === prefix);
      expect(geography).toBeDefined();
      const territory = geography!.territory === '*' ? [...commercial] : geography!.territory;
      // A profile is called from, and routes to, Regions of its own geography only.
      expect((profile.sourceRegions ?? []).filter((r) => !territory.includes(r))).toEqual([]);
      expect((profile.destinationRegions ?? []).filter((r) => !territory.includes(r))).toEqual([]);
      expect(profileSourceRegions(row, prefix)!.length).toBeGreaterThan(0);
    }
    const partitionRegions = new Set(PARTITIONS.flatMap((p) => p.bedrockRegions));
    expect((row.inRegion ?? []).filter((r) => !partitionRegions.has(r))).toEqual([]);
    // A model offered only through profiles must have at least one.
    if (row.inRegion !== undefined && row.inRegion.length === 0) {
      expect(Object.keys(row.profiles).length).toBeGreaterThan(0);
    }
  });

  test('constants and ids are unique', () => {
    expect(new Set(MODELS.map((m) => m.constant)).size).toBe(MODELS.length);
    expect(new Set(MODELS.map((m) => m.id)).size).toBe(MODELS.length);
  });

  test('it covers the providers teams put behind the gateway, and chat, embeddings and rerank', () => {
    expect(new Set(MODELS.map((m) => m.provider))).toEqual(new Set(['anthropic', 'amazon', 'meta', 'mistral', 'deepseek', 'openai', 'cohere']));
    expect(BedrockModel.AMAZON_NOVA_PRO.capability).toBe(ModelCapability.CHAT);
    expect(BedrockModel.AMAZON_TITAN_EMBED_TEXT_V2.capability).toBe(ModelCapability.EMBEDDING);
    expect(BedrockModel.COHERE_EMBED_V4.inGeography(InferenceGeography.EU).modelId).toBe('eu.cohere.embed-v4:0');
    expect(BedrockModel.COHERE_RERANK_V3_5.capability).toBe(ModelCapability.RERANK);
    expect(BedrockModel.OPENAI_GPT_OSS_120B.modelId).toBe('openai.gpt-oss-120b-1:0');
    expect(BedrockModel.META_LLAMA_4_MAVERICK_17B.contextWindow).toBe(1_000_000);
    expect(BedrockModel.catalog().map((m) => m.foundationModelId)).toEqual(MODELS.map((m) => m.id));
  });

  test('the Claude 4.5 constants keep their published ids and geographies', () => {
    expect(BedrockModel.CLAUDE_SONNET_4_5.publishedGeographies.map((g) => g.prefix)).toEqual(['us', 'eu', 'apac', 'jp', 'au', 'us-gov', 'global']);
    expect(BedrockModel.CLAUDE_HAIKU_4_5.displayName).toBe('Claude Haiku 4.5');
    expect(BedrockModel.CLAUDE_HAIKU_4_5.provider).toBe('anthropic');
  });
});

describe('where a model can be called from', () => {
  test('a profile is callable from its source Regions only, and the message offers the ones that are', () => {
    const jp = BedrockModel.CLAUDE_SONNET_4_5.inGeography(InferenceGeography.JP);
    expect(jp._regionProblem('ap-northeast-3')).toBeUndefined();
    expect(jp._regionProblem('ap-northeast-2')).toMatch(/it is called from ap-northeast-1, ap-northeast-3; from ap-northeast-2 use apac\.anthropic\.claude-sonnet-4-5-20250929-v1:0 or global\./);
  });

  test('a profile-only model fails in-Region, naming the profiles that serve the Region', () => {
    expect(BedrockModel.AMAZON_NOVA_PREMIER._regionProblem('us-east-1')).toMatch(/Amazon Nova Premier is offered only through inference profiles; from us-east-1 use us\.amazon\.nova-premier-v1:0/);
    expect(BedrockModel.AMAZON_NOVA_PREMIER._regionProblem('eu-west-1')).toMatch(/no profile of it is known to be callable from eu-west-1/);
  });

  test('a model the catalog does not state in-Region Regions for is not checked', () => {
    expect(BedrockModel.AMAZON_TITAN_EMBED_TEXT_V2._regionProblem('eu-west-1')).toBeUndefined();
    expect(BedrockModel.fromModelId('amazon.nova-future-v1:0')._regionProblem('eu-west-1')).toBeUndefined();
  });

  test('fromModelId can declare an embedding model the catalog does not list', () => {
    const m = BedrockModel.fromModelId('amazon.titan-embed-future-v9:0', { capability: ModelCapability.EMBEDDING });
    expect(m.capability).toBe(ModelCapability.EMBEDDING);
    expect(BedrockModel.fromModelId('amazon.nova-future-v1:0').capability).toBe(ModelCapability.CHAT);
  });
});
