"""Property tests: nothing but FilterError ever escapes; text forms round-trip."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bpf_filters as bf
from bpf_filters.disasm import as_decimal, assemble, parse_decimal
from bpf_filters.interp import validate

TOKENS = ["host", "net", "port", "portrange", "src", "dst", "or", "and", "not", "!", "(", ")",
          "[", "]", ":", "=", "!=", "<", ">", ">=", "<=", "+", "-", "*", "/", "%", "&", "|",
          "^", "<<", ">>", "tcp", "udp", "ip", "ip6", "ether", "arp", "vlan", "mpls", "len",
          "proto", "less", "greater", "broadcast", "multicast", "inbound", "1", "0", "80",
          "65536", "10.0.0.1", "10.0", "fe80::1", "01:02:03:04:05:06", "1-3", "foo", "\\icmp",
          "tcpflags", "tcp-syn", "icmptype", "0x10", "09", "4294967296", "byte", "ifindex",
          "gateway", "protochain", "mask", "255.0.0.0", "/", "24", "&&", "||", "==", "@"]

settings.register_profile("filters", max_examples=300, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("filters")


@given(st.lists(st.sampled_from(TOKENS), max_size=12))
def test_random_tokens_only_raise_filter_errors(tokens: list[str]) -> None:
    expr = " ".join(tokens)
    for lt in ("EN10MB", "LINUX_SLL2", "RAW", "LINUX_DGRAM"):
        try:
            p = bf.compile(expr, lt)
        except bf.FilterError as e:
            assert e.column is None or 0 <= e.column <= len(expr)
            continue
        validate(p.instructions)


@given(st.text(max_size=30))
def test_random_text_only_raises_filter_errors(text: str) -> None:
    try:
        bf.compile(text)
    except bf.FilterError:
        pass


PRIMS = ["tcp", "udp", "icmp", "ip6", "arp", "host 10.0.0.1", "src net 10.0.0.0/8",
         "port 53", "dst portrange 1-1024", "ip proto 47", "tcp[tcpflags] & tcp-syn != 0",
         "ip[2:2] > 60", "len < 100", "vlan 10", "ether src 01:02:03:04:05:06", "ip multicast",
         "mpls", "greater 64", "ip6 host fe80::1", "udp[8] = 1", "icmp[icmptype] = 8"]


def _exprs() -> st.SearchStrategy[str]:
    leaf = st.sampled_from(PRIMS)
    return st.recursive(leaf, lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from([" and ", " or "]), inner).map(
            lambda t: f"({t[0]}{t[1]}{t[2]})"),
        inner.map(lambda e: f"not {e}")), max_leaves=8)


FRAMES = [bytes.fromhex("000102030405aabbccddeeff0800450000280000400040060000"
                        "0a0000010a000002003500500000000000000000500200000000"),
          bytes.fromhex("ffffffffffff0102030405068100000a86dd60000000000811"
                        "40fe800000000000000000000000000001ff02000000000000"
                        "0000000000000001003500350008")]


@given(_exprs(), st.booleans())
def test_valid_expressions_compile_and_round_trip(expr: str, kernel: bool) -> None:
    try:
        p = bf.compile(expr, kernel=kernel)
    except bf.FilterError as e:
        # `arp` inside MPLS, which libpcap refuses too; or a filter that can
        # match nothing (`tcp and not tcp`), which libpcap also refuses
        assert "mpls" in str(e).lower() or "rejects all packets" in str(e)
        return
    validate(p.instructions)
    assert assemble(p.disasm()) == list(p.instructions)
    assert parse_decimal(as_decimal(p.instructions)) == list(p.instructions)
    raw = bf.compile(expr, kernel=kernel, optimize=False)
    for f in FRAMES:
        for tci in (None, 10):
            # the optimiser keeps verdicts on whole frames
            assert bf.run(p, f, vlan_tci=tci) == bf.run(raw, f, vlan_tci=tci)
