"""ATA over Ethernet (ethertype 0x88A2): tcpdump's line for the common
header. With -v tcpdump adds the error, major/minor, command and tag on a
second line (printed here too) and then each command's arguments on further
lines, which are not decoded here."""

from __future__ import annotations

import struct

from zcap.printing.context import Ctx

COMMON_HDR = 10          # version/flags, error, major, minor, command, tag
FLAGS = ((0x08, "Response"), (0x04, "Error"), (0x02, "MBZ-1"), (0x01, "MBZ-0"))
ERRORS = {1: "Unrecognized command code", 2: "Bad argument parameter",
          3: "Device unavailable", 4: "Config string present", 5: "Unsupported version",
          6: "Target is reserved"}
COMMANDS = {0: "Issue ATA Command", 1: "Query Config Information", 2: "MAC Mask List",
            3: "Reserve/Release"}


def aoe_text(ctx: Ctx, b: bytes, length: int) -> str:
    """``AoE length N, Ver 1, Flags: [Response]``."""
    text = f"AoE length {length}"
    if length < 1:
        return text + " (invalid)"
    if not b:
        return text + ctx.cut("aoe")
    version = b[0] >> 4
    text += f", Ver {version}"
    if version != 1:
        return text
    if length < COMMON_HDR:
        return text + " (invalid)"
    flags = b[0] & 0x0F
    names = [n for bit, n in FLAGS if flags & bit]
    text += f", Flags: [{', '.join(names) or 'none'}]"
    if not ctx.opts.verbose:
        return text
    if len(b) < COMMON_HDR:
        return text + ctx.cut("aoe")
    if flags & 0x04:
        text += f"\n\tError: {ERRORS.get(b[1], f'Invalid ({b[1]})')}"
    major, minor, command, tag = struct.unpack_from("!HBBI", b, 2)
    return text + (f"\n\tMajor: 0x{major:04x}, Minor: 0x{minor:02x}, Command: "
                   f"{COMMANDS.get(command, f'Unknown (0x{command:02x})')}, Tag: 0x{tag:08x}")
