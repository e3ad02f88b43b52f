import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Dependable, IConstruct, IDependable } from 'constructs';

/**
 * The ingress and egress rules a security group holds when the app is synthesized (CDK adds a rule as a resource of
 * its own, as a child of one of the two groups). Depending on them, not on the group, adds no DependsOn that a
 * reference to the group already implies.
 */
export function securityGroupRules(group: IConstruct): IDependable {
  const rules: IDependable = {};
  Dependable.implement(rules, {
    get dependencyRoots() {
      return group.node.children.filter((c) => c instanceof ec2.CfnSecurityGroupIngress || c instanceof ec2.CfnSecurityGroupEgress);
    },
  });
  return rules;
}
