"""Encapsulations: GRE (in IP), VXLAN and Geneve (over UDP). tcpdump prints
the outer header, then the inner packet: after ``: `` on the same line, or on
the next line with -v (VXLAN always on the next line). Inner frames go back
through the link layer's own printers."""

from __future__ import annotations

import struct

from zcap.printing.context import Ctx
from zcap.printing.iphdr import IpHdr

ETH_TEB = 0x6558   # transparent Ethernet bridging: a whole Ethernet frame inside
GRE_FLAGS = ((0x8000, "checksum present"), (0x4000, "routing present"),
             (0x2000, "key present"), (0x1000, "sequence# present"),
             (0x0800, "source routing present"), (0x0080, "ack present"))
GENEVE_CLASSES = {0x0000: "Standard", 0x0100: "Linux", 0x0101: "Open vSwitch",
                  0x0102: "Open Virtual Networking (OVN)",
                  0x0103: "In-band Network Telemetry (INT)", 0x0104: "VMware"}


def _ethertype(ctx: Ctx, etype: int, inner: bytes, length: int) -> str | None:
    """The inner packet by ethertype, through the link layer's table; None if unknown."""
    from zcap.printing import dispatch
    if etype == ETH_TEB:
        return _ether(ctx, inner, length)
    if etype in (0x0800, 0x86DD):
        from zcap.printing.net import ip_text
        return ip_text(ctx, 4 if etype == 0x0800 else 6, inner, length)
    entry = dispatch.NETWORK.get(etype)
    if entry is None:
        return None
    prefix, fn = entry
    return ("" if ctx.opts.link_header else prefix) + fn(ctx, inner, length)


def _etype_name(etype: int) -> str:
    from zcap.printing.dispatch import ETHERTYPES
    return {ETH_TEB: "TEB", 0x880B: "PPP"}.get(
        etype, ETHERTYPES.get(etype, "unknown"))


def _ether(ctx: Ctx, frame: bytes, length: int) -> str:
    """An inner Ethernet frame. Without -e tcpdump shows only its payload; IP
    goes straight to ``ip_text`` so that a cut header gets tcpdump's prefix."""
    from zcap.printing import link
    etype = frame[12] << 8 | frame[13] if len(frame) >= 14 else None
    if not ctx.opts.link_header and etype in (0x0800, 0x86DD):
        from zcap.printing.net import ip_text
        return ip_text(ctx, 4 if etype == 0x0800 else 6, frame[14:], length - 14)
    return link.ethernet(ctx, frame, length)[0]


def gre_print(ctx: Ctx, ip: IpHdr, b: bytes, length: int) -> str:
    """``GREv0, key=0x.., seq N, length N: <inner>``."""
    if len(b) < 2:
        return ctx.cut("gre")
    flags = b[0] << 8 | b[1]
    ver = flags & 7
    text = f"GREv{ver}"
    if ver not in (0, 1):
        return text + " ERROR: unknown-version"
    verbose = ctx.opts.verbose
    if verbose:
        text += ", Flags [" + (", ".join(n for bit, n in GRE_FLAGS if flags & bit) or "none") + "]"
    if len(b) < 4:
        return text + ctx.cut("gre")
    proto = b[2] << 8 | b[3]
    off = 4
    try:
        if ver == 1:
            if flags & 0x2000:
                text += f", call {struct.unpack_from('!I', b, off)[0] & 0xFFFF}"
                off += 4
            if flags & 0x1000:
                text += f", seq {struct.unpack_from('!I', b, off)[0]}"
                off += 4
            if flags & 0x0080:
                text += f", ack {struct.unpack_from('!I', b, off)[0]}"
                off += 4
            if not flags & 0x1000:
                text += ", no-payload"
        else:
            if flags & 0xC000:
                s, o = struct.unpack_from("!HH", b, off)
                text += (f", sum 0x{s:x}" if verbose else "") + f", off 0x{o:x}"
                off += 4
            if flags & 0x2000:
                text += f", key=0x{struct.unpack_from('!I', b, off)[0]:x}"
                off += 4
            if flags & 0x1000:
                text += f", seq {struct.unpack_from('!I', b, off)[0]}"
                off += 4
    except struct.error:
        return text + ctx.cut("gre")
    if ctx.opts.link_header:
        text += f", proto {_etype_name(proto)} (0x{proto:04x})"
    text += f", length {length}"
    if ver == 1 and not flags & 0x1000:
        return text
    text += "\n\t" if verbose else ": "
    inner = b[off:]
    if ver == 1:
        if proto != 0x880B:    # PPTP's enhanced GRE carries PPP and nothing else
            return text + f"gre-proto-0x{proto:x}"
        from zcap.printing.ppp import ppp_text
        return text + ppp_text(ctx, inner, length - off)
    body = _ethertype(ctx, proto, inner, length - off)
    return text + (body if body is not None else f"gre-proto-0x{proto:x}")


