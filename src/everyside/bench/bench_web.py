"""`everyside bench web`: build (once) a big synthetic SQLite database — 1,000,000 articles in
50,000 stories, titles and snippets recombined from the dev files in ../shared/data — serve it
on 127.0.0.1 with uvicorn, and load the home and story pages with `wrk` (50 connections, a few
seconds each). Prints requests/s and p95 latency seen by the clients, plus p95 server time
measured from the `Server-Timing` header of sequential requests. A benchmark, never a test.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import typer

from everyside.bench.commands import bench_app as app
from everyside.bench.commands import console
from everyside.errors import ConfigError

LUA_STORY = """
math.randomseed(os.time())
request = function()
  return wrk.format("GET", "/story/" .. math.random(1, {stories}))
end
"""
LUA_DONE = """
done = function(summary, latency, requests)
  io.write(string.format("ES_RESULT %d %f %f %f %d\\n", summary.requests,
    summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    summary.errors.status + summary.errors.connect + summary.errors.read
      + summary.errors.timeout))
end
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start_server(db: Path, port: int, workers: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "EVERYSIDE_DATABASE_URL": f"sqlite:///{db}",
        "EVERYSIDE_DATA_DIR": str(db.parent),
        "EVERYSIDE_LOG_LEVEL": "WARNING",
    }
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "everyside.web.app:create_app_from_environment",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    import httpx

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/-/health", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.terminate()
    raise ConfigError(
        "bench web: the server did not start within 60 s; see "
        f"{proc.stderr.read().decode()[-2000:] if proc.stderr else ''}"
    )


def _server_times(base: str, paths: list[str]) -> list[float]:
    """Server time (ms) of each request, from the Server-Timing header, one at a time."""
    import httpx

    out = []
    with httpx.Client(base_url=base, timeout=30) as client:
        for p in paths:
            r = client.get(p)
            m = re.search(r"dur=([0-9.]+)", r.headers.get("server-timing", ""))
            if r.status_code == 200 and m:
                out.append(float(m.group(1)))
    return out


def _wrk(base: str, path: str, seconds: int, connections: int, stories: int) -> dict[str, float]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        script = (LUA_STORY.format(stories=stories) if path == "story" else "") + LUA_DONE
        f.write(script)
    url = base + ("/" if path == "story" else path)
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", f.name, url]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60).stdout
    Path(f.name).unlink()
    m = re.search(r"ES_RESULT (\d+) ([0-9.]+) ([0-9.]+) ([0-9.]+) (\d+)", out)
    if not m:
        raise ConfigError(f"bench web: could not read wrk's output:\n{out}")
    n, dur, p50, p95, errors = m.groups()
    return {
        "requests": int(n),
        "rps": int(n) / float(dur),
        "p50_ms": float(p50),
        "p95_ms": float(p95),
        "errors": int(errors),
    }


def _cpu_seconds(root: int) -> float:
    """CPU time (user + system) of the server: the uvicorn process and its worker children.

    Under contention from other processes this is the steadier figure: requests/s on an idle
    machine is about (cores x 1000) / (CPU ms per request), minus what the load tool uses."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(stat.parent.name), int(fields[1])
        if pid == root or ppid == root:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 20 else max(values)


@app.command("web")
def bench_web(
    db: Path = typer.Option(
        Path(tempfile.gettempdir()) / "everyside-bench-web" / "bench.db",
        "--db",
        help="SQLite file; built when missing.",
    ),
    articles: int = typer.Option(1_000_000, help="Articles in a newly built database."),
    stories: int = typer.Option(50_000, help="Stories in a newly built database."),
    seconds: int = typer.Option(10, min=1, max=120, help="Load duration per page."),
    connections: int = typer.Option(50, min=1, max=1000, help="Concurrent clients."),
    workers: int = typer.Option(2, min=1, max=32, help="uvicorn worker processes."),
    rebuild: bool = typer.Option(False, help="Rebuild the database even if it exists."),
) -> None:
    """Build a big SQLite database and measure the home and story pages under load."""
    from everyside.bench.web_data import build_bench_db, story_count

    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request otherwise
    if shutil.which("wrk") is None:
        raise ConfigError("bench web needs wrk: apt-get install -y wrk")
    if rebuild or not db.exists():
        console.print(f"building {db} ({articles:,} articles, {stories:,} stories)...")
        t0 = time.perf_counter()
        build_bench_db(db, articles, stories, progress=lambda m: console.print("  " + m))
        console.print(
            f"built in {time.perf_counter() - t0:.0f} s, {db.stat().st_size / 1e9:.2f} GB"
        )
    n_stories = story_count(db)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    proc = _start_server(db, port, workers)
    try:
        _report(base, n_stories, seconds, connections, workers, proc.pid)
    finally:
        proc.terminate()
        proc.wait(30)


def _report(
    base: str, n_stories: int, seconds: int, connections: int, workers: int, server_pid: int
) -> None:
    import random

    from rich.table import Table

    rng = random.Random(7)
    table = Table(title=f"web: {connections} clients, {seconds} s per page, {workers} workers")
    for col in (
        "page",
        "requests/s",
        "client p50 ms",
        "client p95 ms",
        "errors",
        "server p95 ms (sequential)",
        "server CPU ms / request",
    ):
        table.add_column(col, justify="right")
    for name, path in (("home", "/"), ("story", "story")):
        seq = (
            ["/"] * 100
            if path == "/"
            else [f"/story/{rng.randint(1, n_stories)}" for _ in range(300)]
        )
        _server_times(base, seq[:20])  # warm the caches
        server = _server_times(base, seq)
        cpu0 = _cpu_seconds(server_pid)
        r = _wrk(base, path, seconds, connections, n_stories)
        cpu = (_cpu_seconds(server_pid) - cpu0) * 1000 / max(1, r["requests"])
        table.add_row(
            name,
            f"{r['rps']:.0f}",
            f"{r['p50_ms']:.1f}",
            f"{r['p95_ms']:.1f}",
            str(r["errors"]),
            f"{_p95(server):.1f}",
            f"{cpu:.2f}",
        )
    console.print(table)
