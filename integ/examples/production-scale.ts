// Production: larger tasks that also scale on requests, a database with a reader and a month of backups, deletion
// protection, access logs, alarms to the on-call topic, and spend per agent as metrics.
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { GatewayMetricName, LlmGateway } from '../../src';

const app = new App();
const stack = new Stack(app, 'LlmGateway', { env: { account: '123456789012', region: 'us-east-1' } });
const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 3, natGateways: 3 });
const onCall = sns.Topic.fromTopicArn(stack, 'OnCall', 'arn:aws:sns:us-east-1:123456789012:platform-on-call');
const accessLogs = s3.Bucket.fromBucketName(stack, 'AccessLogs', 'platform-alb-access-logs-123456789012');

const gateway = new LlmGateway(stack, 'Gateway', {
  vpc,
  service: {
    cpu: 2048,
    memoryLimitMiB: 4096,
    workersPerTask: 2,
    minTasks: 2,
    maxTasks: 12,
    targetRequestsPerTaskPerMinute: 600,
  },
  database: { minCapacity: 1, maxCapacity: 8, readers: 1, deletionProtection: true, backupRetention: Duration.days(30) },
  endpoint: { deletionProtection: true, accessLogsBucket: accessLogs },
  observability: {
    agentDimension: true,
    alarmOptions: { alarmTopic: onCall, dailySpendLimitUsd: 500 },
  },
});

const extraction = gateway.addVirtualKey('Extraction', { models: ['claude-primary', 'claude-fallback'], maxBudgetUsd: 200, budgetDuration: Duration.days(30) });
// A daily spend alarm for one agent, on the per-agent metric.
new cloudwatch.Alarm(stack, 'ExtractionSpend', {
  metric: gateway.metrics!.metricForAgent(GatewayMetricName.RESPONSE_COST_USD, extraction.keyAlias, { period: Duration.days(1) }),
  threshold: 50,
  evaluationPeriods: 1,
  treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
});

app.synth();
