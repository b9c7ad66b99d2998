"""TCP and UDP, in tcpdump's words: flags, relative sequence numbers, options,
checksum verdicts with -v, and the hand-off to the application printers by
port (``TCP_PORTS``/``UDP_PORTS``, in tcpdump's order of precedence)."""

from __future__ import annotations

import struct

from zcap.printing.context import Ctx, text_chars
from zcap.printing.iphdr import IpHdr, lazy
from zcap.printing.sums import pseudo_cksum

# flag letters in the order tcpdump prints them
# (4.99.3 has no letter for the ninth bit, the accurate-ECN/nonce one)
TCP_FLAGS = ((0x01, "F"), (0x02, "S"), (0x04, "R"), (0x08, "P"), (0x10, "."), (0x20, "U"),
             (0x40, "E"), (0x80, "W"))
TH_FIN, TH_SYN, TH_RST, TH_ACK, TH_URG = 0x01, 0x02, 0x04, 0x10, 0x20
U32 = 0xFFFFFFFF

# TCP option kind -> (name, fixed data length or None for "whatever the length says")
TCP_OPTIONS = {
    0: ("eol", 0), 1: ("nop", 0), 2: ("mss", 2), 3: ("wscale", 1), 4: ("sackOK", 0),
    5: ("sack", None), 6: ("echo", 4), 7: ("echoreply", 4), 8: ("TS", 8), 11: ("cc", 4),
    12: ("ccnew", 4), 13: ("", 4), 19: ("md5", 16), 20: ("scps", 2),
    28: ("uto", 2), 29: ("tcp-ao", None), 30: ("mptcp", None),
    34: ("tfo", None), 254: ("exp", None),
}
# tcpdump 4.99's names; every subtype from 8 on is "unknown"
MPTCP_SUBTYPES = {0: "capable", 1: "join", 2: "dss", 3: "add-addr", 4: "rem-addr",
                  5: "prio", 6: "fail", 7: "fast-close", 8: "unknown"}

# application printers by port: (ports, module, function); the first match wins.
# Each gets (ctx, payload, length, sport, dport) and returns the text after the
# TCP/UDP part of the line.
TCP_PORTS = (
    ({21}, "text", "ftp_print"),
    ({22}, "text", "ssh_print"),
    ({25}, "text", "smtp_print"),
    ({43}, "text", "whois_print"),
    ({179}, "text", "bgp_print"),
    ({6379}, "resp", "resp_print"),
    ({80, 8080}, "text", "http_print"),
    ({554, 8554}, "text", "rtsp_print"),
    ({53}, "dns", "dns_tcp_print"),
    ({6633, 6653}, "openflow", "openflow_print"),
)
# UDP in tcpdump's order (print-udp.c), so a packet between two known ports
# goes where tcpdump sends it; a fourth field "dst" or "src" checks that port only.
UDP_PORTS = (
    ({53}, "dns", "dns_udp_print"),
    ({5353}, "dns", "mdns_udp_print"),
    ({69}, "services", "tftp_print"),
    ({67, 68}, "dhcp", "bootp_print"),
    ({520}, "services", "rip_print"),
    ({500}, "isakmp", "isakmp_print"),
    ({4500}, "services", "natt_print"),
    ({7500, 8500}, "isakmp", "isakmp_print"),
    ({161, 162}, "snmp", "snmp_print"),
    ({123}, "ntp", "ntp_print"),
    ({88, 750}, "krb", "krb_print"),
    (frozenset(range(7000, 7010)), "rx", "rx_print"),
    ({546, 547}, "dhcp6", "dhcp6_print"),
    ({5359}, "ahcp", "ahcp_print"),
    ({6696, 6697}, "babel", "babel_print"),
    ({1645, 1646, 1812, 1813, 3799}, "services", "radius_print"),
    ({1985}, "services", "hsrp_print", "dst"),
    ({3503}, "lspping", "lspping_print"),
    ({49152}, "bcm_li", "bcm_li_print", "src"),
    ({3784, 3785, 4784, 6784}, "bfd", "bfd_print", "dst"),
    ({6343}, "sflow", "sflow_print"),
    ({5060, 5061}, "text", "sip_print"),
    ({514}, "syslog", "syslog_print"),
    ({4789}, "tunnel", "vxlan_print"),
    ({6081}, "tunnel", "geneve_print"),
    ({319, 320}, "ptp", "ptp_udp_print"),
)


