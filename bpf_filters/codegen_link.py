"""Code generation for the link layer: "is the network protocol X?" per link type.

libpcap's gen_linktype: every primitive that names a protocol (`ip`, `arp`,
`ether proto N`, `iso`...) asks the link layer first, and each link type
answers in its own way. Values up to 1500 are 802.2 LLC SAPs, not Ethernet
types; a few protocols (IPX, AppleTalk) also travel in 802.3 frames with SNAP
headers or none, and libpcap matches those too.

Mixed into codegen.CodeGen: `self.cmp`, `self.link` and the offsets are its.
"""

from __future__ import annotations

import sys

from . import opcodes as op
from .codegen_base import Frag, and_, const, or_

JGT = op.BPF_JGT

ETHERTYPE_IP, ETHERTYPE_IPV6 = 0x0800, 0x86DD
ETHERTYPE_ATALK, ETHERTYPE_AARP, ETHERTYPE_IPX = 0x809B, 0x80F3, 0x8137
ETHERMTU = 1500
# 802.2 SAPs with a meaning of their own below
LLCSAP_IP, LLCSAP_ISONS, LLCSAP_NETBEUI, LLCSAP_IPX = 0x06, 0xFE, 0xF0, 0xE0
# SAPs libpcap compares together with the SSAP (both bytes the same)
_DOUBLE_SAPS = (LLCSAP_IP, LLCSAP_ISONS, LLCSAP_NETBEUI)
# SNAP: AA AA 03, then the 3-byte OUI and the 2-byte type
SNAP_HDR = 0xAAAA0300
OUI_ENCAP_ETHER, OUI_APPLETALK = 0x000000, 0x080007
_SNAP_OUI = {ETHERTYPE_ATALK: OUI_APPLETALK, ETHERTYPE_AARP: OUI_ENCAP_ETHER}
# Linux cooked (v1) protocol values for frames that carry no Ethernet type
LINUX_SLL_P_802_3, LINUX_SLL_P_802_2 = 0x0001, 0x0004
# PPP protocol numbers for the Ethernet types and SAPs that have one
PPP_PROTO = {ETHERTYPE_IP: 0x0021, ETHERTYPE_IPV6: 0x0057, 0x6003: 0x0027,
             ETHERTYPE_ATALK: 0x0029, 0x0600: 0x0025, LLCSAP_ISONS: 0x0023, 0x42: 0x0031,
             LLCSAP_IPX: 0x002B, 0x8847: 0x0281}
# BSD loopback: the address family. libpcap uses the local values (Linux's) for
# live and dead handles, and for files the AF_INET6 of Darwin, the BSDs, FreeBSD.
AF_INET, AF_INET6 = 2, 10
_LOOPBACK_AF = {ETHERTYPE_IP: AF_INET, ETHERTYPE_IPV6: AF_INET6}
BSD_AF_INET6 = (30, 24, 28)


def _host_order(v: int, swapped: bool = False) -> int:
    """A 32-bit value as a big-endian load sees it when stored in host order,
    or in the other order (swapped: a file written on such a host)."""
    order = sys.byteorder if not swapped else {"little": "big", "big": "little"}[sys.byteorder]
    return int.from_bytes(v.to_bytes(4, order), "big")


