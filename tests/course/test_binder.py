"""What mybinder.org builds from binder/: repo2docker's view of it, and postBuild's effect.

postBuild runs here in a throwaway virtual environment that sees the shared .venv's packages
but has its own prefix, so its `pip install` and `jupyter ... disable` write only to a
temporary folder; the checks then read back what JupyterLab and Jupyter Server will load.
"""

import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
BINDER = ROOT / "binder"
SHARED_PREFIX = Path(sys.prefix)
# What postBuild needs from the repository: the learner's distribution and the Binder files. Not the
# instructor's (pyproject.toml, solutions, autograder): a learner's environment must build without them.
REPO_PARTS = ["learner", "binder", "course"]
NBGRADER = "@jupyter/nbgrader"
KEPT_PLUGIN = f"{NBGRADER}:validate-assignment"
KEPT_SERVER_EXTENSION = "nbgrader.server_extensions.validate_assignment"

# Run inside the throwaway environment: what JupyterLab and Jupyter Server will actually load.
PROBE = """
import json, os
from jupyter_core.paths import jupyter_config_path, jupyter_path
from jupyter_server.extension.config import ExtensionConfigManager
from jupyterlab.commands import get_app_dir
from jupyterlab_server.config import get_page_config
import backprop_lab

settings = os.path.join(get_app_dir(), "settings")
page = get_page_config(jupyter_path("labextensions"), settings)

def switched_on(entries):  # page config lists either names or {name: bool}
    return sorted(entries if isinstance(entries, list) else (k for k, v in entries.items() if v))

servers = ExtensionConfigManager(read_config_path=jupyter_config_path()).get_jpserver_extensions()
print(json.dumps({
    "disabled": switched_on(page.get("disabledExtensions", [])),
    "locked": switched_on(page.get("lockedExtensions", [])),
    "servers": servers,
    "settings": settings,
    "learner": backprop_lab.__file__,
}))
"""


def copy_repository(destination: Path) -> Path:
    destination.mkdir()
    for part in REPO_PARTS:
        source = ROOT / part
        if source.is_dir():
            ignore = shutil.ignore_patterns("__pycache__", "*.egg-info")
            shutil.copytree(source, destination / part, ignore=ignore)
        else:
            shutil.copy2(source, destination / part)
    return destination


def nbgrader_plugins() -> set[str]:
    """Plugin ids that the installed nbgrader labextension registers."""
    static = SHARED_PREFIX / "share/jupyter/labextensions" / NBGRADER / "static"
    bundles = "".join(path.read_text() for path in static.glob("*.js"))
    return set(re.findall(rf'"({re.escape(NBGRADER)}:[a-z-]+)"', bundles))


def nbgrader_server_extensions() -> set[str]:
    """Server extensions that installing nbgrader switches on."""
    config = SHARED_PREFIX / "etc/jupyter/jupyter_server_config.d/nbgrader.json"
    return set(json.loads(config.read_text())["ServerApp"]["jpserver_extensions"])


def jupyter_state(prefix: Path) -> dict[str, bytes]:
    """Every file where postBuild writes under a prefix, to prove none changed."""
    folders = [prefix / "etc/jupyter", prefix / "share/jupyter/lab/settings"]
    return {str(p): p.read_bytes() for folder in folders for p in folder.rglob("*") if p.is_file()}


def make_throwaway_env(env: Path) -> None:
    """A venv with its own prefix that imports the shared .venv's packages."""
    venv.EnvBuilder(with_pip=False).create(env)
    site_packages = Path(sysconfig.get_path("purelib", vars={"base": str(env)}))
    (site_packages / "shared_venv.pth").write_text(sysconfig.get_path("purelib") + "\n")
    # The jupyter commands, re-pointed at this env's python so that sys.prefix is the env.
    for script in importlib.metadata.entry_points(group="console_scripts"):
        if script.name.startswith("jupyter"):
            module, _, attr = script.value.partition(":")
            launcher = env / "bin" / script.name
            launcher.write_text(
                f"#!{env}/bin/python\nimport sys\nimport {module}\n"
                f"sys.exit({module}.{attr}())\n"
            )
            launcher.chmod(0o755)
    # What installing nbgrader and jupyterlab put under a prefix: config and labextensions.
    shutil.copytree(SHARED_PREFIX / "etc/jupyter", env / "etc/jupyter")
    (env / "share/jupyter/lab").mkdir(parents=True)  # JupyterLab's application folder, as on Binder
    (env / "share/jupyter/labextensions").symlink_to(SHARED_PREFIX / "share/jupyter/labextensions")


