"""Network layer: IPv4 (options, fragments, truncation), IPv6 (extension
headers, fragments) and ARP, as tcpdump prints them.

``ipv4_text``/``ipv6_text`` return the text after tcpdump's ``IP ``/``IP6 ``
prefix (the link layer decides whether that prefix is printed) and hand the
payload to the protocol above through ``UPPER``, one entry per IP protocol.
"""

from __future__ import annotations

import struct

from zcap.printing.context import Ctx, ip4_str, ip6_str, mac_str
from zcap.printing.iphdr import IpHdr, lazy
from zcap.printing.sums import in_cksum

# tcpdump's names for IP protocol numbers in -v output; anything else is "unknown"
PROTO_NAMES = {
    0: "Options", 1: "ICMP", 2: "IGMP", 4: "IPIP", 6: "TCP", 8: "EGP", 9: "IGRP", 17: "UDP",
    33: "DCCP", 41: "IPv6", 43: "Routing", 44: "Fragment", 46: "RSVP", 47: "GRE", 50: "ESP",
    51: "AH", 55: "Mobile IP", 58: "ICMPv6", 62: "Mobile IP (old)", 88: "EIGRP", 89: "OSPF",
    103: "PIM", 108: "Compressed IP", 112: "VRRP", 113: "PGM", 132: "SCTP", 135: "Mobility",
    240: "pfsync",
}
IP_ECN = {1: "ECT(1)", 2: "ECT(0)", 3: "CE"}
IP_FLAGS = ((0x2000, "+"), (0x4000, "DF"), (0x8000, "rsvd"))

# the protocol above IP: number -> (module, function), imported on first use.
# TCP, UDP and SCTP print their own addresses (with ports); the rest come after
# "src > dst: ".
UPPER = {
    1: ("icmp", "icmp_print"),
    2: ("igmp", "igmp_print"),
    4: ("net", "ipip4_print"),
    6: ("transport", "tcp_print"),
    17: ("transport", "udp_print"),
    33: ("dccp", "dccp_print"),
    41: ("net", "ipip6_print"),
    46: ("rsvp", "rsvp_print"),
    47: ("tunnel", "gre_print"),
    50: ("ipsec", "esp_print"),
    51: ("ipsec", "ah_print"),
    58: ("icmp", "icmp6_print"),
    103: ("routing", "pim_print"),
    89: ("routing", "ospf_print"),
    88: ("eigrp", "eigrp_print"),
    112: ("routing", "vrrp_print"),
    113: ("pgm", "pgm_print"),
    132: ("sctp", "sctp_print"),
}
OWN_ADDRESSES = frozenset({6, 17, 132, 33})


def upper_text(ctx: Ctx, ip: IpHdr, proto: int, seg: bytes, length: int,
               addresses: bool = True) -> str:
    """The text for what an IP header carries, addresses included unless
    ``addresses`` is false (a header in between, such as AH, printed them)."""
    head = "" if proto in OWN_ADDRESSES and proto in UPPER else f"{ip.srcs} > {ip.dsts}: "
    if not addresses:
        head = ""
    entry = UPPER.get(proto)
    if entry is None:
        if proto == 33:
            head = f"{ip.srcs} > {ip.dsts}: "
        return head + f" ip-proto-{proto} {length}"
    return head + lazy(*entry)(ctx, ip, seg, length)


# ---- IPv4 ----

IPOPT_NAMES = {0: "EOL", 1: "NOP", 7: "RR", 68: "timestamp", 130: "security", 131: "LSRR",
               137: "SSRR", 148: "RA"}


class _OptionCut(Exception):
    """An option whose fields run past the captured bytes: tcpdump ends the
    list there with ``[truncated-option]``."""


def _ip_options(raw: bytes, tail: bytes = b"") -> tuple[str, bool]:
    """tcpdump's ``options (...)`` body: each option name, bad lengths flagged;
    and whether a field ran past the capture. ``tail`` is what was captured
    after the header, which tcpdump reads when an option's fields overrun it."""
    out = []
    i = 0
    while i < len(raw):
        kind = raw[i]
        name = IPOPT_NAMES.get(kind, f"unknown {kind}")
        if kind in (0, 1):
            out.append(name)
            i += 1
            if kind == 0:
                break
            continue
        ln = raw[i + 1] if i + 1 < len(raw) else None
        if ln is None or ln < 2 or ln > len(raw) - i:
            out.append(f"{name} [bad length {ln if ln is not None else 0}]")
            break
        text = name
        body = raw[i + 2:i + ln]
        if kind in (7, 131, 137):
            text += _ip_route(body, ln)
        elif kind == 68:
            try:
                text += _ip_ts(raw[i + 2:] + tail, ln)
            except _OptionCut as e:
                out.append(text + str(e))
                return ",".join(out), True
        elif kind == 148:
            if ln < 4:
                text += f" [bad length {ln}]"
            elif body[0] << 8 | body[1]:
                text += f" value {body[0] << 8 | body[1]}"
        out.append(text)
        i += ln
    return ",".join(out), False


