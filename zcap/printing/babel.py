"""Babel (RFC 8966, UDP 6696 and the old 6697): the version and body length,
then each TLV by name (without -v) or on a line of its own with its fields
(with -v), and the trailer's TLVs after a ``|`` (``----`` with -v).

tcpdump stops at a TLV that claims more than the body (`` (invalid)``) or more
than was captured (`` [|babel]``); both are kept here.
"""

from __future__ import annotations

from zcap.printing.context import Ctx, ip4_str, ip6_str
from zcap.printing.l2common import SHORT

PORTS = frozenset({6696, 6697})
MAGIC = 42
PAD1, PADN, ACK_REQ, ACK, HELLO, IHU, ROUTER_ID, NH, UPDATE, ROUTE_REQUEST, \
    SEQNO_REQUEST, TSPC, HMAC, SS_UPDATE, SS_REQUEST, SS_MH_REQUEST, MAC, PC, \
    CHALLENGE_REQUEST, CHALLENGE_REPLY = range(20)
# the names tcpdump prints without -v
NAMES = {PADN: "padN", ACK_REQ: "ack-req", ACK: "ack", HELLO: "hello", IHU: "ihu",
         ROUTER_ID: "router-id", NH: "nh", UPDATE: "update", ROUTE_REQUEST: "route-request",
         SEQNO_REQUEST: "seqno-request", TSPC: "tspc", HMAC: "hmac", SS_UPDATE: "ss-update",
         SS_REQUEST: "ss-request", SS_MH_REQUEST: "ss-mh-request", MAC: "mac", PC: "pc",
         CHALLENGE_REQUEST: "challenge_request", CHALLENGE_REPLY: "challenge_reply"}
SUB_PAD1, SUB_PADN, SUB_DIVERSITY, SUB_TIMESTAMP = range(4)
MANDATORY = 0x80
UNICAST = 0x8000
DIVERSITY = {0: "reserved", 255: "all"}
V4_MAPPED = bytes(10) + b"\xff\xff"


class Invalid(Exception):
    """A length that contradicts the message: tcpdump's `` (invalid)``."""


class Short(Exception):
    """Fewer bytes captured than a length check asks for: `` [|babel]``, the
    packet itself not abandoned (an IndexError is a read past the capture,
    which abandons it)."""


def _u16(b: bytes, off: int) -> int:
    return b[off] << 8 | b[off + 1]


def _u32(b: bytes, off: int) -> int:
    return _u16(b, off) << 16 | _u16(b, off + 2)


def _interval(i: int) -> str:
    return "0.0s (bogus)" if i == 0 else f"{i // 100}.{i % 100:02d}s"


def _interval_update(i: int) -> str:
    return "infinity" if i == 0xFFFF else _interval(i)


def _timestamp(i: int) -> str:
    return f"{i // 1000000}.{i % 1000000:06d}s"


def _router_id(b: bytes, off: int) -> str:
    return ":".join(f"{b[off + k]:02x}" for k in range(8))


def _address(a: bytes) -> str:
    return ip4_str(a[12:]) if a[:12] == V4_MAPPED else ip6_str(a)


def _prefix(a: bytes, plen: int) -> str:
    if plen >= 96 and a[:12] == V4_MAPPED:
        return f"{ip4_str(a[12:])}/{plen - 96}"
    return f"{ip6_str(a)}/{plen}"


def _network_prefix(ae: int, plen: int, omitted: int, b: bytes, off: int,
                    default: bytes | None, room: int) -> tuple[bytes, int]:
    """The 16-byte prefix an address encoding gives, and the bytes it took
    from the message (Invalid for an encoding tcpdump refuses)."""
    pb = (plen + 7) // 8 if plen >= 0 else (4 if ae == 1 else 16)
    if pb > 16:
        raise Invalid
    prefix = bytearray(16)
    used = 0
    if ae == 0:
        pass
    elif ae == 1:
        if omitted > 4 or pb > 4 or (pb > omitted and room < pb - omitted):
            raise Invalid
        prefix[:12] = V4_MAPPED
        if omitted:
            if default is None:
                raise Invalid
            prefix[:12 + omitted] = default[:12 + omitted]
        if pb > omitted:
            used = pb - omitted
            prefix[12 + omitted:12 + pb] = _take(b, off, used)
    elif ae == 2:
        if omitted > 16 or (pb > omitted and room < pb - omitted):
            raise Invalid
        if omitted:
            if default is None:
                raise Invalid
            prefix[:omitted] = default[:omitted]
        if pb > omitted:
            used = pb - omitted
            prefix[omitted:pb] = _take(b, off, used)
    elif ae == 3:
        if pb > 8 and room < pb - 8:
            raise Invalid
        prefix[0:2] = b"\xfe\x80"
        if pb > 8:
            used = pb - 8
            prefix[8:pb] = _take(b, off, used)
    else:
        raise Invalid
    return bytes(prefix), used


