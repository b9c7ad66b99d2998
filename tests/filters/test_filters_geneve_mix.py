"""`geneve` with what comes before and after it, against libpcap, on frames
cut at every length. libpcap does not optimise a program with `geneve`, so
its plain code shows: a comparison before it lends its freed scratch cells
to geneve's offsets (and writes them where geneve does not run), and what
follows reads the inner frame through those cells, an 802.3 LLC header from
the payload's cell and a multicast bit only where there is an inner
Ethernet header."""

from __future__ import annotations

import pytest
from filter_fuzz import compare_c

CASES = [
    ("LINUX_SLL2", "link[0] = 0xff and geneve 5 and (len != 69) or not rarp or (llc)"),
    ("EN10MB", "ip[0] & 0xf > 5 and geneve or ip"),
    ("EN10MB", "len > 100 and geneve 5 or not arp"),
    ("RAW", "decnet host 1.2 and geneve 5 and host 10.0.0.1 or ether src 00:11:22:33:44:55"
            " or multicast or 2 != 1000"),
    ("RAW", "geneve or multicast"),
    ("EN10MB", "geneve and multicast"),
    ("EN10MB", "geneve or ipx"),
    ("EN10MB", "geneve or aarp"),
    ("EN10MB", "geneve or netbeui"),
    ("RAW", "geneve or not vlan 10 and stp"),
    ("IEEE802_11_RADIO", "(subtype qos-data and ip6 host fe80::1) or geneve 5 and not outbound"
                         " or stp"),
    ("IEEE802_11_RADIO", "geneve or ipx"),
    ("IEEE802_11_RADIO", "1 < 64 and geneve or ipx"),
    ("IEEE802_11_RADIO", "not geneve 5 and tcp[13] | 0 ^ ip[ip[0] & 0xf] * 4 < 64"
                         " or (ipx or ether[12:2] = 0x800)"),
]



@pytest.mark.parametrize(("linktype", "expr"), CASES, ids=[f"{lt}:{e}" for lt, e in CASES])
def test_geneve_mixed_as_libpcap(linktype: str, expr: str) -> None:
    out = compare_c(linktype, expr, 300)
    assert out.status == "ok", (out.detail, [f.hex() for f in out.frames])
