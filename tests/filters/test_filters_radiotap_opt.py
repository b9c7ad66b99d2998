"""libpcap stops optimising an 802.11 program only when it computes where
the 802.11 payload starts; a radiotap program that reads no payload is
optimised like any other (its radiotap-length loads then go where nothing
reads them, and a frame too short for them is no longer rejected)."""

from __future__ import annotations

import pytest
from filter_frames_link import frames_for
from filter_fuzz import compare

from bpf_filters.cinterp import CFilter

CASES = ["(radio[0] = 0) or dir fromds", "dir tods or len < 100", "wlan[0] = 0x08 or type mgt"]


@pytest.mark.parametrize("expr", CASES)
def test_radiotap_without_payload_is_optimised(expr: str) -> None:
    frames = frames_for("IEEE802_11_RADIO", 300) + [b"", b"\x00", b"\x00\x00"]
    out = compare("IEEE802_11_RADIO", expr, frames, lambda i, f: CFilter(i).run(f))
    assert out.status == "ok", (out.detail, [f.hex() for f in out.frames])
