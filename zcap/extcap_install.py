"""`zcap --install-extcap [DIR]`: put the `zcap-extcap` program where Wireshark
looks for extcap programs. Apart from ``zcap.extcap`` because that one runs
the command line in-process, and the command line must not import it back.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

from .errors import UsageError, ZcapError


def default_folder() -> Path:
    """The personal extcap folder of the Wireshark installed here.

    Wireshark 4.2 and later print it in `tshark -G folders`; 4.0 does not and
    looks in the extcap folder of its personal configuration folder.
    """
    tshark = shutil.which("tshark")
    if tshark:
        try:
            out = subprocess.run([tshark, "-G", "folders"], capture_output=True, text=True,
                                 timeout=30).stdout
        except (OSError, subprocess.TimeoutExpired):
            out = ""
        for line in out.splitlines():
            key, _, value = line.partition(":")
            if key.strip().lower() == "personal extcap path" and value.strip():
                return Path(value.strip()).expanduser()
    config = os.environ.get("XDG_CONFIG_HOME") or os.path.join(Path.home(), ".config")
    return Path(config) / "wireshark" / "extcap"


def launcher() -> Path | None:
    """The `zcap-extcap` console script installed beside this Python, if any."""
    for folder in (Path(sys.executable).parent, Path(sysconfig.get_path("scripts"))):
        script = folder / "zcap-extcap"
        if script.is_file() and os.access(script, os.X_OK):
            return script
    return None


def install(folder: str | None) -> int:
    """zcap --install-extcap [DIR]: put `zcap-extcap` where Wireshark looks for it.

    Links the console script that `pip install` made; from a checkout without
    one, writes a two-line launcher that runs this Python with this zcap.
    """
    target_dir = Path(folder).expanduser() if folder else default_folder()
    try:
        target_dir.mkdir(parents=True, exist_ok=True)
        target = target_dir / "zcap-extcap"
        if target.is_symlink() or target.exists():
            target.unlink()
        script = launcher()
        if script is not None:
            target.symlink_to(script.resolve())
        else:
            package_parent = Path(__file__).resolve().parent.parent
            target.write_text(f"#!/bin/sh\nPYTHONPATH={shlex.quote(str(package_parent))}"
                              f"${{PYTHONPATH:+:$PYTHONPATH}} exec {shlex.quote(sys.executable)}"
                              " -m zcap.extcap \"$@\"\n")
            target.chmod(0o755)
    except OSError as exc:
        raise ZcapError(f"{target_dir}: {os.strerror(exc.errno or 0)}") from None
    print(f"zcap: installed {target} (restart Wireshark to see the zcap interfaces)",
          file=sys.stderr)
    return 0


def install_command(words: list[str] | None) -> int:
    """zcap --install-extcap [DIR]: DIR arrives as the one word after the flags."""
    if words and len(words) > 1:
        raise UsageError("--install-extcap takes one folder: zcap --install-extcap [DIR]")
    return install(words[0] if words else None)
