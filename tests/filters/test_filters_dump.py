"""`-d`, `-dd` and `-ddd` against libpcap's own formatting of the same instructions.

zcap's text forms are meant to be tcpdump's, line for line. The oracle is
libpcap itself: `bpf_image()` for each -d line, and `bpf_dump()` (what tcpdump
calls for -dd and -ddd) for the other two, both given zcap's own program
through ctypes. `bpf_dump` prints on C's stdout, so it runs in a child process
whose output is read back, one program after another between marker lines.
"""

from __future__ import annotations

import ctypes
import json
import os
import subprocess
import sys
from pathlib import Path

import libpcap_ref as ref
import pytest
from filter_exprs import COMMON, ETHER, KERNEL, PROTOCHAIN, SLL2

import bpf_filters as bf
from bpf_filters import opcodes as op
from bpf_filters.disasm import as_c_array, as_decimal, disasm

ROOT = Path(__file__).resolve().parents[2]
MARK = "--- end of program ---"

# Run in the child: the programs (lists of [code, jt, jf, k]) arrive as JSON on
# stdin; each goes through libpcap's bpf_dump(); a marker line follows each.
DUMP_CHILD = f"""
import ctypes, ctypes.util, json, sys
class Insn(ctypes.Structure):
    _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte), ("jf", ctypes.c_ubyte),
                ("k", ctypes.c_uint32)]
class Prog(ctypes.Structure):
    _fields_ = [("bf_len", ctypes.c_uint), ("bf_insns", ctypes.POINTER(Insn))]
pcap = ctypes.CDLL(ctypes.util.find_library("pcap") or "libpcap.so.0.8")
libc = ctypes.CDLL(None)
option = int(sys.argv[1])
for insns in json.load(sys.stdin):
    arr = (Insn * len(insns))(*[Insn(*i) for i in insns])
    pcap.bpf_dump(ctypes.byref(Prog(len(insns), arr)), option)
    libc.puts({MARK!r}.encode())
libc.fflush(None)
"""


def libpcap_dump(programs: list[list[tuple[int, int, int, int]]], option: int) -> list[str]:
    """libpcap's bpf_dump(program, option) text of each program."""
    proc = subprocess.run([sys.executable, "-c", DUMP_CHILD, str(option)],
                          input=json.dumps(programs), capture_output=True, text=True,
                          timeout=60, check=True)
    texts = proc.stdout.split(MARK + "\n")
    assert texts[-1] == "" and len(texts) == len(programs) + 1, proc.stderr
    return [t.rstrip("\n") for t in texts[:-1]]


def libpcap_image(insns: list[tuple[int, int, int, int]]) -> str:
    """The program as libpcap's bpf_image() formats it, one line per instruction."""
    lib = ref.lib()
    lib.bpf_image.restype = ctypes.c_char_p
    lib.bpf_image.argtypes = [ctypes.POINTER(ref.BpfInsn), ctypes.c_int]
    return "\n".join(lib.bpf_image(ctypes.byref(ref.BpfInsn(*i)), n).decode()
                     for n, i in enumerate(insns))


