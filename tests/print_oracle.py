"""The printing oracle: zcap's printer and tcpdump on the same file with the
same flags (tcpdump always with -n), each giving its text. Tests compare the
two line by line, with no normalising of what tcpdump prints. Run with TZ=UTC.
"""

from __future__ import annotations

import io
import os
import subprocess
from pathlib import Path

from zcap.printer import Printer, PrintOptions
from zcap.readers import open_offline


def options_from_flags(flags: str) -> PrintOptions:
    """The PrintOptions a tcpdump command line asks for (as the CLI will map them)."""
    o = PrintOptions(numeric=1)
    for a in flags.split():
        letter, count = a[1], len(a) - 1
        if letter == "e":
            o.link_header = True
        elif letter == "x":
            o.hex = count
        elif letter == "X":
            o.hex_ascii = count
        elif letter == "v":
            o.verbose = count
        elif letter == "t":
            o.tstamp = count
        elif letter == "q":
            o.quiet = True
        elif letter == "#":
            o.number = True
        elif a == "--nano":
            o.nano = True
    return o


def zcap_text(path: Path, flags: str) -> str:
    out = io.StringIO()
    opts = options_from_flags(flags)
    with open_offline(str(path)) as r:
        p = Printer(out, opts)
        for b in r.batches(5):
            p.print_batch(b)
    return out.getvalue()


def tcpdump_text(path: Path, flags: str) -> str:
    extra = ["--time-stamp-precision=nano"] if "--nano" in flags else []
    args = [a for a in flags.split() if a != "--nano"]
    res = subprocess.run(["tcpdump", "-r", str(path), "-n", *args, *extra],
                         capture_output=True, text=True, env={**os.environ, "TZ": "UTC"},
                         check=True)
    return res.stdout


def assert_same_text(path: Path, flags: str) -> None:
    """zcap prints exactly tcpdump's lines for ``path``; on failure the message
    lists each differing line pair (and a difference in the number of lines)."""
    ours = zcap_text(path, flags).splitlines()
    theirs = tcpdump_text(path, flags).splitlines()
    diffs = [f"line {i + 1}:\n  tcpdump: {t!r}\n  zcap:    {z!r}"
             for i, (t, z) in enumerate(zip(theirs, ours, strict=False)) if t != z]
    if len(ours) != len(theirs):
        diffs.append(f"{len(theirs)} lines from tcpdump, {len(ours)} from zcap")
    assert not diffs, f"{path.name} with -n {flags}:\n" + "\n".join(diffs[:20])
