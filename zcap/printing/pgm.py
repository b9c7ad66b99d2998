"""PGM (IP protocol 113, RFC 3208): its own ports and the length; with -v the
global source ID, the packet type's fields and the options, all on the one
line. tcpdump's walk of the options has quirks (some options advance two
bytes too far, a NAK list counts only its entries), kept here because they
decide what it prints next."""

from __future__ import annotations

from collections.abc import Callable

from zcap.printing.context import Ctx, ip4_str, ip6_str
from zcap.printing.iphdr import IpHdr

HDR = 16
SPM, POLL, POLR, ODATA, RDATA, NAK, NULLNAK, NCF, ACK, SPMR = 0, 1, 2, 4, 5, 8, 9, 10, 11, 12
OPT_PRESENT, OPT_END, OPT_MASK = 0x01, 0x80, 0x7F
AF_INET, AF_INET6 = 1, 2


class Short(Exception):
    """A length check against the capture failed: `` [|pgm]`` (the packet is
    not abandoned; a plain IndexError, a read past the capture, abandons it)."""


class Stop(Exception):
    """tcpdump gave up on the options with a message and prints nothing more."""


def _u16(b: bytes, off: int) -> int:
    return b[off] << 8 | b[off + 1]


def _u32(b: bytes, off: int) -> int:
    return _u16(b, off) << 16 | _u16(b, off + 2)


def _need(b: bytes, off: int, n: int) -> None:
    if off + n > len(b):
        raise Short


def _nla(b: bytes, off: int, afi: int) -> tuple[str, int]:
    """An address by its address family number; returns it and where it ends."""
    if afi == AF_INET:
        _need(b, off, 4)
        return ip4_str(b[off:off + 4]), off + 4
    if afi == AF_INET6:
        _need(b, off, 16)
        return ip6_str(b[off:off + 16]), off + 16
    raise Short


# option type -> (name in its complaint, length it must have, text from the option)
Fixed = tuple[str, int, Callable[[bytes, int], str]]
FIXED: dict[int, Fixed] = {
    0x00: ("OPT_LENGTH", 4, lambda b, o: f" OPTS LEN (extra?) {_u16(b, o + 2)}"),
    0x01: ("OPT_FRAGMENT", 16, lambda b, o: f" FRAG seq {_u32(b, o + 4)} off "
                                            f"{_u32(b, o + 8)} len {_u32(b, o + 12)}"),
    0x03: ("OPT_JOIN", 8, lambda b, o: f" JOIN {_u32(b, o + 4)}"),
    0x04: ("OPT_NAK_BO_IVL", 12,
           lambda b, o: f" BACKOFF ivl {_u32(b, o + 4)} ivlseq {_u32(b, o + 8)}"),
    0x05: ("OPT_NAK_BO_RNG", 12,
           lambda b, o: f" BACKOFF max {_u32(b, o + 4)} min {_u32(b, o + 8)}"),
    0x08: ("OPT_PARITY_PRM", 8, lambda b, o: f" PARITY MAXTGS {_u32(b, o + 4)}"),
    0x09: ("OPT_PARITY_GRP", 8, lambda b, o: f" PARITY GROUP {_u32(b, o + 4)}"),
    0x0A: ("OPT_CURR_TGSIZE", 8, lambda b, o: f" PARITY ATGS {_u32(b, o + 4)}"),
    0x0B: ("OPT_NBR_UNREACH", 4, lambda b, o: " NBR_UNREACH"),
    0x0D: ("OPT_SYN", 4, lambda b, o: " SYN"),
    0x0E: ("OPT_FIN", 4, lambda b, o: " FIN"),
    0x0F: ("OPT_RST", 4, lambda b, o: " RST"),
    0x11: ("OPT_CRQST", 4, lambda b, o: " CRQST"),
}
# options that carry an address after a fixed part: type -> (complaint name,
# fixed length, what is printed, whether a 4-byte number comes first)
WITH_ADDRESS = {0x07: ("OPT_REDIRECT", 8, "REDIRECT", False),
                0x12: ("OPT_PGMCC_DATA", 12, "PGMCC DATA", True),
                0x13: ("OPT_PGMCC_FEEDBACK", 12, "PGMCC FEEDBACK", True)}


def _addressed(b: bytes, o: int, opt_len: int, kind: int) -> tuple[str, int]:
    """REDIRECT and the PGMCC options; returns the text and what they use up."""
    name, fixed, label, numbered = WITH_ADDRESS[kind]
    if opt_len < fixed:
        what = "PGM_OPT_PGMCC_FEEDBACK" if kind == 0x13 else name
        raise Stop(f"[Bad {what} option, length {opt_len} < {fixed}]")
    at = o + 4
    number = 0
    if numbered:
        number = _u32(b, at)
        at += 4
    afi = _u16(b, at)
    at += 4
    size = {AF_INET: 4, AF_INET6: 16}.get(afi)
    if size is None:
        raise Short
    if opt_len != fixed + size:
        raise Stop(f"[Bad {name} option, length {opt_len} != {fixed} + address size]")
    addr, _ = _nla(b, at, afi)
    return (f" {label} {number} {addr}" if numbered else f" {label} {addr}"), fixed + size


