"""The ``zcap`` console script and ``python -m zcap``: the command line of
``zcap.cli``, started with the cyclic garbage collector held off and ended
without the interpreter's teardown.

Start-up and exit are most of what ``zcap -d``, ``-D`` and ``-r`` of a small
file cost, and they run in scripts and loops (issue 16):

- loading typer, the command line and the modules a command needs allocates
  tens of thousands of objects, none of them garbage, and the collector would
  walk them over and over (about 5% of the start). So it stays off while the
  command loads; ``zcap.cli`` turns it back on where a capture or a file read
  starts its long part, and a quick command ends without having needed it;
- once the command has returned (every file closed, every worker joined), the
  interpreter's teardown would free every module and run a last collection
  over all of them: about a tenth of a quick command's instructions, for a
  process about to end. The exit handlers run and the output is flushed, then
  the process ends with ``os._exit``, as multiprocessing ends its children.

Only the entry point does this: importing ``zcap.cli`` (tests, the library)
leaves the collector and the exit alone.
"""

import gc

gc.disable()

import atexit  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402

from . import cli  # noqa: E402 - after the collector is held off, on purpose


def main() -> None:
    """Run the command line, then end the process with its exit status."""
    try:
        cli.main()
        status = 0
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            status = exc.code or 0
        else:                                   # sys.exit("message"), as Python exits
            print(exc.code, file=sys.stderr)
            status = 1
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (BrokenPipeError, ValueError):   # the reader went away; or closed
            status = status or 1
    os._exit(status)
