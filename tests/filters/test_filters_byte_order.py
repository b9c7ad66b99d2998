"""NULL (DLT 0) files written on a host of the other byte order.

The NULL header's address family is a word in the writer's byte order, and
libpcap, reading a file whose byte order is not the reader's, compares it in
the file's order (LOOP's is always big-endian). `zcap -r` does the same: the
packets it keeps are those libpcap's program for that file keeps.
"""

from __future__ import annotations

import ctypes
import os
import struct

import libpcap_ref as ref
import pytest

from zcap.offline import FileSource

EXPRS = ["ip", "ip6", "ip or ip6", "not ip", "tcp", "udp port 53", "ip6 and udp", "link[0] = 2"]
AF_INET, BSD_AF_INET6 = 2, (24, 28, 30)


def _packets(order: str, linktype: int) -> list[bytes]:
    """IPv4/TCP, IPv4/UDP to 53 and IPv6/UDP frames behind a family word
    written in `order` (LOOP: always big-endian), and a few short ones."""
    fam = "!" if linktype == 108 else order
    ip4_tcp = bytes.fromhex("450000280001000040060000c0a80101c0a80102"
                            "0050005000000000000000005002200000000000")
    ip4_udp = bytes.fromhex("4500001c0001000040110000c0a80101c0a8010204d20035000800000000")
    ip6_udp = bytes.fromhex("6000000000081140" + "fe80" + "00" * 14 + "fe80" + "00" * 13 + "01"
                            + "04d2003500080000")
    out = []
    for af, payload in [(AF_INET, ip4_tcp), (AF_INET, ip4_udp)] + [
            (a, ip6_udp) for a in BSD_AF_INET6]:
        frame = struct.pack(fam + "I", af) + payload
        out += [frame, frame[:3], frame[:12]]
    return out


def _write(path: str, order: str, linktype: int, frames: list[bytes]) -> None:
    with open(path, "wb") as f:
        f.write(struct.pack(order + "IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, linktype))
        for i, fr in enumerate(frames):
            f.write(struct.pack(order + "IIII", i, 0, len(fr), len(fr)) + fr)


def _libpcap_keeps(path: str, expr: str, frames: list[bytes]) -> list[bytes]:
    err = ctypes.create_string_buffer(ref.PCAP_ERRBUF_SIZE)
    lib = ref.lib()
    lib.pcap_open_offline.restype = ctypes.c_void_p
    lib.pcap_open_offline.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
    handle = lib.pcap_open_offline(path.encode(), err)
    assert handle, err.value
    try:
        prog = ref.RefFilter(ref.compile_live(handle, expr))
    finally:
        lib.pcap_close(handle)
    return [f for f in frames if prog.run(f)]


@pytest.mark.parametrize("linktype", [0, 108])
@pytest.mark.parametrize("order", ["<", ">"])
@pytest.mark.parametrize("expr", EXPRS)
def test_zcap_r_keeps_what_libpcap_keeps(tmp_path, linktype: int, order: str, expr: str) -> None:
    frames = _packets(order, linktype)
    path = os.path.join(tmp_path, "f.pcap")
    _write(path, order, linktype, frames)
    want = _libpcap_keeps(path, expr, frames)
    src = FileSource.open(path, expr)
    try:
        got = []
        while (batch := src.next_batch()) is not None:
            got += [bytes(p.data) for p in batch.packets()]
    finally:
        src.close()
    assert got == want


def test_the_files_differ_where_it_matters(tmp_path) -> None:
    """`ip` keeps IPv4 frames of a NULL file in either byte order."""
    for order in "<>":
        frames = _packets(order, 0)
        path = os.path.join(tmp_path, f"f{order == '<'}.pcap")
        _write(path, order, 0, frames)
        assert len(_libpcap_keeps(path, "ip", frames)) == 4
