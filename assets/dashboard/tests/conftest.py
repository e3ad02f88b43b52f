"""The synthesized reference (once per session), for the evaluator's tests."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

DASHBOARD = Path(__file__).resolve().parents[1]
ROOT = DASHBOARD.parents[1]
sys.path.insert(0, str(DASHBOARD))

from dashboard.template import load_stack  # noqa: E402


@pytest.fixture(scope='session')
def stack(tmp_path_factory):
    """The reference deployment, synthesized afresh (DASHBOARD_CDK_OUT: an existing cdk.out to read instead)."""
    outdir = os.environ.get('DASHBOARD_CDK_OUT')
    if not outdir:
        outdir = str(tmp_path_factory.mktemp('cdk') / 'cdk.out')
        env = {**os.environ, 'JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION': '1'}
        subprocess.run(['npx', 'ts-node', '--project', 'tsconfig.dev.json', '-T', '-e',
                        f"require('./integ/reference-app').synthesizeReference({outdir!r})"],
                       cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL, timeout=300)
    return load_stack(outdir)
