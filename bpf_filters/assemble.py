"""Assembler: blocks laid out in a line, jumps resolved, long branches chained.

A conditional jump reaches at most 255 instructions ahead; a farther target is
reached through a `ja` (a trampoline) placed after some block's jump within
reach, shared by every jump that can reach it. Programs
longer than the limit (the kernel's BPF_MAXINSNS unless asked) are an error.
"""

from __future__ import annotations

import bisect

from . import opcodes as op
from .errors import ProgramTooLong
from .ir import Block, topo_order
from .opcodes import Insn


def layout(root: Block) -> list[Block]:
    """Blocks in emission order: each after its predecessors, and a block's true
    successor right after it wherever the graph allows, as libpcap lays them out."""
    order: list[Block] = []
    seen: set[int] = set()
    preds_left: dict[int, int] = {}
    for b in topo_order(root):
        for s in b.succs():
            preds_left[s.id] = preds_left.get(s.id, 0) + 1
    ready = [root]
    # Greedy: prefer the false successor of the block just placed.
    while ready:
        b = ready.pop()
        if b.id in seen:
            continue
        seen.add(b.id)
        order.append(b)
        succs = b.succs()
        for s in succs:
            preds_left[s.id] -= 1
        for s in succs:
            if preds_left[s.id] == 0 and s.id not in seen:
                ready.append(s)
        if succs and preds_left[succs[0].id] == 0 and succs[0].id not in seen:
            ready.remove(succs[0])
            ready.append(succs[0])
    return order


def assemble(root: Block, share: bool = True, limit: int = op.BPF_MAXINSNS) -> list[Insn]:
    """Linear instructions for the DAG rooted at `root`; ProgramTooLong past
    `limit`. share=False: each far jump gets a trampoline of its own block
    (libpcap's way, for comparison)."""
    order = layout(root)
    # tramp[b.id]: targets of the `ja` instructions right after b's jump. A far
    # jump uses the nearest such `ja` to its target ahead of it, anyone's, and
    # adds one only when none is in reach: blocks are visited last first, so
    # the tests of a list share one trampoline to the accept return.
    tramp: dict[int, list[int]] = {b.id: [] for b in order}
    while True:
        pos: dict[int, int] = {}
        n = 0
        for b in order:
            pos[b.id] = n
            n += len(b.stmts) + 1 + len(tramp[b.id])
        via = _trampolines_in_reach(order, pos, tramp, share)
        if via is not None:
            break
    if n > limit:
        where = " for the kernel" if limit == op.BPF_MAXINSNS else ""
        raise ProgramTooLong(f"filter too long: {n} instructions (at most {limit}{where})", n)
    out: list[Insn] = []
    for b in order:
        for s in b.stmts:
            out.append(Insn(s.code, s.jt, s.jf, s.k & 0xFFFFFFFF))
        jpos = len(out)
        if b.is_ret:
            out.append(Insn(b.code, 0, 0, b.k))
            continue
        assert b.jt is not None and b.jf is not None
        jt, jf = via[(b.id, True)], via[(b.id, False)]
        out.append(Insn(b.code, jt - (jpos + 1), jf - (jpos + 1), b.k))
        for i, tid in enumerate(tramp[b.id]):
            here = jpos + 1 + i
            out.append(Insn(op.BPF_JMP | op.BPF_JA, 0, 0, pos[tid] - (here + 1)))
    return out


def _trampolines_in_reach(order: list[Block], pos: dict[int, int], tramp: dict[int, list[int]],
                          share: bool) -> dict[tuple[int, bool], int] | None:
    """Where each conditional jump lands (its target, or a `ja` to it), or None
    after adding the trampolines that were missing (positions then change)."""
    ahead: dict[int, list[int]] = {}  # target id -> positions of `ja`s to it
    for b in order:
        base = pos[b.id] + len(b.stmts) + 1
        for i, tid in enumerate(tramp[b.id]):
            ahead.setdefault(tid, []).append(base + i)
    via: dict[tuple[int, bool], int] = {}
    added = False
    for b in reversed(order):
        if b.is_ret:
            continue
        jpos = pos[b.id] + len(b.stmts)
        for which, tgt in ((True, b.jt), (False, b.jf)):
            assert tgt is not None
            if pos[tgt.id] - (jpos + 1) <= 255:
                via[(b.id, which)] = pos[tgt.id]
                continue
            spots = ahead.get(tgt.id, [])
            i = bisect.bisect_right(spots, jpos)
            if i < len(spots) and spots[i] - (jpos + 1) <= 255 and (
                    share or spots[i] <= jpos + len(tramp[b.id])):
                via[(b.id, which)] = spots[i]
                continue
            # a new `ja` after this jump: positions after it move, so check again
            tramp[b.id].append(tgt.id)
            spot = jpos + len(tramp[b.id])
            bisect.insort(spots, spot)
            ahead[tgt.id] = spots
            via[(b.id, which)] = spot
            added = True
    return None if added else via
