"""Lists of hosts, nets and ports: one set test per load, then a search tree.

libpcap compiles `host A or B or C` term by term and its optimiser then pulls
the tests of each loaded field together: load the IPv4 source once, compare
it with A, B, C, then load the destination and compare again. Code
generation here goes straight to that shape: a run of `or`-joined primitives
that differ only in their value is generated once, as a single primitive
whose value compare is a set test (a Block with `members`), so the optimiser
sees a program the size of one primitive. The loads and their order are those
of libpcap's optimised program, so a truncated packet gets libpcap's verdict.

Before assembly, each set test becomes a search tree: `jge` splits down to
leaves of at most LEAF `jeq` tests, all in ascending order. A packet that
matches nothing costs about log2(n / LEAF) + LEAF tests per load instead of
n. Subtrees with the same values and exits are built once and shared (the
source and destination trees of one list end in the same places). The splits
cost instructions that only pay for themselves in long programs, where they
save trampolines: the compiler assembles both forms and keeps the tree only
when it is not longer than the runs of jeq (about 90 values and up).
"""

from __future__ import annotations

from . import ast as A
from . import opcodes as op
from .ir import Block, topo_order

# Longest run of jeq at the bottom of a tree.
LEAF = 16
_DIRS = (None, "src", "dst", "or")
_PORT_PROTOS = (None, "tcp", "udp", "sctp")
_HOST_PROTOS = (None, "ip", "arp", "rarp")


def ipv4_parts(text: str) -> tuple[int, int] | None:
    """A dotted IPv4 address or prefix (`10.1`, `1.2.3.4`) as libpcap reads it:
    (value, bits written), None if invalid. Every part is decimal, whatever
    it looks like: `012.0.0.1` is 12.0.0.1, and a part with a hex prefix or
    digits is refused (libpcap reads the letters as digits past 9)."""
    v = 0
    parts = text.split(".")
    for part in parts:
        n = 0
        for c in part:
            if n > 25:  # the part is past 255 already
                return None
            n = n * 10 + ord(c) - ord("0")
        if not 0 <= n <= 255:
            return None
        v = (v << 8) | n
    return v, 8 * len(parts)


def ipv4_value(text: str) -> tuple[int, int] | None:
    """A dotted IPv4 address or prefix as libpcap reads it: (value, mask), the
    mask covering the parts written; None if invalid."""
    got = ipv4_parts(text)
    if got is None or got[1] > 32:
        return None
    shift = 32 - got[1]
    return (got[0] << shift) & 0xFFFFFFFF, (0xFFFFFFFF << shift) & 0xFFFFFFFF


def listable(p: A.Node) -> tuple[tuple, int] | None:
    """(signature, value) of a primitive that can join a list, else None.

    Primitives with the same signature differ only in the constant one load
    is compared with. Anything unusual (errors to report, `src and dst`,
    names, masks written out) is left to the one-by-one code.
    """
    if not isinstance(p, A.Prim) or p.quals.err or p.quals.dir not in _DIRS:
        return None
    q = p.quals
    if p.kind == "HID" and q.proto in _HOST_PROTOS and (
            (p.mask_kind is None and q.addr in (None, "host", "net"))
            or (p.mask_kind == "len" and q.addr == "net")):
        got = ipv4_value(str(p.value))
        if got is None:
            return None
        v, mask = got
        if p.mask_kind == "len":  # net A.B.C.D/len
            bits = int(p.mask)  # type: ignore[arg-type]
            if bits > 32:
                return None
            mask = (0xFFFFFFFF << (32 - bits)) & 0xFFFFFFFF
            if v & ~mask:
                return None  # the error is the one-by-one code's to report
        return ("host4", q, mask), v
    if p.kind == "NUM" and q.addr == "port" and q.proto in _PORT_PROTOS:
        v = int(p.value)  # type: ignore[arg-type]
        if not 0 <= v <= 65535:
            return None
        return ("port", q), v
    return None


def has_sets(root: Block) -> bool:
    """Does the DAG hold a set test?"""
    return any(b.members is not None for b in topo_order(root))


def expand(root: Block, trees: bool = True) -> Block:
    """A copy of the DAG with every set test made a search tree (trees=False:
    one run of jeq, libpcap's shape). The original is left as it was."""
    memo: dict[tuple, Block] = {}
    new: dict[int, Block] = {}
    for b in reversed(topo_order(root)):
        if b.is_ret:
            nb = Block(b.stmts, b.code, b.k)
        else:
            assert b.jt is not None and b.jf is not None
            jt, jf = new[b.jt.id], new[b.jf.id]
            if b.members is None:
                nb = Block(b.stmts, b.code, b.k, jt, jf)
            else:
                # the block keeps its statements (the load) and becomes the
                # tree's top test
                top = _tree(tuple(sorted(set(b.members))), jt, jf, memo, trees)
                nb = Block(b.stmts, top.code, top.k, top.jt, top.jf)
        new[b.id] = nb
    return new[root.id]


def _tree(vals: tuple[int, ...], t: Block, f: Block, memo: dict[tuple, Block],
          trees: bool) -> Block:
    key = (vals, t.id, f.id)
    got = memo.get(key)
    if got is not None:
        return got
    if len(vals) <= LEAF or not trees:
        nxt = f
        for v in reversed(vals):
            nxt = Block([], op.BPF_JMP | op.BPF_JEQ | op.BPF_K, v, t, nxt)
        node = nxt
    else:
        mid = len(vals) // 2
        hi = _tree(vals[mid:], t, f, memo, trees)
        lo = _tree(vals[:mid], t, f, memo, trees)
        node = Block([], op.BPF_JMP | op.BPF_JGE | op.BPF_K, vals[mid], hi, lo)
    memo[key] = node
    return node
