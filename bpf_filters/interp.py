"""Reference interpreter for classic BPF, with the kernel's semantics.

A load past the captured bytes rejects the packet (returns 0), and so does a
division or modulus by zero. A jump whose offset is negative as a signed
number goes backwards, as in libpcap's bpf_filter (for libpcap's own protochain
programs; the kernel refuses them). Ancillary loads (SKF_AD_*) read the keyword
arguments given to `run`; one that was not given rejects the packet, as
libpcap's bpf_filter does when it has no such data.
"""

from __future__ import annotations

from collections.abc import Sequence

from . import opcodes as op
from .errors import FilterError
from .opcodes import Insn

M32 = 0xFFFFFFFF
# a program that loops longer than this (only possible with backward jumps) rejects
_MAX_BACKWARD_JUMPS = 1 << 16


def validate(insns: Sequence[Insn], limit: int = op.BPF_MAXINSNS) -> None:
    """Raise FilterError unless the program is one the kernel would accept
    (or, with limit=USER_MAXINSNS, one the user-space interpreters run)."""
    n = len(insns)
    if n == 0 or n > limit:
        raise FilterError(f"bad program length {n}")
    for i, (code, jt, jf, k) in enumerate(insns):
        cls = op.bpf_class(code)
        if cls == op.BPF_JMP:
            o = op.bpf_op(code)
            if o == op.BPF_JA:
                # backwards (negative as a signed number): protochain's loop
                back = k - (1 << 32) if k & 0x80000000 else k
                if not 0 <= i + 1 + back < n or back == -1:
                    raise FilterError(f"instruction {i}: jump out of range")
            elif o in (op.BPF_JEQ, op.BPF_JGT, op.BPF_JGE, op.BPF_JSET):
                if i + 1 + jt >= n or i + 1 + jf >= n:
                    raise FilterError(f"instruction {i}: jump out of range")
            else:
                raise FilterError(f"instruction {i}: unknown jump 0x{code:x}")
        elif cls in (op.BPF_ST, op.BPF_STX) or code in (op.BPF_LD | op.BPF_MEM,
                                                        op.BPF_LDX | op.BPF_MEM):
            if k >= op.BPF_MEMWORDS:
                raise FilterError(f"instruction {i}: scratch memory index {k} out of range")
        elif cls == op.BPF_ALU:
            o = op.bpf_op(code)
            if o not in (op.BPF_ADD, op.BPF_SUB, op.BPF_MUL, op.BPF_DIV, op.BPF_OR, op.BPF_AND,
                         op.BPF_LSH, op.BPF_RSH, op.BPF_NEG, op.BPF_MOD, op.BPF_XOR):
                raise FilterError(f"instruction {i}: unknown ALU op 0x{code:x}")
            if op.bpf_src(code) == op.BPF_K and o in (op.BPF_DIV, op.BPF_MOD) and k == 0:
                raise FilterError(f"instruction {i}: division by constant zero")
            if op.bpf_src(code) == op.BPF_K and o in (op.BPF_LSH, op.BPF_RSH) and k >= 32:
                raise FilterError(f"instruction {i}: shift by {k}")
        elif cls == op.BPF_RET:
            if op.bpf_rval(code) not in (op.BPF_K, op.BPF_A):
                raise FilterError(f"instruction {i}: bad return")
        elif cls == op.BPF_LD:
            if op.bpf_mode(code) not in (op.BPF_IMM, op.BPF_ABS, op.BPF_IND, op.BPF_MEM,
                                         op.BPF_LEN) or op.bpf_size(code) == 0x18:
                raise FilterError(f"instruction {i}: bad load 0x{code:x}")
        elif cls == op.BPF_LDX:
            if code not in (op.BPF_LDX | op.BPF_W | op.BPF_IMM, op.BPF_LDX | op.BPF_W | op.BPF_MEM,
                            op.BPF_LDX | op.BPF_W | op.BPF_LEN,
                            op.BPF_LDX | op.BPF_B | op.BPF_MSH):
                raise FilterError(f"instruction {i}: bad ldx 0x{code:x}")
        elif cls == op.BPF_MISC:
            if code not in (op.BPF_MISC | op.BPF_TAX, op.BPF_MISC | op.BPF_TXA):
                raise FilterError(f"instruction {i}: bad misc 0x{code:x}")
    last = insns[-1][0]
    if op.bpf_class(last) != op.BPF_RET:
        raise FilterError("program does not end with a return")


