"""AHCP (UDP 5359, draft-chroboczek-ahcp): the version; with -v the header's
hop counts, nonce and IDs and the message's type and length on lines of their
own. (The options, shown with -vv, are not decoded here.)"""

from __future__ import annotations

from zcap.printing.context import Ctx, mac_str

MAGIC = 43
HEADER = 24
BODY_MIN = 4
MESSAGES = {0: "Discover", 1: "Offer", 2: "Request", 3: "Ack", 4: "Nack", 5: "Release"}


def _field(b: bytes, off: int, n: int) -> bytes:
    if off + n > len(b):
        raise IndexError("ahcp: field past the capture")
    return b[off:off + n]


def ahcp_print(ctx: Ctx, b: bytes, length: int, sport: int, dport: int) -> str:
    """An AHCP message, from ``AHCP`` on."""
    out = ["AHCP"]
    verbose = ctx.opts.verbose
    try:
        if length < 2 or b[0] != MAGIC:
            out.append(" (invalid)")
            if len(b) < length:
                raise IndexError("ahcp: message past the capture")
            return "".join(out)
        version = b[1]
        if version != 1:
            out.append(f" Version {version} (unknown)")
            if len(b) < length:
                raise IndexError("ahcp: message past the capture")
            return "".join(out)
        out.append(" Version 1")
        cp, left = 2, length - 2
        if left < HEADER - 2:
            out.append(" (invalid)")
            if len(b) < length:
                raise IndexError("ahcp: message past the capture")
            return "".join(out)
        if verbose:
            # each field printed as it is read, so a cut capture ends after the last
            out.append(f"\n\tHopcount {b[2]}")
            out.append(f", Original Hopcount {b[3]}")
            out.append(f", Nonce 0x{_field(b, 4, 4).hex()}")
            out.append(f", Source Id {mac_str(_field(b, 8, 8))}")
            out.append(f", Destination Id {mac_str(_field(b, 16, 8))}")
        elif len(b) < HEADER:
            raise IndexError("ahcp: header past the capture")
        cp, left = HEADER, left - (HEADER - 2)
        if left < BODY_MIN:
            out.append(" (invalid)")
            if len(b) < cp + left:
                raise IndexError("ahcp: body past the capture")
            return "".join(out)
        kind, mbz, body_len = b[cp], b[cp + 1], int.from_bytes(_field(b, cp + 2, 2), "big")
        if verbose:
            out.append(f"\n\t{MESSAGES.get(kind, f'Unknown-{kind}')}"
                       + (f", MBZ {mbz}" if mbz else "") + f", Length {body_len}")
        cp, left = cp + 4, left - 4
        if body_len > left:
            out.append(" (invalid)")
            if len(b) < cp + left:
                raise IndexError("ahcp: body past the capture")
            return "".join(out)
        if len(b) < cp + body_len:
            raise IndexError("ahcp: options past the capture")
    except IndexError:
        out.append(ctx.cut("ahcp"))
    return "".join(out)
