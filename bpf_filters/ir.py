"""The intermediate form between code generation and assembly: a DAG of blocks.

A block is straight-line statements followed by one test (a conditional jump
with a true and a false successor) or by a return.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import opcodes as op


@dataclass
class Stmt:
    """One non-branching instruction; or, inside a loop's block only (see
    CodeGen.protochain), a jump within that block, jt/jf (or a `ja`'s k,
    negative backwards) relative as in the assembled program."""

    code: int
    k: int = 0
    jt: int = 0
    jf: int = 0

    def key(self) -> tuple[int, int]:
        return (self.code, self.k)


_ids = iter(range(1 << 62))


@dataclass(eq=False)
class Block:
    """Statements, then either a test (code is a BPF_JMP) or a return (BPF_RET)."""

    stmts: list[Stmt]
    code: int
    k: int = 0
    jt: Block | None = None
    jf: Block | None = None
    id: int = field(default_factory=lambda: next(_ids))
    # A set test (bpf_filters.lists): "is A one of members?", k the first
    # member; expanded into a search tree of jeq/jge tests before assembly.
    members: tuple[int, ...] | None = None
    # The test reads A as whatever the code before left there (libpcap's
    # `byte N & M`), so which value it sees depends on how edges move.
    as_is: bool = False

    @property
    def is_ret(self) -> bool:
        return op.bpf_class(self.code) == op.BPF_RET

    def succs(self) -> list[Block]:
        return [] if self.is_ret else [self.jt, self.jf]  # type: ignore[list-item]


def ret_block(value: int) -> Block:
    """A block that returns a constant."""
    return Block([], op.BPF_RET | op.BPF_K, value & 0xFFFFFFFF)


def topo_order(root: Block) -> list[Block]:
    """Reachable blocks, each before all its successors (the graph is acyclic)."""
    order: list[Block] = []
    seen: set[int] = set()
    stack: list[tuple[Block, int]] = [(root, 0)]
    # iterative post-order, then reverse
    while stack:
        b, i = stack.pop()
        if i == 0:
            if b.id in seen:
                continue
            seen.add(b.id)
        succ = b.succs()
        if i < len(succ):
            stack.append((b, i + 1))
            s = succ[i]
            if s.id not in seen:
                stack.append((s, 0))
        else:
            order.append(b)
    order.reverse()
    return order
