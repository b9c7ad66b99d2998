"""The pieces code generation builds programs from: fragments with open exits.

A Frag is a partial program whose true and false exits are still to be
joined; and_, or_ and not_ join them the way libpcap's gen_and/gen_or/gen_not
do, so that tests run in the order they are written.
"""

from __future__ import annotations

from . import opcodes as op
from .ir import Block, Stmt

JEQ = op.BPF_JEQ


def ld(size: int, mode: int, k: int) -> Stmt:
    """A load of A."""
    return Stmt(op.BPF_LD | size | mode, k & 0xFFFFFFFF)


class Frag:
    """A partial program: its entry block and its unresolved true/false exits."""

    __slots__ = ("head", "t", "f")

    def __init__(self, head: Block, t: list[tuple[Block, bool]] | None = None,
                 f: list[tuple[Block, bool]] | None = None) -> None:
        self.head = head
        self.t = [] if t is None else t
        self.f = [] if f is None else f


def patch(exits: list[tuple[Block, bool]], target: Block) -> None:
    """Point the open exits at target."""
    for b, which in exits:
        if which:
            b.jt = target
        else:
            b.jf = target


def and_(a: Frag, b: Frag) -> Frag:
    """a, and if true b."""
    patch(a.t, b.head)
    return Frag(a.head, b.t, a.f + b.f)


def or_(a: Frag, b: Frag) -> Frag:
    """a, and if false b."""
    patch(a.f, b.head)
    return Frag(a.head, a.t + b.t, b.f)


def not_(a: Frag) -> Frag:
    """a with its exits swapped."""
    return Frag(a.head, a.f, a.t)


def test(stmts: list[Stmt], jop: int, k: int, src: int = op.BPF_K) -> Frag:
    """A block ending in one conditional jump."""
    b = Block(list(stmts), op.BPF_JMP | jop | src, k & 0xFFFFFFFF)
    return Frag(b, [(b, True)], [(b, False)])


def const(value: bool) -> Frag:
    """Always true or always false (folded away by the optimiser)."""
    return test([Stmt(op.BPF_LD | op.BPF_IMM, 0 if value else 1)], JEQ, 0)
