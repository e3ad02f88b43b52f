/**
 * Deploy-time rules that AWS enforces and cfn-lint does not know: a template that breaks one is well-formed, and
 * fails (or races) only when CloudFormation creates it. Each rule cites the AWS documentation it encodes.
 *
 * `deployInvariantViolations(template)` takes a synthesized template (`Template.toJSON()`) and returns what breaks.
 */
import { RETIRED_VERSIONS } from '../src/private/retired-versions';

/** One broken rule: which, where, and why. */
export interface Violation {
  readonly rule: string;
  readonly resource: string;
  readonly message: string;
}

type Resources = Record<string, { Type: string; Properties?: any; DependsOn?: string | string[]; DeletionPolicy?: string }>;

/** Every rule, on one template. */
export function deployInvariantViolations(template: any): Violation[] {
  const resources: Resources = template.Resources ?? {};
  const graph = new DependencyGraph(resources);
  return [
    ...elastiCacheUserGroups(resources),
    ...databaseClientsWaitForTheWriter(resources, graph),
    ...retainedResourcesWithFixedNames(resources),
    ...gatewayCallersWaitForTheGateway(resources, graph),
    ...retiredVersions(resources),
  ];
}

/** Logical ids a value refers to: Ref, Fn::GetAtt and Fn::Sub (pseudo parameters left out). */
export function referencesIn(value: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(value)) {
    value.forEach((v) => referencesIn(v, found));
  } else if (value !== null && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      if (key === 'Ref' && typeof v === 'string') {
        if (!v.startsWith('AWS::')) found.add(v);
      } else if (key === 'Fn::GetAtt') {
        found.add(Array.isArray(v) ? String(v[0]) : String(v).split('.')[0]);
      } else if (key === 'Fn::Sub') {
        const [text, variables] = Array.isArray(v) ? v : [v, {}];
        for (const m of String(text).matchAll(/\$\{([^}!][^}]*)\}/g)) {
          const name = m[1].split('.')[0];
          if (!name.startsWith('AWS::') && !(name in (variables ?? {}))) found.add(name);
        }
        referencesIn(variables, found);
      } else {
        referencesIn(v, found);
      }
    }
  }
  return found;
}

/**
 * What CloudFormation creates before what: a resource is created after every resource it refers to or names in
 * DependsOn (CloudFormation user guide, "DependsOn attribute"), so "waits for" is the transitive closure.
 */
export class DependencyGraph {
  private readonly edges = new Map<string, Set<string>>();
  private readonly closures = new Map<string, Set<string>>();

  constructor(private readonly resources: Resources) {
    for (const [id, r] of Object.entries(resources)) {
      const direct = referencesIn(r.Properties);
      for (const d of [r.DependsOn ?? []].flat()) direct.add(d);
      this.edges.set(id, new Set([...direct].filter((d) => d in resources)));
    }
  }

  /** Everything `id` waits for, directly or through others. */
  public waitsFor(id: string): Set<string> {
    const cached = this.closures.get(id);
    if (cached) return cached;
    const seen = new Set<string>();
    const stack = [...(this.edges.get(id) ?? [])];
    while (stack.length > 0) {
      const next = stack.pop()!;
      if (seen.has(next)) continue;
      seen.add(next);
      stack.push(...(this.edges.get(next) ?? []));
    }
    this.closures.set(id, seen);
    return seen;
  }

  /** Resources of `type`. */
  public ofType(type: string): string[] {
    return Object.keys(this.resources).filter((id) => this.resources[id].Type === type);
  }
}

const isCustomResource = (type: string) => type.startsWith('Custom::') || type === 'AWS::CloudFormation::CustomResource';
const refTo = (value: any): string | undefined => (value && typeof value === 'object' && typeof value.Ref === 'string' ? value.Ref : undefined);
const idOf = (value: any): string | undefined => refTo(value) ?? (value && typeof value === 'object' && value['Fn::GetAtt'] ? String([value['Fn::GetAtt']].flat()[0]).split('.')[0] : undefined);

