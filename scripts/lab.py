"""Serve the whole course in JupyterLab and print the one address a learner needs: notebook 01's.

    python scripts/lab.py --workspace my-work --release course/release [JupyterLab options ...]

`make lab` runs this, and so does the test of `make lab`. The server's root is the repository,
so every notebook in the workspace and the instructor's formgrader (which needs course/ under
the root) are reachable. Jupyter's own log is kept to warnings; once the server answers, one
line gives the address. Options it does not know (`--port=8890`, `--no-browser`) go to JupyterLab.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

from jupyter_core.paths import jupyter_runtime_dir

ROOT = Path(__file__).resolve().parents[1]


def first_notebook(release: Path, workspace: Path) -> str:
    """The workspace copy of the first released notebook, as a path relative to the repository."""
    notebooks = sorted(release.glob("*/*.ipynb"))
    if not notebooks:
        raise SystemExit(f"lab: no notebooks in {release}/; run this from the repository's root")
    return (workspace / notebooks[0].relative_to(release)).as_posix()


def lab_command(notebook: str, token: str, options: list[str]) -> list[str]:
    """JupyterLab over the repository, opening `notebook`, quiet but for warnings; `options` last, so they win."""
    command = [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={ROOT}",
               f"--LabApp.default_url=/lab/tree/{quote(notebook)}",
               # Binder's settings (binder/overrides.json): no news pop-up or update checks, autosave.
               f"--LabApp.app_settings_dir={ROOT / 'binder'}",
               # A token of ours: Jupyter prints its multi-line banner only for a token it made up.
               f"--IdentityProvider.token={token}",
               "--Application.log_level=WARN",
               # One Ctrl-C stops the server, without a question to answer within 5 s.
               "--ServerApp.answer_yes=True"]
    if os.geteuid() == 0:  # containers and CI run as root; Jupyter refuses that unless told
        command.append("--allow-root")
    return command + options


def server_info(process: subprocess.Popen) -> dict | None:
    """What the server wrote about itself (url, token) once it listens; None while it is starting."""
    info_file = Path(jupyter_runtime_dir()) / f"jpserver-{process.pid}.json"
    try:
        info = json.loads(info_file.read_text())
    except (OSError, ValueError):
        return None
    try:
        urllib.request.urlopen(f"{info['url']}api/status?token={info['token']}", timeout=5)
    except OSError:
        return None
    return info


def wait_for_server(process: subprocess.Popen) -> dict | None:
    """The server's info once it answers, however long a busy machine takes; None if it exited."""
    while process.poll() is None:
        info = server_info(process)
        if info:
            return info
        time.sleep(0.25)
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", type=Path, required=True, help="the learner's folder, e.g. my-work")
    parser.add_argument("--release", type=Path, required=True, help="the released notebooks, e.g. course/release")
    args, options = parser.parse_known_args(argv)
    notebook = first_notebook(ROOT / args.release, args.workspace)
    process = subprocess.Popen(lab_command(notebook, secrets.token_hex(24), options), cwd=ROOT)
    try:
        info = wait_for_server(process)
        if info:
            address = f"{info['url']}lab/tree/{quote(notebook)}?token={info['token']}"
            print(f"JupyterLab is ready. Open notebook 01 at {address}  (Ctrl-C here stops it)", flush=True)
        return process.wait()
    except KeyboardInterrupt:  # the server got the same Ctrl-C and is shutting down
        return process.wait()


if __name__ == "__main__":
    sys.exit(main())