def _take(b: bytes, off: int, n: int) -> bytes:
    if off + n > len(b):
        raise IndexError("babel: prefix past the capture")
    return b[off:off + n]


def _subtlvs(b: bytes, cp: int, end: int, tlv: int, out: list[str]) -> None:
    """The sub-TLVs after a TLV's fixed part; `` (invalid)`` ends a bad list."""
    while cp < end:
        subtype = b[cp]
        cp += 1
        if subtype == SUB_PAD1:
            out.append(" sub-pad1")
            continue
        if subtype & MANDATORY:
            out.append(" (M)")
        if cp == end:
            out.append(" (invalid)")
            return
        sublen = b[cp]
        cp += 1
        if cp + sublen > end:
            out.append(" (invalid)")
            return
        if subtype == SUB_PADN:
            out.append(" sub-padn")
        elif subtype == SUB_DIVERSITY:
            out.append(" sub-diversity")
            if sublen == 0:
                out.append(" empty")
                continue
            out.append(" " + "-".join(DIVERSITY.get(b[cp + k], str(b[cp + k]))
                                      for k in range(sublen)))
            if tlv not in (UPDATE, SS_UPDATE):
                out.append(" (bogus)")
        elif subtype == SUB_TIMESTAMP:
            out.append(" sub-timestamp")
            if tlv == HELLO:
                if sublen < 4:
                    out.append(" (invalid)")
                    return
                out.append(" " + _timestamp(_u32(b, cp)))
            elif tlv == IHU:
                if sublen < 8:
                    out.append(" (invalid)")
                    return
                out.append(f" {_timestamp(_u32(b, cp))}|{_timestamp(_u32(b, cp + 4))}")
            else:
                out.append(" (bogus)")
        else:
            out.append(f" sub-unknown-0x{subtype:02x}")
        cp += sublen


class _Prefixes:
    """The last prefixes an Update announced, which a later one may abbreviate."""

    def __init__(self) -> None:
        self.v4 = V4_MAPPED + bytes(4)
        self.v6 = bytes(16)


def _head(out: list[str], label: str, ln: int, minimum: int) -> None:
    """A TLV's -v line starts with its name; too short a TLV stops there."""
    out.append(label)
    if ln < minimum:
        raise Invalid


