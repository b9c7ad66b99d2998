"""Compiled programs attached to a real AF_PACKET socket on a veth pair.

Each end of the pair lives in a network namespace made for this run (the
filter_veth fixture of conftest.py). Frames, tagged ones included (outer tags
the kernel strips and one it leaves in the frame), are sent from one end; on
the other, a socket per program must receive exactly the frames the program
accepts (computed with the reference interpreter, the outer tag given as the
kernel reports it), and so must a socket with libpcap's live program for the
same expression, as a running tcpdump would attach it.
"""

from __future__ import annotations

import json
import struct
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

import bpf_filters as bf

if TYPE_CHECKING:
    from conftest import FilterVeth

HELPER = str(Path(__file__).with_name("filter_netns_helper.py"))
MARK = b"zcapflt!"
# Sent after the test frames: the receiver stops once it has it (no MARK in it,
# so no program's verdict on it counts).
END_FRAME = bytes.fromhex("02000000000a02000000000b88b5") + b"zcap: end of test frames".ljust(46)


# Outer tag sets: (TPID, VID). The kernel takes an outer 802.1Q or 802.1ad tag
# out of the frame; a 0x9100 one stays in it, as do inner tags.
TAGS = [[], [(0x8100, 10)], [(0x8100, 20)], [(0x8100, 10), (0x8100, 20)], [(0x8100, 0)],
        [(0x88A8, 10), (0x8100, 20)], [(0x9100, 10)], [(0x9100, 20), (0x8100, 10)]]
STRIPPED = (0x8100, 0x88A8)

EXPRS = [
    "udp port 53", "vlan", "vlan 10", "vlan 20", "vlan and ip", "vlan 10 and udp",
    "not vlan and ip", "vlan and vlan 20 and ip", "ip6 or arp", "vlan 10 and arp",
    "inbound and tcp port 80", "vlan 0 and ip", "not vlan and udp", "vlan and udp port 53",
    "vlan and udp port 9", "vlan 10 or vlan 20", "not vlan and udp port 9",
    "vlan and vlan", "(vlan 10 or vlan 20) and tcp", "udp or vlan and arp",
]


def _frames() -> list[bytes]:
    dst, src = bytes.fromhex("02000000000a"), bytes.fromhex("02000000000b")

    def ipv4(proto: int, sport: int, dport: int, seq: int) -> bytes:
        l4 = struct.pack("!HHHH", sport, dport, 8 + 8 + 2, 0) + MARK + bytes([seq, 0])
        return struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), seq, 0, 64, proto, 0,
                           bytes([198, 18, 0, 2]), bytes([198, 18, 0, 1])) + l4

    out = []
    seq = 0
    for tags in TAGS:
        for et, body in ((0x0800, "udp53"), (0x0800, "tcp80"), (0x86DD, "ip6"),
                         (0x0806, "arp"), (0x0800, "udp9")):
            seq += 1
            if body == "udp53":
                payload = ipv4(17, 5353, 53, seq)
            elif body == "udp9":
                payload = ipv4(17, 5353, 9, seq)
            elif body == "tcp80":
                payload = ipv4(6, 40000, 80, seq)
            elif body == "ip6":
                payload = struct.pack("!IHBB16s16s", 0x60000000, 10, 59, 64, b"\xfe\x80" + bytes(13)
                                      + b"\x02", b"\xfe\x80" + bytes(13) + b"\x01") + MARK + bytes(
                    [seq, 0])
            else:
                payload = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, src,
                                      bytes([198, 18, 0, 2]), bytes(6), bytes([198, 18, 0, 1])
                                      ) + MARK + bytes([seq, 0])
            hdr = dst + src
            for tpid, vid in tags:
                hdr += struct.pack("!HH", tpid, vid)
            out.append(hdr + struct.pack("!H", et) + payload)
    return out


def _seq(frame: bytes) -> int | None:
    i = frame.find(MARK)
    return frame[i + len(MARK)] if i >= 0 else None


def _expected(prog: bf.Program, frames: list[bytes]) -> set[int]:
    want = set()
    for f in frames:
        anc: dict[str, int] = {}
        tpid = struct.unpack("!H", f[12:14])[0]
        if tpid in STRIPPED:  # the kernel takes the outer tag out of the frame
            anc = {"vlan_tci": struct.unpack("!H", f[14:16])[0], "vlan_tpid": tpid}
            f = f[:12] + f[16:]
        if bf.run(prog, f, pkttype=0, **anc) != 0:
            want.add(_seq(f))
    return want


@pytest.fixture(scope="module")
def received(filter_veth: FilterVeth) -> tuple[list[bf.Program], list[set[int]]]:
    """Every program of EXPRS, zcap's and libpcap's live one, each on its own
    socket on one end; the frames sent once from the other end. Returns zcap's
    programs and the frames (by number) each socket got: zcap's first, then
    libpcap's."""
    frames = _frames()
    ours = [bf.compile(e, "EN10MB", kernel=True) for e in EXPRS]
    live = subprocess.run(["ip", "netns", "exec", filter_veth.rx_ns, sys.executable, HELPER,
                           "compile", filter_veth.rx_if], input=json.dumps(EXPRS),
                          capture_output=True, text=True, check=True, timeout=60)
    theirs = [bf.Program.from_insns(json.loads(live.stdout)[e][0]) for e in EXPRS]
    progs = [p.packed().hex() for p in ours + theirs]
    rx = subprocess.Popen(["ip", "netns", "exec", filter_veth.rx_ns, sys.executable, HELPER,
                           "receive", filter_veth.rx_if, "20", END_FRAME.hex(), *progs],
                          stdout=subprocess.PIPE, text=True)
    try:
        assert rx.stdout is not None
        assert rx.stdout.readline().strip() == "ready"
        subprocess.run(["ip", "netns", "exec", filter_veth.tx_ns, sys.executable, HELPER,
                        "send", filter_veth.tx_if, *[f.hex() for f in frames + [END_FRAME]]],
                       check=True, timeout=30)
        out, _ = rx.communicate(timeout=30)
        assert rx.returncode == 0, "the receiver never saw the end frame"
    finally:
        if rx.poll() is None:
            rx.kill()
            rx.wait()
    got: list[set[int]] = [set() for _ in progs]
    for line in out.splitlines():
        idx, _tci, hexframe = line.split()
        s = _seq(bytes.fromhex(hexframe))
        if s is not None:
            got[int(idx)].add(s)
    return ours, got


@pytest.mark.parametrize("i", range(len(EXPRS)), ids=EXPRS)
def test_kernel_receives_exactly_the_matching_frames(
        received: tuple[list[bf.Program], list[set[int]]], i: int) -> None:
    ours, got = received
    want = _expected(ours[i], _frames())
    assert got[i] == want
    assert got[len(EXPRS) + i] == want, "libpcap's live program lets other frames through"
    assert len(want) < len(_frames())
    # libpcap's quirk: after `not vlan` an untagged frame is read 4 bytes on
    assert want or EXPRS[i].startswith("not vlan and udp")
