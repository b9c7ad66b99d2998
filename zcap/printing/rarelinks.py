"""Link types seen less often, with tcpdump's first words for each: SLIP,
PPP in HDLC framing, Cisco HDLC, Frame Relay, and the PPI header that wraps
another link type. Where tcpdump
decodes more than the header, what follows is the network layer as usual."""

from __future__ import annotations

import struct

from zcap.printing.context import Ctx
from zcap.printing.l2common import default_print, suppressed, trunc, u16

SLIP_HDRLEN = 16  # direction byte plus 15 bytes of compressed-header history
SLIP_DIRECTIONS = {0: "I", 1: "O"}


SLIP_TYPE_IP, SLIP_TYPE_UNCOMPRESSED_TCP, SLIP_TYPE_COMPRESSED_TCP = 0x40, 0x70, 0x80


def _slip_kind(first: int, wire: int) -> str:
    """-e's word for what the compressed-header history says the packet is."""
    if first & 0xF0 == SLIP_TYPE_IP:
        return f"ip {wire}: "
    if first & 0xF0 == SLIP_TYPE_UNCOMPRESSED_TCP:
        return f"utcp {wire}: "
    if first & SLIP_TYPE_COMPRESSED_TCP:
        return "ctcp "
    return f"slip-{first}!: "


def slip(ctx: Ctx, frame: bytes, wire: int) -> tuple[str, int]:
    """SLIP as libpcap writes it: a 16-byte pseudo-header before the IP packet."""
    if len(frame) < SLIP_HDRLEN:
        return trunc("slip"), 0
    from zcap.printing.link import ip_payload
    body, length = frame[SLIP_HDRLEN:], wire - SLIP_HDRLEN
    head = ""
    if ctx.opts.link_header:
        head = f"{SLIP_DIRECTIONS.get(frame[0], 'I')} " + _slip_kind(frame[1], wire)
    if not body:
        return head + trunc("slip"), SLIP_HDRLEN
    ver = body[0] >> 4
    if ver in (4, 6):
        return head + ip_payload(ctx, ver, body, length), SLIP_HDRLEN
    return head + f"ip v{ver}", SLIP_HDRLEN


CHDLC_UNICAST, CHDLC_BCAST = 0x0F, 0x8F
CHDLC_PROTOS = {0x0800: 4, 0x86DD: 6}


def chdlc(ctx: Ctx, frame: bytes, wire: int) -> tuple[str, int]:
    """Cisco HDLC: address, control, then an ethertype."""
    if len(frame) < 4:
        return trunc("chdlc"), len(frame)
    proto = u16(frame, 2)
    from zcap.printing.link import ETHERTYPES, ethertype_text
    head = ""
    if ctx.opts.link_header:
        kind = "bcast" if frame[0] == CHDLC_BCAST else "unicast" if frame[0] == CHDLC_UNICAST \
            else f"0x{frame[0]:02x}"
        head = f"{kind}, ethertype {ETHERTYPES.get(proto, 'Unknown')} (0x{proto:04x}), " \
               f"length {wire}: "
    text = ethertype_text(ctx, proto, frame[4:], wire - 4)
    if text is None:
        text = f"unknown CHDLC protocol (0x{proto:04x})"
    return head + text, 4


def ppp_serial(ctx: Ctx, frame: bytes, wire: int) -> tuple[str, int]:
    """PPP in HDLC-like framing (RFC 1662); Cisco HDLC frames may appear too."""
    if frame and frame[0] in (CHDLC_UNICAST, CHDLC_BCAST):
        return chdlc(ctx, frame, wire)
    if len(frame) < 4:
        return trunc("ppp_hdlc"), len(frame)
    head = f"{frame[0]:02x} {frame[1]:02x} {wire} " if ctx.opts.link_header else ""
    if frame[0] != 0xFF:
        return head + f"unknown addr {frame[2]:02x}; ctrl {frame[3]:02x}", 2
    from zcap.printing.ppp import PROTOCOLS, protocol_text
    proto = u16(frame, 2)
    head += PROTOCOLS.get(proto, f"unknown PPP protocol (0x{proto:04x})") + ": "
    return head + protocol_text(ctx, proto, frame[4:], wire - 4), 4


def frelay(ctx: Ctx, frame: bytes, wire: int) -> tuple[str, int]:
    """Frame Relay: the Q.922 address and what follows it."""
    if len(frame) < 2:
        return trunc("fr"), len(frame)
    if frame[0] & 1 or not frame[1] & 1:
        return "Q.922, invalid address", 0
    return "Q.922" + ("" if suppressed(ctx.opts) else default_print(frame)), 0


PPI_HDRLEN, PPI_MAX = 8, 65532


def ppi(ctx: Ctx, frame: bytes, wire: int) -> tuple[str, int]:
    """PPI: a per-packet information header naming the link type inside."""
    if len(frame) < PPI_HDRLEN:
        return trunc("ppi"), len(frame)
    version, _flags, hdrlen, dlt = struct.unpack_from("<BBHI", frame, 0)
    if hdrlen < PPI_HDRLEN or hdrlen > PPI_MAX or len(frame) < hdrlen:
        return trunc("ppi"), len(frame)
    from bpf_filters.linktypes import lookup
    from zcap.printing.link import LINK_PRINTERS, link_printer
    known = lookup(dlt)
    name = known.name if known else "UNKNOWN"
    if ctx.opts.quiet:
        head = f"{name}, length {wire}: "
    else:
        head = f"V.{version} DLT {name} ({dlt}) len {hdrlen}, length {wire}: "
    inner = LINK_PRINTERS.get(dlt)
    if inner is None:
        body = frame[hdrlen:]
        return head + ("" if suppressed(ctx.opts) else default_print(body)), hdrlen
    text, off = link_printer(dlt)(ctx, frame[hdrlen:], wire - hdrlen)
    # tcpdump counts the inner link header twice when it computes where -x starts
    return (head if ctx.opts.link_header else "") + text, hdrlen + 2 * off
