"""The stages one by one: parser quirks, output formats, limits, interpreters."""

from __future__ import annotations

import struct

import pytest

import bpf_filters as bf
from bpf_filters import opcodes as op
from bpf_filters.cinterp import CFilter
from bpf_filters.disasm import as_decimal, assemble, parse_decimal
from bpf_filters.interp import run, validate
from bpf_filters.opcodes import Insn


def truth(expr: str) -> bool:
    try:
        prog = bf.compile(expr)
    except bf.FilterError as e:  # as libpcap, a filter that is always false is refused
        assert "rejects all packets" in e.message
        return False
    return bf.run(prog, b"\0" * 60) != 0


def test_percent_and_caret_group_to_the_right() -> None:
    assert truth("12 / 3 % 2 = 12")
    assert truth("1 + 2 ^ 3 = 2")  # 1 + (2 ^ 3)
    assert truth("2 * 3 % 4 = 6")  # 2 * (3 % 4)
    assert truth("2 + 3 * 4 = 14") and truth("10 - 2 - 3 = 5")
    assert truth("- 2 + 3 = 1")


def test_and_or_have_equal_precedence() -> None:
    # (1 = 1 or 1 = 0) and 1 = 0  -> false; with C precedence it would be true
    assert not truth("1 = 1 or 1 = 0 and 1 = 0")


def test_implicit_qualifiers() -> None:
    a = bf.compile("host 10.0.0.1 or 10.0.0.2")
    b = bf.compile("host 10.0.0.1 or host 10.0.0.2")
    assert a.instructions == b.instructions
    a = bf.compile("port 53 or 80")
    b = bf.compile("port 53 or port 80")
    assert a.instructions == b.instructions


def test_disasm_matches_tcpdump_format() -> None:
    text = bf.compile("ip").disasm().splitlines()
    assert text == ["(000) ldh      [12]", "(001) jeq      #0x800           jt 2\tjf 3",
                    "(002) ret      #262144", "(003) ret      #0"]
    assert bf.compile("ip").as_c_array().splitlines()[0] == "{ 0x28, 0, 0, 0x0000000c },"
    assert bf.compile("ip").as_decimal().splitlines() == ["4", "40 0 0 12", "21 0 1 2048",
                                                          "6 0 0 262144", "6 0 0 0"]


def test_packed_is_struct_sock_filter() -> None:
    p = bf.compile("tcp port 80")
    raw = p.packed()
    assert len(raw) == 8 * len(p)
    assert struct.unpack_from("=HBBI", raw, 0) == tuple(p.instructions[0])
    assert p.fprog_bytes() == raw


def test_long_jumps_use_chains() -> None:
    expr = " or ".join(f"host 10.0.{i // 250}.{i % 250}" for i in range(120))
    p = bf.compile(expr)
    assert any(i.code == op.BPF_JMP | op.BPF_JA for i in p.instructions)
    validate(p.instructions)
    frame = bytearray(b"\0" * 12 + b"\x08\x00" + b"\x45" + b"\0" * 40)
    frame[26:30] = bytes([10, 0, 0, 119])
    assert bf.run(p, bytes(frame)) == bf.DEFAULT_SNAPLEN
    frame[26:30] = bytes([10, 9, 9, 9])
    assert bf.run(p, bytes(frame)) == 0


def test_too_long_is_an_error() -> None:
    expr = " and ".join(f"ip[{i}:2] * ip[{i + 1}] + len > {i}" for i in range(800))
    with pytest.raises(bf.FilterError, match="too long"):
        bf.compile(expr, optimize=False)


def test_linktype_helpers() -> None:
    assert bf.linktype_number("EN10MB") == 1
    assert bf.linktype_number("linux_sll2") == 276
    assert bf.linktype_number(101) == bf.linktype_number("RAW") == 12
    assert bf.linktype_name(276) == "LINUX_SLL2"
    assert bf.compile("ip", 228).instructions == (Insn(6, 0, 0, 262144),)


def test_snaplen_and_expression_recorded() -> None:
    p = bf.compile("udp", "EN10MB", snaplen=96)
    assert p.snaplen == 96 and p.expression == "udp" and p.linktype == 1
    assert max(i.k for i in p.instructions if i.code == op.BPF_RET | op.BPF_K) == 96


def test_ip_broadcast_with_netmask() -> None:
    p = bf.compile("ip broadcast", netmask=0xFFFFFF00)
    ip = bytes.fromhex("4500001c0000000040110000c0a80101c0a801ff")
    assert bf.run(p, b"\0" * 12 + b"\x08\x00" + ip) != 0
    ip2 = ip[:16] + bytes([192, 168, 1, 7])
    assert bf.run(p, b"\0" * 12 + b"\x08\x00" + ip2) == 0


