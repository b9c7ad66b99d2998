"""Start-up cost: what ``import zcap.cli`` and the quick commands may load.
(The time itself is measured in bench/bench_startup.py, never here.)

Each check runs in a fresh interpreter and reads ``sys.modules`` at the end,
so a module that some import chain drags in is seen however it got there.
"""

import json
import subprocess
import sys

from .frames import udp_frame
from .read_corpus import write_pcap

# Each costs milliseconds to tens of milliseconds to import, and none is needed
# to parse the flags: they are imported where they are used. `cffi` is the
# build-time package; the compiled core needs only `_cffi_backend`.
HEAVY = ("rich", "dpkt", "pyroute2", "pydantic", "cffi", "zcap._core")
# The filter compiler's stages, which only a filter expression needs.
COMPILER = ("bpf_filters.lexer", "bpf_filters.parser", "bpf_filters.codegen",
            "bpf_filters.optimize", "bpf_filters.assemble")
# The packet printer and the capture path, which only -r or a capture needs.
PRINTING = ("zcap.printing", "zcap.printer", "zcap.capture", "zcap.sources")

MARK = "@@modules "


def loaded_after(statement: str) -> set[str]:
    code = f"import sys; {statement}; import json; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, check=True).stdout
    return set(json.loads(out))


def run_command(*argv: str) -> tuple[int, str, set[str]]:
    """(exit status, standard output, modules loaded) of the console entry point
    run with ``argv``, all in one fresh interpreter."""
    code = ("import json, sys\nfrom zcap.cli import main\n"
            f"try:\n    main({list(argv)!r})\nexcept SystemExit as e:\n    rc = e.code\n"
            f"sys.stdout.flush()\nprint({MARK!r} + json.dumps([rc, sorted(sys.modules)]))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60).stdout
    text, _, tail = out.rpartition(MARK)
    rc, modules = json.loads(tail)
    return rc, text, set(modules)


def among(modules: set[str], names: tuple[str, ...]) -> list[str]:
    """Which of ``names`` (packages include their submodules) were loaded."""
    return sorted(m for m in modules for n in names if m == n or m.startswith(n + "."))


def test_importing_the_cli_loads_nothing_heavy():
    loaded = loaded_after("import zcap.cli")
    assert "typer" in loaded          # the check can see a module that is there
    assert not among(loaded, HEAVY + COMPILER + PRINTING + ("zcap.config",))


def test_parsing_flags_loads_no_pydantic():
    # typer 0.29 imports pydantic while converting option values: the pin in
    # pyproject.toml avoids it; this says so if a newer typer comes back.
    loaded = loaded_after("import zcap.cli, typer; "
                          "typer.main.get_command(zcap.cli.app).make_context("
                          "'zcap', ['-c', '5', '-s', '100', '--duration', '1'])")
    assert "pydantic" not in loaded


def test_import_zcap_is_lazy():
    loaded = loaded_after("import zcap")
    assert not among(loaded, (*HEAVY, "zcap.capture"))
    assert "zcap.capture" in loaded_after("import zcap; zcap.open_live")


def test_link_types_do_not_load_the_compiler():
    # zcap.config and -D need only the link-type table of bpf_filters
    loaded = loaded_after("import bpf_filters.linktypes")
    assert not among(loaded, COMPILER + ("bpf_filters.program", "bpf_filters.ast"))
    loaded = loaded_after("import bpf_filters; bpf_filters.compile('ip')")
    assert set(COMPILER) <= loaded    # the stages do come when a filter is compiled


def test_version_loads_only_the_parser():
    rc, out, loaded = run_command("--version")
    assert rc == 0 and out.startswith("zcap ")
    assert not among(loaded, HEAVY + COMPILER + PRINTING + ("zcap.config", "zcap.registry"))


def test_dump_loads_the_compiler_and_nothing_else_heavy():
    rc, out, loaded = run_command("-d", "ip")
    assert rc == 0 and "ldh      [12]" in out
    assert set(COMPILER) <= loaded
    assert not among(loaded, HEAVY + PRINTING + ("zcap.pcapng", "zcap.iface", "logging"))


def test_list_interfaces_loads_no_compiler():
    rc, out, loaded = run_command("-D")
    assert rc == 0 and "any (Pseudo-device" in out
    assert "zcap.iface" in loaded
    assert not among(loaded, HEAVY + COMPILER + PRINTING + ("zcap.pcapng", "bpf_filters.program"))


def test_reading_a_file_without_a_filter_loads_no_compiler(tmp_path):
    pcap = tmp_path / "ten.pcap"
    write_pcap(str(pcap), [udp_frame(i) for i in range(10)])
    rc, out, loaded = run_command("-r", str(pcap))
    assert rc == 0 and len(out.splitlines()) == 10
    assert {"zcap._core", "zcap.printing"} <= loaded     # what reading does need
    assert not among(loaded, ("rich", "dpkt", "pyroute2", "pydantic", "cffi", "logging")
                     + COMPILER)


def test_a_warning_still_reaches_stderr_once_logging_is_loaded():
    # report makes its logger on the first record: the CLI's handler must be
    # on it whether to_stderr() came before that record or after it.
    code = ("import sys\nfrom zcap import report\nreport.warn('early')\n"
            "assert 'logging' in sys.modules\nreport.to_stderr()\nreport.to_stderr()\n"
            "report.warn('late')\n")
    err = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60).stderr
    assert err == "zcap: late\n"


