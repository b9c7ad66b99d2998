"""DNS, mDNS and DNS over TCP as tcpdump's ns_print writes them: ``id+ A?
name. (len)`` for a query, ``id 2/0/1 A addr, A addr (len)`` for a response,
more sections with -vv.

The message is walked here rather than with ``dpkt.dns``: dpkt refuses a whole
message when one record is cut short, while tcpdump prints every record up to
the cut and then ``[|domain]``. Names, types and classes are tcpdump's own
(4.99: types it does not know, such as HTTPS, print as ``TypeN``).
"""

from __future__ import annotations

import struct

from zcap.printing.context import Ctx, ip4_str, ip6_str, relts, text_chars

TYPE_NAMES = {
    1: "A", 2: "NS", 3: "MD", 4: "MF", 5: "CNAME", 6: "SOA", 7: "MB", 8: "MG", 9: "MR",
    10: "NULL", 11: "WKS", 12: "PTR", 13: "HINFO", 14: "MINFO", 15: "MX", 16: "TXT", 17: "RP",
    18: "AFSDB", 19: "X25", 20: "ISDN", 21: "RT", 22: "NSAP", 23: "NSAP_PTR", 24: "SIG",
    25: "KEY", 26: "PX", 27: "GPOS", 28: "AAAA", 29: "LOC", 30: "NXT", 31: "EID",
    32: "NIMLOC", 33: "SRV", 34: "ATMA", 35: "NAPTR", 36: "KX", 37: "CERT", 38: "A6",
    39: "DNAME", 40: "SINK", 41: "OPT", 42: "APL", 43: "DS", 44: "SSHFP", 45: "IPSECKEY",
    46: "RRSIG", 47: "NSEC", 48: "DNSKEY", 99: "SPF", 100: "UINFO", 101: "UID", 102: "GID",
    103: "UNSPEC", 104: "UNSPECA", 249: "TKEY", 250: "TSIG", 251: "IXFR", 252: "AXFR",
    253: "MAILB", 254: "MAILA", 255: "ANY", 256: "URI",
}
T_A, T_NS, T_CNAME, T_SOA, T_PTR, T_MX, T_TXT, T_AAAA, T_SRV = 1, 2, 5, 6, 12, 15, 16, 28, 33
T_DNAME, T_OPT, T_UNSPECA, T_TSIG, T_URI = 39, 41, 104, 250, 256
CLASS_NAMES = {1: "IN", 3: "CHAOS", 4: "HS", 255: "ANY"}
# tcpdump's table has no space before two of these names
RCODE_NAMES = {
    0: "", 1: " FormErr", 2: " ServFail", 3: " NXDomain", 4: " NotImp", 5: " Refused",
    6: " YXDomain", 7: " YXRRSet", 8: " NXRRSet", 9: " NotAuth", 10: " NotZone",
    15: " NoChange", 16: " BadVers", 17: "Resp17", 21: "Resp21", 23: " BadCookie",
}
OPCODE_NAMES = {0: "", 1: " inv_q", 2: " stat", 4: " notify", 5: " update", 9: " updateA",
                10: " updateD", 11: " updateDA", 12: " updateM", 13: " updateMA",
                14: " zoneInit", 15: " zoneRef"}
EDNS_OPTIONS = {1: "LLQ", 2: "UL", 3: "NSID", 5: "DAU", 6: "DHU", 7: "N3U", 8: "ECS",
                9: "EXPIRE", 10: "COOKIE", 11: "KEEPALIVE", 12: "PADDING", 13: "CHAIN",
                14: "KEY-TAG", 16: "CLIENT-TAG", 17: "SERVER-TAG"}
C_QU = C_CACHE_FLUSH = 0x8000
HEADER_LEN = 12
MAXCDNAME = 255


class Cut(Exception):
    """The message ends before the field being read: tcpdump prints ``[|domain]``."""




def _type(t: int) -> str:
    return TYPE_NAMES.get(t, f"Type{t}")


def _class(c: int) -> str:
    return CLASS_NAMES.get(c, f"(Class {c})")


