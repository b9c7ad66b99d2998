"""The filter tests' one kernel fixture: a veth pair between two network
namespaces made for this run (unique names, addresses from 198.18.0.0/15 only),
removed at the end even when a test fails. Nothing outside them is touched."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass

import pytest


@dataclass(frozen=True)
class FilterVeth:
    """rx_if lives in rx_ns, tx_if in tx_ns; both are up."""

    rx_ns: str
    tx_ns: str
    rx_if: str
    tx_if: str


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=20)


@pytest.fixture(scope="session")
def filter_veth() -> Iterator[FilterVeth]:
    if os.geteuid() != 0 or shutil.which("ip") is None:
        pytest.skip("needs root and iproute2 to build network namespaces")
    tag = f"zf{os.getpid() % 100000}"
    pair = FilterVeth(f"{tag}rx", f"{tag}tx", f"{tag}a", f"{tag}b")
    try:
        _ip("netns", "add", pair.rx_ns)
        _ip("netns", "add", pair.tx_ns)
        _ip("link", "add", pair.rx_if, "netns", pair.rx_ns, "type", "veth", "peer", "name",
            pair.tx_if, "netns", pair.tx_ns)
        for ns, dev, addr in ((pair.rx_ns, pair.rx_if, "198.18.0.1/30"),
                              (pair.tx_ns, pair.tx_if, "198.18.0.2/30")):
            _ip("-n", ns, "addr", "add", addr, "dev", dev)
            _ip("-n", ns, "link", "set", dev, "up")
        yield pair
    finally:
        for ns in (pair.rx_ns, pair.tx_ns):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, timeout=20)
