"""The command line: flags, one-line errors, exit codes."""

import subprocess
import sys

import pytest


def zcap(*args, timeout=60):
    return subprocess.run([sys.executable, "-m", "zcap", *args], capture_output=True,
                          text=True, timeout=timeout)


def one_line_error(proc, code, *words):
    """Exit status ``code`` (man page: 1 an error, 2 a bad option or value) and
    one line on stderr holding every word."""
    assert proc.returncode == code, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("zcap: ")
    for w in words:
        assert w in lines[0], lines[0]


def test_version():
    proc = zcap("--version")
    assert proc.returncode == 0 and proc.stdout.startswith("zcap ")


def test_help_lists_the_capture_flags():
    out = zcap("--help").stdout
    for flag in ("-i", "-w", "-c", "-s", "-B", "-p", "--duration", "-D"):
        assert f" {flag} " in out or f"{flag}," in out or f" {flag}\n" in out, flag


# Every one a bad option or value: exit status 2, except a file that isn't there (1).
@pytest.mark.parametrize("args,words", [
    (["-i", "lo", "-w", "/tmp/x", "-c", "0"], ["packet count"]),
    (["-i", "lo", "-w", "/tmp/x", "-c", "many"], ["-c"]),
    (["-i", "lo", "-w", "/tmp/x", "-B", "0"], ["buffer size"]),
    (["-i", "lo", "-w", "/tmp/x", "-B", "-5"], ["buffer size"]),
    (["-i", "lo", "-w", "/tmp/x", "-s", "-1"], ["snapshot length"]),
    (["-i", "lo", "-w", "/tmp/x", "-s", "300000"], ["snaplen"]),
    (["-i", "lo", "-w", "/tmp/x", "--duration", "0"], ["duration"]),
    (["-r", "/tmp/x", "-i", "lo"], ["-r and -i"]),
    (["-i", "lo", "--time-stamp-precision", "pico"], ["precision"]),
    (["-d", "-y", "NOPE", "ip"], ["link type"]),
    (["-r", "/nonexistent.pcap"], ["/nonexistent.pcap"]),
    (["--no-such-flag"], ["--no-such-flag"]),
])
def test_bad_values_one_line(args, words):
    one_line_error(zcap(*args), 1 if args[0] == "-r" and len(args) == 2 else 2, *words)


def test_unknown_interface_lists_the_real_ones(veth):
    proc = subprocess.run(["ip", "netns", "exec", veth.ns_b, sys.executable, "-m", "zcap",
                           "-i", "nosuch0", "-w", "/tmp/x"], capture_output=True, text=True,
                          timeout=30)
    one_line_error(proc, 1, "nosuch0", "no such interface", veth.if_b, "lo")


def test_list_interfaces_in_namespace(veth):
    proc = subprocess.run(["ip", "netns", "exec", veth.ns_b, sys.executable, "-m", "zcap", "-D"],
                          capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0
    names = [line.split()[0].split(".", 1)[1] for line in proc.stdout.splitlines()]
    assert names == ["lo", veth.if_b, "any"]
    assert "EN10MB" in proc.stdout


def test_not_permitted_says_what_is_needed(veth, tmp_path):
    # Root without CAP_NET_RAW: what an unprivileged user meets, with our
    # interpreter still readable (it lives in root's home on these machines).
    proc = subprocess.run(["ip", "netns", "exec", veth.ns_b, "setpriv",
                           "--bounding-set=-net_raw,-net_admin", "--inh-caps=-net_raw,-net_admin",
                           sys.executable, "-m", "zcap", "-i", veth.if_b, "-w", "/tmp/np.pcapng"],
                          capture_output=True, text=True, timeout=30)
    one_line_error(proc, 1, "CAP_NET_RAW")


def test_unwritable_output(veth):
    proc = subprocess.run(["ip", "netns", "exec", veth.ns_b, sys.executable, "-m", "zcap",
                           "-i", veth.if_b, "-w", "/nonexistent/dir/out.pcapng", "-c", "1"],
                          capture_output=True, text=True, timeout=30)
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines()[-1] == \
        "zcap: /nonexistent/dir/out.pcapng: No such file or directory"
    assert "Traceback" not in proc.stderr
