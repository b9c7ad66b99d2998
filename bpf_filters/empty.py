"""Would libpcap refuse this filter as one that "rejects all packets"?

libpcap's optimiser refuses a program it reduces to `ret #0`, and tcpdump
with it. zcap's set tests (lists) can make an empty program visible that
libpcap's one-by-one code hides, so a zcap program that is empty is refused
only if libpcap's one-by-one code, through the optimiser (which decides tests
from earlier ones by libpcap's rule, Optimizer.implies), is empty too.
"""

from __future__ import annotations

from . import opcodes as op
from .ir import Block
from .optimize import Optimizer


def libpcap_proves_empty(root: Block) -> bool:
    """Does the DAG reduce to `ret #0` with libpcap's deductions? (It is consumed.)"""
    out = Optimizer(root).run()
    return out.is_ret and out.code & 0x18 == op.BPF_K and out.k == 0
