import { Aspects, CfnResource, IAspect, RemovalPolicy } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/** Resources that hold data, whose removal policy the gateway's `removalPolicy` sets. */
const DATA_TYPES = new Set(['AWS::Logs::LogGroup', 'AWS::SecretsManager::Secret']);
const DATABASE_TYPES = new Set(['AWS::RDS::DBCluster', 'AWS::RDS::DBInstance']);

/**
 * Sets `policy` on every log group, secret and database resource under `scope` (the database's own removal policy,
 * when given, wins for the database). An aspect, so that what is created after the gateway's constructor (the key
 * handler, with the first virtual key) is covered too.
 */
export function applyDataRemovalPolicy(scope: IConstruct, policy: RemovalPolicy, databasePolicy?: RemovalPolicy): void {
  Aspects.of(scope).add(new DataRemovalPolicy(policy, databasePolicy));
}

class DataRemovalPolicy implements IAspect {
  constructor(private readonly policy: RemovalPolicy, private readonly databasePolicy?: RemovalPolicy) {}

  public visit(node: IConstruct): void {
    if (!(node instanceof CfnResource)) return;
    if (DATA_TYPES.has(node.cfnResourceType)) {
      // Only databases have snapshots: the rest of the data is then kept as it is.
      node.applyRemovalPolicy(this.policy === RemovalPolicy.SNAPSHOT ? RemovalPolicy.RETAIN : this.policy);
    } else if (DATABASE_TYPES.has(node.cfnResourceType) && this.databasePolicy === undefined) {
      // Instances cannot be snapshotted on their own: they follow the cluster, and are deleted with it.
      node.applyRemovalPolicy(node.cfnResourceType === 'AWS::RDS::DBInstance' && this.policy === RemovalPolicy.SNAPSHOT ? RemovalPolicy.DESTROY : this.policy);
    }
  }
}
