"""SNMP v1/v2c (UDP ports 161/162): the PDU type, its length and each
variable binding, read with a small BER walker (dpkt has no SNMP module)."""

from __future__ import annotations

from zcap.printing.context import Ctx, ip4_str

VERSIONS = {0: "SNMPv1", 1: "SNMPv2c", 3: "SNMPv3"}
PDUS = {0: "GetRequest", 1: "GetNextRequest", 2: "GetResponse", 3: "SetRequest", 4: "Trap",
        5: "GetBulk", 6: "Inform", 7: "V2Trap", 8: "Report"}
GET_PDUS = frozenset({0, 1, 5})
ERRORS = ("noError", "tooBig", "noSuchName", "badValue", "readOnly", "genErr", "noAccess",
          "wrongType", "wrongLength", "wrongEncoding", "wrongValue", "noCreation",
          "inconsistentValue", "resourceUnavailable", "commitFailed", "undoFailed",
          "authorizationError", "notWritable", "inconsistentName")
TRAPS = ("coldStart", "warmStart", "linkDown", "linkUp", "authenticationFailure",
         "egpNeighborLoss", "enterpriseSpecific")
EXCEPTIONS = {0: "[noSuchObject]", 1: "[noSuchInstance]", 2: "[endOfMibView]"}
UNSIGNED = frozenset({0x41, 0x42, 0x43, 0x46, 0x47})


class Bad(Exception):
    """BER that tcpdump rejects; the message is what it prints."""


class Cut(Exception):
    """The message runs past the captured bytes."""




def _element(b: bytes, off: int, end: int) -> tuple[int, int, int]:
    """(tag, start of contents, end of contents) of the element at ``off``."""
    left = end - off
    if left < 1:
        raise Bad("[nothing to parse]")
    if off >= len(b):
        raise Cut
    tag = b[off]
    off += 1
    left -= 1
    if tag & 0x1F == 0x1F:
        raise Bad("[Xtagfield?]")
    if left < 1:
        raise Bad("[no asnlen]")
    if off >= len(b):
        raise Cut
    n = b[off]
    off += 1
    left -= 1
    if n & 0x80:
        k = n & 0x7F
        if left < k:
            raise Bad(f"[asnlen? {left}<{k}]")
        if off + k > len(b):
            raise Cut
        n = int.from_bytes(b[off:off + k], "big") & 0xFFFFFFFF   # tcpdump's 32 bits
        off += k
        left -= k
    if left < n:
        raise Bad(f"[len{left}<asnlen{n}]")
    if off + n > len(b):
        raise Cut
    return tag, off, off + n