class Msg:
    """A DNS message being printed: the bytes (as captured) and the text so far."""

    def __init__(self, buf: bytes, mdns: bool) -> None:
        self.buf = buf
        self.mdns = mdns
        self.out: list[str] = []

    def u8(self, off: int) -> int:
        if off >= len(self.buf):
            raise Cut
        return self.buf[off]

    def u16(self, off: int) -> int:
        if off + 2 > len(self.buf):
            raise Cut
        return self.buf[off] << 8 | self.buf[off + 1]

    def u32(self, off: int) -> int:
        if off + 4 > len(self.buf):
            raise Cut
        return struct.unpack_from("!I", self.buf, off)[0]

    def skip_name(self, off: int) -> int:
        """Offset after a name, without following compression pointers."""
        n = self.u8(off)
        off += 1
        while n:
            if n & 0xC0 == 0xC0:
                return off + 1
            if n & 0xC0 == 0x40:
                raise Cut
            off += n
            n = self.u8(off)
            off += 1
        return off

    def name(self, off: int) -> int:
        """Print the name at ``off`` and return the offset after it."""
        w = self.out.append
        max_off = off
        end = None  # where the name ends in place: after its first pointer, if any
        n = self.u8(off)
        off += 1
        if n == 0:
            w(".")
            return off
        chars = 0
        while n:
            if n & 0xC0 == 0xC0:
                ptr = (n << 8 | self.u8(off)) & 0x3FFF
                if end is None:
                    end = off + 1
                # pointers must go backwards, which also rules out loops
                if ptr >= max_off:
                    w("<BAD PTR>")
                    raise Cut
                max_off = off = ptr
                n = self.u8(off)
                off += 1
                continue
            if n & 0xC0 == 0x80:
                w("<BAD LABEL TYPE>")
                raise Cut
            if n & 0xC0:
                w(f"<ELT {n & 0x3F}>")
                raise Cut
            if off + n > len(self.buf):
                w(text_chars(self.buf[off:]))   # what was captured of the label
                raise Cut
            label = self.buf[off:off + n]
            if chars + n <= MAXCDNAME:
                w(text_chars(label))
            elif chars < MAXCDNAME:
                w(text_chars(label[:MAXCDNAME - chars]))
            chars += n
            off += n
            if chars <= MAXCDNAME:
                w(".")
            chars += 1
            n = self.u8(off)
            off += 1
        if chars > MAXCDNAME:
            w("<DOMAIN NAME TOO LONG>")
        return off if end is None else end

    def question(self, off: int) -> int:
        start = off
        off = self.skip_name(off)
        qtype, qcls = self.u16(off), self.u16(off + 2)
        w = self.out.append
        w(" " + _type(qtype))
        cls = qcls & ~C_QU if self.mdns else qcls
        if cls != 1:
            w(" " + _class(cls))
        if self.mdns:
            w(" (QU)" if qcls & C_QU else " (QM)")
        w("? ")
        self.name(start)
        return off + 4

    def record(self, off: int, verbose: int) -> int | None:
        """Print one resource record; None when the rest is not captured."""
        w = self.out.append
        if verbose:
            w(" ")
            off = self.name(off)
        else:
            try:
                off = self.skip_name(off)
            except Cut:
                return None   # tcpdump treats an unskippable name as the end of the data
        if off + 10 > len(self.buf):
            return None
        typ, cls_raw, ttl, rdlen = struct.unpack_from("!HHIH", self.buf, off)
        cls = cls_raw & ~C_CACHE_FLUSH if self.mdns else cls_raw
        if cls != 1 and typ != T_OPT:
            w(" " + _class(cls))
        if self.mdns and cls_raw & C_CACHE_FLUSH:
            w(" (Cache flush)")
        if typ != T_OPT and verbose > 2:
            w(f" [{relts(ttl)}]")
        off += 10
        end = off + rdlen
        w(" " + _type(typ))
        if end > len(self.buf):
            raise Cut
        rd = self.buf[off:end]
        if typ == T_A:
            if len(rd) < 4:
                raise Cut
            w(" " + ip4_str(rd[:4]))
        elif typ in (T_NS, T_CNAME, T_PTR, T_DNAME):
            w(" ")
            self.name(off)
        elif typ == T_SOA:
            if verbose:
                w(" ")
                p = self.name(off)
                w(" ")
                p = self.name(p)
                for i in range(5):
                    w(f" {self.u32(p + 4 * i)}")
        elif typ == T_MX:
            w(" ")
            self.u16(off)
            self.name(off + 2)
            w(f" {self.u16(off)}")
        elif typ == T_TXT:
            p = off
            while p < end:
                n = self.u8(p)
                if p + 1 + n > len(self.buf):
                    raise Cut
                w(' "' + text_chars(self.buf[p + 1:p + 1 + n]) + '"')
                p += 1 + n
        elif typ == T_SRV:
            w(" ")
            if off + 6 > len(self.buf):
                raise Cut
            self.name(off + 6)
            w(f":{self.u16(off + 4)} {self.u16(off)} {self.u16(off + 2)}")
        elif typ == T_AAAA:
            if len(rd) < 16:
                raise Cut
            w(" " + ip6_str(rd[:16]))
        elif typ == T_URI:
            w(f" {self.u16(off)} {self.u16(off + 2)} " + text_chars(rd[4:]))
        elif typ == T_OPT:
            w(f" UDPsize={cls_raw}")
            if ttl & 0x8000:
                w(" DO")
            if rd:
                w(" [" + _edns_options(rd) + "]")
        elif typ == T_UNSPECA:
            w(text_chars(rd))
        elif typ == T_TSIG and verbose:
            w(" ")
            p = self.name(off) + 6
            w(f" fudge={self.u16(p)}")
            w(f" maclen={self.u16(p + 2)}")
            p += 4 + self.u16(p + 2)
            w(f" origid={self.u16(p)}")
            w(f" error={self.u16(p + 2)}")
            w(f" otherlen={self.u16(p + 4)}")
        return end


