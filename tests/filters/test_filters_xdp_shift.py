"""Shifts in the eBPF translation (`--xdp`) give libpcap's results: a shift
by a count in X of 32 or more leaves 0, where eBPF itself takes the count
modulo 32; a constant count (which no compiler emits past 31) is taken
modulo 32, as libpcap's bpf_filter() does on x86. Run by the kernel
(BPF_PROG_TEST_RUN) and compared with libpcap's bpf_filter()."""

from __future__ import annotations

import os
import struct

import libpcap_ref as ref
import pytest
from zcap._core import lib

from zcap.ebpf import cbpf, isa, syscall, xdp_prog

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="loading BPF programs needs root")

LD_B_ABS, TAX = 0x30, 0x07
LSH_X, RSH_X, LSH_K, RSH_K = 0x6C, 0x7C, 0x64, 0x74
JEQ_K, RET_K, RET_A = 0x15, 0x06, 0x16


def program(shift: int, k: int | None = None) -> list[tuple[int, int, int, int]]:
    """A = frame[14], shifted by frame[15] (or by k); the result decides
    between two return values, so that 0 and not 0 both show."""
    if k is None:
        head = [(LD_B_ABS, 0, 0, 15), (TAX, 0, 0, 0), (LD_B_ABS, 0, 0, 14), (shift, 0, 0, 0)]
    else:
        head = [(LD_B_ABS, 0, 0, 14), (shift, 0, 0, k)]
    return head + [(JEQ_K, 0, 1, 0), (RET_K, 0, 0, 7), (RET_A, 0, 0, 0)]


def kernel_run(prog: list[tuple[int, int, int, int]], frames: list[bytes]) -> list[int]:
    fd = syscall.prog_load(lib.BPF_PROG_TYPE_XDP, xdp_prog.verdict_program(prog),
                           name="zcap_shift")
    try:
        out = []
        for f in frames:
            r = syscall.prog_test_run(fd, f)
            out.append(0 if r.retval == isa.XDP_PASS else struct.unpack_from("<I", r.data)[0])
        return out
    finally:
        os.close(fd)


FRAMES = [bytes(14) + bytes([a, n]) + bytes(8) for a in (1, 0x81, 0xFF) for n in
          (0, 1, 7, 31, 32, 33, 40, 63, 64, 255)]


@pytest.mark.parametrize("shift", [LSH_X, RSH_X])
def test_variable_shift_of_32_or_more_gives_0(shift: int) -> None:
    prog = program(shift)
    want = [ref.RefFilter(prog).run(f) for f in FRAMES]
    assert kernel_run(prog, FRAMES) == want
    # the frames with a count of 32 or more take the `A = 0` branch
    assert want[FRAMES.index(bytes(14) + bytes([1, 32]) + bytes(8))] == 7


@pytest.mark.parametrize(("shift", "k"), [(LSH_K, 32), (RSH_K, 40), (LSH_K, 31), (RSH_K, 1)])
def test_constant_shift_translates(shift: int, k: int) -> None:
    prog = program(shift, k)
    assert cbpf.translatable(prog) is None
    assert kernel_run(prog, FRAMES) == [ref.RefFilter(prog).run(f) for f in FRAMES]
