"""The few exception types zcap raises. The CLI prints ``str(err)`` on one line
and exits with ``err.exit_code``; nothing else should reach the user."""


class ZcapError(Exception):
    """Base of every error zcap reports to a user."""

    exit_code = 1


class UsageError(ZcapError):
    """A flag value or combination that makes no sense (bad -B, -s, -c ...)."""

    exit_code = 2


class InterfaceError(ZcapError):
    """Unknown interface, or one that went down or vanished during capture."""


class PermissionDenied(ZcapError):
    """The kernel refused a privileged operation (CAP_NET_RAW and friends)."""


class OutputError(ZcapError):
    """The capture file can't be created or written (includes disk full)."""


class CorruptFileError(ZcapError):
    """An input capture file is damaged; ``offset`` is where reading stopped."""

    def __init__(self, message: str, offset: int | None = None) -> None:
        super().__init__(message)
        self.offset = offset
