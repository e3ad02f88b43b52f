"""The benchmark's load generator and process meters: bounded, self-stopping, loopback only.

``closed_loop`` keeps ``concurrency`` requests in flight until ``seconds`` have passed (each request bounded by
``timeout``), so a pass never outlives ``seconds + timeout``. ``ProcessTree`` reads a proxy's processes (its session)
from /proc: CPU seconds and peak resident memory per process, with no package beyond the standard library.
"""
from __future__ import annotations

import asyncio
import json
import os
import statistics
import time
from dataclasses import dataclass, field
from typing import Awaitable, Callable

import aiohttp

_TICKS = os.sysconf('SC_CLK_TCK')


@dataclass
class Pass:
    """What one pass measured: per-request latencies (s) and times to first token (s, streams only)."""
    seconds: float
    latencies: list[float] = field(default_factory=list)
    ttfts: list[float] = field(default_factory=list)
    errors: int = 0
    first_error: str = ''
    completed: int = 0  # requests that ended inside the window
    log_bytes: int = 0  # what the proxy logged meanwhile
    redis_commands: int = 0  # what Redis served meanwhile

    @property
    def rps(self) -> float:
        return self.completed / self.seconds if self.seconds else 0.0

    def pct(self, q: float, values: list[float] | None = None) -> float:
        """The q-th percentile in ms (nearest rank), NaN without samples."""
        data = sorted(self.latencies if values is None else values)
        if not data:
            return float('nan')
        return data[min(len(data) - 1, max(0, round(q / 100 * len(data)) - 1))] * 1000

    def ttft_p50(self) -> float:
        return self.pct(50, self.ttfts)


Request = Callable[[aiohttp.ClientSession], Awaitable[float | None]]


async def closed_loop(request: Request, concurrency: int, seconds: float, timeout: float = 30.0,
                      max_requests: int | None = None) -> Pass:
    """``concurrency`` workers each send ``request`` back to back until ``seconds`` pass (or ``max_requests`` are
    done). Throughput counts the requests that ended inside the window; latency every request that started in it,
    waited for, so that a stall at the end of a pass is not left out."""
    result = Pass(seconds)
    connector = aiohttp.TCPConnector(limit=0, force_close=False)
    budget = [max_requests if max_requests is not None else -1]
    done = [0]
    client_timeout = aiohttp.ClientTimeout(total=timeout)
    async with aiohttp.ClientSession(connector=connector, timeout=client_timeout) as session:
        start = time.perf_counter()
        deadline = start + seconds

        async def worker() -> None:
            while time.perf_counter() < deadline and budget[0] != 0:
                if budget[0] > 0:
                    budget[0] -= 1
                t0 = time.perf_counter()
                try:
                    ttft = await request(session)
                except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as e:
                    result.errors += 1
                    result.first_error = result.first_error or f'{type(e).__name__}: {e}'[:300]
                    continue
                t1 = time.perf_counter()
                result.latencies.append(t1 - t0)
                if t1 <= deadline or max_requests is not None:
                    done[0] += 1
                if ttft is not None:
                    result.ttfts.append(ttft - t0)

        await asyncio.wait_for(asyncio.gather(*(worker() for _ in range(concurrency))), seconds + timeout + 5)
        if max_requests is not None:
            result.seconds = time.perf_counter() - start
    result.completed = done[0]
    return result


def chat_request(url: str, key: str, model: str, stream: bool = False) -> Request:
    """A chat completion through the proxy (OpenAI API); with ``stream``, returns the time of the first content."""
    body = {'model': model, 'messages': [{'role': 'user', 'content': 'Benchmark: say hello.'}], 'max_tokens': 64}
    if stream:
        body['stream'] = True
    headers = {'Authorization': f'Bearer {key}'}

    async def send(session: aiohttp.ClientSession) -> float | None:
        async with session.post(f'{url}/v1/chat/completions', json=body, headers=headers) as resp:
            if resp.status != 200:
                raise ValueError(f'HTTP {resp.status}: {(await resp.text())[:200]}')
            if not stream:
                await resp.read()
                return None
            first = None
            async for line in resp.content:
                if first is None and line.startswith(b'data: {') and _has_content(line[6:]):
                    first = time.perf_counter()
            if first is None:
                raise ValueError('the stream carried no content')
            return first

    return send