def _tlv_verbose(b: bytes, m: int, kind: int, ln: int, seen: _Prefixes,
                 out: list[str]) -> None:
    """One TLV's -v line (``m`` is where it starts in ``b``)."""
    end = m + 2 + ln
    if kind == PADN:
        out.append(f"\n\tPad {ln + 2}")
    elif kind == ACK_REQ:
        _head(out, "\n\tAcknowledgment Request ", ln, 6)
        out.append(f"{_u16(b, m + 4):04x} {_interval(_u16(b, m + 6))}")
    elif kind == ACK:
        _head(out, "\n\tAcknowledgment ", ln, 2)
        out.append(f"{_u16(b, m + 2):04x}")
    elif kind == HELLO:
        _head(out, "\n\tHello ", ln, 6)
        interval = _u16(b, m + 6)
        out.append(("(Unicast) " if _u16(b, m + 2) & UNICAST else "")
                   + f"seqno {_u16(b, m + 4)} "
                   + (f"interval {_interval(interval)}" if interval else "unscheduled"))
        if ln > 6:
            _subtlvs(b, m + 8, end, kind, out)
    elif kind == IHU:
        _head(out, "\n\tIHU ", ln, 6)
        ae = b[m + 2]
        try:
            addr, used = _network_prefix(ae, -1, 0, b, m + 8, None, ln - 6)
        except Invalid:
            out.append(" [|babel]")
            return
        out.append(f"{'any' if ae == 0 else _address(addr)} rxcost {_u16(b, m + 4)} "
                   f"interval {_interval(_u16(b, m + 6))}")
        if used < ln - 6:
            _subtlvs(b, m + 8 + used, end, kind, out)
    elif kind == ROUTER_ID:
        _head(out, "\n\tRouter Id", ln, 10)
        out.append(" " + _router_id(b, m + 4))
    elif kind == NH:
        _head(out, "\n\tNext Hop", ln, 2)
        ae = b[m + 2]
        addr, _ = _network_prefix(ae, -1, 0, b, m + 4, None, ln - 2)
        out.append(" " + ("invalid AE 0" if ae == 0 else _address(addr)))
    elif kind == UPDATE:
        _update(b, m, ln, seen, out)
    elif kind == ROUTE_REQUEST:
        _head(out, "\n\tRoute Request ", ln, 2)
        ae, plen = b[m + 2], b[m + 3]
        prefix, _ = _network_prefix(ae, plen, 0, b, m + 4, None, ln - 2)
        out.append("for " + ("any" if ae == 0 else
                             _prefix(prefix, (plen + (96 if ae == 1 else 0)) & 0xFF)))
    elif kind == SEQNO_REQUEST:
        _head(out, "\n\tSeqno Request ", ln, 14)
        ae, plen = b[m + 2], b[m + 3]
        prefix, _ = _network_prefix(ae, plen, 0, b, m + 16, None, ln - 14)
        where = "invalid AE 0" if ae == 0 else \
            _prefix(prefix, (plen + (96 if ae == 1 else 0)) & 0xFF)
        out.append(f"({b[m + 6]} hops) for {where} seqno {_u16(b, m + 4)} "
                   f"id {_router_id(b, m + 8)}")
    elif kind == TSPC:
        _head(out, "\n\tTS/PC ", ln, 6)
        out.append(f"timestamp {_u32(b, m + 4)} packetcounter {_u16(b, m + 2)}")
    elif kind == HMAC:
        _head(out, "\n\tHMAC ", ln, 18)
        out.append(f"key-id {_u16(b, m + 2)} digest-{ln - 2} ")
        out.append("".join(f"{b[m + 4 + k]:02X}" for k in range(ln - 2)))
    elif kind == SS_UPDATE:
        _ss_update(b, m, ln, seen, out)
    elif kind == SS_REQUEST:
        _head(out, "\n\tSS-Request ", ln, 3)
        ae, plen, src_plen = b[m + 2], b[m + 3], b[m + 4]
        prefix, used = _network_prefix(ae, plen, 0, b, m + 5, None, ln - 3)
        src, _ = _network_prefix(ae, src_plen, 0, b, m + 5 + used, None, ln - 3 - used)
        if ae == 0:
            out.append("for any")
        else:
            extra = 96 if ae == 1 else 0
            out.append(f"for ({_prefix(prefix, (plen + extra) & 0xFF)}, "
                       f"{_prefix(src, (src_plen + extra) & 0xFF)})")
    elif kind == SS_MH_REQUEST:
        _head(out, "\n\tSS-MH-Request ", ln, 14)
        ae, plen, hops, src_plen = b[m + 2], b[m + 3], b[m + 6], b[m + 7]
        prefix, used = _network_prefix(ae, plen, 0, b, m + 16, None, ln - 14)
        src, _ = _network_prefix(ae, src_plen, 0, b, m + 16 + used, None, ln - 14 - used)
        extra = 96 if ae == 1 else 0
        out.append(f"({hops} hops) for ({_prefix(prefix, (plen + extra) & 0xFF)}, "
                   f"{_prefix(src, (src_plen + extra) & 0xFF)}) seqno {_u16(b, m + 4)} "
                   f"id {_router_id(b, m + 8)}")
    elif kind == MAC:
        out.append(f"\n\tMAC len {ln}")
    elif kind == PC:
        _head(out, "\n\tPC", ln, 4)
        out.append(f" value {_u32(b, m + 2)} index len {ln - 4}")
    elif kind in (CHALLENGE_REQUEST, CHALLENGE_REPLY):
        out.append("\n\tChallenge Request" if kind == CHALLENGE_REQUEST
                   else "\n\tChallenge Reply")
        if ln > 192:
            raise Invalid
        out.append(f" len {ln}")
    else:
        out.append(f"\n\tUnknown message type {kind}")


def _flags_text(flags: int) -> str:
    return (("/prefix" if flags & 0x80 else "") + ("/id" if flags & 0x40 else "")
            + ("/unknown" if flags & 0x3F else ""))


