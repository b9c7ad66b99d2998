"""Ethernet frames carrying a switch chip's tag (link types DSA_TAG_DSA,
DSA_TAG_EDSA, DSA_TAG_BRCM and DSA_TAG_BRCM_PREPEND): Marvell's DSA and EDSA
tags and Broadcom's, as tcpdump prints them before the frame's payload
(more of their fields with -e)."""

from __future__ import annotations

from zcap.printing.context import Ctx
from zcap.printing.dispatch import ETHERTYPES
from zcap.printing.l2common import trunc
from zcap.printing.link import ethernet

DSA_LEN, EDSA_LEN, BRCM_LEN = 4, 8, 4
TO_CPU, FROM_CPU, TO_SNIFFER, FORWARD = range(4)
MODES = {TO_CPU: "To CPU", FROM_CPU: "From CPU", TO_SNIFFER: "To Sniffer", FORWARD: "Forward"}
CODES = {0: "BPDU (MGMT) Trap", 1: "Frame2Reg", 2: "IGMP/MLD Trap", 3: "Policy Trap",
         4: "ARP Mirror", 5: "Policy Mirror"}
BRCM_TE = {0: "None", 1: "Untag", 2: "Header", 3: "Reserved"}
BRCM_RC = {1: "mirror", 2: "MAC learning", 4: "switching", 8: "prot term", 16: "prot snoop",
           32: "exception"}


def _dsa_fields(ctx: Ctx, t: bytes) -> str:
    """The four bytes DSA and EDSA share."""
    mode, dev, port = t[0] >> 6, t[0] & 0x1F, t[1] >> 3
    trunk = t[1] & 0x04            # the same bit says which way a sniffed frame went
    tagged, cfi, pri = t[0] & 0x20, t[1] & 0x01, t[2] >> 5
    vid = (t[2] & 0x0F) << 8 | t[3]
    if ctx.opts.link_header:
        text = f"mode {MODES[mode]}, "
        if mode == FORWARD:
            text += f"dev {dev}, {'trunk' if trunk else 'port'} {port}, "
        elif mode == FROM_CPU:
            text += f"target dev {dev}, port {port}, "
        elif mode == TO_CPU:
            code = ((t[1] & 0x06) >> 1) << 1 | (t[2] & 0x10) >> 4
            text += f"source dev {dev}, port {port}, code {CODES.get(code, 'reserved')}, "
        else:
            text += f"source dev {dev}, port {port}, {'ingress' if trunk else 'egress'} sniff, "
        return (text + f"{'tagged' if tagged else 'untagged'}, " + ("CFI, " if cfi else "")
                + f"VID {vid}, FPri {pri}, ")
    where = {FORWARD: f"Forward {'trunk' if trunk else 'port'} {dev}.{port}, ",
             FROM_CPU: f"CPU > port {dev}.{port}, ", TO_CPU: f"port {dev}.{port} > CPU, ",
             TO_SNIFFER: f"port {dev}.{port} > {'Rx' if trunk else 'Tx'} Sniffer, "}[mode]
    return where + f"VLAN {vid}{'t' if tagged else 'u'}, "


def _dsa(ctx: Ctx, t: bytes) -> str:
    return ("Marvell DSA " if ctx.opts.link_header else "DSA ") + _dsa_fields(ctx, t)


def _edsa(ctx: Ctx, t: bytes) -> str:
    etype = t[0] << 8 | t[1]
    if ctx.opts.link_header:
        text = (f"Marvell EDSA ethertype 0x{etype:04x} ({ETHERTYPES.get(etype, 'Unknown')}), "
                f"rsvd {t[2]} {t[3]}, ")
    else:
        text = f"EDSA 0x{etype:04x}, "
    return text + _dsa_fields(ctx, t[4:])


def _brcm(ctx: Ctx, t: bytes) -> str:
    text = f"BRCM tag OP: {'IG' if t[0] else 'EG'}"
    if t[0] & 0x20:                 # an ingress tag
        text += (f", TC: {t[1] >> 2 & 0x7}, TE: {BRCM_TE[t[1] & 0x3]}, TS: {t[1] >> 7}, "
                 f"DST map: 0x{(t[2] << 8 | t[3]) & 0x1FF:04x}")
    else:
        text += (f", CID: {t[1]}, RC: {BRCM_RC.get(t[2], 'reserved')}, TC: {t[3] >> 5 & 0x7}, "
                 f"port: {t[3] & 0x1F}")
    return text + ", "


def dsa(ctx: Ctx, frame: bytes, wire: int) -> tuple[str, int]:
    """DSA_TAG_DSA: a 4-byte Marvell tag after the addresses."""
    return ethernet(ctx, frame, wire, (_dsa, DSA_LEN, "dsa"))


def edsa(ctx: Ctx, frame: bytes, wire: int) -> tuple[str, int]:
    """DSA_TAG_EDSA: an 8-byte Marvell tag with its own ethertype."""
    return ethernet(ctx, frame, wire, (_edsa, EDSA_LEN, "edsa"))


def brcm(ctx: Ctx, frame: bytes, wire: int) -> tuple[str, int]:
    """DSA_TAG_BRCM: a 4-byte Broadcom tag after the addresses."""
    return ethernet(ctx, frame, wire, (_brcm, BRCM_LEN, "brcm-tag"))


def brcm_prepend(ctx: Ctx, frame: bytes, wire: int) -> tuple[str, int]:
    """DSA_TAG_BRCM_PREPEND: the Broadcom tag before the whole frame (shown
    only with -e)."""
    if len(frame) < BRCM_LEN:
        return trunc("brcm-tag-prepend"), len(frame)
    head = _brcm(ctx, frame) if ctx.opts.link_header else ""
    text, off = ethernet(ctx, frame[BRCM_LEN:], wire - BRCM_LEN)
    return head + text, off + BRCM_LEN
