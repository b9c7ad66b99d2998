"""IGMP v1/v2/v3 queries, reports and leaves, as tcpdump prints them."""

from __future__ import annotations

import struct
from collections.abc import Callable

from zcap.printing.context import Ctx, ip4_str, relts
from zcap.printing.iphdr import IpHdr
from zcap.printing.sums import in_cksum

V3_RECORDS = {1: "is_in", 2: "is_ex", 3: "to_in", 4: "to_ex", 5: "allow", 6: "block"}
SIMPLE = {0x12: "igmp v1 report", 0x16: "igmp v2 report", 0x17: "igmp leave"}
MTRACE = {0x1E: "mresp", 0x1F: "mtrace"}
MTRACE_QUERY = 16       # source, destination, response address, TTL and query id


class Cut(Exception):
    """The message ends before a field tcpdump wants."""


def _need(b: bytes, n: int) -> None:
    if len(b) < n:
        raise Cut


def igmp_print(ctx: Ctx, ip: IpHdr, b: bytes, length: int) -> str:
    """The text after ``src > dst: `` for an IGMP message of ``length`` bytes."""
    if ctx.opts.quiet:
        return "igmp"
    out: list[str] = []
    try:
        _need(b, 1)
        _body(ctx, b, length, out)
    except (Cut, IndexError, struct.error):
        return "".join(out) + ctx.cut("igmp")
    if ctx.opts.verbose and length >= 4 and len(b) >= length and in_cksum(bytes(b[:length])):
        out.append(f" bad igmp cksum {b[2] << 8 | b[3]:x}!")
    return "".join(out)


def _body(ctx: Ctx, b: bytes, length: int, out: list[str]) -> None:
    w = out.append
    typ = b[0]
    verbose = ctx.opts.verbose
    if typ == 0x11:
        w("igmp query")
        if length >= 12:
            _v3_query(b, length, verbose, out)
            return
        _need(b, 2)
        mrc = b[1]
        w(" v2" if mrc else " v1")
        _need(b, 8)
        if mrc and mrc != 100:
            w(f" [max resp time {mrc}]")
        g = b[4:8]
        if any(g):
            w(f" [gaddr {ip4_str(g)}]")
        if length != 8:
            w(f" [len {length}]")
    elif typ in SIMPLE:
        _need(b, 8)
        w(SIMPLE[typ] + " " + ip4_str(b[4:8]))
        if typ in (0x12, 0x16, 0x17) and length != 8:
            w(f" [len {length}]")
    elif typ in MTRACE:
        _mtrace(MTRACE[typ], b, length, out)
    elif typ == 0x22:
        w("igmp v3 report")
        _v3_report(b, length, verbose, out)
    elif typ == 0x13:
        w("igmp dvmrp")
    elif typ == 0x14:
        w("igmp pimv1")
    else:
        w(f"igmp-{typ}")


def _mtrace(name: str, b: bytes, length: int, out: list[str]) -> None:
    """A multicast traceroute query or response: tcpdump prints it without "igmp"."""
    if length < 8 + MTRACE_QUERY:
        out.append(f" [invalid len {length}]")
        return
    _need(b, 8 + MTRACE_QUERY)
    src, dst, reply = (ip4_str(b[at:at + 4]) for at in (8, 12, 16))
    qid = int.from_bytes(b[21:24], "big")
    out.append(f"{name} {qid}: {src} to {dst} reply-to {reply}")
    if b[16] >> 4 == 0xE:          # a multicast response address: its TTL too
        out.append(f" with-ttl {b[20]}")


def _v3_query(b: bytes, length: int, verbose: int, out: list[str]) -> None:
    w = out.append
    w(" v3")
    _need(b, 2)
    mrc = b[1]
    mrt = mrc if mrc < 128 else ((mrc & 0x0F) | 0x10) << (((mrc & 0x70) >> 4) + 3)
    if mrc != 100:
        w(f" [max resp time {mrt * 0.1:.1f}s]" if mrt < 600 else
          f" [max resp time {relts(mrt // 10)}]")
    _need(b, 8)
    g = b[4:8]
    if not any(g):
        return
    w(" [gaddr " + ip4_str(g))
    _need(b, 12)
    nsrcs = b[10] << 8 | b[11]
    if nsrcs:
        if length < 12 + nsrcs * 4:
            w(" [invalid number of sources]")
        elif verbose > 1:
            _need(b, 12 + nsrcs * 4)
            w(" {" + "".join(" " + ip4_str(b[12 + 4 * i:16 + 4 * i]) for i in range(nsrcs)) + " }")
        else:
            w(f", {nsrcs} source(s)")
    w("]")




def _v3_report(b: bytes, length: int, verbose: int, out: list[str]) -> None:
    _need(b, 8)
    group_records(b, length, verbose, out, 4, ip4_str, "v3")


def group_records(b: bytes, length: int, verbose: int, out: list[str], alen: int,
                  astr: Callable[[bytes], str], ver: str) -> None:
    """The group records of an IGMPv3 or MLDv2 report (same layout, addresses
    of ``alen`` bytes): how many, and with -v each group, its mode and sources."""
    w = out.append
    ngroups = b[6] << 8 | b[7]
    w(f", {ngroups} group record(s)")
    if not verbose:
        return
    off = 8
    for _ in range(ngroups):
        if length < off + 4 + alen:
            w(" [invalid number of groups]")
            return
        if len(b) < off + 4 + alen:
            raise Cut
        w(" [gaddr " + astr(b[off + 4:off + 4 + alen]))
        rtype = b[off]
        w(" " + V3_RECORDS.get(rtype, f" [{ver}-report-#{rtype}]"))
        nsrcs = b[off + 2] << 8 | b[off + 3]
        first = off + 4 + alen
        if length < first + nsrcs * alen:
            w(f" [invalid number of sources {nsrcs}]")
            return
        if verbose == 1:
            w(f", {nsrcs} source(s)")
        else:
            if len(b) < first + nsrcs * alen:
                raise Cut
            w(" {" + "".join(" " + astr(b[first + alen * j:first + alen * (j + 1)])
                             for j in range(nsrcs)) + " }")
        off = first + nsrcs * alen + b[off + 1] * 4
        w("]")
