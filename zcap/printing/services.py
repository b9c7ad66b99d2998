"""Small UDP services tcpdump names on their first line: TFTP, Kerberos,
RADIUS, HSRP, RIP, and IPsec's NAT traversal on port 4500."""

from __future__ import annotations

from zcap.printing.context import Ctx, ip4_str, text_chars

TFTP_OPS = {1: "RRQ", 2: "WRQ", 3: "DATA", 4: "ACK", 5: "ERROR", 6: "OACK"}
TFTP_ERRORS = {0: "EUNDEF", 1: "ENOTFOUND", 2: "EACCESS", 3: "ENOSPACE", 4: "EBADOP",
               5: "EBADID", 6: "EEXISTS", 7: "ENOUSER", 8: "EOPTNEG"}
RADIUS_CODES = {1: "Access-Request", 2: "Access-Accept", 3: "Access-Reject",
                4: "Accounting-Request", 5: "Accounting-Response", 11: "Access-Challenge",
                12: "Status-Server", 13: "Status-Client", 40: "Disconnect-Request",
                41: "Disconnect-ACK", 42: "Disconnect-NAK", 43: "CoA-Request", 44: "CoA-ACK",
                45: "CoA-NAK"}
HSRP_OPS = {0: "hello", 1: "coup", 2: "resign"}
HSRP_STATES = {0: "initial", 1: "learn", 2: "listen", 4: "speak", 8: "standby", 16: "active"}
RIP_COMMANDS = {1: "Request", 2: "Response", 3: "Trace on", 4: "Trace off", 5: "Poll",
                6: "Poll Entry"}


def _strings(b: bytes) -> list[bytes]:
    return b.split(b"\0")


def tftp_print(ctx: Ctx, b: bytes, length: int, sport: int, dport: int) -> str:
    """``TFTP, length N, RRQ "file" octet`` and the other opcodes."""
    text = f"TFTP, length {length}"
    if len(b) < 2:
        return text + ctx.cut("tftp")
    op = b[0] << 8 | b[1]
    text += ", " + TFTP_OPS.get(op, f"tftp-#{op}")
    body = b[2:length]
    if op in (1, 2, 6):
        parts = _strings(body)
        if op != 6:
            text += ' "' + text_chars(parts[0]) + '"'
            parts = parts[1:]
        words = [text_chars(p) for p in parts if p]
        if words:
            text += " " + " ".join(words)
    elif op in (3, 4):
        if len(body) < 2:
            return text + ctx.cut("tftp")
        text += f" block {body[0] << 8 | body[1]}"
    elif op == 5:
        if len(body) < 2:
            return text + ctx.cut("tftp")
        code = body[0] << 8 | body[1]
        text += " " + TFTP_ERRORS.get(code, f"tftp-err-#{code}") + ' "' + \
            text_chars(body[2:].split(b"\0")[0]) + '"'
    return text


def radius_print(ctx: Ctx, b: bytes, length: int, sport: int, dport: int) -> str:
    """``RADIUS, Access-Request (1), id: 0x07 length: N`` (two lines with -v)."""
    if len(b) < 20:
        return ctx.cut("radius")
    code, ident, rlen = b[0], b[1], b[2] << 8 | b[3]
    if rlen < 20:
        return " [|radius]"
    rlen = min(rlen, length)      # a length field past the datagram is cut to it
    name = RADIUS_CODES.get(code, "Unknown Command")
    if not ctx.opts.verbose:
        return f"RADIUS, {name} ({code}), id: 0x{ident:02x} length: {rlen}"
    return (f"RADIUS, length: {rlen}\n\t{name} ({code}), id: 0x{ident:02x}, "
            f"Authenticator: {b[4:20].hex()}")


def hsrp_print(ctx: Ctx, b: bytes, length: int, sport: int, dport: int) -> str:
    """HSRP v0 hellos: state, group, virtual address (timers with -v); a cut
    message shows what was read before it, as tcpdump reads field by field."""
    from zcap.printing.context import relts
    if not b:
        return ctx.cut("hsrp")
    ver = b[0]
    if ver != 0:
        return f"HSRPv{ver}"
    text = "HSRPv0-"
    if len(b) < 2:
        return text + ctx.cut("hsrp")
    text += f"{HSRP_OPS.get(b[1], f'unknown ({b[1]})')} {length}: "
    if len(b) < 3:
        return text + ctx.cut("hsrp")
    text += f"state={HSRP_STATES.get(b[2], f'Unknown ({b[2]})')} "
    if len(b) < 7:
        return text + ctx.cut("hsrp")
    text += f"group={b[6]} "
    if len(b) < 8:
        return text + ctx.cut("hsrp")
    if b[7]:
        text += f"[reserved={b[7]}!] "
    if len(b) < 20:
        return text + ctx.cut("hsrp")
    text += "addr=" + ip4_str(b[16:20])
    if ctx.opts.verbose:
        auth = b[8:16].split(b"\0")[0]
        text += (f" hellotime={relts(b[3])} holdtime={relts(b[4])} priority={b[5]} "
                 f'auth="{text_chars(auth)}"')
    return text


def rip_print(ctx: Ctx, b: bytes, length: int, sport: int, dport: int) -> str:
    """``RIPv2, Response, length: N`` (the route count moves under -v)."""
    if len(b) < 2:
        return ctx.cut("rip")
    cmd, ver = b[0], b[1]
    name = RIP_COMMANDS.get(cmd, f"unknown command ({cmd})")
    text = f"RIPv{ver}, {name}, length: {length}"
    if not ctx.opts.verbose:
        return text
    routes = (length - 4) // 20
    return "\n\t" + text + (f", routes: {routes} or less" if cmd == 2 else "")


def natt_print(ctx: Ctx, b: bytes, length: int, sport: int, dport: int) -> str:
    """UDP port 4500: keep-alives, IKE behind a zero marker, or ESP."""
    from zcap.printing.ipsec import esp_text
    if length == 1 and b[:1] == b"\xff":
        return "isakmp-nat-keep-alive"
    if len(b) >= 4 and b[:4] == bytes(4):
        from zcap.printing.isakmp import isakmp_text
        return "NONESP-encap: " + isakmp_text(ctx, b[4:], length - 4)
    return "UDP-encap: " + esp_text(ctx, b, length)