def _app(table: tuple, sport: int, dport: int) -> tuple[str, str] | None:
    for ports, module, func, *side in table:
        if (sport in ports and side != ["dst"]) or (dport in ports and side != ["src"]):
            return module, func
    return None


def _ports_head(ip: IpHdr, sport: int, dport: int) -> str:
    if ip.addrs:
        return f"{ip.srcs}.{sport} > {ip.dsts}.{dport}: "
    return f"{sport} > {dport}: "


def _addr_head(ip: IpHdr) -> str:
    return f"{ip.srcs} > {ip.dsts}: " if ip.addrs else ""


def _tcp_options(cap: bytes, total: int, sack_base: int, whole: bool,
                 tcp_flags: int) -> tuple[str, str]:
    """The text inside ``options [``, and how it ended: "ok", "bad" (tcpdump
    stops the line at ``[bad opt]``) or "cut" (the capture ends first).

    Like tcpdump, a known option consumes the data its kind defines whatever its
    length byte says (then ``[len N]`` flags the mismatch), and the next option
    starts right after that data.
    """
    out: list[str] = []
    w = out.append
    sep = ""
    i = 0
    cut = "cut"
    while i < total:
        w(sep)
        if i >= len(cap):
            return "".join(out), cut
        kind = cap[i]
        i += 1
        if kind in (0, 1):
            ln = 1
        else:
            if i >= len(cap):
                return "".join(out), cut
            ln = cap[i]
            i += 1
            if ln < 2 or ln > total - i + 2:
                return "".join(out) + "[bad opt]" + ("]" if sep else ""), "bad"
        name, fixed = TCP_OPTIONS.get(kind, (f"unknown-{kind}", None))
        w(name)
        datalen = fixed if fixed is not None else max(ln - 2, 0)
        if kind in (0, 1):
            datalen = 0
        if datalen > total - i:
            return "".join(out) + "[bad opt]" + ("]" if sep else ""), "bad"
        invalid_sack = kind == 5 and datalen % 8   # needs none of the data
        if kind == 5 and not invalid_sack and i + datalen > len(cap):
            w(f" {datalen // 8} ")
            return "".join(out), "cut>" if sep else "cut-"
        if i + datalen > len(cap) and not invalid_sack:
            # the data is checked before it is printed: tcpdump notes the cut
            # itself (closing with ">" after a complete option) and goes on
            part = cap[i:]
            if kind not in TCP_OPTIONS and part:
                w(" 0x" + part.hex())
            elif kind == 29 and len(part) >= 2:
                w(f" keyid {part[0]} rnextkeyid {part[1]}" +
                  (" mac 0x" + part[2:].hex() if datalen > 2 else ""))
            return "".join(out), "cut>" if sep else "cut-"
        val = cap[i:i + datalen]
        if kind == 2:
            w(f" {val[0] << 8 | val[1]}")
        elif kind == 3:
            w(f" {val[0]}")
        elif kind == 5:
            if datalen % 8:
                w(" invalid sack")
            else:
                w(f" {datalen // 8} " + "".join(
                    f"{{{(s - sack_base) & U32}:{(e - sack_base) & U32}}}"
                    for s, e in struct.iter_unpack("!II", val)))
        elif kind in (6, 7, 11, 12, 13):
            w(f" {struct.unpack_from('!I', val)[0]}")
        elif kind == 8:
            tv, te = struct.unpack_from("!II", val)
            w(f" val {tv} ecr {te}")
        elif kind == 19:
            why = "shared secret not supplied with -M" if whole else "snaplen too short"
            w(f" {why}, can't check - " + val.hex())
        elif kind == 20:
            w(f" cap {val[0]:02x} id {val[1]}")
        elif kind == 29:
            if datalen < 2:
                w(" invalid")
            else:
                w(f" keyid {val[0]} rnextkeyid {val[1]}")
                if datalen > 2:
                    w(" mac 0x" + val[2:].hex())
        elif kind == 28:
            uto = val[0] << 8 | val[1]
            w(f" 0x{uto:x} {(uto >> 1) * 60 if uto & 1 else uto >> 1}")
        elif kind == 30:
            extra, ok = _mptcp(val, ln, tcp_flags)
            w(extra)
            if not ok:
                return "".join(out) + "[bad opt]" + ("]" if sep else ""), "bad"
            cut = "cut:mptcp"   # tcpdump's cut mark keeps the name of the last decoder
        elif kind == 34:
            w(" " + _tfo(val))
        elif kind == 254:
            if datalen < 2:
                return "".join(out) + "[bad opt]" + ("]" if sep else ""), "bad"
            magic = val[0] << 8 | val[1]
            w("-tfo" + _tfo(val[2:]) if magic == 0xF989 else f"-{magic:04x}")
        elif kind not in (0, 1) and val:
            w(" 0x" + val.hex())
        i += datalen
        if datalen + (1 if kind in (0, 1) else 2) != ln:
            w(f"[len {ln}]")
        sep = ","
        if kind == 0:
            break
    return "".join(out), "ok"