/**
 * ElastiCache users and user groups:
 * - a user group must contain a user named `default` (AWS::ElastiCache::UserGroup, UserIds: "A user named default
 *   must be included"; the API's DefaultUserRequired error);
 * - a group of engine valkey may contain only users that authenticate with a password or IAM, so no
 *   `no-password-required` user, the account's built-in `default` user included (ElastiCache user guide,
 *   "Role-Based Access Control (RBAC)"; aws-elasticache-alpha's NoPasswordUser refuses Valkey);
 * - a group of engine redis contains redis users only, and a Redis OSS cache takes only a redis group (same page);
 * - no two users of a group share a user name (aws-elasticache-alpha's UserGroup);
 * - a password user has one or two passwords (AWS::ElastiCache::User, Passwords: "up to two passwords");
 * - an IAM user's user name equals its user id (ElastiCache user guide, "Authenticating with IAM";
 *   aws-elasticache-alpha's IamUser);
 * - user and group ids match `[a-z][a-z0-9-]*` (AWS::ElastiCache::User UserId, UserGroup UserGroupId).
 */
export function elastiCacheUserGroups(resources: Resources): Violation[] {
  const violations: Violation[] = [];
  const rule = 'elasticache-user-group';
  const idPattern = /^[a-z][a-z0-9-]*$/;
  const authOf = (p: any): string => p.AuthenticationMode?.Type
    ?? (p.NoPasswordRequired === true ? 'no-password-required' : p.Passwords?.length ? 'password' : 'none');
  // The account's built-in user 'default': engine redis, no password (ElastiCache user guide, RBAC).
  const builtInDefault = { UserName: 'default', Engine: 'redis', AuthenticationMode: { Type: 'no-password-required' } };

  for (const [id, r] of Object.entries(resources)) {
    if (r.Type !== 'AWS::ElastiCache::User') continue;
    const p = r.Properties ?? {};
    if (typeof p.UserId === 'string' && !idPattern.test(p.UserId)) {
      violations.push({ rule, resource: id, message: `user id '${p.UserId}' does not match [a-z][a-z0-9-]*` });
    }
    if (authOf(p) === 'password' && !(p.AuthenticationMode?.Passwords ?? p.Passwords ?? []).length) {
      violations.push({ rule, resource: id, message: 'password authentication without a password' });
    }
    if ((p.AuthenticationMode?.Passwords ?? p.Passwords ?? []).length > 2) {
      violations.push({ rule, resource: id, message: 'more than two passwords' });
    }
    if (authOf(p) === 'iam' && p.UserName !== p.UserId) {
      violations.push({ rule, resource: id, message: `an IAM user's user name must equal its user id ('${p.UserName}' is not '${p.UserId}')` });
    }
  }

  for (const [id, r] of Object.entries(resources)) {
    if (r.Type !== 'AWS::ElastiCache::UserGroup') continue;
    const p = r.Properties ?? {};
    if (typeof p.UserGroupId === 'string' && !idPattern.test(p.UserGroupId)) {
      violations.push({ rule, resource: id, message: `user group id '${p.UserGroupId}' does not match [a-z][a-z0-9-]*` });
    }
    const members: any[] = (p.UserIds ?? []).map((u: any) => {
      const ref = refTo(u);
      if (ref) return resources[ref]?.Properties ?? {};
      return u === 'default' ? builtInDefault : undefined; // another literal id: a user outside the template
    }).filter((m: any) => m !== undefined);
    if (!members.some((m) => m.UserName === 'default') && !(p.UserIds ?? []).some((u: any) => typeof u === 'string' && u !== 'default')) {
      violations.push({ rule, resource: id, message: 'the user group has no user named default' });
    }
    const names = members.map((m) => m.UserName);
    if (new Set(names).size !== names.length) {
      violations.push({ rule, resource: id, message: 'two users of the group share a user name' });
    }
    for (const m of members) {
      if (p.Engine === 'valkey' && !['password', 'iam'].includes(authOf(m))) {
        violations.push({ rule, resource: id, message: `a valkey user group admits only users with password or IAM authentication; user '${m.UserName}' has ${authOf(m)}` });
      }
      if (p.Engine === 'redis' && m.Engine !== 'redis') {
        violations.push({ rule, resource: id, message: `a redis user group admits only redis users; user '${m.UserName}' is ${m.Engine}` });
      }
    }
  }

  for (const [id, r] of Object.entries(resources)) {
    if (r.Type !== 'AWS::ElastiCache::ServerlessCache' && r.Type !== 'AWS::ElastiCache::ReplicationGroup') continue;
    const p = r.Properties ?? {};
    const groups = [p.UserGroupId, ...(p.UserGroupIds ?? [])].map(refTo).filter((g): g is string => g !== undefined);
    for (const g of groups) {
      if (p.Engine === 'redis' && resources[g]?.Properties?.Engine !== 'redis') {
        violations.push({ rule, resource: id, message: 'a Redis OSS cache takes only user groups of engine redis' });
      }
    }
  }
  return violations;
}

