"""Shared fixtures. Kernel tests use `veth`: two namespaces joined by a veth
pair, always removed, also when the test fails."""

import os
import shutil

import pytest

from .netns import create_pair, destroy_pair


def kernel_test_reason() -> str | None:
    if os.geteuid() != 0:
        return "needs root (network namespaces, AF_PACKET sockets)"
    if not shutil.which("ip"):
        return "needs iproute2's `ip` to run zcap inside a namespace"
    return None


@pytest.fixture
def veth():
    reason = kernel_test_reason()
    if reason:
        pytest.skip(reason)
    pair = create_pair()
    try:
        yield pair
    finally:
        destroy_pair(pair)
