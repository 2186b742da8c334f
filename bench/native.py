"""The detection core compiled with mypyc, in place: opt-in, never the default.

    python -m bench.native build [TREE]    # compile the hot modules of TREE (default: this checkout)
    python -m bench.native clean [TREE]    # remove the compiled modules: pure Python again

The compiled modules (`*.so` next to their `.py`) shadow the sources while they exist, so
the same tests and `bench/core_probe.py` measure them. They are built from the very same
sources and give the same alerts and states (the probe's digests). Needs a C compiler and
the Python headers; mypyc comes with mypy (the dev extra). Nothing in the project imports
this module: the pure-Python core stays the one that runs unless someone builds this.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GROUP = "streams.detect.native"
"""The mypyc runtime shared by the compiled modules: streams/detect/native__mypyc.*.so."""
MODULES = (
    "streams/detect/addressing.py",
    "streams/detect/capitals.py",
    "streams/detect/combine.py",
    "streams/detect/context.py",
    "streams/detect/engine.py",
    "streams/detect/escalation.py",
    "streams/detect/forecast.py",
    "streams/detect/learned/features.py",
    "streams/detect/learned/model.py",
    "streams/detect/offsets.py",
    "streams/detect/prefilter.py",
    "streams/detect/replies.py",
    "streams/detect/rules/frames.py",
    "streams/detect/rules/shaped.py",
    "streams/detect/scorer.py",
    "streams/detect/spelling.py",
    "streams/detect/text.py",
    "streams/detect/tokens.py",
)
"""The modules `step` spends its time in (py-spy), that mypyc compiles as they are."""

_SETUP = """
import sys
from setuptools import setup
from mypyc.build import mypycify
setup(name="flamewatch-native", py_modules=[],
      ext_modules=mypycify({modules!r}, group_name={group!r}, opt_level="3", target_dir={c!r}))
"""


def compiled(tree: Path) -> list[Path]:
    detect = tree / "streams" / "detect"
    return sorted(p for p in detect.rglob("*.so"))


def clean(tree: Path) -> None:
    for so in compiled(tree):
        so.unlink()


def build(tree: Path) -> list[Path]:
    clean(tree)
    with tempfile.TemporaryDirectory(prefix="flamewatch-native-") as tmp:
        setup = Path(tmp) / "setup_native.py"
        setup.write_text(_SETUP.format(modules=list(MODULES), group=GROUP, c=f"{tmp}/c"))
        cmd = [sys.executable, str(setup), "build_ext", "--inplace", "--build-temp",
               str(Path(tmp) / "temp"), "--build-lib", str(Path(tmp) / "lib")]
        subprocess.run(cmd, cwd=tree, check=True, stdout=subprocess.DEVNULL,
                       env={**os.environ, "PYTHONPATH": str(tree)})
    return compiled(tree)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] not in ("build", "clean"):
        print(__doc__)
        return 2
    tree = Path(args[1]).resolve() if len(args) > 1 else ROOT
    if args[0] == "clean":
        clean(tree)
        return 0
    built = build(tree)
    print(f"{len(built)} compiled modules in {tree / 'streams' / 'detect'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