/**
 * Whatever connects to an Aurora cluster waits for its writer instance: CloudFormation reports a cluster complete
 * before any of its instances exists, and the first instance created becomes the writer (aws-cdk issues #11311
 * and #31304; Amazon Aurora user guide, "Amazon Aurora DB clusters"). Clients are ECS services and custom resources
 * whose task definition names the cluster (its endpoint or its secret), and custom resources that call a gateway
 * whose service is such a client.
 */
export function databaseClientsWaitForTheWriter(resources: Resources, graph: DependencyGraph): Violation[] {
  const violations: Violation[] = [];
  const rule = 'database-client-waits-for-writer';
  for (const cluster of graph.ofType('AWS::RDS::DBCluster')) {
    const instances = graph.ofType('AWS::RDS::DBInstance').filter((i) => refTo(resources[i].Properties?.DBClusterIdentifier) === cluster);
    const writer = instances.find((i) => !instances.some((o) => o !== i && graph.waitsFor(i).has(o)));
    if (!writer) {
      violations.push({ rule, resource: cluster, message: 'the cluster has no instance: nothing can connect to it' });
      continue;
    }
    const attachments = graph.ofType('AWS::SecretsManager::SecretTargetAttachment')
      .filter((a) => refTo(resources[a].Properties?.TargetId) === cluster);
    const namesCluster = (id: string) => {
      const refs = referencesIn(resources[id].Properties);
      return refs.has(cluster) || attachments.some((a) => refs.has(a));
    };
    const taskDefinitions = graph.ofType('AWS::ECS::TaskDefinition').filter(namesCluster);
    const clients = Object.keys(resources).filter((id) => {
      const r = resources[id];
      if (r.Type !== 'AWS::ECS::Service' && !isCustomResource(r.Type)) return false;
      const refs = referencesIn(r.Properties);
      return taskDefinitions.some((t) => refs.has(t));
    });
    for (const caller of Object.keys(resources).filter((id) => isCustomResource(resources[id].Type))) {
      if (gatewayOf(resources, caller)?.services.some((s) => clients.includes(s)) && !clients.includes(caller)) clients.push(caller);
    }
    for (const client of clients) {
      if (!graph.waitsFor(client).has(writer)) {
        violations.push({ rule, resource: client, message: `talks to ${cluster} but does not wait for its writer instance ${writer}` });
      }
    }
  }
  return violations;
}

/**
 * The property that holds a resource's physical name, for the types that take one. A retained resource keeps its
 * name after a rollback, so the retry's create of the same name fails; `RetainExceptOnCreate` deletes it when the
 * create that made it rolls back (CloudFormation user guide, "DeletionPolicy attribute").
 */
