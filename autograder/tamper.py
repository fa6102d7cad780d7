"""Run-time tamper checks: before each graded test cell, has learner code rewired the kernel?

`GuardedExecute` (nbgrader's Execute) asks the kernel for a snapshot of what decides how a cell
runs: IPython's input and AST transformers, event callbacks, the shell's own methods, trace and
profile functions, sys.excepthook, and the modules the tests use. It asks with a silent request's
`user_expressions`, which IPython evaluates without passing them through the input transformers.
The first snapshot, taken before the first cell, is the baseline; a test cell run after a change
fails without running, with an error naming the change, and the worker flags the submission.
"""

from __future__ import annotations

import ast
import json
from typing import Any

import nbformat
from nbclient.util import run_sync
from nbformat import NotebookNode
from nbgrader.preprocessors import Execute
from nbgrader.utils import is_grade, is_solution

from .integrity import Finding

TAMPERED = "KernelTampered"
"""The ename of the error that fails a test cell run in a tampered kernel."""

WATCHED_MODULES = ("builtins", "math", "json", "numpy", "IPython.display", "backprop_lab.recording",
                   "backprop_lab.hidden_tests", "backprop_lab.cases", "backprop_lab.graph_cases",
                   "backprop_lab.grad_check_cases", "backprop_lab.box_spy", "backprop_lab.chain_boxes")
"""Modules whose functions the test cells call; the probe imports them, then watches each one's callables."""

SHELL_METHODS = ("run_cell", "run_cell_async", "transform_cell", "run_ast_nodes", "run_code", "showtraceback",
                 "user_expressions", "ev", "should_run_async")

TRUSTED_HOOK_MODULES = ("IPython.", "ipykernel.", "matplotlib_inline.", "matplotlib.", "ipywidgets.", "comm.")
"""Packages that add hooks of their own while a notebook runs (the inline backend's post_execute flush)."""

PROBE = f"""(lambda sys, ip, mods: __import__('json').dumps({{
 'input_transformers_cleanup': [(getattr(f, '__module__', None) or '?') + ':' + hex(id(f)) for f in ip.input_transformers_cleanup],
 'input_transformers_post': [(getattr(f, '__module__', None) or '?') + ':' + hex(id(f)) for f in ip.input_transformers_post],
 'ast_transformers': [(getattr(type(f), '__module__', None) or '?') + ':' + hex(id(f)) for f in ip.ast_transformers],
 'events': sorted(event + '/' + (getattr(getattr(cb, '__func__', cb), '__module__', None) or '?') + ':' + hex(id(cb))
                  for event, cbs in ip.events.callbacks.items() for cb in cbs),
 'trace': [repr(sys.gettrace()), repr(sys.getprofile())],
 'excepthook': hex(id(sys.excepthook)),
 'shell': sorted([k + ':' + hex(id(getattr(type(ip), k, None))) for k in {SHELL_METHODS!r}]
                 + [k + ':instance' for k in {SHELL_METHODS!r} if k in vars(ip)]),
 'modules': {{name: [hex(id(sys.modules.get(name)))] + sorted(k + ':' + hex(id(v)) for k, v in
              vars(sys.modules.get(name, sys)).items() if callable(v) and not k.startswith('_'))
             for name in mods}},
}}))(__import__('sys'), __import__('IPython').get_ipython(), [__import__(m) and m for m in {WATCHED_MODULES!r}])"""
"""One expression, evaluated in the kernel by user_expressions: the state a cell's behaviour depends on."""


