"""Classic BPF (as bpf_filters and libpcap emit it) translated to eBPF for XDP.

The translated filter reads the frame through the XDP context: every packet
load is preceded by the bounds check the verifier demands, and a load past
the end rejects the packet, as a classic load out of bounds does. Classic
programs only jump forward, so the result is a DAG the verifier walks quickly.

Register use inside the filter:

====  =========================================
r6    the XDP context (set by the caller)
r7    A, the accumulator; on accept: bytes to keep
r8    X, the index register
r9    packet start (ctx->data)
r4    packet end (ctx->data_end)
r1-3  scratch
fp    M[0..15] at fp-64 .. fp-4
====  =========================================
"""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import ZcapError
from . import isa
from .isa import (
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
    BPF_JLE,
    BPF_JLT,
    BPF_JMP,
    BPF_JNE,
    BPF_JSET,
    BPF_LD,
    BPF_LDX,
    BPF_LEN,
    BPF_LSH,
    BPF_MEM,
    BPF_MISC,
    BPF_MOD,
    BPF_MSH,
    BPF_NEG,
    BPF_RET,
    BPF_RSH,
    BPF_ST,
    BPF_STX,
    BPF_SUB,
    BPF_W,
    BPF_X,
    FP,
    R1,
    R2,
    R3,
    R4,
    R6,
    R7,
    R8,
    R9,
    XDP_MD_DATA,
    XDP_MD_DATA_END,
    Assembler,
)

Instruction = tuple[int, int, int, int]

# <linux/filter.h>
BPF_A = 0x10                  # BPF_RET | BPF_A: return the accumulator
BPF_TAX = 0x00
BPF_TXA = 0x80
BPF_MEMWORDS = 16
SKF_AD_OFF = -0x1000          # ancillary data; SKF_NET_OFF and SKF_LL_OFF lie below it

MAX_PACKET_OFF = 0xFFFF       # the verifier's bound on a packet offset
MEM_BASE = -4 * BPF_MEMWORDS

REG_A, REG_X, REG_DATA, REG_END = R7, R8, R9, R4

_ALU_OPS = {BPF_ADD, BPF_SUB, isa.BPF_MUL, BPF_DIV, isa.BPF_OR, BPF_AND, BPF_LSH, BPF_RSH,
            BPF_NEG, BPF_MOD, isa.BPF_XOR}
_JMP_OPS = {BPF_JEQ, BPF_JGT, BPF_JGE, BPF_JSET}
# the eBPF condition that is true exactly when the classic one is false
_INVERSE = {BPF_JEQ: BPF_JNE, BPF_JGT: BPF_JLE, BPF_JGE: BPF_JLT}


class TranslationError(ZcapError):
    """This classic program has no eBPF translation here (e.g. ancillary loads)."""


def _class(code: int) -> int:
    return code & 0x07


def _mem_off(k: int, pc: int) -> int:
    if not 0 <= k < BPF_MEMWORDS:
        raise TranslationError(f"instruction {pc}: scratch memory slot {k} does not exist")
    return MEM_BASE + 4 * k


def check(program: Sequence[Instruction]) -> None:
    """The structural checks the kernel makes of a classic program."""
    if not program:
        raise TranslationError("empty filter program")
    if _class(program[-1][0]) != BPF_RET:
        raise TranslationError("the filter program does not end with a return")
    n = len(program)
    for pc, (code, jt, jf, k) in enumerate(program):
        if _class(code) == BPF_JMP:
            if code & 0xF0 == BPF_JA and k & 0x80000000:
                raise TranslationError(f"instruction {pc} jumps back (protochain's loop)")
            targets = [pc + 1 + k] if code & 0xF0 == BPF_JA else [pc + 1 + jt, pc + 1 + jf]
            if any(t >= n for t in targets):
                raise TranslationError(f"instruction {pc} jumps past the end of the program")


