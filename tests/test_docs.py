"""README, man page and --help stay in step: every flag --help shows is documented."""

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def help_flags() -> set[str]:
    out = subprocess.run([sys.executable, "-m", "zcap", "--help"], capture_output=True,
                         text=True, env={**os.environ, "COLUMNS": "200"}, check=True,
                         timeout=60).stdout
    flags = set(re.findall(r"(?<![\w-])(--?[A-Za-z#][A-Za-z-]*)", out))
    return {f for f in flags if f not in ("-h", "--help")}


def test_every_flag_is_in_the_man_page():
    man = (ROOT / "man" / "zcap.8").read_text().replace("\\-", "-")
    missing = sorted(f for f in help_flags() if not re.search(re.escape(f) + r"(?![\w-])", man))
    assert missing == []


def test_every_short_flag_is_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    short = {f for f in help_flags() if not f.startswith("--")}
    missing = sorted(f for f in short if f not in readme)
    assert missing == []


def test_readme_test_command_is_what_ci_runs():
    """.ci/run runs the README's test command word for word, alone on its line."""
    readme = (ROOT / "README.md").read_text().splitlines()
    ci = [line for line in (ROOT / ".ci" / "run").read_text().splitlines()
          if "pytest" in line and not line.lstrip().startswith("#")]
    assert len(ci) == 1
    assert ci[0] in readme
