"""Which tests need PostgreSQL, Chromium or a child process, read from the tests themselves.

`make check` leaves these out. A test is marked from the fixtures it uses (`postgres`, a
`database_url` run on PostgreSQL, `browser`, `tracker_env`) and from what its code reaches:
the test function, the fixtures of its module and every tracker or test-helper function (or
class) they name, followed down to `subprocess`, `multiprocessing`, Playwright or Chromium. An
audit hook counts the processes the test's own thread actually starts, so a test the reading misses still fails
loudly instead of slowing `make check` down unseen.
"""

from __future__ import annotations

import inspect
import sys
import threading
import types
from collections.abc import Iterator

import pytest

HEAVY = ("postgres", "browser", "subprocess")
FIXTURE_MARKS = {"postgres": "postgres", "browser": "browser", "tracker_env": "subprocess"}
# The first module a name resolves to that starts with one of these decides the mark.
MODULE_MARKS = (
    ("playwright", "browser"),
    ("tests.support.chromium", "browser"),
    ("tests.support.pg_server", "postgres"),
    ("subprocess", "subprocess"),
    ("multiprocessing", "subprocess"),
)
OWN = ("tests", "parsers", "storage", "scrapers", "alerts", "service", "web", "commands", "scheduler", "settings")
_PROCESS_EVENTS = frozenset({"subprocess.Popen", "os.fork", "os.forkpty", "os.posix_spawn", "os.spawn", "os.system"})
_started = [0]


def _count_processes(event: str, _args: tuple) -> None:
    # Only the test's own thread counts: a thread an earlier test left running (a server, a
    # worker pool) may start a process at any moment, and that is not the running test's doing.
    if event in _PROCESS_EVENTS and threading.current_thread() is threading.main_thread():
        _started[0] += 1


sys.addaudithook(_count_processes)


def started_processes() -> int:
    """How many child processes this test process has started so far."""
    return _started[0]


def marks_for(item: pytest.Item) -> set[str]:
    found = {FIXTURE_MARKS[name] for name in getattr(item, "fixturenames", ()) if name in FIXTURE_MARKS}
    callspec = getattr(item, "callspec", None)
    if callspec is not None and callspec.params.get("database_url") == "postgresql":
        found.add("postgres")
    function = getattr(item, "function", None)
    if function is None:
        return found
    roots = [function, *_module_fixtures(item)]
    found |= _reached_marks(roots)
    return found


def _module_fixtures(item: pytest.Item) -> Iterator[types.FunctionType]:
    """The fixture functions the test's own module defines and the test uses."""
    module = getattr(item, "module", None)
    for name in getattr(item, "fixturenames", ()):
        value = getattr(module, name, None)
        wrapped = getattr(value, "__wrapped__", None) or getattr(value, "_get_wrapped_function", lambda: None)()
        if isinstance(wrapped, types.FunctionType):
            yield wrapped


def _reached_marks(roots: list[types.FunctionType]) -> set[str]:
    found: set[str] = set()
    seen: set[types.CodeType] = set()
    pending = list(roots)
    while pending:
        function = pending.pop()
        if function.__code__ in seen:
            continue
        seen.add(function.__code__)
        for value in _globals_used(function):
            mark = _mark_of(value)
            if mark:
                found.add(mark)
            elif isinstance(value, types.FunctionType) and _own(value.__module__):
                pending.append(value)
            elif inspect.isclass(value) and _own(value.__module__):
                pending.extend(f for f in vars(value).values() if isinstance(f, types.FunctionType))
    return found


def _globals_used(function: types.FunctionType) -> Iterator[object]:
    """What the function's global names are bound to, and what it imports inside its body."""
    namespace = function.__globals__
    for code in _codes(function.__code__):
        imported = [sys.modules[name] for name in code.co_names if name in sys.modules]
        for name in code.co_names:
            if name in namespace:
                yield namespace[name]
        for module in imported:
            yield module
            yield from (getattr(module, name) for name in code.co_names if hasattr(module, name))


def _codes(code: types.CodeType) -> Iterator[types.CodeType]:
    yield code
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _codes(const)


def _mark_of(value: object) -> str | None:
    module = value.__name__ if inspect.ismodule(value) else getattr(value, "__module__", None)
    if not isinstance(module, str):
        return None
    for prefix, mark in MODULE_MARKS:
        if module == prefix or module.startswith(prefix + "."):
            return mark
    return None


def _own(module: str | None) -> bool:
    return bool(module) and module.split(".")[0] in OWN
