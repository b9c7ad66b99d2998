"""ICMP and ICMPv6 messages, named as tcpdump names them; with -v the
checksum verdict, the quoted header of an error and the ND options."""

from __future__ import annotations

import struct

from zcap.printing.context import Ctx, ip4_str, ip6_str, mac_str, text_chars
from zcap.printing.iphdr import IpHdr
from zcap.printing.sums import in_cksum, pseudo_cksum

UNREACH = {
    0: "net {dst} unreachable", 1: "host {dst} unreachable",
    2: "{dst} protocol {proto} unreachable", 3: "{dst} {pname} port {port} unreachable",
    4: "{dst} unreachable - need to frag", 5: "{dst} unreachable - source route failed",
    6: "net {dst} unreachable - unknown", 7: "host {dst} unreachable - unknown",
    8: "{dst} unreachable - source host isolated",
    9: "net {dst} unreachable - admin prohibited",
    10: "host {dst} unreachable - admin prohibited",
    11: "net {dst} unreachable - tos prohibited", 12: "host {dst} unreachable - tos prohibited",
    13: "host {dst} unreachable - admin prohibited filter",
    14: "host {dst} unreachable - host precedence violation",
    15: "host {dst} unreachable - precedence cutoff",
}
REDIRECT = {0: "redirect {dst} to net {gw}", 1: "redirect {dst} to host {gw}",
            2: "redirect-tos {dst} to net {gw}", 3: "redirect-tos {dst} to host {gw}"}
SIMPLE = {4: "source quench", 10: "router solicitation", 15: "information request",
          16: "information reply", 17: "address mask request"}
ERROR_TYPES = frozenset({3, 4, 5, 11, 12})


def _stamp(ms: int) -> str:
    """An ICMP timestamp (ms since midnight UT) as tcpdump shows it."""
    s, ms = divmod(ms, 1000)
    h, s = divmod(s, 3600)
    m, s = divmod(s, 60)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"


def icmp_print(ctx: Ctx, ip: IpHdr, body: bytes, length: int) -> str:
    """The text from ``ICMP `` on for an ICMPv4 message of ``length`` bytes."""
    # tcpdump builds the whole message before printing "ICMP ": a cut one prints
    # neither. It needs the type and code; each message then wants its own fields
    # (a type it does not know wants none, so three bytes print as type-#N).
    if len(body) < 2:
        return ctx.cut("icmp")
    typ, code = body[0], body[1]
    text = _icmp_body(typ, code, body)
    if text is None:
        return ctx.cut("icmp")
    text = "ICMP " + text + f", length {length}"
    verbose = ctx.opts.verbose
    if verbose and not ip.fragmented and len(body) >= length:
        if in_cksum(bytes(body[:length])):
            if len(body) < 4:   # a bad sum is shown with the field, which is not there
                return text + ctx.cut("icmp")
            good = in_cksum(bytes(body[:2]) + b"\0\0" + bytes(body[4:length]))
            text += f" (wrong icmp cksum {body[2] << 8 | body[3]:x} (->{good:x})!)"
    if verbose and typ in ERROR_TYPES and len(body) >= 28:
        from zcap.printing.net import ip_text
        inner = bytes(body[8:])
        text += "\n\t" + ip_text(ctx, 4, inner, inner[2] << 8 | inner[3])
    return text


