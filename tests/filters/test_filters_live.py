"""Kernel-mode programs against libpcap's live ones, frame by frame.

libpcap compiles differently for a live Linux capture than for a file: on
Ethernet, `vlan` looks at the tag the kernel took out of the frame (ancillary
data) or at one still in the frame, and later headers move by a run-time
offset. The reference programs here come from an activated libpcap handle on a
veth in the test namespaces (exactly what tcpdump would attach); both programs
run in the reference interpreter over every VLAN frame in both of its kernel
forms and over untagged frames, with varied packet types.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import filter_frames as frames
import pytest
from filter_exprs import KERNEL, KERNEL_SPLIT

import bpf_filters as bf
from bpf_filters.interp import run

if TYPE_CHECKING:
    from conftest import FilterVeth

HELPER = str(Path(__file__).with_name("filter_netns_helper.py"))
VIEWS = frames.kernel_views(frames.ethernet_frames(1200, seed=7))


@pytest.fixture(scope="module")
def live_programs(filter_veth: FilterVeth) -> dict[str, list[object]]:
    out = subprocess.run(["ip", "netns", "exec", filter_veth.rx_ns, sys.executable, HELPER,
                          "compile", filter_veth.rx_if],
                         input=json.dumps(KERNEL + [e for pair in KERNEL_SPLIT for e in pair]
                                          + [f"{a} and {b}" for a, b in KERNEL_SPLIT]),
                         capture_output=True, text=True, check=True, timeout=60)
    return json.loads(out.stdout)


def test_views_cover_both_kernel_forms() -> None:
    assert len(KERNEL) >= 40
    stripped = [f for f, anc in VIEWS if "vlan_tci" in anc]
    assert len(stripped) > 150
    assert any(f[12:14] in (b"\x81\x00", b"\x88\xa8") for f in stripped)  # QinQ inner tag
    assert any(f[12:14] == b"\x91\x00" for f, _ in VIEWS)  # a tag the kernel leaves


@pytest.mark.parametrize("expr", KERNEL)
def test_same_verdicts_as_live_libpcap(live_programs: dict[str, list[object]],
                                       expr: str) -> None:
    ref_opt, ref_raw = live_programs[expr]
    if isinstance(ref_opt, str):
        with pytest.raises(bf.FilterError):
            bf.compile(expr, kernel=True)
        return
    assert isinstance(ref_raw, list)
    mine = bf.compile(expr, kernel=True).instructions
    mine_raw = bf.compile(expr, kernel=True, optimize=False).instructions
    ro = [bf.Insn(*i) for i in ref_opt]
    rr = [bf.Insn(*i) for i in ref_raw]
    for f, anc in VIEWS:
        wo, wr = run(ro, f, **anc), run(rr, f, **anc)
        g, gr = run(mine, f, **anc), run(mine_raw, f, **anc)
        # libpcap's optimiser may drop a load past the end of a short frame
        assert g == wo or (wo != wr and g == wr), f"optimised: {f.hex()} {anc}"
        assert gr == wr, f"unoptimised: {f.hex()} {anc}"


@pytest.mark.parametrize(("left", "right"), KERNEL_SPLIT)
def test_arithmetic_before_vlan_keeps_its_registers(live_programs: dict[str, list[object]],
                                                    left: str, right: str) -> None:
    whole, lo, ro = ([bf.Insn(*i) for i in live_programs[e][1]]  # type: ignore[union-attr]
                     for e in (f"{left} and {right}", left, right))
    mine = bf.compile(f"{left} and {right}", kernel=True).instructions
    differs = 0
    for f, anc in VIEWS:
        want = run(ro, f, **anc) if run(lo, f, **anc) else 0
        assert run(mine, f, **anc) == want, f"{f.hex()} {anc}"
        differs += run(whole, f, **anc) != want
    assert differs, "libpcap reads at the right offsets now: move the case to KERNEL"
