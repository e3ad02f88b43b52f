import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { failuresOf, controlTowerFailures } from './control-tower';
import { ReferenceGatewayStack } from '../integ/reference-app';

// AWS Control Tower's proactive controls, run by cfn-guard with AWS's own rules on the reference template, as a
// Control Tower hook runs them at deploy. The example's VPC (its public subnets) is the user's, not the gateway's.
const gatewayOwned = (logicalId: string) => !logicalId.startsWith('Vpc');

function referenceTemplate(): object {
  const stack = new ReferenceGatewayStack(new App(), 'LlmGatewayStack', { env: { region: 'us-east-1' } });
  return Template.fromStack(stack).toJSON();
}

/**
 * What the default still fails, and why each stays off by default (the README's "Governed accounts" lists the same).
 * A control that starts passing, or a new failure, fails this test: update the list and the README together.
 */
const DEFAULT_FAILURES: Record<string, RegExp> = {
  // 14-day retention and CloudWatch Logs' own encryption: a year and a customer managed key cost money.
  'CT.CLOUDWATCH.PR.2': /^GatewayService(Exec)?LogGroup|^GatewayServiceMigrationWaiterLogGroup/,
  'CT.CLOUDWATCH.PR.3': /^GatewayService(Exec)?LogGroup|^GatewayServiceMigrationWaiterLogGroup/,
  // Root user and a writable root filesystem: not yet proven against the released image (see README).
  'CT.ECS.PR.3': /^GatewayService(Migration)?TaskDefinition/,
  'CT.ECS.PR.6': /^GatewayService(Migration)?TaskDefinition/,
  // HTTP on port 80 without a certificate; deletion protection and access logs change operations or cost money.
  'CT.ELASTICLOADBALANCING.PR.1': /^GatewayServiceLoadBalancerListener/,
  'CT.ELASTICLOADBALANCING.PR.5': /^GatewayServiceLoadBalancer/,
  'CT.ELASTICLOADBALANCING.PR.6': /^GatewayServiceLoadBalancer/,
  // Enhanced monitoring costs money; deletion protection blocks `cdk destroy` of a dev stack.
  'CT.RDS.PR.2': /^GatewayDatabaseClusterWriter/,
  'CT.RDS.PR.3': /^GatewayDatabaseCluster/,
};

describe('AWS Control Tower proactive controls (cfn-guard)', () => {
  const template = referenceTemplate();

  test('the checker sees a failure it must see (a task definition running as root)', () => {
    // Guards the check itself: a broken rule path or binary would otherwise make every template "pass".
    const all = controlTowerFailures(template);
    expect(all.get('CT.ECS.PR.3')).toEqual(expect.arrayContaining([expect.stringMatching(/^GatewayServiceTaskDefinition/)]));
    expect(all.get('CT.EC2.PR.11')).toEqual(expect.arrayContaining([expect.stringMatching(/^VpcpublicSubnet/)]));
  });

  test('default reference: only the documented controls fail, each on the resources listed', () => {
    const failures = failuresOf(template, gatewayOwned);
    expect(Object.keys(failures).sort()).toEqual(Object.keys(DEFAULT_FAILURES).sort());
    for (const [control, ids] of Object.entries(failures)) {
      expect([control, ids.filter((id) => !DEFAULT_FAILURES[control].test(id))]).toEqual([control, []]);
    }
  });

  test('cheap controls pass by default: alarm actions, memory limits, functions in the VPC, Aurora logs and IAM auth, waiter logging and tracing', () => {
    const failures = failuresOf(template, gatewayOwned);
    for (const control of ['CT.CLOUDWATCH.PR.1', 'CT.ECS.PR.7', 'CT.LAMBDA.PR.3', 'CT.RDS.PR.4', 'CT.RDS.PR.25', 'CT.STEPFUNCTIONS.PR.1', 'CT.STEPFUNCTIONS.PR.2']) {
      expect([control, failures[control]]).toEqual([control, undefined]);
    }
  });
});