def _edns_options(rd: bytes) -> str:
    out = []
    p = 0
    while p + 4 <= len(rd):
        code, ln = struct.unpack_from("!HH", rd, p)
        data = rd[p + 4:p + 4 + ln]
        text = EDNS_OPTIONS.get(code, f"Opt{code}")
        if ln:
            if code == 8 and len(data) >= 4:
                fam, src, scope = struct.unpack_from("!HBB", data)
                addr = data[4:]
                if fam == 1:
                    a = ip4_str((addr + bytes(4))[:4])
                elif fam == 2:
                    a = ip6_str((addr + bytes(16))[:16])
                else:
                    a = "?"
                text += f" {a}/{src}/{scope}"
            elif code == 10 and len(data) >= 8:
                text += " " + data[:8].hex() + (" " + data[8:].hex() if len(data) > 8 else "")
            elif code == 12:
                text += " " + ("(" + str(ln) + ")" if any(data) else f"({ln})")
            elif code == 11 and ln == 2:
                text += f" {struct.unpack('!H', data)[0] / 10:.1f}s"
            else:
                text += " " + data.hex()
        out.append(text)
        p += 4 + ln
    return ",".join(out)




def dns_text(ctx: Ctx, buf: bytes, length: int, mdns: bool = False) -> str:
    """The DNS part of a line; ``length`` is the message length (UDP payload)."""
    if length < HEADER_LEN:
        return f"domain [length {length} < {HEADER_LEN}] (invalid)"
    if len(buf) < HEADER_LEN:
        return " [|domain]"
    verbose = ctx.opts.verbose
    qid, flags, qd, an, ns, ar = struct.unpack_from("!HHHHHH", buf, 0)
    m = Msg(buf, mdns)
    w = m.out.append
    rcode = flags & 15
    rcode = _extended_rcode(m, qd, an, ns, ar, rcode)
    opcode = (flags >> 11) & 15
    op = OPCODE_NAMES.get(opcode, f" op{opcode}")
    try:
        if flags & 0x8000:
            w(f"{qid}{op}{RCODE_NAMES.get(rcode, f' Resp{rcode & 0xFFF}')}"
              f"{'*' if flags & 0x400 else ''}{'' if flags & 0x80 else '-'}"
              f"{'|' if flags & 0x200 else ''}{'$' if flags & 0x20 else ''}")
            if qd != 1:
                w(f" [{qd}q]")
            off = HEADER_LEN
            for i in range(qd):
                if i:
                    w(",")
                if verbose > 1:
                    w(" q:")
                    off = m.question(off)
                else:
                    off = m.skip_name(off) + 4
            w(f" {an}/{ns}/{ar}")
            off = _sections(m, off, (an, ns, ar) if verbose > 1 else (an,), verbose)
        else:
            w(f"{qid}{op}{'+' if flags & 0x100 else ''}{'%' if flags & 0x10 else ''}")
            if flags & 0x6CF:
                w(f" [b2&3=0x{flags:x}]")
            if opcode == 1:
                if qd:
                    w(f" [{qd}q]")
                if an != 1:
                    w(f" [{an}a]")
            else:
                if an:
                    w(f" [{an}a]")
                if qd != 1:
                    w(f" [{qd}q]")
            if ns:
                w(f" [{ns}n]")
            if ar:
                w(f" [{ar}au]")
            off = HEADER_LEN
            left = qd
            while left and (left == qd or off < len(buf)):
                off = m.question(off)
                left -= 1
            if left:
                raise Cut
            if verbose > 1:
                _sections(m, off, (an, ns, ar), verbose)
    except (Cut, IndexError, struct.error):
        return "".join(m.out) + " [|domain]"
    w(f" ({length})")
    return "".join(m.out)