def _icmp_body(typ: int, code: int, body: bytes) -> str | None:
    """The message text before ``, length``; None when it is cut short."""
    n = len(body)
    if typ in (0, 8):
        if n < 8:
            return None
        ident, seq = struct.unpack_from("!HH", body, 4)
        return f"{'echo reply' if typ == 0 else 'echo request'}, id {ident}, seq {seq}"
    if typ == 3:
        if n < 28:
            return None
        hl = (body[8] & 15) * 4
        proto = body[8 + 9]
        dst = ip4_str(body[24:28])
        if code == 3:
            if n < 8 + hl + 4:
                return None
            port = body[8 + hl + 2] << 8 | body[8 + hl + 3]
            if proto in (6, 17):
                return f"{dst} {'tcp' if proto == 6 else 'udp'} port {port} unreachable"
            return f"{dst} protocol {proto} port {port} unreachable"
        fmt = UNREACH.get(code, "{dst} unreachable - #" + str(code))
        text = fmt.format(dst=dst, proto=proto)
        if code == 4:
            mtu = body[6] << 8 | body[7]
            if mtu:
                text += f" (mtu {mtu})"
        return text
    if typ == 5:
        if n < 28:
            return None
        dst, gw = ip4_str(body[24:28]), ip4_str(body[4:8])
        return REDIRECT.get(code, f"redirect-#{code} {{dst}} to {{gw}}").format(dst=dst, gw=gw)
    if typ == 9:
        return _router_adv(body)
    if typ == 11:
        if n < 28:
            return None   # tcpdump wants the quoted header's destination first
        if code == 0:
            return "time exceeded in-transit"
        if code == 1:
            return "ip reassembly time exceeded"
        return f"time exceeded-#{code}"
    if typ == 12:
        if code == 0:
            return f"parameter problem - octet {body[4]}" if n > 4 else None
        return f"parameter problem - code {code}"
    if typ in (13, 14):
        if n < 8:
            return None
        ident, seq = struct.unpack_from("!HH", body, 4)
        if typ == 13:
            return f"time stamp query id {ident} seq {seq}"
        if n < 20:
            return None
        org, recv, xmit = struct.unpack_from("!III", body, 8)
        return (f"time stamp reply id {ident} seq {seq}: org {_stamp(org)}, "
                f"recv {_stamp(recv)}, xmit {_stamp(xmit)}")
    if typ == 18:
        if n < 12:
            return None
        return f"address mask is 0x{struct.unpack_from('!I', body, 8)[0]:08x}"
    if typ in SIMPLE:
        return SIMPLE[typ]
    return f"type-#{typ}"


def _router_adv(body: bytes) -> str | None:
    if len(body) < 8:
        return None
    num, size, life = body[4], body[5], body[6] << 8 | body[7]
    text = f"router advertisement lifetime {_lifetime(life)}"
    if size < 2:
        return text + f" {num}: [size {size}]"
    text += f" {num}:"
    off = 8
    for _ in range(num):
        if off + 8 > len(body):
            return None
        pref = struct.unpack_from("!I", body, off + 4)[0]
        text += f" {{{ip4_str(body[off:off + 4])} {pref}}}"
        off += size * 4
    return text


def _lifetime(secs: int) -> str:
    """tcpdump's minutes:seconds (or h:mm:ss) for a router lifetime."""
    h, rest = divmod(secs, 3600)
    m, s = divmod(rest, 60)
    if h:
        return f"{h}:{m:02d}:{s:02d}"
    return f"{m}:{s:02d}"


# ---- ICMPv6 ----

ICMP6_NAMES = {
    1: "destination unreachable", 2: "packet too big", 3: "time exceeded in-transit",
    4: "parameter problem", 128: "echo request", 129: "echo reply",
    130: "multicast listener query", 131: "multicast listener report",
    132: "multicast listener done", 133: "router solicitation", 134: "router advertisement",
    135: "neighbor solicitation", 136: "neighbor advertisement", 137: "redirect",
    138: "router renumbering", 139: "who-are-you request", 140: "who-are-you reply",
    141: "inverse neighbor solicitation", 142: "inverse neighbor advertisement",
    143: "multicast listener report v2", 144: "ha discovery request",
    145: "ha discovery reply", 146: "mobile router solicitation",
    147: "mobile router advertisement", 155: "RPL", 200: "mtrace response",
    201: "mtrace message",
}
UNREACH6 = {0: "unreachable route", 1: "unreachable prohibited", 2: "beyond scope",
            3: "unreachable address", 4: "unreachable port"}
PARAM6 = {0: "erroneous - octet", 1: "next header - octet", 2: "option - octet"}
ND_OPTIONS = {1: "source link-address", 2: "destination link-address", 3: "prefix info",
              4: "redirected header", 5: "mtu", 7: "advertisement interval",
              8: "homeagent information", 24: "route info", 25: "rdnss", 31: "dnssl"}
RA_FLAGS = ((0x80, "managed"), (0x40, "other stateful"), (0x20, "home agent"))
PI_FLAGS = ((0x80, "onlink"), (0x40, "auto"), (0x20, "router"))
NA_FLAGS = ((0x80, "router"), (0x40, "solicited"), (0x20, "override"))
RTPREF = ("medium", "high", "rsv", "low")
# types whose -v line carries the length right after the name
LENGTH_FIRST = frozenset({133, 134, 135, 136, 137, 145, 147})


