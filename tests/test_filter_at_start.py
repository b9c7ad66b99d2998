"""No unfiltered packet is captured while a filtered capture starts.

The socket is made with protocol 0 (it receives nothing), the filter and the
ring are set up, and only then is it bound; a fanout member takes nothing until
it has joined its group; in AF_XDP mode the filter is inside the XDP program.
Here non-matching frames flood the link before and during the start-up of many
short captures (a few at a time, and with -j and --xdp), each of which stops
after a few matching frames: not one non-matching frame may be in any file.
"""

from __future__ import annotations

import struct
import subprocess
import sys
import threading
import time

from zcap.fanout import part_name

from . import pcapng_check as chk
from .frames import udp_frame
from .netns import Zcap

MATCH_PORT, FLOOD_PORT = 9, 7
PER_CAPTURE = 5
FLOOD_RUN = 40                     # non-matching frames sent between two matching ones


def dport(frame: bytes) -> int:
    return struct.unpack_from("!H", frame, 14 + 20 + 2)[0]


class Flood:
    """A thread in namespace A sending FLOOD_RUN non-matching frames, then one
    matching frame, over and over, until stopped."""

    def __init__(self, veth) -> None:
        self.sock = veth.sender()
        self.stop = threading.Event()
        self.sent = 0
        self.thread = threading.Thread(target=self._run)

    def _run(self) -> None:
        other = udp_frame(1, 60, dport=FLOOD_PORT)
        match = udp_frame(2, 60, dport=MATCH_PORT)
        while not self.stop.is_set():
            for frame in [other] * FLOOD_RUN + [match]:
                try:
                    self.sock.send(frame)
                    self.sent += 1
                except BlockingIOError:    # the send buffer is full: go on flooding
                    pass
            # A pause per run leaves the 2 CPUs to the start-ups (flat out, this
            # thread slowed each one to seconds): still ~10,000 frames a second.
            time.sleep(0.002)

    def __enter__(self) -> Flood:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join()
        self.sock.close()


def start(veth, path: str, *args: str) -> Zcap:
    """zcap in namespace B, not waited for: the next one starts at once."""
    cmd = ["ip", "netns", "exec", veth.ns_b, sys.executable, "-m", "zcap", "-i", veth.if_b,
           "-w", path, "-c", str(PER_CAPTURE), *args, f"udp dst port {MATCH_PORT}"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            close_fds=True)
    veth.procs.append(proc)
    return Zcap(proc)


def test_no_unfiltered_packet_while_a_filtered_capture_starts(veth, tmp_path):
    # (extra args, captures started together, their files)
    rounds = [([], 3), (["-j", "2"], 1), (["--xdp", "--xdp-mode", "skb"], 1)]
    checked = 0
    with Flood(veth) as flood:
        for n, (args, together) in enumerate(rounds):
            sent_before = flood.sent
            paths = [str(tmp_path / f"r{n}c{i}.pcapng") for i in range(together)]
            caps = [start(veth, p, *args) for p in paths]
            for z in caps:
                assert z.wait(60) == 0, z.stderr
            # the flood really ran all through these start-ups
            assert flood.sent - sent_before > 1000, flood.sent - sent_before
            for path in paths:
                files = [part_name(path, 0), part_name(path, 1)] if "-j" in args else [path]
                frames = [p[1] for f in files for p in chk.parse(f).packets]
                assert len(frames) == PER_CAPTURE, (args, path)
                assert {dport(f) for f in frames} == {MATCH_PORT}, (args, path)
                checked += 1
    assert checked == 5
