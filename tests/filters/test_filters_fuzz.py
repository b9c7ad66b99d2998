"""A short deterministic run of the generated expressions (filter_fuzz) against
libpcap, strict: the same refusals, and libpcap's optimised program's verdict on
every frame. bench/bench_filters_fuzz.py runs thousands of them."""

from __future__ import annotations

import functools

import pytest
from filter_frames_link import frames_for
from filter_fuzz import compare, expressions

from bpf_filters.cinterp import CFilter

CASES = expressions(160, seed=2026)


@functools.cache
def corpus(linktype: str) -> tuple[bytes, ...]:
    return tuple(frames_for(linktype, 120))


@pytest.mark.parametrize(("linktype", "expr"), CASES, ids=[f"{lt}:{e}" for lt, e in CASES])
def test_generated_expression_as_libpcap(linktype: str, expr: str) -> None:
    out = compare(linktype, expr, list(corpus(linktype)), lambda i, f: CFilter(i).run(f))
    assert out.status in ("ok", "refused", "empty"), (out.detail, [f.hex() for f in out.frames])


def test_the_generator_covers_both_outcomes() -> None:
    statuses = {compare(lt, e, list(corpus(lt)), lambda i, f: CFilter(i).run(f)).status
                for lt, e in CASES[:40]}
    assert {"ok", "refused"} <= statuses
