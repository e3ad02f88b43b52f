#!/usr/bin/env bash
# The Python half of the README's test command (npx projen test:python): pytest over the assets' own tests (handlers,
# metrics callback, dashboard evaluator; the twin is `npx projen twin`), in a venv of its own installed from the
# hash-pinned tool list (pip --require-hashes), so a fresh machine needs only python3. JUnit: test-reports/pytest.xml.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
venv=.ci/.venv
requirements=.ci/python/lint-requirements.txt
stamp="$venv/.requirements.sha256"
want=$(sha256sum "$requirements" | cut -d' ' -f1)
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --require-hashes -r "$requirements"
  echo "$want" > "$stamp"
fi
mkdir -p test-reports
exec "$venv/bin/python" -m pytest assets --ignore=assets/twin -q -p no:cacheprovider --junitxml=test-reports/pytest.xml "$@"