def _tfo(val: bytes) -> str:
    if not val:
        return " cookiereq"
    if len(val) % 2 or len(val) < 4 or len(val) > 16:
        return " invalid"
    return " cookie " + val.hex()


def _mptcp(val: bytes, ln: int, flags: int) -> tuple[str, bool]:
    """What tcpdump prints after ``mptcp``: the length, the subtype and its
    fields; False where it then gives up on the options with ``[bad opt]``."""
    if ln < 3:
        return "", False
    opt = bytes([30, ln]) + val      # offsets below count from the option's kind
    sub = min(opt[2] >> 4, 8)
    text = f" {ln} {MPTCP_SUBTYPES[sub]}"
    detail = MPTCP_DETAILS.get(sub)
    if detail is None:
        return text, True
    more, ok = detail(opt, ln, flags)
    return text + more, ok


def _mp_capable(opt: bytes, ln: int, flags: int) -> tuple[str, bool]:
    syn_ack = flags & (TH_SYN | TH_ACK)
    if not ((ln in (12, 4) and flags & TH_SYN) or (ln in (20, 22) and syn_ack == TH_ACK)):
        return "", False
    version = opt[2] & 0x0F
    if version > 1:
        return f" Unknown Version ({version})", True
    text = f" v{version}" + (" csum" if opt[3] & 0x80 else "")
    if ln == 12 or ln >= 20:
        text += f" {{0x{int.from_bytes(opt[4:12], 'big'):x}"
        if ln >= 20:
            text += f",0x{int.from_bytes(opt[12:20], 'big'):x}"
        text += "}"
    return text, True


def _mp_join(opt: bytes, ln: int, flags: int) -> tuple[str, bool]:
    syn_ack = flags & (TH_SYN | TH_ACK)
    if not ((ln == 12 and flags & TH_SYN) or (ln == 16 and syn_ack == TH_SYN | TH_ACK)
            or (ln == 24 and flags & TH_ACK)):
        return "", False
    text = ""
    if ln != 24:
        text += (" backup" if opt[2] & 1 else "") + f" id {opt[3]}"
    if ln == 12:
        token, nonce = struct.unpack_from("!II", opt, 4)
        text += f" token 0x{token:x} nonce 0x{nonce:x}"
    elif ln == 16:
        mac, nonce = struct.unpack_from("!QI", opt, 4)
        text += f" hmac 0x{mac:x} nonce 0x{nonce:x}"
    else:
        text += " hmac 0x" + opt[4:24].hex()
    return text, True


def _mp_dss(opt: bytes, ln: int, flags: int) -> tuple[str, bool]:
    if ln < 4 or flags & TH_SYN:
        return "", False
    f = opt[3]
    out = [" fin"] if f & 0x10 else []
    rest, at = ln - 4, 4

    def number(wide: bool) -> str | None:
        nonlocal rest, at
        n = 8 if wide else 4
        if rest < n:
            return None
        rest, at = rest - n, at + n
        return str(int.from_bytes(opt[at - n:at], "big"))

    if f & 0x01:
        out.append(" ack ")
        v = number(bool(f & 0x02))
        if v is None:
            return "".join(out), False
        out.append(v)
    if f & 0x04:
        out.append(" seq ")
        for label, wide in (("", bool(f & 0x08)), (" subseq ", False)):
            v = number(wide)
            if v is None:
                return "".join(out), False
            out.append(label + v)
        if rest < 2:
            return "".join(out), False
        out.append(f" len {opt[at] << 8 | opt[at + 1]}")
        rest, at = rest - 2, at + 2
        if rest >= 2:
            out.append(f" csum 0x{opt[at] << 8 | opt[at + 1]:x}")
            rest -= 2
    return "".join(out), rest == 0


