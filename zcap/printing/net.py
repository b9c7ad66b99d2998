"""Network layer: IPv4 (with fragments), IPv6 (with the common extension
headers) and ARP. Each returns the text after tcpdump's ``IP ``/``IP6 ``/``ARP, ``
prefix; the link layer decides whether that prefix is printed."""

from __future__ import annotations

import struct

import dpkt

from zcap.printing.context import Ctx, ip4_str, ip6_str, mac_str
from zcap.printing.icmp import icmp6_text, icmp_text
from zcap.printing.transport import tcp_line, udp_line

PROTO_NAMES = {1: "ICMP", 2: "IGMP", 4: "IPIP", 6: "TCP", 17: "UDP", 41: "IPv6", 47: "GRE",
               50: "ESP", 51: "AH", 58: "ICMPv6", 89: "OSPF", 103: "PIM", 112: "VRRP",
               132: "SCTP"}
IP_ECN = {1: "ECT(1)", 2: "ECT(0)", 3: "CE"}
IP6_EXT = {0: "HBH", 60: "DSTOPT", 43: "srcrt"}
IP6_FRAG = 44


def _demux(ctx: Ctx, proto: int, seg: bytes, length: int, src: bytes, dst: bytes,
           srcs: str, dsts: str, fragmented: bool) -> str:
    if proto == 6:
        return tcp_line(ctx, seg, length, src, dst, srcs, dsts, fragmented)
    if proto == 17:
        return udp_line(ctx, seg, length, src, dst, srcs, dsts, fragmented)
    if proto == 1 and len(src) == 4:
        # the embedded header of an ICMP error is printed without the "IP " under -e,
        # and never as truncated: it is known to be cut short
        inner_prefix = "" if ctx.opts.link_header else "IP "
        return f"{srcs} > {dsts}: ICMP " + icmp_text(
            ctx, seg, length, lambda b: inner_prefix + ipv4_text(ctx, b, 0xFFFF))
    if proto == 58 and len(src) == 16:
        return f"{srcs} > {dsts}: " + icmp6_text(ctx, seg, length, src, dst)
    return f"{srcs} > {dsts}:  ip-proto-{proto} {length}"


def ipv4_text(ctx: Ctx, buf: bytes, wire: int) -> str:
    """An IPv4 packet; ``wire`` is its length on the wire (header included)."""
    if len(buf) < 20:
        return "[|ip]"
    if buf[0] >> 4 != 4:
        return f"IP{buf[0] >> 4}"
    hlen = (buf[0] & 15) * 4
    try:
        ip = dpkt.ip.IP(buf)
    except (dpkt.UnpackError, struct.error):
        ip = None
    if ip is None or hlen < 20:
        return f"bad-hlen {hlen}"
    iplen = ip.len
    if iplen < hlen:
        return f"bad-len {iplen}"
    src, dst = bytes(buf[12:16]), bytes(buf[16:20])
    frag = (buf[6] << 8 | buf[7])
    offset = (frag & 0x1FFF) * 8
    fragmented = bool(frag & 0x3FFF)
    opts = ctx.opts
    pre = ""
    if iplen > wire:
        pre = f"truncated-ip - {iplen - wire} bytes missing! "
    if opts.verbose:
        tos = ip.tos
        ecn = f",{IP_ECN[tos & 3]}" if tos & 3 else ""
        fl = ", ".join(n for bit, n in ((0x8000, "rsvd"), (0x4000, "DF"), (0x2000, "+"))
                       if frag & bit) or "none"
        pname = PROTO_NAMES.get(ip.p, "unknown")
        v = (f"(tos 0x{tos:x}{ecn}, ttl {ip.ttl}, id {ip.id}, offset {offset}, flags [{fl}], "
             f"proto {pname} ({ip.p}), length {iplen}")
        if hlen > 20:
            v += f", options ({_ip_options(bytes(buf[20:hlen]))})"
        if len(buf) >= hlen and dpkt.dpkt.in_cksum(bytes(buf[:hlen])) != 0:
            good = dpkt.dpkt.in_cksum(bytes(buf[:10]) + b"\0\0" + bytes(buf[12:hlen]))
            v += f", bad cksum {ip.sum:x} (->{good:x})!"
        pre = v + ")\n    " + pre
    srcs, dsts = ip4_str(src), ip4_str(dst)
    seg = bytes(buf[hlen:iplen])
    if offset == 0:
        return pre + _demux(ctx, ip.p, seg, iplen - hlen, src, dst, srcs, dsts, fragmented)
    return pre + f"{srcs} > {dsts}: ip-proto-{ip.p}"


