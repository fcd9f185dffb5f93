"""Runs BPMN script tasks, when an operator enables them, in a resource-limited process.

Two layers, so that neither alone has to be perfect:

1. :func:`check_script` (also usable at deploy time) rejects imports, classes, ``global``,
   ``with``, decorators, ``__dunder__`` names and attributes, attributes outside
   :data:`SCRIPT_ATTRIBUTES` (no ``str.format``: its fields read attributes), and calls to
   names that are neither safe builtins nor defined by the script (``open``, ``eval`` ...).
2. :func:`run_script` starts ``python -I -S -B engine/sandbox_runner.py`` with an empty
   environment in an empty temporary directory. The runner caps its own address space,
   CPU time, open files (none new), file size (0) and processes (no fork) before reading
   the request, then ``exec``s the script with only the builtins in
   :data:`engine.sandbox_runner.SAFE_BUILTIN_NAMES`. Data goes in and out as JSON.
   The parent enforces the wall-clock timeout and kills the process when it is over.
"""

from __future__ import annotations

import ast
import json
import math
import signal
import subprocess
import sys
import tempfile
from typing import Any

from . import sandbox_runner
from .errors import ExpressionRejected, ScriptFailed

MAX_SCRIPT_LENGTH = 20_000

SCRIPT_ATTRIBUTES = frozenset({
    # read-only, as in expressions
    "lower", "upper", "strip", "lstrip", "rstrip", "startswith", "endswith", "split", "join",
    "replace", "find", "count", "isdigit", "get", "keys", "values", "items", "index",
    "title", "capitalize", "splitlines", "isalpha", "isalnum", "union", "intersection",
    "difference", "issubset", "issuperset",
    # mutating data the script owns
    "append", "extend", "insert", "pop", "remove", "update", "setdefault", "sort", "reverse",
    "clear", "copy", "add", "discard",
})

_STATEMENTS = (ast.Module, ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Expr, ast.If, ast.For,
               ast.While, ast.Break, ast.Continue, ast.Pass, ast.FunctionDef, ast.Return,
               ast.Delete, ast.Try, ast.ExceptHandler, ast.Raise, ast.Assert)
_FORBIDDEN = (ast.Import, ast.ImportFrom, ast.ClassDef, ast.Global, ast.Nonlocal, ast.With,
              ast.AsyncWith, ast.AsyncFor, ast.AsyncFunctionDef, ast.Await, ast.Yield,
              ast.YieldFrom, ast.Match, ast.TryStar)


def check_script(script: str) -> None:
    """Checks a script task's source against the sandbox's static rules.

    Raises:
        ExpressionRejected: with ``reason`` and the offending ``line``/``column``.
    """
    if len(script) > MAX_SCRIPT_LENGTH:
        raise ExpressionRejected(f"script is longer than {MAX_SCRIPT_LENGTH} characters",
                                 reason="too-long")
    try:
        tree = ast.parse(script, filename=sandbox_runner.SCRIPT_FILENAME, mode="exec")
    except SyntaxError as exc:
        raise ExpressionRejected(f"invalid syntax: {exc.msg}", reason="syntax", line=exc.lineno,
                                 column=exc.offset) from None
    except (ValueError, RecursionError, MemoryError) as exc:
        raise ExpressionRejected(f"cannot parse script: {exc}", reason="syntax") from None
    bound = _bound_names(tree)
    callable_names = bound | set(sandbox_runner.SAFE_BUILTIN_NAMES)
    for node in ast.walk(tree):
        problem = _problem(node, callable_names)
        if problem:
            raise ExpressionRejected(problem[0], reason=problem[1],
                                     line=getattr(node, "lineno", None),
                                     column=getattr(node, "col_offset", -1) + 1 or None)


