import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { parse } from 'yaml';
import { BedrockModel, InferenceGeography, LlmGateway, LlmGatewayProps } from '../src';
import { PARTITIONS } from '../src/config/catalog/bedrock-models';

function stackIn(region: string | undefined): { stack: Stack; vpc: ec2.Vpc } {
  const app = new App();
  const stack = new Stack(app, 'Regional', region ? { env: { account: '123456789012', region } } : {});
  return { stack, vpc: new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 }) };
}

/** An ARN as text, with `<Partition>`-style placeholders for references. */
function arn(value: any): string {
  if (typeof value === 'string') return value;
  if (value?.Ref) return `<${String(value.Ref).replace('AWS::', '')}>`;
  if (value?.['Fn::Join']) return value['Fn::Join'][1].map(arn).join(value['Fn::Join'][0]);
  return JSON.stringify(value);
}

function quickStart(region: string | undefined, props: Partial<LlmGatewayProps> = {}) {
  const { stack, vpc } = stackIn(region);
  const gateway = new LlmGateway(stack, 'Gateway', { vpc, ...props });
  const template = Template.fromStack(stack);
  const config = parse(gateway.renderedConfig, { version: '1.1' });
  const geographyWarnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('defaultGeography'));
  return { stack, gateway, template, config, geographyWarnings };
}

/**
 * The geography the default aliases use in each Region offering Bedrock, and whether the choice warns. Where a
 * country has its own geography its profiles are used (jp., au.); then the continent's (us., eu., apac.); global.
 * only where no geographic profile of both models serves the Region, and never without a warning.
 */
const EXPECTED: Record<string, [string, 'warns' | 'quiet']> = {
  'us-east-1': ['us', 'quiet'],
  'us-east-2': ['us', 'quiet'],
  'us-west-1': ['us', 'quiet'],
  'us-west-2': ['us', 'quiet'],
  'ca-central-1': ['global', 'warns'],
  'ca-west-1': ['global', 'warns'],
  'mx-central-1': ['global', 'warns'],
  'sa-east-1': ['global', 'warns'],
  'eu-central-1': ['eu', 'quiet'],
  'eu-north-1': ['eu', 'quiet'],
  'eu-south-1': ['eu', 'quiet'],
  'eu-south-2': ['eu', 'quiet'],
  'eu-west-1': ['eu', 'quiet'],
  'eu-west-3': ['eu', 'quiet'],
  // London and Zurich call EU profiles, which process prompts in EU member-state Regions: said in a warning.
  'eu-west-2': ['eu', 'warns'],
  'eu-central-2': ['eu', 'warns'],
  'ap-northeast-1': ['jp', 'quiet'],
  'ap-northeast-3': ['jp', 'quiet'],
  'ap-southeast-2': ['au', 'quiet'],
  'ap-southeast-4': ['au', 'quiet'],
  'ap-northeast-2': ['apac', 'quiet'],
  'ap-south-1': ['apac', 'quiet'],
  'ap-south-2': ['apac', 'quiet'],
  'ap-southeast-1': ['apac', 'quiet'],
  'ap-southeast-3': ['global', 'warns'],
  'ap-southeast-5': ['global', 'warns'],
  'ap-southeast-6': ['global', 'warns'],
  'ap-southeast-7': ['global', 'warns'],
  'ap-east-2': ['global', 'warns'],
  'af-south-1': ['global', 'warns'],
  'il-central-1': ['global', 'warns'],
  'me-central-1': ['global', 'warns'],
  'me-south-1': ['global', 'warns'],
  'us-gov-east-1': ['us-gov', 'quiet'],
  'us-gov-west-1': ['us-gov', 'quiet'],
};

