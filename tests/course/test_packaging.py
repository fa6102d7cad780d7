"""The two distributions and the conda files that install them must name the same packages.

The learner's distribution (learner/pyproject.toml, with its `lab` extra) and mybinder.org's
binder/environment.yml describe a learner's environment; the instructor's (pyproject.toml) and
environment.yml an instructor's. A dependency added to one and forgotten in its twin breaks only
the users of that route, so each pair is compared here, name and version range alike. The README, which tells people how to install
and run the distribution, is checked against its `autograder` command too.
"""

import re
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
CONDA_FILES = ["environment.yml", "binder/environment.yml"]
# Conda entries that are the interpreter and its installer, not dependencies of the project.
CONDA_TOOLING = {"python", "pip"}


LEARNER = "backprop-lab"


def pyproject(relative: str = "pyproject.toml") -> dict:
    return tomllib.loads((ROOT / relative).read_text())


def learner_requirements() -> set[str]:
    project = pyproject("learner/pyproject.toml")["project"]
    return {normalized(dep) for dep in project["dependencies"] + project["optional-dependencies"]["lab"]}


def instructor_requirements() -> set[str]:
    """The instructor's dependencies other than the learner's distribution, which pip installs from learner/."""
    deps = pyproject()["project"]["dependencies"]
    return {normalized(dep) for dep in deps if canonicalize_name(Requirement(dep).name) != LEARNER}


def normalized(spec: str) -> str:
    """One spelling per requirement, e.g. 'Array_API-compat >= 1.9' -> 'array-api-compat>=1.9'."""
    requirement = Requirement(spec)
    return f"{canonicalize_name(requirement.name)}{requirement.specifier}"


def conda_file(relative: str) -> dict:
    return yaml.safe_load((ROOT / relative).read_text())


def conda_entries(relative: str) -> list[str]:
    """The conda (not pip) dependencies of an environment file."""
    return [dep for dep in conda_file(relative)["dependencies"] if isinstance(dep, str)]


def conda_requirements(relative: str) -> set[str]:
    entries = conda_entries(relative)
    tooling = {dep for dep in entries if canonicalize_name(dep.split("=")[0]) in CONDA_TOOLING}
    return {normalized(dep) for dep in entries if dep not in tooling}


def pip_section(relative: str) -> list[str]:
    sections = [dep["pip"] for dep in conda_file(relative)["dependencies"] if isinstance(dep, dict)]
    return [line for section in sections for line in section]


@pytest.mark.parametrize("relative", ["pyproject.toml", "learner/pyproject.toml"])
def test_pyproject_dependencies_are_distinct_packages(relative: str) -> None:
    names = [Requirement(dep).name for dep in pyproject(relative)["project"]["dependencies"]]
    assert len({canonicalize_name(name) for name in names}) == len(names), names


def test_instructor_distribution_depends_on_this_learner_distribution() -> None:
    learner = pyproject("learner/pyproject.toml")["project"]
    wanted = f"{learner['name']}=={learner['version']}"
    assert wanted in pyproject()["project"]["dependencies"]
    assert pyproject()["project"]["name"] != learner["name"]


def test_learner_distribution_holds_only_the_learner_package() -> None:
    assert pyproject("learner/pyproject.toml")["tool"]["setuptools"]["packages"]["find"]["include"] == ["backprop_lab*"]
    assert not any(name.startswith("backprop_lab") for name in
                   pyproject()["tool"]["setuptools"]["packages"]["find"]["include"])


@pytest.mark.parametrize("relative, requirements", [
    ("environment.yml", instructor_requirements), ("binder/environment.yml", learner_requirements),
])
def test_conda_environment_names_exactly_the_pyproject_dependencies(relative: str, requirements) -> None:
    wanted = requirements()
    found = conda_requirements(relative)
    assert found == wanted, (
        f"{relative} and pyproject.toml disagree. Missing from {relative}: "
        f"{sorted(wanted - found)}; not in pyproject.toml: {sorted(found - wanted)}. "
        "Edit both so they name the same packages and version ranges."
    )


@pytest.mark.parametrize("relative", CONDA_FILES)
def test_conda_environment_pins_a_python_the_project_supports(relative: str) -> None:
    pins = [dep for dep in conda_entries(relative) if dep.startswith("python")]
    assert pins == ["python=3.11"], f"{relative} should pin exactly 'python=3.11', found {pins}"
    assert "3.11" in SpecifierSet(pyproject()["project"]["requires-python"])
    assert "3.11" in SpecifierSet(pyproject("learner/pyproject.toml")["project"]["requires-python"])
    assert "pip" in conda_entries(relative), f"{relative} needs pip to install the project"


@pytest.mark.parametrize("relative", CONDA_FILES)
def test_conda_environment_uses_conda_forge_only(relative: str) -> None:
    assert conda_file(relative)["channels"] == ["conda-forge"]


def test_root_environment_installs_both_distributions_from_the_checkout() -> None:
    assert pip_section("environment.yml") == ["-e learner", "-e ."]


def test_binder_environment_leaves_the_project_to_postbuild() -> None:
    # A local path in the pip section would stop repo2docker from caching the environment
    # before the repository is copied in; postBuild installs the project instead.
    assert pip_section("binder/environment.yml") == []


def test_gpu_stays_an_optional_extra() -> None:
    extras = pyproject()["project"]["optional-dependencies"]
    gpu = [canonicalize_name(Requirement(dep).name) for dep in extras["gpu"]]
    assert gpu and all(name.startswith("cupy") for name in gpu), gpu
    for relative in CONDA_FILES:
        assert not any(dep.startswith("cupy") for dep in conda_entries(relative)), relative


def test_readme_documents_every_autograder_command() -> None:
    from autograder.cli import COMMANDS

    readme = (ROOT / "README.md").read_text()
    documented = set(re.findall(r"^autograder (\w+)", readme, flags=re.MULTILINE))
    assert documented == set(COMMANDS), (
        f"README examples cover {sorted(documented)}; the CLI has {sorted(COMMANDS)}"
    )
