"""A short deterministic run of the generated expressions (filter_fuzz) against
libpcap, strict: the same refusals, and libpcap's optimised program's verdict on
every frame. bench/bench_filters_fuzz.py runs thousands of them."""

from __future__ import annotations

import pytest
from filter_fuzz import compare_c, expressions

CASES = expressions(160, seed=2026)


@pytest.mark.parametrize(("linktype", "expr"), CASES, ids=[f"{lt}:{e}" for lt, e in CASES])
def test_generated_expression_as_libpcap(linktype: str, expr: str) -> None:
    out = compare_c(linktype, expr, 120)
    assert out.status in ("ok", "refused", "empty"), (out.detail, [f.hex() for f in out.frames])


def test_the_generator_covers_both_outcomes() -> None:
    statuses = {compare_c(lt, e, 120).status for lt, e in CASES[:40]}
    assert {"ok", "refused"} <= statuses
