import * as iam from 'aws-cdk-lib/aws-iam';
import { GatewayConfig, InferenceGeography } from '../../config';

const ACTIONS = ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'];

/**
 * The task role's Bedrock permissions: exactly the models the aliases call, chat and embedding alike.
 *
 * ARNs take the partition from the caller (`AWS::Partition` for the stack), so the same statements hold in aws and
 * aws-us-gov; the catalog has already refused Regions and profiles the partition does not offer.
 *
 * - An in-Region model: its foundation-model ARN in the alias's Region.
 * - A cross-Region profile: the profile ARN in the calling Region, and the foundation model in any Region, but only
 *   through one of those profiles (`bedrock:InferenceProfileArn`), AWS's documented pattern. Bedrock routes a
 *   profile's calls to Regions it adds over time; a fixed Region list would start failing with AccessDenied then.
 *   Global profiles also need the Region-less foundation-model ARN.
 */
export function bedrockInvokeStatements(config: GatewayConfig, stackRegion: string, account: string, partition: string): iam.PolicyStatement[] {
  const direct = new Set<string>();
  const profiles = new Set<string>();
  const routedModels = new Set<string>();
  for (const alias of config.models) {
    const region = alias.region ?? stackRegion;
    const model = alias.model;
    if (!model.isCrossRegion) {
      direct.add(`arn:${partition}:bedrock:${region}::foundation-model/${model.foundationModelId}`);
      continue;
    }
    profiles.add(`arn:${partition}:bedrock:${region}:${account}:inference-profile/${model.modelId}`);
    routedModels.add(`arn:${partition}:bedrock:*::foundation-model/${model.foundationModelId}`);
    if (model.geography?.prefix === InferenceGeography.GLOBAL.prefix) {
      routedModels.add(`arn:${partition}:bedrock:::foundation-model/${model.foundationModelId}`);
    }
  }
  const statements: iam.PolicyStatement[] = [];
  if (direct.size + profiles.size > 0) {
    statements.push(new iam.PolicyStatement({
      sid: 'InvokeConfiguredModels',
      actions: ACTIONS,
      resources: [...profiles, ...direct],
    }));
  }
  if (routedModels.size > 0) {
    statements.push(new iam.PolicyStatement({
      sid: 'InvokeModelsThroughProfiles',
      actions: ACTIONS,
      resources: [...routedModels],
      conditions: { StringEquals: { 'bedrock:InferenceProfileArn': [...profiles] } },
    }));
  }
  return statements;
}
