/**
 * Runs AWS Control Tower's proactive controls (the cfn-guard rules `@cdklabs/cdk-validator-cfnguard` ships, with its
 * cfn-guard binary) on a synthesized template, as a Control Tower hook would at deploy.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const PACKAGE_DIR = path.dirname(require.resolve('@cdklabs/cdk-validator-cfnguard/package.json'));
export const RULES_DIR = path.join(PACKAGE_DIR, 'rules', 'control-tower', 'cfn-guard');

/** The cfn-guard binary the package ships for this machine. */
export function guardBinary(): string {
  const platform = process.platform === 'darwin' ? 'macos' : 'ubuntu';
  const arch = process.arch === 'arm64' ? 'aarch64' : 'x86_64';
  return path.join(PACKAGE_DIR, 'bin', platform, arch, 'cfn-guard');
}

/** Guard rule name (e.g. `ecs_task_definition_nonroot_user_check`) to control id (e.g. `CT.ECS.PR.3`). */
function ruleControls(): Map<string, string> {
  const controls = new Map<string, string>();
  for (const service of fs.readdirSync(RULES_DIR)) {
    for (const file of fs.readdirSync(path.join(RULES_DIR, service))) {
      const match = /^ct-(.+)-pr-(\d+)\.guard$/.exec(file);
      if (!match) continue;
      const text = fs.readFileSync(path.join(RULES_DIR, service, file), 'utf8');
      const rule = /^rule (\w+) when is_cfn_template/m.exec(text);
      if (rule) controls.set(rule[1], `CT.${match[1].toUpperCase()}.PR.${match[2]}`);
    }
  }
  return controls;
}

function resourcesIn(node: unknown, into: Set<string>): Set<string> {
  if (Array.isArray(node)) {
    node.forEach((n) => resourcesIn(n, into));
  } else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'path' && typeof value === 'string' && value.startsWith('/Resources/')) {
        into.add(value.split('/')[2]);
      } else {
        resourcesIn(value, into);
      }
    }
  }
  return into;
}

/** Control id to the logical ids of the resources that fail it (controls that pass or do not apply are absent). */
export function controlTowerFailures(template: object): Map<string, string[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'control-tower-'));
  try {
    const data = path.join(dir, 'template.json');
    fs.writeFileSync(data, JSON.stringify(template));
    let out: string;
    try {
      out = execFileSync(guardBinary(), ['validate', '--rules', RULES_DIR, '--data', data, '--output-format', 'json', '--show-summary', 'none', '--structured'],
        { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    } catch (e: any) {
      // cfn-guard exits 19 when a rule fails; anything else is an error of the run itself.
      if (e.status !== 19 || !e.stdout) throw e;
      out = e.stdout;
    }
    const controls = ruleControls();
    const failures = new Map<string, string[]>();
    for (const report of JSON.parse(out)) {
      for (const nc of report.not_compliant ?? []) {
        const name: string = nc.Rule.name;
        const control = controls.get(name);
        if (!control) throw new Error(`cfn-guard reported rule ${name}, which no Control Tower rule file defines`);
        failures.set(control, [...resourcesIn(nc.Rule, new Set())].sort());
      }
    }
    return failures;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** As `controlTowerFailures`, keeping only resources whose logical id passes `keep` (drops controls left empty). */
export function failuresOf(template: object, keep: (logicalId: string) => boolean): Record<string, string[]> {
  const result: Record<string, string[]> = {};
  for (const [control, ids] of [...controlTowerFailures(template).entries()].sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }))) {
    const kept = ids.filter(keep);
    if (kept.length > 0) result[control] = kept;
  }
  return result;
}