def translate(asm: Assembler, program: Sequence[Instruction], *, accept: str,
              reject: str, prefix: str = "c") -> None:
    """Emit the classic ``program`` into ``asm``.

    Expects the XDP context in r6. Ends by jumping to ``accept`` with the number
    of bytes to keep in r7 (never 0), or to ``reject``. Raises TranslationError
    for what it cannot translate.
    """
    check(program)
    label = [f"{prefix}{pc}" for pc in range(len(program))]

    asm.emit(isa.ldx(BPF_W, REG_DATA, R6, XDP_MD_DATA),
             isa.ldx(BPF_W, REG_END, R6, XDP_MD_DATA_END),
             isa.mov32(REG_A, imm=0), isa.mov32(REG_X, imm=0))
    # The verifier refuses reads of stack it never saw written: zero the slots read.
    read = sorted({k for code, _, _, k in program
                   if code in (BPF_LD | BPF_MEM | BPF_W, BPF_LDX | BPF_MEM | BPF_W)})
    for k in read:
        asm.emit(isa.st(BPF_W, FP, _mem_off(k, -1), 0))

    for pc, (code, jt, jf, k) in enumerate(program):
        asm.label(label[pc])
        cls = _class(code)
        if cls in (BPF_LD, BPF_LDX):
            _load(asm, pc, code, k, reject)
        elif cls == BPF_ST:
            asm.emit(isa.stx(BPF_W, FP, REG_A, _mem_off(k, pc)))
        elif cls == BPF_STX:
            asm.emit(isa.stx(BPF_W, FP, REG_X, _mem_off(k, pc)))
        elif cls == BPF_ALU:
            _alu(asm, pc, code, k, reject, label[pc])
        elif cls == BPF_JMP:
            _jump(asm, pc, code, jt, jf, k, label)
        elif cls == BPF_RET:
            _ret(asm, pc, code, k, accept, reject)
        elif cls == BPF_MISC:
            if code & 0xF8 == BPF_TAX:
                asm.emit(isa.mov32(REG_X, src=REG_A))
            elif code & 0xF8 == BPF_TXA:
                asm.emit(isa.mov32(REG_A, src=REG_X))
            else:
                raise TranslationError(f"instruction {pc}: unknown misc opcode {code:#x}")
        else:  # pragma: no cover - every 3-bit class is handled above
            raise TranslationError(f"instruction {pc}: unknown opcode {code:#x}")


def _packet_load(asm: Assembler, pc: int, size: int, dst: int, k: int, indexed: bool,
                 reject: str) -> None:
    """dst = the ``size`` bytes at [k] or [X + k] in host order; reject if out of bounds."""
    nbytes = isa.SIZE_BYTES[size]
    if k >= 1 << 31:
        raise TranslationError(
            f"instruction {pc}: load at special offset {k - (1 << 32)} (ancillary data such "
            "as the VLAN tag or the packet type) has no XDP equivalent")
    if k + nbytes > MAX_PACKET_OFF:
        asm.emit(isa.ja(reject))                 # past any frame XDP can see
        return
    if indexed:
        asm.emit(isa.mov64(R1, src=REG_X),       # X is kept zero-extended
                 isa.alu64(BPF_ADD, R1, imm=k),
                 # a bounded offset, so that the pointer below stays a packet pointer
                 isa.jmp(BPF_JGT, R1, reject, imm=MAX_PACKET_OFF - nbytes),
                 isa.mov64(R2, src=REG_DATA),
                 isa.alu64(BPF_ADD, R2, src=R1),
                 isa.mov64(R3, src=R2),
                 isa.alu64(BPF_ADD, R3, imm=nbytes),
                 isa.jmp(BPF_JGT, R3, reject, src=REG_END),
                 isa.ldx(size, dst, R2, 0))
    else:
        asm.emit(isa.mov64(R1, src=REG_DATA),
                 isa.alu64(BPF_ADD, R1, imm=k + nbytes),
                 isa.jmp(BPF_JGT, R1, reject, src=REG_END))
        if k < 1 << 15:
            asm.emit(isa.ldx(size, dst, REG_DATA, k))
        else:
            asm.emit(isa.mov64(R2, src=REG_DATA), isa.alu64(BPF_ADD, R2, imm=k),
                     isa.ldx(size, dst, R2, 0))
    if nbytes > 1:
        asm.emit(isa.to_be(dst, 8 * nbytes))     # network order to host order