class Cut(Exception):
    """The message ends before a field tcpdump wants."""


def _need(b: bytes, n: int) -> None:
    if len(b) < n:
        raise Cut


def icmp6_print(ctx: Ctx, ip: IpHdr, body: bytes, length: int) -> str:
    """The text from ``ICMP6, `` on for an ICMPv6 message of ``length`` bytes."""
    verbose = ctx.opts.verbose
    if length == 0:
        return "ICMP6, length 0 (invalid)"
    if not body:
        return ctx.cut("icmp6")
    typ = body[0]
    out = []
    if verbose and not ip.fragmented and len(body) >= length:
        if pseudo_cksum(ip.src, ip.dst, 58, bytes(body[:length])) == 0:
            out.append("[icmp6 sum ok] ")
        elif len(body) >= 4:
            csum = body[2] << 8 | body[3]
            good = pseudo_cksum(ip.src, ip.dst, 58, bytes(body[:2]) + b"\0\0" +
                                bytes(body[4:length]))
            out.append(f"[bad icmp6 cksum 0x{csum:04x} -> 0x{good:04x}!] ")
    out.append("ICMP6, " + ICMP6_NAMES.get(typ, f"unknown icmp6 type ({typ})"))
    if verbose and typ in LENGTH_FIRST:
        out.append(f", length {length}")
    try:
        tail = _icmp6_detail(ctx, typ, bytes(body), length, out)
    except (Cut, IndexError, struct.error):
        return "".join(out) + ctx.cut("icmp6")
    if tail is not None:
        return "".join(out) + tail
    if not verbose:
        out.append(f", length {length}")
    return "".join(out)


def _icmp6_detail(ctx: Ctx, typ: int, b: bytes, length: int, out: list[str]) -> str | None:
    """Append the detail for ``typ``; a returned string ends the text early."""
    verbose = ctx.opts.verbose
    w = out.append
    _need(b, 2)
    code = b[1]
    if typ == 1:
        w(", " + UNREACH6.get(code, f"unknown unreach code ({code})"))
        if code in (0, 1, 3):
            _need(b, 48)
            w(" " + ip6_str(b[32:48]))
        elif code == 2:
            _need(b, 48)
            w(f" {ip6_str(b[32:48])}, source address {ip6_str(b[16:32])}")
        elif code == 4:
            try:
                proto, ports = _upper(b[8:])
            except Cut:
                return " [|icmp6]"   # tcpdump's own check, not an abandoned packet
            if proto not in (6, 17):
                return " [|icmp6]"   # it finds ports only behind TCP and UDP
            dport = ports[2] << 8 | ports[3]
            dst = ip6_str(b[32:48])
            if proto in (6, 17):
                w(f", {dst} {'tcp' if proto == 6 else 'udp'} port {dport}")
            else:
                w(f", {dst} protocol {proto} port {dport} unreachable")
        elif verbose <= 1:
            return _unknown_data(b, length, out, verbose, with_length=False)
    elif typ == 2:
        _need(b, 8)
        w(f", mtu {struct.unpack_from('!I', b, 4)[0]}")
    elif typ == 3:
        if code == 0:
            _need(b, 48)
            w(" for " + ip6_str(b[32:48]))
        elif code == 1:
            w(" (reassembly)")
        else:
            w(f", unknown code ({code})")
    elif typ == 4:
        if len(b) < 48:
            return " [|icmp6]"   # checked by tcpdump itself: the packet is not abandoned
        ptr = struct.unpack_from("!I", b, 4)[0]
        w(f", {PARAM6[code]} {ptr}" if code in PARAM6 else f", code-#{code}")
    elif typ in (128, 129):
        _need(b, 8)
        w(f", id {b[4] << 8 | b[5]}, seq {b[6] << 8 | b[7]}")
    elif typ == 130:
        if length == 24:
            _mld(b, out)
        elif length >= 28:
            w(" v2")
            _mldv2_query(b, length, verbose, out)
        else:
            w(f" unknown-version (len {length}) ")
    elif typ in (131, 132):
        _mld(b, out)
    elif typ == 133:
        if verbose:
            _nd_options(ctx, b[8:length], out)
    elif typ == 134:
        if verbose:
            _need(b, 16)
            fl = b[5]
            w(f"\n\thop limit {b[4]}, Flags [{_bits(fl, RA_FLAGS)}], pref {RTPREF[(fl >> 3) & 3]}, "
              f"router lifetime {b[6] << 8 | b[7]}s, reachable time "
              f"{struct.unpack_from('!I', b, 8)[0]}ms, retrans timer "
              f"{struct.unpack_from('!I', b, 12)[0]}ms")
            _nd_options(ctx, b[16:length], out)
    elif typ == 135:
        _need(b, 24)
        w(", who has " + ip6_str(b[8:24]))
        if verbose:
            _nd_options(ctx, b[24:length], out)
    elif typ == 136:
        _need(b, 24)
        w(", tgt is " + ip6_str(b[8:24]))
        if verbose:
            w(f", Flags [{_bits(b[4], NA_FLAGS)}]")
            _nd_options(ctx, b[24:length], out)
    elif typ == 137:
        _need(b, 40)
        w(f", {ip6_str(b[24:40])} to {ip6_str(b[8:24])}")
        if verbose:
            _nd_options(ctx, b[40:length], out)
    elif typ == 143:
        _mldv2_report(b, length, verbose, out)
    elif typ in (144, 146):
        _need(b, 6)
        w(f", id 0x{b[4] << 8 | b[5]:04x}")
    elif typ in (145, 147):
        if verbose:
            _need(b, 8)
            w(f", id 0x{b[4] << 8 | b[5]:04x}")
            if typ == 147:
                if b[6] & 0xC0:
                    w(" ")
                if b[6] & 0x80:
                    w("M")
                if b[6] & 0x40:
                    w("O")
                _nd_options(ctx, b[8:length], out)
    elif typ in (141, 142):
        pass
    elif typ == 138:
        try:
            _rrenum(b, verbose, out)
        except Cut:
            out.append(" [|icmp6]")   # tcpdump notes the cut and goes on
    elif typ in (139, 140):
        try:
            _nodeinfo(b, length, verbose, out)
        except Cut:
            out.append(" [|icmp6]")
    elif typ == 155:
        _rpl(b, out, verbose, length)
    else:
        return _unknown_data(b, length, out, verbose)
    return None


