"""Scratch registers handed out as libpcap does, and comparisons coded in
libpcap's shape, for the link types where its choices show in its verdicts.

libpcap gives scratch cells round-robin (the next free one after the last
given) and gives every value of a comparison a cell of its own: each number,
`len` and packet load is stored in one, each operator reads its operands back
and stores its result in another. On 802.11 the cells for the run-time offsets
(where the 802.11 header starts after radiotap, where its payload starts) are
taken only when code first needs them, though the prologue that fills them
runs first. So in `len > 100 and ip` the comparison's cells, freed, are handed
out again as offset cells, and when the comparison runs it overwrites the
offsets the prologue computed: `ip` then reads the wrong bytes. zcap's
programs for 802.11 do the same, so that they keep the packets tcpdump keeps.

Mixed into codegen.CodeGen (alloc/free are its allocator).
"""

from __future__ import annotations

from . import ast as A
from . import opcodes as op
from .codegen_base import Frag, and_, not_, test
from .errors import FilterError
from .ir import Stmt

_JOPS = {"jeq": op.BPF_JEQ, "jgt": op.BPF_JGT, "jge": op.BPF_JGE}


class Registers:
    """libpcap's round-robin allocator over the 16 cells."""

    def __init__(self) -> None:
        self.used = [False] * op.BPF_MEMWORDS
        self.cur = 0

    def alloc(self, col: int) -> int:
        for _ in range(op.BPF_MEMWORDS):
            if self.used[self.cur]:
                self.cur = (self.cur + 1) % op.BPF_MEMWORDS
            else:
                self.used[self.cur] = True
                return self.cur
        raise FilterError("too many registers needed to evaluate expression", col)

    def free(self, r: int) -> None:
        self.used[r] = False

    def held(self) -> int:
        return sum(self.used)


def _st(r: int) -> Stmt:
    return Stmt(op.BPF_ST, r)


def _ld_mem(r: int) -> Stmt:
    return Stmt(op.BPF_LD | op.BPF_MEM, r)


def _ldx_mem(r: int) -> Stmt:
    return Stmt(op.BPF_LDX | op.BPF_MEM, r)


class RegsGen:
    """Comparisons with every value in a cell of its own, as libpcap codes them."""

    def relation_in_cells(self, rel: A.Relation) -> Frag:
        """`left op right` as libpcap's gen_relation: (checks of both sides) and
        A = left, X = right, then the test (`=` as `A - X == 0`)."""
        c0, s0, r0 = self.value_in_cell(rel.left)
        c1, s1, r1 = self.value_in_cell(rel.right)
        stmts = s0 + s1 + [_ldx_mem(r1), _ld_mem(r0)]
        if rel.op == "jeq":
            f = test(stmts + [Stmt(op.BPF_ALU | op.BPF_SUB | op.BPF_X)], op.BPF_JEQ, 0)
        else:
            f = test(stmts, _JOPS[rel.op], 0, src=op.BPF_X)
        self.free(r0)
        self.free(r1)
        if rel.negate:
            f = not_(f)
        checks = c0 if c1 is None else (c1 if c0 is None else and_(c0, c1))
        return f if checks is None else and_(checks, f)

    def value_in_cell(self, e: A.Arith) -> tuple[Frag | None, list[Stmt], int]:
        """(protocol checks, statements, the cell that then holds e's value)."""
        if isinstance(e, (A.Num, A.Length)):
            r = self.alloc(e.col)
            ld = Stmt(op.BPF_LD | op.BPF_IMM, e.value & 0xFFFFFFFF) if isinstance(e, A.Num) \
                else Stmt(op.BPF_LD | op.BPF_W | op.BPF_LEN)
            return None, [ld, _st(r)], r
        if isinstance(e, A.Neg):
            c, s, r = self.value_in_cell(e.inner)
            return c, s + [_ld_mem(r), Stmt(op.BPF_ALU | op.BPF_NEG), _st(r)], r
        if isinstance(e, A.BinOp):
            c0, s0, r0 = self.value_in_cell(e.left)
            _c1, s1, r1 = self.value_in_cell(e.right)
            self.arith_refusals(e)
            stmts = s0 + s1 + [_ldx_mem(r1), _ld_mem(r0),
                               Stmt(op.BPF_ALU | self.ALUOPS[e.op] | op.BPF_X)]
            self.free(r0)
            self.free(r1)
            r = self.alloc(e.col)
            # libpcap keeps only the left operand's protocol checks
            return c0, stmts + [_st(r)], r
        if isinstance(e, A.Load):
            ci, si, ri = self.value_in_cell(e.index)
            r = self.alloc(e.col)
            self.free(ri)
            stmts = self.load_at_cell(e, ri)
            return self.load_checks(e, ci), si + stmts + [_st(r)], r
        raise FilterError("internal error: bad arithmetic node", e.col)
