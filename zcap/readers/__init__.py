"""Offline readers: pcap and pcapng files into batches of ``struct zc_pkt``.

``open_offline(path)`` returns a ``Reader``; iterate ``reader.batches()``.
"""

from zcap.readers.interfaces import Interface
from zcap.readers.reader import Batch, Reader, open_offline

__all__ = ["Batch", "Interface", "Reader", "open_offline"]
