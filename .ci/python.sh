#!/usr/bin/env bash
# Python users get what TypeScript users get. After `npx projen compile` and `package:js` (dist/js):
# 1. ruff (lint, format check) and mypy on the Python under assets/ (.ci/python/lint-requirements.txt, ruff.toml,
#    mypy.ini), except the twin and the dashboard tools (see ruff.toml); the handlers' tests against moto's Secrets
#    Manager and ECS (boto3's real clients), in a network namespace with only loopback (test-reports/python-moto.xml).
# 2. jsii-pacmak builds the Python sdist and wheel the normal way (`npx projen package:python`: build, twine check).
#    pacmak pip-installs its build tools into its own venv; every one comes from a local wheelhouse downloaded with
#    --require-hashes from .ci/python/build-requirements.txt (PIP_NO_INDEX), so nothing unpinned is installed.
# 3. A fresh venv gets the wheel plus aws-cdk-lib, constructs and the jsii runtime at the versions the wheel declares,
#    from PyPI with hashes (test/python-consumer/requirements.txt); `pip check` proves they satisfy the wheel.
# 4. The Python consumer (test/python-consumer/app.py) and the same app in TypeScript against the packed tarball
#    (.ci/python/consumer-app.ts) synthesize; pytest compares them, checks the distributions' metadata, two bad
#    inputs from Python and every README Python block (test-reports/python-consumer.xml).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
# jsii's runtime (the Python package's) silences the end-of-life warning only for the Node.js majors it lists.
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="1,$(node -p 'process.versions.node.split(".")[0]')"
export PIP_DISABLE_PIP_VERSION_CHECK=1
work=$(mktemp -d "${TMPDIR:-/tmp}/cdk-llm-gateway-python-XXXXXX")
trap 'rm -rf "$work"' EXIT
t0=$(date +%s)
say() { echo "--- python: $* ($(( $(date +%s) - t0 )) s)"; }

say "ruff (lint, format check) and mypy on the Python under assets/"
python3 -m venv "$work/lint"
"$work/lint/bin/python" -m pip install --quiet --require-hashes -r .ci/python/lint-requirements.txt
"$work/lint/bin/ruff" check --config .ci/python/ruff.toml assets
"$work/lint/bin/ruff" format --check --config .ci/python/ruff.toml assets
# The programs under assets/ (folders mirror the source folders that use them), not yet the twin and the dashboard
# tools (see ruff.toml).
for dir in assets/service/litellm/ assets/service/migration-runner/ assets/keys/virtual-keys/ assets/integ-probe/; do
  [ -n "$(find "$dir" -name '*.py' -not -path '*/.venv/*' -print -quit)" ] || { echo "no Python in $dir" >&2; exit 1; }
  # Each asset is its own program: its folder and its tests/ on the path, as the tests' sys.path lines do.
  (cd "$dir" && MYPYPATH=tests "$work/lint/bin/mypy" --config-file "$repo/.ci/python/mypy.ini" \
    --cache-dir "$work/mypy-cache" --explicit-package-bases .)
done

say "the handlers against Secrets Manager and ECS as moto models them, in a namespace with only loopback"
mkdir -p test-reports
unshare -n sh -c 'ip link set lo up && exec "$0" -m pytest -q -p no:cacheprovider --junitxml=test-reports/python-moto.xml \
  assets/keys/virtual-keys/tests/test_key_handler_moto.py assets/service/migration-runner/tests/test_migration_moto.py' "$work/lint/bin/python"

say "build tools: hash-checked wheelhouse"
python3 -m pip download --quiet --require-hashes --only-binary=:all: --no-deps \
  -r .ci/python/build-requirements.txt -d "$work/wheelhouse"

say "jsii-pacmak --target python (sdist, wheel, twine check)"
rm -rf dist/python
PIP_NO_INDEX=1 PIP_FIND_LINKS="$work/wheelhouse" npx projen package:python >"$work/pacmak.log" 2>&1 \
  || { cat "$work/pacmak.log"; exit 1; }
ls -l dist/python

say "a fresh venv: the wheel with its declared dependencies from PyPI (hashes)"
python3 -m venv "$work/venv"
py="$work/venv/bin/python"
"$py" -m pip install --quiet --require-hashes -r test/python-consumer/requirements.txt
"$py" -m pip install --quiet --no-deps --no-index dist/python/cdk_llm_gateway-*.whl
"$py" -m pip check

say "the Python consumer synthesizes (python app.py)"
(cd "$work" && CDK_OUTDIR="$work/py.out" "$py" "$repo/test/python-consumer/app.py")

say "the same app in TypeScript, from the packed npm tarball"
mkdir "$work/ts"
cp .ci/python/consumer-app.ts "$work/ts/app.ts"
cdk_lib=$(sed -n 's/^aws-cdk-lib==//p' test/python-consumer/requirements.in)
constructs=$(sed -n 's/^constructs==//p' test/python-consumer/requirements.in)
(
  cd "$work/ts"
  echo '{ "name": "consumer-twin", "version": "1.0.0", "private": true }' > package.json
  echo '{ "compilerOptions": { "target": "ES2022", "module": "commonjs", "strict": true, "esModuleInterop": true, "skipLibCheck": true, "types": [] } }' > tsconfig.json
  npm install --no-audit --no-fund --loglevel=error "$(ls "$repo"/dist/js/cdk-llm-gateway@*.jsii.tgz)" \
    "aws-cdk-lib@$cdk_lib" "constructs@$constructs"
  CDK_OUTDIR="$work/ts.out" "$repo/node_modules/.bin/ts-node" app.ts
)

say "pytest: distributions, Python vs TypeScript template, bad input, README Python blocks"
mkdir -p test-reports
PY_OUT="$work/py.out" TS_OUT="$work/ts.out" "$py" -m pytest test/python-consumer -q -p no:cacheprovider \
  --junitxml=test-reports/python-consumer.xml

say "done"
