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
import collections
import contextlib
import os
import queue
import subprocess
import sys
import threading
from collections.abc import Iterator
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chainkpi.ingest.validate import Failure, Frames


class _Pipes:
    """The worker's end: batches come in on stdin, results go out on stdout."""

    def __init__(self, incoming: Connection, outgoing: Connection):
        self.recv, self.send = incoming.recv, outgoing.send


def main() -> None:
    """`python -m chainkpi.ingest.worker`: the worker process (see validate.serve)."""
    incoming = Connection(os.dup(0), writable=False)
    outgoing = Connection(os.dup(1), readable=False)
    os.dup2(2, 1)  # anything printed goes to stderr, never into the results
    from chainkpi.ingest.validate import serve

    serve(_Pipes(incoming, outgoing))
    # Told to stop: leave at once. Tearing down an interpreter holding GX is slow
    # (docs/benchmarks.md) and the ingest waits for it; the worker keeps no state (no file,
    # nothing buffered but stderr) and creates no semaphore or shared memory to release.
    sys.stderr.flush()
    os._exit(0)


class SuiteWorker:
    """`submit` a batch's frames, then take its results one dataset at a time (`part`), in
    submission order: the ingest loads a dataset's files while the next one is checked.

    A plain child interpreter (not multiprocessing's spawn, which re-runs the parent's main
    script in the child: under Streamlit's AppTest that is the dashboard).

    Batches go out through a thread of their own: writing to the pipe waits for the worker
    to read, which it does only when it is done with GX's import or the batch before; the
    ingest meanwhile reads and parses the next files."""

    def __init__(self) -> None:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "chainkpi.ingest.worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        self._send = Connection(os.dup(self._process.stdin.fileno()), readable=False)
        self._recv = Connection(os.dup(self._process.stdout.fileno()), writable=False)
        self._process.stdin.close()
        self._process.stdout.close()
        # Per batch submitted and not fully answered, oldest first: the results (one per
        # dataset) still to come. An error ends its batch: the worker sends no more for it.
        self._untaken: collections.deque[int] = collections.deque()
        self._outbox: queue.SimpleQueue = queue.SimpleQueue()
        self._sender = threading.Thread(target=self._send_all, name="gx-sender", daemon=True)
        self._sender.start()

    def _send_all(self) -> None:
        """The sender thread: each message in turn; None (stop) is the last. A worker that
        has died breaks the pipe: `part` then reports it."""
        while True:
            message = self._outbox.get()
            try:
                self._send.send(message)
            except OSError:
                return
            if message is None:
                return

    def submit(self, frames: Frames) -> None:
        self._outbox.put(frames)
        if frames:
            self._untaken.append(len(frames))

    def part(self) -> tuple[str, list[list[Failure]]]:
        """The next dataset's results: (dataset, each of its frames' failures)."""
        try:
            kind, payload = self._recv.recv()
        except (EOFError, OSError):
            raise RuntimeError(f"GX worker stopped (exit code {self._process.poll()})") from None
        self._untaken[0] -= 1
        if kind == "error" or self._untaken[0] == 0:
            self._untaken.popleft()
        if kind == "error":
            raise RuntimeError(f"Great Expectations failed in its worker: {payload}")
        return payload

    @property
    def pending(self) -> int:
        return sum(self._untaken)

    def is_alive(self) -> bool:
        return self._process.poll() is None

    def close(self) -> None:
        """Stop the worker; one still importing GX or checking a batch nobody waits for is
        stopped at once."""
        idle = not self._untaken and self.is_alive()
        # The stop message, the last the sender sends: it stops a worker that is idle; one
        # that is not is terminated, and the broken pipe stops a sender still writing.
        self._outbox.put(None)
        if idle:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._process.wait(timeout=1)
        if self.is_alive():
            self._process.terminate()
            self._process.wait()
        self._sender.join()
        self._send.close()
        self._recv.close()


_worker: SuiteWorker | None = None


def start() -> None:
    """Start this process's worker now (it imports GX in the background) if none runs."""
    global _worker
    if _worker is None or not _worker.is_alive():
        _worker = SuiteWorker()
        atexit.register(_stop, _worker)


def _stop(worker: SuiteWorker) -> None:
    # Told to stop, the worker returns from its loop and exits cleanly; killed instead, it
    # would leave the semaphores it made behind (and a warning on stderr).
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


if __name__ == "__main__":
    main()
