"""IEEE 802.15.4 MAC frames (link types IEEE802_15_4 and _NOFCS): tcpdump's
one line for beacon, data, ACK and command frames of the 2003/2006 versions
(type, version, addresses, command), -v's sequence number and security
header, then the payload in hex. Other frame types get their name only."""

from __future__ import annotations

import struct

from zcap.printing.context import Ctx
from zcap.printing.l2common import default_print, suppressed, trunc

FRAME_TYPES = ("Beacon", "Data", "ACK", "Command", "Reserved", "Multipurpose", "Fragment",
               "Extended")
COMMANDS = {1: "Association Request command", 2: "Association Response command",
            3: "Disassociation Notification command", 4: "Data Request command",
            5: "PAN ID Conflict Notification command", 6: "Orphan Notification command",
            7: "Beacon Request command", 8: "Coordinator realignment command",
            9: "GTS request command", 10: "TRLE Management Request command",
            11: "TRLE Management Response command", 0x13: "DSME Association Request command",
            0x14: "DSME Association Response command", 0x15: "DSME GTS Request command",
            0x16: "DSME GTS Response command", 0x17: "DSME GTS Notify command",
            0x18: "DSME Information Request command", 0x19: "DSME Information Response command",
            0x1A: "DSME Beacon Allocation Notification command",
            0x1B: "DSME Beacon Collision Notification command", 0x1C: "DSME Link Report command",
            0x20: "RIT Data Request command", 0x21: "DBS Request command",
            0x22: "DBS Response command", 0x23: "RIT Data Response command",
            0x24: "Vendor Specific command"}
T_BEACON, T_DATA, T_ACK, T_COMMAND = 0, 1, 2, 3
MODE_NONE, MODE_SHORT, MODE_LONG = 0, 2, 3
SECURITY, PAN_COMPRESSION = 0x0008, 0x0040
KEY_ID_LEN = (0, 1, 5, 9)    # by key identifier mode
MIC_LEN = (0, 4, 8, 16)      # by the low two bits of the security level


class _Stop(Exception):
    """tcpdump printed an error and gave up on the frame."""


def _address(b: bytes, off: int, mode: int) -> tuple[str, int]:
    if mode == MODE_SHORT:
        if len(b) < off + 2:
            raise _Stop("[ERROR: Truncated before dst_addr]")
        return f"{struct.unpack_from('<H', b, off)[0]:04x}", off + 2
    if len(b) < off + 8:
        raise _Stop("[ERROR: Truncated before dst_addr]")
    return ":".join(f"{x:02x}" for x in reversed(b[off:off + 8])), off + 8


def _pan(b: bytes, off: int) -> tuple[str, int]:
    if len(b) < off + 2:
        raise _Stop("[ERROR: Truncated before dst_pan]")
    return f"{struct.unpack_from('<H', b, off)[0]:04x}", off + 2


def _endpoint(b: bytes, off: int, mode: int, with_pan: bool) -> tuple[str, int]:
    """``pan:address`` (``-:`` for a PAN left out, ``-:none`` for no address);
    _Stop carries what was printed before a cut."""
    if mode == MODE_NONE:
        return "-:none", off
    text = "-:"
    if with_pan:
        pan, off = _pan(b, off)
        text = pan + ":"
    try:
        addr, off = _address(b, off, mode)
    except _Stop as stop:
        raise _Stop(text + str(stop)) from None
    return text + addr, off


def _frame(ctx: Ctx, b: bytes) -> str:
    fc = struct.unpack_from("<H", b, 0)[0]
    ftype, version = fc & 7, (fc >> 12) & 3
    text = f"IEEE 802.15.4 {FRAME_TYPES[ftype]} packet "
    if ftype > T_COMMAND:
        return text
    text += f"v{version} "
    if len(b) < 3:
        return text + trunc("802.15.4")
    if ctx.opts.verbose:
        text += f"seq {b[2]:02x} "
    dst_mode, src_mode = (fc >> 10) & 3, (fc >> 14) & 3
    off = 3
    try:
        if dst_mode == 1:
            raise _Stop("[ERROR: Invalid dst address mode]")
        if src_mode == 1:
            raise _Stop("[ERROR: Invalid src address mode]")
        compressed = bool(fc & PAN_COMPRESSION)
        if dst_mode == MODE_NONE and compressed and version < 2:
            text += ("[ERROR: PAN ID Compression != 0, and only one address with "
                     "frame version < 2]")
        dst, off = _endpoint(b, off, dst_mode, True)
        text += dst + " < "
        src, off = _endpoint(b, off, src_mode, not compressed)
        text += src + " "
    except _Stop as stop:
        return text + str(stop)
    end = len(b)
    if fc & SECURITY:
        if len(b) < off + 5:
            return text + trunc("802.15.4")
        level, key_mode = b[off] & 7, (b[off] >> 3) & 3
        if ctx.opts.verbose:
            text += f"\n\tSecurity Level {level}, Key Id Mode {key_mode}, "
        off += 5 + KEY_ID_LEN[key_mode]
        end -= MIC_LEN[level & 3]
    if ftype == T_COMMAND and off < end:
        command = b[off]
        text += f"Command ID = {COMMANDS.get(command, f'Reserved 0x{command:02x}')} "
        off += 1
        if command not in COMMANDS and off < end:
            text += "Command Data = " + " ".join(f"{x:02x}" for x in b[off:end]) + " "
    elif ftype == T_BEACON:
        more, off = _beacon(ctx, b, off)
        text += more
        if more.endswith("]"):
            return text
    if suppressed(ctx.opts) or off >= end:
        return text
    return text + default_print(b[off:end])


def _beacon(ctx: Ctx, b: bytes, off: int) -> tuple[str, int]:
    """The superframe, GTS and pending-address fields of a beacon."""
    if len(b) < off + 3:
        return " [ERROR: Truncated GTS Info List]", off
    sf, gts = struct.unpack_from("<H", b, off)[0], b[off + 2]
    text = ""
    if ctx.opts.verbose:
        text = (f"\n\tBeacon order = {sf & 15}, Superframe order = {(sf >> 4) & 15}, "
                f"Final CAP Slot = {(sf >> 8) & 15}")
        text += "".join(word for bit, word in ((0x1000, ", BLE"), (0x4000, ", PAN Coordinator"),
                                               (0x8000, ", Association Permit")) if sf & bit)
    off += 3
    count = gts & 7
    if count:
        off += 1 + 3 * count  # direction mask and descriptors
    elif ctx.opts.verbose:
        text += "\n\tGTS Descriptor Count = 0, "
    if len(b) < off + 1:
        return text + " [ERROR: Truncated GTS Info List]", off
    pending = b[off]
    shorts, longs = pending & 7, (pending >> 4) & 7
    if ctx.opts.verbose:
        text += (f"\n\tPending address list, # short addresses = {shorts}, "
                 f"# extended addresses = {longs}")
    return text, off + 1 + 2 * shorts + 8 * longs


def ieee802154(ctx: Ctx, frame: bytes, wire: int) -> tuple[str, int]:
    """An 802.15.4 frame (tcpdump shows an FCS, if any, as part of the payload)."""
    if len(frame) < 2:
        return trunc("802.15.4"), 0
    # tcpdump's -x skips only the first byte of the header, or nothing after an error
    text = _frame(ctx, frame)
    return text, 0 if text.endswith("]") else 1
