"""Tamper checks on a submitted notebook, against the student version it was made from.

Everything here reads code, it never runs it: answer cells are parsed with `ast`. A finding is
a flag with a reason for the instructor; it does not change a score unless they ask for that.
"""

from __future__ import annotations

import ast
import builtins
from collections import Counter
from dataclasses import dataclass

from nbformat import NotebookNode
from nbgrader.utils import compute_checksum, is_grade, is_solution

from .grades import grade_id

PROTECTED_MODULES = {
    "numpy", "math", "cmath", "builtins", "autograder", "solutions", "backprop_lab", "random", "operator",
}
REFERENCE_MODULES = {"solutions", "autograder"}
# The learner package: any cell may import it (a widget to look at one's own graph, a visible check
# re-run), but an answer built from it is not the learner's own, so answer cells may not.
LEARNER_PACKAGE = "backprop_lab"
PATH_CALLS = {"open", "Path", "PurePath", "PosixPath", "WindowsPath"}
FILE_MODULES = {"os", "shutil", "pathlib", "subprocess", "io", "glob", "tempfile"}
FILE_ACTIONS = {
    "remove", "unlink", "rmdir", "removedirs", "rename", "renames", "replace", "chdir", "system", "popen",
    "chmod", "chown", "symlink", "link", "makedirs", "mkdir", "truncate", "write_text", "write_bytes",
    "rmtree", "move", "copy", "copyfile", "copy2", "copytree", "run", "call", "check_call", "check_output",
    "Popen", "listdir", "scandir", "walk", "glob", "execv", "execvp", "spawnv", "fork", "kill",
}
PATCHERS = {"setattr", "delattr", "patch", "monkeypatch"}
BUILTIN_NAMES = set(dir(builtins)) - {"_", "__doc__", "__name__", "__spec__", "__loader__", "__package__"}


@dataclass(frozen=True)
class Finding:
    """One reason to look at a submission: `kind` for counting, `message` for people."""

    kind: str
    message: str


def grade_ids(nb: NotebookNode) -> list[str]:
    return [name for name in map(grade_id, nb.cells) if name]


def _cells_by_id(nb: NotebookNode) -> dict[str, NotebookNode]:
    return {grade_id(c): c for c in nb.cells if grade_id(c)}


def is_other_assignment(submitted: NotebookNode, release: NotebookNode) -> bool:
    """True when the submission shares no answer or test cell with the student version.

    Locked cells such as `setup` carry the same grade_id in every notebook of the course, so they
    say nothing about which assignment a notebook belongs to.
    """
    return not _graded_ids(submitted) & _graded_ids(release)


def _graded_ids(nb: NotebookNode) -> set[str]:
    return {grade_id(cell) for cell in nb.cells if grade_id(cell) and (is_grade(cell) or is_solution(cell))}


def check_notebook(submitted: NotebookNode, release: NotebookNode) -> list[Finding]:
    """Every finding for one submitted notebook, structure first, then the answer code."""
    return structure_findings(submitted, release) + code_findings(submitted, release)


def structure_findings(submitted: NotebookNode, release: NotebookNode) -> list[Finding]:
    """Test cells edited or deleted, answer cells missing, cells duplicated (by grade_id)."""
    findings = []
    counts = Counter(grade_ids(submitted))
    for cell_id, n in sorted(counts.items()):
        if n > 1:
            findings.append(Finding("cell-duplicated", f"cell {cell_id!r} appears {n} times (duplicated or split)"))
    mine = _cells_by_id(submitted)
    for cell_id, given in _cells_by_id(release).items():
        meta = given.metadata["nbgrader"]
        if cell_id not in mine:
            kind = "answer-cell-missing" if meta.get("solution") else "test-cell-deleted"
            what = "answer cell" if meta.get("solution") else "locked cell"
            findings.append(Finding(kind, f"{what} {cell_id!r} is missing (deleted, or split and renamed)"))
        elif meta.get("locked") and _checksum(mine[cell_id]) != _checksum(given):
            findings.append(Finding(
                "test-cell-edited",
                f"locked cell {cell_id!r} was edited (nbgrader grades with the original cell)",
            ))
    return findings


def _checksum(cell: NotebookNode) -> str | None:
    """nbgrader's checksum of a cell (source, type, flags, grade_id, points); None if its metadata is broken."""
    try:
        return compute_checksum(cell)
    except (KeyError, TypeError, ValueError):
        return None


def code_findings(submitted: NotebookNode, release: NotebookNode) -> list[Finding]:
    """Findings in the code the learner wrote: every code cell not given verbatim in the release."""
    given = {c.source.strip() for c in release.cells if c.cell_type == "code"}
    helpers = _test_helper_names(release)
    answers = _answer_names(release)
    aliases = _module_aliases(submitted) | _module_aliases(release)
    findings: list[Finding] = []
    for cell in submitted.cells:
        if cell.cell_type != "code" or cell.source.strip() in given:
            continue
        where = grade_id(cell) or "an added cell"
        try:
            tree = ast.parse(_without_magics(cell.source))
        except SyntaxError:
            continue
        is_answer = cell.metadata.get("nbgrader", {}).get("solution", False) or bool(_bound_names(tree) & answers)
        for kind, message in _CodeChecker(aliases, helpers, is_answer).run(tree) + tricks(tree):
            findings.append(Finding(kind, f"{where}: {message}"))
    return list(dict.fromkeys(findings))


