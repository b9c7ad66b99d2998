"""Code generation for 802.11 (IEEE802_11) and 802.11 with radiotap (IEEE802_11_RADIO).

The 802.11 header has no fixed length, so, as in libpcap, a prologue at the
start of the program computes where the link payload (the LLC header) starts
and keeps it in a scratch register: 24 bytes, 2 more for QoS data frames, and
with radiotap the radiotap header's length first (little-endian at offset 2),
rounded up to 4 bytes when the radiotap flags say the 802.11 header is padded.
The prologue is there only when the program reads past the 802.11 header;
its loads reject a frame too short for them, as libpcap's do.

Addresses follow the frame's To DS / From DS bits: `wlan src` is addr2, addr3
or addr4 depending on them, and control frames have none of these tests.

Mixed into codegen.CodeGen.
"""

from __future__ import annotations

from . import names
from . import opcodes as op
from .codegen_base import Frag, and_, ld, not_, or_, test
from .errors import FilterError
from .ir import Block, Stmt, topo_order

JEQ, JSET = op.BPF_JEQ, op.BPF_JSET
# frame control, first byte: type bits and the ones tested below
FC0_TYPE, FC0_SUBTYPE, FC0_TYPE_SUBTYPE = 0x0C, 0xF0, 0xFC
FC0_CTL, FC0_DATA, FC0_QOS = 0x04, 0x08, 0x80
CTL_CTS, CTL_ACK = 0xC0, 0xD0
# frame control, second byte
FC1_TODS, FC1_FROMDS, FC1_DIR = 0x01, 0x02, 0x03
# where the addresses are in the 802.11 header
ADDR1, ADDR2, ADDR3, ADDR4 = 4, 10, 16, 24
WLAN_HDR_LEN, QOS_LEN = 24, 2
# radiotap: header length (little-endian) at 2; the first "present" word at 4,
# loaded big-endian: bit 1 of its first byte is FLAGS, bit 0 is TSFT, bit 7 of
# its last byte says another present word follows; FLAGS comes after the
# 8-byte TSFT when there is one; its DATAPAD bit means a padded 802.11 header.
RT_LEN_LO, RT_LEN_HI, RT_PRESENT = 2, 3, 4
RT_PRESENT_FLAGS, RT_PRESENT_TSFT, RT_PRESENT_EXT = 0x02000000, 0x01000000, 0x80
RT_FLAGS_AT, RT_FLAGS_AFTER_TSFT, RT_FLAGS_DATAPAD = 8, 16, 0x20


def _uses_reg(head: Block, reg: int) -> bool:
    """Does any block reachable from head read scratch register reg?"""
    reads = (op.BPF_LD | op.BPF_MEM, op.BPF_LDX | op.BPF_MEM)
    return any(s.code in reads and s.k == reg for b in topo_order(head) for s in b.stmts)


def _goto(stmts: list[Stmt], target: Block) -> Block:
    """Statements, then on to target (a test whose both ways lead there)."""
    return Block(stmts, op.BPF_JMP | JEQ | op.BPF_K, 0, target, target)