def _ip_route(body: bytes, ln: int) -> str:
    """Record/source route: the addresses, those before the pointer with a comma."""
    if ln < 3 or (ln + 1) & 3:
        return f" [bad length {ln}]"
    ptr = body[0] - 1
    if ptr < 3 or (ptr + 1) & 3 or ptr > ln + 1:
        return f" [bad ptr {body[0]}]"
    return "".join(f" {ip4_str(body[off - 2:off + 2])}" + ("," if ptr > off else "")
                   for off in range(3, ln, 4))


TS_FLAGS = {0: "TSONLY", 1: "TS+ADDR", 2: "PRESPEC2.0", 3: "PRESPEC"}


def _ip_ts(body: bytes, ln: int) -> str:
    """Timestamp option: the stamps (with addresses), a caret at the pointer."""
    if ln < 4:
        return f"[bad length {ln}]"
    flag = body[1] & 15
    hop = 4 if flag == 0 else 8
    text = " TS{"
    if (ln - 4) & (hop - 1):
        text += f"[bad length {ln}]"
    ptr = body[0] - 1
    if ptr < 4 or (ptr - 4) & (hop - 1) or ptr > ln + 1:
        text += f"[bad ptr {body[0]}]"
    if flag not in TS_FLAGS:
        return text + f"[bad ts type {flag}]" + ("}" if not body[1] >> 4 else
                                                 f" [{body[1] >> 4} hops not recorded]}} ")
    text += TS_FLAGS[flag]
    off = 4
    while off < ln:
        mark = " ^ " if ptr == off else " "
        if len(body) < off - 2 + hop:
            raise _OptionCut(text)
        stamp = struct.unpack_from("!I", body, off - 2 + hop - 4)[0]
        where = ip4_str(body[off - 2:off + 2]) if hop == 8 else ""
        text += f"{mark}{stamp}@{where}"
        off += hop
    text += " ^ " if ptr == off else ""
    if body[1] >> 4:
        return text + f" [{body[1] >> 4} hops not recorded]}} "
    return text + "}"


def ipv4_text(ctx: Ctx, buf: bytes, wire: int) -> str:
    """An IPv4 packet; ``wire`` is its length on the wire (header included).

    A header cut short gives ``[|ip]`` alone: whoever prints the ``IP ``
    prefix decides on it (tcpdump prints it once it has one byte of the header,
    see ``ip_text``).
    """
    if len(buf) < 20:
        return "[|ip]"
    if wire < 20:
        return f"truncated-ip {wire}"
    hlen = (buf[0] & 15) * 4
    if hlen < 20:
        return f"bad-hlen {hlen}"
    tos, iplen, ident, frag, ttl, proto, ipsum = struct.unpack_from("!xBHHHBBH", buf, 0)
    pre = ""
    if wire < iplen:
        pre = f"truncated-ip - {iplen - wire} bytes missing! "
    if iplen < hlen:
        return pre + f"bad-len {iplen}"
    offset = (frag & 0x1FFF) * 8
    src, dst = bytes(buf[12:16]), bytes(buf[16:20])
    ip = IpHdr(src, dst, ip4_str(src), ip4_str(dst), bool(frag & 0x2000), True, ttl)
    opts = ctx.opts
    if opts.verbose:
        v = [f"(tos 0x{tos:x}"]
        if tos & 3:
            v.append("," + IP_ECN[tos & 3])
        if ttl:
            v.append(f", ttl {ttl}")
        fl = ", ".join(n for bit, n in IP_FLAGS if frag & bit) or "none"
        v.append(f", id {ident}, offset {offset}, flags [{fl}], "
                 f"proto {PROTO_NAMES.get(proto, 'unknown')} ({proto}), length {iplen}")
        cut = len(buf) < hlen
        if hlen > 20:
            listed, opt_cut = _ip_options(bytes(buf[20:hlen]), bytes(buf[hlen:]))
            v.append(f", options ({listed}")
            v.append(" [truncated-option])" if cut or opt_cut else ")")
        else:
            opt_cut = False
        if not cut and in_cksum(bytes(buf[:hlen])):
            good = in_cksum(bytes(buf[:10]) + b"\0\0" + bytes(buf[12:hlen]))
            v.append(f", bad cksum {ipsum:x} (->{good:x})!")
        pre += "".join(v) + ")\n    "
        if cut or opt_cut:
            return pre + f"{ip.srcs} > {ip.dsts}:  [|ip]"
    if offset:
        return pre + f"{ip.srcs} > {ip.dsts}: ip-proto-{proto}"
    if len(buf) < hlen:
        head = "" if proto in OWN_ADDRESSES else f"{ip.srcs} > {ip.dsts}: "
        return pre + head + f" [remaining caplen({len(buf)}) < header length({hlen})] [|ip]"
    seg = bytes(buf[hlen:iplen])
    return pre + upper_text(ctx, ip, proto, seg, iplen - hlen)


