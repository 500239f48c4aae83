"""Helpers for tests that run a real server process on this machine's loopback, or a call
that might block forever."""

from __future__ import annotations

import socket
import subprocess
import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def stop(process: subprocess.Popen, timeout: float) -> None:
    """Terminate, then kill if it does not exit within `timeout` seconds."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=timeout)


def run_with_deadline(fn: Callable[[], T], seconds: float = 20.0) -> T:
    """`fn()`, run in a daemon thread: a call still blocked after `seconds` (say reading a FIFO)
    fails the test instead of hanging the run. Its exceptions are raised here."""
    result: dict[str, Any] = {}

    def call() -> None:
        try:
            result["value"] = fn()
        except BaseException as error:  # handed to the test thread
            result["error"] = error

    thread = threading.Thread(target=call, daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        raise AssertionError(f"still blocked after {seconds} s")
    if "error" in result:
        raise result["error"]
    return result["value"]
