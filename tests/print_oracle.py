"""The printing oracle: zcap's printer and tcpdump on the same file with the
same flags (tcpdump always with -n), each giving its text. Tests compare the
two line by line, with no normalising of what tcpdump prints. Run with TZ=UTC.
"""

from __future__ import annotations

import io
import os
import subprocess
from pathlib import Path

from zcap.config import FLAGS, Config
from zcap.printer import Printer, PrintOptions
from zcap.readers import open_offline
from zcap.registry import print_options


def options_from_flags(flags: str) -> PrintOptions:
    """The PrintOptions a tcpdump command line asks for, mapped as the CLI maps
    them (``Config`` and ``registry.print_options``); tcpdump always runs with -n."""
    by_option = {f.option: f for f in FLAGS.values()}
    given: dict[str, object] = {"numeric": 1}
    for arg in flags.split():
        if arg == "--nano":
            given["precision"] = "nano"
            continue
        flag = by_option[arg[:2]]
        given[flag.name] = len(arg) - 1 if flag.kind == "count" else True
    return print_options(Config.from_flags(**given))


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
