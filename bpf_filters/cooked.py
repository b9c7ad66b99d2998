"""LINUX_DGRAM: rewrite a LINUX_SLL2 program for a SOCK_DGRAM socket on `any`.

Such a socket's filter sees the packet from the network header on; the fields
of the SLL2 header exist only as ancillary data (as libpcap's fix_offset does
for its cooked sockets). A load of any other SLL2 byte cannot be expressed.
"""

from __future__ import annotations

from collections.abc import Sequence

from . import opcodes as op
from .errors import FilterError
from .opcodes import Insn

SLL2_HDR_LEN = 20
# SLL2 header offset -> the ancillary field that carries it
_ANCILLARY = {0: op.SKF_AD_PROTOCOL, 4: op.SKF_AD_IFINDEX, 10: op.SKF_AD_PKTTYPE}


def to_dgram(insns: Sequence[Insn]) -> list[Insn]:
    """The same program with link-header loads moved to the cooked socket's view."""
    out = []
    for ins in insns:
        cls, mode = op.bpf_class(ins.code), op.bpf_mode(ins.code)
        if cls in (op.BPF_LD, op.BPF_LDX) and mode in (op.BPF_ABS, op.BPF_IND, op.BPF_MSH):
            if mode == op.BPF_ABS and op.anc_field(ins.k) is not None:
                out.append(ins)
                continue
            if ins.k >= SLL2_HDR_LEN:
                out.append(ins._replace(k=ins.k - SLL2_HDR_LEN))
                continue
            if mode == op.BPF_ABS and ins.k in _ANCILLARY:
                out.append(ins._replace(k=op.anc_offset(_ANCILLARY[ins.k])))
                continue
            raise FilterError("this filter reads link-layer header bytes that a cooked "
                              "(-i any) socket does not have")
        out.append(ins)
    return out
