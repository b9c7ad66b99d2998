"""The intermediate form between code generation and assembly: a DAG of blocks.

A block is straight-line statements followed by one test (a conditional jump
with a true and a false successor) or by a return.
"""

from __future__ import annotations

from . import opcodes as op


# Stmt and Block are plain classes, not dataclasses: making dataclasses is a
# noticeable part of the compiler's import, which `zcap -d` pays (issue 16).
class Stmt:
    """One non-branching instruction; or, inside a loop's block only (see
    CodeGen.protochain), a jump within that block, jt/jf (or a `ja`'s k,
    negative backwards) relative as in the assembled program. Statements
    compare equal by their four fields."""

    def __init__(self, code: int, k: int = 0, jt: int = 0, jf: int = 0) -> None:
        self.code, self.k, self.jt, self.jf = code, k, jt, jf

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Stmt) and (self.code, self.k, self.jt, self.jf) == (
            other.code, other.k, other.jt, other.jf)

    __hash__ = None          # mutable, compared by value

    def __repr__(self) -> str:
        return f"Stmt(code={self.code:#x}, k={self.k}, jt={self.jt}, jf={self.jf})"

    def key(self) -> tuple[int, int]:
        return (self.code, self.k)


_ids = iter(range(1 << 62))


class Block:
    """Statements, then either a test (code is a BPF_JMP) or a return (BPF_RET).
    Blocks compare by identity; `id` numbers them in order of creation.

    `members`: a set test (bpf_filters.lists), "is A one of members?", k the
    first member; expanded into a search tree of jeq/jge tests before assembly.
    `as_is`: the test reads A as whatever the code before left there
    (libpcap's `byte N & M`), so which value it sees depends on how edges move."""

    def __init__(self, stmts: list[Stmt], code: int, k: int = 0, jt: Block | None = None,
                 jf: Block | None = None, id: int | None = None,
                 members: tuple[int, ...] | None = None, as_is: bool = False) -> None:
        self.stmts, self.code, self.k, self.jt, self.jf = stmts, code, k, jt, jf
        self.id = next(_ids) if id is None else id
        self.members, self.as_is = members, as_is

    def __repr__(self) -> str:
        return f"Block(id={self.id}, code={self.code:#x}, k={self.k}, {len(self.stmts)} stmts)"

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
