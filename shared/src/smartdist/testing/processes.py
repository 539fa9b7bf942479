"""The platform's production processes on this machine, for tests and on-demand scripts.

``smartdist serve <service>``, ``smartdist worker`` and ``smartdist bus relay`` started as
deploy/compose.yaml starts them (only the listen address and port differ), each with its own log
file; stopped with SIGTERM as Docker and Kubernetes stop them, or killed. ``PrivateRedis`` is a
``redis-server`` of the script's own (append-only file on, as in compose) that can be restarted
in the middle of a run without disturbing anybody else's Redis.
"""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

SMARTDIST = Path(sys.executable).with_name("smartdist")
READY_TIMEOUT_S = 120.0
STOP_TIMEOUT_S = 20.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Process:
    name: str
    argv: list[str]
    environment: dict[str, str]
    cwd: Path
    port: int | None = None
    popen: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def log(self) -> Path:
        return self.cwd / f"{self.name}.log"

    @property
    def url(self) -> str:
        assert self.port is not None, f"{self.name} listens on no port"
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Process:
        """Start (or start again, appending to the same log)."""
        argv = [str(SMARTDIST), *self.argv[1:]] if self.argv[0] == "smartdist" else self.argv
        with self.log.open("ab") as sink:
            self.popen = subprocess.Popen(
                argv, env=self.environment, stdout=sink, stderr=subprocess.STDOUT, cwd=self.cwd
            )
        return self

    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""

    def stop(self, sig: signal.Signals = signal.SIGTERM) -> int | None:
        """Stop with ``sig`` (SIGTERM: graceful; SIGKILL: a crash); the exit code."""
        if self.popen is None:
            return None
        if self.popen.poll() is None:
            self.popen.send_signal(sig)
        try:
            return self.popen.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait(5)
            raise AssertionError(f"{self.name} ignored {sig.name} for {STOP_TIMEOUT_S} s\n{self.log_tail()}") from None

    def wait_until_ready(self, timeout_s: float = READY_TIMEOUT_S) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if not self.running():
                code = self.popen.returncode if self.popen else None
                raise AssertionError(f"{self.name} exited with {code}\n{self.log_tail()}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.25)
        raise AssertionError(f"{self.name} not ready in {timeout_s} s\n{self.log_tail()}")


def serve(name: str, environment: dict[str, str], cwd: Path) -> Process:
    """``smartdist serve <name>`` on a free local port (not started yet)."""
    port = free_port()
    argv = ["smartdist", "serve", name, "--host", "127.0.0.1", "--port", str(port)]
    return Process(name, argv, environment, cwd, port=port)


@dataclass
class PrivateRedis:
    """A redis-server of one's own on a free port, keeping its data in an append-only file."""

    directory: Path
    port: int = field(default_factory=free_port)
    popen: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> PrivateRedis:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed")
        self.directory.mkdir(parents=True, exist_ok=True)
        argv = [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.directory)]
        argv += ["--appendonly", "yes", "--appendfsync", "always", "--save", ""]
        with (self.directory / "redis.log").open("ab") as sink:
            self.popen = subprocess.Popen(argv, stdout=sink, stderr=subprocess.STDOUT)
        self._wait()
        return self

    def stop(self) -> None:
        if self.popen is not None and self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            self.popen.wait(STOP_TIMEOUT_S)

    def restart(self) -> float:
        """Stop and start again; the seconds it was away."""
        began = time.monotonic()
        self.stop()
        self.start()
        return time.monotonic() - began

    def _wait(self) -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as connection:
                    connection.sendall(b"PING\r\n")
                    if connection.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"redis-server on port {self.port} did not start")
