"""Compiled programs attached to a real AF_PACKET socket on a veth pair.

Each end of the pair lives in a network namespace made for this test (unique
names, addresses from 198.18.0.0/15 only) and removed by the fixture even when
the test fails. Frames, 802.1Q-tagged ones included, are sent from one end;
the other end's socket must receive exactly the frames the program accepts
(computed with the reference interpreter, the outer tag given as the kernel
reports it).
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import bpf_filters as bf

HELPER = str(Path(__file__).with_name("filter_netns_helper.py"))
MARK = b"zcapflt!"


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=20)


@pytest.fixture(scope="module")
def veth() -> Iterator[tuple[str, str]]:
    if os.geteuid() != 0 or shutil.which("ip") is None:
        pytest.skip("needs root and iproute2 to build network namespaces")
    tag = f"zf{os.getpid() % 100000}"
    rx_ns, tx_ns = f"{tag}rx", f"{tag}tx"
    try:
        _ip("netns", "add", rx_ns)
        _ip("netns", "add", tx_ns)
        _ip("link", "add", f"{tag}a", "netns", rx_ns, "type", "veth", "peer", "name",
            f"{tag}b", "netns", tx_ns)
        for ns, dev, addr in ((rx_ns, f"{tag}a", "198.18.0.1/30"),
                              (tx_ns, f"{tag}b", "198.18.0.2/30")):
            _ip("-n", ns, "addr", "add", addr, "dev", dev)
            _ip("-n", ns, "link", "set", dev, "up")
        yield rx_ns, tx_ns
    finally:
        for ns in (rx_ns, tx_ns):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, timeout=20)


def _frames() -> list[bytes]:
    dst, src = bytes.fromhex("02000000000a"), bytes.fromhex("02000000000b")

    def ipv4(proto: int, sport: int, dport: int, seq: int) -> bytes:
        l4 = struct.pack("!HHHH", sport, dport, 8 + 8 + 2, 0) + MARK + bytes([seq, 0])
        return struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), seq, 0, 64, proto, 0,
                           bytes([198, 18, 0, 2]), bytes([198, 18, 0, 1])) + l4

    out = []
    seq = 0
    for tags in ([], [10], [20], [10, 20], [0]):
        for et, body in ((0x0800, "udp53"), (0x0800, "tcp80"), (0x86DD, "ip6"),
                         (0x0806, "arp")):
            seq += 1
            if body == "udp53":
                payload = ipv4(17, 5353, 53, seq)
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
            for t in tags:
                hdr += struct.pack("!HH", 0x8100, t)
            out.append(hdr + struct.pack("!H", et) + payload)
    return out


def _seq(frame: bytes) -> int | None:
    i = frame.find(MARK)
    return frame[i + len(MARK)] if i >= 0 else None


def _expected(prog: bf.Program, frames: list[bytes]) -> set[int]:
    want = set()
    for f in frames:
        tci = None
        if f[12:14] == b"\x81\x00":  # the kernel takes the outer tag out of the frame
            tci = struct.unpack("!H", f[14:16])[0]
            f = f[:12] + f[16:]
        if bf.run(prog, f, vlan_tci=tci, pkttype=0) != 0:
            want.add(_seq(f))
    return want


@pytest.mark.parametrize("expr", [
    "udp port 53", "vlan", "vlan 10", "vlan 20", "vlan and ip", "vlan 10 and udp",
    "not vlan and ip", "vlan and vlan 20 and ip", "ip6 or arp", "vlan 10 and arp",
    "inbound and tcp port 80", "vlan 0 and ip",
])
def test_kernel_receives_exactly_the_matching_frames(veth: tuple[str, str], expr: str) -> None:
    rx_ns, tx_ns = veth
    tag = rx_ns[:-2]
    frames = _frames()
    prog = bf.compile(expr, "EN10MB", kernel=True)
    rx = subprocess.Popen(["ip", "netns", "exec", rx_ns, sys.executable, HELPER, "receive",
                           f"{tag}a", prog.packed().hex(), "0.8"],
                          stdout=subprocess.PIPE, text=True)
    try:
        assert rx.stdout is not None
        assert rx.stdout.readline().strip() == "ready"
        subprocess.run(["ip", "netns", "exec", tx_ns, sys.executable, HELPER, "send",
                        f"{tag}b", *[f.hex() for f in frames]], check=True, timeout=30)
        out, _ = rx.communicate(timeout=30)
    finally:
        if rx.poll() is None:
            rx.kill()
            rx.wait()
    got = set()
    for line in out.splitlines():
        _tci, hexframe = line.split()
        s = _seq(bytes.fromhex(hexframe))
        if s is not None:
            got.add(s)
    want = _expected(prog, frames)
    assert got == want
    assert 0 < len(want) < len(frames) or expr == "vlan 0 and ip"
