"""The functions, methods and properties that BPMN expressions may use.

The allow-list of :mod:`engine.expressions`. Each function takes the running evaluation
first so it can charge steps and check sizes *before* doing work that could blow up;
argument counts are checked by the caller from :data:`FUNCTIONS`.

Date helpers work in China Standard Time: ``date("2026-01-01")``, ``date(2026, 1, 1)``,
``datetime("2026-01-01T09:00")`` (naive text means +08:00), ``today()``, ``now()`` (both from
the evaluation's injectable clock), and ``days(n)``, ``hours(n)``, ``minutes(n)`` for
arithmetic: ``today() + days(20)``, ``(deadline - today()).days``. Timer expressions must
produce ISO text for SpiffWorkflow: ``(now() + hours(72)).isoformat()``.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime, time, timedelta, timezone
from functools import partial
from typing import Any, NamedTuple, Protocol

CHINA_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")  # no daylight saving since 1991

_MISSING = object()
_NUMBERS = (int, float)
SCALARS = (str, int, float, bool, type(None), date, timedelta)
_MAX_ROUND_DIGITS = 30  # round(1, -10**9) would build 10**(10**9)
_MAX_ARGS = 1_000
MAX_SHARED_HASH = 8  # different keys of one set or dict that may share a hash


class Run(Protocol):
    """What a function may ask of the evaluation it runs in (see ``_Evaluation``)."""

    limits: Any

    def fail(self, message: str, node: ast.AST | None = None, **context: Any) -> Exception: ...
    def tick(self, count: int = 1) -> None: ...
    def charge_weight(self, value: Any, factor: int = 1) -> None: ...
    def check_items(self, count: int) -> None: ...
    def check_chars(self, count: int) -> None: ...
    def iterate(self, value: Any) -> Iterator[Any]: ...
    def materialize(self, value: Any) -> list[Any]: ...
    def now(self) -> datetime: ...


class FunctionSpec(NamedTuple):
    """An allowed function: its implementation, arity and keyword arguments."""

    impl: Callable[..., Any]
    min_args: int
    max_args: int
    keywords: frozenset[str] = frozenset()


def weight(value: Any, cap: int) -> int:
    """Counts everything nested in ``value`` (long strings count extra), stopping past ``cap``.

    Comparing, hashing or sorting costs time in proportion to this, not to ``len``.
    """
    count, stack = 0, [value]
    while stack and count <= cap:
        item = stack.pop()
        count += 1
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, (list, tuple, set, frozenset)):
            stack.extend(item)
        elif isinstance(item, str):
            count += len(item) >> 6
    return count


class HashGuard:
    """Fails before a set or dict an expression builds gets too many different keys with one hash.

    Hashes of numbers (and of tuples of them) are no secret: every multiple of 2**61 - 1 hashes
    to 0. A set of n such numbers costs n*n/2 comparisons inside one C call, which no budget
    check between steps can interrupt (24,900 of them took seconds against a 0.5 s limit).
    Keys are therefore grouped by hash, one comparison per key already in the group, and a
    group may hold :data:`MAX_SHARED_HASH` different keys (ordinary data shares a hash rarely,
    e.g. -1 and -2).
    """

    def __init__(self, run: Run) -> None:
        self.run = run
        self.groups: dict[int, list[Any]] = {}  # hashes are ints hashing to themselves: no chains here

    def add(self, key: Any) -> None:
        same = self.groups.setdefault(hash(key), [])
        self.run.tick(len(same))
        if any(key == other for other in same):
            return
        same.append(key)
        if len(same) > MAX_SHARED_HASH:
            raise self.run.fail(f"more than {MAX_SHARED_HASH} different values share one hash "
                                "(values chosen to collide would make the set or dict quadratic)",
                                reason="size")


def check_hashes(run: Run, keys: Iterable[Any]) -> None:
    """Fails before a set or dict is built from ``keys`` that collide (see :class:`HashGuard`)."""
    guard = HashGuard(run)
    for key in keys:
        guard.add(key)


def precheck_binop(run: Run, op: type[ast.operator], left: Any, right: Any) -> None:
    """Fails before ``left op right`` if its result would exceed a size limit."""
    if op is ast.Mult:
        if isinstance(left, int) and isinstance(right, (str, list, tuple)):
            left, right = right, left
        if isinstance(left, (str, list, tuple)) and isinstance(right, int):
            size = len(left) * max(right, 0)
            (run.check_chars if isinstance(left, str) else run.check_items)(size)
        elif isinstance(left, int) and isinstance(right, int):
            _check_bits(run, left.bit_length() + right.bit_length())
    elif op is ast.Pow:
        if isinstance(left, int) and isinstance(right, int) and right > 0 and abs(left) > 1:
            _check_bits(run, (left.bit_length() - 1) * right)
    elif op is ast.Add:
        if isinstance(left, (str, list, tuple)) and type(left) is type(right):
            size = len(left) + len(right)
            (run.check_chars if isinstance(left, str) else run.check_items)(size)
    elif op is ast.Mod and isinstance(left, str):
        raise run.fail("%-formatting of strings is not allowed; use an f-string")


def _check_bits(run: Run, bits: int) -> None:
    if bits > run.limits.max_int_bits:
        raise run.fail(f"integer result would exceed {run.limits.max_int_bits} bits",
                       reason="size")


def _len(run: Run, value: Any) -> int:
    if not isinstance(value, (str, list, tuple, dict, set, frozenset, range)):
        raise run.fail(f"len() of {type(value).__name__} is not defined")
    return len(value)


def _extreme(pick: Callable[..., Any], run: Run, *args: Any, default: Any = _MISSING) -> Any:
    items = run.materialize(args[0]) if len(args) == 1 else list(args)
    run.charge_weight(items)
    if not items and default is not _MISSING:
        return default
    return pick(items)


def _sum(run: Run, values: Any, start: Any = 0) -> Any:
    items = run.materialize(values)
    if not all(isinstance(item, _NUMBERS) for item in (*items, start)):
        raise run.fail("sum() adds numbers only")
    return sum(items, start)


def _abs(run: Run, value: Any) -> Any:
    if not isinstance(value, (*_NUMBERS, timedelta)):
        raise run.fail(f"abs() of {type(value).__name__} is not defined")
    return abs(value)


def _round(run: Run, value: Any, ndigits: Any = None) -> Any:
    if ndigits is not None and not (isinstance(ndigits, int)
                                    and -_MAX_ROUND_DIGITS <= ndigits <= _MAX_ROUND_DIGITS):
        raise run.fail(f"round() takes a number of digits between -{_MAX_ROUND_DIGITS} "
                       f"and {_MAX_ROUND_DIGITS}")
    if not isinstance(value, _NUMBERS):
        raise run.fail(f"round() of {type(value).__name__} is not defined")
    return round(value, ndigits)


def _str(run: Run, value: Any = "") -> str:
    if not isinstance(value, SCALARS):
        raise run.fail(f"str() converts single values, not {type(value).__name__}; "
                       "use .join() or an f-string")
    return str(value)


def _sorted(run: Run, values: Any, reverse: Any = False) -> list[Any]:
    items = run.materialize(values)
    run.charge_weight(items, max(1, len(items).bit_length()))  # about n log n comparisons
    return sorted(items, reverse=bool(reverse))


def _any(run: Run, values: Any) -> bool:
    return any(bool(item) for item in run.iterate(values))


def _all(run: Run, values: Any) -> bool:
    return all(bool(item) for item in run.iterate(values))


def _collection(kind: type, run: Run, values: Any = ()) -> Any:
    items = run.materialize(values)
    if kind is set:
        run.charge_weight(items)  # hashing
        check_hashes(run, items)
    return kind(items)


def _dict(run: Run, values: Any = _MISSING) -> dict[Any, Any]:
    if values is _MISSING:
        return {}
    pairs = list(values.items()) if isinstance(values, dict) else run.materialize(values)
    run.charge_weight(pairs)
    check_hashes(run, (pair[0] for pair in pairs if isinstance(pair, (list, tuple)) and len(pair) == 2))
    return dict(pairs)


def _range(run: Run, *args: Any) -> range:
    if not all(isinstance(arg, int) for arg in args):
        raise run.fail("range() takes integers")
    result = range(*args)
    try:
        size = len(result)
    except OverflowError:
        size = run.limits.max_items + 1
    run.check_items(size)
    return result


def _date(run: Run, *args: Any) -> date:
    if len(args) != 1:
        return date(*args)
    value = args[0]
    if isinstance(value, datetime):
        return (value.astimezone(CHINA_TZ) if value.tzinfo else value).date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and len(value) <= 64:
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return _datetime(run, value).astimezone(CHINA_TZ).date()
    raise run.fail(f"date() takes ISO text like '2026-01-01' or year, month, day; "
                   f"got {type(value).__name__}")


def _datetime(run: Run, value: Any) -> datetime:
    if isinstance(value, str) and len(value) <= 64:
        value = datetime.fromisoformat(value.strip())
    elif isinstance(value, date) and not isinstance(value, datetime):
        value = datetime.combine(value, time())
    if not isinstance(value, datetime):
        raise run.fail("datetime() takes ISO text like '2026-01-01T09:00:00+08:00' or a date")
    return value if value.tzinfo else value.replace(tzinfo=CHINA_TZ)


def _today(run: Run) -> date:
    return run.now().astimezone(CHINA_TZ).date()


def _now(run: Run) -> datetime:
    return run.now()


def _delta(unit: str, run: Run, amount: Any) -> timedelta:
    if not isinstance(amount, _NUMBERS):
        raise run.fail(f"{unit}() takes a number")
    return timedelta(**{unit: amount})


FUNCTIONS: dict[str, FunctionSpec] = {
    "len": FunctionSpec(_len, 1, 1),
    "min": FunctionSpec(partial(_extreme, min), 1, _MAX_ARGS, frozenset({"default"})),
    "max": FunctionSpec(partial(_extreme, max), 1, _MAX_ARGS, frozenset({"default"})),
    "sum": FunctionSpec(_sum, 1, 2),
    "abs": FunctionSpec(_abs, 1, 1),
    "round": FunctionSpec(_round, 1, 2),
    "int": FunctionSpec(lambda run, value=0: int(value), 0, 1),
    "float": FunctionSpec(lambda run, value=0.0: float(value), 0, 1),
    "str": FunctionSpec(_str, 0, 1),
    "bool": FunctionSpec(lambda run, value=False: bool(value), 0, 1),
    "sorted": FunctionSpec(_sorted, 1, 1, frozenset({"reverse"})),
    "any": FunctionSpec(_any, 1, 1),
    "all": FunctionSpec(_all, 1, 1),
    "list": FunctionSpec(partial(_collection, list), 0, 1),
    "tuple": FunctionSpec(partial(_collection, tuple), 0, 1),
    "set": FunctionSpec(partial(_collection, set), 0, 1),
    "dict": FunctionSpec(_dict, 0, 1),
    "range": FunctionSpec(_range, 1, 3),
    "date": FunctionSpec(_date, 1, 3),
    "datetime": FunctionSpec(_datetime, 1, 1),
    "today": FunctionSpec(_today, 0, 0),
    "now": FunctionSpec(_now, 0, 0),
    "days": FunctionSpec(partial(_delta, "days"), 1, 1),
    "hours": FunctionSpec(partial(_delta, "hours"), 1, 1),
    "minutes": FunctionSpec(partial(_delta, "minutes"), 1, 1),
}

# Functions that may receive a generator expression: (x for x in items).
CONSUMERS = frozenset({"any", "all", "sum", "min", "max", "sorted", "list", "tuple", "set", "dict"})

_DATE_METHODS = frozenset({"isoformat", "weekday", "isoweekday"})
# Read-only methods by receiver type. No str.format/format_map: their field syntax
# ("{0.__class__}") reads attributes the checker cannot see.
METHODS: dict[type, frozenset[str]] = {
    str: frozenset({"lower", "upper", "strip", "lstrip", "rstrip", "startswith", "endswith",
                    "split", "join", "replace", "find", "count", "isdigit"}),
    dict: frozenset({"get", "keys", "values", "items"}),
    list: frozenset({"count", "index"}),
    tuple: frozenset({"count", "index"}),
    datetime: _DATE_METHODS | {"date"},
    date: _DATE_METHODS,
    timedelta: frozenset({"total_seconds"}),
}
PROPERTIES: dict[type, frozenset[str]] = {
    datetime: frozenset({"year", "month", "day", "hour", "minute", "second"}),
    date: frozenset({"year", "month", "day"}),
    timedelta: frozenset({"days", "seconds"}),
}


def lookup(table: dict[type, frozenset[str]], value: Any) -> frozenset[str]:
    """Returns the names ``table`` allows on ``value``, by its most specific listed type."""
    for klass in type(value).__mro__:
        if klass in table:
            return table[klass]
    return frozenset()


def call_method(run: Run, receiver: Any, name: str, args: list[Any]) -> Any:
    """Calls an allowed method, checking beforehand what it would produce."""
    if name == "join" and len(args) == 1:
        parts = run.materialize(args[0])
        if not all(isinstance(part, str) for part in parts):
            raise run.fail(".join() takes strings only")
        run.check_chars(sum(map(len, parts)) + len(receiver) * max(len(parts) - 1, 0))
        return receiver.join(parts)
    if name == "replace" and len(args) >= 2 and all(isinstance(a, str) for a in args[:2]):
        old, new = args[0], args[1]
        found = receiver.count(old) if old else len(receiver) + 1
        run.check_chars(len(receiver) + found * max(len(new) - len(old), 0))
    elif name in ("keys", "values", "items"):
        run.tick(len(receiver))
        return list(getattr(receiver, name)())
    elif isinstance(receiver, (list, tuple)):
        run.charge_weight(receiver)
    elif isinstance(receiver, str):
        run.tick(len(receiver) >> 6)
    return getattr(receiver, name)(*args)
