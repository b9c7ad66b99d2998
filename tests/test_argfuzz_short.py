"""Argument fuzzing's short form (bench/bench_argfuzz.py runs thousands): a
few dozen seeded random command lines, none may print a traceback, exit with
a status other than 0, 1 or 2, or outlive its deadline.

Bugs the fuzzing found are listed in KNOWN_BUGS, each with a strict xfail
that reproduces it: once one is fixed its xfail passes, fails the suite, and
the entry must go.
"""

import re
import shutil
import subprocess
import sys

import pytest

from bench.bench_argfuzz import ROOT, fuzz

from .conftest import kernel_test_reason

RUNS = 20
SEED = 15

# (the command that shows it, what zcap does, a pattern matching the fuzzer's report)
KNOWN_BUGS: dict[str, tuple[list[str], str, re.Pattern]] = {}
# Bugs once listed above, fixed since: each stays as a plain regression test.
FIXED_BUGS = {
    "duration-nan": ["--duration", "nan"],     # was a ValueError traceback
}


def _known(report: str) -> bool:
    return any(pat.search(report) for _, _, pat in KNOWN_BUGS.values())


@pytest.mark.skipif(kernel_test_reason() is not None or not shutil.which("text2pcap"),
                    reason=str(kernel_test_reason() or "needs text2pcap"))
def test_random_command_lines_fail_cleanly():
    reports: list[str] = []
    bad = fuzz(RUNS, SEED, report=reports.append)
    unknown = [r for r in reports if not _known(r)]
    assert not unknown, "\n".join(unknown)
    assert len(bad) == len(reports)


@pytest.mark.parametrize("name", [pytest.param(k, marks=pytest.mark.xfail(
    strict=True, reason=v[1])) for k, v in KNOWN_BUGS.items()] + list(FIXED_BUGS))
def test_known_bug(name, veth):
    args = KNOWN_BUGS[name][0] if name in KNOWN_BUGS else FIXED_BUGS[name]
    res = subprocess.run(["ip", "netns", "exec", veth.ns_b, sys.executable, "-m", "zcap",
                          "-i", veth.if_b, "-w", "/dev/null", *args],
                         capture_output=True, text=True, timeout=30, cwd=ROOT)
    assert "Traceback" not in res.stderr, res.stderr
    assert res.returncode == 2, res.stderr
    assert len(res.stderr.strip().splitlines()) == 1, res.stderr
