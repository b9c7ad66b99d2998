"""Waiting for a condition under a deadline instead of sleeping and hoping.

A fixed sleep is either too short on a loaded machine (the test flakes) or
longer than needed everywhere else; these poll for the thing the test is
really waiting for and fail with a message that says what never happened.
"""

from __future__ import annotations

import struct
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

EPB = 6


def wait_until(cond: Callable[[], T], what: str, timeout: float = 15,
               interval: float = 0.01) -> T:
    """Poll ``cond()`` until it returns something true; return that. Fails the
    test with ``what`` after ``timeout`` seconds."""
    end = time.monotonic() + timeout
    while True:
        got = cond()
        if got:
            return got
        if time.monotonic() > end:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


def packets_so_far(path: str) -> int:
    """Enhanced Packet Blocks among the whole blocks of a pcapng file that is
    still being written (missing file: 0; a block cut at the end is not counted)."""
    try:
        with open(path, "rb") as f:
            buf = f.read()
    except FileNotFoundError:
        return 0
    off = n = 0
    while off + 12 <= len(buf):
        btype, total = struct.unpack_from("=II", buf, off)
        if total < 12 or off + total > len(buf):
            break
        n += btype == EPB
        off += total
    return n


def wait_packets(path: str, count: int, timeout: float = 15) -> int:
    """Wait until the file being written holds at least ``count`` packets."""
    try:
        wait_until(lambda: packets_so_far(path) >= count, f"{count} packets in {path}",
                   timeout)
    except AssertionError as exc:
        raise AssertionError(f"{exc}; it has {packets_so_far(path)}") from None
    return packets_so_far(path)