def _bound_names(tree: ast.Module) -> set[str]:
    """Names the script itself binds (assignments, defs, parameters, loop/except targets)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.FunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
    return names


def _problem(node: ast.AST, callable_names: set[str]) -> tuple[str, str] | None:
    """Returns (message, reason) if ``node`` breaks a rule, else None."""
    if isinstance(node, _FORBIDDEN):
        what = "import" if isinstance(node, (ast.Import, ast.ImportFrom)) else type(node).__name__
        return f"{what} is not allowed in scripts", "not-allowed"
    if isinstance(node, ast.stmt) and not isinstance(node, _STATEMENTS):
        return f"{type(node).__name__} is not allowed in scripts", "not-allowed"
    name = _bound_identifier(node)
    if name and name.startswith("__") and name.endswith("__"):
        return f"name {name!r} is not allowed", "dunder"
    if isinstance(node, ast.Attribute) and node.attr not in SCRIPT_ATTRIBUTES:
        return f"attribute .{node.attr} is not allowed in scripts", "attribute-not-allowed"
    if isinstance(node, ast.FunctionDef) and node.decorator_list:
        return "decorators are not allowed in scripts", "not-allowed"
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id not in callable_names):
        return f"calling {node.func.id!r} is not allowed in scripts", "call-not-allowed"
    return None


def _bound_identifier(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, (ast.FunctionDef, ast.arg, ast.keyword)):
        return getattr(node, "name", None) or getattr(node, "arg", None)
    if isinstance(node, ast.ExceptHandler):
        return node.name
    return None


def run_script(script: str, data: dict[str, Any], *, timeout_s: float = 2.0,
               memory_mb: int = 256) -> dict[str, Any]:
    """Runs a script task over a copy of its data in a sandboxed process.

    Args:
        script: Python statements; variables they leave behind become the new task data.
        data: the task data; must be JSON (text keys, finite numbers).
        timeout_s: wall-clock limit; CPU time is capped at ``ceil(timeout_s) + 1`` s too.
        memory_mb: address-space limit of the process (Python itself needs ~20 MB).

    Returns:
        The new task data: everything the script left bound, except functions.

    Raises:
        ExpressionRejected: the script fails :func:`check_script`.
        ScriptFailed: with ``reason`` ``input`` (data not JSON), ``syntax``, ``error``
            (with the script ``line``), ``timeout``, ``memory``, ``result`` (the new data
            is not JSON) or ``crash``.
    """
    check_script(script)
    try:
        request = json.dumps({"script": script, "data": data}, ensure_ascii=False,
                             allow_nan=False).encode("utf-8")
    except (TypeError, ValueError) as exc:
        raise ScriptFailed(f"task data cannot be passed to the script as JSON: {exc}",
                           reason="input") from None
    cpu_seconds = math.ceil(timeout_s) + 1
    command = [sys.executable, "-I", "-S", "-B", sandbox_runner.__file__,
               str(memory_mb * 1024 * 1024), str(cpu_seconds)]
    with tempfile.TemporaryDirectory(prefix="yiwang-sandbox-") as workdir:
        try:
            completed = subprocess.run(command, input=request, capture_output=True, env={},
                                       cwd=workdir, timeout=timeout_s, start_new_session=True,
                                       check=False)
        except subprocess.TimeoutExpired:  # run() has killed and reaped the process
            raise ScriptFailed(f"timed out after {timeout_s:g} s", reason="timeout",
                               timeout_s=timeout_s) from None
    return _read_reply(completed, timeout_s=timeout_s, memory_mb=memory_mb)


def _read_reply(completed: subprocess.CompletedProcess, *, timeout_s: float,
                memory_mb: int) -> dict[str, Any]:
    stderr = completed.stderr.decode("utf-8", "replace")[-500:]
    if completed.returncode < 0:
        sig = -completed.returncode
        if sig in (signal.SIGXCPU, signal.SIGKILL):
            raise ScriptFailed(f"timed out after {timeout_s:g} s (CPU limit)", reason="timeout",
                               timeout_s=timeout_s)
        raise ScriptFailed(f"sandbox process died from {signal.Signals(sig).name}",
                           reason="crash")
    try:
        reply = json.loads(completed.stdout.decode("utf-8"))
    except ValueError:
        reason = "memory" if "MemoryError" in stderr else "crash"
        raise ScriptFailed(f"sandbox process failed (exit {completed.returncode}): {stderr}",
                           reason=reason) from None
    if reply["ok"]:
        return reply["data"]
    reason, line = reply["reason"], reply.get("line")
    where = f" on line {line}" if line else ""
    if reason == "memory":
        message = f"script ran out of memory{where} (limit {memory_mb} MB)"
    elif reason == "result":
        message = f"script result cannot be stored as task data: {reply['message']}"
    else:
        message = f"script failed{where}: {reply['type']}: {reply['message']}"
    raise ScriptFailed(message, reason=reason, line=line, error_type=reply.get("type"))
