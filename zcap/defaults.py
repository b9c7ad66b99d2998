"""The zcap layer's defaults and limits, in one place. Link types and the
default snapshot length live one layer down, in ``bpf_filters.linktypes``."""

from bpf_filters.linktypes import DEFAULT_SNAPLEN  # noqa: F401  (re-exported)

# Capture ring (-B), in KiB. 32 MiB kept 1518-byte bursts loss-free (README).
DEFAULT_BUFFER_KIB = 32 * 1024
# The kernel's tpacket_req3 counts blocks and block sizes in 32-bit fields and
# the ring must be mapped in one piece: 4 GiB is past what any host here gives.
MAX_BUFFER_KIB = 4 * 1024 * 1024

# Memory that carries a direct-I/O capture over a slow spell of the disk
# (--disk-buffer, MiB; zcap.sinks.write_queue): mapped only when needed.
DEFAULT_DISK_BUFFER_MIB = 256
MAX_DISK_BUFFER_MIB = 1 << 20

POLL_MS = 100            # how often a quiet capture looks at its stop conditions
MAX_FANOUT_WORKERS = 64
