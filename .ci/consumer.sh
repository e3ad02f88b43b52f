#!/usr/bin/env bash
# A user's first hour: a fresh CDK TypeScript app, outside this repository, installs the packed library with
# aws-cdk-lib and constructs from the registry, writes the README's quick start, and `cdk synth` succeeds.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
tarball=$(ls "$repo"/dist/js/cdk-llm-gateway@*.jsii.tgz)
cdk_lib=$(node -p "require('$repo/package.json').peerDependencies['aws-cdk-lib']")
app=$(mktemp -d "${TMPDIR:-/tmp}/cdk-llm-gateway-consumer-XXXXXX")
trap 'rm -rf "$app"' EXIT
cd "$app"
cat > package.json <<'JSON'
{ "name": "consumer", "version": "1.0.0", "private": true }
JSON
npm install --no-audit --no-fund --loglevel=error "$tarball" "aws-cdk-lib@$cdk_lib" "constructs@^10.5.1" \
  "aws-cdk@^2" "typescript@~5.9" "ts-node@^10" "@types/node@^20"
cat > cdk.json <<'JSON'
{ "app": "npx ts-node --prefer-ts-exts bin/app.ts" }
JSON
cat > tsconfig.json <<'JSON'
{ "compilerOptions": { "target": "ES2022", "module": "commonjs", "strict": true, "esModuleInterop": true, "skipLibCheck": true } }
JSON
mkdir bin
cat > bin/app.ts <<'TS'
import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { LlmGateway } from 'cdk-llm-gateway';

const app = new App();
const stack = new Stack(app, 'ConsumerStack');
const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2 });
const agents = new ec2.SecurityGroup(stack, 'Agents', { vpc });
const gateway = new LlmGateway(stack, 'Gateway', { vpc });
gateway.connections.allowDefaultPortFrom(agents);
TS
npx cdk synth --quiet > /dev/null
node -e "
const t = require('./cdk.out/ConsumerStack.template.json');
const types = Object.values(t.Resources).map((r) => r.Type);
for (const type of ['AWS::ECS::Service', 'AWS::ElasticLoadBalancingV2::LoadBalancer', 'AWS::RDS::DBCluster', 'AWS::CloudWatch::Dashboard']) {
  if (!types.includes(type)) { console.error('missing ' + type); process.exit(1); }
}
console.log('consumer app: cdk synth ok, ' + types.length + ' resources');
"
