"""TCP and UDP, in tcpdump's words: flags, relative sequence numbers, options,
checksum status with -v, and the few payload decoders that matter most (DNS,
the first line of HTTP)."""

from __future__ import annotations

import struct

import dpkt

from zcap.printing.context import Ctx
from zcap.printing.dns import dns_summary

# flag letters in the order tcpdump prints them
TCP_FLAGS = ((0x01, "F"), (0x02, "S"), (0x04, "R"), (0x08, "P"), (0x10, "."), (0x20, "U"),
             (0x40, "E"), (0x80, "W"), (0x100, "e"))
TH_FIN, TH_SYN, TH_RST, TH_ACK = 0x01, 0x02, 0x04, 0x10

# TCP options: kind -> (name, value layout); layouts: "" none, "H" u16, "B" u8, "ts", "sack"
TCP_OPTIONS = {
    0: ("eol", ""), 1: ("nop", ""), 2: ("mss", "H"), 3: ("wscale", "B"), 4: ("sackOK", ""),
    5: ("sack", "sack"), 8: ("TS", "ts"), 19: ("md5", "raw"), 28: ("uto", "uto"),
    30: ("mptcp", "raw"), 34: ("tfo", "raw"),
}

HTTP_PORTS = frozenset({80, 3128, 8080})
HTTP_METHODS = frozenset(
    b"GET PUT COPY HEAD LOCK MOVE POLL POST BCOPY BMOVE MKCOL TRACE LABEL MERGE DELETE "
    b"SEARCH UNLOCK REPORT UPDATE NOTIFY BDELETE CONNECT OPTIONS CHECKIN PROPFIND CHECKOUT "
    b"CCM_POST SUBSCRIBE PROPPATCH BPROPFIND BPROPPATCH UNCHECKOUT MKACTIVITY MKWORKSPACE "
    b"UNSUBSCRIBE RPC_CONNECT VERSION-CONTROL BASELINE-CONTROL".split())
DNS_PORTS = frozenset({53, 5353})
U32 = 0xFFFFFFFF


def pseudo_cksum(src: bytes, dst: bytes, proto: int, seg: bytes) -> int:
    """Internet checksum of ``seg`` with its IPv4/IPv6 pseudo-header (0 = valid)."""
    if len(src) == 4:
        pseudo = src + dst + struct.pack("!xBH", proto, len(seg))
    else:
        pseudo = src + dst + struct.pack("!IxxxB", len(seg), proto)
    return dpkt.dpkt.in_cksum(pseudo + seg)


def _tcp_options(opts: bytes, sack_base: int) -> str:
    out, i = [], 0
    while i < len(opts):
        kind = opts[i]
        if kind in (0, 1):
            out.append(TCP_OPTIONS[kind][0])
            i += 1
            if kind == 0:
                break
            continue
        if i + 1 >= len(opts) or opts[i + 1] < 2 or i + opts[i + 1] > len(opts):
            out.append("[bad opt]")
            break
        ln = opts[i + 1]
        val = opts[i + 2:i + ln]
        name, kind_fmt = TCP_OPTIONS.get(kind, (f"unknown-{kind}", "raw"))
        if kind_fmt == "H" and len(val) == 2:
            out.append(f"{name} {struct.unpack('!H', val)[0]}")
        elif kind_fmt == "B" and len(val) == 1:
            out.append(f"{name} {val[0]}")
        elif kind_fmt == "ts" and len(val) == 8:
            tv, te = struct.unpack("!II", val)
            out.append(f"TS val {tv} ecr {te}")
        elif kind_fmt == "sack" and len(val) % 8 == 0:
            blocks = "".join(
                f"{{{(s - sack_base) & U32}:{(e - sack_base) & U32}}}"
                for s, e in struct.iter_unpack("!II", val))
            out.append(f"sack {len(val) // 8} {blocks}")
        elif kind_fmt == "" and not val:
            out.append(name)
        else:
            out.append(f"{name} 0x{val.hex()}" if val else name)
        i += ln
    return ",".join(out)


def _http(payload: bytes, verbose: int) -> str:
    line = payload.split(b"\r\n", 1)[0].split(b"\n", 1)[0]
    word = line.split(b" ", 1)[0]
    if not (word in HTTP_METHODS or word.startswith(b"HTTP/")):
        return ": HTTP"
    if verbose:
        lines = []
        for raw in payload.split(b"\n"):
            raw = raw.rstrip(b"\r")
            lines.append("\n\t" + raw.decode("latin-1"))
            if not raw:
                break
        return f": HTTP, length: {len(payload)}" + "".join(lines)
    return ": HTTP: " + line.decode("latin-1")


