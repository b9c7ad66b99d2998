"""protochain: a loop over the header chain, as libpcap's (a backward jump the
kernel refuses: a live capture runs it in user space). Same verdicts as
libpcap's program under libpcap's own bpf_filter() on every packet, chains of
any length included, and never more instructions than libpcap's."""

from __future__ import annotations

import struct

import filter_frames as frames
import libpcap_ref as ref
import pytest
from filter_exprs import PROTOCHAIN

import bpf_filters as bf
from bpf_filters.cinterp import CFilter
from bpf_filters.interp import run

PACKETS = frames.protochain_packets()
WALKS = [frames.protochain_walk(p) for p in PACKETS]
MAC = bytes.fromhex("020000000001020000000002")


def _ethertype(p: bytes) -> int:
    return 0x86DD if p and p[0] >> 4 == 6 else 0x0800


def _ether(i: int, p: bytes) -> bytes:
    tag = struct.pack("!HH", 0x8100, 10) if i % 5 == 0 else b""
    return MAC + tag + struct.pack("!H", _ethertype(p)) + p


def _sll2(p: bytes) -> bytes:
    return struct.pack("!HHIHBB8s", _ethertype(p), 0, 2, 1, 0, 6, MAC[:6] + b"\0\0") + p


CASES = [(lt, e) for lt in ("EN10MB", "LINUX_SLL2", "RAW", "LINUX_DGRAM") for e in PROTOCHAIN]
CASES += [("EN10MB", "vlan and protochain 6"), ("EN10MB", "vlan and ip6 protochain 17")]


LONG_CHAIN = 8    # hops: the unrolled walk of earlier versions stopped here


def test_corpus_has_long_chains() -> None:
    assert sum(1 for w in WALKS if w == LONG_CHAIN) >= 20
    assert sum(1 for w in WALKS if w is not None and w > LONG_CHAIN) >= 20


@pytest.mark.parametrize(("linktype", "expr"), CASES, ids=[f"{lt}:{e}" for lt, e in CASES])
def test_same_verdicts_as_libpcap(linktype: str, expr: str) -> None:
    dlt = {"EN10MB": 1, "RAW": 12}.get(linktype, 276)
    r = ref.RefFilter(ref.compile_ref(expr, dlt))  # libpcap never optimises protochain
    mine = bf.compile(expr, linktype)
    mine_raw = bf.compile(expr, linktype, optimize=False)
    # on a live Ethernet socket (no vlan before it) nothing moves
    live = bf.compile(expr, kernel=True) if linktype == "EN10MB" and "vlan" not in expr else None
    positive = not expr.startswith("not")
    matched = 0
    for i, (p, walk) in enumerate(zip(PACKETS, WALKS, strict=True)):
        frame = _ether(i, p) if dlt == 1 else p if dlt == 12 else _sll2(p)
        if linktype == "LINUX_DGRAM":
            anc = {"protocol": _ethertype(p), "pkttype": 0, "ifindex": 2}
            got = [run(mine.instructions, p, **anc), run(mine_raw.instructions, p, **anc)]
        else:
            got = [run(mine.instructions, frame), run(mine_raw.instructions, frame)]
            if live is not None:
                got.append(run(live.instructions, frame))
        assert got[0] == got[1] == got[-1], frame.hex()
        assert walk is not None
        want = r.run(frame)
        assert got[0] == want, f"{walk} hops: {frame.hex()}"
        matched += want != 0
    assert matched
    assert positive or matched < len(PACKETS)


def test_any_chain_length() -> None:
    def ip6(n: int) -> bytes:
        chain = [60] * n + [6]
        ext = b"".join(bytes([chain[i + 1], 0]) + bytes(6) for i in range(n))
        return MAC + b"\x86\xdd" + struct.pack("!IHBB", 0x60000000, len(ext) + 20, chain[0],
                                               64) + bytes(32) + ext + bytes(20)

    r = ref.RefFilter(ref.compile_ref("ip6 protochain 6"))
    p = bf.compile("ip6 protochain 6")
    for n in range(LONG_CHAIN + 12):
        assert r.run(ip6(n)) != 0
        assert bf.run(p, ip6(n)) != 0
        assert CFilter(p).run(ip6(n)) != 0
        assert r.run(ip6(n)[:-21]) == bf.run(p, ip6(n)[:-21]) == CFilter(p).run(ip6(n)[:-21])


def test_an_endless_chain_ends() -> None:
    """libpcap's hop over AH forgets where the AH started: an AH whose length
    points back at itself loops forever there; the interpreters stop it."""
    # A 12-byte IP header (IHL 3) names AH; at offset 12 an AH naming AH again
    # with length 1: the next one is at (1 + 2) * 4 = 12, the same place.
    packet = MAC + b"\x08\x00" + bytes([0x43, 0, 0, 40, 0, 0, 0, 0, 64, 51, 0, 0, 51, 1]) + \
        bytes(30)
    p = bf.compile("ip protochain 6")
    assert bf.run(bf.compile("ip protochain 51"), packet) != 0
    assert bf.run(p, packet) == 0
    assert CFilter(p).run(packet) == 0


# Every link type with IP that protochain applies to, and the three forms.
SIZE_LINKTYPES = ["EN10MB", "LINUX_SLL", "LINUX_SLL2", "RAW", "IPV4", "IPV6", "NULL", "LOOP",
                  "PPP"]
SIZE_EXPRS = ["ip protochain 6", "ip6 protochain 6", "protochain 6", "protochain 17 and tcp",
              "not protochain 58", "protochain 6 or protochain 17", "ip6 protochain 44 and udp"]


@pytest.mark.parametrize("linktype", SIZE_LINKTYPES)
def test_no_longer_than_libpcap(linktype: str) -> None:
    dlt = bf.linktype_number(linktype)
    for expr in SIZE_EXPRS:
        try:
            theirs = len(ref.compile_ref(expr, dlt))
        except ref.LibpcapError:
            with pytest.raises(bf.FilterError):
                bf.compile(expr, linktype)
            continue
        assert len(bf.compile(expr, linktype)) <= theirs, expr


def test_live_programs_fall_back_to_user_space() -> None:
    p = bf.compile("protochain 6", kernel=True)
    assert not bf.fits_kernel(p)
    assert bf.fits_kernel(bf.compile("ip proto 6", kernel=True))


def test_refusals_as_libpcap() -> None:
    for expr, why in [("tcp protochain 6", "bad protocol"), ("arp protochain 6", "bad protocol")]:
        with pytest.raises(ref.LibpcapError):
            ref.compile_ref(expr)
        with pytest.raises(bf.FilterError, match=why):
            bf.compile(expr)
    # after a kernel-mode vlan the header offsets are known only at run time
    with pytest.raises(bf.FilterError, match="variable length"):
        bf.compile("vlan and protochain 6", kernel=True)
    assert len(bf.compile("protochain 6", kernel=True)) > 0
