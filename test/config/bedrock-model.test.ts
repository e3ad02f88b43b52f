import { BedrockModel, InferenceGeography } from '../../src';

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
