"""The printer's settings, one field per tcpdump flag."""

from __future__ import annotations

# -t counts, as tcpdump's man page numbers them
TS_DEFAULT = 0   # (no -t)  local time of day, HH:MM:SS.frac
TS_NONE = 1      # -t       no timestamp
TS_EPOCH = 2     # -tt      seconds since the epoch
TS_DELTA = 3     # -ttt     delta from the previous packet
TS_DATE = 4      # -tttt    date and time of day
TS_SINCE_FIRST = 5  # -ttttt delta from the first packet


class PrintOptions:
    """How to print packets; each field is named after the tcpdump flag it mirrors.

    ``tstamp`` is the number of ``-t`` flags (0..5, see ``TS_*``); ``hex`` and
    ``hex_ascii`` are 1 for ``-x``/``-X`` and 2 for ``-xx``/``-XX``; ``numeric``
    counts ``-n`` (zcap never resolves names either way).
    """

    def __init__(self, numeric: int = 0, link_header: bool = False, hex: int = 0,
                 hex_ascii: int = 0, verbose: int = 0, quiet: bool = False,
                 tstamp: int = TS_DEFAULT, number: bool = False, nano: bool = False,
                 line_buffered: bool = False) -> None:
        self.numeric = numeric
        self.link_header = link_header  # -e
        self.hex = hex  # -x / -xx
        self.hex_ascii = hex_ascii  # -X / -XX
        self.verbose = verbose  # -v count
        self.quiet = quiet  # -q
        self.tstamp = tstamp  # -t count
        self.number = number  # -#
        self.nano = nano  # --time-stamp-precision nano
        self.line_buffered = line_buffered  # -l