def _sections(m: Msg, off: int, counts: tuple[int, ...], verbose: int) -> int:
    """Print the answer (and with -vv authority and additional) sections in turn."""
    for count, label in zip(counts, ("", " ns:", " ar:"), strict=False):
        off, left = _records(m, off, count, verbose, label)
        if left:
            raise Cut
    return off


def _records(m: Msg, off: int, count: int, verbose: int, label: str) -> tuple[int, int]:
    """Print up to ``count`` records; (offset after them, how many were not printed)."""
    if not count or (label and off >= len(m.buf)):
        return off, count
    m.out.append(label)
    first = True
    while count and (first or off < len(m.buf)):
        if not first:
            m.out.append(",")
        first = False
        nxt = m.record(off, verbose)
        if nxt is None:
            # tcpdump counts a record whose fixed part is missing as printed
            return len(m.buf), count - 1
        off = nxt
        count -= 1
    return off, count


def _extended_rcode(m: Msg, qd: int, an: int, ns: int, ar: int, rcode: int) -> int:
    """The rcode with the high bits an OPT record in the additional section carries."""
    buf = m.buf
    try:
        off = HEADER_LEN
        for _ in range(qd):
            off = m.skip_name(off) + 4
            if off >= len(buf):
                return rcode
        for _ in range(an + ns):
            off = m.skip_name(off) + 8
            if off + 2 > len(buf):
                return rcode
            off += 2 + m.u16(off)
            if off >= len(buf):
                return rcode
        for _ in range(ar):
            off = m.skip_name(off)
            if off + 2 > len(buf):
                return rcode
            typ = m.u16(off)
            off += 4
            if off + 1 > len(buf):
                return rcode
            if typ == T_OPT:
                return rcode | buf[off] << 4
            off += 4
            if off + 2 > len(buf):
                return rcode
            off += 2 + m.u16(off)
            if off >= len(buf):
                return rcode
    except Cut:
        pass
    return rcode


def dns_udp_print(ctx: Ctx, payload: bytes, length: int, sport: int, dport: int) -> str:
    """DNS over UDP port 53."""
    return dns_text(ctx, payload, length)


def mdns_udp_print(ctx: Ctx, payload: bytes, length: int, sport: int, dport: int) -> str:
    """Multicast DNS (port 5353): the top bit of a class is the QU/cache-flush bit."""
    return dns_text(ctx, payload, length, mdns=True)


def dns_tcp_print(ctx: Ctx, payload: bytes, length: int, sport: int, dport: int) -> str:
    """DNS over TCP: a two-byte length prefix, then the message."""
    if length < 2:
        return f" [DNS over TCP: length {length} < 2] (invalid)"
    if len(payload) < 2:
        return " [|domain]"
    prefix = payload[0] << 8 | payload[1]
    if prefix != length - 2:
        return f" [prefix length({prefix}) != length({length - 2})] (invalid)"
    return " " + dns_text(ctx, payload[2:], length - 2)
