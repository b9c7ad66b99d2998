"""MPLS LSP ping (UDP 3503, RFC 8029): without -v the version, message type,
sequence number and length; with -v the common header on lines of its own.
(The TLVs after it, shown with -v, are not decoded here.)"""

from __future__ import annotations

import struct

from zcap.printing.context import Ctx

COMMON = struct.Struct("!HHBBBBII")   # version, flags, type, reply mode, codes, handle, seq
COMMON_LEN = 32                        # with the two time stamps
VERSION = 1
MESSAGES = {1: "MPLS Echo Request", 2: "MPLS Echo Reply"}
REPLY_MODES = {1: "Do not reply", 2: "Reply via an IPv4/IPv6 UDP packet",
               3: "Reply via an IPv4/IPv6 UDP packet with Router Alert",
               4: "Reply via application level control channel"}


def lspping_print(ctx: Ctx, b: bytes, length: int, sport: int, dport: int) -> str:
    """An LSP ping message, from ``LSP-PINGv1`` on."""
    if length < COMMON_LEN:
        return "\n\t\t packet is too short"
    if len(b) < COMMON_LEN:
        return ctx.cut("lspping")
    version, _flags, kind, mode, _code, _sub, _handle, seq = COMMON.unpack_from(b)
    if version != VERSION:
        return f"LSP-PING version {version} packet not supported"
    if not ctx.opts.verbose:
        return f"LSP-PINGv{version}, {MESSAGES.get(kind, f'unknown ({kind})')}, seq {seq}, " \
               f"length: {length}"
    return (f"\n\tLSP-PINGv{version}, msg-type: {MESSAGES.get(kind, 'unknown')} ({kind}), "
            f"length: {length}\n\t  reply-mode: {REPLY_MODES.get(mode, 'unknown')} ({mode})")
