"""ETSI ITS GeoNetworking (ethertypes 0x8947 and the old 0x0707) with the BTP
header and ITS PDU header after it, and CALM FAST (0x1111): one line each as
tcpdump prints them, which starts with the Ethernet source address; with -v
the rest of the packet in hex."""

from __future__ import annotations

from zcap.printing.context import Ctx, mac_str
from zcap.printing.hexdump import hex_lines

COMMON_HDR = 36
NEXT_HEADERS = {0: "Any", 1: "BTP-A", 2: "BTP-B", 3: "IPv6"}
# header type -> name, or subtype -> name
HEADER_TYPES: dict[int, str | dict[int, str]] = {
    0: "Any", 1: "Beacon", 2: "GeoUnicast",
    3: {0: "GeoAnycastCircle", 1: "GeoAnycastRect", 2: "GeoAnycastElipse"},
    4: {0: "GeoBroadcastCircle", 1: "GeoBroadcastRect", 2: "GeoBroadcastElipse"},
    5: {0: "TopoScopeBcast-SH", 1: "TopoScopeBcast-MH"},
    6: {0: "LocService-Request", 1: "LocService-Reply"},
}
# (header type, subtype) -> length of the extended header tcpdump skips; the
# others it does not know, and so it stops after the common header
EXTENDED = {(0, None): 0, (1, None): 0, (5, 0): 0, (5, 1): 68 - COMMON_HDR}
MESSAGE_TYPES = {0: "CAM", 1: "DENM", 101: "TPEGM", 102: "TSPDM", 103: "VPM", 104: "SRM",
                 105: "SLAM", 106: "ecoCAM", 107: "ITM", 150: "SA"}


class Invalid(Exception):
    """A length too short for what the header says: `` (invalid)``."""


def _source(ctx: Ctx) -> str:
    return f"src:{mac_str(ctx.link_src)}" if ctx.link_src is not None else ""


def _u16(b: bytes, off: int) -> int:
    return b[off] << 8 | b[off + 1]


def _u32(b: bytes, off: int) -> int:
    return _u16(b, off) << 16 | _u16(b, off + 2)


def _rest(ctx: Ctx, b: bytes, length: int, proto: str) -> str:
    """tcpdump's -v dump of the payload, cut where the capture ends."""
    if not ctx.opts.verbose or length <= 0:
        return ""
    lines = hex_lines(bytes(b[:length]), True)
    text = "\n" + "\n".join(lines) if lines else ""
    return text + (ctx.cut(proto) if len(b) < length else "")


def _header_type(kind: int, sub: int) -> str:
    name = HEADER_TYPES.get(kind, "Unknown")
    return name if isinstance(name, str) else name.get(sub, "Unknown")


def _btp(b: bytes, off: int, length: int, out: list[str]) -> int:
    """The BTP header and the start of the ITS PDU; returns where they end."""
    if length < 4:
        out.append(f" (BTP length {length} < 4)")
        raise Invalid
    out.append(f"; BTP Dst:{_u16(b, off)}")
    out.append(f" Src:{_u16(b, off + 2)}")
    off, length = off + 4, length - 4
    if length >= 2:
        out.append(f"; ItsPduHeader v:{b[off]}")
        kind = b[off + 1]
        out.append(f" t:{kind}-{MESSAGE_TYPES.get(kind, f'unknown ({kind})')}")
    return off


def geonet_text(ctx: Ctx, b: bytes, length: int) -> str:
    """A GeoNetworking packet, from ``GeoNet`` on."""
    out = [f"GeoNet {_source(ctx)}; "]
    try:
        if length < COMMON_HDR:
            out.append(f" (common header length {length} < 36)")
            raise Invalid
        version, nxt = b[0] >> 4, b[0] & 0x0F
        kind, sub = b[1] >> 4, b[1] & 0x0F
        payload, hops = _u16(b, 4), b[7]
        out.append(f"v:{version} NH:{nxt}-{NEXT_HEADERS.get(nxt, 'Unknown')} "
                   f"HT:{kind}-{sub}-{_header_type(kind, sub)} HopLim:{hops} "
                   f"Payload:{payload} ")
        if len(b) < 16:
            raise IndexError("geonet: address past the capture")
        out.append(f"GN_ADDR:{mac_str(b[8:16])} ")
        out.append(f"lat:{_u32(b, 20)} ")
        out.append(f"lon:{_u32(b, 24)}")
        if len(b) < COMMON_HDR:
            raise IndexError("geonet: common header past the capture")
        off, length = COMMON_HDR, length - COMMON_HDR
        size = EXTENDED.get((kind, None), EXTENDED.get((kind, sub)))
        if size is not None:
            if length < size:
                out.append(f" (header size {size} > {length})")
                raise Invalid
            if len(b) < off + size:
                raise IndexError("geonet: extended header past the capture")
            off, length = off + size, length - size
            if nxt in (1, 2):
                end = _btp(b, off, length, out)
                length -= end - off
                off = end
        out.append(_rest(ctx, b[off:], length, "geonet"))
    except Invalid:
        out.append(" (invalid)")
    except IndexError:
        out.append(ctx.cut("geonet"))
    return "".join(out)


def calm_fast_text(ctx: Ctx, b: bytes, length: int) -> str:
    """A CALM FAST packet: the two network references, then (-v) the rest."""
    src = _source(ctx)
    out = ["CALM FAST" + (f" {src}" if src else "") + "; "]
    try:
        if length < 2:
            out.append(f" (length {length} < 2) (invalid)")
            if len(b) < length:
                raise IndexError("calm_fast: payload past the capture")
            return "".join(out)
        out.append(f"SrcNwref:{b[0]}; ")
        out.append(f"DstNwref:{b[1]}; ")
        out.append(_rest(ctx, b[2:], length - 2, "calm_fast"))
    except IndexError:
        out.append(ctx.cut("calm_fast"))
    return "".join(out)
