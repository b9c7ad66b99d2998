"""Code generation for 802.2 LLC frames and the ISO protocols they carry.

`llc` is any LLC frame (on Ethernet: the type field is a length and the frame
is not Novell's "raw" 802.3, which starts FF FF; on 802.11: any data frame);
`llc i|s|u|rr|...` tests its control byte. `iso` is the ISO SAP (FE FE);
`clnp`, `esis`, `isis` are its network layer protocol IDs, read right after
the 3-byte LLC header (libpcap's "nosnap" offset, which on the link types
without an LLC header, and on Linux cooked captures, is the network header);
`l1`, `l2`, `iih`, `lsp`, `snp`, `csnp`, `psnp` are IS-IS PDU types, 4 bytes
further on.

Mixed into codegen.CodeGen.
"""

from __future__ import annotations

from . import names
from . import opcodes as op
from .codegen_base import Frag, and_, not_, or_, test
from .errors import FilterError

JSET = op.BPF_JSET
LLCSAP_ISONS = 0xFE
# ISO network layer protocol IDs
ISO_NLPID = {"clnp": 0x81, "esis": 0x82, "isis": 0x83}
# IS-IS PDU types of each abbreviation, in the order libpcap tests them
ISIS_PDUS = {
    "l1": (0x1A, 0x18, 0x12, 0x0F, 0x11), "l2": (0x1B, 0x19, 0x14, 0x10, 0x11),
    "iih": (0x11, 0x0F, 0x10), "lsp": (0x12, 0x14), "snp": (0x1B, 0x1A, 0x18, 0x19),
    "csnp": (0x18, 0x19), "psnp": (0x1A, 0x1B),
}
ISIS_PDU_TYPE_OFF = 4  # from the NLPID


class LlcGen:
    """`llc`, `iso`, `clnp`, `esis`, `isis` and the IS-IS PDU types."""

    def llc(self, kind: str | None, col: int) -> Frag:
        """`llc [TYPE]`."""
        if self.link == "ether":
            pl, at = self.llc_start()
            is_llc = and_(self.is_8023(), not_(self.cmp(pl, at, 2, 0xFFFF)))
            ctrl_rel, ctrl_off = pl, at + 2
        elif self.link == "wlan":
            is_llc = self.wlan_is_data()
            ctrl_rel, ctrl_off = "pl", 2
        else:
            raise FilterError(f"'llc' not supported for {self.link_desc}", col)
        if kind is None:
            return is_llc
        kind = kind.lower()
        if kind == "i":  # information frames: low bit clear
            ctrl = not_(test(self.load(ctrl_rel, ctrl_off, 1), JSET, 0x01))
        elif kind in ("s", "u"):
            ctrl = self.cmp(ctrl_rel, ctrl_off, 1, 0x01 if kind == "s" else 0x03, mask=0x03)
        elif kind in names.LLC_S_FRAMES:
            ctrl = self.cmp(ctrl_rel, ctrl_off, 1, names.LLC_S_FRAMES[kind], mask=0x0F)
        elif kind in names.LLC_U_FRAMES:
            ctrl = self.cmp(ctrl_rel, ctrl_off, 1, names.LLC_U_FRAMES[kind], mask=0xEF)
        else:
            raise FilterError(f'unknown LLC type name "{kind}"', col)
        return and_(is_llc, ctrl)

    def iso_nosnap(self) -> tuple[str, int]:
        """Where the ISO network layer starts: after the LLC header where there is one."""
        if self.link == "ether":
            return "nl", 3
        if self.link == "wlan":
            return "pl", 3
        return "nl", 0

    def iso_proto(self, nlpid: int, col: int) -> Frag:
        """`iso proto N`."""
        rel, off = self.iso_nosnap()
        return and_(self.linktype_test(LLCSAP_ISONS, col), self.cmp(rel, off, 1, nlpid))

    def isis_proto(self, pdu: int, col: int) -> Frag:
        """`isis proto N`: an IS-IS PDU of type N."""
        rel, off = self.iso_nosnap()
        return and_(self.iso_proto(ISO_NLPID["isis"], col),
                    self.cmp(rel, off + ISIS_PDU_TYPE_OFF, 1, pdu))

    def iso_abbrev(self, proto: str, col: int) -> Frag:
        """`clnp`, `esis`, `isis`, `l1`, `lsp`...: the ISO protocols by name."""
        if proto in ISO_NLPID:
            return self.iso_proto(ISO_NLPID[proto], col)
        frag: Frag | None = None
        for pdu in ISIS_PDUS[proto]:
            f = self.isis_proto(pdu, col)
            frag = f if frag is None else or_(frag, f)
        assert frag is not None
        return frag

    def iso_proto_num(self, v: int, proto: str, col: int) -> Frag:
        """`iso proto N`, `isis proto N`, and libpcap's refusals of the others."""
        if proto == "iso":
            return self.iso_proto(v, col)
        if proto == "isis":
            return self.isis_proto(v, col)
        if proto == "clnp":
            raise FilterError("'clnp proto' is not supported", col)
        raise FilterError(f"'{proto} proto' is bogus", col)


ISO_PROTOS = tuple(ISO_NLPID) + tuple(ISIS_PDUS)
