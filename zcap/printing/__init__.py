"""tcpdump-style packet printing, decoded with dpkt.

``Printer(out, PrintOptions(...)).print_batch(batch)``; one module per layer.
"""

from zcap.printing.options import PrintOptions
from zcap.printing.printer import Printer

__all__ = ["PrintOptions", "Printer"]
