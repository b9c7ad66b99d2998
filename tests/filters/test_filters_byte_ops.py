"""`byte N op M` on every link type, against libpcap: for `&` and `|`
libpcap 1.10 applies the operator to A as it is (the load is dropped), and
`byte N & 0` it refuses as a filter that rejects every packet."""

from __future__ import annotations

import functools

import libpcap_ref as ref
import pytest
from filter_frames_link import frames_for
from filter_fuzz import DLT, compare

import bpf_filters as bf
from bpf_filters.cinterp import CFilter

EXPRS = [f"byte {n} {o} {m}" for n in (0, 9) for o in ("=", "<", ">", "&", "|")
         for m in (0, 1, 0x45)] + ["ip and byte 0 & 0", "byte 0 & 0 or tcp", "not byte 2 & 0"]


@functools.cache
def corpus(linktype: str) -> tuple[bytes, ...]:
    return tuple(frames_for(linktype, 100))


@pytest.mark.parametrize("linktype", list(DLT))
def test_byte_ops_as_libpcap(linktype: str) -> None:
    bad = []
    for e in EXPRS:
        out = compare(linktype, e, list(corpus(linktype)), lambda i, f: CFilter(i).run(f))
        if out.status not in ("ok", "refused", "empty"):
            bad.append((e, out.detail))
    assert not bad


@pytest.mark.parametrize("linktype", ["EN10MB", "LINUX_SLL", "RAW", "IEEE802_11"])
def test_byte_and_zero_refused_as_empty(linktype: str) -> None:
    with pytest.raises(ref.LibpcapError, match="rejects all"):
        ref.compile_ref("byte 3 & 0", DLT[linktype])
    with pytest.raises(bf.FilterError, match="rejects all"):
        bf.compile("byte 3 & 0", linktype)
