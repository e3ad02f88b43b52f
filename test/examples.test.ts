import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/**
 * The journeys' example apps (integ/examples) synthesize, and the README shows each exactly as it is in the
 * repository (but for the package name in its imports).
 */
const EXAMPLES_DIR = path.join(__dirname, '..', 'integ', 'examples');
const EXAMPLES = fs.readdirSync(EXAMPLES_DIR).filter((f) => f.endsWith('.ts')).sort();

interface Synthesized {
  readonly templates: Record<string, any>;
  readonly messages: { level: string; id: string; entry: { data: unknown } }[];
}

/** Runs an example app (it calls app.synth() itself) into a fresh directory and reads what it wrote. */
function synthesize(file: string): Synthesized {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'example-'));
  const previous = process.env.CDK_OUTDIR;
  process.env.CDK_OUTDIR = outdir;
  try {
    jest.isolateModules(() => {
      // The example is an app: loading it runs it (it calls app.synth() itself).
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require(path.join(EXAMPLES_DIR, file));
    });
  } finally {
    if (previous === undefined) delete process.env.CDK_OUTDIR; else process.env.CDK_OUTDIR = previous;
  }
  const manifest = JSON.parse(fs.readFileSync(path.join(outdir, 'manifest.json'), 'utf8'));
  const templates: Record<string, any> = {};
  const messages: Synthesized['messages'] = [];
  for (const [name, artifact] of Object.entries<any>(manifest.artifacts ?? {})) {
    if (artifact.type !== 'aws:cloudformation:stack') continue;
    templates[name] = JSON.parse(fs.readFileSync(path.join(outdir, artifact.properties.templateFile), 'utf8'));
    for (const entries of Object.values<any>(artifact.metadata ?? {})) {
      for (const entry of entries) {
        if (entry.type === 'aws:cdk:warning' || entry.type === 'aws:cdk:error') {
          messages.push({ level: entry.type, id: String(entry.data), entry });
        }
      }
    }
  }
  fs.rmSync(outdir, { recursive: true, force: true });
  return { templates, messages };
}

function resources(template: any, type: string): any[] {
  return Object.values<any>(template.Resources).filter((r) => r.Type === type);
}

const results = new Map<string, Synthesized>();
function result(file: string): Synthesized {
  if (!results.has(file)) results.set(file, synthesize(file));
  return results.get(file)!;
}

describe('journey examples', () => {
  test('there are six', () => {
    expect(EXAMPLES).toHaveLength(6);
  });

  test.each(EXAMPLES)('%s synthesizes with no error and no warning', (file) => {
    const { templates, messages } = result(file);
    expect(Object.keys(templates).length).toBeGreaterThan(0);
    expect(messages.map((m) => m.id)).toEqual([]);
  });

  test.each(EXAMPLES)('README shows %s as it is', (file) => {
    const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
    const marker = `<!-- example: integ/examples/${file} -->`;
    const at = readme.indexOf(marker);
    expect(at).toBeGreaterThanOrEqual(0);
    const block = /```ts\n([\s\S]*?)```/.exec(readme.slice(at));
    expect(block).not.toBeNull();
    const source = fs.readFileSync(path.join(EXAMPLES_DIR, file), 'utf8').replace(/from '\.\.\/\.\.\/src'/g, "from 'cdk-llm-gateway'");
    expect(block![1]).toEqual(source);
  });
});

