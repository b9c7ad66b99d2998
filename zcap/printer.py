"""The packet printer's public names; the decoders live in ``zcap.printing``."""

from zcap.printing import Printer, PrintOptions

__all__ = ["PrintOptions", "Printer"]