export const PHYSICAL_NAME_PROPERTY: Record<string, string> = {
  'AWS::Logs::LogGroup': 'LogGroupName',
  'AWS::SecretsManager::Secret': 'Name',
  'AWS::S3::Bucket': 'BucketName',
  'AWS::DynamoDB::Table': 'TableName',
  'AWS::RDS::DBCluster': 'DBClusterIdentifier',
  'AWS::RDS::DBInstance': 'DBInstanceIdentifier',
  'AWS::RDS::DBSubnetGroup': 'DBSubnetGroupName',
  'AWS::RDS::DBClusterParameterGroup': 'DBClusterParameterGroupName',
  'AWS::ElastiCache::ServerlessCache': 'ServerlessCacheName',
  'AWS::ElastiCache::User': 'UserId',
  'AWS::ElastiCache::UserGroup': 'UserGroupId',
  'AWS::CloudWatch::Dashboard': 'DashboardName',
  'AWS::ECS::Cluster': 'ClusterName',
  'AWS::ECR::Repository': 'RepositoryName',
  'AWS::IAM::Role': 'RoleName',
  'AWS::KMS::Alias': 'AliasName',
  'AWS::Lambda::Function': 'FunctionName',
  'AWS::SSM::Parameter': 'Name',
  'AWS::Route53::RecordSet': 'Name',
  'AWS::EC2::SecurityGroup': 'GroupName',
  'AWS::ElasticLoadBalancingV2::LoadBalancer': 'Name',
  'AWS::ElasticLoadBalancingV2::TargetGroup': 'Name',
};

/** No resource with `DeletionPolicy: Retain` has a fixed physical name (see `PHYSICAL_NAME_PROPERTY`). */
export function retainedResourcesWithFixedNames(resources: Resources): Violation[] {
  return Object.entries(resources)
    .filter(([, r]) => r.DeletionPolicy === 'Retain' && PHYSICAL_NAME_PROPERTY[r.Type] !== undefined
      && r.Properties?.[PHYSICAL_NAME_PROPERTY[r.Type]] !== undefined)
    .map(([id, r]) => ({
      rule: 'retained-fixed-name',
      resource: id,
      message: `${r.Type} named ${JSON.stringify(r.Properties![PHYSICAL_NAME_PROPERTY[r.Type]])} is retained on a rolled-back create; `
        + 'the retry fails on the existing name. Use DeletionPolicy RetainExceptOnCreate.',
    }));
}

interface Gateway {
  readonly loadBalancer: string;
  readonly listeners: string[];
  readonly services: string[];
  readonly records: string[];
}

/** The load balancer a custom resource calls (by its DNS name, or by a record's name that aliases it), and what serves it. */
function gatewayOf(resources: Resources, caller: string): Gateway | undefined {
  const props = resources[caller].Properties ?? {};
  const refs = referencesIn(props);
  const text = JSON.stringify(props);
  const ofType = (type: string) => Object.keys(resources).filter((id) => resources[id].Type === type);
  const recordsOf = (lb: string) => ofType('AWS::Route53::RecordSet')
    .filter((r) => referencesIn(resources[r].Properties?.AliasTarget).has(lb))
    .filter((r) => typeof resources[r].Properties?.Name === 'string' && text.includes(`//${String(resources[r].Properties!.Name).replace(/\.$/, '')}`));
  const loadBalancer = ofType('AWS::ElasticLoadBalancingV2::LoadBalancer').find((lb) => refs.has(lb) || recordsOf(lb).length > 0);
  if (!loadBalancer) return undefined;
  const listeners = ofType('AWS::ElasticLoadBalancingV2::Listener').filter((l) => idOf(resources[l].Properties?.LoadBalancerArn) === loadBalancer);
  const targetGroups = new Set<string>();
  for (const l of listeners) {
    referencesIn(resources[l].Properties?.DefaultActions).forEach((t) => targetGroups.add(t));
    for (const rule of ofType('AWS::ElasticLoadBalancingV2::ListenerRule').filter((r) => idOf(resources[r].Properties?.ListenerArn) === l)) {
      referencesIn(resources[rule].Properties?.Actions).forEach((t) => targetGroups.add(t));
    }
  }
  const services = ofType('AWS::ECS::Service').filter((s) => (resources[s].Properties?.LoadBalancers ?? [])
    .some((lb: any) => targetGroups.has(idOf(lb.TargetGroupArn) ?? '')));
  return { loadBalancer, listeners, services, records: recordsOf(loadBalancer) };
}

