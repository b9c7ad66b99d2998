"""Broadcom's lawful-intercept shim (UDP source port 49152): its header line,
and with -v the intercepted packet after it."""

from __future__ import annotations

from zcap.printing.context import Ctx

SHIM_LEN = 4
DIRECTIONS = {1: "unused", 2: "egress", 3: "ingress"}
UNDECIDED, IPV4, IPV6, ETHERNET = 4, 5, 6, 7
PKT_TYPES = {UNDECIDED: "undecided", IPV4: "ipv4", IPV6: "ipv6", ETHERNET: "ethernet"}
SUBTYPES = {1: "single VLAN tag", 2: "double VLAN tag", 3: "untagged"}
PORT = 49152


def bcm_li_print(ctx: Ctx, b: bytes, length: int, sport: int, dport: int) -> str:
    """The shim and, with -v, what it carries."""
    if length < SHIM_LEN:
        return f" (length {length} < {SHIM_LEN}) (invalid)"
    if len(b) < SHIM_LEN:
        return ctx.cut("bcm_li")
    shim = int.from_bytes(b[:4], "big")
    kind = shim >> 25 & 0xF
    verbose = ctx.opts.verbose
    direction = DIRECTIONS.get(shim >> 29 & 7, "unknown")
    subtype = SUBTYPES.get(shim >> 22 & 7, "unknown")
    brk = "\n    " if verbose else ""
    text = (f"{brk}BCM-LI-SHIM: direction {direction}, pkt-type "
            f"{PKT_TYPES.get(kind, 'unknown')}, pkt-subtype {subtype}, "
            f"li-id {shim & 0x3FFFFF}{brk}")
    body, blen = b[SHIM_LEN:], length - SHIM_LEN
    if not verbose:
        return text + (ctx.cut("bcm_li") if len(body) < blen else "")
    from zcap.printing.dispatch import ip_payload
    from zcap.printing.link import ethernet
    if kind == ETHERNET:
        return text + ethernet(ctx, body, blen)[0]
    if kind in (IPV4, IPV6):
        return text + ip_payload(ctx, 4 if kind == IPV4 else 6, body, blen)
    if kind == UNDECIDED:
        if not body:
            return text + ctx.cut("bcm_li")
        version = body[0] >> 4
        if version in (4, 6):
            return text + ip_payload(ctx, version, body, blen)
        return text + "unknown payload"
    return text + " (invalid)"
