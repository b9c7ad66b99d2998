"""PTP (IEEE 1588), over Ethernet (0x88F7) and UDP 319/320: tcpdump's one
long line of the common header and the message's own fields.

tcpdump reads the version from the whole second byte and the domain and
log-interval as halves of 16-bit words; the offsets below follow it.
"""

from __future__ import annotations

from zcap.printing.context import Ctx

HDR_LEN = 34
MESSAGES = {0x0: "sync msg", 0x1: "delay req msg", 0x2: "peer delay req msg",
            0x3: "peer delay resp msg", 0x8: "follow up msg", 0x9: "delay resp msg",
            0xA: "pdelay resp fup msg", 0xB: "announce msg", 0xC: "signalling msg",
            0xD: "management msg"}
CONTROLS = {0: "Sync", 1: "Delay_Req", 2: "Follow_Up", 3: "Delay_Resp", 4: "Management",
            5: "Other"}
FLAGS = ((0x1, "l1 61"), (0x2, "l1 59"), (0x4, "utc reasonable"), (0x8, "timescale"),
         (0x10, "time tracable"), (0x20, "frequency tracable"), (0x100, "alternate master"),
         (0x200, "two step"), (0x400, "unicast"), (0x1000, "profile specific 1"),
         (0x2000, "profile specific 2"), (0x4000, "security mask"), (0x18C0, "unknown"))
ORIGIN, PRECISE, RECEIVE = "originTimeStamp", "preciseOriginTimeStamp", "receiveTimeStamp"
# message type -> (what follows the header, the timestamp's name)
BODIES = {0x0: ("ts", ORIGIN), 0x1: ("ts", ORIGIN), 0x2: ("ts_id", PRECISE),
          0x3: ("ts_id", RECEIVE), 0x8: ("ts", PRECISE), 0x9: ("ts_id", RECEIVE),
          0xA: ("ts_id", PRECISE), 0xB: ("announce", ORIGIN), 0xC: ("port", ""),
          0xD: ("mgmt", "")}


class _Cut(Exception):
    """The capture ends inside a field tcpdump reads."""


class _Reader:
    def __init__(self, b: bytes, off: int) -> None:
        self.b, self.off = b, off

    def take(self, n: int) -> int:
        if self.off + n > len(self.b):
            raise _Cut
        v = int.from_bytes(self.b[self.off:self.off + n], "big")
        self.off += n
        return v


def _flags(v: int) -> str:
    names = [n for bit, n in FLAGS if v & bit == bit]
    return ", ".join(names) if names else "none"


def _timestamp(r: _Reader, out: list[str], name: str, comma: str = ",") -> None:
    out.append(f", {name} :")
    out.append(f" {r.take(6)} seconds{comma}")
    out.append(f" {r.take(4)} nanoseconds")


def _port(r: _Reader, out: list[str]) -> None:
    out.append(f", port identity : 0x{r.take(8):x}")
    out.append(f", port id : {r.take(2)}")


def _body(r: _Reader, out: list[str], kind: str, name: str) -> None:
    if kind in ("ts", "ts_id"):
        _timestamp(r, out, name)
        if kind == "ts_id":
            _port(r, out)
    elif kind == "announce":
        _timestamp(r, out, name, comma="")
        for label, n in (("origin cur utc :", 2), ("rsvd : ", 1), ("gm priority_1 : ", 1),
                         ("gm clock class : ", 1), ("gm clock accuracy : ", 1),
                         ("gm clock variance : ", 2), ("gm priority_2 : ", 1)):
            out.append(f", {label}{r.take(n)}")
        out.append(f", gm clock id : 0x{r.take(8):x}")
        out.append(f", steps removed : {r.take(2)}")
        out.append(f", time source : 0x{r.take(1):x}")
    elif kind == "port":
        _port(r, out)
    elif kind == "mgmt":
        _port(_Reader(r.b, HDR_LEN), out)
        # tcpdump reads these four from the same spot, the message's first
        # byte, and labels them with a doubled comma; copied as printed
        if len(r.b) <= HDR_LEN:
            raise _Cut
        v = r.b[HDR_LEN]
        for label, hexed in (("start boundary hops ", False), ("boundary hops ", False),
                             ("flags ", True), ("reserved ", True)):
            out.append(f", , {label} {f'0x{v:x}' if hexed else v}")


def ptp_text(ctx: Ctx, b: bytes, length: int) -> str:
    """A PTP message, from its first byte."""
    if length < HDR_LEN:
        return f" [length {length} < {HDR_LEN}] (invalid)"
    if len(b) < 2:
        return ctx.cut("ptp")
    version = b[1]
    out = [f"PTPv{version}"]
    if version == 1:
        return out[0] + " (not implemented)"
    if version != 2:
        return out[0]
    try:
        r = _Reader(b, 0)
        first = r.take(1)
        kind = first & 0x0F
        out.append(f", v1 compat : {'yes' if first & 0x10 else 'no'}")
        out.append(f", msg type : {MESSAGES.get(kind, 'Reserved')}")
        r.off = 2
        out.append(f", length : {r.take(2)}")
        domain, rsvd1 = r.take(1), r.take(1)
        out.append(f", domain : {domain}")
        out.append(f", reserved1 : {rsvd1}")
        out.append(f", Flags [{_flags(r.take(2))}]")
        out.append(f", NS correction : {r.take(6)}")
        out.append(f", sub NS correction : {r.take(2)}")
        out.append(f", reserved2 : {r.take(4)}")
        out.append(f", clock identity : 0x{r.take(8):x}")
        out.append(f", port id : {r.take(2)}")
        out.append(f", seq id : {r.take(2)}")
        control, interval = r.take(1), r.take(1)
        out.append(f", control : {control} ({CONTROLS.get(control, 'Reserved')})")
        out.append(f", log message interval : {interval}")
        if kind in BODIES:
            _body(r, out, *BODIES[kind])
    except _Cut:
        return "".join(out) + ctx.cut("ptp")
    return "".join(out)


def ptp_udp_print(ctx: Ctx, b: bytes, length: int, sport: int, dport: int) -> str:
    """UDP 319 (event) and 320 (general messages)."""
    return ptp_text(ctx, b, length)

