"""Differential tests: zcap's compiler and both interpreters against libpcap.

For every expression and link type, on every frame of the corpus, the verdict
(0 or the snap length) of zcap's program must equal what libpcap's optimised
program gives under libpcap's own bpf_filter(). Where libpcap's optimised and
unoptimised programs disagree with each other (its optimiser reorders or drops
loads that run past the end of short packets), zcap may give either of the two.
"""

from __future__ import annotations

import statistics

import filter_frames as frames
import libpcap_ref as ref
import pytest
from filter_exprs import COMMON, ETHER, SLL2

import bpf_filters as bf
from bpf_filters.cinterp import CFilter
from bpf_filters.interp import run

CORPUS = {
    "EN10MB": (1, frames.ethernet_frames()),
    "LINUX_SLL2": (276, frames.sll2_frames()),
    "RAW": (12, frames.raw_frames()),
}
CASES = ([("EN10MB", e) for e in COMMON + ETHER] + [("LINUX_SLL2", e) for e in COMMON + SLL2]
         + [("RAW", e) for e in COMMON])



def test_corpus_is_big_and_varied() -> None:
    total = sum(len(f) for _, f in CORPUS.values())
    assert total >= 2000
    eth = CORPUS["EN10MB"][1]
    assert any(f[12:14] == b"\x81\x00" and f[16:18] == b"\x81\x00" for f in eth)  # QinQ
    assert any(f[12:14] == b"\x88\x47" for f in eth)  # MPLS
    assert any(f[12:14] == b"\x08\x06" for f in eth)  # ARP
    assert any(f[12:14] == b"\x86\xdd" and f[20] == 44 for f in eth)  # IPv6 fragment hdr
    assert any(f[12:14] == b"\x08\x00" and len(f) > 21
               and int.from_bytes(f[20:22], "big") & 0x1FFF for f in eth)  # later fragment
    assert any(f[:6] == b"\xff" * 6 for f in eth)
    assert any(len(f) < 14 for f in eth)  # truncated


def test_c_interpreter_runs() -> None:
    """The C core is part of zcap (built by `pip install`): a broken build fails here."""
    assert CFilter([(6, 0, 0, 77)]).run(b"x" * 100) == 77
    assert CFilter([(6, 0, 0, 0)]).run(b"x" * 100) == 0


@pytest.mark.parametrize(("linktype", "expr"), CASES, ids=[f"{lt}:{e}" for lt, e in CASES])
def test_same_verdicts_as_libpcap(linktype: str, expr: str) -> None:
    dlt, corpus = CORPUS[linktype]
    try:
        ref_opt = ref.compile_ref(expr, dlt, optimize=True)
    except ref.LibpcapError as e:
        # libpcap refuses programs its optimiser proves match nothing; zcap may
        # compile them, but then they must match nothing.
        if "rejects all packets" not in str(e):
            with pytest.raises(bf.FilterError):
                bf.compile(expr, linktype)
            return
        try:
            prog = bf.compile(expr, linktype)
        except bf.FilterError as mine:
            assert "rejects all packets" in mine.message
            return
        assert all(run(prog.instructions, f) == 0 for f in corpus)
        return
    ref_raw = ref.compile_ref(expr, dlt, optimize=False)
    mine = bf.compile(expr, linktype)
    mine_raw = bf.compile(expr, linktype, optimize=False)
    r_opt, r_raw = ref.RefFilter(ref_opt), ref.RefFilter(ref_raw)
    want = [(r_opt.run(f), r_raw.run(f)) for f in corpus]
    got = [run(mine.instructions, f) for f in corpus]
    got_raw = [run(mine_raw.instructions, f) for f in corpus]
    for f, (wo, wr), g, gr in zip(corpus, want, got, got_raw, strict=False):
        assert g == wo or (wo != wr and g == wr), f"optimised: frame {f.hex()}"
        assert gr == wr, f"unoptimised: frame {f.hex()}"
    assert any(want) or not any(got)
    c = CFilter(mine)
    assert [c.run(f) for f in corpus] == got
    accepted = c.filter_frames(corpus)
    assert accepted == [(i, min(len(corpus[i]), g)) for i, g in enumerate(got) if g]


def test_size_against_libpcap() -> None:
    """Instruction counts: <= libpcap's on at least 95% of the cases, median ratio <= 1."""
    ratios = []
    for linktype, expr in CASES:
        dlt = CORPUS[linktype][0]
        try:
            n_ref = len(ref.compile_ref(expr, dlt, optimize=True))
        except ref.LibpcapError:
            continue
        ratios.append(len(bf.compile(expr, linktype)) / n_ref)
    assert len(ratios) >= 300
    share = sum(1 for r in ratios if r <= 1.0) / len(ratios)
    print(f"\nsize vs libpcap: {len(ratios)} programs, <= libpcap on {share:.1%}, "
          f"median ratio {statistics.median(ratios):.3f}, mean {statistics.mean(ratios):.3f}")
    assert share >= 0.95
    assert statistics.median(ratios) <= 1.0


DGRAM_EXPRS = SLL2 + ["ip", "ip6", "arp", "tcp port 80", "udp port 53 or icmp", "not ip",
                      "host 10.0.0.1", "ip6 net fe80::/10", "tcp[tcpflags] & tcp-syn != 0",
                      "ip[ip[0] & 0xf] = 0", "icmp6[icmp6type] = icmp6-echo", "portrange 1-1024",
                      "outbound and not tcp", "inbound or arp", "not outbound and ip6 proto 58",
                      "ifindex 7 or inbound and udp", "ip6[40] = 0"]
# (not `len`: on such a socket it is the length from the network header on,
# as with libpcap's own cooked live captures)


@pytest.mark.parametrize("expr", DGRAM_EXPRS)
def test_linux_dgram_equals_sll2(expr: str) -> None:
    """A SOCK_DGRAM socket on `any` sees the packet from the network header on and
    the SLL2 fields as ancillary data: same verdicts as libpcap's SLL2 program
    over the whole SLL2 frame."""
    r_opt = ref.RefFilter(ref.compile_ref(expr, 276, optimize=True))
    r_raw = ref.RefFilter(ref.compile_ref(expr, 276, optimize=False))
    mine = bf.compile(expr, "LINUX_DGRAM")
    assert mine.kernel
    checked = 0
    for f in CORPUS["LINUX_SLL2"][1]:
        if len(f) < 20:
            continue
        anc = {"protocol": int.from_bytes(f[0:2], "big"),
               "ifindex": int.from_bytes(f[4:8], "big"), "pkttype": f[10]}
        wo, wr = r_opt.run(f), r_raw.run(f)
        g = run(mine.instructions, f[20:], **anc)
        assert g == wo or (wo != wr and g == wr), f.hex()
        checked += 1
    assert checked > 500
