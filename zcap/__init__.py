"""zcap: high-speed packet capture for Linux.

TPACKET_V3 ring read a block at a time, filters compiled to classic BPF and
run in the kernel, pcapng written by writev() straight from the ring.
"""

__version__ = "0.1.0"

from .capture import LiveCapture, open_live  # noqa: E402
from .errors import ZcapError  # noqa: E402

__all__ = ["LiveCapture", "open_live", "ZcapError", "__version__"]
