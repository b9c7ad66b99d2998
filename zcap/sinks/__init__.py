"""Sinks consume whole batches: a file writer, a printer, live statistics.
Each is one file here; adding one touches no source."""
