"""The sd_notify protocol, received on real AF_UNIX datagram sockets as systemd would."""

from __future__ import annotations

import os
import select
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from structlog.testing import capture_logs

from biddaemon import systemd
from biddaemon.sandbox import (
    DEFAULT_API_KEY,
    DEFAULT_CLIENT_ID,
    DEFAULT_PROVIDER_ID,
    SandboxConfig,
    SandboxServer,
)

BIDDAEMON = str(Path(sys.executable).with_name("biddaemon"))


class Receiver:
    """A datagram socket standing in for systemd's notification socket."""

    def __init__(self, sock: socket.socket, notify_socket: str) -> None:
        self.sock = sock
        self.notify_socket = notify_socket

    @property
    def environ(self) -> dict[str, str]:
        return {"NOTIFY_SOCKET": self.notify_socket}

    def receive(self, timeout: float = 5.0) -> str:
        self.sock.settimeout(timeout)
        data = self.sock.recv(4096)
        return data.decode("utf-8")

    def nothing_pending_within(self, seconds: float) -> bool:
        readable, _, _ = select.select([self.sock], [], [], seconds)
        return not readable

    def nothing_pending(self) -> bool:
        self.sock.setblocking(False)
        try:
            self.sock.recv(4096)
        except BlockingIOError:
            return True
        finally:
            self.sock.setblocking(True)
        return False


@pytest.fixture
def path_receiver() -> Iterator[Receiver]:
    # AF_UNIX paths are limited to about 108 bytes, so not pytest's long tmp_path.
    directory = Path(tempfile.mkdtemp(prefix="bd-notify-"))
    path = directory / "notify"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    sock.settimeout(5)
    try:
        yield Receiver(sock, str(path))
    finally:
        sock.close()
        path.unlink(missing_ok=True)
        directory.rmdir()


@pytest.fixture
def abstract_receiver() -> Iterator[Receiver]:
    name = f"biddaemon-test-{uuid.uuid4().hex}"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind("\0" + name)
    sock.settimeout(5)
    try:
        yield Receiver(sock, "@" + name)
    finally:
        sock.close()


def test_ready_reaches_a_filesystem_socket(path_receiver: Receiver) -> None:
    assert systemd.ready(environ=path_receiver.environ) is True
    assert path_receiver.receive() == "READY=1"


def test_watchdog_reaches_an_abstract_socket(abstract_receiver: Receiver) -> None:
    assert systemd.watchdog(environ=abstract_receiver.environ) is True
    assert abstract_receiver.receive() == "WATCHDOG=1"


def test_each_message_is_one_datagram_in_the_order_sent(abstract_receiver: Receiver) -> None:
    env = abstract_receiver.environ
    assert systemd.ready("reconciled 2 ballots", environ=env)
    assert systemd.watchdog(environ=env)
    assert systemd.status("next poll 14:00 UTC", environ=env)
    assert systemd.stopping(environ=env)
    assert [abstract_receiver.receive() for _ in range(4)] == [
        "READY=1\nSTATUS=reconciled 2 ballots",
        "WATCHDOG=1",
        "STATUS=next poll 14:00 UTC",
        "STOPPING=1",
    ]
    assert abstract_receiver.nothing_pending()


def test_a_multi_line_status_is_sent_as_one_line(path_receiver: Receiver) -> None:
    assert systemd.stopping("shutting down\nwaiting for the job", environ=path_receiver.environ)
    assert path_receiver.receive() == "STOPPING=1\nSTATUS=shutting down waiting for the job"