def tcp_line(ctx: Ctx, seg: bytes, length: int, src: bytes, dst: bytes, srcs: str,
             dsts: str, fragmented: bool) -> str:
    """Everything tcpdump prints for a TCP segment, from ``src.port > ...`` on.

    ``length`` is the segment length the IP header claims; ``seg`` what was captured.
    """
    try:
        t = dpkt.tcp.TCP(seg)
    except (dpkt.UnpackError, struct.error):
        return f"{srcs} > {dsts}: [|tcp]"
    sport, dport = t.sport, t.dport
    head = f"{srcs}.{sport} > {dsts}.{dport}: "
    hlen = t.off * 4
    opts = ctx.opts
    if hlen < 20:
        return head + f"tcp {length - 20} [bad hdr length {hlen} - too short, < 20]"
    if opts.quiet:
        return head + f"tcp {length - hlen}"
    flags = t.flags | ((seg[12] & 1) << 8)
    letters = "".join(ch for bit, ch in TCP_FLAGS if flags & bit) or "none"
    seq, ack = t.seq, t.ack
    parts = [head, f"Flags [{letters}]"]
    sack_base = 0
    if flags & TH_ACK:
        # tcpdump keeps one entry per conversation, keyed in a canonical order
        rev = sport > dport or (sport == dport and src > dst)
        key = (dst, src, dport << 16 | sport) if rev else (src, dst, sport << 16 | dport)
        known = ctx.tcp_isn.get(key)
        if known is None or flags & TH_SYN:
            known = (((ack - 1) & U32, seq) if rev else (seq, (ack - 1) & U32))
            ctx.tcp_isn[key] = known
        else:
            if rev:
                seq, ack = (seq - known[1]) & U32, (ack - known[0]) & U32
            else:
                seq, ack = (seq - known[0]) & U32, (ack - known[1]) & U32
        sack_base = known[0] if rev else known[1]
    if hlen > length:
        return "".join(parts) + f" [bad hdr length {hlen} - too long, > {length}]"
    if opts.verbose and not fragmented and len(seg) >= length:
        ck = pseudo_cksum(src, dst, 6, seg[:length])
        if ck == 0:
            parts.append(f", cksum 0x{t.sum:04x} (correct)")
        else:
            good = pseudo_cksum(src, dst, 6, seg[:16] + b"\0\0" + seg[18:length])
            parts.append(f", cksum 0x{t.sum:04x} (incorrect -> 0x{good:04x})")
    paylen = length - hlen
    if paylen > 0 or flags & (TH_SYN | TH_FIN | TH_RST) or opts.verbose > 1:
        parts.append(f", seq {seq}")
        if paylen > 0:
            parts.append(f":{(seq + paylen) & U32}")
    if flags & TH_ACK:
        parts.append(f", ack {ack}")
    parts.append(f", win {t.win}")
    if flags & 0x20:
        parts.append(f", urg {t.urp}")
    if hlen > 20:
        parts.append(f", options [{_tcp_options(bytes(t.opts), sack_base)}]")
    parts.append(f", length {paylen}")
    payload = bytes(seg[hlen:length])
    if paylen > 0 and payload and not flags & TH_RST:
        if sport in HTTP_PORTS or dport in HTTP_PORTS:
            parts.append(_http(payload, opts.verbose))
        elif (sport in DNS_PORTS or dport in DNS_PORTS) and paylen > 2:
            parts.append(": " + dns_summary(ctx, payload[2:], paylen - 2))
    return "".join(parts)


def udp_line(ctx: Ctx, seg: bytes, length: int, src: bytes, dst: bytes, srcs: str,
             dsts: str, fragmented: bool) -> str:
    """Everything tcpdump prints for a UDP datagram, from ``src.port > ...`` on."""
    if len(seg) < 8:
        return f"{srcs} > {dsts}: [|udp]"
    u = dpkt.udp.UDP(seg)
    head = f"{srcs}.{u.sport} > {dsts}.{u.dport}: "
    ulen = u.ulen
    if ulen < 8:
        return head + f"truncated-udplength {ulen}"
    if ulen > length and not fragmented:
        return head + f"UDP, bad length {ulen} > {length}"
    paylen = ulen - 8
    opts = ctx.opts
    if opts.quiet:
        return head + f"UDP, length {paylen}"
    ck = ""
    v6 = len(src) == 16
    if not fragmented and (opts.verbose > 1 or (v6 and opts.verbose)) and len(seg) >= ulen:
        if u.sum == 0 and not v6:
            ck = "[no cksum] "
        elif pseudo_cksum(src, dst, 17, seg[:ulen]) == 0:
            ck = "[udp sum ok] "
        else:
            good = pseudo_cksum(src, dst, 17, seg[:6] + b"\0\0" + seg[8:ulen])
            ck = f"[bad udp cksum 0x{u.sum:04x} -> 0x{good:04x}!] "
    if (u.sport in DNS_PORTS or u.dport in DNS_PORTS) and not fragmented:
        return head + ck + dns_summary(ctx, bytes(seg[8:ulen]), paylen)
    return head + ck + f"UDP, length {paylen}"