describe('the quick start synthesizes in every Region that offers Bedrock', () => {
  const regions = PARTITIONS.filter((p) => ['aws', 'aws-us-gov'].includes(p.name)).flatMap((p) => p.bedrockRegions);

  test('the expectations cover exactly the commercial and GovCloud Regions with Bedrock', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual([...regions].sort());
  });

  test.each(regions)('%s', (region) => {
    const [prefix, warns] = EXPECTED[region];
    const { config, geographyWarnings } = quickStart(region);
    const rows = config.model_list.map((m: any) => {
      const p = m.litellm_params;
      return [m.model_name, p.model, p.aws_region_name, p.tpm, p.rpm];
    });
    expect(rows).toEqual([
      ['claude-primary', `bedrock/${prefix}.anthropic.claude-sonnet-4-5-20250929-v1:0`, region, 80000, 50],
      ['claude-fallback', `bedrock/${prefix}.anthropic.claude-haiku-4-5-20251001-v1:0`, region, 80000, 100],
      ['claude-fast', `bedrock/${prefix}.anthropic.claude-haiku-4-5-20251001-v1:0`, region, 80000, 100],
    ]);
    expect(config.router_settings.fallbacks).toEqual([{ 'claude-primary': ['claude-fallback'] }]);
    expect(geographyWarnings.length > 0).toBe(warns === 'warns');
  });
});

describe('partitions', () => {
  test('in GovCloud every ARN takes the partition from the stack and the task role can call the us-gov. profiles', () => {
    const { template, stack } = quickStart('us-gov-west-1');
    const json = JSON.stringify(template.toJSON());
    expect(json).not.toContain('arn:aws:');
    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .flatMap((p: any) => p.Properties.PolicyDocument.Statement)
      .filter((s: any) => s.Sid === 'InvokeConfiguredModels');
    expect(statements).toHaveLength(1);
    const resources = stack.resolve(statements[0].Resource);
    expect(JSON.stringify(resources)).toContain('":bedrock:us-gov-west-1:",{"Ref":"AWS::AccountId"},":inference-profile/us-gov.anthropic.claude-sonnet-4-5-20250929-v1:0"');
    expect(JSON.stringify(resources)).toContain('{"Ref":"AWS::Partition"}');
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: Match.objectLike({
        Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 'ecs-tasks.amazonaws.com' } })]),
      }),
    });
  });

  test('the China partition has no Bedrock: the quick start fails naming the partition and the prop', () => {
    expect(() => quickStart('cn-north-1')).toThrow(/the stack's Region 'cn-north-1' is in partition aws-cn, where Amazon Bedrock is not offered \(partitions with Bedrock: aws, aws-us-gov, aws-eusc, aws-iso, aws-iso-b, aws-iso-f\); give the stack an env\.region where Bedrock is offered/);
  });

  test('the European Sovereign Cloud has Bedrock but no profile of the default models: the quick start asks for models', () => {
    expect(() => quickStart('eusc-de-east-1')).toThrow(/No inference profile of Claude Sonnet 4\.5 and Haiku 4\.5, the default aliases' models, can be called from the stack's Region eusc-de-east-1\. Set models/);
  });

  test('a commercial Region without Bedrock fails, listing the Regions that have it', () => {
    expect(() => quickStart('ap-east-1')).toThrow(/the stack's Region 'ap-east-1' is not a Region of partition aws that offers Amazon Bedrock \(af-south-1, .*us-west-2\)/);
  });

  test('an alias Region outside every partition list fails naming the alias prop', () => {
    const models = [{ alias: 'a', model: BedrockModel.CLAUDE_HAIKU_4_5.inGeography(InferenceGeography.US), region: 'us-east-7' }];
    expect(() => quickStart('us-east-1', { models })).toThrow(/models\[0\]\.region 'us-east-7' is not a Region of partition aws that offers Amazon Bedrock/);
  });
});

describe('an environment-agnostic stack', () => {
  test('gets global. profiles, no Region baked in, and a warning naming defaultGeography', () => {
    const { config, geographyWarnings, stack } = quickStart(undefined);
    expect(config.model_list.map((m: any) => m.litellm_params.model)).toEqual([
      'bedrock/global.anthropic.claude-sonnet-4-5-20250929-v1:0',
      'bedrock/global.anthropic.claude-haiku-4-5-20251001-v1:0',
      'bedrock/global.anthropic.claude-haiku-4-5-20251001-v1:0',
    ]);
    expect(config.model_list[0].litellm_params).not.toHaveProperty('aws_region_name');
    expect(geographyWarnings).toHaveLength(1);
    expect(JSON.stringify(geographyWarnings[0].entry.data)).toMatch(/environment-agnostic.*global\. inference profiles.*set defaultGeography/);
    expect(stack.resolve(Stack.of(stack).region)).toEqual({ Ref: 'AWS::Region' });
  });

  test('defaultGeography chooses the geography, and the warning goes away', () => {
    const { config, geographyWarnings } = quickStart(undefined, { defaultGeography: InferenceGeography.EU });
    expect(config.model_list[0].litellm_params.model).toBe('bedrock/eu.anthropic.claude-sonnet-4-5-20250929-v1:0');
    expect(geographyWarnings).toHaveLength(0);
  });
});