def test_ctrl_c_while_the_command_line_loads_ends_without_a_traceback():
    # A SIGINT between importing the command line and main() (the import takes
    # a visible fraction of a second) must end the process as it ends tcpdump.
    code = ("import os, signal, time\nimport zcap.cli\n"
            "os.kill(os.getpid(), signal.SIGINT)\ntime.sleep(10)\nprint('survived')\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == -2, (r.returncode, r.stderr)
    assert "Traceback" not in r.stderr and "survived" not in r.stdout


def test_main_puts_pythons_ctrl_c_handling_back():
    code = ("import signal\nfrom zcap.cli import main\n"
            "try:\n    main(['--version'])\nexcept SystemExit:\n    pass\n"
            "print(signal.getsignal(signal.SIGINT) is signal.default_int_handler)\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=60, check=True)
    assert r.stdout.splitlines()[-1] == "True"


# Costly to import for what the quick commands use of them: `socket` builds
# four enum classes (its C module `_socket` has what -D and the printer need),
# and making dataclasses runs exec for every class (the records are plain).
NOT_ON_QUICK_PATHS = ("socket", "dataclasses")


def test_quick_commands_load_neither_socket_nor_dataclasses(tmp_path):
    pcap = tmp_path / "ten.pcap"
    write_pcap(str(pcap), [udp_frame(i) for i in range(10)])
    for argv in (["--version"], ["-d", "ip"], ["-D"], ["-r", str(pcap)],
                 ["-r", str(pcap), "udp"]):
        rc, out, loaded = run_command(*argv)
        assert rc == 0 and out, argv
        assert not among(loaded, NOT_ON_QUICK_PATHS), (argv, among(loaded, NOT_ON_QUICK_PATHS))


def python_says(code: str, *argv: str) -> list[str]:
    r = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True,
                       timeout=60)
    return r.stdout.splitlines() + r.stderr.splitlines()


def test_only_the_entry_point_holds_the_collector_off():
    assert python_says("import gc, zcap.cli; print(gc.isenabled())") == ["True"]
    assert python_says("import gc, zcap.entry; print(gc.isenabled())") == ["False"]


def test_a_file_read_turns_the_collector_back_on(tmp_path):
    # held off while loading, it must run again for the long part of a command
    pcap = tmp_path / "ten.pcap"
    write_pcap(str(pcap), [udp_frame(i) for i in range(10)])
    code = ("import gc, sys\ngc.disable()\nfrom zcap.cli import main\n"
            f"try:\n    main(['-r', {str(pcap)!r}])\nexcept SystemExit:\n    pass\n"
            "print('enabled', gc.isenabled())\n")
    assert "enabled True" in python_says(code)


def test_the_entry_point_flushes_runs_exit_handlers_and_keeps_the_status(tmp_path):
    # it ends the process with os._exit: what Python's exit would have done
    # (flush the output, run atexit handlers, exit status) must still happen
    pcap = tmp_path / "ten.pcap"
    write_pcap(str(pcap), [udp_frame(i) for i in range(10)])
    code = ("import atexit, sys\nfrom zcap.entry import main\n"
            "atexit.register(lambda: print('atexit ran', file=sys.stderr))\n"
            "sys.argv[1:] = sys.argv[2:]\nmain()\n")
    r = subprocess.run([sys.executable, "-c", code, "-", "-r", str(pcap)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and len(r.stdout.splitlines()) == 10
    assert "atexit ran" in r.stderr
    r = subprocess.run([sys.executable, "-c", code, "-", "-d", "ip and"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and "syntax error" in r.stderr and "atexit ran" in r.stderr
    r = subprocess.run([sys.executable, "-c", code, "-", "--no-such-flag"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2
