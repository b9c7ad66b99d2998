"""zcap.ebpf: the instruction encoding, the bpf() wrappers, and classic BPF
translated to eBPF, judged by running it in the kernel (BPF_PROG_TEST_RUN)
against libpcap's own interpreter running the classic program."""

from __future__ import annotations

import os
import random
import struct

import pytest
from zcap._core import lib

from zcap.ebpf import cbpf, isa, syscall, xdp_prog
from zcap.ebpf.cbpf import TranslationError

from .filters import filter_exprs, filter_frames, libpcap_ref

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="loading BPF programs needs root")

XDP_PASS, XDP_TX = isa.XDP_PASS, isa.XDP_TX
SNAP = 262144
ANC_PKTTYPE = 0xFFFFF004           # SKF_AD_OFF + SKF_AD_PKTTYPE


def ref():
    """libpcap through ctypes (a test requirement: a missing one fails)."""
    libpcap_ref.lib()
    return libpcap_ref


class Translated:
    """A classic program translated, loaded, and run by the kernel per frame."""

    def __init__(self, program) -> None:
        self.fd = syscall.prog_load(lib.BPF_PROG_TYPE_XDP, xdp_prog.verdict_program(program),
                                    name="zcap_test")

    def run(self, frame: bytes) -> int:
        r = syscall.prog_test_run(self.fd, frame)
        assert r.retval in (XDP_PASS, XDP_TX), r.retval
        return 0 if r.retval == XDP_PASS else struct.unpack_from("<I", r.data)[0]

    def close(self) -> None:
        os.close(self.fd)


def frames_for_tests(n: int = 300, seed: int = 7) -> list[bytes]:
    """Random frames of 14 to 200 bytes (XDP test runs need an Ethernet header),
    with a bias towards IPv4 so that IPv4 paths get exercised, and a few zeros."""
    r = random.Random(seed)
    out = []
    for i in range(n):
        size = r.choice([14, 15, 20, 34, 42, 60, 64, 100, 200])
        f = bytearray(r.randrange(256) for _ in range(size))
        if i % 3 == 0 and size >= 34:
            f[12:14] = b"\x08\x00"
            f[14] = 0x40 | r.choice([5, 6, 15])
        if i % 11 == 0:
            f[0:8] = bytes(8)
        out.append(bytes(f))
    return out


def check_same(program, frames) -> None:
    """Kernel-run translation and libpcap's bpf_filter agree on every frame."""
    libpcap = ref().RefFilter(program)
    t = Translated(program)
    try:
        for f in frames:
            assert t.run(f) == libpcap.run(f), (program, f.hex())
    finally:
        t.close()


# -- the encoding --------------------------------------------------------------------
def test_encoding_round_trips_and_matches_the_kernel_layout():
    ins = isa.Insn(isa.BPF_ALU64 | isa.BPF_MOV | isa.BPF_K, isa.R3, 0, -2, 0xFFFFFFFF)
    raw = ins.encode()
    assert raw == bytes([0xB7, 0x03]) + struct.pack("<h", -2) + struct.pack("<i", -1)
    assert isa.decode(raw)[0] == isa.Insn(0xB7, 3, 0, -2, -1)
    assert isa.ldx(isa.BPF_W, isa.R2, isa.R6, 16).encode() == bytes.fromhex("6162100000000000")
    with pytest.raises(ValueError):
        isa.mov32(isa.R1, imm=1 << 32)


def test_assembler_resolves_labels_forward_and_back():
    asm = isa.Assembler()
    asm.label("top")
    asm.emit(isa.jmp(isa.BPF_JEQ, isa.R1, "end", imm=0), isa.ld_map_fd(isa.R1, 5),
             isa.ja("top"))
    asm.label("end")
    asm.emit(isa.exit_())
    out = asm.assemble()
    assert [i.off for i in out] == [3, 0, 0, -4, 0]
    assert out[1].src == isa.BPF_PSEUDO_MAP_FD and out[1].imm == 5
    bad = isa.Assembler()
    bad.emit(isa.ja("nowhere"))
    with pytest.raises(ValueError, match="unknown label"):
        bad.assemble()