def test_the_process_environment_is_read_by_default(
    path_receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NOTIFY_SOCKET", path_receiver.notify_socket)
    assert systemd.watchdog() is True
    assert path_receiver.receive() == "WATCHDOG=1"


def test_without_notify_socket_every_call_is_a_quiet_no_op(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    with capture_logs() as logs:
        assert systemd.ready() is False
        assert systemd.watchdog() is False
        assert systemd.stopping() is False
        assert systemd.status("idle") is False
        assert systemd.notify("READY=1", environ={"NOTIFY_SOCKET": ""}) is False
    assert logs == []


def test_a_relative_socket_path_is_refused_and_logged() -> None:
    with capture_logs() as logs:
        assert systemd.ready(environ={"NOTIFY_SOCKET": "run/notify"}) is False
    assert logs[0]["event"] == "systemd notification not sent"
    assert "absolute path" in logs[0]["reason"]


def test_a_socket_nobody_listens_on_is_logged_not_raised(tmp_path: Path) -> None:
    with capture_logs() as logs:
        sent = systemd.watchdog(environ={"NOTIFY_SOCKET": str(tmp_path / "gone")})
    assert sent is False
    assert logs[0]["event"] == "systemd notification not sent"
    assert logs[0]["message"] == "WATCHDOG=1"
    assert "FileNotFoundError" in logs[0]["reason"]


@pytest.mark.parametrize("bad", ["READY", "STATUS=a\nREADY=1"])
def test_malformed_assignments_are_a_programming_error(bad: str) -> None:
    with pytest.raises(ValueError, match="KEY=value"):
        systemd.notify(bad, environ={})


def test_notify_needs_an_assignment() -> None:
    with pytest.raises(ValueError, match="at least one"):
        systemd.notify(environ={})


def test_notify_address_forms() -> None:
    assert systemd.notify_address({}) is None
    assert systemd.notify_address({"NOTIFY_SOCKET": "/run/systemd/notify"}) == (
        b"/run/systemd/notify"
    )
    assert systemd.notify_address({"NOTIFY_SOCKET": "@abc/1"}) == b"\0abc/1"
    with pytest.raises(ValueError, match="absolute path"):
        systemd.notify_address({"NOTIFY_SOCKET": "vsock:2:1234"})


def test_watchdog_interval_comes_from_watchdog_usec() -> None:
    assert systemd.watchdog_interval({"WATCHDOG_USEC": "30000000"}) == timedelta(seconds=30)
    assert systemd.watchdog_interval({"WATCHDOG_USEC": "1500"}) == timedelta(microseconds=1500)


def test_no_watchdog_when_the_period_is_absent_or_not_positive() -> None:
    assert systemd.watchdog_interval({}) is None
    assert systemd.watchdog_interval({"WATCHDOG_USEC": ""}) is None
    assert systemd.watchdog_interval({"WATCHDOG_USEC": "0"}) is None
    assert systemd.watchdog_interval({"WATCHDOG_USEC": "-5"}) is None


def test_a_malformed_period_is_ignored_with_a_warning() -> None:
    with capture_logs() as logs:
        assert systemd.watchdog_interval({"WATCHDOG_USEC": "30s"}) is None
    assert logs[0]["variable"] == "WATCHDOG_USEC"
    assert logs[0]["log_level"] == "warning"


def test_the_watchdog_belongs_to_the_pid_systemd_named() -> None:
    env = {"WATCHDOG_USEC": "20000000", "WATCHDOG_PID": str(os.getpid())}
    assert systemd.watchdog_interval(env) == timedelta(seconds=20)
    assert systemd.watchdog_interval(env, pid=os.getpid() + 1) is None
    assert systemd.watchdog_interval({**env, "WATCHDOG_PID": "x"}) is None


def test_the_process_environment_gives_the_watchdog_by_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WATCHDOG_USEC", "10000000")
    monkeypatch.setenv("WATCHDOG_PID", str(os.getpid()))
    assert systemd.watchdog_interval() == timedelta(seconds=10)
    monkeypatch.delenv("WATCHDOG_USEC")
    assert systemd.watchdog_interval() is None


def _next_message(receiver: Receiver, daemon: subprocess.Popen[bytes], timeout: float) -> str:
    """The next notification, failing early when the daemon exits instead of sending it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            return receiver.receive(timeout=0.25)
        except TimeoutError:
            if daemon.poll() is not None:
                raise AssertionError(f"the daemon exited {daemon.returncode} first") from None
    raise AssertionError(f"no notification within {timeout} s")


@pytest.mark.slow
def test_the_daemon_reports_ready_then_watchdog_then_stopping(
    path_receiver: Receiver, tmp_path: Path
) -> None:
    """`biddaemon run` under a simulated systemd: READY=1 once reconciled and scheduling, then
    WATCHDOG=1 within the watchdog period, and STOPPING=1 and exit 0 on SIGTERM."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("BIDDAEMON_", "NOTIFY_SOCKET", "WATCHDOG_"))
    }
    log_path = tmp_path / "daemon.log"
    with SandboxServer(SandboxConfig(port=0)) as sandbox, log_path.open("wb") as log:
        env.update(
            {
                "NOTIFY_SOCKET": path_receiver.notify_socket,
                "WATCHDOG_USEC": "2000000",  # 2 s: a ping is due at least every second
                "BIDDAEMON_PICLO__BASE_URL": sandbox.base_url,
                "BIDDAEMON_PICLO__CLIENT_ID": DEFAULT_CLIENT_ID,
                "BIDDAEMON_PICLO__API_KEY": DEFAULT_API_KEY,
                "BIDDAEMON_PICLO__PROVIDER_ID": DEFAULT_PROVIDER_ID,
                "BIDDAEMON_AUTO_MIGRATE": "true",
                "BIDDAEMON_HEALTH__PORT": "0",
                "BIDDAEMON_LOG_FORMAT": "json",
            }
        )
        daemon = subprocess.Popen(
            [BIDDAEMON, "run"], cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        messages: list[str] = []
        try:
            messages.append(_next_message(path_receiver, daemon, timeout=60))
            messages.append(_next_message(path_receiver, daemon, timeout=5))
            daemon.send_signal(signal.SIGTERM)
            exit_code = daemon.wait(timeout=20)
            while not path_receiver.nothing_pending_within(0.5):
                messages.append(path_receiver.receive())
        except (AssertionError, subprocess.TimeoutExpired) as failure:
            log_text = log_path.read_text()
            raise AssertionError(f"{failure}; received {messages}; log:\n{log_text}") from None
        finally:
            if daemon.poll() is None:
                daemon.kill()
                daemon.wait()

    ready, watchdog, *after_sigterm = messages
    assert ready.splitlines() == ["READY=1", "STATUS=active: bidding"]
    assert watchdog == "WATCHDOG=1"
    assert any("STOPPING=1" in message.splitlines() for message in after_sigterm), messages
    assert exit_code == 0, log_path.read_text()
