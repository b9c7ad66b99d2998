"""Timestamp prefixes in each of tcpdump's -t styles."""

from __future__ import annotations

import time

from zcap.printing.options import (
    TS_DATE,
    TS_DEFAULT,
    TS_DELTA,
    TS_EPOCH,
    TS_NONE,
    TS_SINCE_FIRST,
)

SIGN_BIT = 0x80000000
U32 = 0xFFFFFFFF
DAY = 86400

# A time stamp as tcpdump holds it: seconds and a fraction in the printed
# precision (micro- or nanoseconds). Its arithmetic is on this pair, so a
# fraction of a second or more (a damaged file's) prints as it is.
Stamp = tuple[int, int]


class Stamper:
    """Formats packet timestamps; remembers the first and previous packet."""

    def __init__(self, style: int, nano: bool) -> None:
        self.style = style
        self.nano = nano
        self.unit = 10**9 if nano else 10**6
        self.first: Stamp | None = None
        self.prev: Stamp | None = None
        self._day_cache: tuple[int, str] = (-1, "")

    def _frac(self, frac: int) -> str:
        # tcpdump prints the fraction as a 32-bit unsigned number
        return f"{frac & U32:09d}" if self.nano else f"{frac & U32:06d}"

    def _stamp(self, ts_ns: int, raw: tuple[int, int, int] | None) -> Stamp:
        """The pair tcpdump prints: libpcap scales a pcap record's fraction
        to the asked precision without carrying it into the seconds."""
        if raw is None:
            sec, ns = divmod(ts_ns, 10**9)
            return sec, ns if self.nano else ns // 1000
        sec, frac, per_second = raw
        if per_second == self.unit:
            return sec, frac
        if self.nano:
            return sec, frac * 1000
        return sec, frac // 1000 if frac >= 0 else -(-frac // 1000)  # C's division

    def _clock(self, sec: int, with_date: bool) -> str:
        # localtime() is the costly part; a capture file rarely changes second
        key = sec * 2 + with_date
        if self._day_cache[0] != key:
            tm = time.localtime(sec)
            fmt = "%Y-%m-%d %H:%M:%S" if with_date else "%H:%M:%S"
            self._day_cache = (key, time.strftime(fmt, tm))
        return self._day_cache[1]

    def _delta(self, now: Stamp, ref: Stamp) -> str:
        """tcpdump's difference of two stamps: a sign, then the time of day
        (UTC) that many seconds after the epoch."""
        later, earlier, sign = (ref, now, "-") if now < ref else (now, ref, " ")
        sec, frac = later[0] - earlier[0], later[1] - earlier[1]
        if frac < 0:
            sec, frac = sec - 1, frac + self.unit
        if sec & SIGN_BIT:
            return sign + "[Error converting time]"
        sec %= DAY
        h, rem = divmod(sec, 3600)
        m, s = divmod(rem, 60)
        return f"{sign}{h:02d}:{m:02d}:{s:02d}.{self._frac(frac)}"

    def format(self, ts_ns: int, raw: tuple[int, int, int] | None = None) -> str:
        """The prefix for a packet stamped ``ts_ns``, with its trailing space;
        ``raw`` is ``Packet.raw_stamp``, the record's own fields when they
        differ from ``ts_ns``."""
        style = self.style
        stamp = self._stamp(ts_ns, raw)
        if self.first is None:
            self.first = stamp
        prev, self.prev = self.prev, stamp
        sec, frac = stamp
        if sec & SIGN_BIT and style in (TS_DEFAULT, TS_EPOCH, TS_DATE):
            # tcpdump refuses seconds that a signed 32-bit time would read as negative
            return "[Error converting time] "
        if style == TS_NONE:
            return ""
        if style == TS_EPOCH:
            return f"{sec}.{self._frac(frac)} "
        if style == TS_DATE:
            return f"{self._clock(sec, True)}.{self._frac(frac)} "
        if style == TS_DELTA:
            return self._delta(stamp, stamp if prev is None else prev) + " "
        if style == TS_SINCE_FIRST:
            return self._delta(stamp, self.first) + " "
        return f"{self._clock(sec, False)}.{self._frac(frac)} "