# RPL (RFC 6550) message codes; the high bit marks a secured message
RPL_CODES = {0: "DODAG Information Solicitation", 1: "DODAG Information Object",
             2: "Destination Advertisement Object",
             3: "Destination Advertisement Object Ack"}
RPL_MOP = {0: "nonstoring", 1: "storing", 2: "nonstoring-multicast", 3: "storing-multicast"}


def _rpl(b: bytes, out: list[str], verbose: int, length: int) -> None:
    """The RPL message's name and, with -v, the DIO/DAO/DAO-ACK fields in
    brackets (the options tcpdump adds under -vv are not decoded yet)."""
    code = b[1]
    if code & 0x80:     # tcpdump decodes no secured message
        out.append(", (SEC) [worktodo]")
        return
    out.append(", (CLR)" + RPL_CODES.get(code, f"RPL message, unknown code {code}"))
    if not verbose or code not in (1, 2, 3):
        return
    d, dlen = b[4:], length - 4
    if code == 1:
        if dlen < 24:
            out.append(f" [length {dlen} < 24] (invalid)")
            return
        if len(d) < 24:
            raise Cut
        mopprf = d[4]
        out.append(f" [dagid:{ip6_str(d[8:24])},seq:{d[5]},instance:{d[0]},"
                   f"rank:{d[2] << 8 | d[3]},{'grounded,' if mopprf & 0x80 else ''}"
                   f"mop:{RPL_MOP.get(mopprf >> 3 & 7, f'mop{mopprf >> 3 & 7}')},"
                   f"prf:{mopprf & 7}]")
        return
    dao = code == 2
    if len(d) < (20 if dao else 4):
        out.append(" [|icmp6]")
        return
    if dlen < 4:
        out.append(" [|length too short]" if dao else " [|dao-length too short]")
        return
    flags = d[1]
    dagid = "<elided>"
    if flags & (0x40 if dao else 0x80):
        if len(d) < 20:
            out.append(" [|icmp6]")
            return
        if dlen < 20:
            out.append(" [|length too short]" if dao else " [|dao-length too short]")
            return
        dagid = ip6_str(d[4:20])
    if dao:
        out.append(f" [dagid:{dagid},seq:{d[3]},instance:{d[0]}"
                   f"{',acK' if flags & 0x80 else ''}{',Dagid' if flags & 0x40 else ''},"
                   f"{flags:02x}]")
    else:
        out.append(f" [dagid:{dagid},seq:{d[2]},instance:{d[0]},status:{d[3]}]")


