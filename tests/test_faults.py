"""The fault matrix's short form (bench/bench_faults.py runs each case many
times with random moments): each case once, at a fixed seed, shorter.

Each case checks the file (whole, by tshark) against zcap's summary and the
README's exact accounting: captured + dropped = received by filter (with -c,
what follows the N-th packet stays unread, as with tcpdump).
"""

import shutil

import pytest

from bench.bench_faults import CASES, run_case
from bench.harness import build_pace

from .conftest import kernel_test_reason

SEED = 15
RATE = 20_000
SCALE = 0.25

@pytest.fixture(scope="module")
def pace(tmp_path_factory):
    reason = kernel_test_reason() or (None if shutil.which("capinfos") else "needs capinfos")
    if reason:
        pytest.skip(reason)
    return build_pace(str(tmp_path_factory.mktemp("pace")))


@pytest.mark.parametrize("case", list(CASES))
def test_fault(case, pace):
    got = run_case(case, SEED, pace, RATE, SCALE, exact=True)
    assert got
