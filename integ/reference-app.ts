/**
 * The reference deployment of the design document: its VPC, names, models, limits and routing.
 * `npx projen example` synthesizes it into ./cdk.out without AWS credentials or Docker and prints a summary.
 */
import * as fs from 'fs';
import * as path from 'path';
import { App, Stack, StackProps, Tags } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { LlmGateway } from '../src';

export class ReferenceGatewayStack extends Stack {
  public readonly gateway: LlmGateway;

  constructor(scope: Construct, id: string, props: StackProps = {}) {
    super(scope, id, props);
    // Two AZs, public subnets for the NAT, private subnets with NAT for the ALB, ECS and Aurora.
    const vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 1,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
      ],
    });
    // Defaults are the reference's models, limits, routing, sizes and scaling; only its names are set here.
    this.gateway = new LlmGateway(this, 'Gateway', {
      vpc,
      service: { logGroupName: '/document-processing/llm-gateway' },
      observability: { dashboardName: 'LlmGateway-document-processing', namespace: 'DocumentProcessing/LlmGateway' },
    });
    // One virtual key per agent, as code (the design made them by hand in the admin UI).
    for (const agent of ['Supervisor', 'Chunking', 'Extraction', 'Mapping', 'Validation']) {
      const simple = agent === 'Chunking' || agent === 'Validation';
      this.gateway.addVirtualKey(agent, {
        models: simple ? ['claude-fast'] : ['claude-primary', 'claude-fallback'],
        metadata: { agent: agent.toLowerCase(), application: 'document-processing' },
      });
    }
  }
}

export function synthesizeReference(outdir: string) {
  const app = new App({ outdir });
  Tags.of(app).add('env', 'dev');
  Tags.of(app).add('application', 'document-processing');
  const stack = new ReferenceGatewayStack(app, 'LlmGatewayStack', { env: { region: 'us-east-1' } });
  return { stack, assembly: app.synth() };
}

if (require.main === module) {
  const outdir = path.resolve(__dirname, '..', 'cdk.out');
  const { stack, assembly } = synthesizeReference(outdir);
  const artifact = assembly.getStackByName(stack.stackName);
  const resources: Record<string, { Type: string }> = artifact.template.Resources;
  const counts = new Map<string, number>();
  for (const r of Object.values(resources)) counts.set(r.Type, (counts.get(r.Type) ?? 0) + 1);
  const configPath = fs.readdirSync(outdir)
    .map((d) => path.join(outdir, d, 'config.yaml'))
    .find((p) => fs.existsSync(p) && fs.readFileSync(p, 'utf8') === stack.gateway.renderedConfig);
  const config = stack.gateway.config;
  const lines = [
    `Synthesized ${stack.stackName} (${stack.region}) into ${path.relative(process.cwd(), artifact.templateFullPath)}`,
    `Resources: ${Object.keys(resources).length}`,
    ...[...counts.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([type, n]) => `  ${String(n).padStart(3)}  ${type}`),
    'Models:',
    ...config.models.map((m) => `  ${m.alias.padEnd(16)} ${m.model.litellmModel}  tpm=${m.tpm ?? '-'} rpm=${m.rpm ?? '-'}`),
    `Routing: ${config.strategy.strategyName}; request timeout ${config.requestTimeout.toSeconds()} s`,
    `litellm_config.yaml: ${configPath ? path.relative(process.cwd(), configPath) : '(not found in the assembly)'}`,
  ];
  const warnings = artifact.messages.filter((m) => m.level === 'warning');
  if (warnings.length > 0) {
    lines.push(`Warnings (${warnings.length}):`, ...warnings.map((w) => `  ${w.id}: ${String(w.entry.data).split('\n')[0]}`));
  }
  console.log(lines.join('\n'));
}
