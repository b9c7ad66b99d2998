"""Would libpcap refuse this filter as one that "rejects all packets"?

libpcap's optimiser refuses a program it reduces to `ret #0`, and tcpdump
with it. zcap's optimiser proves more than libpcap's (it reasons about ranges:
a frame whose type field is a length, <= 1500, is not IPv4), so a zcap
program that is empty is refused only if it is still empty when tests are
decided the way libpcap's optimiser decides them (its fold_edge): an earlier
identical test on the same value, or an earlier `A == k` against `A == k'`.
"""

from __future__ import annotations

from . import opcodes as op
from .ir import Block
from .optimize import Optimizer


class _LibpcapStrength(Optimizer):
    """The optimiser with libpcap's rule for deciding a test from earlier ones."""

    @staticmethod
    def implies(fo: int, fk: int, outcome: bool, o: int, k: int) -> bool | None:
        # only `A == fk` known true decides `A == k` (false: the k differ)
        if outcome and fo == op.BPF_JEQ and o == op.BPF_JEQ:
            return False
        return None


def libpcap_proves_empty(root: Block) -> bool:
    """Does the DAG reduce to `ret #0` with libpcap's deductions? (It is consumed.)"""
    out = _LibpcapStrength(root).run()
    return out.is_ret and out.code & 0x18 == op.BPF_K and out.k == 0
