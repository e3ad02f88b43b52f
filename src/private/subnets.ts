import { Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';

/** The gateway's parts run in private subnets with egress, in two or more AZs; errors name `vpc` or `vpcSubnets`. */
export function validateSubnets(vpc: ec2.IVpc, selection: ec2.SubnetSelection | undefined, prefix = ''): void {
  const what = selection ? `${prefix}vpcSubnets` : `${prefix}vpc`;
  let subnets: ec2.SelectedSubnets;
  try {
    subnets = vpc.selectSubnets(selection ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS });
  } catch (e) {
    throw new Error(`${what} selects no private subnets with egress: the gateway, its load balancer and database run in private subnets with a NAT (or VPC endpoints for ECR, Secrets Manager, CloudWatch Logs and Bedrock). Add such subnets or pass vpcSubnets. (${(e as Error).message})`);
  }
  if (subnets.subnets.length === 0) {
    throw new Error(`${what} selects no subnets; the gateway needs private subnets in at least two Availability Zones.`);
  }
  if (subnets.subnets.some((s) => vpc.publicSubnets.includes(s))) {
    throw new Error(`${what} selects public subnets; the gateway runs in private subnets only (its load balancer is internal and its tasks have no public IP).`);
  }
  const zones = new Set(subnets.subnets.map((s) => s.availabilityZone));
  if (!Token.isUnresolved([...zones].join()) && zones.size < 2) {
    throw new Error(`${what} selects subnets in ${zones.size} Availability Zone; an Application Load Balancer needs two or more.`);
  }
}
