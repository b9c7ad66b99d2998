"""IP over InfiniBand (link type IPOIB, RFC 4391): a 44-byte header (the
link addresses, which tcpdump does not show, and an ethertype) before the
packet; with -e tcpdump names the header by the ethertype alone."""

from __future__ import annotations

from zcap.printing.context import Ctx
from zcap.printing.dispatch import ETHERTYPES, ethertype_text
from zcap.printing.l2common import default_print, suppressed, trunc

IPOIB_HDRLEN = 44
ETHERTYPE_AT = 40


def _header(ctx: Ctx, etype: int, length: int) -> str:
    name = ETHERTYPES.get(etype, "Unknown")
    return (f", ethertype {name}" if ctx.opts.quiet else f", ethertype {name} (0x{etype:04x})") \
        + f", length {length}: "


def ipoib(ctx: Ctx, frame: bytes, wire: int) -> tuple[str, int]:
    """An IPoIB frame: the packet after the header, by its ethertype."""
    if len(frame) < IPOIB_HDRLEN or wire < IPOIB_HDRLEN:
        return trunc("ipoib"), min(len(frame), wire)
    etype = frame[ETHERTYPE_AT] << 8 | frame[ETHERTYPE_AT + 1]
    head = "IPOIB" + _header(ctx, etype, wire) if ctx.opts.link_header else ""
    body = frame[IPOIB_HDRLEN:]
    text = ethertype_text(ctx, etype, body, wire - IPOIB_HDRLEN)
    if text is not None:
        return head + text, IPOIB_HDRLEN
    if not ctx.opts.link_header:
        head = _header(ctx, etype, wire)
    return head + ("" if suppressed(ctx.opts) else default_print(body)), IPOIB_HDRLEN