# -- the syscall wrappers --------------------------------------------------------------
def test_verifier_refusal_carries_its_log():
    # r0 = r2 reads a register that was never written
    insns = [isa.mov64(isa.R0, src=isa.R2), isa.exit_()]
    with pytest.raises(syscall.BpfError) as err:
        syscall.prog_load(lib.BPF_PROG_TYPE_XDP, insns)
    assert "R2 !read_ok" in err.value.log
    assert "R2 !read_ok" in str(err.value) and "\n" not in str(err.value)


def test_map_and_program_info():
    fd = syscall.map_create(lib.BPF_MAP_TYPE_XSKMAP, 4, 4, 2, "zcap_test")
    prog = syscall.prog_load(lib.BPF_PROG_TYPE_XDP, xdp_prog.capture_program(fd, None),
                             name="zcap_cap")
    try:
        info = syscall.prog_info(prog)
        assert info["type"] == lib.BPF_PROG_TYPE_XDP and info["name"] == b"zcap_cap"
        assert info["nr_map_ids"] == 1
        # with no socket in the map for queue 0, redirect falls back to XDP_PASS
        assert syscall.prog_test_run(prog, bytes(60)).retval == XDP_PASS
        fd2 = syscall.prog_fd_by_id(info["id"])
        assert syscall.prog_info(fd2)["id"] == info["id"]
        os.close(fd2)
    finally:
        os.close(prog)
        os.close(fd)


# -- the translation -------------------------------------------------------------------
def I(code: int, jt: int = 0, jf: int = 0, k: int = 0) -> tuple[int, int, int, int]:  # noqa: E743
    return (code, jt, jf, k)


LD, LDX, ST, STX, ALU, JMP, RET, MISC = 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07
W, H, B = 0x00, 0x08, 0x10
IMM, ABS, IND, MEM, LEN, MSH = 0x00, 0x20, 0x40, 0x60, 0x80, 0xA0
K, X, A = 0x00, 0x08, 0x10
ADD, SUB, MUL, DIV, OR, AND, LSH, RSH, NEG, MOD, XOR = (
    0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x80, 0x90, 0xA0)
JA, JEQ, JGT, JGE, JSET = 0x00, 0x10, 0x20, 0x30, 0x40
TAX, TXA = 0x00, 0x80

HAND_WRITTEN = {
    "return the length": [I(LD | W | LEN), I(RET | A)],
    "ip header length, then an indexed load": [
        I(LDX | B | MSH, k=14), I(LD | H | IND, k=16), I(RET | A)],
    "unsigned compare above 2^31": [
        I(LD | W | ABS, k=2), I(JMP | JGT | K, 0, 1, 0x80000000), I(RET | K, k=SNAP),
        I(RET | K, k=0)],
    "every ALU op with a constant": [
        I(LD | W | ABS, k=0), I(ALU | ADD | K, k=7), I(ALU | SUB | K, k=0xFFFFFFF0),
        I(ALU | MUL | K, k=5), I(ALU | OR | K, k=0x100), I(ALU | AND | K, k=0xFFFF00FF),
        I(ALU | XOR | K, k=0x5A5A), I(ALU | RSH | K, k=3), I(ALU | LSH | K, k=1),
        I(ALU | NEG), I(ST, k=3), I(LDX | W | MEM, k=3), I(MISC | TXA),
        I(ALU | DIV | K, k=3), I(ALU | MOD | K, k=97), I(ALU | ADD | K, k=1), I(RET | A)],
    "every ALU op with X (division by zero rejects)": [
        I(LD | B | ABS, k=1), I(ALU | AND | K, k=31), I(MISC | TAX), I(LD | W | ABS, k=2),
        I(ALU | ADD | X), I(ALU | SUB | X), I(ALU | MUL | X), I(ALU | OR | X),
        I(ALU | AND | X), I(ALU | XOR | X), I(ALU | LSH | X), I(ALU | RSH | X),
        I(STX, k=0), I(ALU | DIV | X), I(ALU | MOD | X), I(LDX | W | MEM, k=0),
        I(ALU | ADD | X), I(RET | A)],
    "jumps on X, jset, ja": [
        I(LD | B | ABS, k=0), I(MISC | TAX), I(LD | B | ABS, k=1),
        I(JMP | JGE | X, 1, 0), I(RET | K, k=0), I(JMP | JSET | K, 1, 0, 0x80),
        I(RET | K, k=5), I(JMP | JEQ | X, 0, 1), I(JMP | JA, k=1), I(RET | K, k=9),
        I(JMP | JGT | X, 1, 1), I(RET | K, k=1), I(RET | K, k=77)],
    "loads past the end reject": [
        I(LD | H | ABS, k=150), I(JMP | JSET | K, 0, 0, 0), I(LDX | IMM, k=60000),
        I(LD | B | IND, k=5534), I(RET | K, k=3)],
    "a far offset": [I(LD | B | ABS, k=40000), I(RET | K, k=1)],
    "return a byte or 0": [I(LD | B | ABS, k=20), I(RET | A)],
    "imm and scratch memory": [
        I(LD | IMM, k=0xDEADBEEF), I(ST, k=15), I(LDX | IMM, k=4), I(LD | W | MEM, k=15),
        I(JMP | JEQ | K, 0, 1, 0xDEADBEEF), I(LD | W | IND, k=10), I(RET | A)],
}


