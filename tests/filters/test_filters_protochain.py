"""protochain: libpcap loops over the header chain; zcap unrolls the loop
(bpf_filters.codegen.PROTOCHAIN_HOPS hops). Same verdicts as libpcap's program
under libpcap's own bpf_filter() on every packet whose chain ends within the
bound; past it, zcap's `protochain N` matches only if N is found within the
bound, so it never matches where libpcap does not."""

from __future__ import annotations

import struct

import filter_frames as frames
import libpcap_ref as ref
import pytest
from filter_exprs import PROTOCHAIN

import bpf_filters as bf
from bpf_filters.codegen import PROTOCHAIN_HOPS
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


def test_corpus_reaches_the_bound_and_beyond() -> None:
    assert sum(1 for w in WALKS if w == PROTOCHAIN_HOPS) >= 20
    assert sum(1 for w in WALKS if w is not None and w > PROTOCHAIN_HOPS) >= 20


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
        if walk <= PROTOCHAIN_HOPS:
            assert got[0] == want, f"{walk} hops: {frame.hex()}"
            matched += want != 0
        elif positive:  # a chain past the bound: no match, unless found within it
            assert got[0] in (0, want), f"{walk} hops, past the bound: {frame.hex()}"
    assert matched


def test_past_the_bound_is_no_match() -> None:
    def ip6(n: int) -> bytes:
        chain = [60] * n + [6]
        ext = b"".join(bytes([chain[i + 1], 0]) + bytes(6) for i in range(n))
        return MAC + b"\x86\xdd" + struct.pack("!IHBB", 0x60000000, len(ext) + 20, chain[0],
                                               64) + bytes(32) + ext + bytes(20)

    r = ref.RefFilter(ref.compile_ref("ip6 protochain 6"))
    p = bf.compile("ip6 protochain 6")
    for n in range(PROTOCHAIN_HOPS + 3):
        assert r.run(ip6(n)) != 0
        assert (bf.run(p, ip6(n)) != 0) == (n <= PROTOCHAIN_HOPS)
    assert len(p) < 300


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
