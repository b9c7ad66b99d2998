"""The fault matrix's short form (bench/bench_faults.py runs each case many
times with random moments): each case once, at a fixed seed, shorter.

Random-moment cases check the file (whole, by tshark) against zcap's summary;
the README's exact accounting (captured + dropped = received by filter) is
checked in the one case where it is deterministic: a stalled `-w -` reader,
whose ring is full when SIGINT comes.
"""

import shutil

import pytest

from bench.bench_faults import CASES, run_case
from bench.harness import build_pace

from .conftest import kernel_test_reason

SEED = 15
RATE = 20_000
SCALE = 0.25

ACCOUNTING_BUG = (
    "bug: packets still in the ring when the capture stops are counted as received "
    "by filter but neither written nor dropped (zcap -i IF -w - -B 512, its reader "
    "stalled while 15000 frames arrive, then SIGINT: received 15000, captured 768, "
    "dropped 12379, 1853 in neither)")


@pytest.fixture(scope="module")
def pace(tmp_path_factory):
    reason = kernel_test_reason() or (None if shutil.which("capinfos") else "needs capinfos")
    if reason:
        pytest.skip(reason)
    return build_pace(str(tmp_path_factory.mktemp("pace")))


@pytest.mark.parametrize("case", [pytest.param(
    name, marks=pytest.mark.xfail(strict=True, reason=ACCOUNTING_BUG)
    if name == "slow-pipe" else ()) for name in CASES])
def test_fault(case, pace):
    got = run_case(case, SEED, pace, RATE, SCALE, exact=case == "slow-pipe")
    assert got