@pytest.mark.parametrize("name", list(HAND_WRITTEN))
def test_hand_written_programs_agree_with_libpcap(name):
    check_same(HAND_WRITTEN[name], frames_for_tests())


def test_what_does_not_translate_says_why():
    anc = [I(LD | W | ABS, k=ANC_PKTTYPE), I(RET | A)]
    assert "ancillary" in cbpf.translatable(anc)
    with pytest.raises(TranslationError, match="end with a return"):
        cbpf.check([I(LD | W | LEN)])
    with pytest.raises(TranslationError, match="past the end"):
        cbpf.check([I(JMP | JEQ | K, 3, 0, 1), I(RET | K, k=1)])
    with pytest.raises(TranslationError, match="memory slot"):
        xdp_prog.verdict_program([I(ST, k=16), I(RET | K, k=1)])
    assert cbpf.translatable(HAND_WRITTEN["jumps on X, jset, ja"]) is None


# The expressions of the list that bpf_filters refuses on Ethernet, and why:
# every other one must compile and translate.
REFUSED = filter_exprs.REFUSED_ON_ETHERNET


def expression_programs():
    """(expression, classic program) from bpf_filters, for the filter issue's list."""
    import bpf_filters

    exprs = filter_exprs
    out = []
    refused = set()
    for expr in exprs.COMMON + exprs.ETHER:
        try:
            prog = bpf_filters.compile(expr, linktype="EN10MB", kernel=False)
        except bpf_filters.FilterError as exc:
            assert expr in REFUSED and REFUSED[expr] in str(exc), (expr, str(exc))
            refused.add(expr)
            continue
        out.append((expr, [tuple(i) for i in prog.instructions]))
    assert refused == set(REFUSED)
    return out


def test_expression_list_verdicts_equal_in_the_kernel():
    """Every expression of the filter issue's list, compiled by bpf_filters for
    frames that keep their VLAN tags (kernel=False, as XDP sees them), gives in
    the kernel the verdict libpcap's interpreter gives for the classic program."""
    ethernet_frames = filter_frames.ethernet_frames
    corpus = [f for f in ethernet_frames() if 14 <= len(f) <= 3000][::3]
    programs = expression_programs()
    assert len(programs) > 200 and len(corpus) > 500
    libpcap = ref()
    for expr, program in programs:
        reason = cbpf.translatable(program)
        assert reason is None, (expr, reason)
        t = Translated(program)
        reference = libpcap.RefFilter(program)
        try:
            bad = [f for f in corpus if t.run(f) != reference.run(f)]
        finally:
            t.close()
        assert not bad, (expr, bad[0].hex())


def test_libpcap_compiled_programs_translate_too():
    """libpcap's own code shapes (its optimiser's jump layout) through the translator."""
    ethernet_frames = filter_frames.ethernet_frames
    libpcap = ref()
    corpus = [f for f in ethernet_frames(600, seed=5) if len(f) >= 14]
    for expr in ["tcp port 80 or udp port 53", "vlan 10 and ip", "ip[6:2] & 0x1fff = 0",
                 "ether[ether[0] & 0x7] = 0", "len * 2 > 100", "mpls and tcp port 80",
                 "ip6 and (tcp or udp) and not port 53", "icmp or arp", "greater 100"]:
        program = libpcap.compile_ref(expr)
        check_same(program, corpus)