def _ip_options(raw: bytes) -> str:
    names = {0: "EOL", 1: "NOP", 7: "RR", 68: "TS", 130: "security", 131: "LSRR",
             137: "SSRR", 148: "RA"}
    out, i = [], 0
    while i < len(raw):
        kind = raw[i]
        if kind in (0, 1):
            out.append(names[kind])
            i += 1
            continue
        ln = raw[i + 1] if i + 1 < len(raw) else 0
        if ln < 2:
            out.append(f"{names.get(kind, f'unknown {kind}')} [bad length {ln}]")
            break
        out.append(names.get(kind, f"unknown {kind}") + ("" if ln == 2 else f" {ln}"))
        i += ln
    return ",".join(out)


def ipv6_text(ctx: Ctx, buf: bytes, wire: int) -> str:
    """An IPv6 packet; ``wire`` is its length on the wire (header included)."""
    if len(buf) < 40:
        return "[|ip6]"
    if buf[0] >> 4 != 6:
        return f"IP6 version {buf[0] >> 4}"
    vfc, plen, nxt, hlim = struct.unpack_from("!IHBB", buf, 0)
    src, dst = bytes(buf[8:24]), bytes(buf[24:40])
    srcs, dsts = ip6_str(src), ip6_str(dst)
    pre = ""
    if ctx.opts.verbose:
        cls, flow = (vfc >> 20) & 0xFF, vfc & 0xFFFFF
        v = "("
        if cls:
            v += f"class 0x{cls:x}, "
        if flow:
            v += f"flowlabel 0x{flow:05x}, "
        pname = PROTO_NAMES.get(nxt, "unknown")
        v += f"hlim {hlim}, next-header {pname} ({nxt}) payload length: {plen}) "
        pre = v
    if 40 + plen > wire:
        pre += f"truncated-ip6 - {40 + plen - wire} bytes missing!"
    pos, end = 40, 40 + plen
    exts = []
    fragmented = False
    while nxt in IP6_EXT or nxt == IP6_FRAG:
        if pos + 8 > len(buf):
            return pre + f"{srcs} > {dsts}: " + " ".join(exts) + f" [|{IP6_EXT.get(nxt, 'frag')}]"
        if nxt == IP6_FRAG:
            off_m, ident = struct.unpack_from("!HI", buf, pos + 2)
            off = off_m & 0xFFF8
            fragmented = True
            if ctx.opts.verbose:
                exts.append(f"frag (0x{ident:08x}:{off}|{end - pos - 8})")
            else:
                exts.append(f"frag ({off}|{end - pos - 8})")
            nxt = buf[pos]
            pos += 8
            if off:
                return pre + f"{srcs} > {dsts}: " + " ".join(exts)
            continue
        exts.append(IP6_EXT[nxt] + " ")
        nxt, ln = buf[pos], (buf[pos + 1] + 1) * 8
        pos += ln
    seg = bytes(buf[pos:end])
    body = _demux(ctx, nxt, seg, max(end - pos, 0), src, dst, srcs, dsts, fragmented)
    if exts:
        return pre + f"{srcs} > {dsts}: " + "".join(e if e.endswith(" ") else e + " "
                                                    for e in exts) + body
    return pre + body


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
