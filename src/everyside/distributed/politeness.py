"""Per-host politeness shared by every worker: one reservation per request in Redis.

`SharedHostGate` is the ingest fetcher's `HostGate` whose turns live in Redis instead of in the
process. A Lua script (atomic on the Redis server, with the server's clock) reserves the next
start time of a host: `start = max(now, next[host])`, `next[host] = start + delay`, and returns
how long to wait. Requests to one host from any number of workers therefore start at least
`politeness_delay` apart: a token bucket of one token refilled every `delay` seconds, exact
rather than approximate. The per-host concurrency cap (`per_host_concurrency`) stays per
process. Keys expire a second after their last reserved turn, so Redis holds only active hosts.
"""

from __future__ import annotations

import asyncio
from typing import Any

from everyside.ingest.fetch import HostGate

RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local nxt = tonumber(redis.call('GET', KEYS[1]) or '0')
local start = math.max(now, nxt)
local ttl = math.floor((start - now + tonumber(ARGV[1])) / 1000) + tonumber(ARGV[2])
redis.call('SET', KEYS[1], tostring(start + tonumber(ARGV[1])), 'PX', ttl)
return start - now
"""


class SharedHostGate(HostGate):
    def __init__(self, redis_url: str, per_host: int, delay: float, namespace: str = "everyside"):
        super().__init__(per_host, delay)
        import redis.asyncio as aioredis

        self.redis: Any = aioredis.Redis.from_url(redis_url, socket_timeout=10)
        self.script = self.redis.register_script(RESERVE)
        self.prefix = f"{namespace}:turn:"
        self.delay_us = int(delay * 1_000_000)
        self.ttl_ms = 1000  # kept this long after the last reserved turn

    async def wait_turn(self, host: str) -> None:
        if self.delay_us <= 0:
            return
        wait_us = await self.script(keys=[self.prefix + host], args=[self.delay_us, self.ttl_ms])
        if int(wait_us) > 0:
            await asyncio.sleep(int(wait_us) / 1_000_000)

    async def aclose(self) -> None:
        await self.redis.aclose()
