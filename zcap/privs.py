"""Dropping root after the capture sockets and the first file are open (-Z)."""

import grp
import os
import pwd

from .errors import PermissionDenied, UsageError


def lookup_user(name: str) -> pwd.struct_passwd:
    """The passwd entry of ``name`` (or a numeric uid); UsageError if unknown."""
    try:
        return pwd.getpwuid(int(name)) if name.isdigit() else pwd.getpwnam(name)
    except (KeyError, OverflowError, ValueError):      # unknown, a uid past 32 bits, a NUL
        raise UsageError(f"-Z {name}: no such user") from None


def drop_privileges(user: str, own_fds: list[int] = ()) -> None:
    """Become ``user`` for good: supplementary groups, gid, then uid. Files
    already open for writing are handed to the user first, so they can be
    rotated and cleaned up by the same account that writes the later ones."""
    entry = lookup_user(user)
    try:
        for fd in own_fds:
            try:
                os.fchown(fd, entry.pw_uid, entry.pw_gid)
            except OSError:
                pass                    # standard output or a pipe: nothing to hand over
        groups = [g.gr_gid for g in grp.getgrall() if entry.pw_name in g.gr_mem]
        os.setgroups(sorted({entry.pw_gid, *groups}))
        os.setgid(entry.pw_gid)
        os.setuid(entry.pw_uid)
    except PermissionError:
        raise PermissionDenied(f"-Z {user}: cannot change user (zcap must start as root)") \
            from None
