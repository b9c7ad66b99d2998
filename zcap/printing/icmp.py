"""ICMP and ICMPv6 messages, named as tcpdump names them."""

from __future__ import annotations

import struct
from collections.abc import Callable

import dpkt

from zcap.printing.context import Ctx, ip6_str
from zcap.printing.transport import pseudo_cksum

UNREACH = {
    0: "net {dst} unreachable", 1: "host {dst} unreachable",
    2: "{dst} protocol {proto} unreachable", 3: "{dst} {pname} port {port} unreachable",
    4: "{dst} unreachable - need to frag", 5: "{dst} unreachable - source route failed",
    6: "net {dst} unreachable - unknown", 7: "host {dst} unreachable - unknown",
    9: "net {dst} unreachable - admin prohibited", 10: "host {dst} unreachable - admin prohibited",
    13: "{dst} unreachable - admin prohibited filter",
}
SIMPLE = {4: "source quench", 9: "router advertisement", 10: "router solicitation",
          17: "address mask request", 18: "address mask reply"}
TIMXCEED = {0: "time exceeded in-transit", 1: "ip reassembly time exceeded"}

ICMP6_NAMES = {
    1: "destination unreachable", 2: "packet too big", 3: "time exceeded",
    4: "parameter problem", 128: "echo request", 129: "echo reply",
    130: "multicast listener query", 131: "multicast listener report",
    132: "multicast listener done", 133: "router solicitation", 134: "router advertisement",
    135: "neighbor solicitation", 136: "neighbor advertisement", 137: "redirect",
    143: "multicast listener report v2",
}


def icmp_text(ctx: Ctx, body: bytes, length: int,
              inner: Callable[[bytes], str]) -> str:
    """The text after ``ICMP `` for an ICMPv4 message of ``length`` bytes.

    ``inner`` prints an embedded IP header (for -v on error messages).
    """
    if len(body) < 4:
        return "[|icmp]"
    typ, code = body[0], body[1]
    tail = ""
    if typ in (0, 8) and len(body) >= 8:
        ident, seq = struct.unpack_from("!HH", body, 4)
        what = "echo reply" if typ == 0 else "echo request"
        text = f"{what}, id {ident}, seq {seq}"
    elif typ in (3, 11, 12, 5) and len(body) >= 8 + 20:
        try:
            emb = dpkt.ip.IP(bytes(body[8:]))
        except (dpkt.UnpackError, struct.error):
            emb = None
        if emb is None:
            text = f"type-#{typ}"
        elif typ == 3:
            fmt = UNREACH.get(code, "{dst} unreachable - #" + str(code))
            port, pname = 0, ""
            raw = bytes(body[8 + emb.hl * 4:8 + emb.hl * 4 + 4])
            if len(raw) == 4:
                port = struct.unpack("!H", raw[2:])[0]
            pname = {6: "tcp", 17: "udp"}.get(emb.p, f"ip-proto-{emb.p}")
            if code == 3 and emb.p not in (6, 17):
                fmt = "{dst} protocol {proto} port {port} unreachable"
            text = fmt.format(dst=_ip4(emb.dst), proto=emb.p, pname=pname, port=port)
            if code == 4 and len(body) >= 8:
                mtu = struct.unpack_from("!H", body, 6)[0]
                if mtu:
                    text += f" (mtu {mtu})"
        elif typ == 11:
            text = TIMXCEED.get(code, f"time exceeded-#{code}")
        elif typ == 5:
            gw = _ip4(bytes(body[4:8]))
            what = {0: "net", 1: "host", 2: "tos", 3: "tos host"}.get(code, f"#{code}")
            text = f"redirect {_ip4(emb.dst)} to {what} {gw}"
        else:
            text = f"parameter problem - octet {body[4]}"
        if ctx.opts.verbose and emb is not None:
            tail = "\n\t" + inner(bytes(body[8:]))
    elif typ in SIMPLE:
        text = SIMPLE[typ]
    elif typ in (13, 14) and len(body) >= 8:
        ident, seq = struct.unpack_from("!HH", body, 4)
        what = "time stamp query" if typ == 13 else "time stamp reply"
        text = f"{what} id {ident} seq {seq}"
    else:
        text = f"type-#{typ}"
    text += f", length {length}"
    if ctx.opts.verbose and len(body) >= length and dpkt.dpkt.in_cksum(bytes(body[:length])):
        good = dpkt.dpkt.in_cksum(bytes(body[:2]) + b"\0\0" + bytes(body[4:length]))
        text += f" (wrong icmp cksum {struct.unpack_from('!H', body, 2)[0]:x} (->{good:x})!)"
    return text + tail


