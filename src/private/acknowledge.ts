import { ArnFormat, Stack, Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * Records why a policy-validation finding (cdk-nag's AwsSolutions pack, for instance) is intended here, on the
 * construct and everything under it, so users of the library see only findings about their own choices.
 */
export function acknowledge(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}

/**
 * Acknowledges `AwsSolutions-IAM5` for exactly the wildcard resources named, not for the whole policy: cdk-nag
 * reports each wildcard resource as its own finding (`AwsSolutions-IAM5[Resource::<arn>]`, tokens written as
 * `<LogicalId>` or `<AWS::Partition>`), so a wildcard added later by mistake is still reported.
 */
export function acknowledgeWildcardResources(scope: IConstruct, resources: string[], reason: string): void {
  const stack = Stack.of(scope);
  for (const resource of resources) {
    acknowledgeFinding(scope, `AwsSolutions-IAM5[Resource::${flatten(stack.resolve(resource))}]`, reason);
  }
}

/**
 * Acknowledges one finding of a rule (`Rule[finding]`). Validations.acknowledge() rejects ids containing '::', which
 * most finding ids have; the metadata entry it would write (the documented ACKNOWLEDGED_RULES_METADATA_KEY) is what
 * validation plugins read.
 */
export function acknowledgeFinding(scope: IConstruct, id: string, reason: string): void {
  scope.node.addMetadata(Validations.ACKNOWLEDGED_RULES_METADATA_KEY, { [id]: reason });
}

/** The ARN of the log streams of a log group, as CDK's grants write it. */
export function logStreamsArn(scope: IConstruct, logGroupName: string): string {
  return Stack.of(scope).formatArn({ service: 'logs', resource: 'log-group', resourceName: `${logGroupName}:*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
}

function flatten(value: unknown): string {
  if (typeof value === 'string') return value;
  const v = value as Record<string, any>;
  if (v.Ref !== undefined) return `<${v.Ref}>`;
  if (v['Fn::GetAtt'] !== undefined) return `<${v['Fn::GetAtt'].join('.')}>`;
  if (v['Fn::Join'] !== undefined) return (v['Fn::Join'][1] as unknown[]).map(flatten).join(v['Fn::Join'][0]);
  return JSON.stringify(value);
}
