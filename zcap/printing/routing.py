"""Routing and redundancy protocols carried straight in IP: PIM, OSPF and
VRRP. tcpdump's first line (name, message type, length); with -v the PIM
hello options, the OSPF header with hello and database description fields,
VRRP's addresses."""

from __future__ import annotations

import struct

from zcap.printing.context import Ctx, ip4_str, ip6_str, relts
from zcap.printing.hexdump import hex_lines
from zcap.printing.iphdr import IpHdr
from zcap.printing.sums import in_cksum, pseudo_cksum

PIM_TYPES = {0: "Hello", 1: "Register", 2: "Register Stop", 3: "Join / Prune",
             4: "Bootstrap", 5: "Assert", 6: "Graft", 7: "Graft ACK",
             8: "Candidate RP Advertisement", 9: "Prune Refresh", 10: "DF Election",
             11: "ECMP Redirect"}
OSPF_TYPES = {1: "Hello", 2: "Database Description", 3: "LS-Request", 4: "LS-Update",
              5: "LS-Ack"}
VRRP_AUTH = {0: "none", 1: "simple", 2: "ah"}
PIM_HELLO_OPTIONS = {1: "Hold Time", 2: "LAN Prune Delay", 18: "DR Priority (Old)",
                     19: "DR Priority", 20: "Generation ID", 21: "State Refresh Capability",
                     22: "Bi-Directional Capable", 24: "Address List",
                     65001: "Address List (Old)"}
OSPF_AUTH = {0: "none", 1: "simple", 2: "MD5"}
OSPF_OPTIONS = ((0x01, "MultiTopology"), (0x02, "External"), (0x04, "Multicast"),
                (0x08, "NSSA"), (0x10, "LLS"), (0x20, "Demand Circuit"), (0x40, "Opaque"),
                (0x80, "Up/Down"))
OSPF_DD_FLAGS = ((0x04, "Init"), (0x02, "More"), (0x01, "Master"))


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
        text = f"PIMv2, length {length}\n\t{name}, cksum 0x{csum:04x} ({ok})"
        if typ == 0:
            text += _pim_hello(ctx, b[4:length])
        return text
    return f"PIMv2, {name}, length {length}"


def _pim_hello(ctx: Ctx, opts: bytes) -> str:
    """The options of a PIM hello, one a line (-v), each value dumped with -vv."""
    out = []
    off = 0
    while off + 4 <= len(opts):
        typ, ln = opts[off] << 8 | opts[off + 1], opts[off + 2] << 8 | opts[off + 3]
        v = opts[off + 4:off + 4 + ln]
        if len(v) < ln:
            return "".join(out) + " [|pimv2]"
        text = (f"\n\t  {PIM_HELLO_OPTIONS.get(typ, 'Unknown')} Option ({typ}), length {ln}, "
                "Value: ")
        if typ == 1 and ln == 2:
            text += relts(v[0] << 8 | v[1])
        elif typ == 2 and ln == 4:
            text += (f"\n\t    T-bit={v[0] >> 7}, LAN delay {(v[0] & 0x7F) << 8 | v[1]}ms, "
                     f"Override interval {v[2] << 8 | v[3]}ms")
        elif typ in (18, 19) and ln == 4:
            text += str(int.from_bytes(v, "big"))
        elif typ == 20 and ln == 4:
            text += f"0x{int.from_bytes(v, 'big'):08x}"
        if ctx.opts.verbose > 1 and v:
            text += "".join("\n\t    " + x.lstrip("\t") for x in hex_lines(v, False))
        out.append(text)
        off += 4 + ln
    return "".join(out)


def ospf_print(ctx: Ctx, ip: IpHdr, b: bytes, length: int) -> str:
    """``OSPFv2, Hello, length N``; with -v the header and hello/DD fields."""
    if len(b) < 2:
        return ctx.cut("ospf2")
    name = OSPF_TYPES.get(b[1], f"unknown packet type ({b[1]})")
    text = f"OSPFv{b[0]}, {name}, length {length}"
    if not ctx.opts.verbose or b[0] != 2:
        return text
    if len(b) < 24:
        return text + ctx.cut("ospf2")
    area = b[8:12]
    auth = b[14] << 8 | b[15]
    text += (f"\n\tRouter-ID {ip4_str(b[4:8])}, "
             f"{'Backbone Area' if not any(area) else 'Area ' + ip4_str(area)}, "
             f"Authentication Type: {OSPF_AUTH.get(auth, 'unknown')} ({auth})")
    body = b[24:length]
    out = [text]
    try:
        if b[1] == 1:
            _ospf_hello(body, length - 24, out)
        elif b[1] == 2:
            mtu, opts, flags, seq = struct.unpack_from("!HBBI", body)
            out.append(f"\n\tOptions [{_bits(opts, OSPF_OPTIONS)}], DD Flags "
                       f"[{_bits(flags, OSPF_DD_FLAGS)}], MTU: {mtu}, Sequence: 0x{seq:08x}")
    except (struct.error, IndexError, ValueError):
        return "".join(out) + ctx.cut("ospf2")
    return "".join(out)


def _bits(v: int, table: tuple[tuple[int, str], ...]) -> str:
    return ", ".join(n for bit, n in table if v & bit) or "none"


def _ospf_hello(body: bytes, length: int, out: list[str]) -> None:
    """Hello fields in tcpdump's order, each only once it is captured (a cut
    raises IndexError where tcpdump stops)."""
    def need(n: int) -> bytes:
        if len(body) < n:
            raise IndexError
        return body

    w = out.append
    w(f"\n\tOptions [{_bits(need(7)[6], OSPF_OPTIONS)}]")
    hello, _, prio, dead = struct.unpack_from("!HBBI", need(12), 4)
    w(f"\n\t  Hello Timer {hello}s, Dead Timer {dead}s, Mask {ip4_str(body[0:4])}, "
      f"Priority {prio}")
    dr, bdr = need(16)[12:16], need(20)[16:20]
    if any(dr):
        w(f"\n\t  Designated Router {ip4_str(dr)}")
    if any(bdr):
        w(f", Backup Designated Router {ip4_str(bdr)}")
    if length > 20:
        w("\n\t  Neighbor List:")
        for i in range(20, length - 3, 4):
            w(f"\n\t    {ip4_str(need(i + 4)[i:i + 4])}")


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
    if len(b) < 3:
        return text + ctx.cut("vrrp")
    text += f", vrid {b[1]}, prio {b[2]}"
    if len(b) < 6:
        # tcpdump names the auth type (v2) from byte 4 before it needs byte 5
        if ver == 2 and len(b) == 5:
            text += f", authtype {VRRP_AUTH.get(b[4], f'#{b[4]}')}"
        return text + ctx.cut("vrrp")
    if ver == 2:
        text += f", authtype {VRRP_AUTH.get(b[4], f'#{b[4]}')}, intvl {b[5]}s, length {length}"
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
    alen = 16 if ip.v6 else 4      # the enclosing IP version decides, as in tcpdump
    for i in range(n):
        a = b[8 + alen * i:8 + alen * (i + 1)]
        if len(a) < alen:
            return text + ctx.cut("vrrp")
        text += sep + (ip6_str(a) if ip.v6 else ip4_str(a))
        sep = ","
    if ver == 2 and b[4] == 1:
        pw = b[8 + alen * n:16 + alen * n].split(b"\0", 1)[0]
        text += ' auth "' + pw.decode("latin-1") + '"'
    return text
