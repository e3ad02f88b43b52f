"""What the gateway costs per request: the real LiteLLM proxy, bare and as the reference deployment configures it.

Run through ``assets/twin/bench/run.sh`` (``npx projen bench:proxy``; ``--smoke`` for the ~40-second check CI runs,
``--variants``/``--rounds`` for a narrower run): it synthesizes the reference deployment and starts this script in a
network namespace with nothing but loopback. Everything here is the twin's (``assets/twin/twin``): the proxy is
started from the template's command, environment and staged config, against the fake Bedrock, with Redis shaped like
the gateway's cache.

Layout on a 2-core machine: every proxy is pinned to core 0 (``taskset -c 0``: one vCPU, the task's default), with
the task's worker count; this script (the load generator), the fake Bedrock (its own process) and Redis share core 1.
Variants, each a proxy of its own, all running, measured in interleaved rounds so that drifting machine load hits
them alike:
  bare      the same LiteLLM, command and offline switches; a config with one model and the admin key, nothing else
  callback  bare + the gateway's metrics callback (litellm_settings.callbacks)
  routing   bare + the gateway's routing strategy, pre-call checks and per-deployment limits (rpm, tpm, calls in
            flight) of the model
  redis     bare + the gateway's shared state: router and cache on Redis (3-node cluster, TLS, as ElastiCache
            Serverless), the REDIS_* variables of the task
  limits+redis  routing and redis together: the pre-call check then reads the deployment's counters from Redis
  logs      bare + the gateway's logging (json_logs, LITELLM_LOG)
  gateway   the reference config, command and environment as the twin reads them, Redis included
  gateway-1w  the same with one worker instead of the task's count (workers per vCPU)
The deployments' rpm and tpm are raised to 10^9 wherever they appear: the benchmark measures what the check costs,
not the refusals a real limit would give. Per round and variant: throughput at fixed concurrency (fake answering at
once), latency at concurrency 1 (the added latency: the proxy's p50 minus the fake's p50 called directly, the same
request in Bedrock's API), then with the fake waiting 200 ms before the first event, streams (time to first token,
the proxy's minus the fake's). CPU seconds are the proxy's processes' user+system time during the throughput pass;
memory is each worker's high-water mark (VmHWM); log bytes and Redis commands (INFO commandstats) are counted over
the throughput pass; start is process start to the target group's health check path answering 200. Then a
concurrency sweep of the gateway (1 and 2 workers) with the 200 ms model: where latency bends upward, and the core's
CPU use there, against the service's CPU scaling target.
"""
from __future__ import annotations

import argparse
import copy
import dataclasses
import multiprocessing
import os
import re
import shutil
import socketserver
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable

import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parent / 'tests'))

from helpers import alias_without_fallback  # noqa: E402
from twin.fake_bedrock import FakeBedrock  # noqa: E402
from twin.proxy import LiteLlmProxy, ProxyFailed, free_port  # noqa: E402
from twin.redis_servers import RedisServers  # noqa: E402
from twin.template import Reference, load_reference  # noqa: E402

import load  # noqa: E402

PROXY_CPUS = '0'
DRIVER_CPUS = {1}
MODEL_LATENCY = 0.2
UNLIMITED = 10**9
# uvicorn's supervisor pings each worker every 0.5 s and kills one that does not answer within this many seconds
# (default 5). A spawned worker answers only after it has imported litellm again (~3 CPU-seconds): two workers
# importing on one busy core miss the 5 s and are killed and respawned, over and over. Raised here so that a start
# on a shared machine ends; `restarts` counts the kills the log reports anyway.
BENCH_ENV = {'TIMEOUT_WORKER_HEALTHCHECK': '30'}
WORKER_DIED = re.compile(r'Child process \[\d+\] died')