def ipip4_print(ctx: Ctx, ip: IpHdr, seg: bytes, length: int) -> str:
    """IPv4 inside IP: tcpdump prints the inner packet after the outer addresses
    (protocol 4 promises IPv4: another version is reported as such)."""
    if not seg:
        return ctx.cut("ip")
    return ip_text(ctx, 4, seg, length)


def ipip6_print(ctx: Ctx, ip: IpHdr, seg: bytes, length: int) -> str:
    """IPv6 inside IP."""
    if not seg:
        return ctx.cut("ip")
    return ip_text(ctx, 6, seg, length)


def wrong_version(expected: int, buf: bytes) -> str | None:
    """tcpdump's words for an IP header whose version field is not the one
    its carrier (ethertype, IP protocol, GRE type) promised, said instead of
    the packet and without the ``IP `` prefix; None when it agrees."""
    if not buf or expected not in (4, 6):
        return None
    version = buf[0] >> 4
    if expected == 4 and version != 4:
        if version == 6:
            return "IP6, wrong link-layer encapsulation (invalid)"
        return f"IP{version} (invalid)"
    if expected == 6 and version != 6 and len(buf) >= 40:
        return f"version error: {version} != 6"
    return None


def ip_text(ctx: Ctx, version: int, buf: bytes, length: int) -> str:
    """An IP packet inside another protocol, with the prefix as tcpdump prints
    it: ``IP `` (not under -e) once a byte of the header is there, ``IP6 `` only
    once the whole IPv6 header is."""
    wrong = wrong_version(version, buf)
    if wrong is not None:
        prefix = "" if ctx.opts.link_header or wrong.startswith("IP") else "IP6 "
        return prefix + wrong
    if version == 6:
        body = ipv6_text(ctx, buf, length)
        if body == "[|ip6]":
            return " [|ip6]"
        return ("" if ctx.opts.link_header else "IP6 ") + body
    if not buf:
        return ctx.cut("ip")
    body = ipv4_text(ctx, buf, length)
    prefix = "" if ctx.opts.link_header else "IP "
    return prefix + (" " + body if body == "[|ip]" else body)


# ---- IPv6 ----

IP6_OPTS = {0: "pad1", 1: "padn", 5: "rtalert", 194: "jumbo", 201: "homeaddr"}
EXT_HEADERS = {0: "HBH", 60: "DSTOPT"}


def _ip6_options(raw: bytes) -> str:
    """-v detail of hop-by-hop and destination options."""
    out = []
    i = 0
    while i < len(raw):
        kind = raw[i]
        if kind == 0:
            out.append("(pad1)")
            i += 1
            continue
        if i + 1 >= len(raw):
            out.append("[|ip6opt]")
            break
        ln = raw[i + 1] + 2
        body = raw[i + 2:i + ln]
        # tcpdump ends some options with a space of their own and not others,
        # then adds one after the list
        if kind == 1:
            out.append("(padn)")
        elif kind == 5 and len(body) == 2:
            out.append(f"(rtalert: 0x{body[0] << 8 | body[1]:04x}) ")
        elif kind == 194 and len(body) == 4:
            out.append(f"(jumbo: {struct.unpack('!I', body)[0]}) ")
        else:
            out.append(f"(opt_type 0x{kind:02x}: len={ln - 2})")
        i += ln
    return "".join(out) + " "