def _without_magics(source: str) -> str:
    """IPython magics and shell escapes are not Python; blank them so the rest still parses."""
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())


def _module_aliases(nb: NotebookNode) -> dict[str, str]:
    """Local name -> protected module it is bound to, from every import in the notebook."""
    aliases = {}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        try:
            tree = ast.parse(_without_magics(cell.source))
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.split(".")[0] in PROTECTED_MODULES:
                        aliases[alias.asname or alias.name.split(".")[0]] = alias.name
            elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in PROTECTED_MODULES:
                for alias in node.names:
                    aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return aliases


def _test_helper_names(release: NotebookNode) -> set[str]:
    """Names the locked cells bind (imports, functions, classes): test cells rely on them."""
    names = set()
    for cell in release.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code" or not meta.get("locked"):
            continue
        try:
            tree = ast.parse(_without_magics(cell.source))
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names.update(a.asname or a.name.split(".")[0] for a in node.names if a.name != "*")
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
    return names


def _bound_names(tree: ast.Module) -> set[str]:
    """Names a cell binds at its top level: functions, classes and assigned names."""
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name))
    return names


def _answer_names(release: NotebookNode) -> set[str]:
    """Names the answer cells bind (the functions and classes a learner writes): a cell binding one is an answer."""
    names = set()
    for cell in release.cells:
        if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("solution"):
            try:
                names |= _bound_names(ast.parse(_without_magics(cell.source)))
            except SyntaxError:
                continue
    return names


def _root_name(node: ast.AST) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _dotted(node: ast.AST) -> str:
    return ast.unparse(node)