@dataclasses.dataclass(frozen=True)
class Plan:
    rounds: int
    throughput_concurrency: int
    throughput_seconds: float
    latency_seconds: float
    stream_concurrency: int
    stream_seconds: float
    sweep: tuple[int, ...]
    sweep_seconds: float
    variants: tuple[str, ...]
    # The smoke run only proves that everything starts and answers: one worker per proxy, started side by side on
    # both cores, so that it fits in CI's minute; its numbers mean nothing.
    smoke: bool = False
    warm_seconds: float = 1.0


FULL = Plan(rounds=3, throughput_concurrency=32, throughput_seconds=4, latency_seconds=2, stream_concurrency=16,
            stream_seconds=3, sweep=(4, 8, 16, 24, 32, 48), sweep_seconds=4,
            variants=('bare', 'callback', 'routing', 'redis', 'limits+redis', 'logs', 'gateway', 'gateway-1w'),
            warm_seconds=0.5)
SMOKE = Plan(rounds=1, throughput_concurrency=8, throughput_seconds=1, latency_seconds=0.5, stream_concurrency=4,
             stream_seconds=1, sweep=(8,), sweep_seconds=1, variants=('bare', 'gateway'), smoke=True,
             warm_seconds=0.3)


# The fake Bedrock in a process of its own, so that its threads never compete with the load generator for one GIL.
def _fake_main(conn: Any, model_ids: list[str]) -> None:
    # http.server writes a response's headers and body in separate sends; with Nagle's algorithm on, a client that
    # delays its ACK waits ~40 ms for the body. Off in this process, so the floor is the fake's work, not a TCP timer.
    socketserver.StreamRequestHandler.disable_nagle_algorithm = True
    # socketserver listens with a backlog of 5: a proxy opening 30 connections at once would see SYNs dropped and
    # retried after 1 s and 3 s. Bedrock's endpoint takes them; so does the fake in this process.
    socketserver.TCPServer.request_queue_size = 1024
    with FakeBedrock() as fake:
        conn.send(fake.endpoint)
        while True:
            command = conn.recv()
            if command is None:
                return
            fake.reset()  # also drops the call log, which would otherwise grow with every request
            for model_id in model_ids:
                fake.behave(model_id, delay=command)
            conn.send('ok')


class FakeProcess:
    def __init__(self, model_ids: list[str]):
        ctx = multiprocessing.get_context('fork')
        self._conn, child = ctx.Pipe()
        self._process = ctx.Process(target=_fake_main, args=(child, model_ids), daemon=True)
        self._process.start()
        self.endpoint: str = self._conn.recv()

    def delay(self, seconds: float) -> None:
        self._conn.send(seconds)
        assert self._conn.recv() == 'ok'

    def stop(self) -> None:
        self._conn.send(None)
        self._process.join(10)


