"""Run the MOA parser in a child process with a time and memory limit.

MOAs come from county websites and ICE's own uploads: truncated downloads, encrypted
files, HTML error pages saved as .pdf, and page trees that send pdfminer into a loop.
None of that may take the scheduler down, so each document is parsed in a forked-off
child with RLIMIT_AS set, killed (with its Tesseract) when it runs out of time, and any
failure comes back as a dict with a one-line ``error`` instead of an exception.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import resource
import signal
import time
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any

from parsers.moa_pdf import MoaError, parse_moa

Item = str | os.PathLike[str] | tuple[str | os.PathLike[str], dict | None]

RESULT_KEYS = (
    "model", "agency", "lea_signer", "ice_signer", "ice_field_office", "lea_contact", "public_affairs",
    "revised", "pages",
    "pdf_title", "ocr", "ocr_pages", "needs_ocr", "text_chars", "text", "sources", "warnings",
)


def error_result(reason: str) -> dict:
    """The shape of a parse result, every field empty, so callers need one code path."""
    result: dict[str, Any] = {key: None for key in RESULT_KEYS}
    result.update(ocr=False, ocr_pages=[], needs_ocr=False, text="", text_chars=0, warnings=[])
    result["error"] = reason
    return result


def _context() -> multiprocessing.context.BaseContext:
    """forkserver: children start from a clean, pre-imported server rather than a copy of a
    scheduler with threads and database connections; spawn where forkserver is missing."""
    methods = multiprocessing.get_all_start_methods()
    if "forkserver" in methods:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["parsers.moa_pdf"])
        return ctx
    return multiprocessing.get_context("spawn")


MEMORY_EXIT = 86  # the child ran out of memory even while reporting it


def _child(conn: Any, data: bytes, memory_mb: int, hint: dict | None, options: dict) -> None:
    """Parse, then report. The report is sent only after the parse's frames are gone.

    Sending from inside the `except MemoryError` block kept the failed parse's frames (and
    the memory they hold) alive through the traceback, so pickling the one-line error could
    itself run out of memory and the child died with exit code 1: a flaky "parser crashed"
    instead of the memory limit, depending on where the allocation failed.
    """
    os.setsid()
    os.environ["OMP_THREAD_LIMIT"] = "1"
    try:
        message = _parse_in_child(data, memory_mb, hint, options)
        try:
            conn.send(message)
        except MemoryError:
            os._exit(MEMORY_EXIT)
    finally:
        conn.close()


def _parse_in_child(data: bytes, memory_mb: int, hint: dict | None, options: dict) -> tuple[str, Any]:
    reason = None
    try:
        if memory_mb:
            limit = memory_mb * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        result = parse_moa(data, hint=hint, **options)
        result["error"] = None
        return ("ok", result)
    except MoaError as exc:
        reason = str(exc)
    except (MemoryError, SystemError):
        # C extensions (zlib, pdfium) that fail to allocate under RLIMIT_AS raise SystemError.
        reason = MEMORY
    except RecursionError:
        reason = "unreadable PDF (structure nested too deeply)"
    except Exception as exc:
        first = str(exc).splitlines()[0][:120] if str(exc) else ""
        reason = f"unreadable PDF ({type(exc).__name__}{': ' + first if first else ''})"
    # Out of the handlers: the exception, its traceback and the parse's frames are released here.
    gc.collect()
    return ("error", reason.format(memory_mb=memory_mb) if reason is MEMORY else reason)


MEMORY = "exceeded memory limit ({memory_mb} MB)"


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def parse_moa_safely(
    data: bytes,
    *,
    timeout: float = 120,
    memory_mb: int = 1024,
    hint: dict | None = None,
    **options: Any,
) -> dict:
    """``parse_moa`` in a child process; never raises for bad input, returns ``error``."""
    ctx = _context()
    recv, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(send, data, memory_mb, hint, options), daemon=True)
    proc.start()
    send.close()
    try:
        if not recv.poll(timeout):
            _kill_group(proc.pid)
            proc.join(5)
            return error_result(f"timed out after {timeout:g} s")
        try:
            status, payload = recv.recv()
        except (EOFError, OSError):
            proc.join(5)
            code = proc.exitcode
            if code is not None and code < 0:
                name = signal.Signals(-code).name
                return error_result(f"parser crashed ({name}); likely exceeded memory limit ({memory_mb} MB)")
            if code == MEMORY_EXIT:
                return error_result(MEMORY.format(memory_mb=memory_mb))
            return error_result(f"parser crashed (exit code {code})")
    finally:
        recv.close()
        if proc.is_alive():
            proc.join(5)
        if proc.is_alive():
            _kill_group(proc.pid)
            proc.join()
    return payload if status == "ok" else error_result(payload)


def parse_moa_file(path: str | os.PathLike[str], **kwargs: Any) -> dict:
    """Read a file and parse it safely; a missing or unreadable file is an ``error`` too."""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        return error_result("file not found")
    except IsADirectoryError:
        return error_result("is a directory, not a PDF")
    except OSError as exc:
        return error_result(f"cannot read file ({exc.strerror or type(exc).__name__})")
    return parse_moa_safely(data, **kwargs)


def _jobs(items: Iterable[Item]) -> list[tuple[Any, dict | None]]:
    return [(item, None) if not isinstance(item, tuple) else item for item in items]


def _ocr_threads(workers: int) -> int:
    """Tesseracts per document, so that documents times pages fill the cores, no more."""
    return max(1, (os.cpu_count() or 2) // max(1, workers))


def parse_many(items: Iterable[Item], workers: int = 2, **kwargs: Any) -> list[dict]:
    """Backfill: parse files (or (file, hint) pairs) with ``workers`` children at a time.

    Threads only wait on children, so a hung document holds one slot until its timeout and
    the others keep going.  Results come back in input order, each with its ``file``.
    """
    jobs = _jobs(items)
    order = largest_first([path for path, _ in jobs])
    results: list[dict] = [{} for _ in jobs]
    for index, result in parse_stream([jobs[i] for i in order], workers=workers, **kwargs):
        results[order[index]] = result
    return results


def largest_first(paths: list[str | os.PathLike[str]]) -> list[int]:
    """Indexes of ``paths``, largest file first: scans are the large files and the slow ones,
    so read first no worker is left alone with a long scan at the end while a core idles."""

    def size(index: int) -> int:
        try:
            return os.path.getsize(paths[index])
        except OSError:
            return 0

    return sorted(range(len(paths)), key=lambda index: -size(index))


def parse_stream(
    items: Iterable[Item],
    workers: int = 2,
    budget_seconds: float | None = None,
    **kwargs: Any,
) -> Iterator[tuple[int, dict]]:
    """Parse documents as slots free up and yield ``(index, result)`` as each finishes.

    A burst of new MOAs is read against the cycle's budget: no document is started once
    ``budget_seconds`` have passed (one already running finishes, within its own timeout),
    so the caller stores each result as it comes and leaves the rest for the next cycle.
    """
    jobs = _jobs(items)
    kwargs.setdefault("ocr_threads", _ocr_threads(workers))
    deadline = None if budget_seconds is None else time.monotonic() + budget_seconds
    pending: deque[int] = deque(range(len(jobs)))

    def one(index: int) -> tuple[int, dict]:
        path, hint = jobs[index]
        result = parse_moa_file(path, hint=hint, **kwargs)
        result["file"] = os.fspath(path)
        return index, result

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        running = set()
        while pending or running:
            while pending and len(running) < max(1, workers) and (deadline is None or time.monotonic() < deadline):
                running.add(pool.submit(one, pending.popleft()))
            if not running:
                break
            done, running = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                yield future.result()


def summary(result: dict) -> dict:
    """What the CLI prints: everything but the full text, which belongs in the store."""
    return {key: value for key, value in result.items() if key != "text"}