/**
 * A custom resource that calls a gateway waits for what makes it answer: the listeners of its load balancer, the
 * ECS services behind them, the DNS record its URL names, and the security-group rules between the handler's
 * function and the load balancer. Each is a resource of its own, which CloudFormation may still be creating when
 * the custom resource runs ("DependsOn attribute"; a Lambda function in a VPC reaches only what its security
 * groups allow, Lambda developer guide, "Giving Lambda functions access to resources in an Amazon VPC").
 */
export function gatewayCallersWaitForTheGateway(resources: Resources, graph: DependencyGraph): Violation[] {
  const violations: Violation[] = [];
  const rule = 'gateway-caller-waits-for-gateway';
  for (const caller of Object.keys(resources).filter((id) => isCustomResource(resources[id].Type))) {
    const gateway = gatewayOf(resources, caller);
    if (!gateway) continue;
    const waits = graph.waitsFor(caller);
    const lbGroups = new Set([...referencesIn(resources[gateway.loadBalancer].Properties?.SecurityGroups)]);
    const callerGroups = new Set<string>();
    for (const fn of [...waits].filter((id) => resources[id].Type === 'AWS::Lambda::Function')) {
      referencesIn(resources[fn].Properties?.VpcConfig?.SecurityGroupIds).forEach((g) => callerGroups.add(g));
    }
    const rules = Object.keys(resources).filter((id) => {
      const p = resources[id].Properties ?? {};
      if (resources[id].Type === 'AWS::EC2::SecurityGroupIngress') return lbGroups.has(idOf(p.GroupId) ?? '') && callerGroups.has(idOf(p.SourceSecurityGroupId) ?? '');
      if (resources[id].Type === 'AWS::EC2::SecurityGroupEgress') return callerGroups.has(idOf(p.GroupId) ?? '') && lbGroups.has(idOf(p.DestinationSecurityGroupId) ?? '');
      return false;
    });
    if (gateway.services.length === 0) {
      violations.push({ rule, resource: caller, message: `calls ${gateway.loadBalancer}, which no ECS service serves` });
    }
    for (const needed of [...gateway.listeners, ...gateway.services, ...gateway.records, ...rules]) {
      if (!waits.has(needed)) {
        violations.push({ rule, resource: caller, message: `calls ${gateway.loadBalancer} but does not wait for ${needed} (${resources[needed].Type})` });
      }
    }
  }
  return violations;
}

/** Version strings AWS has retired (`RETIRED_VERSIONS`, the library's one list): Aurora PostgreSQL and Lambda runtimes. */
export function retiredVersions(resources: Resources): Violation[] {
  const violations: Violation[] = [];
  for (const [id, r] of Object.entries(resources)) {
    const p = r.Properties ?? {};
    if ((r.Type === 'AWS::RDS::DBCluster' || r.Type === 'AWS::RDS::DBInstance') && p.Engine === 'aurora-postgresql'
      && RETIRED_VERSIONS.auroraPostgres.includes(p.EngineVersion)) {
      violations.push({ rule: 'retired-version', resource: id, message: `Aurora PostgreSQL ${p.EngineVersion} is retired` });
    }
    if (r.Type === 'AWS::Lambda::Function' && RETIRED_VERSIONS.lambdaRuntimes.includes(p.Runtime)) {
      violations.push({ rule: 'retired-version', resource: id, message: `Lambda runtime ${p.Runtime} is retired` });
    }
  }
  return violations;
}
