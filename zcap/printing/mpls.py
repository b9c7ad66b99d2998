"""MPLS label stacks (RFC 3032), then the payload guessed as tcpdump guesses it."""

from __future__ import annotations

from zcap.printing.context import Ctx
from zcap.printing.l2common import default_print, suppressed, trunc, u32

RESERVED_LABELS = ("IPv4 explicit NULL", "router alert", "IPv6 explicit NULL", "implicit NULL")
IPV4_LABELS, IPV6_LABELS = (0, 3), (2,)


def mpls_text(ctx: Ctx, b: bytes, length: int) -> str:
    """A label stack and what it carries; ``length`` as on the wire."""
    verbose = ctx.opts.verbose
    text, off, depth = "MPLS", 0, 0
    while True:
        if length - off < 4:
            return text + " (invalid)"
        if len(b) < off + 4:
            return text + trunc("mpls")
        entry = u32(b, off)
        label = entry >> 12
        text += ("\n\t" if depth and verbose else " ") + f"(label {label}"
        if verbose and label < 16:
            text += f" ({RESERVED_LABELS[label] if label < 4 else 'rsvd'})"
        text += f", tc {(entry >> 9) & 7}"
        bottom = entry & 0x100
        if bottom:
            text += ", [S]"
        text += f", ttl {entry & 0xFF})"
        off, depth = off + 4, depth + 1
        if bottom:
            break
    body, blen = b[off:], length - off
    if label in IPV4_LABELS:
        kind = 4
    elif label in IPV6_LABELS:
        kind = 6
    else:
        if blen < 1:
            return text
        if not body:
            return text + trunc("mpls")
        first = body[0]
        kind = 4 if 0x45 <= first <= 0x4F else 6 if first >> 4 == 6 else \
            7 if first in (0x81, 0x82, 0x83) else 0
    if kind in (0, 7):
        return text + ("" if suppressed(ctx.opts) else default_print(body[:blen]))
    from zcap.printing.dispatch import ip_payload
    return text + ("\n\t" if verbose else " ") + ip_payload(ctx, kind, body, blen)
