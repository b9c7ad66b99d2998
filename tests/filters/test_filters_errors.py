"""Invalid expressions: libpcap refuses each one, and so does zcap, with a column."""

from __future__ import annotations

import libpcap_ref as ref
import pytest
from filter_exprs import INVALID

import bpf_filters as bf


def test_enough_invalid_expressions() -> None:
    assert len(INVALID) >= 40


@pytest.mark.parametrize(("expr", "message"), INVALID, ids=[e for e, _ in INVALID])
def test_invalid_expression(expr: str, message: str) -> None:
    with pytest.raises(ref.LibpcapError):
        ref.compile_ref(expr, 1)
    with pytest.raises(bf.FilterError) as info:
        bf.compile(expr)
    err = info.value
    assert message.lower() in err.message.lower()
    assert err.column is not None and 0 <= err.column <= len(expr)
    text = bf.format_error(expr, err)
    lines = text.split("\n")
    assert lines[0] == expr
    assert lines[1] == " " * err.column + "^"
    assert lines[2].startswith("filter error: ") and "\n" not in err.message


def test_parse_errors_are_parse_errors() -> None:
    with pytest.raises(bf.ParseError) as info:
        bf.compile("tcp and (udp or")
    assert info.value.column == len("tcp and (udp or")
    with pytest.raises(bf.ParseError) as info:
        bf.compile("ip[0] @ 1")
    assert info.value.column == 6


def test_semantic_error_column_points_at_the_word() -> None:
    with pytest.raises(bf.FilterError) as info:
        bf.compile("tcp and port 99999")
    assert info.value.column == len("tcp and port ")
    assert not isinstance(info.value, bf.ParseError)


def test_link_type_specific_errors() -> None:
    for expr, lt in [("vlan", "RAW"), ("ether host 1:2:3:4:5:6", "LINUX_SLL2"),
                     ("mpls", "IPV4"), ("ether broadcast", "RAW")]:
        with pytest.raises(bf.FilterError):
            bf.compile(expr, lt)
    with pytest.raises(bf.FilterError):
        bf.compile("ip", "NOSUCHLINK")


def test_no_dns_lookup() -> None:
    with pytest.raises(bf.FilterError, match="unknown host"):
        bf.compile("host example.com")
    assert len(bf.compile("host localhost")) > 1  # /etc/hosts still works