def _has_content(data: bytes) -> bool:
    try:
        choices = json.loads(data).get('choices') or []
    except ValueError:
        return False
    return any((c.get('delta') or {}).get('content') for c in choices)


def bedrock_request(endpoint: str, model_id: str, stream: bool = False) -> Request:
    """The same call straight to the fake Bedrock (Converse / ConverseStream): the floor the proxy adds to."""
    body = {'messages': [{'role': 'user', 'content': [{'text': 'Benchmark: say hello.'}]}],
            'inferenceConfig': {'maxTokens': 64}}
    url = f'{endpoint}/model/{model_id}/{"converse-stream" if stream else "converse"}'

    async def send(session: aiohttp.ClientSession) -> float | None:
        async with session.post(url, json=body) as resp:
            if resp.status != 200:
                raise ValueError(f'HTTP {resp.status}')
            if not stream:
                await resp.read()
                return None
            first = None
            async for chunk in resp.content.iter_any():
                if first is None and b'contentBlockDelta' in chunk:
                    first = time.perf_counter()
            return first

    return send


def run(coro: Awaitable[Pass]) -> Pass:
    return asyncio.run(coro)  # type: ignore[arg-type]


class ProcessTree:
    """The processes of one session (a proxy started with ``start_new_session``): its master and workers."""

    def __init__(self, leader: int):
        self.leader = leader

    def pids(self) -> list[int]:
        out = []
        for name in os.listdir('/proc'):
            if not name.isdigit():
                continue
            stat = _stat(int(name))
            if stat and int(stat[3]) == self.leader:  # field 6 of /proc/pid/stat: the session id
                out.append(int(name))
        return out

    def cpu_seconds(self) -> float:
        """User plus system CPU of every live process of the session (its workers included)."""
        total = 0
        for pid in self.pids():
            stat = _stat(pid)
            if stat:
                total += int(stat[11]) + int(stat[12])  # utime, stime
        return total / _TICKS

    def peak_rss_mib(self) -> dict[int, float]:
        """Each process's high-water resident memory (VmHWM) in MiB."""
        out = {}
        for pid in self.pids():
            try:
                with open(f'/proc/{pid}/status') as f:
                    for line in f:
                        if line.startswith('VmHWM:'):
                            out[pid] = int(line.split()[1]) / 1024
            except OSError:
                pass
        return out

    def peak_worker_rss_mib(self) -> float:
        """The largest peak among the processes that serve requests: every process but the master when it has
        children (uvicorn's supervisor), else the master itself (one worker serves in the main process)."""
        rss = self.peak_rss_mib()
        workers = {pid: v for pid, v in rss.items() if pid != self.leader}
        return max((workers or rss).values(), default=float('nan'))


def core_busy_seconds(cpu: int) -> float:
    """Seconds core ``cpu`` spent on anything but idle and iowait since boot (/proc/stat), whoever ran there."""
    with open('/proc/stat') as f:
        for line in f:
            if line.startswith(f'cpu{cpu} '):
                ticks = [int(x) for x in line.split()[1:]]
                return (sum(ticks) - ticks[3] - ticks[4]) / _TICKS
    raise ValueError(f'no cpu{cpu} in /proc/stat')


def _stat(pid: int) -> list[str] | None:
    """/proc/pid/stat from field 3 on (the command name may hold spaces; it ends at the last ')')."""
    try:
        with open(f'/proc/{pid}/stat') as f:
            text = f.read()
    except OSError:
        return None
    return text[text.rindex(')') + 2:].split()


def median(values: list[float]) -> float:
    values = [v for v in values if v == v]
    return statistics.median(values) if values else float('nan')
