"""The eBPF instruction set as data, and a small assembler with labels.

Values are those of <linux/bpf_common.h> (shared with classic BPF) and
<linux/bpf.h> (the eBPF additions); the instruction layout is the one in the
kernel's Documentation/bpf/standardization/instruction-set.rst: an 8-bit
opcode, 4-bit dst and src registers, a signed 16-bit offset and a signed
32-bit immediate, little-endian on x86.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

# Classic BPF's values, which eBPF keeps, are defined once in bpf_filters.opcodes
# and re-exported from here for the eBPF code.
from bpf_filters.opcodes import (  # noqa: F401
    BPF_ABS,
    BPF_ADD,
    BPF_ALU,
    BPF_AND,
    BPF_B,
    BPF_DIV,
    BPF_H,
    BPF_IMM,
    BPF_IND,
    BPF_JA,
    BPF_JEQ,
    BPF_JGE,
    BPF_JGT,
    BPF_JMP,
    BPF_JSET,
    BPF_K,
    BPF_LD,
    BPF_LDX,
    BPF_LEN,
    BPF_LSH,
    BPF_MEM,
    BPF_MISC,
    BPF_MOD,
    BPF_MSH,
    BPF_MUL,
    BPF_NEG,
    BPF_OR,
    BPF_RET,
    BPF_RSH,
    BPF_ST,
    BPF_STX,
    BPF_SUB,
    BPF_W,
    BPF_X,
    BPF_XOR,
)

# -- <linux/bpf.h>: what eBPF adds to <linux/bpf_common.h> -----------------------
BPF_JMP32 = 0x06        # eBPF reuses the value of BPF_RET
BPF_ALU64 = 0x07        # eBPF reuses the value of BPF_MISC

BPF_DW = 0x18           # eBPF

BPF_MOV = 0xB0          # eBPF
BPF_ARSH = 0xC0         # eBPF
BPF_END = 0xD0          # eBPF: byte swap
BPF_TO_LE = 0x00
BPF_TO_BE = 0x08

BPF_JNE = 0x50          # eBPF from here on
BPF_JSGT = 0x60
BPF_JSGE = 0x70
BPF_CALL = 0x80
BPF_EXIT = 0x90
BPF_JLT = 0xA0
BPF_JLE = 0xB0
BPF_JSLT = 0xC0
BPF_JSLE = 0xD0

BPF_PSEUDO_MAP_FD = 1   # src_reg of a 64-bit immediate load naming a map fd

SIZE_BYTES = {BPF_B: 1, BPF_H: 2, BPF_W: 4, BPF_DW: 8}
BYTES_SIZE = {v: k for k, v in SIZE_BYTES.items()}

# registers
R0, R1, R2, R3, R4, R5, R6, R7, R8, R9, R10 = range(11)
FP = R10

# -- helper function ids, enum bpf_func_id in <linux/bpf.h> ----------------------
BPF_FUNC_ktime_get_ns = 5
BPF_FUNC_redirect_map = 51
BPF_FUNC_xdp_adjust_meta = 54
BPF_FUNC_ktime_get_boot_ns = 125
BPF_FUNC_ktime_get_tai_ns = 208

# -- XDP, <linux/bpf.h> ---------------------------------------------------------------
XDP_ABORTED, XDP_DROP, XDP_PASS, XDP_TX, XDP_REDIRECT = range(5)
# struct xdp_md: the offsets of its u32 fields
XDP_MD_DATA = 0
XDP_MD_DATA_END = 4
XDP_MD_DATA_META = 8
XDP_MD_INGRESS_IFINDEX = 12
XDP_MD_RX_QUEUE_INDEX = 16

_ENCODING = struct.Struct("<BBhi")


@dataclass(frozen=True, slots=True)
class Insn:
    """One 8-byte instruction slot. ``target`` names a label for jumps whose
    offset the assembler fills in."""

    code: int
    dst: int = 0
    src: int = 0
    off: int = 0
    imm: int = 0
    target: str | None = None

    def encode(self) -> bytes:
        """The 8 bytes the kernel reads."""
        imm = self.imm - (1 << 32) if self.imm >= 1 << 31 else self.imm
        return _ENCODING.pack(self.code, (self.src << 4) | self.dst, self.off, imm)


def decode(raw: bytes) -> list[Insn]:
    """Instructions from their encoding (the inverse of ``encode``)."""
    out = []
    for code, regs, off, imm in _ENCODING.iter_unpack(raw):
        out.append(Insn(code, regs & 0xF, regs >> 4, off, imm))
    return out


# -- instruction constructors, one per form ------------------------------------------
def alu32(op: int, dst: int, *, imm: int | None = None, src: int | None = None) -> Insn:
    """32-bit ALU op: dst = (u32)(dst OP src|imm), upper half zeroed."""
    if src is not None:
        return Insn(BPF_ALU | op | BPF_X, dst, src)
    return Insn(BPF_ALU | op | BPF_K, dst, imm=_imm32(imm))


def alu64(op: int, dst: int, *, imm: int | None = None, src: int | None = None) -> Insn:
    """64-bit ALU op (immediates are sign-extended)."""
    if src is not None:
        return Insn(BPF_ALU64 | op | BPF_X, dst, src)
    return Insn(BPF_ALU64 | op | BPF_K, dst, imm=_imm32(imm))


def mov64(dst: int, *, imm: int | None = None, src: int | None = None) -> Insn:
    """dst = src | sign-extended imm."""
    return alu64(BPF_MOV, dst, imm=imm, src=src)


def mov32(dst: int, *, imm: int | None = None, src: int | None = None) -> Insn:
    """dst = (u32) src | imm, zero-extended."""
    return alu32(BPF_MOV, dst, imm=imm, src=src)


def to_be(dst: int, bits: int) -> Insn:
    """Convert dst between host and big-endian order, keeping the low ``bits``."""
    return Insn(BPF_ALU | BPF_END | BPF_TO_BE, dst, imm=bits)


def ldx(size: int, dst: int, src: int, off: int = 0) -> Insn:
    """dst = *(size *)(src + off), zero-extended."""
    return Insn(BPF_LDX | BPF_MEM | size, dst, src, off)


def stx(size: int, dst: int, src: int, off: int = 0) -> Insn:
    """*(size *)(dst + off) = src."""
    return Insn(BPF_STX | BPF_MEM | size, dst, src, off)


def st(size: int, dst: int, off: int, imm: int) -> Insn:
    """*(size *)(dst + off) = imm."""
    return Insn(BPF_ST | BPF_MEM | size, dst, 0, off, _imm32(imm))


def jmp(op: int, dst: int, target: str, *, imm: int | None = None,
        src: int | None = None) -> Insn:
    """if (dst OP src|imm) goto target, comparing all 64 bits."""
    if src is not None:
        return Insn(BPF_JMP | op | BPF_X, dst, src, target=target)
    return Insn(BPF_JMP | op | BPF_K, dst, imm=_imm32(imm), target=target)


def jmp32(op: int, dst: int, target: str, *, imm: int | None = None,
          src: int | None = None) -> Insn:
    """if (dst OP src|imm) goto target, comparing the low 32 bits."""
    if src is not None:
        return Insn(BPF_JMP32 | op | BPF_X, dst, src, target=target)
    return Insn(BPF_JMP32 | op | BPF_K, dst, imm=_imm32(imm), target=target)


def ja(target: str) -> Insn:
    """goto target."""
    return Insn(BPF_JMP | BPF_JA, target=target)


def call(helper: int) -> Insn:
    """Call a kernel helper: arguments in r1-r5, result in r0, r1-r5 clobbered."""
    return Insn(BPF_JMP | BPF_CALL, imm=helper)


def exit_() -> Insn:
    """Return r0."""
    return Insn(BPF_JMP | BPF_EXIT)


def ld_map_fd(dst: int, fd: int) -> list[Insn]:
    """dst = the map behind ``fd`` (a two-slot 64-bit immediate load)."""
    return [Insn(BPF_LD | BPF_DW | BPF_IMM, dst, BPF_PSEUDO_MAP_FD, imm=fd), Insn(0)]


def _imm32(value: int | None) -> int:
    if value is None:
        raise ValueError("an immediate or a source register is needed")
    if not -(1 << 31) <= value < 1 << 32:
        raise ValueError(f"immediate {value} does not fit in 32 bits")
    return value


class Assembler:
    """Collects instructions and labels; ``assemble()`` resolves jump targets.

    A label names the slot of the next instruction emitted after it.
    """

    def __init__(self) -> None:
        self.insns: list[Insn] = []
        self.labels: dict[str, int] = {}

    def emit(self, *insns: Insn | list[Insn]) -> None:
        """Append instructions (a list stands for a multi-slot instruction)."""
        for item in insns:
            if isinstance(item, list):
                self.insns.extend(item)
            else:
                self.insns.append(item)

    def label(self, name: str) -> None:
        """Place ``name`` at the next instruction."""
        if name in self.labels:
            raise ValueError(f"label {name} placed twice")
        self.labels[name] = len(self.insns)

    def _reachable(self) -> list[bool]:
        """Which slots control can reach from the first: the verifier refuses
        programs with dead code, and translated filters may have some."""
        n = len(self.insns)
        seen = [False] * n
        todo = [0] if n else []
        while todo:
            pc = todo.pop()
            if pc >= n or seen[pc]:
                continue
            seen[pc] = True
            ins = self.insns[pc]
            cls, op = ins.code & 0x07, ins.code & 0xF0
            if ins.code == BPF_LD | BPF_DW | BPF_IMM:
                if pc + 1 < n:
                    seen[pc + 1] = True
                todo.append(pc + 2)
                continue
            if ins.target is not None:
                if ins.target not in self.labels:
                    raise ValueError(f"jump to unknown label {ins.target}")
                todo.append(self.labels[ins.target])
            if cls == BPF_JMP and op in (BPF_EXIT, BPF_JA):
                continue
            todo.append(pc + 1)
        return seen

    def assemble(self) -> list[Insn]:
        """The instructions, dead ones dropped, with every jump offset filled in."""
        seen = self._reachable()
        new_pc, kept = [], 0
        for live in seen:
            new_pc.append(kept)
            kept += live
        new_pc.append(kept)
        labels = {name: new_pc[pc] for name, pc in self.labels.items()}
        live_insns = [ins for ins, live in zip(self.insns, seen, strict=True) if live]
        out = []
        for pc, ins in enumerate(live_insns):
            if ins.target is not None:
                off = labels[ins.target] - pc - 1
                if not -(1 << 15) <= off < 1 << 15:
                    raise ValueError(f"jump from {pc} to {ins.target} is too far")
                ins = Insn(ins.code, ins.dst, ins.src, off, ins.imm)
            out.append(ins)
        return out


def encode(insns: list[Insn]) -> bytes:
    """The program image for BPF_PROG_LOAD."""
    return b"".join(i.encode() for i in insns)