@pytest.fixture(scope="module")
def postbuild(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Run binder/postBuild in a throwaway environment; return what Jupyter then loads."""
    tmp = tmp_path_factory.mktemp("binder")
    env = tmp / "env"
    make_throwaway_env(env)
    repo = copy_repository(tmp / "repo")
    home = tmp / "home"
    environ = {
        key: value for key, value in os.environ.items()
        if not key.startswith(("JUPYTER", "VIRTUAL_ENV", "PYTHON"))
    }
    environ.update(
        PATH=f"{env / 'bin'}{os.pathsep}{environ['PATH']}",
        HOME=str(home),
        JUPYTER_CONFIG_DIR=str(home / ".jupyter"),
        JUPYTER_DATA_DIR=str(home / ".local/share/jupyter"),
    )
    shared_before = jupyter_state(SHARED_PREFIX)
    run = subprocess.run(
        ["bash", "binder/postBuild"], cwd=repo, env=environ, capture_output=True, text=True,
        timeout=300,
    )
    assert run.returncode == 0, f"postBuild failed:\n{run.stdout}\n{run.stderr}"
    assert jupyter_state(SHARED_PREFIX) == shared_before, "postBuild wrote into the shared .venv"
    probe = subprocess.run(
        ["python", "-c", PROBE], cwd=tmp, env=environ, capture_output=True, text=True, timeout=120,
    )
    assert probe.returncode == 0, probe.stderr
    return {**json.loads(probe.stdout), "repo": repo}


def test_binder_environment_pins_python_for_repo2docker() -> None:
    environment = yaml.safe_load((BINDER / "environment.yml").read_text())
    # repo2docker reads the version only from a plain `python=X.Y` entry.
    assert "python=3.11" in environment["dependencies"]


def test_postbuild_is_strict_bash() -> None:
    check = subprocess.run(["bash", "-n", BINDER / "postBuild"], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    lines = (BINDER / "postBuild").read_text().splitlines()
    assert lines[0] == "#!/usr/bin/env bash"
    code = [line for line in lines if line.strip() and not line.startswith("#")]
    assert code[0] == "set -euo pipefail"


def test_repo2docker_builds_binder_with_the_conda_build_pack(tmp_path: Path) -> None:
    repo = copy_repository(tmp_path / "repo")
    dry_run = subprocess.run(
        [SHARED_PREFIX / "bin/jupyter-repo2docker", "--no-build", "--no-run", repo],
        capture_output=True, text=True, timeout=120,
    )
    assert dry_run.returncode == 0, dry_run.stderr
    assert "Building conda environment for python=3.11" in dry_run.stderr
    dockerfile = dry_run.stdout
    install = dockerfile.index('env update -p ${NB_PYTHON_PREFIX} --file "binder/environment.yml"')
    # The environment is built before the repository is copied in, so Binder caches it.
    assert install < dockerfile.index("COPY --chown=0:0 src/ ${REPO_DIR}/")
    assert "RUN ./binder/postBuild" in dockerfile


def test_overrides_name_real_jupyterlab_settings() -> None:
    overrides = json.loads((BINDER / "overrides.json").read_text())
    schemas = SHARED_PREFIX / "share/jupyter/lab/schemas"
    for plugin, settings in overrides.items():
        package, _, name = plugin.partition(":")
        schema_file = schemas / package / f"{name}.json"
        assert schema_file.is_file(), f"{plugin} is not a JupyterLab plugin with settings"
        properties = json.loads(schema_file.read_text())["properties"]
        for key, value in settings.items():
            assert key in properties, f"{plugin} has no setting {key!r}"
            jsonschema.validate(value, properties[key])


def test_postbuild_installs_the_learner_package_editable(postbuild: dict) -> None:
    assert Path(postbuild["learner"]).is_relative_to(postbuild["repo"])


def test_postbuild_disables_exactly_the_instructor_plugins(postbuild: dict) -> None:
    plugins = nbgrader_plugins()
    assert KEPT_PLUGIN in plugins, f"nbgrader's Validate plugin not found among {plugins}"
    instructor = plugins - {KEPT_PLUGIN}
    assert instructor >= {f"{NBGRADER}:formgrader", f"{NBGRADER}:create-assignment"}
    assert postbuild["disabled"] == sorted(instructor)
    assert postbuild["locked"] == sorted(instructor)


def test_postbuild_disables_exactly_the_instructor_server_extensions(postbuild: dict) -> None:
    servers = postbuild["servers"]
    nbgrader = nbgrader_server_extensions()
    assert KEPT_SERVER_EXTENSION in nbgrader
    assert {name for name in nbgrader if not servers[name]} == nbgrader - {KEPT_SERVER_EXTENSION}
    assert servers[KEPT_SERVER_EXTENSION] is True
    assert all(servers[name] for name in servers if name not in nbgrader), servers


def test_postbuild_installs_the_jupyterlab_overrides(postbuild: dict) -> None:
    installed = Path(postbuild["settings"]) / "overrides.json"
    assert installed.read_text() == (BINDER / "overrides.json").read_text()


def test_readme_badge_opens_the_first_release_notebook() -> None:
    readme = (ROOT / "README.md").read_text()
    badge = re.search(r"\(https://mybinder\.org/v2/gh/([\w.-]+/[\w.-]+)/HEAD\?urlpath=lab/tree/(\S+?)\)", readme)
    assert badge, "README.md has no Binder badge opening JupyterLab (urlpath=lab/tree/...)"
    # On Binder the repository is the home folder, so the path is relative to the repository.
    assert badge.group(2) == "course/release/01_central_difference/central_difference.ipynb"
    assert (ROOT / badge.group(2)).is_file()
