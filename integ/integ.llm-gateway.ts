/**
 * Deploys a gateway into a sandbox account and proves it from inside the VPC (its load balancer is internal):
 * liveliness answers; a chat completion on the fast alias returns a choice, with the admin key and with a virtual key
 * made by the stack; an rpm limit of 2 on a key holds across the two tasks; a bad key is refused (401); the
 * callback's metric line reaches the log group; CloudWatch's TestMetricFilter matches the synthesized filter against
 * the line the callback prints. Two tasks share state in Valkey. Everything is destroyed afterwards.
 *
 * What only a deploy shows. test/deploy-invariants.test.ts checks this stack's template against AWS's documented
 * deploy-time rules; whether AWS agrees, on the day, shows only here:
 * - ElastiCache accepts the Valkey user group (it must hold a user named default, and only users with a password
 *   or IAM): the deploy creates it, and `describeUsers` finds the default user active with password authentication.
 * - Nothing talks to Aurora before its writer instance exists: a deploy from nothing runs the migration (which
 *   fails the deploy when it cannot migrate), starts the service and creates the virtual keys in that order; the
 *   chat with the stack's virtual key proves the keys reached the database, `describeDBClusters` that the cluster
 *   has its writer.
 * - RDS still creates clusters of the pinned Aurora PostgreSQL version (16.8): only CreateDBCluster knows the
 *   catalog of the day.
 * - An update that changes the image: integ-runner's update workflow (on by default) first deploys the committed
 *   snapshot, then this code as an update; a new image or config is a new task definition, so the migration runs
 *   again before the service rolls.
 * - A retry after a rolled-back first deploy (a named log group must not survive the rollback): integ-tests-alpha
 *   cannot make a deploy fail on purpose, so this is not covered here; README "Operations" gives the manual check.
 *
 * Run: `npx projen integ:deploy` (AWS credentials for a sandbox account, Bedrock access to Claude Haiku 4.5 in
 * us-east-1, Docker for the image build; about 25 minutes, under 1 USD). `npx projen integ` checks the snapshot offline.
 */
import { execFileSync } from 'child_process';
import * as path from 'path';
import { ExpectedResult, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { BedrockModel, InferenceGeography, LlmGateway, RoutingStrategy } from '../src';

const app = new App();
const stack = new Stack(app, 'LlmGatewayInteg');
const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });

const gateway = new LlmGateway(stack, 'Gateway', {
  vpc,
  models: [{ alias: 'claude-fast', model: BedrockModel.CLAUDE_HAIKU_4_5.inGeography(InferenceGeography.US), rpm: 20 }],
  routing: { strategy: RoutingStrategy.SIMPLE_SHUFFLE },
  // Two tasks, so that the rate-limit probe below crosses tasks; a fixed size, so no scaling.
  service: { minTasks: 2, maxTasks: 2 },
  observability: { alarms: false },
  // Test only: a real deployment keeps its logs, salt key and a final database snapshot.
  removalPolicy: RemovalPolicy.DESTROY,
});

const probe = new lambda.Function(stack, 'Probe', {
  runtime: lambda.Runtime.PYTHON_3_13,
  handler: 'probe.handler',
  code: lambda.Code.fromAsset(path.join(__dirname, '..', 'assets', 'integ-probe')),
  timeout: Duration.minutes(3),
  vpc,
  vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
  environment: { GATEWAY_URL: gateway.gatewayService.baseUrl, ADMIN_KEY_SECRET_ARN: gateway.masterKey.secretArn },
});
gateway.masterKey.grantRead(probe);
// A virtual key as code: the probe chats with it as an agent would.
const agentKey = gateway.addVirtualKey('IntegAgent', { models: ['claude-fast'], rpmLimit: 10, maxBudgetUsd: 1, metadata: { agent: 'integ' } });
agentKey.grantRead(probe);
probe.addEnvironment('AGENT_KEY_SECRET_ARN', agentKey.secret.secretArn);
// rpm 2 on a key, two tasks behind the load balancer: the third request in a minute is refused whichever task
// serves it, because the counters are shared in Valkey.
const limitedKey = gateway.addVirtualKey('IntegLimited', { models: ['claude-fast'], rpmLimit: 2 });
limitedKey.grantRead(probe);
probe.addEnvironment('LIMITED_KEY_SECRET_ARN', limitedKey.secret.secretArn);
gateway.connections.allowDefaultPortFrom(probe);

