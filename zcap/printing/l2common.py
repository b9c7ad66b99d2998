"""What the link-layer printers share: tcpdump's truncation marker and its
fallback hex dump, so that every L2 module ends a cut-short packet the same way."""

from __future__ import annotations

import struct

from zcap.printing.hexdump import hex_lines

# What reading past the captured bytes raises in the L2 decoders (struct on a
# short buffer, indexing past the end). tcpdump's GET_* macros jump out at that
# point and print " [|proto]" after whatever was printed so far; we do the same.
SHORT = (struct.error, IndexError)


class Truncated(IndexError):
    """Raised by a decoder that found fewer captured bytes than it needs (an
    IndexError, so that the printer's last-resort handler knows it too)."""


def trunc(proto: str) -> str:
    """tcpdump's marker for a packet cut short inside ``proto``."""
    return f" [|{proto}]"


def default_print(data: bytes) -> str:
    """tcpdump's fallback for bytes it has no decoder for: hex and ASCII on the
    following lines (nothing when there are no bytes)."""
    if not data:
        return ""
    return "\n" + "\n".join(hex_lines(bytes(data), True))


def unknown_data(data: bytes) -> str:
    """tcpdump's print_unknown_data: hex without the ASCII column."""
    if not data:
        return ""
    return "\n" + "\n".join(hex_lines(bytes(data), False))


def suppressed(opts: object) -> bool:
    """tcpdump leaves the fallback dump out with -q, and when -x/-X dump the
    packet anyway."""
    return bool(getattr(opts, "hex", 0) or getattr(opts, "hex_ascii", 0)
                or getattr(opts, "quiet", False))


def need(buf: bytes, n: int) -> None:
    """Raise Truncated unless ``buf`` holds at least ``n`` bytes."""
    if len(buf) < n:
        raise Truncated


def u16(buf: bytes, off: int) -> int:
    """Big-endian 16 bits at ``off`` (struct.error if cut short)."""
    return struct.unpack_from("!H", buf, off)[0]


def u32(buf: bytes, off: int) -> int:
    """Big-endian 32 bits at ``off`` (struct.error if cut short)."""
    return struct.unpack_from("!I", buf, off)[0]


def bits(table: dict[int, str], value: int, none: str = "none") -> str:
    """tcpdump's bittok2str: the names of the set bits joined by ', '."""
    names = [name for bit, name in table.items() if value & bit == bit and bit]
    return ", ".join(names) if names else none


def printable(b: bytes, stop_at_nul: bool = False) -> str:
    """Bytes as tcpdump's character printer shows them: ``M-`` for the high bit,
    ``^X`` for control characters."""
    out = []
    for c in b:
        if c == 0 and stop_at_nul:
            break
        if c >= 0x80:
            out.append("M-")
            c &= 0x7F
        out.append(chr(c) if 0x20 <= c < 0x7F else "^" + chr(c ^ 0x40))
    return "".join(out)


def hexaddr(b: bytes) -> str:
    """A link address of any length, as colon-separated hex."""
    return ":".join(f"{x:02x}" for x in b)
