"""ISAKMP/IKE (UDP 500, and behind NAT traversal's zero marker on 4500): the
header line tcpdump prints, IKEv1 and IKEv2.

IKEv1 says which end sent a message only through tcpdump's memory of
initiator cookies: the first message of an exchange (responder cookie zero)
records its cookie with the initiator's and responder's addresses, and a
later message with that cookie is `I` or `R` by its source address. The
table holds 20 cookies, reused round-robin, as tcpdump's does. The payloads
that tcpdump adds with -v are not decoded here (the header part of the -v
line is).
"""

from __future__ import annotations

import struct

from zcap.printing.context import Ctx

# i_ck, r_ck, next payload, version, exchange type, flags, message id, length
HEADER = struct.Struct("!8s8sBBBBII")
COOKIE_SLOTS = 20

EXCHANGES = {0: "none", 1: "base", 2: "ident", 3: "auth", 4: "agg", 5: "inf",
             32: "oakley-quick", 33: "oakley-newgroup",
             34: "ikev2_init", 35: "ikev2_auth", 36: "child_sa", 37: "inf2"}
# next-payload names, as the `[encrypted sa]` of an encrypted message uses them
PAYLOADS = ("none sa p t ke id cert cr hash sig nonce n d vid".split()
            + [f"pay{n}" for n in range(14, 33)]
            + "v2sa v2ke v2IDi v2IDr v2cert v2cr v2auth v2nonce v2n v2d v2vid v2TSi v2TSr "
              "v2e v2cp v2eap".split())
V1_FLAGS = ((0x01, "E"), (0x02, "C"))
V2_FLAGS = ((0x08, "I"), (0x10, "V"), (0x20, "R"))


class _Cookies:
    """tcpdump's initiator table: cookie -> (initiator address, responder address)."""

    def __init__(self) -> None:
        # an empty slot holds a zero cookie with no addresses, as tcpdump's
        # zeroed table does: a zero initiator cookie finds it and is then `?`
        self.slots: list[tuple[bytes, bytes, bytes]] = [(bytes(8), b"", b"")] * COOKIE_SLOTS
        self.next = 0

    def find(self, ck: bytes) -> int:
        for i, slot in enumerate(self.slots):
            if slot[0] == ck:
                return i
        return -1

    def record(self, ck: bytes, src: bytes, dst: bytes) -> None:
        self.slots[self.next] = (ck, src, dst)
        self.next = (self.next + 1) % COOKIE_SLOTS


def _side(ctx: Ctx, i_ck: bytes, r_ck: bytes) -> str:
    """` I`, ` R` or ` ?` for an IKEv1 message, recording a first message."""
    cookies = ctx.memo.setdefault("isakmp", _Cookies())
    ip = ctx.ip
    i = cookies.find(i_ck)
    if i < 0:
        if r_ck != bytes(8):
            return " ?"
        if ip is not None:
            cookies.record(i_ck, ip.src, ip.dst)
        return " I"
    _, init, resp = cookies.slots[i]
    if ip is not None and len(ip.src) == len(init):
        if ip.src == init:
            return " I"
        if ip.src == resp:
            return " R"
    return " ?"


def _flags(flags: int, names: tuple) -> str:
    return "[" + "".join(n for bit, n in names if flags & bit) + "]" if flags else ""


def isakmp_text(ctx: Ctx, b: bytes, length: int) -> str:
    """tcpdump's ``isakmp: phase 1 I ident`` (with -v ``isakmp 1.0 msgid ...``)."""
    if len(b) < HEADER.size:
        return " [|isakmp]"   # a checked bound, not a cut-off read: -x dumps as usual
    i_ck, r_ck, np, vers, etype, flags, msgid, hlen = HEADER.unpack_from(b)
    major, minor = vers >> 4, vers & 0x0F
    verbose = ctx.opts.verbose
    out = ["isakmp"]
    if verbose:
        out.append(f" {major}.{minor} msgid {msgid:08x}")
    if verbose > 1:
        out.append(f" cookie {i_ck.hex()}->{r_ck.hex()}")
    out.append(":")
    exchange = EXCHANGES.get(etype, f"#{etype}")
    if major == 1:
        out.append(" phase 1" if msgid == 0 else " phase 2/others")
        out.append(_side(ctx, i_ck, r_ck))
        out.append(f" {exchange}{_flags(flags, V1_FLAGS)}")
    elif major == 2:
        out.append(" parent_sa" if msgid == 0 else " child_sa ")
        out.append(f" {exchange}{_flags(flags, V2_FLAGS)}")
    else:
        return "".join(out)
    if verbose:
        out.append(":")
        if flags & 0x01:
            out.append(f" [encrypted {PAYLOADS[np] if np < len(PAYLOADS) else f'#{np}'}]")
        if major == 1 and hlen != length:
            out.append(f" (len mismatch: isakmp {hlen}/ip {length})")
    return "".join(out)


def isakmp_print(ctx: Ctx, b: bytes, length: int, sport: int, dport: int) -> str:
    """UDP 500 (and tcpdump's 7500, 8500)."""
    return isakmp_text(ctx, b, length)
