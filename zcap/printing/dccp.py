"""DCCP (IP protocol 33, RFC 4340): ports, packet type and its fixed fields,
the acknowledgement number; with -v the CCVal, checksum coverage and checksum
verdict; with -vv the sequence number and the options."""

from __future__ import annotations

import struct

from zcap.printing.context import Ctx
from zcap.printing.iphdr import IpHdr
from zcap.printing.sums import in_cksum

BASIC, BASIC_EXT = 12, 16
REQUEST, RESPONSE, DATA, ACK, DATAACK, CLOSEREQ, CLOSE, RESET, SYNC, SYNCACK = range(10)
TYPES = {REQUEST: "DCCP-Request", RESPONSE: "DCCP-Response", DATA: "DCCP-Data",
         ACK: "DCCP-Ack", DATAACK: "DCCP-DataAck", CLOSEREQ: "DCCP-CloseReq",
         CLOSE: "DCCP-Close", RESET: "DCCP-Reset", SYNC: "DCCP-Sync",
         SYNCACK: "DCCP-SyncAck"}
# bytes each type adds after the basic header (the service code, the
# acknowledgement subheader, the reset code and data)
EXTRA = {REQUEST: 4, RESPONSE: 12, ACK: 8, DATAACK: 8, CLOSEREQ: 8, CLOSE: 8, RESET: 12,
         SYNC: 8, SYNCACK: 8}
RESET_CODES = ("unspecified", "closed", "aborted", "no_connection", "packet_error",
               "option_error", "mandatory_error", "connection_refused", "bad_service_code",
               "too_busy", "bad_init_cookie", "aggression_penalty")
OPTIONS = {0: "nop", 1: "mandatory", 2: "slowreceiver", 32: "change_l", 33: "confirm_l",
           34: "change_r", 35: "confirm_r", 36: "initcookie", 37: "ndp_count",
           38: "ack_vector0", 39: "ack_vector1", 40: "data_dropped", 41: "timestamp",
           42: "timestamp_echo", 43: "elapsed_time", 44: "data_checksum"}
FEATURES = ("reserved", "ccid", "allow_short_seqno", "sequence_window", "ecn_incapable",
            "ack_ratio", "send_ack_vector", "send_ndp_count", "minimum checksum coverage",
            "check data checksum")
HEX_OPTIONS = frozenset({36, 38, 39, 40})


def _uint(b: bytes, off: int, n: int) -> int:
    if off + n > len(b):
        raise IndexError("dccp: field past the capture")
    return int.from_bytes(b[off:off + n], "big")


def _checksum(ip: IpHdr, b: bytes, length: int) -> str:
    """``, cksum 0x.... (correct)`` or the value it should have been."""
    stored = _uint(b, 6, 2)
    cscov = b[5] & 0x0F
    cover = length if cscov == 0 else min((b[4] + cscov - 1) * 4, length)
    if ip.v6:
        pseudo = ip.src + ip.dst + struct.pack("!IxxxB", length, 33)
    else:
        pseudo = ip.src + ip.dst + struct.pack("!xBH", 33, length)
    computed = in_cksum(pseudo + bytes(b[:cover]))
    if computed == 0:
        return f", cksum 0x{stored:04x} (correct)"
    should = stored + computed
    should = (should & 0xFFFF) + (should >> 16)
    should = (should & 0xFFFF) + (should >> 16)
    return f", cksum 0x{stored:04x} (incorrect -> 0x{should:04x})"