def _ip4(b: bytes) -> str:
    return ".".join(str(x) for x in b)


def icmp6_text(ctx: Ctx, body: bytes, length: int, src: bytes, dst: bytes) -> str:
    """The text from ``ICMP6, `` on for an ICMPv6 message of ``length`` bytes.

    tcpdump ends the line with the length, except under -v, where the
    neighbour-discovery types show it after their name and the others not at all.
    """
    if len(body) < 4:
        return "ICMP6, [|icmp6]"
    verbose = ctx.opts.verbose
    typ = body[0]
    name = ICMP6_NAMES.get(typ)
    prefix = ""
    if verbose and len(body) >= length:
        prefix = "[icmp6 sum ok] " if pseudo_cksum(src, dst, 58, bytes(body[:length])) == 0 \
            else "[bad icmp6 cksum] "
    if name is None:
        return f"{prefix}ICMP6, unknown icmp6 type ({typ}), length {length}"
    detail = ""
    if typ in (128, 129) and len(body) >= 8:
        ident, seq = struct.unpack_from("!HH", body, 4)
        detail = f", id {ident}, seq {seq}"
    elif typ == 1 and len(body) >= 8 + 40:
        detail = ", " + _unreach6(body)
    elif typ == 2 and len(body) >= 8:
        detail = f", mtu {struct.unpack_from('!I', body, 4)[0]}"
    elif typ in (135, 136) and len(body) >= 24:
        tgt = ip6_str(bytes(body[8:24]))
        detail = f", {'who has' if typ == 135 else 'tgt is'} {tgt}"
        if verbose and typ == 136:
            fl = body[4]
            names = [n for bit, n in ((0x80, "router"), (0x40, "solicited"),
                                      (0x20, "override")) if fl & bit]
            detail += f", Flags [{', '.join(names) or 'none'}]"
    if not verbose:
        return f"ICMP6, {name}{detail}, length {length}"
    if 133 <= typ <= 137:
        return f"{prefix}ICMP6, {name}, length {length}{detail}"
    return f"{prefix}ICMP6, {name}{detail}"


UNREACH6 = {0: "unreachable route", 1: "unreachable prohibited", 2: "beyond scope",
            3: "unreachable address", 4: "unreachable port"}


def _unreach6(body: bytes) -> str:
    """Destination-unreachable detail, from the invoking packet it quotes."""
    code = body[1]
    inner = bytes(body[8:])
    src, dst = ip6_str(inner[8:24]), ip6_str(inner[24:40])
    text = UNREACH6.get(code, f"unknown unreach code ({code})")
    if code in (0, 1, 3):
        return f"{text} {dst}"
    if code == 2:
        return f"{text} {dst}, source address {src}"
    if code == 4:
        prot, ports = inner[6], inner[40:44]
        if len(ports) < 4:
            return text + " [|icmp6]"
        dport = struct.unpack_from("!H", ports, 2)[0]
        if prot in (6, 17):
            return f"{text}, {dst} {'tcp' if prot == 6 else 'udp'} port {dport}"
        return f"{text}, {dst} protocol {prot} port {dport} unreachable"
    return text
