"""Differential tests for the link types beyond Ethernet and raw IP, and for the
primitives of 802.2 LLC, ISO, PPPoE, Geneve, DECnet and 802.11.

For each link type a corpus of frames built for it (some cut at every length),
and for each expression: libpcap accepts it and zcap gives libpcap's verdict on
every frame, through both of zcap's interpreters; or libpcap refuses it and so
does zcap, with a message and a column. As in test_filters_differential, where
libpcap's optimised and unoptimised programs disagree (its optimiser moves
loads past the end of short packets) zcap may give either.
"""

from __future__ import annotations

import functools

import libpcap_ref as ref
import pytest
from filter_exprs import LINK_ANY, LINK_ONLY, LINK_PRIMS
from filter_frames_link import frames_for

import bpf_filters as bf
from bpf_filters.interp import run

DLT = {"EN10MB": 1, "LINUX_SLL": 113, "LINUX_SLL2": 276, "NULL": 0, "LOOP": 108, "PPP": 9,
       "IEEE802_11": 105, "IEEE802_11_RADIO": 127, "RAW": 12, "IPV4": 228, "IPV6": 229}

try:
    from bpf_filters.cinterp import CFilter
    CFilter([(6, 0, 0, 1)])
    HAVE_C = True
except Exception:  # noqa: BLE001 - the C core may simply not be built
    HAVE_C = False


@functools.cache
def corpus(linktype: str) -> tuple[bytes, ...]:
    return tuple(frames_for(linktype))


def check(linktype: str, expr: str) -> str:
    """Compare zcap with libpcap on one expression; return 'ok', 'refused' or 'empty'."""
    dlt = DLT[linktype]
    frames = corpus(linktype)
    try:
        ref_opt = ref.compile_ref(expr, dlt, optimize=True)
    except ref.LibpcapError as e:
        if "rejects all packets" in str(e):
            # zcap's optimiser may not prove it; then its program matches nothing
            try:
                prog = bf.compile(expr, linktype)
            except bf.FilterError as mine:
                assert "rejects all packets" in mine.message and mine.column == 0
                return "empty"
            assert all(run(prog.instructions, f) == 0 for f in frames)
            return "empty"
        with pytest.raises(bf.FilterError) as info:
            bf.compile(expr, linktype)
        err = info.value
        assert err.message and err.column is not None and 0 <= err.column <= len(expr)
        return "refused"
    ref_raw = ref.compile_ref(expr, dlt, optimize=False)
    mine = bf.compile(expr, linktype)
    mine_raw = bf.compile(expr, linktype, optimize=False)
    r_opt, r_raw = ref.RefFilter(ref_opt), ref.RefFilter(ref_raw)
    # zcap's verdicts from the C interpreter where it is built (fast), checked
    # against the Python one on part of the corpus; else from Python alone
    if HAVE_C:
        c_opt, c_raw = CFilter(mine), CFilter(mine_raw)
        got = [c_opt.run(f) for f in frames]
        got_raw = [c_raw.run(f) for f in frames]
        sample = range(0, len(frames), 7)
    else:
        got = [run(mine.instructions, f) for f in frames]
        got_raw = [run(mine_raw.instructions, f) for f in frames]
        sample = range(0)
    for i in sample:
        assert run(mine.instructions, frames[i]) == got[i], frames[i].hex()
        assert run(mine_raw.instructions, frames[i]) == got_raw[i], frames[i].hex()
    for f, g, gr in zip(frames, got, got_raw, strict=True):
        wo, wr = r_opt.run(f), r_raw.run(f)
        assert g == wo or (wo != wr and g == wr), f"{linktype} {expr!r} optimised: {f.hex()}"
        assert gr == wr, f"{linktype} {expr!r} unoptimised: {f.hex()}"
    return "ok"


CASES = list(dict.fromkeys(
    [(lt, e) for lt in DLT for e in LINK_ANY + LINK_ONLY.get(lt, [])]
    + [(lt, e) for lt in ("EN10MB", "LINUX_SLL", "PPP", "IEEE802_11_RADIO") for e in LINK_PRIMS]))


@pytest.mark.parametrize(("linktype", "expr"), CASES, ids=[f"{lt}:{e}" for lt, e in CASES])
def test_same_verdicts_as_libpcap(linktype: str, expr: str) -> None:
    check(linktype, expr)


def test_corpora_have_what_the_expressions_look_for() -> None:
    eth = corpus("EN10MB")
    assert any(f[12:14] == b"\x88\x64" for f in eth)  # PPPoE session
    assert any(f[12:14] == b"\x88\x63" for f in eth)  # PPPoE discovery
    assert any(len(f) > 17 and f[14:17] == b"\xfe\xfe\x03" and f[17] == 0x83 for f in eth)
    assert any(len(f) > 22 and f[14:20] == b"\xaa\xaa\x03\x08\x00\x07" for f in eth)
    assert any(len(f) > 16 and f[14:16] == b"\xff\xff" for f in eth)  # raw 802.3 IPX
    rt = corpus("IEEE802_11_RADIO")
    assert any(len(f) > 8 and f[4] & 2 and f[8] & 0x20 for f in rt)  # DATAPAD
    for lt in DLT:
        frames = corpus(lt)
        assert len(frames) > 400 and any(len(f) == 0 for f in frames)


def test_most_expressions_compile() -> None:
    """The cases are mostly ones libpcap accepts (not a list of errors)."""
    accepted = 0
    for lt, e in CASES:
        try:
            ref.compile_ref(e, DLT[lt])
            accepted += 1
        except ref.LibpcapError:
            pass
    assert accepted > 0.6 * len(CASES)


SAVEFILE_EXPRS = ["ip6", "ip or ip6", "ip6 and tcp", "not ip6", "ip6 host fe80::1", "icmp6",
                  "ether proto 0x86dd", "udp port 53"]


@pytest.mark.parametrize("linktype", ["NULL", "LOOP"])
def test_capture_files_use_bsd_address_families(linktype: str) -> None:
    """Reading a file, libpcap takes `ip6` on NULL/LOOP to mean the BSD values of
    AF_INET6 (the file came from a BSD or macOS), so zcap -r does too."""
    frames = corpus(linktype)
    bsd = [f for f in frames if len(f) >= 4 and max(f[:4]) in (24, 28, 30)]
    assert bsd
    for expr in SAVEFILE_EXPRS:
        want = ref.RefFilter(ref.compile_file(expr, DLT[linktype]))
        mine = bf.compile(expr, linktype, savefile=True)
        assert [run(mine.instructions, f) for f in frames] == [want.run(f) for f in frames]
    assert run(bf.compile("ip6", linktype, savefile=True).instructions, bsd[0])
    assert not run(bf.compile("ip6", linktype).instructions, bsd[0])