def _oid(v: bytes) -> str:
    out, o, first = [], 0, True
    for c in v:
        o = (o << 7) | (c & 0x7F)
        if c & 0x80:
            continue
        if first:
            s = min(o // 40, 2)
            out.append(str(s))
            o -= s * 40
            first = False
        out.append(str(o))
        o = 0
    return "".join("." + x for x in out)


def _string(v: bytes) -> str:
    """Printable text in quotes, anything else as hex bytes joined by "_"."""
    if all(0x20 <= c < 0x7F for c in v):
        return '"' + v.decode("ascii") + '"'
    return "_".join(f"{c:02x}" for c in v)


def _value(tag: int, v: bytes) -> str:
    if tag == 2:
        return str(int.from_bytes(v, "big", signed=True)) if v else "0"
    if tag in UNSIGNED:
        return str(int.from_bytes(v, "big"))
    if tag == 4:
        return _string(v)
    if tag == 6:
        return _oid(v)
    if tag == 5:
        return ""
    if tag == 0x40 and len(v) == 4:
        return ip4_str(v)
    if tag in (0x80, 0x81, 0x82):
        return EXCEPTIONS[tag & 3]
    return "[" + v.hex() + "]"


def _int(b: bytes, off: int, end: int) -> tuple[int, int]:
    tag, s, e = _element(b, off, end)
    return int.from_bytes(b[s:e], "big", signed=True) if e > s else 0, e


def snmp_print(ctx: Ctx, b: bytes, length: int, sport: int, dport: int) -> str:
    """`` [C="community"] PDU(len) varbind...`` (braces and request ids with -v)."""
    out = [" "]
    try:
        _message(ctx, bytes(b[:length]), length, out)
    except Bad as e:
        return "".join(out) + str(e)
    except (Cut, IndexError):
        return "".join(out) + ctx.cut("snmp")
    return "".join(out)


def _message(ctx: Ctx, b: bytes, length: int, out: list[str]) -> None:
    w = out.append
    verbose = ctx.opts.verbose
    tag, s, end = _element(b, 0, length)
    if tag != 0x30:
        raise Bad("[!init SEQ]")
    version, off = _int(b, s, end)
    if version not in (0, 1):
        w(f"SNMP [version = {version}]" if version != 3 else "{ SNMPv3 } ")
        return
    if verbose:
        w("{ " + VERSIONS[version] + " ")
    tag, cs, ce = _element(b, off, end)
    if tag != 4:
        raise Bad("[comm!=STR]")
    if b[cs:ce] != b"public":
        w("C=" + _string(b[cs:ce]) + " ")
    _pdu(ctx, b, ce, end, out)
    if verbose:
        w("} ")


def _pdu(ctx: Ctx, b: bytes, off: int, end: int, out: list[str]) -> None:
    w = out.append
    verbose = ctx.opts.verbose
    tag, s, e = _element(b, off, end)
    pid = tag & 0x1F
    if tag & 0xE0 != 0xA0 or pid not in PDUS:
        raise Bad(f"[id?{pid}]")
    if verbose:
        w("{ ")
    w(f"{PDUS[pid]}({e - s})")
    if pid == 4:
        _trap(b, s, e, out)
    else:
        reqid, p = _int(b, s, e)
        w(f" R={reqid} " if verbose else " ")
        err, p = _int(b, p, e)
        name = ERRORS[err] if 0 <= err < len(ERRORS) else f"err={err}"
        request = pid in (0, 1, 3)
        if request and err:
            w(f"[errorStatus({name})!=0]")
        elif pid == 5:
            w(f" N={err}")
        elif err:
            w(f" {name}")
        idx, p = _int(b, p, e)
        if request and idx:
            w(f"[errorIndex({idx})!=0]")
        elif pid == 5:
            w(f" M={idx}")
        elif idx:
            w(f"@{idx}" if err else f"[errorIndex({idx}) w/o errorStatus]")
        elif err:
            w("[errorIndex==0]")
        _varbinds(b, p, e, pid, out)
    if verbose:
        w(" } ")


def _trap(b: bytes, s: int, e: int, out: list[str]) -> None:
    w = out.append
    tag, os_, oe = _element(b, s, e)
    w("  " + _oid(b[os_:oe]))
    tag, as_, ae = _element(b, oe, e)
    w(" " + _value(tag, b[as_:ae]))
    generic, p = _int(b, ae, e)
    w(" " + (TRAPS[generic] if 0 <= generic < len(TRAPS) else f"[generic={generic}]"))
    specific, p = _int(b, p, e)
    if generic == 6:
        w(f" s={specific}")
    tag, ts, te = _element(b, p, e)
    w(" " + _value(tag, b[ts:te]))
    _varbinds(b, te, e, 4, out)


def _varbinds(b: bytes, off: int, end: int, pid: int, out: list[str]) -> None:
    w = out.append
    tag, s, e = _element(b, off, end)
    if tag != 0x30:
        raise Bad("[!SEQ of varbind]")
    p = s
    while p < e:
        tag, vs, ve = _element(b, p, e)
        if tag != 0x30:
            raise Bad("[!varbind]")
        w(" ")
        tag, ns, ne = _element(b, vs, ve)
        if tag != 6:
            raise Bad("[objName!=OBJID]")
        w(_oid(b[ns:ne]))
        tag, xs, xe = _element(b, ne, ve)
        if pid in GET_PDUS and tag == 5:
            p = ve
            continue
        w("=" + _value(tag, b[xs:xe]))
        p = ve

