"""libpcap's peephole for a constant index added to X (`ld #k; add x; tax;
ld [x + m]` becomes `ld [x + k+m]`): link loads past a radiotap header of
variable length are the usual case. Verdicts on frames cut at every length,
and no more instructions than libpcap."""

from __future__ import annotations

import pytest
from filter_fuzz import compare_c

CASES = [
    ("IEEE802_11_RADIO", "ether[0] = 0x01 and ether[1] = 0x00 and ether[2] = 0x5e"),
    ("IEEE802_11_RADIO", "link[0] = 1 and link[1] = 2 and link[2] = 3 and link[3] = 4"),
    ("IEEE802_11_RADIO", "ether[12:2] = 0x8100 or ether[12:2] = 0x88a8"),
    ("IEEE802_11_RADIO", "wlan[1] & 3 = 1 and wlan[0] = 0x08 or link[24] = 0xaa"),
    ("IEEE802_11", "ether[0] = 0x01 and ether[1] = 0x00 and ether[2] = 0x5e"),
    ("EN10MB", "tcp[0] = 1 and tcp[1] = 2 and tcp[13] & 2 != 0"),
]


@pytest.mark.parametrize(("linktype", "expr"), CASES, ids=[f"{lt}:{e}" for lt, e in CASES])
def test_constant_indexes_fold_into_the_load(linktype: str, expr: str) -> None:
    out = compare_c(linktype, expr, 200)
    assert out.status == "ok", (out.detail, [f.hex() for f in out.frames])
    assert out.sizes[0] <= out.sizes[1], out.sizes
