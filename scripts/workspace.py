"""Give a learner their own copy of every released notebook, without ever touching one they have.

    python3 scripts/workspace.py [--release course/release] [--into my-work]

Copies each file of the release folder that the workspace lacks, keeping the NN_name/ folders.
A file already in the workspace is never overwritten and nothing is deleted, so a learner's
edits survive `git pull` (the workspace is git-ignored) and every `make` target. Standard
library only: it runs before the course's environment is installed.

Each notebook copied is stamped with the `language_info` that ipykernel reports for the Python
running this script, the one the course's environment is made from: JupyterLab writes the
kernel's `language_info` into a notebook it opens, and marks the notebook unsaved when that
changes it, so an untouched copy that already says the same stays clean.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path


def kernel_language_info() -> dict:
    """What ipykernel running on this Python says about its language (ipykernel's IPythonKernel.language_info)."""
    return {"name": "python", "version": sys.version.split()[0], "mimetype": "text/x-python",
            "codemirror_mode": {"name": "ipython", "version": sys.version_info[0]},
            "pygments_lexer": "ipython3", "nbconvert_exporter": "python", "file_extension": ".py"}


def copy_notebook(source: Path, destination: Path) -> None:
    """Copy a notebook, saying in its metadata what the learner's kernel will say."""
    notebook = json.loads(source.read_text(encoding="utf-8"))
    notebook["metadata"]["language_info"] = kernel_language_info()
    destination.write_text(json.dumps(notebook, indent=1, sort_keys=True, ensure_ascii=False) + "\n",
                           encoding="utf-8")


def missing_files(release: Path, workspace: Path) -> list[Path]:
    """The release's files (relative paths) that have no copy in the workspace yet."""
    released = sorted(path.relative_to(release) for path in release.rglob("*")
                      if path.is_file() and ".ipynb_checkpoints" not in path.parts)
    return [path for path in released if not (workspace / path).exists()]


def fill(release: Path, workspace: Path) -> list[Path]:
    """Copy the release's files missing from the workspace into it; return what was copied."""
    copied = missing_files(release, workspace)
    for path in copied:
        (workspace / path).parent.mkdir(parents=True, exist_ok=True)
        if path.suffix == ".ipynb":
            copy_notebook(release / path, workspace / path)
        else:
            shutil.copy2(release / path, workspace / path)
    return copied


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--release", type=Path, default=Path("course/release"),
                        help="the released notebooks (default: course/release)")
    parser.add_argument("--into", type=Path, default=Path("my-work"),
                        help="the learner's workspace (default: my-work)")
    args = parser.parse_args(argv)
    if not args.release.is_dir():
        print(f"workspace: {args.release} is not a folder; run this from the repository's root, "
              "or name the release folder with --release", file=sys.stderr)
        return 2
    copied = fill(args.release, args.into)
    for path in copied:
        print(f"{args.into / path}: a fresh copy of {args.release / path}")
    if not copied:
        print(f"{args.into}/ has every notebook of {args.release}/; your work there is untouched")
    return 0


if __name__ == "__main__":
    sys.exit(main())