def changes(baseline: dict, now: dict) -> list[str]:
    """What differs between two snapshots, each said so that an instructor sees the trick."""
    found = []
    for key, label in (("input_transformers_cleanup", "an input transformer (input_transformers_cleanup)"),
                       ("input_transformers_post", "an input transformer (input_transformers_post)"),
                       ("ast_transformers", "an AST transformer (ast_transformers)"),
                       ("events", "an event callback (events.register)")):
        added = [entry for entry in now.get(key, []) if entry not in baseline.get(key, []) and not _trusted(entry)]
        removed = [entry for entry in baseline.get(key, []) if entry not in now.get(key, [])]
        if added:
            found.append(f"{label} was added: {', '.join(added)}")
        if removed and key != "events":
            found.append(f"{label} was removed or replaced")
    if now.get("trace") != baseline.get("trace"):
        found.append(f"a trace or profile function was set (sys.settrace/setprofile): {now.get('trace')}")
    if now.get("excepthook") != baseline.get("excepthook"):
        found.append("sys.excepthook was replaced")
    if now.get("shell") != baseline.get("shell"):
        found.append("a method of IPython's shell was replaced (run_cell, transform_cell, showtraceback ...)")
    for name, state in baseline.get("modules", {}).items():
        current = now.get("modules", {}).get(name)
        if current != state:
            patched = sorted(set(_names(state)) ^ set(_names(current or [])))
            what = f"its {', '.join(patched[:5])} replaced" if current and current[0] == state[0] else "it was replaced"
            found.append(f"module {name} was tampered with: {what}")
    return found


def _trusted(entry: str) -> bool:
    module = entry.split("/")[-1].rsplit(":", 1)[0]
    return module.startswith(TRUSTED_HOOK_MODULES)


def _names(state: list[str]) -> list[str]:
    return [entry.split(":")[0] for entry in state[1:]]


def is_test_cell(cell: NotebookNode) -> bool:
    return cell.cell_type == "code" and is_grade(cell) and not is_solution(cell)


class GuardedExecute(Execute):
    """nbgrader's Execute that checks the kernel for tampering before every graded test cell."""

    _baseline: tuple[Any, dict] = (None, {})
    """(the kernel client it was taken through, the snapshot): one baseline per kernel."""

    async def async_execute_cell(self, cell: NotebookNode, cell_index: int, execution_count: int | None = None,
                                 store_history: bool = True) -> NotebookNode:
        if self._baseline[0] is not self.kc:
            self._baseline = (self.kc, await self._snapshot() or {})
        if is_test_cell(cell):
            now = await self._snapshot()
            found = ["the kernel did not answer the integrity probe"] if now is None else changes(self._baseline[1], now)
            if found:
                cell.outputs = [tampered(found)]
                return cell
        return await super().async_execute_cell(cell, cell_index, execution_count, store_history)

    execute_cell = run_sync(async_execute_cell)  # nbclient binds its sync wrapper to its own coroutine

    async def _snapshot(self) -> dict | None:
        """The kernel's state by a silent request, or None when the kernel would not give it."""
        msg_id = self.kc.execute("", silent=True, store_history=False, user_expressions={"state": PROBE})
        try:
            reply = await self.async_wait_for_reply(msg_id)
        except Exception:  # a kernel that hangs or dies on the probe (nbclient's timeout errors vary by version)
            return None
        state = (reply or {}).get("content", {}).get("user_expressions", {}).get("state", {})
        if state.get("status") != "ok":
            return None
        try:
            return json.loads(ast.literal_eval(state["data"]["text/plain"]))
        except (KeyError, ValueError, SyntaxError, TypeError):
            return None


def tampered(found: list[str]) -> NotebookNode:
    """The error output of a test cell not run because the kernel was tampered with."""
    message = "not run: the kernel was tampered with before this test: " + "; ".join(found)
    return nbformat.v4.new_output("error", ename=TAMPERED, evalue=message, traceback=[f"{TAMPERED}: {message}"])


def findings(notebook: NotebookNode) -> list[Finding]:
    """Integrity findings for the test cells GuardedExecute refused to run, one per kind of change."""
    seen: dict[str, Finding] = {}
    for cell in notebook.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error" and out.get("ename") == TAMPERED:
                seen.setdefault(out["evalue"], Finding("kernel-tampered", out["evalue"]))
    return list(seen.values())
