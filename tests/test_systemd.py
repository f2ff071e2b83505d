"""The sd_notify protocol, received on real AF_UNIX datagram sockets as systemd would."""

from __future__ import annotations

import os
import socket
import tempfile
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from structlog.testing import capture_logs

from biddaemon import systemd


class Receiver:
    """A datagram socket standing in for systemd's notification socket."""

    def __init__(self, sock: socket.socket, notify_socket: str) -> None:
        self.sock = sock
        self.notify_socket = notify_socket

    @property
    def environ(self) -> dict[str, str]:
        return {"NOTIFY_SOCKET": self.notify_socket}

    def receive(self) -> str:
        data = self.sock.recv(4096)
        return data.decode("utf-8")

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
