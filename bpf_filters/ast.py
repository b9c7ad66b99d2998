"""The syntax tree the parser builds and code generation walks, left to right."""

from __future__ import annotations

# The node classes are declared as records (annotated fields, defaults as class
# attributes) and given their __init__ by `_node` below, not by dataclasses:
# making 15 dataclasses cost more than the rest of the compiler's import, which
# every `zcap -d`, `-r EXPR` and live filter pays (issue 16).


class Quals:
    """libpcap's qualifiers: protocol, direction, address type (None = default);
    `err` is libpcap's `qerr`: no qualifiers may be inherited here."""

    __slots__ = ("proto", "dir", "addr", "err")

    def __init__(self, proto: str | None = None, dir: str | None = None,
                 addr: str | None = None, err: bool = False) -> None:
        self.proto, self.dir, self.addr, self.err = proto, dir, addr, err

    def _key(self) -> tuple:
        return (self.proto, self.dir, self.addr, self.err)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Quals) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return "Quals(proto={!r}, dir={!r}, addr={!r}, err={!r})".format(*self._key())


QERR = Quals(err=True)
QDEFAULT = Quals()

_MISSING = object()


def _node(cls: type) -> type:
    """Give a node class an __init__ that takes its fields (the annotated names
    of its bases first, then its own, as dataclasses order them) by position
    or keyword, class attributes being the defaults, and `col` by keyword only."""
    names: list[str] = []
    for klass in reversed(cls.__mro__):
        for name in klass.__dict__.get("__annotations__", ()):
            if name != "col" and name not in names:
                names.append(name)
    defaults = [getattr(cls, name, _MISSING) for name in names]
    fields = tuple(zip(names, defaults, strict=True))

    def __init__(self, *args, col: int = 0, **kwargs) -> None:
        if len(args) > len(fields):
            raise TypeError(f"{cls.__name__}() takes {len(fields)} fields, got {len(args)}")
        for (name, _), value in zip(fields, args, strict=False):
            setattr(self, name, value)
        for name, default in fields[len(args):]:
            value = kwargs.pop(name, default)
            if value is _MISSING:
                raise TypeError(f"{cls.__name__}() is missing field {name!r}")
            setattr(self, name, value)
        if kwargs:
            raise TypeError(f"{cls.__name__}() has no field {next(iter(kwargs))!r}")
        self.col = col

    __init__.__qualname__ = f"{cls.__qualname__}.__init__"
    cls.__init__ = __init__
    return cls


# ---- boolean expressions -------------------------------------------------

@_node
class Node:
    """Base of every boolean node; `col` is where its text starts."""

    col: int = 0


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

    col: int = 0


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
