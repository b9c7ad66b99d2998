"""The printer's settings, one field per tcpdump flag."""

from __future__ import annotations

from dataclasses import dataclass

# -t counts, as tcpdump's man page numbers them
TS_DEFAULT = 0   # (no -t)  local time of day, HH:MM:SS.frac
TS_NONE = 1      # -t       no timestamp
TS_EPOCH = 2     # -tt      seconds since the epoch
TS_DELTA = 3     # -ttt     delta from the previous packet
TS_DATE = 4      # -tttt    date and time of day
TS_SINCE_FIRST = 5  # -ttttt delta from the first packet


@dataclass
class PrintOptions:
    """How to print packets; each field is named after the tcpdump flag it mirrors.

    ``tstamp`` is the number of ``-t`` flags (0..5, see ``TS_*``); ``hex`` and
    ``hex_ascii`` are 1 for ``-x``/``-X`` and 2 for ``-xx``/``-XX``; ``numeric``
    counts ``-n`` (zcap never resolves names either way).
    """

    numeric: int = 0
    link_header: bool = False   # -e
    hex: int = 0                # -x / -xx
    hex_ascii: int = 0          # -X / -XX
    verbose: int = 0            # -v count
    quiet: bool = False         # -q
    tstamp: int = TS_DEFAULT    # -t count
    number: bool = False        # -#
    nano: bool = False          # --time-stamp-precision nano
    line_buffered: bool = False  # -l
