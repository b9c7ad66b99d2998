"""Scratch cells a program may read before it writes them.

libpcap's programs do that in places: after `geneve` or `pppoes`, the tests of
an `or` branch taken when geneve/pppoes failed read the offset cells that
only a match would have filled. libpcap's user-space bpf_filter() leaves its
scratch memory uninitialised, so such a verdict depends on whatever was on its
stack; the kernel refuses the program outright (its classic-BPF checker wants
every cell written on every path before it is read), and libpcap then filters
in user space. zcap's programs start with those cells set to 0 instead: the
kernel takes them, and every interpreter (the kernel's, zcap's two, libpcap's
once so prefixed) gives the same verdict, the one of memory that starts at 0.
"""

from __future__ import annotations

from collections.abc import Sequence

from . import opcodes as op
from .opcodes import Insn

_ALL = (1 << op.BPF_MEMWORDS) - 1


def _successors(i: int, code: int, jt: int, jf: int, k: int) -> tuple[int, ...]:
    cls = code & 0x07
    if cls == op.BPF_RET:
        return ()
    if cls == op.BPF_JMP:
        if code & 0xF0 == op.BPF_JA:
            return (i + 1 + k,)
        return (i + 1 + jt, i + 1 + jf)
    return (i + 1,)


def unwritten_reads(insns: Sequence[Sequence[int]]) -> set[int]:
    """The cells some path reads before any write to them (the kernel's rule)."""
    n = len(insns)
    written: list[int | None] = [None] * n  # cells written on every path so far
    if n:
        written[0] = 0
    bad: set[int] = set()
    reads = (op.BPF_LD | op.BPF_MEM, op.BPF_LDX | op.BPF_MEM)
    for i, (code, jt, jf, k) in enumerate(insns):
        cur = written[i]
        if cur is None:
            continue  # not reached
        if code in reads and not cur >> k & 1:
            bad.add(k)
        if code & 0x07 in (op.BPF_ST, op.BPF_STX):
            cur |= 1 << k
        for s in _successors(i, code, jt, jf, k):
            if s < n:
                prev = written[s]
                written[s] = cur if prev is None else prev & cur
    return bad


def zero_unwritten(insns: list[Insn]) -> list[Insn]:
    """insns, preceded by code setting to 0 the cells read before written."""
    cells = unwritten_reads(insns)
    if not cells:
        return insns
    # A starts at 0 everywhere, so loading 0 into it first changes nothing
    return [Insn(op.BPF_LD | op.BPF_IMM, 0, 0, 0)] + [
        Insn(op.BPF_ST, 0, 0, c) for c in sorted(cells)] + insns