def _unknown_data(b: bytes, length: int, out: list[str], verbose: int,
                  with_length: bool = True) -> str:
    """An undecoded message: its length, then (below -vv) its bytes in hex."""
    from zcap.printing.hexdump import hex_lines
    text = f", length {length}" if with_length else ""
    if verbose <= 1:
        lines = hex_lines(b[:length], False)
        text += "".join("\n\t" + ln.lstrip("\t") for ln in lines)
    return text


def _upper(inner: bytes) -> tuple[int, bytes]:
    """The protocol and first four bytes after the IPv6 header an error quotes."""
    _need(inner, 40)
    nxt = inner[6]
    pos = 40
    while nxt in (0, 43, 60, 44):
        _need(inner, pos + 8)
        if nxt == 44:
            if struct.unpack_from("!H", inner, pos + 2)[0] & 0xFFF8:
                raise Cut
            ln = 8
        else:
            ln = (inner[pos + 1] + 1) * 8
        nxt = inner[pos]
        pos += ln
    _need(inner, pos + 4)
    return nxt, inner[pos:pos + 4]


def _bits(v: int, table: tuple[tuple[int, str], ...]) -> str:
    return ", ".join(n for bit, n in table if v & bit) or "none"


def _mld(b: bytes, out: list[str]) -> None:
    if len(b) < 24:
        return   # tcpdump leaves out what it cannot see, without a mark
    # tcpdump prints no space between the message name and this
    out.append(f"max resp delay: {b[4] << 8 | b[5]} addr: {ip6_str(b[8:24])}")


def _mldv2_query(b: bytes, length: int, verbose: int, out: list[str]) -> None:
    w = out.append
    _need(b, 6)
    mrc = b[4] << 8 | b[5]
    mrt = mrc if mrc < 32768 else ((mrc & 0x0FFF) | 0x1000) << (((mrc & 0x7000) >> 12) + 3)
    if verbose:
        w(f" [max resp delay={mrt}]")
    _need(b, 24)
    w(" [gaddr " + ip6_str(b[8:24]))
    if verbose:
        _need(b, 26)
        if b[24] & 0x08:
            w(" sflag")
        if b[24] & 0x07:
            w(f" robustness={b[24] & 7}")
        q = b[25]
        qqi = q if q < 128 else ((q & 0x0F) | 0x10) << (((q & 0x70) >> 4) + 3)
        w(f" qqi={qqi}")
    _need(b, 28)
    nsrcs = b[26] << 8 | b[27]
    if nsrcs:
        if length < 28 + nsrcs * 16:
            w(" [invalid number of sources]")
        elif verbose > 1:
            _need(b, 28 + nsrcs * 16)
            w(" {" + "".join(" " + ip6_str(b[28 + 16 * i:44 + 16 * i])
                             for i in range(nsrcs)) + " }")
        else:
            w(f", {nsrcs} source(s)")
    w("]")


def _mldv2_report(b: bytes, length: int, verbose: int, out: list[str]) -> None:
    from zcap.printing import igmp
    _need(b, 8)
    try:
        igmp.group_records(b, length, verbose, out, 16, ip6_str, "v2")
    except igmp.Cut:
        raise Cut from None


def _dnssl(opts: bytes, start: int, end: int, out: list[str]) -> None:
    """The domain names of a DNS search list option, up to its zero padding."""
    from zcap.printing.dns import Cut as NameCut
    from zcap.printing.dns import Msg
    m = Msg(opts, False)
    p = start
    try:
        while p < end and p < len(opts) and opts[p]:
            m.out.append(" ")
            p = m.name(p)
    except NameCut:
        out.append("".join(m.out))
        raise Cut from None
    out.append("".join(m.out))


def _life6(v: int) -> str:
    return "infinity" if v == 0xFFFFFFFF else f"{v}s"


