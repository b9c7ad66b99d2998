"""IPsec: ESP (nothing past the SPI and sequence number can be read) and AH
(its header, then the protocol it protects)."""

from __future__ import annotations

import struct

from zcap.printing.context import Ctx
from zcap.printing.iphdr import IpHdr


def esp_print(ctx: Ctx, ip: IpHdr, seg: bytes, length: int) -> str:
    """``ESP(spi=...,seq=...), length N``."""
    if len(seg) < 8:
        return ctx.cut("esp")
    spi, seq = struct.unpack_from("!II", seg, 0)
    return f"ESP(spi=0x{spi:08x},seq=0x{seq:x}), length {length}"


def ah_print(ctx: Ctx, ip: IpHdr, seg: bytes, length: int) -> str:
    """``AH(spi=...,seq=...,icv=...): `` and the protected payload."""
    from zcap.printing.net import upper_text
    if len(seg) < 12:
        return ctx.cut("ah")
    nxt, ahlen = seg[0], seg[1]
    size = (ahlen + 2) * 4
    spi, seq = struct.unpack_from("!II", seg, 4)
    text = "AH("
    if ctx.opts.verbose:
        text += f"length={ahlen}({size}-bytes),"
    if len(seg) < size:
        return text + f"spi=0x{spi:08x},seq=0x{seq:x},icv=0x" + seg[12:].hex() + ctx.cut("ah")
    text += f"spi=0x{spi:08x},seq=0x{seq:x},icv=0x{seg[12:size].hex()}): "
    ip.addrs = False
    return text + upper_text(ctx, ip, nxt, seg[size:], length - size, addresses=False)
