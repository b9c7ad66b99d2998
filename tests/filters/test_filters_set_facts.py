"""A list test (`host (A or B)`, one set test per load in zcap, a run of
`jeq`s in libpcap) decided by what an earlier test on the same load found:
known equal to A, libpcap's optimiser skips the whole run (`jeq A` true, the
others false), so `host A and (A or B)` is as short as `host A`. Verdicts on
frames cut at every length, and no more instructions than libpcap."""

from __future__ import annotations

import pytest
from filter_fuzz import compare_c

CASES = [(lt, e) for lt in ("IPV4", "EN10MB", "LINUX_SLL2", "NULL", "RAW")
         for e in ("host 127.0.0.1 and (127.0.0.1 or 10.0.0.1)",
                   "src host 10.1.1.1 and (src 10.1.1.1 or 10.1.1.2 or 10.1.1.3)",
                   "dst host 10.1.1.9 and (dst 10.1.1.1 or 10.1.1.2)",
                   "port 53 and (port 53 or 80 or 443)")]


@pytest.mark.parametrize(("linktype", "expr"), CASES, ids=[f"{lt}:{e}" for lt, e in CASES])
def test_a_known_value_decides_a_list(linktype: str, expr: str) -> None:
    out = compare_c(linktype, expr, 150)
    # ("empty": both refuse it as matching nothing, as dst 10.1.1.9 and dst .1)
    assert out.status in ("ok", "empty"), (out.detail, [f.hex() for f in out.frames])
    assert out.sizes is None or out.sizes[0] <= out.sizes[1], out.sizes