def _option(b: bytes, off: int, room: int) -> tuple[str, int]:
    """One option's text and length (0 ends the list)."""
    kind = b[off]
    if kind >= 32:
        optlen = _uint(b, off + 1, 1)
        if optlen < 2:
            what = f"CCID option {kind}" if kind >= 128 else OPTIONS.get(kind, f"Option {kind}")
            return f"{what} optlen too short", 0
    else:
        optlen = 1
    if room < optlen:
        what = f"CCID option {kind}" if kind >= 128 else OPTIONS.get(kind, f"Option {kind}")
        return f"{what} optlen goes past header length", 0
    if off + optlen > len(b):
        return " [|dccp]", 0
    body = b[off + 2:off + optlen]
    if kind >= 128:
        text = f"CCID option {kind}"
        if optlen == 4:
            text += f" {_uint(b, off + 2, 2)}"
        elif optlen == 6:
            text += f" {_uint(b, off + 2, 4)}"
        return text, optlen
    text = OPTIONS.get(kind, f"Option {kind}")
    if 32 <= kind <= 35:
        if optlen < 3:
            return text + " optlen too short", optlen
        if b[off + 2] < 10:
            text += f" {FEATURES[b[off + 2]]}" + "".join(f" {v}" for v in b[off + 3:off + optlen])
    elif kind in HEX_OPTIONS:
        if optlen > 2:
            text += " 0x" + body.hex()
    elif kind == 37:
        text += "".join(f" {v}" for v in body)
    elif kind == 41:
        text += f" {_uint(b, off + 2, 4)}" if optlen == 6 else " [optlen != 6]"
    elif kind == 42:
        if optlen in (6, 8, 10):
            text += f" {_uint(b, off + 2, 4)}"
            if optlen > 6:
                text += f" (elapsed time {_uint(b, off + 6, optlen - 6)})"
        else:
            text += " [optlen != 6 or 8 or 10]"
    elif kind == 43:
        if optlen in (4, 6):
            text += f" {_uint(b, off + 2, optlen - 2)}"
        else:
            text += " [optlen != 4 or 6]"
    elif kind == 44 and optlen > 2:
        text += " " + body.hex()
    return text, optlen


def dccp_print(ctx: Ctx, ip: IpHdr, b: bytes, length: int) -> str:
    """A DCCP packet, from the addresses and ports on."""
    if len(b) < BASIC:
        return " [|dccp]"
    if length < BASIC:
        return f"truncated-dccp - {BASIC - length} bytes missing!"
    extended = b[8] & 1
    fixed = BASIC_EXT if extended else BASIC
    if length < fixed:
        return f"truncated-dccp - {fixed - length} bytes missing!"
    if len(b) < fixed:
        return " [|dccp]"
    sport, dport = struct.unpack_from("!HH", b)
    hlen = b[4] * 4
    out = [f"{ip.srcs}.{sport} > {ip.dsts}.{dport}: DCCP"]
    opts = ctx.opts
    if opts.quiet:
        out.append(f" {(length - hlen) & 0xFFFFFFFF}")
        if hlen > length:
            out.append(f" [bad hdr length {hlen} - too long, > {length}]")
        return "".join(out)
    try:
        if opts.verbose:
            out.append(f" (CCVal {b[5] >> 4}, CsCov {b[5] & 0x0F}")
            if len(b) >= length:
                out.append(_checksum(ip, b, length))
            out.append(")")
        out.append(" ")
        kind = b[8] >> 1 & 0x0F
        name = TYPES.get(kind, "")
        extra = EXTRA.get(kind, 0)
        if extra:
            fixed += extra
            if length < fixed:
                return "".join(out) + f"truncated-{name} - {fixed - length} bytes missing!"
        if kind in (REQUEST, RESPONSE, RESET) and len(b) < fixed:
            return "".join(out) + " [|dccp]"
        if kind == REQUEST:
            out.append(f"{name} (service={_uint(b, fixed - 4, 4)}) ")
        elif kind == RESPONSE:
            out.append(f"{name} (service={_uint(b, fixed - 4, 4)}) ")
        elif kind == RESET:
            code = b[fixed - 4]
            out.append(f"{name} (code={RESET_CODES[code] if code < 12 else 'invalid'}) ")
        else:
            out.append(f"{name or f'unknown-type-{kind}'} ")
        if kind not in (DATA, REQUEST):
            ack = BASIC_EXT if extended else BASIC
            ackno = _uint(b, ack + 2, 6) if extended else _uint(b, ack + 1, 3)
            out.append(f"(ack={ackno}) ")
        if opts.verbose < 2:
            return "".join(out)
        seq = _uint(b, 10, 6) if extended else _uint(b, 9, 3)
        out.append(f"seq {seq}")
        if hlen > fixed:
            out.append(" <")
            off, room = fixed, hlen - fixed
            while True:
                text, optlen = _option(b, off, room)
                out.append(text)
                if not optlen or room <= optlen:
                    break
                room -= optlen
                off += optlen
                out.append(", ")
            out.append(">")
    except IndexError:
        out.append(ctx.cut("dccp"))
    return "".join(out)
