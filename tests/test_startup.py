"""Start-up cost: what ``import zcap.cli`` may load. (The time itself is
measured in bench/bench_startup.py, never here.)"""

import json
import subprocess
import sys

# Each costs tens of milliseconds to import, and none is needed to parse the
# flags: they are imported where they are used.
HEAVY = ("rich", "dpkt", "pyroute2", "pydantic", "zcap._core", "bpf_filters.codegen")


def loaded_after(statement: str) -> set[str]:
    code = f"import sys; {statement}; import json; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, check=True).stdout
    return set(json.loads(out))


def test_importing_the_cli_loads_nothing_heavy():
    loaded = loaded_after("import zcap.cli")
    assert "typer" in loaded          # the check can see a module that is there
    assert not [m for m in HEAVY if m in loaded]


def test_parsing_flags_loads_no_pydantic():
    # typer 0.29 imports pydantic while converting option values: the pin in
    # pyproject.toml avoids it; this says so if a newer typer comes back.
    loaded = loaded_after("import zcap.cli, typer; "
                          "typer.main.get_command(zcap.cli.app).make_context("
                          "'zcap', ['-c', '5', '-s', '100', '--duration', '1'])")
    assert "pydantic" not in loaded


def test_import_zcap_is_lazy():
    loaded = loaded_after("import zcap")
    assert not [m for m in (*HEAVY, "zcap.capture") if m in loaded]
    assert "zcap.capture" in loaded_after("import zcap; zcap.open_live")
