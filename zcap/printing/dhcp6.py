"""DHCPv6 (UDP ports 546/547): ``dhcp6 solicit``; with -v the transaction id
and the options, nested as tcpdump nests them in parentheses."""

from __future__ import annotations

import struct

from zcap.printing.context import Ctx, ip6_str, text_chars
from zcap.printing.dns import Cut, Msg

MSG_TYPES = {1: "solicit", 2: "advertise", 3: "request", 4: "confirm", 5: "renew",
             6: "rebind", 7: "reply", 8: "release", 9: "decline", 10: "reconfigure",
             11: "inf-req", 12: "relay-fwd", 13: "relay-reply", 14: "leasequery",
             15: "leasequery-reply"}
RELAY = frozenset({12, 13})
TEXT_OPTIONS = frozenset({41, 42, 112})   # POSIX and tz-database time zones, MUD URL
OPTIONS = {
    1: "client-ID", 2: "server-ID", 3: "IA_NA", 4: "IA_TA", 5: "IA_ADDR", 6: "option-request",
    7: "preference", 8: "elapsed-time", 9: "relay-message", 11: "authentication",
    12: "server-unicast", 13: "status-code", 14: "rapid-commit", 15: "user-class",
    16: "vendor-class", 17: "vendor-specific-info", 18: "interface-ID",
    19: "reconfigure-message", 20: "reconfigure-accept", 21: "SIP-servers-domain",
    22: "SIP-servers-address", 23: "DNS-server", 24: "DNS-search-list", 25: "IA_PD",
    26: "IA_PD-prefix", 27: "NIS-server", 28: "NIS+-server", 29: "NIS-domain-name",
    30: "NIS+-domain-name", 31: "SNTP-servers", 32: "lifetime", 33: "BCMCS-domain-name",
    34: "BCMCS-server", 36: "Geoconf-Civic", 37: "Remote-ID", 38: "Subscriber-ID",
    39: "Client-FQDN", 40: "PANA-agent", 41: "POSIX-timezone", 42: "POSIX-tz-database",
    43: "Echo-request-option", 44: "Lease-query", 45: "LQ-client-data", 46: "Clt-time",
    47: "LQ-relay-data", 48: "LQ-client-link", 56: "NTP-server", 64: "AFTR-Name",
    112: "MUD-URL",
}
STATUS = {0: "Success", 1: "UnspecFail", 2: "NoAddrsAvail", 3: "NoBinding", 4: "NotOnLink",
          5: "UseMulticast", 6: "NoPrefixAvail", 7: "UnknownQueryType", 8: "MalformedQuery",
          9: "NotConfigured", 10: "NotAllowed"}
# identity associations: option -> size of the fixed part before their sub-options
IA_FIXED = {3: 12, 25: 12, 4: 4}
ADDRESS_LISTS = frozenset({22, 23, 27, 28, 31, 34, 40, 48})
NAME_LISTS = frozenset({21, 24})


def dhcp6_print(ctx: Ctx, b: bytes, length: int, sport: int, dport: int) -> str:
    """``dhcp6 <type>``, and with -v ``(xid=... (option ...)...)``."""
    return "dhcp6" + _message(ctx, b[:length])


def _message(ctx: Ctx, b: bytes) -> str:
    if len(b) < 4:
        return " [|dhcp6]"
    mtype = b[0]
    name = MSG_TYPES.get(mtype, f"msgtype-{mtype}")
    if not ctx.opts.verbose:
        return " " + name
    out = [f" {name} ("]
    try:
        if mtype in RELAY:
            # a relay header cut short ends the line there, without the ")"
            if len(b) < 18:
                return "".join(out) + ctx.cut("dhcp6")
            out.append(f"linkaddr={ip6_str(b[2:18])}")
            if len(b) < 34:
                return "".join(out) + ctx.cut("dhcp6")
            out.append(f" peeraddr={ip6_str(b[18:34])}")
            _options(ctx, b, 34, len(b), out)
        else:
            out.append(f"xid={struct.unpack_from('!I', b, 0)[0] & 0xFFFFFF:x}")
            _options(ctx, b, 4, len(b), out)
    except Cut:
        out.append(" [|dhcp6]")
    out.append(")")
    return "".join(out)


def _options(ctx: Ctx, b: bytes, off: int, end: int, out: list[str]) -> None:
    w = out.append
    while off < end:
        if off + 4 > end:
            raise Cut
        code, ln = struct.unpack_from("!HH", b, off)
        if off + 4 + ln > end:
            raise Cut
        v = b[off + 4:off + 4 + ln]
        w(" (" + OPTIONS.get(code, f"opt_{code}"))
        _option(ctx, code, v, b, off + 4, out)
        off += 4 + ln


