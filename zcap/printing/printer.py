"""One line (or a few, with -v/-x) per packet, as tcpdump prints it."""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING, TextIO

from zcap.packet import Packet
from zcap.printing.context import Ctx
from zcap.printing.dispatch import link_printer, record_problem
from zcap.printing.hexdump import hex_lines
from zcap.printing.options import PrintOptions
from zcap.printing.timestamps import Stamper

if TYPE_CHECKING:
    from zcap.readers import Batch

# what a decoder may raise on hostile bytes; anything else is a bug and propagates.
# No printer module decodes with dpkt any more, so dpkt.UnpackError is not among
# them and `zcap -r` does not pay dpkt's ~70 ms import.
DECODE_ERRORS = (struct.error, IndexError, ValueError, KeyError,
                 UnicodeError, OverflowError)


class Printer:
    """Writes packets to ``out`` in tcpdump's format."""

    def __init__(self, out: TextIO, opts: PrintOptions) -> None:
        self.out = out
        self.opts = opts
        self.ctx = Ctx(opts)
        self.stamper = Stamper(opts.tstamp, opts.nano)
        self.count = 0

    def format_packet(self, pkt: Packet) -> str:
        """The text for one packet, without the final newline."""
        opts = self.opts
        self.ctx.cut_short = False   # set by a printer where tcpdump abandons the packet
        self.count += 1
        data = bytes(pkt.data)
        prefix = f"{self.count:5d}  " if opts.number else ""
        problem = record_problem(len(data), pkt.wirelen)
        if problem:
            return prefix + problem
        prefix += self.stamper.format(pkt.ts_ns, pkt.raw_stamp)
        decode = link_printer(pkt.linktype)
        try:
            text, net_off = decode(self.ctx, data, pkt.wirelen)
        except DECODE_ERRORS as e:
            text, net_off = f"[|malformed: {type(e).__name__}]", 0
        line = prefix + text
        full = opts.hex_ascii >= 2 or (opts.hex >= 2 and not opts.hex_ascii)
        if opts.hex_ascii or opts.hex:
            dump = data if full or self.ctx.cut_short else data[net_off:]
            lines = hex_lines(dump, bool(opts.hex_ascii))
            if lines:
                line += "\n" + "\n".join(lines)
        return line

    def print_packet(self, pkt: Packet) -> None:
        """Print one packet (flushing after it with -l)."""
        self.out.write(self.format_packet(pkt) + "\n")
        if self.opts.line_buffered:
            self.out.flush()

    def print_batch(self, batch: Batch) -> None:
        """Print every packet of a reader or capture batch."""
        write = self.out.write
        for pkt in batch.packets():
            write(self.format_packet(pkt) + "\n")
        if self.opts.line_buffered:
            self.out.flush()
