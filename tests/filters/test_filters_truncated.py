"""libpcap's verdicts on cut-short packets, exactly.

libpcap's optimiser moves and merges loads, so a packet that ends before a
field the unoptimised program reads can still be kept (or dropped) by tcpdump.
zcap must give the optimised program's verdict: here every expression of the
differential corpus meets frames of each kind cut at every length.
"""

from __future__ import annotations

import ipaddress
import struct

import filter_frames as frames
import libpcap_ref as ref
import pytest
from filter_exprs import COMMON, ETHER

import bpf_filters as bf
from bpf_filters.cinterp import CFilter


def _cut_at_every_length(whole: list[bytes]) -> list[bytes]:
    return [f[:n] for f in whole for n in range(len(f) + 1)]


def _from_each_address() -> list[bytes]:
    """IPv4/TCP from each address of the pool to one outside it: cut between
    the source and the destination, libpcap's reordered loads show."""
    out = []
    for src in frames.IPS:
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40, 1, 0, 64, 6, 0,
                         ipaddress.IPv4Address(src).packed, bytes([198, 51, 100, 7]))
        out.append(b"\x02" * 6 + b"\x04" * 6 + b"\x08\x00" + ip + bytes(20))
    return out


# Whole frames of every kind the generator makes (a fixed seed), and frames
# from each address of the pool, each cut at every length.
WHOLE = [f for f in frames.ethernet_frames(400, seed=11) if len(f) >= 40][:40] + \
    _from_each_address()
CUT = _cut_at_every_length(WHOLE)



def test_cut_frames_cover_the_headers() -> None:
    kinds = {f[12:14] for f in WHOLE}
    assert {b"\x08\x00", b"\x86\xdd"} <= kinds and len(CUT) > 1000


@pytest.mark.parametrize("expr", COMMON + ETHER)
def test_optimised_libpcap_verdict_at_every_length(expr: str) -> None:
    try:
        want = ref.RefFilter(ref.compile_ref(expr, 1))
    except ref.LibpcapError:
        return  # refusals are test_filters_errors' and the differential tests' business
    prog = bf.compile(expr)
    kept = {i for i, _ in CFilter(prog).filter_frames(CUT)}
    mine = [i in kept for i in range(len(CUT))]
    theirs = [bool(want.run(f)) for f in CUT]
    bad = [CUT[i].hex() for i in range(len(CUT)) if mine[i] != theirs[i]]
    assert not bad, f"{len(bad)} frames, e.g. {bad[0]}"