def _mp_add_addr(opt: bytes, ln: int, flags: int) -> tuple[str, bool]:
    from zcap.printing.context import ip4_str, ip6_str
    if ln not in (8, 10, 16, 18, 20, 22, 28, 30):
        return "", False
    text = f" {MPTCP_ADDR_ECHO.get(opt[2] & 0x0F, '[bad version/echo]')} id {opt[3]}"
    v4 = ln <= 18
    alen = 4 if v4 else 16
    text += " " + (ip4_str(opt[4:8]) if v4 else ip6_str(opt[4:20]))
    at = 4 + alen
    if ln in (10, 18, 22, 30):
        text += f":{opt[at] << 8 | opt[at + 1]}"
        at += 2
    if ln in (16, 18, 28, 30):
        text += f" hmac 0x{int.from_bytes(opt[at:at + 8], 'big'):x}"
    return text, True


def _mp_rem_addr(opt: bytes, ln: int, flags: int) -> tuple[str, bool]:
    if ln < 4:
        return "", False
    return " id" + "".join(f" {b}" for b in opt[3:ln]), True


def _mp_prio(opt: bytes, ln: int, flags: int) -> tuple[str, bool]:
    if ln not in (3, 4):
        return "", False
    return (" backup" if opt[2] & 1 else " non-backup") + (f" id {opt[3]}" if ln == 4 else ""), \
        True


def _mp_fail_or_close(label: str):
    def detail(opt: bytes, ln: int, flags: int) -> tuple[str, bool]:
        if ln != 12:
            return "", False
        v = int.from_bytes(opt[4:12], "big")
        return (f" seq {v}" if label == "seq" else f" key 0x{v:x}"), True
    return detail


MPTCP_ADDR_ECHO = {0x6: "v0-ip6", 0x4: "v0-ip4", 0x1: "v1-echo", 0x0: "v1"}
MPTCP_DETAILS = {0: _mp_capable, 1: _mp_join, 2: _mp_dss, 3: _mp_add_addr, 4: _mp_rem_addr,
                 5: _mp_prio, 6: _mp_fail_or_close("seq"), 7: _mp_fail_or_close("key")}


