"""Ethernet Configuration Testing Protocol (ethertype 0x9000, "Loopback"), as
Cisco devices send it for keepalives."""

from __future__ import annotations

import struct

from zcap.printing.context import Ctx, mac_str
from zcap.printing.l2common import trunc

FUNCTIONS = {1: "Reply", 2: "Forward Data"}
REPLY, FORWARD = 1, 2


def _short(b: bytes, off: int, left: int, need: int) -> str | None:
    """tcpdump's complaint when a field of ``need`` bytes is not there."""
    if left < need:
        return " (invalid)"
    if len(b) < off + need:
        return trunc("loopback")
    return None


def loopback_text(ctx: Ctx, b: bytes, length: int) -> str:
    """A loopback message; the skip count says where the current one starts."""
    cut = _short(b, 0, length, 2)
    if cut:
        return "Loopback" + cut
    skip = struct.unpack_from("<H", b, 0)[0]
    text = f"Loopback, skipCount {skip}" + (" (bogus)" if skip % 8 else "")
    if skip > length - 2:
        return text + " (invalid)"
    off = 2 + skip
    left = length - off
    cut = _short(b, off, left, 2)
    if cut:
        return text + cut
    function = struct.unpack_from("<H", b, off)[0]
    text += ", " + FUNCTIONS.get(function, f" invalid ({function})")
    off, left = off + 2, left - 2
    if function == REPLY:
        cut = _short(b, off, left, 2)
        if cut:
            return text + cut
        text += f", receipt number {struct.unpack_from('<H', b, off)[0]}"
        off, left = off + 2, left - 2
    elif function == FORWARD:
        cut = _short(b, off, left, 6)
        if cut:
            return text + cut
        text += f", forwarding address {mac_str(b[off:off + 6])}"
        off, left = off + 6, left - 6
    else:
        return text if len(b) >= off + left else text + trunc("loopback")
    text += f", data ({left} octets)"
    return text if len(b) >= off + left else text + trunc("loopback")
