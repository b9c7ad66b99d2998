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


class Stamper:
    """Formats packet timestamps; remembers the first and previous packet."""

    def __init__(self, style: int, nano: bool) -> None:
        self.style = style
        self.nano = nano
        self.first: int | None = None
        self.prev: int | None = None
        self._day_cache: tuple[int, str] = (-1, "")

    def _frac(self, ns: int) -> str:
        return f"{ns:09d}" if self.nano else f"{ns // 1000:06d}"

    def _clock(self, sec: int, with_date: bool) -> str:
        # localtime() is the costly part; a capture file rarely changes second
        key = sec * 2 + with_date
        if self._day_cache[0] != key:
            tm = time.localtime(sec)
            fmt = "%Y-%m-%d %H:%M:%S" if with_date else "%H:%M:%S"
            self._day_cache = (key, time.strftime(fmt, tm))
        return self._day_cache[1]

    def _delta(self, d: int) -> str:
        sign = "-" if d < 0 else " "
        d = abs(d)
        sec, ns = divmod(d, 10**9)
        h, rem = divmod(sec, 3600)
        m, s = divmod(rem, 60)
        return f"{sign}{h:02d}:{m:02d}:{s:02d}.{self._frac(ns)}"

    def format(self, ts_ns: int) -> str:
        """The prefix for a packet stamped ``ts_ns``, with its trailing space."""
        style = self.style
        if self.first is None:
            self.first = ts_ns
        prev, self.prev = self.prev, ts_ns
        sec, ns = divmod(ts_ns, 10**9)
        if sec & SIGN_BIT and style in (TS_DEFAULT, TS_EPOCH, TS_DATE):
            # tcpdump refuses seconds that a signed 32-bit time would read as negative
            return "[Error converting time] "
        if style == TS_DEFAULT:
            return f"{self._clock(sec, False)}.{self._frac(ns)} "
        if style == TS_NONE:
            return ""
        if style == TS_EPOCH:
            return f"{sec}.{self._frac(ns)} "
        if style == TS_DATE:
            return f"{self._clock(sec, True)}.{self._frac(ns)} "
        if style == TS_DELTA:
            return self._delta(0 if prev is None else ts_ns - prev) + " "
        if style == TS_SINCE_FIRST:
            return self._delta(ts_ns - self.first) + " "
        return f"{self._clock(sec, False)}.{self._frac(ns)} "
