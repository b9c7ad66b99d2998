"""Ethernet Configuration Testing Protocol (ethertype 0x9000, "Loopback"), as
Cisco devices send it for keepalives."""

from __future__ import annotations

import struct

from zcap.printing.context import Ctx, mac_str
from zcap.printing.l2common import trunc

FUNCTIONS = {1: "Reply", 2: "Forward Data"}
REPLY, FORWARD = 1, 2


def loopback_text(ctx: Ctx, b: bytes, length: int) -> str:
    """A loopback message; the skip count says where the current one starts."""
    if length < 2 or len(b) < 2:
        return "Loopback" + (" (invalid)" if length < 2 else trunc("loopback"))
    skip = struct.unpack_from("<H", b, 0)[0]
    text = f"Loopback, skipCount {skip}" + (" (bogus)" if skip % 8 else "")
    if skip > length - 2:
        return text + " (invalid)"
    off = 2 + skip
    left = length - off
    if left < 2:
        return text + " (invalid)"
    if len(b) < off + 2:
        return text + trunc("loopback")
    function = struct.unpack_from("<H", b, off)[0]
    text += ", " + FUNCTIONS.get(function, f" invalid ({function})")
    off, left = off + 2, left - 2
    if function == REPLY:
        if left < 2:
            return text + " (invalid)"
        if len(b) < off + 2:
            return text + trunc("loopback")
        text += f", receipt number {struct.unpack_from('<H', b, off)[0]}"
        off, left = off + 2, left - 2
    elif function == FORWARD:
        if left < 6:
            return text + " (invalid)"
        if len(b) < off + 6:
            return text + trunc("loopback")
        text += f", forwarding address {mac_str(b[off:off + 6])}"
        off, left = off + 6, left - 6
    else:
        return text if len(b) >= off + left else text + trunc("loopback")
    text += f", data ({left} octets)"
    return text if len(b) >= off + left else text + trunc("loopback")
