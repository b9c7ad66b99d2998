"""The printing sink: tcpdump-style lines for each packet of a batch. The one
sink that works per packet in Python; printing is slow anyway."""

from itertools import islice

from ..printer import Printer
from ..protocols import Batch, Sink


class PrintSink(Sink):
    """Prints the first ``limit`` packets of every batch."""

    def __init__(self, printer: Printer) -> None:
        self.printer = printer

    def consume(self, batch: Batch, limit: int, ifid: int = 0) -> int:
        for pkt in islice(batch.packets(), limit):
            self.printer.print_packet(pkt)
        return limit
