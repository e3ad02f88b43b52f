// A platform team's shared PostgreSQL and Valkey instead of a new Aurora cluster and ElastiCache cache.
import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { LlmGateway } from '../../src';

const app = new App();
const stack = new Stack(app, 'LlmGateway', { env: { account: '123456789012', region: 'eu-west-1' } });
const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });

// The database login: a JSON secret with `username` and `password` (an RDS-managed secret has both).
const databaseLogin = secretsmanager.Secret.fromSecretCompleteArn(stack, 'DatabaseLogin',
  'arn:aws:secretsmanager:eu-west-1:123456789012:secret:platform/litellm-db-AbCdEf');
// The cache password: a secret whose whole value is the password of the cache user.
const cachePassword = secretsmanager.Secret.fromSecretCompleteArn(stack, 'CachePassword',
  'arn:aws:secretsmanager:eu-west-1:123456789012:secret:platform/litellm-cache-GhIjKl');

const gateway = new LlmGateway(stack, 'Gateway', {
  vpc,
  existingDatabase: {
    hostname: 'platform.cluster-c0ffee.eu-west-1.rds.amazonaws.com',
    secret: databaseLogin,
    databaseName: 'litellm',
    securityGroup: ec2.SecurityGroup.fromSecurityGroupId(stack, 'DatabaseSg', 'sg-0a1b2c3d4e5f60010'),
  },
  existingCache: {
    hostname: 'platform-cache-abc123.serverless.euw1.cache.amazonaws.com',
    vpc,
    securityGroup: ec2.SecurityGroup.fromSecurityGroupId(stack, 'CacheSg', 'sg-0a1b2c3d4e5f60011'),
    username: 'litellm',
    password: cachePassword,
    clusterMode: true,
  },
});
// The gateway adds the ingress rules to both security groups (tasks → 5432 and 6379).
gateway.connections.allowDefaultPortFrom(ec2.Peer.ipv4('10.0.0.0/16'));

app.synth();
