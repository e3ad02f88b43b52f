#!/usr/bin/env bash
# The local twin (npx projen twin): the real LiteLLM proxy, configured from the synthesized reference deployment,
# against a fake Bedrock, in a network namespace with nothing but loopback. JUnit report: test-reports/twin.xml.
# Extra arguments go to pytest (e.g. -k health, or test paths under assets/twin/tests instead of all of them).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=1
start=$(date +%s)
say() { echo "twin: $* ($(( $(date +%s) - start )) s)"; }

# Debian packages: Redis (standalone and cluster, TLS certificates from openssl), PostgreSQL, the namespace tools.
missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
command -v unshare >/dev/null 2>&1 || missing+=(util-linux)
command -v ip >/dev/null 2>&1 || missing+=(iproute2)
python3 -c 'import ensurepip' 2>/dev/null || missing+=(python3-venv)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
if ((${#missing[@]})); then
  say "installing ${missing[*]} (apt)"
  # The twin starts its own PostgreSQL in a temporary folder; Debian's default cluster is not wanted.
  mkdir -p /etc/postgresql-common/createcluster.d
  echo 'create_main_cluster = false' > /etc/postgresql-common/createcluster.d/twin.conf
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # Debian starts redis-server as a service on install: the twin runs its own servers, on loopback only.
  if command -v systemctl >/dev/null 2>&1; then systemctl stop redis-server >/dev/null 2>&1 || true; fi
  service redis-server stop >/dev/null 2>&1 || true
fi

venv="$root/.venv"
requirements="$root/assets/twin/requirements.txt"
stamp="$venv/.twin-requirements.sha256"
want="$(sha256sum "$requirements" | cut -d' ' -f1)"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import sys' 2>/dev/null; then
  say "creating $venv"
  rm -rf "$venv"
  python3 -m venv "$venv"
fi
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  # Every package pinned with its hash: PyPI once served a poisoned LiteLLM.
  say "installing $requirements (pip --require-hashes)"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --require-hashes -r "$requirements"
  echo "$want" > "$stamp"
else
  say "venv up to date with requirements.txt"
fi

# Synthesized afresh on every run: the twin reads the template and the staged image asset, never a copy.
# One folder per run, so that two runs on one machine never read each other's half-written assembly.
mkdir -p "$root/.twin" "$root/test-reports"
outdir="$(mktemp -d "$root/.twin/cdk.out.XXXXXX")"
trap 'rm -rf "$outdir"' EXIT
say "synthesizing the reference deployment into ${outdir#"$root/"}"
npx ts-node --project tsconfig.dev.json -T -e "require('./integ/reference-app').synthesizeReference('$outdir')" >/dev/null

say "pytest in a loopback-only network namespace"
export TWIN_CDK_OUT="$outdir"
# Paths among the arguments replace the default (all of assets/twin/tests).
paths=(assets/twin/tests)
for arg in "$@"; do case "$arg" in assets/*) paths=() ;; esac; done
status=0
# Bounded: the whole suite, proxies included, must finish in 15 minutes (about 5 on a quiet 2-core machine).
# Its own PID namespace too: when the run ends, however it ends, the kernel stops every process it started
# (proxies run in sessions of their own, which a plain timeout would leave running).
timeout --kill-after=20 900 unshare -n -p --mount-proc --kill-child sh -c 'ip link set lo up && exec "$@"' sh \
  "$venv/bin/python" -m pytest ${paths[@]+"${paths[@]}"} -q -p no:cacheprovider --junitxml=test-reports/twin.xml "$@" || status=$?
say "done (exit $status)"
exit $status
