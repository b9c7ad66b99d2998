"""Code generation for the encapsulations that move the headers after them:
PPPoE and Geneve.

As with `vlan` and `mpls`, what follows such a primitive in the expression
(left to right, whatever the and/or/not around it) reads the encapsulated
packet: after `pppoes` a PPP frame (PPP protocol numbers, 8 bytes further on);
after `geneve` the inner frame, whose start is known only at run time, so it
is kept in scratch registers as libpcap does.

Mixed into codegen.CodeGen.
"""

from __future__ import annotations

from . import opcodes as op
from .codegen_base import Frag, and_, ld, not_, or_, test
from .errors import FilterError
from .ir import Block, Stmt

JEQ = op.BPF_JEQ
ETHERTYPE_PPPOED, ETHERTYPE_PPPOES = 0x8863, 0x8864
PPPOE_HDR_LEN = 6  # version/type, code, session ID, length; the PPP protocol follows
GENEVE_PORT = 6081
UDP_HDR_LEN = 8
ETHERTYPE_TEB = 0x6558  # transparent Ethernet bridging: an Ethernet frame inside
ETHER_HDR_LEN, ETHER_TYPE_OFF = 14, 12


def _alu(code: int, k: int = 0) -> Stmt:
    return Stmt(op.BPF_ALU | code | op.BPF_K, k & 0xFFFFFFFF)


def _always(stmts: list[Stmt]) -> Frag:
    """A step that always goes on (its statements run, then the next test)."""
    b = Block(stmts, op.BPF_JMP | JEQ | op.BPF_K, 0)
    return Frag(b, [(b, True), (b, False)], [])


class TunnelGen:
    """`pppoed`, `pppoes [ID]`, `geneve [VNI]`."""

    def pppoed(self, col: int) -> Frag:
        return self.linktype_test(ETHERTYPE_PPPOED, col)

    def pppoes(self, sid: int | None, col: int) -> Frag:
        """A PPPoE session frame; from here on the link layer is PPP."""
        if sid is not None and sid > 0xFFFF:
            raise FilterError(f"PPPoE session number {sid} greater than maximum 65535", col)
        b = self.linktype_test(ETHERTYPE_PPPOES, col)
        if sid is not None:
            b = and_(b, self.cmp("nl", 0, 4, sid, mask=0xFFFF))
        self.off_lt = self.nl + PPPOE_HDR_LEN
        self.var_lt = self.var_nl
        # `link[...]` now reads the PPP header (from its protocol field on)
        self.var_link, self.off_link = self.var_nl, self.nl + PPPOE_HDR_LEN
        self.nl += PPPOE_HDR_LEN + 2
        self.link, self.link_desc = "ppp", "PPP"
        return b

    def geneve(self, vni: int | None, col: int) -> Frag:
        """UDP to port 6081 with a version 0 Geneve header (and VNI); then the inner frame."""
        if vni is not None and vni > 0xFFFFFF:
            raise FilterError(f"Geneve VNI {vni} greater than maximum 16777215", col)
        self.opaque = self.no_optimize = True

        def header(rel: str) -> Frag:
            f = self.cmp(rel, UDP_HDR_LEN, 1, 0, mask=0xC0)
            if vni is not None:
                f = and_(f, self.cmp(rel, UDP_HDR_LEN + 4, 4, vni << 8, mask=0xFFFFFF00))
            return f

        # each way leaves in A where the UDP header starts, from the network header
        v4 = and_(self.linktype_test(0x0800, col), self.cmp("nl", 9, 1, 17))
        v4 = and_(v4, and_(self.ipfrag_first(), self.cmp("tran4", 2, 2, GENEVE_PORT)))
        v4 = and_(v4, header("tran4"))
        v4 = and_(v4, test(self.ip_hdrlen() + [Stmt(op.BPF_MISC | op.BPF_TXA)], JEQ, 0,
                           src=op.BPF_X))
        v6 = and_(self.linktype_test(0x86DD, col), self.cmp("nl", 6, 1, 17))
        v6 = and_(v6, and_(self.cmp("tran6", 2, 2, GENEVE_PORT), header("tran6")))
        if self.var_nl is None:
            at40 = [Stmt(op.BPF_LD | op.BPF_IMM, 40)]
        else:
            at40 = [Stmt(op.BPF_LD | op.BPF_MEM, self.var_nl), _alu(op.BPF_ADD, 40)]
        v6 = and_(v6, test(at40 + [Stmt(op.BPF_MISC | op.BPF_TAX)], JEQ, 0, src=op.BPF_X))
        found = or_(v4, v6)
        return and_(found, self._geneve_offsets(col))

    def _geneve_offsets(self, col: int) -> Frag:
        """With A = the UDP header's offset from the network header: where the
        inner frame, its type field and its network header start."""
        r_lt, r_link, r_nl = self.reserve(col), self.reserve(col), self.reserve(col)
        start = [_alu(op.BPF_ADD, self.nl + UDP_HDR_LEN), Stmt(op.BPF_MISC | op.BPF_TAX),
                 _alu(op.BPF_ADD, 2), Stmt(op.BPF_ST, r_lt),
                 # the inner frame starts after 8 bytes and the options (4-byte words)
                 ld(op.BPF_B, op.BPF_IND, 0), _alu(op.BPF_AND, 0x3F), _alu(op.BPF_MUL, 4),
                 _alu(op.BPF_ADD, UDP_HDR_LEN), Stmt(op.BPF_ALU | op.BPF_ADD | op.BPF_X),
                 Stmt(op.BPF_ST, r_link), ld(op.BPF_H, op.BPF_IND, 2),
                 Stmt(op.BPF_LDX | op.BPF_MEM, r_link)]
        # An always-true test that reads both offsets: without it, when nothing
        # after `geneve` reads them, the optimiser would drop their loads, which
        # reject a frame cut short as libpcap's program does.
        finish = test([Stmt(op.BPF_STX, r_nl), Stmt(op.BPF_LD | op.BPF_MEM, r_link),
                       Stmt(op.BPF_ALU | op.BPF_ADD | op.BPF_X)], op.BPF_JGE, 0)
        teb = _always([Stmt(op.BPF_MISC | op.BPF_TXA), _alu(op.BPF_ADD, ETHER_TYPE_OFF),
                       Stmt(op.BPF_ST, r_lt), _alu(op.BPF_ADD, 2),
                       Stmt(op.BPF_MISC | op.BPF_TAX)])
        is_teb = Block(start, op.BPF_JMP | JEQ | op.BPF_K, ETHERTYPE_TEB, teb.head, finish.head)
        for b, which in teb.t:
            if which:
                b.jt = finish.head
            else:
                b.jf = finish.head
        self.link, self.link_desc = "ether", "Ethernet"
        self.var_lt, self.off_lt = r_lt, 0
        self.var_link, self.off_link = r_link, 0
        self.var_nl, self.nl = r_nl, 0
        if self.var_pl is not None:  # 802.11: the payload is now the inner frame's
            self.var_pl = r_nl
        self.geneve_inner = True
        return Frag(is_teb, finish.t, finish.f)

    def inner_ether_check(self) -> Frag:
        """After `geneve`: is there an inner Ethernet header at all (TEB)?"""
        same = test([Stmt(op.BPF_LD | op.BPF_MEM, self.var_link),
                     Stmt(op.BPF_LDX | op.BPF_MEM, self.var_nl)], JEQ, 0, src=op.BPF_X)
        return not_(same)
