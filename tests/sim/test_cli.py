"""`serve` is importable and runnable without the main CLI, and answers on loopback."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from spacetraders.cli.sim import app
from tests.simserver import free_port


def test_serve_help_lists_the_options():
    result = CliRunner().invoke(app, ["serve", "--help"])
    assert result.exit_code == 0
    for option in ("--host", "--port", "--seed", "--time-scale", "--universe", "--probes", "--no-rate-limit"):
        assert option in result.output


def test_serve_rejects_a_missing_universe_file(tmp_path: Path):
    result = CliRunner().invoke(app, ["serve", "--universe", str(tmp_path / "nope.json")])
    assert result.exit_code == 2


@pytest.mark.slow
def test_serve_runs_on_a_loopback_port():
    port = free_port()
    code = "from spacetraders.cli.sim import app; app()"
    proc = subprocess.Popen(
        [sys.executable, "-c", code, "serve", "--port", str(port), "--seed", "4", "--no-rate-limit"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/_sim/health", timeout=1)
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.stderr.read() if proc.stderr else "server exited"
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.1)
        assert health.json()["status"] == "ok"
        status = httpx.get(f"http://127.0.0.1:{port}/v2/", timeout=5)
        assert status.status_code == 200 and len(status.headers.get_list("date")) == 1
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=10)
    assert f"SPACETRADERS_API_URL=http://127.0.0.1:{port}/v2" in out


@pytest.mark.slow
def test_serve_with_global_json_prints_one_json_document():
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "spacetraders.cli.main", "--json", "sim", "serve", "--port", str(port), "--seed", "4"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert proc.stdout is not None
        first = json.loads(proc.stdout.readline())
    finally:
        proc.terminate()
        proc.communicate(timeout=10)
    assert first["api_url"] == f"http://127.0.0.1:{port}/v2" and first["rate_limit"] is True