describe('defaultGeography', () => {
  test('a geography that serves the stack Region replaces the default choice (apac. instead of jp. in Tokyo)', () => {
    const { config, geographyWarnings } = quickStart('ap-northeast-1', { defaultGeography: InferenceGeography.APAC });
    expect(config.model_list[1].litellm_params.model).toBe('bedrock/apac.anthropic.claude-haiku-4-5-20251001-v1:0');
    expect(geographyWarnings).toHaveLength(0);
  });

  test('a geography that cannot be called from the stack Region fails naming the prop', () => {
    expect(() => quickStart('us-east-1', { defaultGeography: InferenceGeography.JP })).toThrow(/defaultGeography 'jp\.' does not serve the stack's Region: it is called from ap-northeast-1, ap-northeast-3; from us-east-1 use us\.anthropic\.claude-sonnet-4-5-20250929-v1:0 or global\./);
  });

  test('a geography without profiles of the default models fails naming the prop', () => {
    expect(() => quickStart('ca-central-1', { defaultGeography: InferenceGeography.CA })).toThrow(/defaultGeography 'ca\.': the default aliases use Claude Sonnet 4\.5 and Claude Haiku 4\.5, which have profiles in us\., eu\., apac\., jp\., au\., us-gov\., global\./);
  });

  test('together with models it fails: it only applies to the default aliases', () => {
    const models = [{ alias: 'a', model: BedrockModel.CLAUDE_HAIKU_4_5.inGeography(InferenceGeography.US) }];
    expect(() => quickStart('us-east-1', { models, defaultGeography: InferenceGeography.US })).toThrow(/defaultGeography applies only to the default aliases, and models is set/);
  });
});

describe('bad model choices fail at synth naming the prop', () => {
  test("an alias whose model has no profile callable from the stack's geography", () => {
    const models = [{ alias: 'opus', model: BedrockModel.CLAUDE_OPUS_4_1.inGeography(InferenceGeography.US) }];
    expect(() => quickStart('eu-west-1', { models })).toThrow(/the stack's Region 'eu-west-1' \(used because models\[0\]\.region is unset\) is outside the 'us\.' inference profile's geography of models\[0\]\.model \(us\.anthropic\.claude-opus-4-1-20250805-v1:0\): it is called from us-east-1, us-east-2, us-west-1, us-west-2; no profile of it is known to be callable from eu-west-1/);
  });

  test('a profile-only model called in-Region', () => {
    const models = [{ alias: 'nova', model: BedrockModel.AMAZON_NOVA_PREMIER }];
    expect(() => quickStart('us-west-2', { models })).toThrow(/the stack's Region 'us-west-2' \(used because models\[0\]\.region is unset\) cannot call models\[0\]\.model \(amazon\.nova-premier-v1:0\) in-Region: Amazon Nova Premier is offered only through inference profiles; from us-west-2 use us\.amazon\.nova-premier-v1:0/);
  });
});

describe('embedding aliases', () => {
  const models = [
    { alias: 'chat', model: BedrockModel.CLAUDE_HAIKU_4_5.inGeography(InferenceGeography.EU) },
    { alias: 'embed-titan', model: BedrockModel.AMAZON_TITAN_EMBED_TEXT_V2 },
    { alias: 'embed-cohere', model: BedrockModel.COHERE_EMBED_V4.inGeography(InferenceGeography.EU) },
  ];

  test('are rendered with model_info.mode embedding, chat aliases without model_info', () => {
    const { config } = quickStart('eu-west-1', { models });
    expect(config.model_list).toEqual([
      { model_name: 'chat', litellm_params: { model: 'bedrock/eu.anthropic.claude-haiku-4-5-20251001-v1:0', aws_region_name: 'eu-west-1', max_parallel_requests: 50 } },
      { model_name: 'embed-titan', litellm_params: { model: 'bedrock/amazon.titan-embed-text-v2:0', aws_region_name: 'eu-west-1', max_parallel_requests: 50 }, model_info: { mode: 'embedding' } },
      { model_name: 'embed-cohere', litellm_params: { model: 'bedrock/eu.cohere.embed-v4:0', aws_region_name: 'eu-west-1', max_parallel_requests: 50 }, model_info: { mode: 'embedding' } },
    ]);
  });

  test('the task role may invoke exactly the configured models', () => {
    const { template, stack } = quickStart('eu-west-1', { models });
    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .flatMap((p: any) => p.Properties.PolicyDocument.Statement)
      .filter((s: any) => s.Action?.includes?.('bedrock:InvokeModel'));
    const text = (resources: unknown) => ([] as unknown[]).concat(stack.resolve(resources)).map(arn).join(' ');
    const byId = Object.fromEntries(statements.map((s: any) => [s.Sid, text(s.Resource)]));
    expect(Object.keys(byId).sort()).toEqual(['InvokeConfiguredModels', 'InvokeModelsThroughProfiles']);
    expect(byId.InvokeConfiguredModels).toContain('bedrock:eu-west-1:<AccountId>:inference-profile/eu.anthropic.claude-haiku-4-5-20251001-v1:0');
    expect(byId.InvokeConfiguredModels).toContain('bedrock:eu-west-1:<AccountId>:inference-profile/eu.cohere.embed-v4:0');
    expect(byId.InvokeConfiguredModels).toContain('bedrock:eu-west-1::foundation-model/amazon.titan-embed-text-v2:0');
    expect(byId.InvokeModelsThroughProfiles).toContain('bedrock:*::foundation-model/cohere.embed-v4:0');
    expect(byId.InvokeModelsThroughProfiles).toContain('bedrock:*::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0');
    for (const other of ['sonnet', 'titan-embed-text-v1', 'embed-english', 'nova']) {
      expect(Object.values(byId).join(' ')).not.toContain(other);
    }
  });

  test('a chat alias falling back to an embedding alias fails naming the fallback', () => {
    expect(() => quickStart('eu-west-1', { models, routing: { fallbacks: [{ from: 'chat', to: ['embed-titan'] }] } }))
      .toThrow(/routing\.fallbacks\[0\]\.to\[0\] 'embed-titan' serves embedding but 'chat' serves chat: a fallback must answer the same kind of call/);
  });

  test('an embedding alias falling back to a chat alias fails too, in context-window fallbacks as well', () => {
    expect(() => quickStart('eu-west-1', { models, routing: { contextWindowFallbacks: [{ from: 'embed-cohere', to: ['chat'] }] } }))
      .toThrow(/routing\.contextWindowFallbacks\[0\]\.to\[0\] 'chat' serves chat but 'embed-cohere' serves embedding/);
  });

  test('embedding aliases may fall back to each other', () => {
    expect(() => quickStart('eu-west-1', { models, routing: { fallbacks: [{ from: 'embed-cohere', to: ['embed-titan'] }] } })).not.toThrow();
  });
});

describe('profile prefixes the pinned LiteLLM does not know', () => {
  test('a ca. profile is allowed in Canada, with a warning that LiteLLM neither routes it to Converse nor prices it', () => {
    const models = [{ alias: 'nova', model: BedrockModel.AMAZON_NOVA_LITE.inGeography(InferenceGeography.CA) }];
    const { stack, config } = quickStart('ca-central-1', { models });
    expect(config.model_list[0].litellm_params.model).toBe('bedrock/ca.amazon.nova-lite-v1:0');
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('profilePrefixUnknownToLiteLLM'));
    expect(warnings).toHaveLength(1);
    expect(String(warnings[0].entry.data)).toMatch(/'nova' \(ca\.amazon\.nova-lite-v1:0\): LiteLLM 1\.108\.7 does not know the 'ca\.' profile prefix/);
  });

  test('the prefixes it knows raise nothing', () => {
    const { stack } = quickStart('ca-central-1', { defaultGeography: InferenceGeography.GLOBAL });
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('profilePrefixUnknownToLiteLLM'))).toHaveLength(0);
  });
});