def vxlan_print(ctx: Ctx, b: bytes, length: int, sport: int, dport: int) -> str:
    """VXLAN: flags and VNI, then the inner Ethernet frame on the next line."""
    if length < 8:
        return "VXLAN (invalid)"
    if len(b) < 8:
        return "VXLAN, [|vxlan]"
    flags = b[0]
    vni = b[4] << 16 | b[5] << 8 | b[6]
    return (f"VXLAN, flags [{'I' if flags == 8 else 'invalid'}] (0x{flags:02x}), vni {vni}\n" +
            _ether(ctx, b[8:], length - 8))


def geneve_print(ctx: Ctx, b: bytes, length: int, sport: int, dport: int) -> str:
    """Geneve: flags, VNI, options, then the inner packet."""
    text = "Geneve"
    if len(b) < 8:
        return text + ctx.cut("geneve")
    ver_opt, flags, proto = b[0], b[1], b[2] << 8 | b[3]
    if ver_opt >> 6:
        return text + f" ERROR: unknown-version {ver_opt >> 6}"
    vni = b[4] << 16 | b[5] << 8 | b[6]
    fl = ("O" if flags & 0x80 else "") + ("C" if flags & 0x40 else "")
    text += f", Flags [{fl or 'none'}], vni 0x{vni:x}"
    if b[7]:
        text += f", rsvd 0x{b[7]:x}"
    if ctx.opts.link_header:
        text += f", proto {_etype_name(proto)} (0x{proto:04x})"
    olen = (ver_opt & 0x3F) * 4
    if length - 8 < olen:
        return text + f" truncated-geneve - {olen - (length - 8)} bytes missing"
    verbose = ctx.opts.verbose
    if olen:
        text += ", options"
        text += _geneve_opts(b[8:8 + olen], verbose) if verbose else f" [{olen} bytes]"
    text += "\n\t" if verbose else ": "
    inner = b[8 + olen:]
    body = _ethertype(ctx, proto, inner, length - 8 - olen)
    return text + (body if body is not None else f"geneve-proto-0x{proto:x}")


def _geneve_opts(raw: bytes, verbose: int) -> str:
    out = []
    off = 0
    while off + 4 <= len(raw):
        cls, typ, ln = raw[off] << 8 | raw[off + 1], raw[off + 2], (raw[off + 3] & 31) * 4
        item = (f"class {GENEVE_CLASSES.get(cls, 'Unknown')} (0x{cls:x}) type 0x{typ:x}"
                f"{'(C)' if typ & 0x80 else ''} len {ln + 4}")
        if verbose > 1 and ln:
            data = raw[off + 4:off + 4 + ln]
            item += " data" + "".join(f" {data[i:i + 4].hex()}" for i in range(0, len(data), 4))
        out.append(item)
        off += 4 + ln
    return " [" + ", ".join(out) + "]"