class LinkGen:
    """The link-type tests of every link type zcap compiles for."""

    def linktype_test(self, ethertype: int, col: int = 0) -> Frag:
        """Is the network protocol `ethertype`? (libpcap's gen_linktype)"""
        if self.mpls_depth > 0:
            return self.mpls_payload_test(ethertype, col)
        link = self.link
        if link == "ether":
            return self.ether_linktype(ethertype)
        if link == "sll":
            return self.sll_linktype(ethertype)
        if link == "sll2":  # libpcap 1.10 compares the protocol field, SAPs included
            return self.cmp("lt", 0, 2, ethertype)
        if link == "ppp":
            return self.cmp("lt", 0, 2, PPP_PROTO.get(ethertype, ethertype))
        if link in ("null", "loop"):
            af = _LOOPBACK_AF.get(ethertype)
            if af is None:
                return const(False)
            afs = BSD_AF_INET6 if self.savefile and af == AF_INET6 else (af,)
            frag: Frag | None = None
            for v in afs:
                f = self.cmp("lt", 0, 4, _host_order(v, self.swapped) if link == "null" else v)
                frag = f if frag is None else or_(frag, f)
            assert frag is not None
            return frag
        if link == "wlan":
            return and_(self.wlan_is_data(), self.wlan_llc_linktype(ethertype))
        if link == "raw":
            if ethertype == ETHERTYPE_IP:
                return self.cmp("nl", 0, 1, 0x40, mask=0xF0)
            if ethertype == ETHERTYPE_IPV6:
                return self.cmp("nl", 0, 1, 0x60, mask=0xF0)
            return const(False)
        if link == "ipv4":
            return const(ethertype == ETHERTYPE_IP)
        return const(ethertype == ETHERTYPE_IPV6)

    def snap_test(self, rel: str, off: int, oui: int, ethertype: int) -> Frag:
        """An 802.2 SNAP header at `off`: AA AA 03, the OUI, the type (last word first)."""
        tail = self.cmp(rel, off + 4, 4, ((oui & 0xFFFF) << 16) | ethertype)
        return and_(tail, self.cmp(rel, off, 4, SNAP_HDR | (oui >> 16)))

    def ether_linktype(self, et: int) -> Frag:
        """Ethernet II, or 802.3 with LLC (SNAP) where the type field is a length."""
        if et > ETHERMTU and et not in _SNAP_OUI:
            return self.cmp("lt", 0, 2, et)
        is_8023 = self.is_8023()
        # the LLC header is read from the link payload's offset: past `geneve`
        # a cell of its own, which a failed geneve leaves unwritten (so not
        # always the type field's offset + 2), as in libpcap; but a single
        # SAP (`stp`) libpcap reads at the type field's offset + 2
        pl, at = ("nl", 0) if self.geneve_inner else ("lt", 2)
        if et in _SNAP_OUI:
            return or_(self.cmp("lt", 0, 2, et),
                       and_(is_8023, self.snap_test(pl, at, _SNAP_OUI[et], et)))
        if et == LLCSAP_IPX:
            # Ethernet II, SNAP, 802.2 with the IPX SAP, or "raw" 802.3 (FF FF)
            enc = or_(self.snap_test(pl, at, OUI_ENCAP_ETHER, ETHERTYPE_IPX),
                      or_(self.cmp(pl, at, 1, LLCSAP_IPX), self.cmp(pl, at, 2, 0xFFFF)))
            return or_(self.cmp("lt", 0, 2, ETHERTYPE_IPX), and_(is_8023, enc))
        if et in _DOUBLE_SAPS:
            return and_(is_8023, self.cmp(pl, at, 2, (et << 8) | et))
        return and_(is_8023, self.cmp("lt", 2, 1, et))

    def sll_linktype(self, et: int) -> Frag:
        """Linux cooked v1: 802.2 frames have protocol 4 and the LLC header first."""
        if et > ETHERMTU and et not in _SNAP_OUI:
            return self.cmp("lt", 0, 2, et)
        is_llc = self.cmp("lt", 0, 2, LINUX_SLL_P_802_2)
        if et in _SNAP_OUI:
            return or_(self.cmp("lt", 0, 2, et),
                       and_(is_llc, self.snap_test("nl", 0, _SNAP_OUI[et], et)))
        if et == LLCSAP_IPX:
            enc = or_(self.cmp("nl", 0, 1, LLCSAP_IPX),
                      self.snap_test("nl", 0, OUI_ENCAP_ETHER, ETHERTYPE_IPX))
            return or_(self.cmp("lt", 0, 2, ETHERTYPE_IPX),
                       or_(self.cmp("lt", 0, 2, LINUX_SLL_P_802_3), and_(is_llc, enc)))
        if et in _DOUBLE_SAPS:
            return and_(is_llc, self.cmp("nl", 0, 2, (et << 8) | et))
        return and_(is_llc, self.cmp("nl", 0, 1, et))

    def wlan_llc_linktype(self, et: int) -> Frag:
        """802.11 data: the payload always starts with an LLC header."""
        if et in _DOUBLE_SAPS:
            return self.cmp("pl", 0, 2, (et << 8) | et)
        if et <= ETHERMTU:
            return self.cmp("pl", 0, 1, et)
        if et == ETHERTYPE_ATALK:
            return self.snap_test("pl", 0, OUI_APPLETALK, et)
        return self.cmp("lt", 0, 2, et)

    def is_8023(self) -> Frag:
        """Ethernet: the type field is a length, so an 802.2 LLC header follows."""
        return self.cmp("lt", 0, 2, ETHERMTU, jop=JGT, reverse=True)

