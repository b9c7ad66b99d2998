"""IPsec: ESP (nothing past the SPI and sequence number can be read) and AH
(its header, then the protocol it protects)."""

from __future__ import annotations

import struct

from zcap.printing.context import Ctx
from zcap.printing.iphdr import IpHdr


def esp_print(ctx: Ctx, ip: IpHdr, seg: bytes, length: int) -> str:
    """``ESP(spi=...,seq=...), length N``."""
    return esp_text(ctx, seg, length)


def esp_text(ctx: Ctx, seg: bytes, length: int) -> str:
    """The ESP header (also carried in UDP behind NAT)."""
    if len(seg) < 8:
        return ctx.cut("esp")
    spi, seq = struct.unpack_from("!II", seg, 0)
    return f"ESP(spi=0x{spi:08x},seq=0x{seq:x}), length {length}"


def ah_print(ctx: Ctx, ip: IpHdr, seg: bytes, length: int) -> str:
    """``AH(spi=...,seq=...,icv=...): `` and the protected payload; as far as
    the capture goes, field by field, as tcpdump prints it."""
    from zcap.printing.net import upper_text
    if len(seg) < 4:
        return ctx.cut("ah")
    nxt, ahlen, rsvd = seg[0], seg[1], seg[2] << 8 | seg[3]
    size = (ahlen + 2) * 4
    text = "AH("
    if ctx.opts.verbose:
        text += f"length={ahlen}({size}-bytes),"
    if rsvd:
        text += f"reserved=0x{rsvd:x}[MustBeZero],"
    for off, name in ((4, "spi=0x{:08x},"), (8, "seq=0x{:x},")):
        if len(seg) < off + 4:
            return text + ctx.cut("ah")
        text += name.format(struct.unpack_from("!I", seg, off)[0])
    text += "icv=0x" + seg[12:size].hex()
    if len(seg) < size:
        return text + ctx.cut("ah")
    ip.addrs = False
    return text + "): " + upper_text(ctx, ip, nxt, seg[size:], length - size, addresses=False)
