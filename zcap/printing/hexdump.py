"""tcpdump's -x and -X dump layouts: 16 bytes a line, offset in hex, bytes in
groups of two, optionally the printable characters at the end."""

from __future__ import annotations

# tcpdump shows a space as '.', like every other unprintable byte
_PRINTABLE = bytes(b if 0x20 < b < 0x7F else 0x2E for b in range(256))


def hex_lines(data: bytes, ascii_col: bool) -> list[str]:
    """One string per 16 bytes, without the trailing newline."""
    out = []
    for off in range(0, len(data), 16):
        chunk = data[off:off + 16]
        h = chunk.hex()
        groups = " ".join(h[i:i + 4] for i in range(0, len(h), 4))
        if ascii_col:
            # 16 bytes make 39 characters of groups; pad short lines to line up
            line = f"\t0x{off:04x}:  {groups:<39}  {chunk.translate(_PRINTABLE).decode()}"
        else:
            line = f"\t0x{off:04x}:  {groups}"
        out.append(line)
    return out
