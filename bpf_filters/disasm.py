"""Text forms of a program: tcpdump's -d, -dd and -ddd, and an assembler for -d text.

The -d mnemonics are libpcap's (bpf_image) so that output can be compared with
tcpdump's line by line; ancillary loads print with the kernel's field names.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from . import opcodes as op
from .errors import FilterError
from .opcodes import Insn

_ANC_BY_NAME = {name: field for field, name in op.ANC_NAMES.items()}

# (code) -> (mnemonic, operand format); the operand format names how k prints.
_LD = {op.BPF_W: "ld", op.BPF_H: "ldh", op.BPF_B: "ldb"}
_ALU = {
    op.BPF_ADD: ("add", "#%d"), op.BPF_SUB: ("sub", "#%d"), op.BPF_MUL: ("mul", "#%d"),
    op.BPF_DIV: ("div", "#%d"), op.BPF_MOD: ("mod", "#%d"), op.BPF_AND: ("and", "#0x%x"),
    op.BPF_OR: ("or", "#0x%x"), op.BPF_XOR: ("xor", "#0x%x"), op.BPF_LSH: ("lsh", "#%d"),
    op.BPF_RSH: ("rsh", "#%d"),
}
_JMP = {op.BPF_JEQ: "jeq", op.BPF_JGT: "jgt", op.BPF_JGE: "jge", op.BPF_JSET: "jset"}


def _s32(k: int) -> int:
    return k - 0x100000000 if k & 0x80000000 else k


def image(ins: Insn, n: int) -> str:
    """One instruction in tcpdump -d form, `n` being its index."""
    code, k = ins.code, ins.k
    cls = op.bpf_class(code)
    operand = ""
    if cls in (op.BPF_LD, op.BPF_LDX):
        mode, size = op.bpf_mode(code), op.bpf_size(code)
        mn = _LD.get(size, "ld") if cls == op.BPF_LD else "ldx"
        if mode == op.BPF_ABS and cls == op.BPF_LD:
            field = op.anc_field(k)
            operand = f"[{op.ANC_NAMES.get(field, _s32(k))}]" if field is not None \
                else f"[{_s32(k)}]"
        elif mode == op.BPF_IND and cls == op.BPF_LD:
            operand = f"[x + {_s32(k)}]"
        elif mode == op.BPF_IMM:
            mn, operand = ("ld" if cls == op.BPF_LD else "ldx"), f"#0x{k:x}"
        elif mode == op.BPF_MEM:
            mn, operand = ("ld" if cls == op.BPF_LD else "ldx"), f"M[{k}]"
        elif mode == op.BPF_LEN:
            mn, operand = ("ld" if cls == op.BPF_LD else "ldx"), "#pktlen"
        elif mode == op.BPF_MSH and cls == op.BPF_LDX and size == op.BPF_B:
            mn, operand = "ldxb", f"4*([{_s32(k)}]&0xf)"
        else:
            mn, operand = "unimp", f"0x{code:x}"
    elif cls == op.BPF_ST:
        mn, operand = "st", f"M[{k}]"
    elif cls == op.BPF_STX:
        mn, operand = "stx", f"M[{k}]"
    elif cls == op.BPF_ALU:
        o = op.bpf_op(code)
        if o == op.BPF_NEG:
            mn = "neg"
        elif o in _ALU:
            mn, fmt = _ALU[o]
            operand = "x" if op.bpf_src(code) == op.BPF_X else fmt % (
                _s32(k) if fmt.endswith("d") else k)
        else:
            mn, operand = "unimp", f"0x{code:x}"
    elif cls == op.BPF_JMP:
        o = op.bpf_op(code)
        if o == op.BPF_JA:
            back = k - (1 << 32) if k & 0x80000000 else k    # protochain's loop
            return f"({n:03d}) {'ja':<8} {n + 1 + back}"
        if o not in _JMP:
            mn, operand = "unimp", f"0x{code:x}"
        else:
            operand = "x" if op.bpf_src(code) == op.BPF_X else f"#0x{k:x}"
            return (f"({n:03d}) {_JMP[o]:<8} {operand:<16} jt {n + 1 + ins.jt}\t"
                    f"jf {n + 1 + ins.jf}")
    elif cls == op.BPF_RET:
        mn = "ret"
        rv = op.bpf_rval(code)
        operand = f"#{_s32(k)}" if rv == op.BPF_K else ("" if rv == op.BPF_A else "x")
    else:  # BPF_MISC
        mn = "tax" if code & 0xF8 == op.BPF_TAX else "txa"
    return f"({n:03d}) {mn:<8} {operand}"


def disasm(insns: Sequence[Insn]) -> str:
    """The whole program in tcpdump -d form, one instruction per line."""
    return "\n".join(image(Insn(*i), n) for n, i in enumerate(insns))


def as_c_array(insns: Sequence[Insn]) -> str:
    """tcpdump -dd: a C array initialiser body."""
    return "\n".join(f"{{ 0x{i[0]:x}, {i[1]}, {i[2]}, 0x{i[3]:08x} }}," for i in insns)


def as_decimal(insns: Sequence[Insn]) -> str:
    """tcpdump -ddd: the count, then `code jt jf k` per line, decimal."""
    return "\n".join([str(len(insns))] + [f"{i[0]} {i[1]} {i[2]} {i[3]}" for i in insns])


def parse_decimal(text: str) -> list[Insn]:
    """Read tcpdump -ddd text (or the comma form some tools print) back to instructions."""
    nums = [int(t) for t in re.split(r"[\s,]+", text.strip()) if t]
    if not nums or len(nums) != 1 + 4 * nums[0]:
        raise FilterError("-ddd text: count does not match the instructions that follow")
    return [Insn(*nums[1 + 4 * i: 5 + 4 * i]) for i in range(nums[0])]


_LINE = re.compile(r"^\((\d+)\)\s+(\S+)\s*(.*?)\s*$")
_JT = re.compile(r"^(\S+)\s+jt\s+(\d+)\s+jf\s+(\d+)$")


def _num(text: str) -> int:
    return int(text, 0) & 0xFFFFFFFF


def assemble(text: str) -> list[Insn]:
    """Assemble tcpdump -d text (as `disasm` prints it) back into instructions."""
    out: list[Insn] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        m = _LINE.match(line.strip())
        if not m:
            raise FilterError(f"cannot assemble line: {line!r}")
        n, mn, rest = int(m.group(1)), m.group(2), m.group(3)
        out.append(_assemble_one(n, mn, rest))
    return out


def _assemble_one(n: int, mn: str, rest: str) -> Insn:
    if mn in _JMP.values():
        m = _JT.match(rest)
        if not m:
            raise FilterError(f"bad jump operand: {rest!r}")
        opnd, jt, jf = m.group(1), int(m.group(2)) - n - 1, int(m.group(3)) - n - 1
        o = next(k for k, v in _JMP.items() if v == mn)
        if opnd == "x":
            return Insn(op.BPF_JMP | o | op.BPF_X, jt, jf, 0)
        return Insn(op.BPF_JMP | o | op.BPF_K, jt, jf, _num(opnd[1:]))
    if mn == "ja":
        return Insn(op.BPF_JMP | op.BPF_JA, 0, 0, (int(rest) - n - 1) & 0xFFFFFFFF)
    if mn == "ret":
        if rest == "":
            return Insn(op.BPF_RET | op.BPF_A, 0, 0, 0)
        if rest == "x":
            return Insn(op.BPF_RET | op.BPF_X, 0, 0, 0)
        return Insn(op.BPF_RET | op.BPF_K, 0, 0, _num(rest[1:]))
    if mn in ("tax", "txa"):
        return Insn(op.BPF_MISC | (op.BPF_TAX if mn == "tax" else op.BPF_TXA), 0, 0, 0)
    if mn == "neg":
        return Insn(op.BPF_ALU | op.BPF_NEG, 0, 0, 0)
    for o, (name, _fmt) in _ALU.items():
        if mn == name:
            if rest == "x":
                return Insn(op.BPF_ALU | o | op.BPF_X, 0, 0, 0)
            return Insn(op.BPF_ALU | o | op.BPF_K, 0, 0, _num(rest[1:]))
    if mn in ("st", "stx"):
        k = int(rest[2:-1])
        return Insn(op.BPF_ST if mn == "st" else op.BPF_STX, 0, 0, k)
    if mn == "ldxb":
        m = re.match(r"4\*\(\[(-?\d+)\]&0xf\)", rest)
        if not m:
            raise FilterError(f"bad ldxb operand: {rest!r}")
        return Insn(op.BPF_LDX | op.BPF_MSH | op.BPF_B, 0, 0, _num(m.group(1)))
    if mn in ("ld", "ldh", "ldb", "ldx"):
        cls = op.BPF_LDX if mn == "ldx" else op.BPF_LD
        size = {"ld": op.BPF_W, "ldh": op.BPF_H, "ldb": op.BPF_B, "ldx": op.BPF_W}[mn]
        if rest == "#pktlen":
            return Insn(cls | op.BPF_W | op.BPF_LEN, 0, 0, 0)
        if rest.startswith("#"):
            return Insn(cls | op.BPF_IMM, 0, 0, _num(rest[1:]))
        if rest.startswith("M["):
            return Insn(cls | op.BPF_MEM, 0, 0, int(rest[2:-1]))
        m = re.match(r"\[x \+ (-?\d+)\]$", rest)
        if m:
            return Insn(op.BPF_LD | size | op.BPF_IND, 0, 0, _num(m.group(1)))
        m = re.match(r"\[(-?\d+|\w+)\]$", rest)
        if m:
            what = m.group(1)
            k = op.anc_offset(_ANC_BY_NAME[what]) if what in _ANC_BY_NAME else _num(what)
            return Insn(op.BPF_LD | size | op.BPF_ABS, 0, 0, k)
    raise FilterError(f"cannot assemble: {mn} {rest}")


def roundtrip_ok(insns: Iterable[Insn]) -> bool:
    """True when assembling the -d text gives back the very same instructions."""
    lst = [Insn(*i) for i in insns]
    return assemble(disasm(lst)) == lst
