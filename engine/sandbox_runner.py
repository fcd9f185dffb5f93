"""Child side of :mod:`engine.sandbox`: runs one script task and prints the new data.

Started as ``python -I -S -B sandbox_runner.py MEMORY_BYTES CPU_SECONDS`` with an empty
environment, so it must use the standard library only. It limits its own resources
*before* reading anything, which is why no ``preexec_fn`` is needed in the parent (that
hook is unsafe in a threaded server). Protocol:

* stdin: ``{"script": str, "data": {...}}`` as UTF-8 JSON;
* stdout: ``{"ok": true, "data": {...}}`` or
  ``{"ok": false, "reason": "syntax|error|memory|result", "message": str, "line": int|null,
  "type": str}``.

Importing this module does nothing but define names; :data:`SAFE_BUILTIN_NAMES` is also
read by the parent's static check.
"""

import builtins
import json
import math
import resource
import sys
import traceback

SAFE_BUILTIN_NAMES = (
    "abs", "all", "any", "bool", "dict", "divmod", "enumerate", "filter", "float", "int",
    "isinstance", "len", "list", "map", "max", "min", "range", "reversed", "round", "set",
    "sorted", "str", "sum", "tuple", "zip",
    "ArithmeticError", "Exception", "IndexError", "KeyError", "LookupError", "TypeError",
    "ValueError", "ZeroDivisionError",
)
SCRIPT_FILENAME = "<script>"
_MAX_MESSAGE = 500
_MAX_DEPTH = 100


def limit_resources(memory_bytes, cpu_seconds):
    """Caps this process: address space, CPU time, no files written or opened, no forks."""
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
    resource.setrlimit(resource.RLIMIT_NOFILE, (3, 3))  # stdin, stdout, stderr are open
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_NPROC, (0, 0))


def run(script, data):
    """Executes ``script`` over ``data`` with restricted builtins; returns the reply dict."""
    try:
        code = compile(script, SCRIPT_FILENAME, "exec")
    except SyntaxError as exc:
        return _failure("syntax", exc, exc.lineno)
    namespace = dict(data)
    namespace["__builtins__"] = {name: getattr(builtins, name) for name in SAFE_BUILTIN_NAMES}
    try:
        exec(code, namespace)  # noqa: S102 - the point of this process
    except MemoryError as exc:
        return _failure("memory", exc, _script_line(exc))
    except BaseException as exc:  # noqa: BLE001 - everything is reported to the parent
        return _failure("error", exc, _script_line(exc))
    del namespace["__builtins__"]
    # Functions the script defined are tools, not data (as Spiff drops callables too).
    result = {key: value for key, value in namespace.items() if not callable(value)}
    problem = _json_problem(result)
    if problem:
        return {"ok": False, "reason": "result", "message": problem, "line": None,
                "type": "TypeError"}
    return {"ok": True, "data": result}


def _failure(reason, exc, line):
    message = str(exc)[:_MAX_MESSAGE]
    return {"ok": False, "reason": reason, "type": type(exc).__name__, "message": message,
            "line": line}


def _script_line(exc):
    lines = [frame.lineno for frame in traceback.extract_tb(exc.__traceback__)
             if frame.filename == SCRIPT_FILENAME]
    return lines[-1] if lines else None


def _json_problem(data):
    """Returns why ``data`` cannot be stored as JSON task data, or None."""
    stack = [(value, key, 1) for key, value in data.items()]
    while stack:
        value, path, depth = stack.pop()
        if depth > _MAX_DEPTH:
            return (f"variable {path!r} is nested deeper than {_MAX_DEPTH} levels "
                    "(or refers to itself)")
        if isinstance(value, dict):
            for key, item in value.items():
                if not isinstance(key, str):
                    return f"variable {path!r} has a {type(key).__name__} key; JSON keys are text"
                stack.append((item, f"{path}.{key}", depth + 1))
        elif isinstance(value, (list, tuple)):
            stack.extend((item, f"{path}[{i}]", depth + 1) for i, item in enumerate(value))
        elif isinstance(value, float) and not math.isfinite(value):
            return f"variable {path!r} is {value}, which JSON cannot hold"
        elif not isinstance(value, (str, int, float, bool, type(None))):
            return (f"variable {path!r} holds a {type(value).__name__}, which cannot be stored "
                    "in task data (use a list, dict, text or number)")
    return None


def main(argv):
    limit_resources(int(argv[1]), int(argv[2]))
    try:
        request = json.loads(sys.stdin.buffer.read().decode("utf-8"))
        reply = run(request["script"], request["data"])
        output = json.dumps(reply, ensure_ascii=False, allow_nan=False)
    except MemoryError as exc:
        output = json.dumps(_failure("memory", exc, None))
    except Exception as exc:  # noqa: BLE001 - e.g. an integer too long for JSON
        output = json.dumps(_failure("result", exc, None))
    sys.stdout.buffer.write(output.encode("utf-8"))
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
