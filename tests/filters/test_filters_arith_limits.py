"""Arithmetic at libpcap's limits: the scratch registers a comparison needs, and
the operands libpcap refuses (division by zero, shifts past 31 bits), both
where its code generator sees them and where only its optimiser does.

Each expression: libpcap refuses it and zcap refuses it with the same words and
a column, or libpcap compiles it and zcap gives its verdict on every frame.
"""

from __future__ import annotations

import functools

import libpcap_ref as ref
import pytest
from filter_frames import ethernet_frames
from filter_frames_link import frames_for
from filter_fuzz import DLT

import bpf_filters as bf
from bpf_filters.interp import run


def _chain(n: int) -> str:
    return " + ".join(f"ip[{i}]" for i in range(n)) + " = 1"


def _nested(n: int) -> str:
    e = "ip[0]"
    for i in range(1, n + 1):
        e = f"(ip[{i}] + {e})"
    return e


EXPRS = [
    # a long sum needs two registers at a time in libpcap: any length compiles
    _chain(20), _chain(40), " + ".join(["ip[0]"] * 20) + " > 0",
    # nested to the right, each level keeps one: 16 in all
    _nested(12) + " = 1", _nested(13) + " = 1", _nested(14) + " = 1",
    "len = " + _nested(13), "len = " + _nested(14), _nested(13) + " = len",
    "ip[0] * ip[1] + ip[2] * ip[3] + ip[4] * ip[5] = 1",
    # refused where the first number the operand loads is 0 or past 31 ...
    "ip[0] / ip[0] = 1", "ip[0] / tcp[0] = 1", "ip[0] / (0 + ip[1]) = 1",
    "ip[0] << (40 - 20) = 1", "ip[0] << ip[40] = 1", "ip[0] << -64 = 1",
    "ip[0] / (ip[1] + 0) = 1", "ip[0] << (len + 40) = 1", "ip[0] << (1 + 64) = 1",
    # ... or once the optimiser knows the operand
    "ip[0] / (1 - 1) = 1", "ip[0] % (2 - 2) = 1", "ip[0] / (len * 0) = 1",
    "ip[0] >> (1 + 31) = 0", "tcp and ip[0] >> (1 + 31) = 0", "ip[0] >> (1 + 30) = 0",
    "4 / (2 - 2) = 0 and ip", "ip[0] << (ip[1] - ip[1] + 40) = 1",
    # a known value shifted by 32 or more is 0 to libpcap's optimiser
    "2 << (1 + 64) = 4 and ip", "2 << (1 + 64) = 0 and ip", "len >> (20 + 20) = 0 or tcp",
]
# 802.11: a comparison before the first use of a run-time offset frees cells
# that libpcap then hands out for the offsets, and overwrites them when it runs
WLAN = ["len > 100 and ip", "ip[0] = 0x45 and tcp",
        "len - 14 > 40 and udp port 53", "wlan[0] & 0xc = 8 and ip[9] = 17",
        "radio[2] + 1 > 8 and type data and ip", "not len < 50 and (ip or ip6)",
        "ip and len > 100", "tcp[13] & 2 != 0 and ip[9] = 6", "len + len + len > 0 and arp"]
EXPRS += WLAN
LINKS = ["EN10MB", "IEEE802_11_RADIO", "IEEE802_11", "PPP"]


@functools.cache
def corpus(linktype: str) -> tuple[bytes, ...]:
    if linktype == "EN10MB":
        return tuple(ethernet_frames(400))
    return tuple(frames_for(linktype, 100))


@pytest.mark.parametrize("linktype", LINKS)
@pytest.mark.parametrize("expr", EXPRS)
def test_refusals_and_verdicts_as_libpcap(linktype: str, expr: str) -> None:
    try:
        want = ref.compile_ref(expr, DLT[linktype])
    except ref.LibpcapError as e:
        with pytest.raises(bf.FilterError) as info:
            bf.compile(expr, linktype)
        assert info.value.message in str(e)
        assert info.value.column is not None and 0 <= info.value.column <= len(expr)
        return
    mine = bf.compile(expr, linktype)
    r = ref.RefFilter(want)
    for f in corpus(linktype):
        assert run(mine.instructions, f) == r.run(f), f.hex()


def test_the_cases_cover_both_outcomes() -> None:
    refused = 0
    for expr in EXPRS:
        try:
            ref.compile_ref(expr, 1)
        except ref.LibpcapError:
            refused += 1
    assert 5 < refused < len(EXPRS) - 5


def test_a_long_sum_is_no_longer_than_libpcap() -> None:
    for n in (2, 5, 20):
        for expr in (_chain(n), " + ".join(["ip[0]"] * n) + " = 1"):
            assert len(bf.compile(expr)) <= len(ref.compile_ref(expr, 1))
    # 0 + x, 0 | x, 0 ^ x are x
    for expr in ("ether[12:2] = 0x800 or (not 0 | link[0] << 15 != 5)", "0 + ip[0] = 4",
                 "0 ^ len > 100"):
        assert len(bf.compile(expr)) <= len(ref.compile_ref(expr, 1))
