"""The test hosts clean up after themselves: namespaces go away when a test
or bench process is ended by SIGTERM, and those of a process killed outright
are removed by the next one."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from . import netns

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="network namespaces need root")


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    assert not os.path.exists(f"/proc/{proc.pid}")
    return proc.pid


def test_namespaces_of_a_vanished_process_are_removed():
    pid = _dead_pid()
    names = [f"zcap-a-{pid}x0", f"zcap-b-{pid}x0"]
    for name in names:
        subprocess.run(["ip", "netns", "add", name], check=True, timeout=30)
    try:
        netns._remove_orphans()
        assert not set(names) & set(netns.netns.listnetns())
    finally:
        for name in names:
            subprocess.run(["ip", "netns", "delete", name], capture_output=True, timeout=30)


def test_sigterm_runs_the_clean_up():
    code = ("import sys, time\nfrom tests import netns\np = netns.create_pair()\n"
            "try:\n    print(p.ns_a, p.ns_b, flush=True)\n    time.sleep(60)\n"
            "finally:\n    netns.destroy_pair(p)\n")
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE,
                            text=True)
    try:
        names = proc.stdout.readline().split()
        assert len(names) == 2 and set(names) <= set(netns.netns.listnetns())
        proc.terminate()
        assert proc.wait(timeout=30) == 128 + 15
        assert not set(names) & set(netns.netns.listnetns())
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
