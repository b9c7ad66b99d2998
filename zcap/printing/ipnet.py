"""Solaris's ipnet link type (IPNET): a 24-byte header naming the address
family and the zones the packet went between, then IPv4 or IPv6."""

from __future__ import annotations

import struct

from zcap.printing.context import Ctx
from zcap.printing.dispatch import ip_payload
from zcap.printing.l2common import default_print, suppressed

HDR = struct.Struct("!BBHIIIII")   # version, family, type, length, if, group if, zones
AF_INET, AF_INET6 = 2, 26
FAMILIES = {AF_INET: "IPv4", AF_INET6: "IPv6"}


def _header(ctx: Ctx, frame: bytes, length: int) -> str:
    _v, family, _t, _len, _if, _grif, zsrc, zdst = HDR.unpack_from(frame)
    if ctx.opts.quiet:
        what = FAMILIES.get(family, f"Unknown Ethertype (0x{family:04x})")
        return f"{zsrc} > {zdst}, {what}, length {length}: "
    return f"{zsrc} > {zdst}, family {FAMILIES.get(family, 'Unknown')} ({family}), " \
           f"length {length}: "


def ipnet(ctx: Ctx, frame: bytes, wire: int) -> tuple[str, int]:
    """An ipnet record: its header with -e, then the IP packet."""
    if len(frame) < HDR.size:
        return ctx.cut("ipnet"), 0
    head = _header(ctx, frame, wire) if ctx.opts.link_header else ""
    family = frame[1]
    body, length = frame[HDR.size:], wire - HDR.size
    if family in FAMILIES:
        return head + ip_payload(ctx, 4 if family == AF_INET else 6, body, length), HDR.size
    if not ctx.opts.link_header:
        head = _header(ctx, frame, wire)
    return head + ("" if suppressed(ctx.opts) else default_print(body)), HDR.size
