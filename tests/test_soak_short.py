"""The soak's short form (bench/bench_soak.py runs it for minutes, in every mode).

Six seconds of paced traffic into `zcap -C` (size rotation): the capturing
veth's rx counter must equal the packets in the files + the drops zcap reports
+ the frames the filter rejected, exactly; RSS and descriptors stay flat.
"""

import pytest

from bench.bench_soak import soak
from bench.harness import build_pace

from .conftest import kernel_test_reason


@pytest.mark.skipif(kernel_test_reason() is not None, reason=str(kernel_test_reason()))
def test_soak_rotation_accounts_for_every_frame(tmp_path):
    pace = build_pace(str(tmp_path))
    out = tmp_path / "out"
    out.mkdir()
    res = soak("C", seconds=6, rate=50_000, pace=pace, outdir=out, warmup=3)
    # The sender stops after 6 s even if a loaded machine kept it below its rate.
    assert res.rx > 100_000 and res.files >= 2, res
    assert not res.failures, res.failures