class _CodeChecker(ast.NodeVisitor):
    """Walks one answer cell and collects (kind, message) pairs."""

    def __init__(self, aliases: dict[str, str], helpers: set[str], is_answer: bool) -> None:
        self.aliases = aliases
        self.helpers = helpers
        self.is_answer = is_answer
        self.found: list[tuple[str, str]] = []
        self.depth = 0  # 0 at the top of the cell: only there does a rebinding reach the tests

    def run(self, tree: ast.AST) -> list[tuple[str, str]]:
        self.visit(tree)
        return self.found

    def _protected(self, node: ast.AST) -> bool:
        root = _root_name(node)
        return root is not None and (root in self.aliases or root in {"__builtins__", "sys"})

    def _forbidden(self, module: str) -> str:
        """Why importing `module` here is flagged, or '' when it is allowed."""
        root = module.split(".")[0]
        if root in REFERENCE_MODULES:
            return "imports"
        if root == LEARNER_PACKAGE and self.is_answer:
            return "an answer cell imports"
        return ""

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if why := self._forbidden(alias.name):
                self.found.append(("imports-reference", f"{why} {alias.name}"))
        self.generic_visit(node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if why := self._forbidden(node.module or ""):
            self.found.append(("imports-reference", f"{why} from {node.module}"))
        self.generic_visit(node)

    def _check_target(self, target: ast.AST) -> None:
        if isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                self._check_target(element)
        elif isinstance(target, (ast.Attribute, ast.Subscript)) and self._protected(target):
            self.found.append(("patches", f"patches {_dotted(target)}"))
        elif isinstance(target, ast.Name):
            self._check_name(target.id)

    def _check_name(self, name: str) -> None:
        if self.depth:
            return
        if name in BUILTIN_NAMES:
            self.found.append(("patches", f"rebinds the builtin {name!r}"))
        elif name in self.helpers:
            self.found.append(("patches", f"rebinds {name!r}, which the test cells use"))

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            self._check_target(target)
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self._check_target(node.target)
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._check_target(node.target)
        self.generic_visit(node)

    def visit_Delete(self, node: ast.Delete) -> None:
        for target in node.targets:
            self._check_target(target)
        self.generic_visit(node)

    def _check_definition(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> None:
        self._check_name(node.name)
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _check_definition

    def visit_Call(self, node: ast.Call) -> None:
        func = _dotted(node.func)
        last = func.rsplit(".", 1)[-1]
        if last in PATCHERS and node.args and (self._protected(node.args[0]) or isinstance(node.args[0], ast.Constant)):
            self.found.append(("patches", f"patches through {func}({_dotted(node.args[0])}, ...)"))
        if func in {"__import__", "importlib.import_module"} and node.args:
            target = node.args[0]
            if isinstance(target, ast.Constant) and (why := self._forbidden(str(target.value))):
                self.found.append(("imports-reference", f"{why} {target.value} through {func}"))
        root = _root_name(node.func)
        if last in PATH_CALLS or root in FILE_MODULES:
            self._check_file_access(func, node, root in FILE_MODULES and last in FILE_ACTIONS)
        self.generic_visit(node)

    def _check_file_access(self, func: str, node: ast.Call, module_call: bool) -> None:
        literals = [a.value for a in [*node.args, *(k.value for k in node.keywords)]
                    if isinstance(a, ast.Constant) and isinstance(a.value, str)]
        outside = [p for p in literals if p.startswith(("/", "~", "\\")) or ".." in p.replace("\\", "/").split("/")]
        if outside:
            self.found.append(("touches-files", f"{func}() reaches outside the submission folder: {outside[0]!r}"))
        elif module_call:
            self.found.append(("touches-files", f"calls {func}() (file system or process access from an answer)"))


# --- The building blocks of tricks on the grader: flagged wherever they appear in an answer --------

TRICK_CALLS = {
    "exec": "runs code built at run time (exec)",
    "eval": "runs code built at run time (eval)",
    "compile": "compiles code built at run time (compile)",
    "__import__": "imports a module by a computed name (__import__)",
    "importlib.import_module": "imports a module by a computed name (importlib)",
    "sys._getframe": "reads the caller's frames (sys._getframe)",
    "inspect.currentframe": "reads the caller's frames (inspect.currentframe)",
    "inspect.stack": "reads the caller's frames (inspect.stack)",
    "inspect.getouterframes": "reads the caller's frames (inspect.getouterframes)",
    "inspect.trace": "reads the caller's frames (inspect.trace)",
    "gc.get_referrers": "searches live objects (gc.get_referrers)",
    "gc.get_referents": "searches live objects (gc.get_referents)",
    "gc.get_objects": "searches live objects (gc.get_objects)",
    "os.kill": "sends a signal to another process (os.kill)",
    "os.killpg": "sends a signal to other processes (os.killpg)",
    "signal.signal": "installs a signal handler (signal.signal)",
    "signal.pthread_kill": "sends a signal to a thread (signal.pthread_kill)",
    "sys.settrace": "installs a trace function (sys.settrace)",
    "sys.setprofile": "installs a profile function (sys.setprofile)",
    "threading.settrace": "installs a trace function (threading.settrace)",
    "sys.addaudithook": "installs an audit hook (sys.addaudithook)",
}
"""Called (by dotted name) anywhere in an answer, each names its trick."""

TRICK_ATTRIBUTES = {
    "modules": ("sys", "reads or replaces loaded modules (sys.modules)"),
    "f_back": (None, "walks frames (f_back)"),
    "f_locals": (None, "reads a frame's variables (f_locals)"),
    "f_globals": (None, "reads a frame's globals (f_globals)"),
    "tb_frame": (None, "reads frames through a traceback (tb_frame)"),
    "gi_frame": (None, "reads a generator's frame (gi_frame)"),
    "input_transformers_post": (None, "changes how IPython reads cells (input_transformers_post)"),
    "input_transformers_cleanup": (None, "changes how IPython reads cells (input_transformers_cleanup)"),
    "ast_transformers": (None, "changes how IPython runs cells (ast_transformers)"),
    "excepthook": ("sys", "replaces sys.excepthook"),
}
"""attribute -> (the module it must be read on, or None for any object; the trick)."""

TRICK_MODULES = {
    "ctypes": "loads native code (ctypes)",
    "builtins": "reaches the builtins module (builtins)",
    "importlib": "imports modules dynamically (importlib)",
    "signal": "handles or sends signals (signal)",
}
"""Imported anywhere in an answer, each names its trick."""

REFLECTION = {"getattr", "setattr", "delattr"}


def tricks(tree: ast.AST) -> list[tuple[str, str]]:
    """The building blocks of tricks on the grader in one answer cell, each with a message that names it."""
    modules = {alias.asname or alias.name.split(".")[0] for node in ast.walk(tree)
               if isinstance(node, ast.Import) for alias in node.names}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            found += _trick_call(node, modules)
        elif isinstance(node, ast.Attribute) and node.attr in TRICK_ATTRIBUTES:
            owner, trick = TRICK_ATTRIBUTES[node.attr]
            if owner is None or _dotted(node.value) == owner:
                found.append(("trick", trick))
        elif isinstance(node, ast.Name) and node.id == "__builtins__":
            found.append(("trick", "reaches the builtins through __builtins__"))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
            found += [("trick", TRICK_MODULES[n.split(".")[0]]) for n in names if n.split(".")[0] in TRICK_MODULES]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and "/proc" in node.value:
            found.append(("trick", "reads another process's state through /proc"))
    return list(dict.fromkeys(found))


def _trick_call(node: ast.Call, modules: set[str]) -> list[tuple[str, str]]:
    func = _dotted(node.func)
    if func in TRICK_CALLS:
        return [("trick", TRICK_CALLS[func])]
    if func == "events.register" or func.endswith(".events.register"):
        return [("trick", "registers an IPython event callback (events.register)")]
    if func in REFLECTION and node.args:
        name = node.args[1] if len(node.args) > 1 else None
        if not (isinstance(name, ast.Constant) and isinstance(name.value, str)):
            return [("trick", f"{func} with a computed attribute name")]
        if _root_name(node.args[0]) in modules:
            return [("trick", f"{func} on the module {_dotted(node.args[0])}")]
    return []