describe('what each journey needs', () => {
  test('imported VPC: no address range is admitted, only the agents\' security group, and eu. profiles are used', () => {
    const t = Object.values(result('quick-start-imported-vpc.ts').templates)[0];
    const lbSg = resources(t, 'AWS::EC2::SecurityGroup').find((g) => g.Properties.GroupDescription === 'LiteLLM gateway load balancer');
    expect(lbSg.Properties.SecurityGroupIngress ?? []).toEqual([]);
    const ingress = resources(t, 'AWS::EC2::SecurityGroupIngress').filter((r) => r.Properties.SourceSecurityGroupId === 'sg-0a1b2c3d4e5f60003');
    expect(ingress).toHaveLength(1);
    expect(ingress[0].Properties.FromPort).toBe(80);
    const config = JSON.stringify(t);
    expect(config).toContain('eu.anthropic.claude');
  });

  test('bring your own database and cache: no Aurora, no ElastiCache, rules on both security groups', () => {
    const t = Object.values(result('bring-your-own-database-and-cache.ts').templates)[0];
    expect(resources(t, 'AWS::RDS::DBCluster')).toHaveLength(0);
    expect(resources(t, 'AWS::ElastiCache::ServerlessCache')).toHaveLength(0);
    const ports = resources(t, 'AWS::EC2::SecurityGroupIngress')
      .filter((r) => ['sg-0a1b2c3d4e5f60010', 'sg-0a1b2c3d4e5f60011'].includes(r.Properties.GroupId))
      .map((r) => r.Properties.FromPort).sort();
    expect(ports).toEqual([5432, 6379]);
  });

  test('HTTPS and DNS: one alias record in the private zone, none for the name kept elsewhere, both listeners on 443', () => {
    const t = Object.values(result('https-and-dns.ts').templates)[0];
    const records = resources(t, 'AWS::Route53::RecordSet');
    expect(records).toHaveLength(1);
    expect(records[0].Properties.Name).toBe('llm.platform.internal.');
    const https = resources(t, 'AWS::ElasticLoadBalancingV2::Listener').filter((l) => l.Properties.Protocol === 'HTTPS');
    expect(https).toHaveLength(2);
  });

  test('agents in their own stacks: the gateway\'s stack refers to no agent, each agent holds its key and its rule', () => {
    const { templates } = result('agents-in-own-stacks.ts');
    const gatewayTemplate = JSON.stringify(templates.LlmGateway);
    expect(gatewayTemplate).not.toMatch(/ExtractionAgent|ValidationAgent/);
    for (const agent of ['ExtractionAgent', 'ValidationAgent']) {
      const t = templates[agent];
      expect(resources(t, 'Custom::LiteLlmVirtualKey')).toHaveLength(1);
      expect(resources(t, 'AWS::SecretsManager::Secret')).toHaveLength(1);
      expect(resources(t, 'AWS::EC2::SecurityGroupIngress').filter((r) => r.Properties.FromPort === 80)).toHaveLength(1);
    }
  });

  test('production: request-count scaling, a reader, 30 days of backups, deletion protection, per-agent metric filters', () => {
    const t = Object.values(result('production-scale.ts').templates)[0];
    const policies = resources(t, 'AWS::ApplicationAutoScaling::ScalingPolicy')
      .map((p) => p.Properties.TargetTrackingScalingPolicyConfiguration.PredefinedMetricSpecification.PredefinedMetricType).sort();
    expect(policies).toEqual(['ALBRequestCountPerTarget', 'ECSServiceAverageCPUUtilization']);
    const cluster = resources(t, 'AWS::RDS::DBCluster')[0];
    expect(cluster.Properties.BackupRetentionPeriod).toBe(30);
    expect(cluster.Properties.DeletionProtection).toBe(true);
    expect(resources(t, 'AWS::RDS::DBInstance')).toHaveLength(2);
    expect(resources(t, 'AWS::Logs::MetricFilter').filter((f) => f.Properties.MetricTransformations[0].Dimensions?.some((d: any) => d.Key === 'Agent')).length).toBeGreaterThan(0);
    const spend = resources(t, 'AWS::CloudWatch::Alarm').find((a) => JSON.stringify(a.Properties.Metrics ?? []).includes('"Agent"'));
    expect(spend).toBeDefined();
  });

  test('dev gateway: nothing is retained or snapshotted, no scaling, no cache, no dashboard, no alarms', () => {
    const t = Object.values(result('dev-gateway.ts').templates)[0];
    const kept = Object.entries<any>(t.Resources).filter(([, r]) => ['Retain', 'Snapshot', 'RetainExceptOnCreate'].includes(r.DeletionPolicy));
    expect(kept.map(([id, r]) => `${id} ${r.Type}`)).toEqual([]);
    expect(resources(t, 'AWS::ApplicationAutoScaling::ScalableTarget')).toHaveLength(0);
    expect(resources(t, 'AWS::ElastiCache::ServerlessCache')).toHaveLength(0);
    expect(resources(t, 'AWS::CloudWatch::Dashboard')).toHaveLength(0);
    expect(resources(t, 'AWS::CloudWatch::Alarm')).toHaveLength(0);
    const task = resources(t, 'AWS::ECS::TaskDefinition').find((d) => d.Properties.ContainerDefinitions[0].Name === 'litellm');
    expect([task.Properties.Cpu, task.Properties.Memory]).toEqual(['256', '1024']);
  });
});