def tcp_print(ctx: Ctx, ip: IpHdr, seg: bytes, length: int) -> str:
    """Everything tcpdump prints for a TCP segment, from ``src.port > ...`` on.

    ``length`` is the segment length the IP header claims; ``seg`` what was captured.
    """
    if len(seg) < 4:
        return _addr_head(ip).rstrip(" ") + " [|tcp]"
    sport, dport = struct.unpack_from("!HH", seg, 0)
    head = _ports_head(ip, sport, dport)
    if len(seg) < 20:
        return head + " [|tcp]"   # tcpdump stops here without abandoning the packet
    seq, ack, off, fl, win, csum, urp = struct.unpack_from("!IIBBHHH", seg, 4)
    hlen = (off >> 4) * 4
    opts = ctx.opts
    if hlen < 20:
        return head + f" tcp {length - hlen} [bad hdr length {hlen} - too short, < 20]"
    if opts.quiet:
        text = head + f"tcp {(length - hlen) & U32}"
        if hlen > length:
            text += f" [bad hdr length {hlen} - too long, > {length}]"
        return text
    flags = fl
    letters = "".join(ch for bit, ch in TCP_FLAGS if flags & bit) or "none"
    parts = [head, f"Flags [{letters}]"]
    sack_base = 0
    if flags & TH_ACK:
        # tcpdump keeps one entry per conversation, keyed in a canonical order
        rev = sport > dport or (sport == dport and ip.src > ip.dst)
        if rev:
            key = (ip.dst, ip.src, dport << 16 | sport)
        else:
            key = (ip.src, ip.dst, sport << 16 | dport)
        known = ctx.tcp_isn.get(key)
        if known is None or flags & TH_SYN:
            known = ((ack - 1) & U32, seq) if rev else (seq, (ack - 1) & U32)
            ctx.tcp_isn[key] = known
        elif rev:
            seq, ack = (seq - known[1]) & U32, (ack - known[0]) & U32
        else:
            seq, ack = (seq - known[0]) & U32, (ack - known[1]) & U32
        sack_base = known[0] if rev else known[1]
    if hlen > length:
        return "".join(parts) + f" [bad hdr length {hlen} - too long, > {length}]"
    if opts.verbose and not ip.fragmented and len(seg) >= length:
        if pseudo_cksum(ip.src, ip.dst, 6, seg[:length]) == 0:
            parts.append(f", cksum 0x{csum:04x} (correct)")
        else:
            good = pseudo_cksum(ip.src, ip.dst, 6, seg[:16] + b"\0\0" + seg[18:length])
            parts.append(f", cksum 0x{csum:04x} (incorrect -> 0x{good:04x})")
    paylen = length - hlen
    if paylen > 0 or flags & (TH_SYN | TH_FIN | TH_RST) or opts.verbose > 1:
        parts.append(f", seq {seq}")
        if paylen > 0:
            parts.append(f":{(seq + paylen) & U32}")
    if flags & TH_ACK:
        parts.append(f", ack {ack}")
    parts.append(f", win {win}")
    if flags & TH_URG:
        parts.append(f", urg {urp}")
    if hlen > 20:
        text, end = _tcp_options(bytes(seg[20:hlen]), hlen - 20, sack_base, len(seg) >= length,
                                 flags)
        if end.startswith("cut:") or end == "cut":
            return "".join(parts) + f", options [{text}" + ctx.cut(end[4:] or "tcp")
        if end.startswith("cut"):
            return "".join(parts) + f", options [{text} [|tcp]" + end[3:].strip("-")
        if end == "bad":
            return "".join(parts) + f", options [{text}"
        parts.append(f", options [{text}]")
    parts.append(f", length {paylen}")
    if paylen and len(seg) < hlen:
        # the options ended early (EOL) but the header runs past the capture
        return "".join(parts) + f" [remaining caplen({len(seg)}) < header length({hlen})]" + \
            ctx.cut("tcp")
    payload = bytes(seg[hlen:length])
    if flags & TH_RST and opts.verbose:
        if paylen > 0:
            # the reason some stacks put in a reset, at most 30 bytes of it
            shown = payload[:30]
            cut = "!" if len(payload) < paylen else ""
            parts.append(f" [{cut}RST" + ("+" if paylen > 30 else "") + " " +
                         text_chars(shown) + "]")
        return "".join(parts)
    if paylen > 0:
        app = _app(TCP_PORTS, sport, dport)
        if app is not None:
            parts.append(lazy(*app)(ctx, payload, paylen, sport, dport))
    return "".join(parts)




def udp_print(ctx: Ctx, ip: IpHdr, seg: bytes, length: int) -> str:
    """Everything tcpdump prints for a UDP datagram, from ``src.port > ...`` on."""
    if len(seg) < 4:
        # tcpdump notes the cut and returns (no longjmp): -x still starts at IP
        return _addr_head(ip) + " [|udp]"
    sport, dport = struct.unpack_from("!HH", seg, 0)
    head = _ports_head(ip, sport, dport)
    if length < 8:
        return head + f"truncated-udp {length}"
    if len(seg) < 8:
        return head + " [|udp]"
    ulen, usum = struct.unpack_from("!HH", seg, 4)
    if ulen == 0 and length > 65535:
        ulen = length
    if ulen < 8:
        return head + f"truncated-udplength {ulen}"
    ulen -= 8
    length -= 8
    if ulen < length:
        length = ulen
    opts = ctx.opts
    ck = ""
    if opts.verbose and not ip.fragmented and (ip.v6 or opts.verbose > 1):
        body = bytes(seg[:length + 8])
        captured = len(body) == length + 8
        if not ip.v6 and usum == 0:
            ck = "[no cksum] "
        elif captured and pseudo_cksum(ip.src, ip.dst, 17, body) == 0:
            ck = "[udp sum ok] "
        elif captured:
            good = pseudo_cksum(ip.src, ip.dst, 17, body[:6] + b"\0\0" + body[8:])
            ck = f"[bad udp cksum 0x{usum:04x} -> 0x{good:04x}!] "
    if not opts.quiet:
        app = _app(UDP_PORTS, sport, dport)
        if app is not None:
            # the payload runs to the end of the IP packet, as tcpdump's capture
            # bound does: a UDP length shorter than that does not hide the rest
            ctx.ip = ip
            return head + ck + lazy(*app)(ctx, bytes(seg[8:]), length, sport, dport)
    if ulen > length and not ip.fragmented:
        return head + ck + f"UDP, bad length {ulen} > {length}"
    return head + ck + f"UDP, length {ulen}"
