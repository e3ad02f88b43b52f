#!/usr/bin/env bash
# The proxy benchmark (npx projen bench:proxy; `npx projen bench:proxy --smoke` is the few-second check CI runs):
# the real LiteLLM proxy of the twin's venv, started from the synthesized reference, bare and as the gateway
# configures it, against the twin's fake Bedrock, in a network namespace with nothing but loopback. Not a test: it
# prints a table and the ratios gateway/bare (see proxy_bench.py). Needs the twin's venv and Redis: `npx projen twin`
# installs both.
set -euo pipefail
root="$(cd "$(dirname "$0")/../../.." && pwd)"
cd "$root"
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=1
venv="$root/.venv"
want="$(sha256sum assets/twin/requirements.txt | cut -d' ' -f1)"
if [ "$(cat "$venv/.twin-requirements.sha256" 2>/dev/null)" != "$want" ]; then
  echo "bench: $venv is missing or older than assets/twin/requirements.txt: run 'npx projen twin' once" >&2
  exit 2
fi
for tool in redis-server taskset unshare ip; do
  command -v "$tool" >/dev/null 2>&1 || { echo "bench: $tool is missing: 'npx projen twin' installs it" >&2; exit 2; }
done
if [ "$(nproc)" -lt 2 ]; then
  echo "bench: needs 2 cores (the proxy on one, the load generator on the other)" >&2
  exit 2
fi

mkdir -p "$root/.twin"
outdir="$(mktemp -d "$root/.twin/bench.cdk.out.XXXXXX")"
trap 'rm -rf "$outdir"' EXIT
npx ts-node --project tsconfig.dev.json -T -e "require('./integ/reference-app').synthesizeReference('$outdir')" >/dev/null

limit=900
for arg in "$@"; do [ "$arg" = --smoke ] && limit=120; done
# Its own PID namespace too: however the run ends, the kernel stops every process it started.
status=0
timeout --kill-after=20 "$limit" unshare -n -p --mount-proc --kill-child sh -c 'ip link set lo up && exec "$@"' sh \
  "$venv/bin/python" assets/twin/bench/proxy_bench.py --cdk-out "$outdir" "$@" || status=$?
exit $status