const integ = new IntegTest(app, 'LlmGatewayIntegTest', { testCases: [stack], regions: ['us-east-1'] });
const call = (payload: object) => integ.assertions.invokeFunction({ functionName: probe.functionName, payload: JSON.stringify(payload) });

const alive = call({ path: '/health/liveliness' });
alive.expect(ExpectedResult.objectLike({ Payload: { status: 200 } }))
  .waitForAssertions({ totalTimeout: Duration.minutes(15), interval: Duration.seconds(30) });

const chat = call({
  path: '/v1/chat/completions',
  method: 'POST',
  auth: 'admin',
  body: { model: 'claude-fast', messages: [{ role: 'user', content: 'Reply with the word ok.' }], max_tokens: 5 },
});
chat.expect(ExpectedResult.objectLike({ Payload: { status: 200, hasChoices: true } }));

const agentChat = call({
  path: '/v1/chat/completions',
  method: 'POST',
  auth: 'agent',
  body: { model: 'claude-fast', messages: [{ role: 'user', content: 'Reply with the word ok.' }], max_tokens: 5 },
});
agentChat.expect(ExpectedResult.objectLike({ Payload: { status: 200, hasChoices: true } }));

const refused = call({ path: '/v1/chat/completions', method: 'POST', auth: 'bad', body: { model: 'claude-fast', messages: [{ role: 'user', content: 'x' }] } });
refused.expect(ExpectedResult.objectLike({ Payload: { status: 401 } }));

const metricLine = integ.assertions.awsApiCall('CloudWatchLogs', 'filterLogEvents', {
  logGroupName: gateway.logGroup.logGroupName,
  filterPattern: '{ $.litellm_metric IS TRUE }',
});
metricLine.expect(ExpectedResult.objectLike({ events: Match.arrayWith([Match.objectLike({ message: Match.stringLikeRegexp('claude-haiku') })]) }))
  .waitForAssertions({ totalTimeout: Duration.minutes(5), interval: Duration.seconds(30) });

// The lines the callback really prints, against the filter patterns the construct really synthesized.
const samples: any[] = JSON.parse(execFileSync('python3', [path.join(__dirname, '..', 'assets', 'service', 'litellm', 'tests', 'emit_samples.py')], { encoding: 'utf8' }));
const successFilter = gateway.metrics!.metricFilters.find((f) => f.node.id === 'InputTokens')!;
const filterMatches = integ.assertions.awsApiCall('CloudWatchLogs', 'testMetricFilter', {
  filterPattern: (successFilter.node.defaultChild as any).filterPattern,
  logEventMessages: samples.slice(0, 3).map((s) => JSON.stringify(s)),
});
filterMatches.expect(ExpectedResult.objectLike({ matches: [Match.objectLike({ eventNumber: 1 })] }));

const limited = call({
  path: '/v1/chat/completions',
  method: 'POST',
  auth: 'limited',
  repeat: 3,
  body: { model: 'claude-fast', messages: [{ role: 'user', content: 'ok' }], max_tokens: 1 },
});
limited.expect(ExpectedResult.objectLike({ Payload: { statuses: [200, 200, 429] } }));

// AWS accepted the Valkey user group: its default user (off, with a generated password) is active.
const defaultCacheUser = gateway.cache!.node.findChild('DefaultUser') as elasticache.CfnUser;
const cacheUsers = integ.assertions.awsApiCall('ElastiCache', 'describeUsers', { UserId: defaultCacheUser.ref });
cacheUsers.expect(ExpectedResult.objectLike({
  Users: [Match.objectLike({ UserName: 'default', Status: 'active', Authentication: Match.objectLike({ Type: 'password' }) })],
}));

// The cluster the migration and the keys waited for has its writer.
const databaseCluster = integ.assertions.awsApiCall('RDS', 'describeDBClusters', { DBClusterIdentifier: gateway.database.cluster.clusterIdentifier });
databaseCluster.expect(ExpectedResult.objectLike({
  DBClusters: [Match.objectLike({ Status: 'available', EngineVersion: Match.stringLikeRegexp('^16\\.'), DBClusterMembers: [Match.objectLike({ IsClusterWriter: true })] })],
}));

alive.next(chat).next(agentChat).next(limited).next(refused).next(metricLine).next(filterMatches).next(cacheUsers).next(databaseCluster);

// The deploy-invariant tests check this stack's template too (test/deploy-invariants.test.ts).
export { stack as integStack };
