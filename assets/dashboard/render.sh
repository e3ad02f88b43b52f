#!/usr/bin/env bash
# npx projen dashboard:render: draws the synthesized dashboard with the numbers of the twin's traffic into
# assets/dashboard/dashboard.png. Pillow comes from requirements.txt (pip --require-hashes) into
# assets/dashboard/.venv. Extra arguments go to `python -m dashboard.render` (e.g. --out /tmp/x.png for a smoke
# check that leaves the committed picture alone).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=1
venv="$here/.venv"
requirements="$here/requirements.txt"
stamp="$venv/.requirements.sha256"
want="$(sha256sum "$requirements" | cut -d' ' -f1)"
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --require-hashes -r "$requirements"
  echo "$want" > "$stamp"
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
npx ts-node --project tsconfig.dev.json -T -e "require('./integ/reference-app').synthesizeReference('$work/cdk.out')" >/dev/null
cd "$here"
# The lines of the last committed twin run (assets/twin/tests/test_dashboard.py writes them to .twin/).
"$venv/bin/python" -m dashboard.render --cdk-out "$work/cdk.out" \
  --lines traffic/twin-proxy.jsonl --lines traffic/twin-litellm-agents.jsonl \
  --caption "The metrics callback's lines from the twin: the real LiteLLM proxy (admin key, alias 'unknown') and LiteLLM's completion call with two agents' virtual-key metadata;" \
  --out dashboard.png "$@"