def _nd_options(ctx: Ctx, opts: bytes, out: list[str]) -> None:
    """Neighbour-discovery options, one per line (-v)."""
    from zcap.printing.hexdump import hex_lines
    w = out.append
    off = 0
    while off < len(opts):
        _need(opts, off + 2)
        typ, ln = opts[off], opts[off + 1]
        if ln == 0:
            return
        _need(opts, off + ln * 8)
        w(f"\n\t  {ND_OPTIONS.get(typ, 'unknown')} option ({typ}), length {ln * 8} ({ln}): ")
        body = opts[off + 2:off + ln * 8]
        if typ in (1, 2):
            w(mac_str(body) if len(body) else "")
        elif typ == 5:
            w(f" {struct.unpack_from('!I', body, 2)[0]}")
        elif typ == 3:
            plen, fl = body[0], body[1]
            valid, pref = struct.unpack_from("!II", body, 2)
            w(f"{ip6_str(body[14:30])}/{plen}{'' if ln == 4 else 'badlen'}, Flags "
              f"[{_bits(fl, PI_FLAGS)}], valid time {_life6(valid)}, pref. time {_life6(pref)}")
        elif typ == 25:
            w(f" lifetime {struct.unpack_from('!I', body, 2)[0]}s,")
            for i in range(6, len(body) - 15, 16):
                w(" addr: " + ip6_str(body[i:i + 16]))
        elif typ == 7:
            w(f" {struct.unpack_from('!I', body, 2)[0]}ms")
        elif typ == 24:
            plen, fl = body[0], body[1]
            life = struct.unpack_from("!I", body, 2)[0]
            prefix = (body[6:] + bytes(16))[:16]
            w(f" {ip6_str(prefix)}/{plen}, pref={RTPREF[(fl >> 3) & 3]}, lifetime={_life6(life)}")
        elif typ == 31:
            w(f" lifetime {struct.unpack_from('!I', body, 2)[0]}s, domain(s):")
            _dnssl(opts, off + 8, off + ln * 8, out)
        elif ctx.opts.verbose == 1:
            # an option tcpdump does not know: its bytes (-vv dumps every option below)
            w("".join("\n\t  " + x.lstrip("\t") for x in hex_lines(body, False)))
        if ctx.opts.verbose > 1:
            w("".join("\n\t    " + x.lstrip("\t") for x in hex_lines(body, False)))
        off += ln * 8


RR_CODES = {0: "command", 1: "result", 255: "sequence number reset"}
RR_FLAGS = ((0x80, "T"), (0x40, "R"), (0x20, "A"), (0x10, "S"), (0x08, "P"))
RPM_CODES = {1: "add", 2: "change", 3: "setglobal"}