def test_kernel_mode_vlan_uses_ancillary_data() -> None:
    p = bf.compile("vlan 10 and ip", kernel=True)
    ks = {i.k for i in p.instructions}
    assert op.anc_offset(op.SKF_AD_VLAN_TAG_PRESENT) in ks
    assert op.anc_offset(op.SKF_AD_VLAN_TAG) in ks
    untagged_ip = b"\0" * 12 + b"\x08\x00" + b"\x45" + b"\0" * 30
    assert bf.run(p, untagged_ip, vlan_tci=10) != 0
    assert bf.run(p, untagged_ip, vlan_tci=11) == 0
    assert bf.run(p, untagged_ip) == 0
    # the second tag is in the frame: offsets move by 4 after it
    p2 = bf.compile("vlan and vlan 20 and ip", kernel=True)
    inner = b"\0" * 12 + b"\x81\x00\x00\x14\x08\x00" + b"\x45" + b"\0" * 30
    assert bf.run(p2, inner, vlan_tci=5) != 0
    # file mode: tags are in the frame
    tagged = b"\0" * 12 + b"\x81\x00\x00\x0a\x08\x00" + b"\x45" + b"\0" * 30
    assert bf.run(bf.compile("vlan 10 and ip"), tagged) != 0


def test_inbound_outbound() -> None:
    p = bf.compile("inbound", kernel=True)
    assert bf.run(p, b"\0" * 20, pkttype=op.PACKET_HOST) != 0
    assert bf.run(p, b"\0" * 20, pkttype=op.PACKET_OUTGOING) == 0
    assert bf.run(p, b"\0" * 20) == 0  # no such data (a file): reject


def test_linux_dgram_uses_ancillary_loads() -> None:
    p = bf.compile("inbound and tcp port 22 and ifindex 3", "LINUX_DGRAM")
    for i in p.instructions:
        if op.bpf_class(i.code) in (op.BPF_LD, op.BPF_LDX) and op.bpf_mode(i.code) == op.BPF_ABS:
            assert i.k < 100 or op.anc_field(i.k) is not None
    ip = bytes.fromhex("45000028000000004006000001020304050607080016abcd") + b"\0" * 16
    assert bf.run(p, ip, pkttype=0, protocol=0x0800, ifindex=3) != 0
    assert bf.run(p, ip, pkttype=4, protocol=0x0800, ifindex=3) == 0
    assert bf.run(p, ip, pkttype=0, protocol=0x86DD, ifindex=3) == 0


def test_interpreter_rejects_faults() -> None:
    div = [Insn(op.BPF_LDX | op.BPF_W | op.BPF_IMM, 0, 0, 0),
           Insn(op.BPF_ALU | op.BPF_DIV | op.BPF_X, 0, 0, 0), Insn(op.BPF_RET | op.BPF_K, 0, 0, 1)]
    assert run(div, b"x") == 0
    oob = [Insn(op.BPF_LD | op.BPF_W | op.BPF_ABS, 0, 0, 10), Insn(op.BPF_RET | op.BPF_K, 0, 0, 1)]
    assert run(oob, b"\0" * 13) == 0 and run(oob, b"\0" * 14) == 1


@pytest.mark.parametrize("bad", [
    [],
    [Insn(op.BPF_LD | op.BPF_IMM, 0, 0, 1)],  # no return
    [Insn(op.BPF_JMP | op.BPF_JEQ, 5, 0, 0), Insn(op.BPF_RET | op.BPF_K, 0, 0, 0)],
    [Insn(op.BPF_ST, 0, 0, 16), Insn(op.BPF_RET | op.BPF_K, 0, 0, 0)],
    [Insn(op.BPF_ALU | op.BPF_DIV | op.BPF_K, 0, 0, 0), Insn(op.BPF_RET | op.BPF_K, 0, 0, 0)],
    [Insn(0xFFFF, 0, 0, 0), Insn(op.BPF_RET | op.BPF_K, 0, 0, 0)],
])
def test_bad_programs_are_refused(bad: list[Insn]) -> None:
    with pytest.raises(bf.FilterError):
        validate(bad)
    with pytest.raises(bf.FilterError, match="invalid BPF program"):   # not "not built"
        CFilter(bad)


def test_c_batch_truncates_and_compacts() -> None:
    c = CFilter(bf.compile("udp", snaplen=30))
    udp = b"\0" * 12 + b"\x08\x00" + bytes.fromhex("450000200000000040110000") + b"\0" * 30
    tcp = udp[:23] + b"\x06" + udp[24:]
    assert c.filter_frames([tcp, udp, tcp, udp[:20], udp]) == [(1, 30), (4, 30)]


def test_decimal_and_disasm_round_trip() -> None:
    p = bf.compile("tcp[tcpflags] & tcp-syn != 0 or vlan 10 and udp", kernel=True)
    assert parse_decimal(as_decimal(p.instructions)) == list(p.instructions)
    assert assemble(p.disasm()) == list(p.instructions)
