"""`everyside up` as a user runs it: a real process that serves and ingests, then stops cleanly."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_health(base: str, proc: subprocess.Popen, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"everyside up exited early: {proc.stderr.read()}")
        try:
            if httpx.get(f"{base}/-/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError("everyside up did not become healthy")


@pytest.mark.slow
def test_up_serves_and_runs_the_ingest_loop(tmp_path):
    port = _free_port()
    env = {
        **os.environ,
        "EVERYSIDE_DATA_DIR": str(tmp_path),
        "EVERYSIDE_CONFIG": str(tmp_path / "none.toml"),
        "EVERYSIDE_BUNDLED_FEEDS": "0",  # no network here: an empty feed list, a real loop
    }
    env.pop("EVERYSIDE_DATABASE_URL", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "everyside", "up", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_health(base, proc)
        home = httpx.get(base + "/", timeout=10)
        assert home.status_code == 200 and "text/html" in home.headers["content-type"]
        assert (tmp_path / "everyside.db").exists()  # SQLite in the data dir by default
        deadline = time.monotonic() + 180  # a loaded CI machine syncs the directory slowly
        while time.monotonic() < deadline:  # the ingest thread records each round's totals
            body = httpx.get(base + "/-/metrics", timeout=5).text
            if "everyside_ingest_feeds_total" in body:
                break
            time.sleep(0.5)
        else:
            raise AssertionError("no ingest round was recorded in /-/metrics")
        assert "everyside_cluster_latency_s" in body
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    assert proc.returncode == 0, proc.stderr.read()


@pytest.mark.slow
def test_serve_only(tmp_path):
    port = _free_port()
    env = {
        **os.environ,
        "EVERYSIDE_DATA_DIR": str(tmp_path),
        "EVERYSIDE_CONFIG": str(tmp_path / "none.toml"),
    }
    env.pop("EVERYSIDE_DATABASE_URL", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "everyside", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_health(f"http://127.0.0.1:{port}", proc)
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
    assert proc.returncode == 0
    # the URL is announced once the server listens (issue 18: `make run` says when it is ready)
    assert f"everyside is ready: open http://127.0.0.1:{port}" in proc.stdout.read()
