"""Assembler: blocks laid out in a line, jumps resolved, long branches chained.

A conditional jump reaches at most 255 instructions ahead; a farther target is
reached through a `ja` placed right after the block (a jump chain). Programs
longer than the kernel's limit (BPF_MAXINSNS) are an error.
"""

from __future__ import annotations

from . import opcodes as op
from .errors import FilterError
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


def assemble(root: Block) -> list[Insn]:
    """Linear instructions for the DAG rooted at `root`."""
    order = layout(root)
    # trampolines[b.id] = list of targets that need a `ja` after b's jump
    tramp: dict[int, list[int]] = {b.id: [] for b in order}
    while True:
        pos: dict[int, int] = {}
        n = 0
        for b in order:
            pos[b.id] = n
            n += len(b.stmts) + 1 + len(tramp[b.id])
        changed = False
        for b in order:
            if b.is_ret:
                continue
            jpos = pos[b.id] + len(b.stmts)
            for tgt in (b.jt, b.jf):
                assert tgt is not None
                if tgt.id in tramp[b.id]:
                    continue
                if pos[tgt.id] - (jpos + 1) > 255:
                    tramp[b.id].append(tgt.id)
                    changed = True
        if not changed:
            break
    if n > op.BPF_MAXINSNS:
        raise FilterError(f"filter too long: {n} instructions "
                          f"(the kernel accepts at most {op.BPF_MAXINSNS})")
    out: list[Insn] = []
    for b in order:
        for s in b.stmts:
            out.append(Insn(s.code, 0, 0, s.k))
        jpos = len(out)
        if b.is_ret:
            out.append(Insn(b.code, 0, 0, b.k))
            continue
        tr = tramp[b.id]

        def off(tgt: Block, tr=tr, jpos=jpos) -> int:
            if tgt.id in tr:
                return tr.index(tgt.id)  # its `ja` follows the jump
            return pos[tgt.id] - (jpos + 1)

        assert b.jt is not None and b.jf is not None
        out.append(Insn(b.code, off(b.jt), off(b.jf), b.k))
        for i, tid in enumerate(tr):
            here = jpos + 1 + i
            out.append(Insn(op.BPF_JMP | op.BPF_JA, 0, 0, pos[tid] - (here + 1)))
    return out
