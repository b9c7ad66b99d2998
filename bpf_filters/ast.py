"""The syntax tree the parser builds and code generation walks, left to right."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Quals:
    """libpcap's qualifiers: protocol, direction, address type (None = default)."""

    proto: str | None = None
    dir: str | None = None
    addr: str | None = None
    err: bool = False  # libpcap's `qerr`: no qualifiers may be inherited here


QERR = Quals(err=True)
QDEFAULT = Quals()

# The tree's nodes are built once and walked: nothing compares them or prints
# them, and the generated __eq__/__repr__ cost a third of this module's import,
# which every `-d`, `-r EXPR` and live filter pays.
_node = dataclass(eq=False, repr=False)


# ---- boolean expressions -------------------------------------------------

@_node
class Node:
    """Base of every boolean node; `col` is where its text starts."""

    col: int = field(default=0, kw_only=True)


@_node
class And(Node):
    left: Node
    right: Node


@_node
class Or(Node):
    left: Node
    right: Node


@_node
class Not(Node):
    inner: Node


@_node
class Prim(Node):
    """A qualified identifier: `src host 1.2.3.4`, `port 80`, `net 10/8`..."""

    quals: Quals
    kind: str  # NUM, HID, HID6, EID, ID
    value: object
    mask: object = None  # NUM prefix length or HID mask text, for net
    mask_kind: str | None = None  # "len" or "mask"


@_node
class ProtoAbbrev(Node):
    """A bare protocol name: `tcp`, `ip6`, `arp`..."""

    proto: str


@_node
class Other(Node):
    """The fixed-form primitives: broadcast, less, vlan, inbound..."""

    what: str
    args: tuple = ()


@_node
class Relation(Node):
    """`arth relop arth`; op is a BPF jump op, negate for the inverted relops."""

    op: str  # "jgt", "jge", "jeq"
    left: Arith
    right: Arith
    negate: bool


# ---- arithmetic ------------------------------------------------------------

@_node
class Arith:
    """Base of arithmetic nodes."""

    col: int = field(default=0, kw_only=True)


@_node
class Num(Arith):
    value: int


@_node
class Length(Arith):
    pass


@_node
class Load(Arith):
    proto: str
    index: Arith
    size: int


@_node
class BinOp(Arith):
    op: str  # + - * / % & | ^ << >>
    left: Arith
    right: Arith


@_node
class Neg(Arith):
    inner: Arith
