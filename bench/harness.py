"""The benchmark's machinery: servers on loopback, a small HTTP client, wrk, medians.

Every web figure is a ratio to the floor (a bare Flask "hello" under the same
gunicorn configuration) measured in the same run: `interleaved` runs floor and
case alternately, three pairs by default, and reports the median of the
per-pair ratios with their spread. Absolute numbers on a shared 2-core machine
mean little; the ratios are what to compare from run to run.
"""

import contextlib
import http.client
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
GUNICORN_CONFIG = ROOT / "deploy" / "gunicorn.conf.py"
SECONDS = float(os.environ.get("BENCH_SECONDS", "5"))
PAIRS = int(os.environ.get("BENCH_PAIRS", "3"))
CONNECTIONS = 16


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    port: int
    process: subprocess.Popen
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []


@contextlib.contextmanager
def gunicorn(
    app_spec: str,
    env: dict,
    workers: int = 2,
    timeout: int | None = None,
    access_log: Path | None = None,
):
    """A gunicorn server with the repository's production configuration, on loopback.
    `access_log`: a file for one line per request, "METHOD PATH STATUS MICROSECONDS"
    (gunicorn's request time, the server's side of each request)."""
    port = free_port()
    log = Path(tempfile.mkstemp(prefix="bench-gunicorn-", suffix=".log")[1])
    command = [
        sys.executable, "-m", "gunicorn", "--config", str(GUNICORN_CONFIG),
        "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
        "--access-logfile", str(access_log or "/dev/null"),
    ]  # fmt: skip
    if access_log:
        command += ["--access-logformat", "%(m)s %(U)s %(s)s %(D)s"]
    if timeout:
        command += ["--timeout", str(timeout)]
    with log.open("w") as output:
        process = subprocess.Popen(
            [*command, app_spec],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": f"{ROOT}:{BENCH}", **env},
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(port, process, log)
    try:
        _wait_until_serving(server)
        _warm_up(server)
        yield server
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _wait_until_serving(server: Server, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"gunicorn stopped:\n{server.log.read_text()[-3000:]}")
        with contextlib.suppress(OSError):
            socket.create_connection(("127.0.0.1", server.port), timeout=1).close()
            return
        time.sleep(0.1)
    raise RuntimeError(f"gunicorn did not start:\n{server.log.read_text()[-3000:]}")


def _warm_up(server: Server) -> None:
    """Workers load the app after the port opens: the first requests must not be measured."""
    for _ in range(20):
        Client(server).get("/")


class Client:
    """A browser's minimum: cookies (Secure ones too, this is loopback) and forms."""

    def __init__(self, server: Server):
        self.server = server
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: bytes | None = None, headers=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=600)
        sent = dict(headers or {})
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        connection.request(method, path, body=body, headers=sent)
        response = connection.getresponse()
        data = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        connection.close()
        return response.status, response.headers, data

    def get(self, path: str):
        return self.request("GET", path)

    def post_form(self, path: str, fields: dict):
        body = urlencode(fields).encode()
        return self.request(
            "POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"}
        )

    def csrf_token(self, path: str) -> str:
        status, _headers, page = self.get(path)
        match = re.search(rb'(?:name="csrf_token" [^>]*value|data-csrf)="([^"]+)"', page)
        if status != 200 or match is None:
            raise RuntimeError(f"no CSRF token on {path} (HTTP {status})")
        return match.group(1).decode()


@dataclass
class WrkResult:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int


def wrk(url: str, script: Path | None = None, env: dict | None = None) -> WrkResult:
    """One wrk run (2 threads, 16 connections) of SECONDS seconds."""
    command = [
        "wrk",
        "-t2",
        f"-c{CONNECTIONS}",
        f"-d{int(SECONDS)}s",
        "--latency",
        "--timeout",
        "30s",
    ]
    if script:
        command += ["-s", str(script)]
    output = subprocess.run(
        [*command, url],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **(env or {})},
        timeout=SECONDS + 120,
    ).stdout
    errors = 0
    match = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors += int(match.group(1)) if match else 0
    match = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    errors += sum(int(number) for number in match.groups()) if match else 0
    return WrkResult(
        requests_per_second=float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        p50_ms=_latency(output, "50%"),
        p99_ms=_latency(output, "99%"),
        errors=errors,
    )


def _latency(output: str, percentile: str) -> float:
    value, unit = re.search(rf"{percentile}\s+([\d.]+)(us|ms|s)\b", output).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def require_wrk() -> None:
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install wrk")


@dataclass
class Comparison:
    """Case against the floor, PAIRS interleaved runs."""

    ratios: list[float] = field(default_factory=list)
    floor_rps: list[float] = field(default_factory=list)
    case: list[WrkResult] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        return statistics.median(self.ratios)

    @property
    def spread(self) -> str:
        return f"{min(self.ratios):.1%}–{max(self.ratios):.1%}"

    @property
    def p50_ms(self) -> float:
        return statistics.median(result.p50_ms for result in self.case)

    @property
    def p99_ms(self) -> float:
        return statistics.median(result.p99_ms for result in self.case)

    @property
    def errors(self) -> int:
        return sum(result.errors for result in self.case)


def interleaved(floor_url: str, run_case, before_each=None) -> Comparison:
    """Floor, case, floor, case...: the ratio of each pair, so both see the same machine."""
    comparison = Comparison()
    for _ in range(PAIRS):
        floor = wrk(floor_url)
        if before_each:
            before_each()
        case = run_case()
        comparison.floor_rps.append(floor.requests_per_second)
        comparison.case.append(case)
        comparison.ratios.append(case.requests_per_second / floor.requests_per_second)
    return comparison
