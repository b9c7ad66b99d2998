"""Constant arithmetic as libpcap's optimiser folds it: only in its second
phase, once jumps no longer move. A comparison of constants (`2 / 64 > 20`)
is then decided, but its test and the loads on the way to it stay, so a
packet too short for those loads is rejected where a program that had
folded it first would accept it. Verdicts (frames cut at every length) and
size against libpcap itself."""

from __future__ import annotations

import pytest
from filter_fuzz import compare_c

from bpf_filters.cinterp import CFilter

CASES = [
    ("RAW", "(tcp or proto 6) or 2 >> 3 % 15 != 64"),
    ("NULL", "ip multicast and (2 / 64) > 20 or not udp port 53"),
    ("LOOP", "(not ip[2:2] & 1 / 64 > 1000 or ip[2:2] = 5)"),
    ("PPP", "not ether proto 0x800 and (4) * 5 > 64"),
    ("LINUX_SLL", "ip proto 17 and pppoes 5 or ip6 multicast or aarp and 1 ^ len"
                  " | ip[9] = 20 or 255 % 3 >> 1 <= 1000"),
    ("RAW", "ip and tcp[13] = 0x12 and tcp[0:2] ^ 0 >= 1000 or wlan[1] - 1 + 255 & 0 <= 20"
            " or ip[9] = 6"),
    ("PPP", "not dst host 192.168.1.1 and (2) = 1 or ip multicast"),
    ("RAW", "not (5 >= 20) and (1 % 15 <= 6) and not ip6 net 2001:db8::/32"),
    ("LOOP", "(20 / 3 <= 1) and ip6 net 2001:db8::/32 and igmp or 5 / 3 ^ 20 < 1000 and ip"),
    ("EN10MB", "5 & 1 | arp[7] <= 69"),
    ("NULL", "ip[9] = 6 or 0 & ppp[0] * ip[0] <= 64"),
    ("IPV4", "proto 6 or iso and atalk or ip[9] = 6"),
    ("IPV6", "not 0 & tcp[13] & tcp[0:2] / 4 > 5"),
    ("LOOP", "4 & 0 * 2 ^ tcp[12] > 64 and tcp port 443 or link[0] = 0xff and icmp"),
    ("LINUX_SLL2", "ppp[0] < 20 and ip multicast or 0 / 64 % 4 != 20 and host 10.0.0.1"),
    ("EN10MB", "ip6 net 2001:db8::/32 or 1 - 1 = 0"),
    ("LINUX_SLL2", "ip and 3 * 7 = 21 or udp"),
    # libpcap turns `& 0xffffffff = 0` into a jset it takes as always true
    ("RAW", "ip[0:4] & 0xffffffff = 0"),
    ("RAW", "tcp and ip[2:2] & 0xffffffff = 0 or udp"),
    ("EN10MB", "geneve or ip[0:4] & 0xffffffff != 0"),
    # a term that a constant makes false: each copy of the port test keeps
    # what its own protocol test knew until libpcap merges equal blocks, last
    ("IPV6", "port 53 and ip6 multicast and atalk or udp and link[0] != 5 or len != 6"),
]



@pytest.mark.parametrize(("linktype", "expr"), CASES, ids=[f"{lt}:{e}" for lt, e in CASES])
def test_constants_fold_as_in_libpcap(linktype: str, expr: str) -> None:
    out = compare_c(linktype, expr, 200)
    assert out.status in ("ok", "refused", "empty"), (out.detail, [f.hex() for f in out.frames])
    if out.sizes:
        assert out.sizes[0] <= out.sizes[1], out.sizes


def test_a_decided_test_keeps_its_loads() -> None:
    """The first case's program reads the packet before its decided test: an
    empty frame is rejected, as libpcap rejects it."""
    import bpf_filters

    prog = bpf_filters.compile(CASES[0][1], "RAW")
    assert len(prog) > 1
    assert CFilter(prog.instructions).run(b"") == 0
    assert CFilter(prog.instructions).run(bytes([0x45]) + bytes(19)) != 0