def _options(b: bytes, bp: int, out: list[str]) -> None:
    _need(b, bp, 4)
    kind = b[bp]
    if kind & OPT_MASK != 0:
        raise Stop(f"[First option bad, should be PGM_OPT_LENGTH, is {kind & OPT_MASK}]")
    if b[bp + 1] != 4:
        raise Stop(f"[Bad OPT_LENGTH option, length {b[bp + 1]} != 4]")
    opts_len = _u16(b, bp + 2)
    if opts_len < 4:
        raise Stop(f"[Bad total option length {opts_len} < 4]")
    out.append(f" OPTS LEN {opts_len}")
    opts_len -= 4
    bp += 4
    while opts_len:
        if opts_len < 4:
            raise Stop("[Total option length leaves no room for final option]")
        o = bp
        kind, opt_len = b[o], b[o + 1]
        bp += 2
        if opt_len < 4:
            out.append(f"[Bad option, length {opt_len} < 4]")
            return
        if opts_len < opt_len:
            raise Stop("[Total option length leaves no room for final option]")
        _need(b, bp, opt_len - 2)
        code = kind & OPT_MASK
        if code in FIXED:
            name, size, text = FIXED[code]
            if opt_len != size:
                raise Stop(f"[Bad {name} option, length {opt_len} != {size}]")
            out.append(text(b, o))
            bp = o + size
            opts_len -= size
        elif code == 0x02:
            out.append(" NAK LIST")
            left, at = opt_len - 4, o + 4
            while left:
                if left < 4:
                    raise Stop("[Option length not a multiple of 4]")
                out.append(f" {_u32(b, at)}")
                at, left, opts_len = at + 4, left - 4, opts_len - 4
            bp = at
        elif code in WITH_ADDRESS:
            text, used = _addressed(b, o, opt_len, code)
            out.append(text)
            bp = o + used
            opts_len -= used
        else:
            # these step over the whole option from after its first two bytes
            if code == 0x0C:
                out.append(f" PATH_NLA [{opt_len}]")
            elif code == 0x10:
                out.append(" CR")
            else:
                out.append(f" OPT_{kind:02X} [{opt_len}] ")
            bp += opt_len
            opts_len -= opt_len
        if kind & OPT_END:
            return


def _body(b: bytes, kind: int, out: list[str]) -> int:
    """The type's own fields; returns where the options would start."""
    if kind == SPM:
        _need(b, HDR, 16)
        nla, _ = _nla(b, HDR + 16, _u16(b, HDR + 12))
        out.append(f"SPM seq {_u32(b, HDR)} trail {_u32(b, HDR + 4)} lead "
                   f"{_u32(b, HDR + 8)} nla {nla}")
        return HDR + 16 + (4 if _u16(b, HDR + 12) == AF_INET else 16)
    if kind == POLL:
        _need(b, HDR, 12)
        nla, at = _nla(b, HDR + 12, _u16(b, HDR + 8))
        ivl, rnd, mask = _u32(b, at), _u32(b, at + 4), _u32(b, at + 8)
        out.append(f"POLL seq {_u32(b, HDR)} round {_u16(b, HDR + 4)} nla {nla} ivl {ivl} "
                   f"rnd 0x{rnd:08x} mask 0x{mask:08x}")
        return at + 12
    if kind == POLR:
        _need(b, HDR, 8)
        out.append(f"POLR seq {_u32(b, HDR)} round {_u16(b, HDR + 4)}")
        return HDR + 8
    if kind in (ODATA, RDATA):
        _need(b, HDR, 8)
        out.append(f"{'ODATA' if kind == ODATA else 'RDATA'} trail {_u32(b, HDR + 4)} "
                   f"seq {_u32(b, HDR)}")
        return HDR + 8
    if kind in (NAK, NULLNAK, NCF):
        _need(b, HDR, 8)
        source, at = _nla(b, HDR + 8, _u16(b, HDR + 4))
        at += 4         # tcpdump reads the group's family from where its address starts
        group, at = _nla(b, at, _u16(b, at))
        out.append({NAK: "NAK ", NULLNAK: "NNAK ", NCF: "NCF "}[kind])
        out.append(f"({source} -> {group}), seq {_u32(b, HDR)}")
        return at
    if kind == ACK:
        _need(b, HDR, 8)
        out.append(f"ACK seq {_u32(b, HDR)}")
        return HDR + 8
    out.append("SPMR" if kind == SPMR else f"UNKNOWN type 0x{kind:02x}")
    return 0            # tcpdump looks for options from the start of the header


def pgm_print(ctx: Ctx, ip: IpHdr, b: bytes, length: int) -> str:
    """A PGM packet, after the IP addresses."""
    if len(b) < 4:
        return f"{ip.srcs} > {ip.dsts}: [|pgm]"
    sport, dport = _u16(b, 0), _u16(b, 2)
    ends = f"{ip.srcs}.{sport} > {ip.dsts}.{dport}: " if ip.addrs else f"{sport} > {dport}: "
    out = [ends]
    try:
        _need(b, 0, HDR)
        out.append(f"PGM, length {_u16(b, 14)}")
        if not ctx.opts.verbose:
            return "".join(out)
        out.append(f" 0x{b[8:14].hex()} ")
        bp = _body(b, b[4], out)
        if b[5] & OPT_PRESENT:
            _options(b, bp, out)
        out.append(f" [{length}]")
    except Stop as e:
        out.append(str(e))
    except Short:
        out.append(" [|pgm]")
    except IndexError:
        out.append(ctx.cut("pgm"))
    return "".join(out)
