"""Small helpers shared by the twin's tests."""
import json
import os
import subprocess
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]

_SYNTH = """
const { App, Stack } = require('aws-cdk-lib');
const ec2 = require('aws-cdk-lib/aws-ec2');
const { LlmGateway } = require('./src');
const [outdir, stackName, extra] = process.argv.slice(1);
const app = new App({ outdir });
const stack = new Stack(app, stackName, { env: { region: 'us-east-1' } });
const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
new LlmGateway(stack, 'Gateway', { vpc, ...JSON.parse(extra) });
app.synth();
"""


def synthesize_gateway(outdir, stack_name, props):
    """Synthesizes a gateway as a user's app would, ``new LlmGateway(stack, 'Gateway', { vpc, ...props })`` with
    ``props`` plain JSON (e.g. ``{'service': {'hardenedContainer': True}}``), into ``outdir``."""
    env = {**os.environ, 'JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION': '1'}
    subprocess.run(['npx', 'ts-node', '--project', 'tsconfig.dev.json', '-T', '-e', _SYNTH, str(outdir), stack_name,
                    json.dumps(props)], cwd=REPO, env=env, check=True, timeout=300, capture_output=True)


def synthesized_migration(tmp_path_factory, stack_name, props):
    """The reference read from a gateway synthesized with ``props``, and its one-off migration task."""
    from twin.postgres import load_migration_task
    from twin.template import load_reference

    outdir = tmp_path_factory.mktemp(f'{stack_name}-cdk-out')
    synthesize_gateway(outdir, stack_name, props)
    reference = load_reference(outdir)
    return reference, load_migration_task(reference)


def wait_for_metric_lines(proxy, mark, count, timeout=15.0, settle=1.0):
    """The metric lines after ``mark`` once at least ``count`` arrived, plus any that arrive within ``settle`` seconds
    more (so that a test sees extra lines instead of missing them). Bounded by ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and len(proxy.metric_lines(mark)) < count:
        time.sleep(0.2)
    time.sleep(settle)
    return proxy.metric_lines(mark)


def fallback_pair(reference, key='fallbacks'):
    """(primary alias, first fallback alias) from the rendered router_settings.<key>."""
    entries = reference.config['router_settings'].get(key) or []
    assert entries, f'the reference config has no router_settings.{key}'
    (primary, targets), = entries[0].items()
    return primary, targets[0]


def alias_without_fallback(reference, avoid_model_ids=()):
    """An alias that has no fallbacks and whose model id is not in ``avoid_model_ids``."""
    router = reference.config['router_settings']
    with_fallbacks = {alias for key in ('fallbacks', 'context_window_fallbacks')
                      for e in router.get(key) or [] for alias in e}
    ids = reference.model_ids()
    for alias, model_id in ids.items():
        if alias not in with_fallbacks and model_id not in avoid_model_ids:
            return alias
    raise AssertionError('the reference has no alias without fallbacks')