class BenchProxy(LiteLlmProxy):
    """The twin's proxy, pinned to the proxy core, timed from process start to the health check's first 200."""

    def __init__(self, *args: Any, health_path: str, pinned: bool = True, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.shared_state = bool(kwargs.get('shared_state'))
        self.command = ['taskset', '-c', PROXY_CPUS if pinned else '0-1', *self.command]
        self.health_path = health_path
        self.start_seconds = float('nan')
        self.restarts = 0
        self.tree: load.ProcessTree | None = None

    def start(self) -> 'BenchProxy':
        self._log_file = open(self.log_path, 'ab')
        t0 = time.monotonic()
        self._process = subprocess.Popen(self.command, cwd=self.workdir, env=self.env, stdout=self._log_file,
                                         stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        self.tree = load.ProcessTree(self._process.pid)
        while time.monotonic() - t0 < self.start_timeout:
            if self._process.poll() is not None:
                raise ProxyFailed(f'{self.name} exited with {self._process.returncode}:\n{self.log_tail()}')
            try:
                if httpx.get(self.url + self.health_path, timeout=2).status_code == 200:
                    self.start_seconds = time.monotonic() - t0
                    self.restarts = len(WORKER_DIED.findall(self.log_text()))
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        self.stop()
        raise ProxyFailed(f'{self.name} did not answer within {self.start_timeout} s:\n{self.log_tail()}')


def _with_workers(reference: Reference, workers: int) -> Reference:
    """The reference with the command's --num_workers replaced, as the construct's ``workers`` prop renders it."""
    command = list(reference.command)
    command[command.index('--num_workers') + 1] = str(workers)
    return dataclasses.replace(reference, container={**reference.container, 'Command': command})


def _entry(config: dict[str, Any], alias: str) -> dict[str, Any]:
    return next(e for e in config['model_list'] if e['model_name'] == alias)


def _unlimited(config: dict[str, Any]) -> dict[str, Any]:
    for entry in config['model_list']:
        for key in ('rpm', 'tpm'):
            if key in entry['litellm_params']:
                entry['litellm_params'][key] = UNLIMITED
    return config


def variant_settings(name: str, reference: Reference, alias: str,
                     redis_env: dict[str, str]) -> tuple[Callable[[dict], dict], dict[str, str | None], bool, int]:
    """(config transform, environment overrides, shared state, workers) of one variant, built from the reference."""
    ref = reference.config
    workers = int(reference.command[reference.command.index('--num_workers') + 1])
    log_level = 'LITELLM_LOG'
    entry = _entry(ref, alias)
    bare_entry = {'model_name': alias, 'litellm_params': {k: entry['litellm_params'][k]
                                                          for k in ('model', 'aws_region_name')}}
    bare_env: dict[str, str | None] = {log_level: None}

    def bare(_: dict) -> dict:
        return {'model_list': [copy.deepcopy(bare_entry)],
                'general_settings': {'master_key': ref['general_settings']['master_key']}}

    if name == 'bare':
        return bare, bare_env, False, workers
    if name == 'callback':
        return (lambda c: {**bare(c), 'litellm_settings': {'callbacks': ref['litellm_settings']['callbacks']}},
                bare_env, False, workers)
    if name == 'routing':
        def routing(c: dict) -> dict:
            out = bare(c)
            params = out['model_list'][0]['litellm_params']
            for key in ('rpm', 'tpm', 'max_parallel_requests'):
                if key in entry['litellm_params']:
                    params[key] = entry['litellm_params'][key]
            router = ref['router_settings']
            out['router_settings'] = {k: router[k] for k in ('routing_strategy', 'optional_pre_call_checks')
                                      if k in router}
            return _unlimited(out)
        return routing, bare_env, False, workers
    if name == 'redis':
        def redis(c: dict) -> dict:
            out = bare(c)
            router, settings = ref['router_settings'], ref['litellm_settings']
            out['router_settings'] = {k: v for k, v in router.items() if k.startswith('redis_')}
            out['litellm_settings'] = {k: settings[k] for k in ('cache', 'cache_params') if k in settings}
            return out
        return redis, {**bare_env, **redis_env}, True, workers
    if name == 'limits+redis':
        both = variant_settings('routing', reference, alias, redis_env)[0]
        shared = variant_settings('redis', reference, alias, redis_env)[0]

        def limits_redis(c: dict) -> dict:
            out = both(c)
            extra = shared(c)
            out['router_settings'].update(extra['router_settings'])
            out['litellm_settings'] = extra['litellm_settings']
            return out
        return limits_redis, {**bare_env, **redis_env}, True, workers
    if name == 'logs':
        settings = ref['litellm_settings']
        level = reference.environment.get(log_level)
        return (lambda c: {**bare(c), 'litellm_settings': {'json_logs': settings['json_logs']}},
                {log_level: level if isinstance(level, str) else None}, False, workers)
    if name == 'gateway':
        return _unlimited, dict(redis_env), True, workers
    if name == 'gateway-1w':
        return _unlimited, dict(redis_env), True, 1
    raise ValueError(name)


def new_proxy(name: str, reference: Reference, alias: str, endpoint: str, redis_env: dict[str, str],
              root: Path, smoke: bool) -> BenchProxy:
    transform, env, shared, workers = variant_settings(name, reference, alias, redis_env)
    for key, value in BENCH_ENV.items():
        if key not in reference.environment:
            env.setdefault(key, value)
    return BenchProxy(_with_workers(reference, 1 if smoke else workers), endpoint, port=free_port(),
                      config_overrides=transform, env_overrides=env, shared_state=shared, workdir=root / name,
                      name=name, health_path=reference.target_health_check.path, pinned=not smoke)


# Measuring ------------------------------------------------------------------------------------------------------
@dataclasses.dataclass
class Sample:
    rps: float
    p50: float
    p95: float
    p99: float
    lat_p50: float
    ttft_p50: float
    cpu_per_1k: float
    log_per_req: float
    redis_per_req: float
    errors: int
    first_error: str = ''


def redis_commands(redis: RedisServers) -> int:
    """Commands the Redis nodes have served since they started (INFO commandstats, summed over the nodes)."""
    total = 0
    for port in redis.ports:
        for line in redis.cli('INFO', 'commandstats', port=port).splitlines():
            if line.startswith('cmdstat_'):
                total += int(line.split('calls=', 1)[1].split(',', 1)[0])
    return total


def measure(proxy: BenchProxy | None, request: Callable[[bool], load.Request], plan: Plan, phase: str,
            redis: RedisServers | None = None) -> Any:
    """One variant's passes of one round: 'instant' (throughput and latency) or 'stream' (time to first token)."""
    if phase == 'instant':
        _warm(request(False), plan.throughput_concurrency, plan)
        shared = redis if proxy and proxy.shared_state else None
        cpu0 = proxy.tree.cpu_seconds() if proxy else 0.0
        log0 = proxy.mark() if proxy else 0
        cmd0 = redis_commands(shared) if shared else 0
        thr = load.run(load.closed_loop(request(False), plan.throughput_concurrency, plan.throughput_seconds))
        cpu = (proxy.tree.cpu_seconds() - cpu0) if proxy else float('nan')
        if proxy:
            time.sleep(0.2)  # the metrics callback writes from its own thread, a moment later
            thr.log_bytes = proxy.mark() - log0
        thr.redis_commands = redis_commands(shared) - cmd0 if shared else 0
        lat = load.run(load.closed_loop(request(False), 1, plan.latency_seconds))
        return thr, lat, cpu
    _warm(request(True), plan.stream_concurrency, plan)
    return load.run(load.closed_loop(request(True), plan.stream_concurrency, plan.stream_seconds))


def _warm(request: load.Request, concurrency: int, plan: Plan) -> None:
    """An unmeasured moment at the pass's concurrency first: LiteLLM closes idle connections to Bedrock after 15 s
    (AIOHTTP_KEEPALIVE_TIMEOUT) and opening dozens at once costs it seconds, which steady traffic never pays."""
    load.run(load.closed_loop(request, concurrency, plan.warm_seconds))


def say(text: str) -> None:
    print(f'bench: {text}', file=sys.stderr, flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--smoke', action='store_true', help='a few seconds per proxy: proves the benchmark runs')
    parser.add_argument('--cdk-out', default=os.environ.get('TWIN_CDK_OUT'))
    parser.add_argument('--variants', help=f'comma-separated, of {",".join(FULL.variants)} (bare is always run)')
    parser.add_argument('--rounds', type=int, help=f'rounds of measurement (default {FULL.rounds})')
    args = parser.parse_args()
    plan = SMOKE if args.smoke else FULL
    if args.variants:
        chosen = ['bare', *(v for v in args.variants.split(',') if v != 'bare')]
        unknown = set(chosen) - set(FULL.variants)
        if unknown:
            parser.error(f'unknown variants {sorted(unknown)}')
        plan = dataclasses.replace(plan, variants=tuple(chosen))
    if args.rounds:
        plan = dataclasses.replace(plan, rounds=args.rounds)
    if not args.cdk_out:
        parser.error('--cdk-out (or TWIN_CDK_OUT) names the synthesized reference')
    import socket
    if sorted(n for _, n in socket.if_nameindex()) != ['lo']:
        parser.error('run in a network namespace with nothing but loopback (assets/twin/bench/run.sh)')

    os.sched_setaffinity(0, DRIVER_CPUS)  # inherited by the fake Bedrock and Redis; the proxies ask for core 0
    reference = load_reference(args.cdk_out)
    alias = alias_without_fallback(reference)
    model_id = reference.model_ids()[alias]
    started = time.monotonic()
    fake = FakeProcess([model_id])
    root = Path(tempfile.mkdtemp(prefix='bench-proxy-'))
    proxies: dict[str, BenchProxy] = {}
    redis: RedisServers | None = None
    try:
        env = reference.environment
        redis = RedisServers(cluster='REDIS_CLUSTER_NODES' in env, tls=str(env.get('REDIS_SSL')).lower() == 'true',
                             port=int(env['REDIS_PORT']))
        redis_env = redis.environment()
        missing = [k for k in env if k.startswith('REDIS_') and k not in redis_env]
        assert not missing, f'the task reads {missing}, which the loopback Redis does not provide'
        for name in plan.variants:
            proxies[name] = new_proxy(name, reference, alias, fake.endpoint, redis_env, root, plan.smoke)
        if plan.smoke:
            with ThreadPoolExecutor(len(proxies)) as pool:
                list(pool.map(BenchProxy.start, proxies.values()))
        else:  # one at a time: a start competes with nothing for the core
            for proxy in proxies.values():
                say(f'starting {proxy.name}')
                proxy.start()
        say('healthy after ' + ', '.join(f'{p.start_seconds:.1f} s ({n})' for n, p in proxies.items()))
        fake.delay(0)
        for proxy in proxies.values():  # warm-up: lazy imports and first connections, both workers
            warm = load.run(load.closed_loop(_chat(proxy, alias), 8, 1 if not args.smoke else 0.3))
            if warm.errors:
                raise SystemExit(f'{proxy.name}: {warm.errors} failed requests in warm-up: {warm.first_error}\n'
                                 f'{proxy.log_tail(20)}')

        samples: dict[str, list[Sample]] = {n: [] for n in ('direct', *plan.variants)}
        for r in range(plan.rounds):
            say(f'round {r + 1}/{plan.rounds}')
            targets: list[tuple[str, BenchProxy | None, Callable[[bool], load.Request]]] = [
                ('direct', None, lambda s: load.bedrock_request(fake.endpoint, model_id, s))]
            targets += [(n, p, _chat_factory(p, alias)) for n, p in proxies.items()]
            fake.delay(0)
            instant = {n: measure(p, req, plan, 'instant', redis) for n, p, req in targets}
            fake.delay(MODEL_LATENCY)
            stream = {n: measure(p, req, plan, 'stream') for n, p, req in targets}
            for n, _, _ in targets:
                thr, lat, cpu = instant[n]
                st = stream[n]
                errors = thr.errors + lat.errors + st.errors
                sent = len(thr.latencies) or float('nan')
                samples[n].append(Sample(
                    rps=thr.rps, p50=thr.pct(50), p95=thr.pct(95), p99=thr.pct(99), lat_p50=lat.pct(50),
                    ttft_p50=st.ttft_p50(), cpu_per_1k=cpu / sent * 1000, log_per_req=thr.log_bytes / sent,
                    redis_per_req=thr.redis_commands / sent,
                    errors=errors, first_error=thr.first_error or lat.first_error or st.first_error))

        sweep: dict[str, list[tuple[int, float, float, float, float, float]]] = {}
        sweep_names = [n for n in ('gateway-1w', 'gateway') if n in proxies]
        fake.delay(MODEL_LATENCY)
        floor = load.run(load.closed_loop(load.bedrock_request(fake.endpoint, model_id), 1, plan.latency_seconds))
        for name in sweep_names:
            proxy = proxies[name]
            sweep[name] = []
            for c in plan.sweep:
                _warm(_chat(proxy, alias), c, plan)
                cpu0, core0 = proxy.tree.cpu_seconds(), load.core_busy_seconds(int(PROXY_CPUS))
                t0 = time.perf_counter()
                p = load.run(load.closed_loop(_chat(proxy, alias), c, plan.sweep_seconds))
                wall = time.perf_counter() - t0
                busy = (proxy.tree.cpu_seconds() - cpu0) / wall * 100
                core = (load.core_busy_seconds(int(PROXY_CPUS)) - core0) / wall * 100
                sweep[name].append((c, p.rps, busy, core, p.pct(50) - floor.pct(50), p.pct(99) - floor.pct(50)))
                say(f'sweep {name} c={c}: {p.rps:.0f} req/s, proxy {busy:.0f}% of the core (busy {core:.0f}%)')

        rss = {n: p.tree.peak_worker_rss_mib() for n, p in proxies.items()}
        starts = {n: (p.start_seconds, p.restarts) for n, p in proxies.items()}
        report(plan, samples, rss, starts, sweep, reference, time.monotonic() - started, args.smoke)
        failed = {n: s[0].first_error for n, s in samples.items() if any(x.errors for x in s)}
        if failed:
            say(f'requests failed: {failed}')
            return 1
        return 0
    finally:
        for proxy in proxies.values():
            proxy.stop()
        if redis:
            redis.stop()
        fake.stop()
        shutil.rmtree(root, ignore_errors=True)


def _chat(proxy: BenchProxy, alias: str, stream: bool = False) -> load.Request:
    return load.chat_request(proxy.url, proxy.admin_key, alias, stream)


def _chat_factory(proxy: BenchProxy, alias: str) -> Callable[[bool], load.Request]:
    return lambda stream: _chat(proxy, alias, stream)


# Reporting ------------------------------------------------------------------------------------------------------
def _ratio(samples: dict[str, list[Sample]], field: Callable[[Sample, Sample], float], name: str = 'gateway') -> float:
    """The median over rounds of one round's ratio ``name``/bare (pairs measured minutes apart would add noise)."""
    return load.median([field(g, b) for g, b in zip(samples[name], samples['bare'], strict=True)])


def report(plan: Plan, samples: dict[str, list[Sample]], rss: dict[str, float], starts: dict[str, tuple[float, int]],
           sweep: dict[str, list[tuple[int, float, float, float, float, float]]], reference: Reference, elapsed: float,
           smoke: bool) -> None:
    med = load.median
    direct = samples['direct']
    d_lat, d_ttft = med([s.lat_p50 for s in direct]), med([s.ttft_p50 for s in direct])
    workers = reference.command[reference.command.index('--num_workers') + 1]
    layout = ('smoke: 1 worker per proxy on both cores, the numbers mean nothing' if smoke else
              f'full: proxy on 1 core (taskset -c {PROXY_CPUS}), {workers} workers unless named')
    print(f'LiteLLM proxy benchmark ({layout}); {plan.rounds} round(s), medians; throughput at concurrency '
          f'{plan.throughput_concurrency}, added latency at concurrency 1, streams at concurrency '
          f'{plan.stream_concurrency} with a {MODEL_LATENCY * 1000:.0f} ms model')
    head = (f'{"variant":<12} {"req/s":>7} {"p50 ms":>7} {"p95 ms":>7} {"p99 ms":>7} {"added ms":>8} '
            f'{"TTFT+ ms":>8} {"CPU s/1k":>8} {"log B/req":>9} {"Redis/req":>9} {"RSS MiB":>7} {"start s":>7} '
            f'{"kills":>5} '
            f'{"errors":>6}')
    print(head)
    print('-' * len(head))
    for name, rows in samples.items():
        if name == 'direct':
            print(f'{"direct":<12} {med([s.rps for s in rows]):>7.0f} {med([s.p50 for s in rows]):>7.1f} '
                  f'{med([s.p95 for s in rows]):>7.1f} {med([s.p99 for s in rows]):>7.1f} {d_lat:>8.2f} '
                  f'{d_ttft:>8.1f} {"":>8} {"":>9} {"":>9} {"":>7} {"":>7} {"":>5} {sum(s.errors for s in rows):>6}')
            continue
        print(f'{name:<12} {med([s.rps for s in rows]):>7.0f} {med([s.p50 for s in rows]):>7.1f} '
              f'{med([s.p95 for s in rows]):>7.1f} {med([s.p99 for s in rows]):>7.1f} '
              f'{med([s.lat_p50 - d_lat for s in rows]):>8.2f} {med([s.ttft_p50 - d_ttft for s in rows]):>8.1f} '
              f'{med([s.cpu_per_1k for s in rows]):>8.2f} {med([s.log_per_req for s in rows]):>9.0f} '
              f'{med([s.redis_per_req for s in rows]):>9.1f} {rss[name]:>7.0f} '
              f'{starts[name][0]:>7.1f} {starts[name][1]:>5} '
              f'{sum(s.errors for s in rows):>6}')
    print('direct: the fake Bedrock called straight (its "added ms" and "TTFT+ ms" columns are its own p50 and time '
          'to first token, subtracted from every proxy row); Redis/req: commands the Redis nodes served per request; '
          'kills: workers uvicorn killed and respawned during start '
          f'(the benchmark sets {", ".join(f"{k}={v}" for k, v in BENCH_ENV.items())} where the task does not)')
    print()

    def thr(g: Sample, b: Sample) -> float:
        return g.rps / b.rps

    def added(g: Sample, b: Sample) -> float:
        return (g.lat_p50 - d_lat) / (b.lat_p50 - d_lat)

    for name in samples:
        if name in ('direct', 'bare', 'gateway'):
            continue
        print(f'{name}/bare: throughput {_ratio(samples, thr, name):.2f}, p50 added latency '
              f'{_ratio(samples, added, name):.2f}')
    if sweep:
        print()
        print(f'Concurrency sweep, {MODEL_LATENCY * 1000:.0f} ms model, proxy on 1 core: req/s, CPU % of the core used '
              'by the proxy (what ECS reports as the task\'s CPU) and by anything (the machine is shared), p50 and p99 '
              'added latency (ms)')
        print(f'{"variant":<12} {"conc":>5} {"req/s":>7} {"proxy %":>7} {"core %":>6} {"p50+ ms":>8} {"p99+ ms":>8}')
        for name, rows in sweep.items():
            for c, rps, busy, core, p50, p99 in rows:
                print(f'{name:<12} {c:>5} {rps:>7.0f} {busy:>7.0f} {core:>6.0f} {p50:>8.1f} {p99:>8.1f}')
            bend = _bend(rows)
            if bend:
                print(f'{name}: latency bends upward at concurrency {bend[0]} (p50 added {bend[4]:.0f} ms, more than '
                      f'twice the lowest level\'s), the proxy using {bend[2]:.0f}% of the core')
    print()
    print(f'elapsed: {elapsed:.0f} s')
    if 'gateway' in samples:
        print(f'throughput ratio gateway/bare: {_ratio(samples, thr):.2f}')
        print(f'p50 added latency ratio gateway/bare: {_ratio(samples, added):.2f}')


def _bend(rows: list[tuple[int, float, float, float, float, float]]) -> tuple[int, float, float, float, float,
                                                                              float] | None:
    """The first level whose p50 added latency is more than twice the lowest level's (and 5 ms above it)."""
    if not rows:
        return None
    base = max(rows[0][4], 0.5)
    return next((r for r in rows[1:] if r[4] > 2 * base and r[4] > base + 5), None)


if __name__ == '__main__':
    sys.exit(main())