def _ip6_options_fit(raw: bytes) -> bool:
    """Every option of a hop-by-hop or destination header lies inside it."""
    i = 0
    while i < len(raw):
        if raw[i] == 0:
            i += 1
            continue
        if i + 1 >= len(raw) or i + 2 + raw[i + 1] > len(raw):
            return False
        i += 2 + raw[i + 1]
    return True


def ipv6_text(ctx: Ctx, buf: bytes, wire: int) -> str:
    """An IPv6 packet; ``wire`` is its length on the wire (header included).
    A header cut short gives ``[|ip6]`` alone (tcpdump then prints no prefix)."""
    if len(buf) < 40:
        return "[|ip6]"
    if buf[0] >> 4 != 6:
        return f"version error: {buf[0] >> 4} != 6"
    if wire < 40:
        return f"truncated-ip6 {wire}"
    vfc, plen, nxt, hlim = struct.unpack_from("!IHBB", buf, 0)
    src, dst = bytes(buf[8:24]), bytes(buf[24:40])
    ip = IpHdr(src, dst, ip6_str(src), ip6_str(dst), False, True, hlim)
    pre = ""
    end = 40 + plen
    if plen == 0 and nxt == 0:
        end = wire   # a jumbogram: the length lives in a hop-by-hop option
    elif wire < end:
        pre = f"truncated-ip6 - {end - wire} bytes missing!"
    if ctx.opts.verbose:
        cls, flow = (vfc >> 20) & 0xFF, vfc & 0xFFFFF
        v = "("
        if cls:
            v += f"class 0x{cls:02x}, "
        if flow:
            v += f"flowlabel 0x{flow:05x}, "
        pre += (v + f"hlim {hlim}, next-header {PROTO_NAMES.get(nxt, 'unknown')} ({nxt}) "
                f"payload length: {plen}) ")
    buf = bytes(buf[:end])
    pos = 40
    head = f"{ip.srcs} > {ip.dsts}: "
    out = [pre]
    if nxt not in OWN_ADDRESSES:
        out.append(head)
    while True:
        if nxt in EXT_HEADERS or nxt == 43:
            if pos + 2 > len(buf):
                out.append(f"{EXT_HEADERS.get(nxt, 'RT6')} [|{'rt6' if nxt == 43 else 'ip6'}]")
                return "".join(out)
            ln = (buf[pos + 1] + 1) * 8
            if pos + ln > len(buf) and nxt != 43:
                out.append(" [|hbhopt]" if nxt == 0 else " [|dstopt]")
                return "".join(out)
            if nxt != 43 and not _ip6_options_fit(buf[pos + 2:pos + ln]):
                # tcpdump walks the options even when it does not print them
                out.append(f"{EXT_HEADERS[nxt]}  [|{'hbhopt' if nxt == 0 else 'dstopt'}]")
                return "".join(out)
            if nxt == 43:
                out.append(_rt6(ctx, buf[pos:pos + ln]))
                if pos + ln > len(buf):
                    return "".join(out)
                final = _rt6_final(buf[pos:pos + ln])
                if final is not None:
                    ip.dst = final   # the pseudo-header of TCP/UDP checksums uses it
            else:
                out.append(EXT_HEADERS[nxt] + " ")
                if ctx.opts.verbose:
                    out.append(_ip6_options(buf[pos + 2:pos + ln]))
            nxt = buf[pos]
            pos += ln
            ip.addrs = False
            continue
        if nxt == 44:
            if pos + (8 if ctx.opts.verbose else 4) > len(buf):
                out.append(" [|frag6]")
                return "".join(out)
            off_m, ident = struct.unpack_from("!HI", (buf[pos:pos + 8] + bytes(8))[:8], 2)
            off = off_m & 0xFFF8
            rest = end - pos - 8
            if ctx.opts.verbose:
                out.append(f"frag (0x{ident:08x}:{off}|{rest})")
            else:
                out.append(f"frag ({off}|{rest})")
            nxt = buf[pos]
            pos += 8
            ip.fragmented = True
            ip.addrs = False
            if off:
                return "".join(out)
            out.append(" ")
            if pos >= len(buf):
                return "".join(out)
            continue
        break
    if nxt == 59:
        out.append("no next header")
        return "".join(out)
    if not ip.addrs and nxt in OWN_ADDRESSES and nxt in UPPER:
        # after extension headers tcpdump no longer prints the addresses with the ports
        pass
    elif nxt in OWN_ADDRESSES and nxt not in UPPER:
        out.append(head)
    seg = buf[pos:end]
    length = max(end - pos, 0)
    entry = UPPER.get(nxt)
    if entry is None:
        out.append(f" ip-proto-{nxt} {length}")
    else:
        out.append(lazy(*entry)(ctx, ip, seg, length))
    return "".join(out)