def _every_opcode() -> list[tuple[int, int, int, int]]:
    """One instruction of every kind the compiler may or may not emit, with
    operands that test the signed, hex and jump-target formats."""
    ld, ldx, alu, jmp = op.BPF_LD, op.BPF_LDX, op.BPF_ALU, op.BPF_JMP
    insns = []
    for size in (op.BPF_W, op.BPF_H, op.BPF_B):
        insns += [(ld | size | op.BPF_ABS, 0, 0, 14), (ld | size | op.BPF_IND, 0, 0, 2),
                  (ld | size | op.BPF_ABS, 0, 0, 0xFFFFF000)]          # SKF_AD_OFF: protocol
    # Not `ldx len` (0x81): libpcap 1.10's bpf_image has no case for it and prints
    # "unimp 0x81", zcap prints "ldx #pktlen" (which its assembler reads back).
    # Neither compiler emits it, so no -d output of either shows the difference.
    insns += [(ld | op.BPF_IMM, 0, 0, 0xDEADBEEF), (ld | op.BPF_MEM, 0, 0, 3),
              (ld | op.BPF_LEN | op.BPF_W, 0, 0, 0), (ldx | op.BPF_IMM, 0, 0, 7),
              (ldx | op.BPF_MEM, 0, 0, 15),
              (ldx | op.BPF_MSH | op.BPF_B, 0, 0, 14), (op.BPF_ST, 0, 0, 1),
              (op.BPF_STX, 0, 0, 2)]
    for o in (op.BPF_ADD, op.BPF_SUB, op.BPF_MUL, op.BPF_DIV, op.BPF_MOD, op.BPF_AND,
              op.BPF_OR, op.BPF_XOR, op.BPF_LSH, op.BPF_RSH):
        insns += [(alu | o | op.BPF_K, 0, 0, 0x80000001), (alu | o | op.BPF_X, 0, 0, 0)]
    insns += [(alu | op.BPF_NEG, 0, 0, 0), (op.BPF_MISC | op.BPF_TAX, 0, 0, 0),
              (op.BPF_MISC | op.BPF_TXA, 0, 0, 0)]
    for o in (op.BPF_JEQ, op.BPF_JGT, op.BPF_JGE, op.BPF_JSET):
        insns += [(jmp | o | op.BPF_K, 1, 2, 0xFFFF), (jmp | o | op.BPF_X, 0, 1, 0)]
    insns += [(jmp | op.BPF_JA, 0, 0, 1), (op.BPF_RET | op.BPF_K, 0, 0, 0),
              (op.BPF_RET | op.BPF_K, 0, 0, 0xFFFFFFFF), (op.BPF_RET | op.BPF_A, 0, 0, 0),
              (op.BPF_RET | op.BPF_K, 0, 0, 262144)]
    return insns


def _programs() -> dict[str, list[tuple[int, int, int, int]]]:
    """zcap's own programs for the differential tests' expressions on every link
    type, the live (kernel) ones with ancillary loads, and the opcode sampler."""
    progs = {}
    cases = ([("EN10MB", e, False) for e in COMMON + ETHER]
             + [("LINUX_SLL2", e, False) for e in SLL2 + PROTOCHAIN]
             + [("RAW", e, False) for e in PROTOCHAIN]
             + [("EN10MB", e, True) for e in KERNEL]
             + [("LINUX_DGRAM", e, True) for e in SLL2 + PROTOCHAIN])
    for linktype, expr, kernel in cases:
        try:
            prog = bf.compile(expr, linktype, kernel=kernel)
        except bf.FilterError:
            continue        # refusals are test_filters_errors' business
        progs[f"{linktype}{' live' if kernel else ''}: {expr}"] = \
            [tuple(i) for i in prog.instructions]
    progs["every opcode"] = _every_opcode()
    return progs


@pytest.fixture(scope="module")
def programs() -> dict[str, list[tuple[int, int, int, int]]]:
    progs = _programs()
    assert len(progs) > 400
    return progs


def test_d_is_bpf_image(programs) -> None:
    for name, insns in programs.items():
        assert disasm(insns) == libpcap_image(insns), name


@pytest.mark.parametrize(("option", "ours"), [(1, disasm), (2, as_c_array), (3, as_decimal)])
def test_dd_and_ddd_are_bpf_dump(programs, option, ours) -> None:
    theirs = libpcap_dump(list(programs.values()), option)
    for (name, insns), text in zip(programs.items(), theirs, strict=True):
        assert ours(insns) == text, name


# Each case starts the CLI three times: a few, one per way of choosing the link type.
CLI_CASES = [
    (["-y", "LINUX_SLL2"], "inbound and ip6 protochain 6", "LINUX_SLL2", False),
    (["-i", "any"], "outbound and udp", "LINUX_DGRAM", True),
    ([], "tcp port 80 and not vlan", "EN10MB", False),
]


@pytest.mark.parametrize(("args", "expr", "linktype", "kernel"), CLI_CASES)
def test_cli_prints_what_libpcap_prints(args, expr, linktype, kernel) -> None:
    """Through the command line: the same text as libpcap for the program that
    the CLI compiles for that link type (-i: a live program, ancillary loads)."""
    insns = [tuple(i) for i in bf.compile(expr, linktype, kernel=kernel).instructions]
    for option in (1, 2, 3):
        proc = subprocess.run([sys.executable, "-m", "zcap", "-" + "d" * option, *args, expr],
                              capture_output=True, text=True, timeout=60, cwd=ROOT,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout == libpcap_dump([insns], option)[0] + "\n", (option, expr)