def _option(ctx: Ctx, code: int, v: bytes, b: bytes, start: int, out: list[str]) -> None:
    w = out.append
    n = len(v)
    if code in (1, 2):
        if n < 2:
            w(" ?)")
            return
        kind = v[0] << 8 | v[1]
        if kind == 1 and n >= 8:
            w(f" hwaddr/time type {v[2] << 8 | v[3]} time {struct.unpack_from('!I', v, 4)[0]} "
              + v[8:].hex() + ")")
        elif kind == 2 and n >= 10:
            w(" vid " + v[2:10].hex() + ")")
        elif kind == 3 and n >= 4:
            w(f" hwaddr type {v[2] << 8 | v[3]} " + v[4:].hex() + ")")
        elif kind in (1, 2, 3):
            w(" ?)")
        else:
            w(f" type {kind})")
    elif code == 5:
        if n < 24:
            w(" ?)")
            return
        pl, vl = struct.unpack_from("!II", v, 16)
        w(f" {ip6_str(v[:16])} pltime:{pl} vltime:{vl}")
        if n > 24:
            _options(ctx, b, start + 24, start + n, out)
        w(")")
    elif code in (6, 43):
        if n % 2:
            w(" ?)")
            return
        w("".join(" " + OPTIONS.get(v[i] << 8 | v[i + 1], f"opt_{v[i] << 8 | v[i + 1]}")
                  for i in range(0, n, 2)) + ")")
    elif code == 7:
        w(f" {v[0]})" if n == 1 else " ?)")
    elif code == 8:
        w(f" {v[0] << 8 | v[1]})" if n == 2 else " ?)")
    elif code == 9:
        w(" (dhcp6" + _message(ctx, v) + ")")
    elif code in (18, 38):
        w(" " + v[:10].hex() + "...)")
    elif code == 19:
        if n != 1:
            w(" ?)")
        else:
            w({5: " for renew)", 11: " for inf-req)"}.get(v[0], f" for ???({v[0]:02x}))"))
    elif code in ADDRESS_LISTS:
        if n % 16:
            w(" ?)")
            return
        w("".join(" " + ip6_str(v[i:i + 16]) for i in range(0, n, 16)) + ")")
    elif code in NAME_LISTS:
        m = Msg(b[:start + n], False)
        p = start
        while p < start + n:
            m.out.append(" ")
            try:
                p = m.name(p)
            except Cut:
                out.append("".join(m.out))
                raise
        w("".join(m.out) + ")")
    elif code == 13:
        if n < 2:
            w(" ?)")
            return
        st = v[0] << 8 | v[1]
        w(f" {STATUS.get(st, f'code{st}')})")
    elif code in IA_FIXED:
        fixed = IA_FIXED[code]
        if n < fixed:
            w(" ?)")
            return
        iaid = struct.unpack_from("!I", v)[0]
        if fixed == 12:
            t1, t2 = struct.unpack_from("!II", v, 4)
            w(f" IAID:{iaid} T1:{t1} T2:{t2}")
        else:
            w(f" IAID:{iaid}")
        if n > fixed:
            _options(ctx, b, start + fixed, start + n, out)
        w(")")
    elif code == 26:
        if n < 25:
            w(" ?)")
            return
        pl, vl = struct.unpack_from("!II", v)
        w(f" {ip6_str(v[9:25])}/{v[8]} pltime:{pl} vltime:{vl}")
        if n > 25:
            _options(ctx, b, start + 25, start + n, out)
        w(")")
    elif code in (32, 46):
        w(f" {struct.unpack_from('!I', v)[0]})" if n == 4 else " ?)")
    elif code == 37:
        if n < 4:
            w(" ?)")
            return
        w(f" {struct.unpack_from('!I', v)[0]} " + v[4:14].hex() + "...)")
    elif code == 56:
        _ntp_server(v, b, start, out)
    elif code == 64:
        _aftr_name(v, b, start, out)
    elif code in TEXT_OPTIONS:
        # time zones and the MUD URL: text up to a NUL, when at least 5 bytes long
        w(" " + text_chars(v.split(b"\0", 1)[0]) + ")" if n >= 5 else " ?)")
    elif code in (11, 12, 22):
        w(" ?)")
    else:
        w(")")


def _aftr_name(v: bytes, b: bytes, start: int, out: list[str]) -> None:
    """The AFTR tunnel end's name (RFC 6334), labels as tcpdump walks them."""
    if len(v) < 3:
        out.append(" ?)")
        return
    text, remain, p = [" "], len(v), 0

    def byte(i: int) -> int:
        # tcpdump reads on past the option into the rest of the message
        if start + i >= len(b):
            raise Cut
        return b[start + i]

    while remain and byte(p):
        n = byte(p)
        p += 1
        if n >= remain - 1:
            text.append(" ?")
            break
        text.append(text_chars(b[start + p:start + p + n].split(b"\0", 1)[0]))
        p += n
        remain -= n + 1
        if byte(p):
            text.append(".")
    out.append("".join(text) + ")")


def _ntp_server(v: bytes, b: bytes, start: int, out: list[str]) -> None:
    w = out.append
    if len(v) < 4:
        w(" ?)")
        return
    p = 0
    while p < len(v) - 4:
        sub, ln = struct.unpack_from("!HH", v, p)
        p += 4
        if p + ln > len(v):
            raise Cut
        w(f" subopt:{sub}")
        if sub in (1, 2):
            w(f" {ip6_str(v[p:p + 16])}" if ln == 16 else " ?")
        elif sub == 3:
            m = Msg(b[:start + p + ln], False)
            m.out.append(" ")
            m.name(start + p)
            w("".join(m.out))
        else:
            w(" ?")
        p += ln
    w(")")