class WlanGen:
    """802.11 frame-control tests, addresses and the payload-offset prologue."""

    # ---- the prologue
    def wlan_prologue(self, head: Block) -> Block:
        """head, preceded by the code that fills the run-time offset registers.

        As libpcap, the registers filled are those in use at the end of code
        generation: after `pppoes` or `geneve` the link header and payload
        have moved to other registers, and what the tests before them read is
        never written (libpcap's programs then read 0 there; so do zcap's).
        """
        # (cells never taken are not needed: the code never read them)
        pl, link, rt = self.taken("var_pl"), self.taken("var_link"), self.taken("var_rt")
        need_pl = pl is not None and (self.geneve_inner or _uses_reg(head, pl))
        need_rt = rt is not None and link is not None and (
            need_pl or _uses_reg(head, link) or _uses_reg(head, rt))
        rt_len: list[Stmt] = []
        self.opaque |= need_pl or need_rt
        self.no_optimize |= need_pl
        if need_rt:
            rt_len = [ld(op.BPF_B, op.BPF_ABS, RT_LEN_HI),
                      Stmt(op.BPF_ALU | op.BPF_LSH | op.BPF_K, 8),
                      Stmt(op.BPF_MISC | op.BPF_TAX), ld(op.BPF_B, op.BPF_ABS, RT_LEN_LO),
                      Stmt(op.BPF_ALU | op.BPF_OR | op.BPF_X), Stmt(op.BPF_ST, link),
                      Stmt(op.BPF_MISC | op.BPF_TAX)]
        if not need_pl:
            head.stmts[:0] = rt_len
            return head
        return self._payload_offset(head, rt_len)

    def _payload_offset(self, done: Block, rt_len: list[Stmt]) -> Block:
        """M[var_pl] = where the LLC header starts; then `done`."""
        pl = self.var_pl
        after_qos = done
        if rt_len and self.link == "wlan":  # libpcap: only while the link type is radiotap
            after_qos = self._datapad(done)
        add_qos = _goto([Stmt(op.BPF_LD | op.BPF_MEM, pl),
                         Stmt(op.BPF_ALU | op.BPF_ADD | op.BPF_K, QOS_LEN), Stmt(op.BPF_ST, pl)],
                        after_qos)
        qos = Block([], op.BPF_JMP | JSET | op.BPF_K, FC0_QOS, add_qos, after_qos)
        ctl = Block([], op.BPF_JMP | JSET | op.BPF_K, FC0_CTL, done, qos)
        if rt_len:
            start = list(rt_len)  # X = the radiotap length
        else:
            start = [Stmt(op.BPF_LDX | op.BPF_IMM, 0)]
        start += [Stmt(op.BPF_MISC | op.BPF_TXA), Stmt(op.BPF_ALU | op.BPF_ADD | op.BPF_K,
                                                        WLAN_HDR_LEN),
                  Stmt(op.BPF_ST, pl), ld(op.BPF_B, op.BPF_IND, 0)]
        return Block(start, op.BPF_JMP | JSET | op.BPF_K, FC0_DATA, ctl, done)

    def _datapad(self, done: Block) -> Block:
        """Radiotap data frames: round the payload offset up to 4 if DATAPAD is set."""
        pl = self.var_pl
        align = _goto([Stmt(op.BPF_LD | op.BPF_MEM, pl),
                       Stmt(op.BPF_ALU | op.BPF_ADD | op.BPF_K, 3),
                       Stmt(op.BPF_ALU | op.BPF_AND | op.BPF_K, 0xFFFFFFFC), Stmt(op.BPF_ST, pl)],
                      done)
        flags_tsft = Block([ld(op.BPF_B, op.BPF_ABS, RT_FLAGS_AFTER_TSFT)],
                           op.BPF_JMP | JSET | op.BPF_K, RT_FLAGS_DATAPAD, align, done)
        flags = Block([ld(op.BPF_B, op.BPF_ABS, RT_FLAGS_AT)], op.BPF_JMP | JSET | op.BPF_K,
                      RT_FLAGS_DATAPAD, align, done)
        tsft = Block([], op.BPF_JMP | JSET | op.BPF_K, RT_PRESENT_TSFT, flags_tsft, flags)
        ext = Block([], op.BPF_JMP | JSET | op.BPF_K, RT_PRESENT_EXT, done, tsft)
        return Block([ld(op.BPF_W, op.BPF_ABS, RT_PRESENT)], op.BPF_JMP | JSET | op.BPF_K,
                     RT_PRESENT_FLAGS, ext, done)

    # ---- frame control
    def fc_set(self, byte: int, mask: int) -> Frag:
        """Is any bit of mask set in frame-control byte `byte`?"""
        return test(self.load("link", byte, 1), JSET, mask)

    def fc_eq(self, byte: int, mask: int, value: int) -> Frag:
        return self.cmp("link", byte, 1, value, mask=mask)

    def wlan_is_data(self) -> Frag:
        """A data frame (not control, type bit 3 set): the only ones with a payload."""
        return and_(not_(self.fc_set(0, FC0_CTL)), self.fc_set(0, FC0_DATA))

    def need_wlan(self, what: str, col: int) -> None:
        if self.link != "wlan":
            raise FilterError(f"{what} supported only on 802.11", col)

    def wlan_type(self, tval: int | str, sval: int | str | None, col: int) -> Frag:
        """`type T [subtype S]`."""
        self.need_wlan("802.11 link-layer types", col)
        if isinstance(tval, int):
            if tval & ~FC0_TYPE:
                raise FilterError(f"invalid 802.11 type value 0x{tval:02x}", col)
            t = tval
        else:
            if tval.lower() not in names.WLAN_TYPES:
                raise FilterError(f'unknown 802.11 type name "{tval}"', col)
            t = names.WLAN_TYPES[tval.lower()]
        if sval is None:
            return self.fc_eq(0, FC0_TYPE, t)
        if isinstance(sval, int):
            if sval & ~FC0_SUBTYPE:
                raise FilterError(f"invalid 802.11 subtype value 0x{sval:02x}", col)
            st = sval
        else:
            st_found = names.WLAN_SUBTYPES.get(t, {}).get(sval.lower())
            if st_found is None:
                raise FilterError(f'unknown 802.11 subtype name "{sval}"', col)
            st = st_found
        return self.fc_eq(0, FC0_TYPE_SUBTYPE, t | st)

    def wlan_subtype(self, sval: str, col: int) -> Frag:
        """`subtype NAME`: the name says the type too."""
        self.need_wlan("802.11 link-layer types", col)
        for t, table in names.WLAN_SUBTYPES.items():
            if sval.lower() in table:
                return self.fc_eq(0, FC0_TYPE_SUBTYPE, t | table[sval.lower()])
        raise FilterError("unknown 802.11 type name", col)

    def wlan_dir(self, dval: int | str, col: int) -> Frag:
        """`dir D`: the To DS / From DS bits."""
        if self.link != "wlan":
            raise FilterError("frame direction supported only with 802.11 headers", col)
        if isinstance(dval, str):
            if dval.lower() not in names.WLAN_DIRS:
                raise FilterError("unknown 802.11 direction", col)
            dval = names.WLAN_DIRS[dval.lower()]
        return self.fc_eq(1, FC1_DIR, dval)

    # ---- addresses
    def wlan_mac(self, mac: bytes, off: int) -> Frag:
        """The 6 bytes at off are mac (the last 4 first, as libpcap)."""
        return and_(self.cmp("link", off + 2, 4, int.from_bytes(mac[2:], "big")),
                    self.cmp("link", off, 2, int.from_bytes(mac[:2], "big")))

    def _not_cts_ack(self) -> Frag:
        """Not a CTS or ACK (control frames that carry no addr2)."""
        ctl = self.fc_eq(0, FC0_TYPE, FC0_CTL)
        cts_ack = or_(self.fc_eq(0, FC0_SUBTYPE, CTL_CTS), self.fc_eq(0, FC0_SUBTYPE, CTL_ACK))
        return not_(and_(ctl, cts_ack))

    def _wlan_src(self, atom) -> Frag:
        mgt = and_(not_(self.fc_set(0, FC0_DATA)), atom(ADDR2))
        from_ds = and_(self.fc_set(1, FC1_FROMDS),
                       or_(and_(not_(self.fc_set(1, FC1_TODS)), atom(ADDR3)),
                           and_(self.fc_set(1, FC1_TODS), atom(ADDR4))))
        data = and_(self.fc_set(0, FC0_DATA),
                    or_(and_(not_(self.fc_set(1, FC1_FROMDS)), atom(ADDR2)), from_ds))
        return and_(not_(self.fc_set(0, FC0_CTL)), or_(mgt, data))

    def _wlan_dst(self, atom) -> Frag:
        mgt = and_(not_(self.fc_set(0, FC0_DATA)), atom(ADDR1))
        data = and_(self.fc_set(0, FC0_DATA),
                    or_(and_(not_(self.fc_set(1, FC1_TODS)), atom(ADDR1)),
                        and_(self.fc_set(1, FC1_TODS), atom(ADDR3))))
        return and_(not_(self.fc_set(0, FC0_CTL)), or_(mgt, data))

    def wlan_host(self, mac: bytes, d: str) -> Frag:
        """An 802.11 address in the role d (src, dst, or, and, addr1-4, ra, ta)."""
        def atom(off: int) -> Frag:
            return self.wlan_mac(mac, off)

        if d == "src":
            return self._wlan_src(atom)
        if d == "dst":
            return self._wlan_dst(atom)
        if d == "or":
            return or_(self._wlan_src(atom), self._wlan_dst(atom))
        if d == "and":
            return and_(self._wlan_src(atom), self._wlan_dst(atom))
        if d == "addr1":
            return atom(ADDR1)
        if d == "addr2":
            return and_(self._not_cts_ack(), atom(ADDR2))
        if d == "addr3":
            return and_(not_(self.fc_eq(0, FC0_TYPE, FC0_CTL)), atom(ADDR3))
        if d == "addr4":
            return and_(self.fc_eq(1, FC1_DIR, FC1_DIR), atom(ADDR4))
        if d == "ra":
            return and_(self.fc_set(0, FC0_DATA), atom(ADDR1))
        if d == "ta":
            return and_(self.fc_set(0, FC0_DATA), and_(self._not_cts_ack(), atom(ADDR2)))
        raise FilterError(f"internal error: 802.11 address role {d}")

    def wlan_multicast(self) -> Frag:
        """The group bit of the destination address."""
        return self._wlan_dst(lambda off: self.fc_set(off, 0x01))
