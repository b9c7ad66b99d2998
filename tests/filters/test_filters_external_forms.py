"""Forms people write that the generator never made, found by running
expressions gathered outside the project (bench/bench_filters_external.py)
against libpcap. Each case is written here in the same form, not copied.

Every expression is compared strictly with libpcap on each link type's corpus
(filter_fuzz.compare: same refusals, libpcap's optimised verdict on every
frame, frames cut at every length included); where a form only changes a
constant that the corpus may not hold, the program must also be libpcap's,
instruction for instruction.
"""

from __future__ import annotations

import functools

import libpcap_ref as ref
import pytest
from filter_frames_link import frames_for
from filter_fuzz import DLT, compare

import bpf_filters as bf
from bpf_filters.cinterp import CFilter


@functools.cache
def corpus(linktype: str) -> tuple[bytes, ...]:
    return tuple(frames_for(linktype, 120))


def _same_verdicts(linktype: str, expr: str) -> str:
    out = compare(linktype, expr, list(corpus(linktype)), lambda i, f: CFilter(i).run(f))
    assert out.status in ("ok", "refused", "empty"), (out.detail, [f.hex() for f in out.frames])
    return out.status


def _same_program(linktype: str, expr: str) -> None:
    want = ref.compile_ref(expr, DLT[linktype])
    got = [tuple(i) for i in bf.compile(expr, linktype).instructions]
    assert got == want


# Dotted IPv4 parts are decimal to libpcap, leading zero or not, and a part
# written in hex is no address at all.
DOTTED = ["host 010.0.0.1", "src host 10.00.000.01", "net 010.1", "dst net 172.016.0.0/12",
          "net 10.0.0.0 mask 255.0255.0.0", "host 08.9.0.1", "ip host 0x0a.0.0.1",
          "net 10.0.0.0 mask 0xff.0.0.0", "host 10.0.0.0256", "arp host 010.0.0.1",
          "host 10.0.0.1 or 010.0.0.2 or 10.0.0.03"]


@pytest.mark.parametrize("expr", DOTTED)
@pytest.mark.parametrize("linktype", ["EN10MB", "RAW", "IEEE802_11"])
def test_dotted_ipv4_parts_are_decimal(linktype: str, expr: str) -> None:
    # (802.11 programs differ from libpcap's in form: verdicts only there)
    if _same_verdicts(linktype, expr) == "ok" and linktype != "IEEE802_11":
        _same_program(linktype, expr)


# DECnet area.node: decimal digits as sscanf reads them, each cut to its bits.
DECNET = ["decnet src 3.1024", "decnet dst 1.2049", "decnet host 1.0x3", "decnet host 07.010",
          "decnet host 65.2", "decnet src 0x2.1", "decnet host 2.3x",
          # with a mask the address is read as IPv4 and cut to 16 bits
          "decnet net 10.7.0.0/16", "decnet src net 10.7.3.0 mask 255.255.255.0"]


@pytest.mark.parametrize("expr", DECNET)
def test_decnet_addresses_as_libpcap_reads_them(expr: str) -> None:
    if _same_verdicts("EN10MB", expr) == "ok":
        _same_program("EN10MB", expr)


# On radiotap, code that needs only the radiotap length (link-layer fields,
# `inbound`) is optimised by libpcap like any other: a test that is always
# true goes, and with it the loads that could fail on a short frame.
RADIOTAP = ["outbound or inbound", "not inbound or inbound", "link[1] = 2 or link[1] != 2",
            "type ctl or not type ctl", "subtype ack and not subtype ack or type data",
            "wlan[0] & 0xc = 4 or not wlan[0] & 0xc = 4", "inbound and type mgt",
            "inbound and not outbound"]


# A parenthesised list of addresses may hold groups after `and`/`or`, but its
# first element is an address or a number: `host ((10.2.3.4))` and
# `port ((22 or 25))` are syntax errors to libpcap, `host ((7) or 10.2.3.4)`
# is not.
PAREN_IDS = ["host ((10.2.3.4))", "src host ((10.2.3.4) or 10.2.3.5)", "port ((22 or 25))",
             "host (10.2.3.4 or (10.2.3.5))", "host ((7) or 10.2.3.4)", "tcp port ((25))",
             "host 10.2.3.4 or ((10.2.3.5))", "host 10.2.3.4 or ((7))",
             "ether src ((00:01:02:03:04:05))", "host (!(10.2.3.4) and 10.2.3.5)",
             "port (22 or (25 and 26))"]


def _sctp_named() -> list[str]:
    """Names /etc/services gives an sctp port (libpcap never asks for one)."""
    from bpf_filters import names
    return sorted(n for n, e in names._services().items() if "sctp" in e)[:3]  # noqa: SLF001


# Service names: libpcap takes the tcp entry, else the udp one, whatever
# protocol the expression asks for, and refuses a mismatch, for ranges too.
SERVICES = ["udp portrange smtp-telnet", "sctp portrange ssh-smtp", "tcp portrange ssh-smtp",
            "udp portrange 22-smtp", "sctp port telnet", "udp dst port ssh",
            "sctp src portrange 20-21"] + [
    f"{p} port {n}" for n in _sctp_named() for p in ("sctp", "udp", "tcp")]


# A written mask or prefix length needs `net`: libpcap refuses `src 10.0.0.0/8`
# and `src 2001:db8::/32`, a /128 without `net` is a host.
MASKS = ["src 172.16.0.0/12", "ip dst 172.16.0.0/12", "arp src 172.16.0.0 mask 255.240.0.0",
         "dst 2001:db8:1::/48", "ip6 src 2001:db8:1::/48", "src fe80::2/128",
         "src net 172.16.0.0/12 or 10.0.0.0/8", "dst net 10.0.0.0/8 or dst 172.16.0.0/12",
         "src 10.1.2.3/32", "decnet src 10.1.0.0/16"]


# 802.11's address directions elsewhere: refused, and the refusal says where.
WLAN_DIRS = ["ra 10.2.3.4", "ip ta host 10.2.3.4", "addr3 net 10.2/16", "tcp addr1 port 25",
             "udp and addr4 portrange 1-9", "decnet ra 1.2", "ta 2001:db8::1"]


# libpcap leaves a program with `geneve` unoptimised, so a comparison before
# it keeps its values in cells, and a failed geneve in an `or` reads its
# offsets back from those cells; past geneve, 802.2 headers are read from the
# payload offset's cell (a single SAP from the type field's, as always).
GENEVE = ["not (len > 80 or not geneve and tcp)", "ip[8] > 30 or geneve and udp",
          "not (udp[4:2] = 9 or geneve 7 and udp)", "geneve or not iso", "geneve 7 or netbeui",
          "not geneve and ipx", "geneve or stp", "geneve and tcp or atalk"]


# Each group of forms on the link types where it shows.
FORMS = [(lt, e) for lts, exprs in [
    (["IEEE802_11_RADIO"], RADIOTAP), (["EN10MB"], PAREN_IDS), (["EN10MB"], SERVICES),
    (["EN10MB", "IPV6"], MASKS), (["EN10MB", "IEEE802_11", "RAW"], WLAN_DIRS),
    (["EN10MB", "RAW", "LINUX_SLL2", "IEEE802_11_RADIO"], GENEVE)] for lt in lts for e in exprs]


@pytest.mark.parametrize(("linktype", "expr"), FORMS, ids=[f"{lt}:{e}" for lt, e in FORMS])
def test_form_as_libpcap(linktype: str, expr: str) -> None:
    _same_verdicts(linktype, expr)