def _load(asm: Assembler, pc: int, code: int, k: int, reject: str) -> None:
    dst = REG_A if _class(code) == BPF_LD else REG_X
    mode, size = code & 0xE0, code & 0x18
    if size not in (BPF_W, BPF_H, BPF_B):
        raise TranslationError(f"instruction {pc}: bad load size in {code:#x}")
    if mode == BPF_IMM:
        asm.emit(isa.mov32(dst, imm=k))
    elif mode == BPF_MEM:
        asm.emit(isa.ldx(BPF_W, dst, FP, _mem_off(k, pc)))
    elif mode == BPF_LEN:
        # pkt_end - pkt is allowed to privileged programs and gives a plain number
        asm.emit(isa.mov64(dst, src=REG_END), isa.alu64(BPF_SUB, dst, src=REG_DATA),
                 isa.mov32(dst, src=dst))
    elif mode == BPF_ABS and dst == REG_A:
        _packet_load(asm, pc, size, dst, k, False, reject)
    elif mode == BPF_IND and dst == REG_A:
        _packet_load(asm, pc, size, dst, k, True, reject)
    elif mode == BPF_MSH and dst == REG_X and size == BPF_B:
        _packet_load(asm, pc, BPF_B, dst, k, False, reject)
        asm.emit(isa.alu32(BPF_AND, dst, imm=0x0F), isa.alu32(BPF_LSH, dst, imm=2))
    else:
        raise TranslationError(f"instruction {pc}: unsupported load {code:#x}")


def _alu(asm: Assembler, pc: int, code: int, k: int, reject: str, here: str) -> None:
    op = code & 0xF0
    if op not in _ALU_OPS:
        raise TranslationError(f"instruction {pc}: unknown ALU opcode {code:#x}")
    if op == BPF_NEG:
        asm.emit(isa.alu32(BPF_NEG, REG_A, imm=0))
    elif code & BPF_X:
        if op in (BPF_DIV, BPF_MOD):
            # classic BPF returns 0 on division by zero; eBPF would go on
            asm.emit(isa.jmp32(BPF_JEQ, REG_X, reject, imm=0))
        if op in (BPF_LSH, BPF_RSH):
            # a shift by 32 or more leaves 0 in libpcap's bpf_filter() (and
            # zcap's interpreters); eBPF takes the count modulo 32
            asm.emit(isa.jmp32(BPF_JGT, REG_X, f"{here}z", imm=31),
                     isa.alu32(op, REG_A, src=REG_X), isa.ja(f"{here}d"))
            asm.label(f"{here}z")
            asm.emit(isa.mov32(REG_A, imm=0))
            asm.label(f"{here}d")
            return
        asm.emit(isa.alu32(op, REG_A, src=REG_X))
    else:
        if op in (BPF_DIV, BPF_MOD) and k == 0:
            raise TranslationError(f"instruction {pc}: division by constant zero")
        if op in (BPF_LSH, BPF_RSH):
            # neither compiler emits a constant count of 32 or more; libpcap's
            # bpf_filter() (a C shift, on x86) and zcap's C interpreter take
            # it modulo 32, and the verifier refuses it as it is
            k &= 31
        asm.emit(isa.alu32(op, REG_A, imm=k))


def _jump(asm: Assembler, pc: int, code: int, jt: int, jf: int, k: int,
          label: list[str]) -> None:
    op = code & 0xF0
    if op == BPF_JA:
        asm.emit(isa.ja(label[pc + 1 + k]))
        return
    if op not in _JMP_OPS:
        raise TranslationError(f"instruction {pc}: unknown jump opcode {code:#x}")
    operand = {"src": REG_X} if code & BPF_X else {"imm": k}
    if jt == jf:
        asm.emit(isa.ja(label[pc + 1 + jt]))
    elif jt == 0 and op in _INVERSE:
        asm.emit(isa.jmp32(_INVERSE[op], REG_A, label[pc + 1 + jf], **operand))
    else:
        asm.emit(isa.jmp32(op, REG_A, label[pc + 1 + jt], **operand))
        if jf:
            asm.emit(isa.ja(label[pc + 1 + jf]))


def _ret(asm: Assembler, pc: int, code: int, k: int, accept: str, reject: str) -> None:
    src = code & 0x18
    if src == 0:                                 # BPF_K
        if k == 0:
            asm.emit(isa.ja(reject))
        else:
            asm.emit(isa.mov32(REG_A, imm=k), isa.ja(accept))
    elif src == BPF_A:
        asm.emit(isa.jmp32(BPF_JEQ, REG_A, reject, imm=0), isa.ja(accept))
    else:
        raise TranslationError(f"instruction {pc}: unsupported return {code:#x}")


def translatable(program: Sequence[Instruction]) -> str | None:
    """None when ``program`` translates, else the reason it does not."""
    try:
        translate(Assembler(), program, accept="a", reject="r")
    except TranslationError as err:
        return str(err)
    return None
