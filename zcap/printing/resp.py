"""Redis's RESP (TCP 6379): every value of the segment in order, each string
quoted, as tcpdump prints them after ``RESP``; inline commands too. tcpdump
gives up on the segment (`` [|resp]``) at the first value it cannot finish."""

from __future__ import annotations

from zcap.printing.context import Ctx, text_chars

INT_MAX = 2**31 - 1
CR, LF = 13, 10
# what resp's length parser returns besides a length
NULL, CUT, TOO_LARGE, NEGATIVE, INVALID = -1, -2, -3, -4, -5
ODD_LENGTHS = {NULL: " null", TOO_LARGE: " length too large",
               NEGATIVE: " length negative and not -1"}


class Cut(Exception):
    """The segment (or the capture) ends inside a value."""


def _segment(b: bytes, p: int, n: int, out: list[str]) -> None:
    """`` "text"``, cut where the capture ends."""
    shown = b[p:p + n]
    out.append(' "' + text_chars(shown))
    if len(shown) < n:
        raise Cut
    out.append('"')


def _find_crlf(b: bytes, p: int, n: int) -> tuple[int, int]:
    while True:
        if n < 2 or p + 2 > len(b):
            raise Cut
        if b[p] == CR and b[p + 1] == LF:
            return p, n
        p, n = p + 1, n - 1


def _consume_cr_or_lf(b: bytes, p: int, n: int) -> tuple[int, int]:
    found = False
    while True:
        if n == 0 or p >= len(b):
            if found:
                return p, n
            raise Cut
        if b[p] not in (CR, LF):
            return p, n
        found = True
        p, n = p + 1, n - 1


def _length(b: bytes, p: int, n: int) -> tuple[int, int]:
    """A ``<digits>\\r\\n`` length (or one of the codes above) and where it ends."""
    if n == 0:
        return CUT, p
    neg = b[p] == 0x2D
    if neg:
        p, n = p + 1, n - 1
    result, saw, too_large = 0, False, False
    while True:
        if n == 0:
            return CUT, p
        c = b[p]
        if not 0x30 <= c <= 0x39:
            if not saw:
                return INVALID, p + 1
            break
        c -= 0x30
        if result > INT_MAX // 10:
            too_large = True
        elif result * 10 == INT_MAX // 10 * 10 and c > INT_MAX % 10:
            result *= 10
            too_large = True
        else:
            result = result * 10 + c
        p, n, saw = p + 1, n - 1, True
    if b[p] != CR:
        return INVALID, p + 1
    p, n = p + 1, n - 1
    if n == 0:
        return CUT, p
    if b[p] != LF:
        return INVALID, p + 1
    p += 1
    if neg:
        return (NEGATIVE if too_large or result != 1 else NULL), p
    return (TOO_LARGE if too_large else result), p


def _odd_length(code: int, out: list[str]) -> None:
    if code == CUT:
        raise Cut
    out.append(ODD_LENGTHS.get(code, " invalid"))


def _parse(b: bytes, p: int, length: int, out: list[str]) -> int:
    """One value from ``p``; returns the bytes it took."""
    if length < 1:
        raise Cut
    op = b[p]
    if op in b"+-:":                          # simple string, error, integer
        end, _ = _find_crlf(b, p + 1, length - 1)
        _segment(b, p + 1, end - p - 1, out)
        return end - p + 2
    if op == 0x24:                            # $: bulk string
        n, q = _length(b, p + 1, length - 1)
        cur = length - 1 - (q - p - 1)
        if n < 0:
            _odd_length(n, out)
            return length - cur
        if n == 0:
            out.append(" empty")
        else:
            if cur < n or q + n > len(b):
                raise Cut
            _segment(b, q, n, out)
            q, cur = q + n, cur - n
        q, cur = _find_crlf(b, q, cur)
        return length - (cur - 2)
    if op == 0x2A:                            # *: array
        n, q = _length(b, p + 1, length - 1)
        cur = length - 1 - (q - p - 1)
        if n > 0:
            for _ in range(n):
                used = _parse(b, q, cur, out)
                q, cur = q + used, cur - used
        elif n == 0:
            out.append(" empty")
        else:
            _odd_length(n, out)
        return length - cur
    q, cur = _consume_cr_or_lf(b, p, length)  # an inline command
    start = q
    while True:
        if cur < 1:
            raise Cut
        if b[q] in (CR, LF):
            break
        q, cur = q + 1, cur - 1
    _segment(b, start, q - start, out)
    q, cur = _consume_cr_or_lf(b, q, cur)
    return length - cur


def resp_print(ctx: Ctx, b: bytes, length: int, sport: int, dport: int) -> str:
    """The values of a RESP segment, from ``: RESP`` on."""
    out = [": RESP"]
    off = 0
    try:
        while length > 0:
            used = _parse(b, off, length, out)
            if used <= 0:
                raise Cut
            off, length = off + used, length - used
    except Cut:
        out.append(" [|resp]")
    except IndexError:
        out.append(ctx.cut("resp"))
    return "".join(out)