def _rrenum(b: bytes, verbose: int, out: list[str]) -> None:
    """Router renumbering: code and sequence, then the match and use prefixes."""
    w = out.append
    _need(b, 16)
    code = b[1]
    w(", " + RR_CODES.get(code, f"code-#{code}"))
    w(f", seq={struct.unpack_from('!I', b, 4)[0]}")
    if verbose:
        _need(b, 16)
        fl = b[9]
        w("[")
        if fl:
            w("".join(c for bit, c in RR_FLAGS if fl & bit) + ",")
        w(f"seg={b[8]},maxdelay={b[10] << 8 | b[11]}")
        rsvd = struct.unpack_from("!I", b, 12)[0]
        if rsvd:
            w(f"rsvd=0x{rsvd:x}")
        w("]")
    if code != 0:
        return
    _need(b, 16 + 24)
    m = b[16:40]
    sep = "\n\t" if verbose > 1 else " "
    w(sep + "match(" + RPM_CODES.get(m[0], f"#{m[0]}"))
    if verbose:
        w(f",ord={m[2]},min={m[4]},max={m[5]}")
    w(f",{ip6_str(m[8:24])}/{m[3]})")
    n = m[1] - 3
    if n % 4:
        raise Cut
    off = 40
    for _ in range(n // 4):
        _need(b, off + 32)
        u = b[off:off + 32]
        w(sep + "use(")
        if u[12]:
            w(("V" if u[12] & 0x80 else "") + ("P" if u[12] & 0x40 else "") + ",")
        if verbose:
            vl, pl = struct.unpack_from("!II", u, 4)
            w(f"mask=0x{u[2]:x},raflags=0x{u[3]:x},")
            w("vltime=infty," if vl == 0xFFFFFFFF else f"vltime={vl},")
            w("pltime=infty," if pl == 0xFFFFFFFF else f"pltime={pl},")
        w(f"{ip6_str(u[16:32])}/{u[0]}/{u[1]})")
        off += 32


NI_QTYPES = {0: "noop", 1: "supported qtypes", 2: "DNS name", 3: "node addresses",
             4: "IPv4 node addresses"}
# node information subjects given as an address: code -> (length, text)
NI_ADDRESS_SUBJECTS = {0: (16, ip6_str), 2: (4, ip4_str)}
NI_ADDR_FLAGS = ((0x01, "T"), (0x40, "a"), (0x20, "G"), (0x10, "S"), (0x08, "L"),
                 (0x04, "C"), (0x02, "A"))




def _dnsname(b: bytes) -> str:
    """A name in node information: labels without compression, in quotes."""
    text = ', "'
    i = 0
    while i < len(b):
        n = b[i]
        i += 1
        if n:
            if n > len(b) - i:
                text += "???"
                break
            text += text_chars(b[i:i + n])
            i += n
            if i + 1 < len(b) and b[i]:
                text += "."
        else:
            if i == len(b):
                text += "."
            elif not (i + 1 == len(b) and b[i] == 0):
                text += "???"
            break
    return text + '"'


def _nodeinfo(b: bytes, length: int, verbose: int, out: list[str]) -> None:
    """Node information queries (139) and replies (140)."""
    w = out.append
    b = b[:length]
    siz = len(b)   # tcpdump sizes these by what was captured
    if b[0] == 139:
        if siz == 8 + 4:
            w(" who-are-you request")
            return
        w(" node information query")
        _need(b, 16)
        qtype, flags = b[4] << 8 | b[5], b[6] << 8 | b[7]
        w(" (" + NI_QTYPES.get(qtype, "unknown") if qtype <= 3 else " (unknown")
        if qtype == 1 and flags:
            w(f" [{'C' if flags & 1 else ''}]")
        if qtype == 3 and flags:
            w(" [" + "".join(c for bit, c in NI_ADDR_FLAGS[1:] if flags & bit) + "]")
        if qtype in (0, 1):
            if siz != 16 and verbose:
                w(", invalid len")
            w(")")
            return
        if siz == 16:
            w(", 03 draft)")
            return
        code = b[1]
        rest = b[16:]
        if code in NI_ADDRESS_SUBJECTS:
            alen, astr = NI_ADDRESS_SUBJECTS[code]
            if len(rest) >= alen:
                if siz != 16 + alen:
                    if verbose:
                        w(", invalid subject len")
                else:
                    w(", subject=" + astr(rest[:alen]))
        elif code == 1:
            w(", subject=DNS name")
            if rest and rest[0] == len(rest) - 1:
                if verbose:
                    w(", 03 draft")
                w(', "' + text_chars(rest[1:]) + '"')
            else:
                w(_dnsname(rest))
        else:
            w(", unknown subject")
        w(")")
        return
    if len(b) < length:
        raise Cut
    _need(b, 16)
    w(" node information reply (")
    code = b[1]
    comma = False
    if code == 0:
        if verbose:
            w("success")
            comma = True
    elif code in (1, 2):
        w("refused" if code == 1 else "unknown")
        comma = True
        if siz != 16 and verbose:
            w(", invalid length")
    if code != 0:
        w(")")
        return
    qtype, flags = b[4] << 8 | b[5], b[6] << 8 | b[7]
    sep = ", " if comma else ""
    if qtype == 0:
        w(sep + "noop")
        if siz != 16 and verbose:
            w(", invalid length")
    elif qtype == 1:
        w(sep + "supported qtypes")
        if flags:
            w(f" [{'C' if flags & 1 else ''}]")
    elif qtype == 2:
        w(sep + "DNS name")
        rest = b[20:]
        if rest and rest[0] == len(rest) - 1:
            if verbose:
                w(", 03 draft")
            w(', "' + text_chars(rest[1:]) + '"')
        else:
            w(_dnsname(rest))
        if flags & 1:
            w(f" [TTL={struct.unpack_from('!I', b, 16)[0]}]")
    elif qtype == 3:
        w(sep + "node addresses")
        i = 16
        while i + 20 <= siz:
            w(f" {ip6_str(b[i + 4:i + 20])}({struct.unpack_from('!I', b, i)[0]})")
            i += 20
        if flags:
            w(" [" + "".join(c for bit, c in NI_ADDR_FLAGS if flags & bit) + "]")
    else:
        w(sep + "unknown")
    w(")")
