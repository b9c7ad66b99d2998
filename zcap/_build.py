"""cffi (API mode) build of zcap's C core.

Every ``csrc/NAME.c`` is compiled into the one extension ``zcap._core``; its
declarations for Python live beside it in ``csrc/NAME.cdef`` and its C header in
``csrc/NAME.h``. A new C file is therefore three new files and no edit here.
"""

from pathlib import Path

from cffi import FFI

CSRC = Path(__file__).resolve().parent / "csrc"


def _parts(suffix: str) -> list[Path]:
    # zcap.h/zcap.cdef hold the shared packet record: they must come first.
    files = sorted(CSRC.glob("*" + suffix))
    return sorted(files, key=lambda p: p.stem != "zcap")


ffibuilder = FFI()
ffibuilder.cdef("\n".join(p.read_text() for p in _parts(".cdef")))
ffibuilder.set_source(
    "zcap._core",
    "\n".join(f'#include "{p.name}"' for p in _parts(".h")),
    sources=[str(p.relative_to(Path.cwd())) if p.is_relative_to(Path.cwd()) else str(p)
             for p in _parts(".c")],
    include_dirs=[str(CSRC)],
    extra_compile_args=["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter", "-std=gnu11"],
)

if __name__ == "__main__":
    ffibuilder.compile(verbose=True)