def run(insns: Sequence[Insn], frame: bytes, wirelen: int | None = None, *,
        vlan_tci: int | None = None, vlan_tpid: int | None = None,
        pkttype: int | None = None, protocol: int | None = None,
        ifindex: int | None = None, steps: list[int] | None = None) -> int:
    """Run a program over one frame; return what it returns (0 = reject).

    steps: if given, steps[0] grows by the number of instructions executed
    (what a filter costs per packet, for the benchmarks).

    vlan_tci/vlan_tpid: the tag the kernel removed (None: no tag was removed);
    pkttype/protocol/ifindex: what SKF_AD_PKTTYPE/PROTOCOL/IFINDEX would read.
    """
    data = bytes(frame)
    caplen = len(data)
    wl = caplen if wirelen is None else wirelen
    anc = {
        op.SKF_AD_VLAN_TAG_PRESENT: 1 if vlan_tci is not None else 0,
        op.SKF_AD_VLAN_TAG: vlan_tci if vlan_tci is not None else 0,
        op.SKF_AD_VLAN_TPID: vlan_tpid if vlan_tpid is not None else 0,
        op.SKF_AD_PKTTYPE: pkttype,
        op.SKF_AD_PROTOCOL: protocol,
        op.SKF_AD_IFINDEX: ifindex,
    }
    a = x = back = 0
    mem = [0] * op.BPF_MEMWORDS
    pc = 0
    n = len(insns)
    executed = 0
    try:
        while pc < n:
            code, jt, jf, k = insns[pc]
            pc += 1
            executed += 1
            cls = code & 0x07
            if cls == op.BPF_RET:
                return (a if code & 0x18 == op.BPF_A else k) & M32
            if cls == op.BPF_LD:
                mode = code & 0xE0
                if mode == op.BPF_ABS or mode == op.BPF_IND:
                    size = op.SIZE_BYTES[code & 0x18]
                    if mode == op.BPF_ABS:
                        field = op.anc_field(k)
                        if field is not None:
                            v = anc.get(field)
                            if v is None:
                                return 0
                            a = v & M32
                            continue
                        if k & 0x80000000:
                            return 0
                        off = k
                    else:
                        off = x + k
                        if off > M32:
                            off &= M32
                        if off & 0x80000000:
                            return 0
                    if off + size > caplen:
                        return 0
                    a = int.from_bytes(data[off:off + size], "big")
                elif mode == op.BPF_IMM:
                    a = k
                elif mode == op.BPF_MEM:
                    a = mem[k]
                elif mode == op.BPF_LEN:
                    a = wl & M32
            elif cls == op.BPF_LDX:
                mode = code & 0xE0
                if mode == op.BPF_IMM:
                    x = k
                elif mode == op.BPF_MEM:
                    x = mem[k]
                elif mode == op.BPF_LEN:
                    x = wl & M32
                elif mode == op.BPF_MSH:
                    if k >= caplen:
                        return 0
                    x = (data[k] & 0x0F) * 4
            elif cls == op.BPF_ST:
                mem[k] = a
            elif cls == op.BPF_STX:
                mem[k] = x
            elif cls == op.BPF_ALU:
                o = code & 0xF0
                v = x if code & op.BPF_X else k
                if o == op.BPF_ADD:
                    a = (a + v) & M32
                elif o == op.BPF_SUB:
                    a = (a - v) & M32
                elif o == op.BPF_MUL:
                    a = (a * v) & M32
                elif o == op.BPF_DIV:
                    if v == 0:
                        return 0
                    a = a // v
                elif o == op.BPF_MOD:
                    if v == 0:
                        return 0
                    a = a % v
                elif o == op.BPF_AND:
                    a &= v
                elif o == op.BPF_OR:
                    a |= v
                elif o == op.BPF_XOR:
                    a ^= v
                elif o == op.BPF_LSH:
                    # libpcap's bpf_filter() shifts every bit out of A for a
                    # count of 32 or more (a count in X: the kernel refuses K)
                    a = (a << v) & M32 if v < 32 else 0
                elif o == op.BPF_RSH:
                    a = a >> v if v < 32 else 0
                elif o == op.BPF_NEG:
                    a = (-a) & M32
            elif cls == op.BPF_JMP:
                o = code & 0xF0
                if o == op.BPF_JA:
                    if k & 0x80000000:
                        # backwards, as libpcap's bpf_filter takes it (its protochain
                        # loop); the kernel refuses such programs, and so does validate
                        back += 1
                        if back > _MAX_BACKWARD_JUMPS:
                            return 0
                        pc += k - (1 << 32)
                        continue
                    pc += k
                    continue
                v = x if code & op.BPF_X else k
                if o == op.BPF_JEQ:
                    cond = a == v
                elif o == op.BPF_JGT:
                    cond = a > v
                elif o == op.BPF_JGE:
                    cond = a >= v
                else:
                    cond = (a & v) != 0
                pc += jt if cond else jf
            else:  # MISC
                if code & 0xF8 == op.BPF_TXA:
                    a = x
                else:
                    x = a
        return 0
    finally:
        if steps is not None:
            steps[0] += executed