def _rt6_final(hdr: bytes) -> bytes | None:
    """The packet's final destination in a routing header: the last address of
    type 0/2, the first segment of a segment routing header (type 4), which
    lists them in reverse."""
    if len(hdr) >= 24 and hdr[2] in (0, 2) and hdr[3]:
        n = (len(hdr) - 8) // 16
        return bytes(hdr[8 + 16 * (n - 1):8 + 16 * n])
    if len(hdr) >= 24 and hdr[2] == 4 and hdr[1] % 2 == 0:
        return bytes(hdr[8:24])
    return None


RT6_TYPES = {0: "0 [Deprecated]", 2: "2", 4: "4"}


def _rt6(ctx: Ctx, hdr: bytes) -> str:
    """A routing header: type 0/2 list their addresses."""
    if len(hdr) < 4:
        return "RT6 [|rt6]"
    ln, typ, left = hdr[1], hdr[2], hdr[3]
    text = f"RT6 (len={ln}, type={RT6_TYPES.get(typ, typ)}, segleft={left}"
    if len(hdr) < 8:
        return text + " [|rt6]"
    if typ in (0, 2, 4):
        if typ == 4:
            text += f", last-entry={hdr[4]}"
            if hdr[5] or ctx.opts.verbose:
                text += f", flags=0x{hdr[5]:x}"
            text += f", tag={hdr[6] << 8 | hdr[7]:x}"
        elif hdr[4:8] != b"\0\0\0\0" or ctx.opts.verbose:
            text += f", rsv=0x{struct.unpack_from('!I', hdr, 4)[0]:x}"
        addrs = [hdr[i:i + 16] for i in range(8, len(hdr) - 15, 16)]
        text += "".join(f", [{n}]{ip6_str(a)}" for n, a in enumerate(addrs))
        if 8 + 16 * len(addrs) < (ln + 1) * 8:
            return text + " [|rt6]"
    return text + ") "


# ---- ARP ----

ARP_OPS = {1: "Request", 2: "Reply", 3: "Reverse Request", 4: "Reverse Reply",
           8: "InARP request", 9: "InARP reply"}


def arp_text(ctx: Ctx, buf: bytes, length: int) -> str:
    """An ARP packet (the text after ``ARP, ``); ``length`` as on the wire."""
    if len(buf) < 8:
        return "[|ARP]"
    hrd, pro, hln, pln, op = struct.unpack_from("!HHBBH", buf, 0)
    need = 8 + 2 * (hln + pln)
    if hrd != 1 or pro != 0x0800 or hln != 6 or pln != 4 or len(buf) < need:
        return f"{'Ethernet' if hrd == 1 else f'hardware #{hrd}'} (len {hln}), " \
               f"{'IPv4' if pro == 0x0800 else f'proto #{pro}'} (len {pln}), " \
               f"{ARP_OPS.get(op, f'Unknown ({op})')}, length {length}"
    sha, spa = bytes(buf[8:14]), ip4_str(bytes(buf[14:18]))
    tha, tpa = bytes(buf[18:24]), ip4_str(bytes(buf[24:28]))
    if op == 1:
        text = f"Request who-has {tpa}"
        if any(tha):
            text += f" ({mac_str(tha)})"
        text += f" tell {spa}"
    elif op == 2:
        text = f"Reply {spa} is-at {mac_str(sha)}"
    elif op == 3:
        text = f"Reverse Request who-is {mac_str(tha)} tell {mac_str(sha)}"
    elif op == 4:
        text = f"Reverse Reply {mac_str(tha)} at {tpa}"
    else:
        text = ARP_OPS.get(op, f"Unknown ({op})")
    if ctx.opts.verbose:
        text = "Ethernet (len 6), IPv4 (len 4), " + text
    return text + f", length {length}"
