"""zcap's XDP program, assembled here: run the filter, stamp the frame, redirect.

::

    filter (translated classic BPF)  --reject-->  return XDP_PASS  (the stack gets it)
        | accept, r7 = bytes to keep
    r8 = kernel clock
    bpf_xdp_adjust_meta(ctx, -16)    then  meta = {ts, keep, magic}  (if it fit)
    return bpf_redirect_map(xsks, ctx->rx_queue_index, XDP_PASS)

The low bits of redirect_map's flags are the action when the queue has no
socket in the map, so a queue zcap does not capture keeps flowing to the stack.
"""

from __future__ import annotations

from collections.abc import Sequence

from . import isa
from .cbpf import Instruction, translate
from .isa import (
    BPF_ADD,
    BPF_DW,
    BPF_JGT,
    BPF_JNE,
    BPF_W,
    R0,
    R1,
    R2,
    R3,
    R6,
    R7,
    R8,
    XDP_MD_DATA,
    XDP_MD_DATA_META,
    XDP_MD_RX_QUEUE_INDEX,
    XDP_PASS,
    XDP_TX,
    Assembler,
)

META_SIZE = 16               # struct zc_xdp_meta in csrc/xdp.h
META_MAGIC = 0x7A636170      # ZC_XDP_META_MAGIC
KEEP_ALL = 0xFFFFFFFF


def capture_program(xsk_map_fd: int, program: Sequence[Instruction] | None,
                    clock_helper: int = isa.BPF_FUNC_ktime_get_tai_ns) -> list[isa.Insn]:
    """The capture program for an XSKMAP; ``program`` None captures everything."""
    asm = Assembler()
    asm.emit(isa.mov64(R6, src=R1))
    if program:
        translate(asm, program, accept="accept", reject="pass")
    else:
        asm.emit(isa.mov32(R7, imm=KEEP_ALL))
    asm.label("accept")
    asm.emit(isa.call(clock_helper),
             isa.mov64(R8, src=R0),
             isa.mov64(R1, src=R6),
             isa.mov64(R2, imm=-META_SIZE),
             isa.call(isa.BPF_FUNC_xdp_adjust_meta),
             isa.jmp(BPF_JNE, R0, "redirect", imm=0),
             isa.ldx(BPF_W, R2, R6, XDP_MD_DATA_META),
             isa.ldx(BPF_W, R3, R6, XDP_MD_DATA),
             isa.mov64(R1, src=R2),
             isa.alu64(BPF_ADD, R1, imm=META_SIZE),
             isa.jmp(BPF_JGT, R1, "redirect", src=R3),
             isa.stx(BPF_DW, R2, R8, 0),
             isa.stx(BPF_W, R2, R7, 8),
             isa.st(BPF_W, R2, 12, META_MAGIC))
    asm.label("redirect")
    asm.emit(isa.ld_map_fd(R1, xsk_map_fd),
             isa.ldx(BPF_W, R2, R6, XDP_MD_RX_QUEUE_INDEX),
             isa.mov64(R3, imm=XDP_PASS),
             isa.call(isa.BPF_FUNC_redirect_map),
             isa.exit_())
    if program:                       # the verifier refuses unreachable code
        asm.label("pass")
        asm.emit(isa.mov64(R0, imm=XDP_PASS), isa.exit_())
    return asm.assemble()


def verdict_program(program: Sequence[Instruction]) -> list[isa.Insn]:
    """The filter alone, for BPF_PROG_TEST_RUN: XDP_PASS when it rejects; XDP_TX
    when it accepts, with the bytes-to-keep value written over the first four
    bytes of the frame (little-endian), so a test can read both back."""
    asm = Assembler()
    asm.emit(isa.mov64(R6, src=R1))
    translate(asm, program, accept="accept", reject="pass")
    asm.label("accept")
    asm.emit(isa.ldx(BPF_W, R2, R6, XDP_MD_DATA),
             isa.ldx(BPF_W, R3, R6, isa.XDP_MD_DATA_END),
             isa.mov64(R1, src=R2),
             isa.alu64(BPF_ADD, R1, imm=4),
             isa.jmp(BPF_JGT, R1, "tx", src=R3),
             isa.stx(BPF_W, R2, R7, 0))
    asm.label("tx")
    asm.emit(isa.mov64(R0, imm=XDP_TX), isa.exit_())
    asm.label("pass")
    asm.emit(isa.mov64(R0, imm=XDP_PASS), isa.exit_())
    return asm.assemble()

