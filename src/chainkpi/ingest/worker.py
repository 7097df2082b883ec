"""The GX worker: the Great Expectations suites of an ingest run in a child process.

Importing GX takes seconds. `kpi ingest` starts the worker first thing (`start`), so the
worker imports pandas and GX while the ingest imports its own modules and reads and parses
the first files; afterwards the worker checks one batch while the ingest loads the batch
before and reads the next. This module imports nothing heavy, so starting the worker costs
the ingest no time; the worker's loop is `validate.serve`.

The frames sent have personal columns masked already (as GX sees them in any case); they
travel over a local pipe, never to disk.
"""

from __future__ import annotations

import atexit
import contextlib
import multiprocessing
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chainkpi.ingest.validate import Failure, Frames


def _serve(connection) -> None:
    from chainkpi.ingest.validate import serve

    serve(connection)


class SuiteWorker:
    """`submit` a batch's frames, later take its `result`, in submission order."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")  # a clean interpreter: no forked locks
        self._connection, child = context.Pipe()
        self._process = context.Process(
            target=_serve, args=(child,), name="chainkpi-gx", daemon=True
        )
        self._process.start()
        child.close()
        self._pending = 0

    def submit(self, frames: Frames) -> None:
        self._connection.send(frames)
        self._pending += 1

    def result(self) -> dict[str, list[list[Failure]]]:
        try:
            kind, payload = self._connection.recv()
        except EOFError:
            raise RuntimeError(f"GX worker stopped (exit code {self._process.exitcode})") from None
        self._pending -= 1
        if kind == "error":
            raise RuntimeError(f"Great Expectations failed in its worker: {payload}")
        return payload

    @property
    def pending(self) -> int:
        return self._pending

    def is_alive(self) -> bool:
        return self._process.is_alive()

    def close(self) -> None:
        """Stop the worker; one still importing GX or checking a batch nobody waits for is
        stopped at once."""
        if self._pending == 0:
            with contextlib.suppress(OSError):
                self._connection.send(None)
            self._process.join(timeout=1)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join()
        self._connection.close()


_worker: SuiteWorker | None = None


def start() -> None:
    """Start this process's worker now (it imports GX in the background) if none runs."""
    global _worker
    if _worker is None or not _worker.is_alive():
        _worker = SuiteWorker()
        atexit.register(_stop, _worker)


def _stop(worker: SuiteWorker) -> None:
    # Told to stop, the worker returns from its loop and exits cleanly; killed instead (as
    # multiprocessing does to daemons at exit), it would leave its semaphores behind.
    worker.close()


@contextlib.contextmanager
def suite_worker() -> Iterator[SuiteWorker]:
    """This process's worker: started by the first ingest, kept for the next ones (tests and
    `kpi demo` ingest more than once; GX is imported once). A run that stops half-way may
    leave results queued, so its worker is stopped and the next run starts afresh."""
    global _worker
    start()
    try:
        yield _worker
    except BaseException:
        _worker.close()
        _worker = None
        raise
    if _worker.pending:
        _worker.close()
        _worker = None
