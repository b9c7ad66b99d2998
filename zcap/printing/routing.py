"""Routing and redundancy protocols carried straight in IP: PIM, OSPF and
VRRP. tcpdump's first line (name, message type, length); VRRP's -v detail."""

from __future__ import annotations

from zcap.printing.context import Ctx, ip4_str
from zcap.printing.iphdr import IpHdr
from zcap.printing.sums import in_cksum, pseudo_cksum

PIM_TYPES = {0: "Hello", 1: "Register", 2: "Register Stop", 3: "Join / Prune",
             4: "Bootstrap", 5: "Assert", 6: "Graft", 7: "Graft ACK",
             8: "Candidate RP Advertisement", 9: "Prune Refresh", 10: "DF Election",
             11: "ECMP Redirect"}
OSPF_TYPES = {1: "Hello", 2: "Database Description", 3: "LS-Request", 4: "LS-Update",
              5: "LS-Ack"}
VRRP_AUTH = {0: "none", 1: "simple", 2: "ah"}


def pim_print(ctx: Ctx, ip: IpHdr, b: bytes, length: int) -> str:
    """``PIMv2, Hello, length N`` (the type moves to the next line with -v)."""
    if not b:
        return ctx.cut("pim")
    ver, typ = b[0] >> 4, b[0] & 15
    name = PIM_TYPES.get(typ, f"unknown ({typ})")
    if ver != 2:
        return f"PIMv{ver}, length {length}" if ver else f"PIMv{ver}, length {length}"
    if ctx.opts.verbose:
        if len(b) < 4:
            return f"PIMv2, length {length}\n\t{name} [|pim]"
        csum = b[2] << 8 | b[3]
        if csum == 0:
            ok = "unverified"
        else:
            ok = "correct" if in_cksum(bytes(b[:length])) == 0 else "incorrect"
        return f"PIMv2, length {length}\n\t{name}, cksum 0x{csum:04x} ({ok})"
    return f"PIMv2, {name}, length {length}"


def ospf_print(ctx: Ctx, ip: IpHdr, b: bytes, length: int) -> str:
    """``OSPFv2, Hello, length N``."""
    if len(b) < 2:
        return ctx.cut("ospf2")
    name = OSPF_TYPES.get(b[1], f"unknown packet type ({b[1]})")
    return f"OSPFv{b[0]}, {name}, length {length}"


def vrrp_print(ctx: Ctx, ip: IpHdr, b: bytes, length: int) -> str:
    """VRRP v2/v3 adverts: router id, priority, interval; addresses with -v."""
    if len(b) < 1:
        return ctx.cut("vrrp")
    ver, typ = b[0] >> 4, b[0] & 15
    text = f"VRRPv{ver}, " + ("Advertisement" if typ == 1 else f"unknown type ({typ})")
    if ip.ttl != 255:
        text += f", (ttl {ip.ttl})"
    if ver < 2 or ver > 3 or typ != 1:
        return text
    if len(b) < 6:
        return text + ctx.cut("vrrp")
    text += f", vrid {b[1]}, prio {b[2]}"
    if ver == 2:
        text += f", authtype {VRRP_AUTH.get(b[4], '')}, intvl {b[5]}s, length {length}"
    else:
        text += f", intvl {(b[4] << 8 | b[5]) & 0xFFF}cs, length {length}"
    if not ctx.opts.verbose:
        return text
    if len(b) >= length:
        bad = in_cksum(bytes(b[:length])) if ver == 2 else \
            pseudo_cksum(ip.src, ip.dst, 112, bytes(b[:length]))
        if bad:
            text += f", (bad vrrp cksum {b[6] << 8 | b[7]:x})"
    n = b[3]
    text += ", addrs" + (f"({n})" if n > 1 else "") + ":"
    sep = " "
    for i in range(n):
        a = b[8 + 4 * i:12 + 4 * i]
        if len(a) < 4:
            return text + ctx.cut("vrrp")
        text += sep + ip4_str(a)
        sep = ","
    if ver == 2 and b[4] == 1:
        pw = b[8 + 4 * n:16 + 4 * n].split(b"\0", 1)[0]
        text += ' auth "' + pw.decode("latin-1") + '"'
    return text
