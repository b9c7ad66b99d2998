"""What the reliability benches (soak, faults, argfuzz) share: the paced
sender, the kernel's rx counter, Wireshark's packet count, a frame no filter
for `udp` takes, and zcap on a terminal of its own.

The benches drive zcap through its command line only, so they stay valid
whatever its insides become.
"""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from tests.netns import MAC_A, MAC_ELSEWHERE, VethPair, Zcap  # noqa: E402

# An ARP-typed frame with a zero body, for no host: `udp` rejects it.
REJECTED_FRAME = (bytes.fromhex(MAC_ELSEWHERE.replace(":", "")) +
                  bytes.fromhex(MAC_A.replace(":", "")) + b"\x08\x06" + bytes(46))


def build_pace(workdir: str) -> str:
    """Compile the paced sender (bench/pace.c) into ``workdir``; returns its path."""
    pace = os.path.join(workdir, "pace")
    subprocess.run(["gcc", "-O2", "-o", pace, str(HERE / "pace.c")], check=True, timeout=60)
    return pace


def rx_packets(ns: str, ifname: str) -> int:
    """The interface's received-frames counter, as the kernel keeps it."""
    out = subprocess.run(["ip", "-j", "-s", "-n", ns, "link", "show", "dev", ifname],
                         capture_output=True, text=True, check=True, timeout=30).stdout
    return json.loads(out)[0]["stats64"]["rx"]["packets"]


def wireshark_count(path: Path, whole: bool = True) -> int:
    """Packets Wireshark's file reader finds in ``path`` (capinfos: tshark's reader
    without its second of start-up); if ``whole``, fails on any error it reports."""
    res = subprocess.run(["capinfos", "-M", "-c", str(path)], capture_output=True, text=True,
                         timeout=300)
    m = re.search(r"Number of packets:\s+(\d+)", res.stdout)
    assert m, f"capinfos cannot read {path}: {res.stderr.strip()}"
    assert not whole or (res.returncode == 0 and not res.stderr.strip()), \
        f"capinfos on {path}: {res.stderr.strip()}"
    return int(m.group(1))


@contextmanager
def zcap_on_terminal(pair: VethPair, *args: str) -> Iterator[tuple[Zcap, int]]:
    """zcap in namespace B with a pseudo-terminal for stdin and stdout (the
    --tui screen and its keys); yields it and the terminal's master side, to
    which keys can be written. A thread reads the screen so it never fills."""
    master, slave = pty.openpty()
    screen = None
    try:
        proc = subprocess.Popen(["ip", "netns", "exec", pair.ns_b, sys.executable, "-m",
                                 "zcap", *args], stdin=slave, stdout=slave,
                                stderr=subprocess.PIPE, close_fds=True,
                                env={**os.environ, "TERM": "xterm", "COLUMNS": "100",
                                     "LINES": "40"})
        pair.procs.append(proc)
        os.close(slave)
        slave = -1
        screen = threading.Thread(target=_read_all, args=(master,), daemon=True)
        screen.start()
        z = Zcap(proc)
        z.wait_listening()
        yield z, master
    finally:
        if slave >= 0:
            os.close(slave)
        os.close(master)
        if screen is not None:
            screen.join(5)


def _read_all(fd: int) -> None:
    try:
        while os.read(fd, 65536):
            pass
    except OSError:           # EIO once zcap has gone and the terminal is closed
        pass