def _update(b: bytes, m: int, ln: int, seen: _Prefixes, out: list[str]) -> None:
    _head(out, "\n\tUpdate", ln, 10)
    ae, flags, plen, omitted = b[m + 2], b[m + 3], b[m + 4], b[m + 5]
    prefix, used = _network_prefix(ae, plen, omitted, b, m + 12,
                                   seen.v4 if ae == 1 else seen.v6, ln - 10)
    where = "any" if ae == 0 else _prefix(prefix, (plen + (96 if ae == 1 else 0)) & 0xFF)
    out.append(f"{_flags_text(flags)} {where} metric {_u16(b, m + 10)} seqno "
               f"{_u16(b, m + 8)} interval {_interval_update(_u16(b, m + 6))}")
    if flags & 0x80:
        if ae == 1:
            seen.v4 = prefix
        else:
            seen.v6 = prefix
    if used < ln - 10:
        _subtlvs(b, m + 12 + used, m + 2 + ln, UPDATE, out)


def _ss_update(b: bytes, m: int, ln: int, seen: _Prefixes, out: list[str]) -> None:
    _head(out, "\n\tSS-Update", ln, 10)
    ae, src_plen, plen, omitted = b[m + 2], b[m + 3], b[m + 4], b[m + 5]
    interval, seqno, metric = _u16(b, m + 6), _u16(b, m + 8), _u16(b, m + 10)
    parsed = 10
    prefix, used = _network_prefix(ae, plen, omitted, b, m + 2 + parsed,
                                   seen.v4 if ae == 1 else seen.v6, ln - parsed)
    parsed += used
    src, used = _network_prefix(ae, src_plen, 0, b, m + 2 + parsed, None, ln - parsed)
    parsed += used
    extra = 96 if ae == 1 else 0
    out.append(f" {_prefix(prefix, (plen + extra) & 0xFF)} from "
               f"{_prefix(src, (src_plen + extra) & 0xFF)} metric {metric} seqno {seqno} "
               f"interval {_interval_update(interval)}")
    if parsed < ln:
        _subtlvs(b, m + 2 + parsed, m + 2 + ln, SS_UPDATE, out)


def _tlvs(ctx: Ctx, b: bytes, start: int, tlvs_len: int, remaining: int,
          out: list[str]) -> None:
    """The TLVs of a body or trailer (Invalid, or IndexError when cut short)."""
    verbose = ctx.opts.verbose
    seen = _Prefixes()
    i = 0
    while i < tlvs_len:
        m = start + i
        if i + 1 > tlvs_len or i + 1 > remaining:
            raise Invalid
        kind = b[m]
        if kind == PAD1:
            out.append("\n\tPad 1" if verbose else " pad1")
            i += 1
            continue
        if i + 2 > tlvs_len or i + 2 > remaining:
            raise Invalid
        if m + 2 > len(b):
            raise Short
        ln = b[m + 1]
        if i + 2 + ln > tlvs_len or i + 2 + ln > remaining:
            raise Invalid
        if m + 2 + ln > len(b):
            raise Short
        if not verbose:
            out.append(" " + NAMES.get(kind, "unknown"))
            if kind == UPDATE:
                if ln < 10:
                    raise Invalid
                out.append(_flags_text(b[m + 3]))
        else:
            _tlv_verbose(b, m, kind, ln, seen, out)
        i += ln + 2


def babel_print(ctx: Ctx, b: bytes, length: int, sport: int, dport: int) -> str:
    """A Babel packet, from the ``babel`` that starts tcpdump's text."""
    out = ["babel"]
    try:
        if len(b) < 4:
            raise Short
        if b[0] != MAGIC:
            return "babel invalid header"
        out.append(f" {b[1]}")
        if b[1] != 2:
            return "".join(out) + " unknown version"
        if length < 4:
            raise Invalid
        bodylen = _u16(b, 2)
        out.append(f" ({bodylen})")
        length -= 4
        if length < bodylen:
            raise Invalid
        _tlvs(ctx, b, 4, bodylen, length, out)
        length -= bodylen
        if length:
            out.append("\n\t----" if ctx.opts.verbose else " |")
            _tlvs(ctx, b, 4 + bodylen, length, length, out)
    except Invalid:
        out.append(" (invalid)")
    except Short:
        out.append(" [|babel]")
    except SHORT:
        out.append(ctx.cut("babel"))
    return "".join(out)
