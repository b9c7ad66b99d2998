"""A generator of varied filter expressions over the eleven link types, and the
strict comparison with libpcap that the fuzz test and bench/bench_filters_fuzz.py
share: libpcap's optimised program's verdict on every frame, its refusals,
and the sizes of both programs.
"""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass, field

import libpcap_ref as ref

import bpf_filters as bf

DLT = {"EN10MB": 1, "LINUX_SLL": 113, "LINUX_SLL2": 276, "NULL": 0, "LOOP": 108, "PPP": 9,
       "IEEE802_11": 105, "IEEE802_11_RADIO": 127, "RAW": 12, "IPV4": 228, "IPV6": 229}

# Primitives: the atoms the generator combines (some are refused on some link
# types, which the comparison covers too).
ATOMS = [
    "ip", "ip6", "arp", "rarp", "tcp", "udp", "icmp", "icmp6", "sctp", "igmp", "vlan", "mpls",
    "pppoes", "pppoed", "geneve", "llc", "iso", "isis", "stp", "ipx", "aarp", "atalk",
    "decnet", "host 10.0.0.1", "src host 1.2.3.4", "dst host 192.168.1.1",
    "net 10.0.0.0/8", "src net 192.168.0.0/16", "ip6 host fe80::1", "ip6 net 2001:db8::/32",
    "port 80", "port 53", "tcp port 443", "udp port 53", "src port 22", "portrange 1-1024",
    "tcp dst portrange 8000-8100", "ip proto 17", "ip6 proto 58", "proto 6",
    "ip multicast", "ip6 multicast", "broadcast", "multicast", "ether host 01:02:03:04:05:06",
    "ether src 00:11:22:33:44:55", "ether proto 0x800", "less 60", "greater 100",
    "len > 64", "tcp[tcpflags] & tcp-syn != 0", "icmp[icmptype] = icmp-echo",
    "ip[0] & 0xf > 5", "ip[9] = 6", "ip6[6] = 17", "udp[0:2] = 53", "tcp[13] = 0x12",
    "byte 0 = 0x45", "byte 9 & 1 = 1", "byte 2 > 3", "byte 0 | 1 = 0x47",
    "link[0] = 0xff", "link[0] & 0xc = 8", "ether[12:2] = 0x800",
    "wlan[0] = 0x08", "radio[0] = 0", "ppp[2:2] = 0x21",
    "type mgt", "type data", "type ctl", "subtype beacon", "subtype qos-data",
    "type data subtype qos-data", "dir tods", "dir fromds", "dir nods",
    "wlan host 01:02:03:04:05:06", "wlan ra aa:bb:cc:dd:ee:ff", "wlan addr2 01:02:03:04:05:06",
    "inbound", "outbound", "pppoes 5", "geneve 5", "llc u", "llc i", "clnp", "l1",
    "vlan 10", "mpls 100", "ether broadcast", "ip broadcast", "decnet host 1.2",
]

# Loads for the arithmetic comparisons.
LOADS = ["ip[0]", "ip[2:2]", "ip[9]", "ip[ip[0] & 0xf]", "tcp[12]", "tcp[0:2]", "udp[2:2]",
         "ip6[6]", "icmp[0]", "len", "link[0]", "ether[12:2]", "wlan[1]", "radio[2]",
         "arp[7]", "ppp[0]", "ip[6:2] & 0x1fff", "tcp[13]", "vlan[0]"]
OPS = ["+", "-", "*", "/", "%", "&", "|", "^", "<<", ">>"]
RELS = ["=", "!=", "<", ">", "<=", ">="]


def _arith(r: random.Random, depth: int = 0) -> str:
    roll = r.random()
    if depth > 1 or roll < 0.4:
        return r.choice(LOADS) if r.random() < 0.7 else str(r.choice([0, 1, 2, 4, 5, 20, 255]))
    if roll < 0.5:
        return f"({_arith(r, depth + 1)})"
    o = r.choice(OPS)
    right = str(r.choice([1, 2, 3, 4, 15, 0x40])) if o in ("/", "%", "<<", ">>") \
        else _arith(r, depth + 1)
    return f"{_arith(r, depth + 1)} {o} {right}"


def _atom(r: random.Random) -> str:
    if r.random() < 0.2:
        return f"{_arith(r)} {r.choice(RELS)} {r.choice([0, 1, 5, 6, 20, 64, 0x45, 1000])}"
    return r.choice(ATOMS)


def expression(r: random.Random, depth: int = 0) -> str:
    """One random expression: atoms joined by and/or/not, with parentheses."""
    roll = r.random()
    if depth > 2 or roll < 0.35:
        return _atom(r)
    if roll < 0.45:
        return f"not {expression(r, depth + 1)}"
    if roll < 0.55:
        return f"({expression(r, depth + 1)})"
    return f"{expression(r, depth + 1)} {r.choice(['and', 'or'])} {expression(r, depth + 1)}"


def expressions(n: int, seed: int) -> list[tuple[str, str]]:
    """n (link type, expression) pairs, deterministic for a seed."""
    r = random.Random(seed)
    names = list(DLT)
    return [(names[i % len(names)], expression(r)) for i in range(n)]


@dataclass
class Outcome:
    """What one (link type, expression) pair gave."""
    status: str  # ok, refused, empty, verdicts, refusal, size
    detail: str = ""
    sizes: tuple[int, int] | None = None
    frames: list[bytes] = field(default_factory=list)


def compare(linktype: str, expr: str, frames: list[bytes], run) -> Outcome:
    """Compare zcap with libpcap strictly: same refusal, same verdict on every
    frame as libpcap's optimised program. run(insns, frame) -> verdict."""
    dlt = DLT[linktype]
    try:
        want = ref.compile_ref(expr, dlt)
    except ref.LibpcapError as e:
        try:
            mine = bf.compile(expr, linktype)
        except bf.FilterError as err:
            if err.column is None:
                return Outcome("refusal", f"no column: {err}")
            return Outcome("refused" if "rejects all" not in str(e) else "empty")
        if "rejects all packets" in str(e) and not any(run(mine.instructions, f)
                                                       for f in frames):
            return Outcome("empty")
        return Outcome("refusal", f"libpcap refuses ({e}), zcap compiles")
    try:
        mine = bf.compile(expr, linktype)
    except bf.FilterError as err:
        return Outcome("refusal", f"zcap refuses ({err}), libpcap compiles")
    r = ref.RefFilter(want)
    bad = [f for f in frames if run(mine.instructions, f) != r.run(f)]
    sizes = (len(mine.instructions), len(want))
    if bad:
        return Outcome("verdicts", f"{len(bad)} frames differ", sizes, bad[:3])
    return Outcome("ok", "", sizes)


@functools.cache
def _corpus(linktype: str, size: int) -> tuple[bytes, ...]:
    from filter_frames_link import frames_for
    return tuple(frames_for(linktype, size))


def compare_c(linktype: str, expr: str, size: int) -> Outcome:
    """``compare`` on a corpus of ``size`` frames of the link type (cut at
    every length), zcap's program run by the C interpreter."""
    from bpf_filters.cinterp import CFilter
    return compare(linktype, expr, list(_corpus(linktype, size)),
                   lambda insns, frame: CFilter(insns).run(frame))
