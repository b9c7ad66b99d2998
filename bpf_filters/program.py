"""A compiled filter: the instructions and every form they are shown or handed in."""

from __future__ import annotations

import struct
from collections.abc import Sequence

from . import disasm as _disasm
from .linktypes import DEFAULT_SNAPLEN, linktype_name
from .opcodes import Insn

_SOCK_FILTER = struct.Struct("=HBBI")  # struct sock_filter, native byte order


class Program:
    """Classic BPF instructions compiled from `expression` for `linktype`
    (a value: equal when every field is; not a dataclass, for start-up time)."""

    __slots__ = ("instructions", "expression", "linktype", "snaplen", "kernel")

    def __init__(self, instructions: tuple[Insn, ...], expression: str = "",
                 linktype: int = 1, snaplen: int = DEFAULT_SNAPLEN,
                 kernel: bool = False) -> None:
        self.instructions, self.expression, self.linktype = instructions, expression, linktype
        self.snaplen, self.kernel = snaplen, kernel

    def _key(self) -> tuple:
        return (self.instructions, self.expression, self.linktype, self.snaplen, self.kernel)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Program) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return (f"Program({len(self.instructions)} instructions, {self.expression!r}, "
                f"linktype={self.linktype}, snaplen={self.snaplen}, kernel={self.kernel})")

    @classmethod
    def from_insns(cls, insns: Sequence[Sequence[int]], **kw: object) -> Program:
        """Wrap raw (code, jt, jf, k) tuples."""
        return cls(tuple(Insn(*i) for i in insns), **kw)  # type: ignore[arg-type]

    def __len__(self) -> int:
        return len(self.instructions)

    def __iter__(self):
        return iter(self.instructions)

    @property
    def linktype_name(self) -> str:
        """tcpdump's name of the link type."""
        return linktype_name(self.linktype)

    def disasm(self) -> str:
        """Text as `tcpdump -d` prints it."""
        return _disasm.disasm(self.instructions)

    def as_c_array(self) -> str:
        """Text as `tcpdump -dd` prints it."""
        return _disasm.as_c_array(self.instructions)

    def as_decimal(self) -> str:
        """Text as `tcpdump -ddd` prints it."""
        return _disasm.as_decimal(self.instructions)

    def packed(self) -> bytes:
        """The struct sock_filter array, 8 bytes per instruction, native byte order."""
        return b"".join(_SOCK_FILTER.pack(*i) for i in self.instructions)

    fprog_bytes = packed

    def run(self, frame: bytes, wirelen: int | None = None, **anc: int | None) -> int:
        """Run over one frame with the Python interpreter (0 = reject)."""
        from .interp import run
        return run(self.instructions, frame, wirelen, **anc)
