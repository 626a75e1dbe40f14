"""How much work a server process takes on at once: requests in its threads (`serve --threads`), and
of those, requests that write.

The endpoints are synchronous and run in anyio's thread pool, whose default is 40 threads. In one
Python process only one thread computes at a time, so beyond a few threads (enough to overlap waiting
on the database) more threads only add switching, and each holds its request's working memory at
once. Measured at 200 req/s on two workers (docs/reliability.md, "Load"): 8 threads took 134 % of
a core and a p99 near a second, 2-4 threads 94-110 % and a p99 of 47-135 ms. Requests beyond the limit
wait their turn in the event loop, where waiting costs nothing.

Writes take turns on the database (SQLite: one writer at a time). A write waiting for its turn in a
thread would hold that thread, and a burst of writes could fill every thread while reads wait behind
them; so at most half the threads (at least one) may hold requests that write, and the others wait in
the event loop without a thread.
"""

from __future__ import annotations

import os

import anyio
from anyio.lowlevel import RunVar

ENV_THREADS = "INWRITING_THREADS"
DEFAULT_THREADS = 4
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

_WRITES: RunVar[anyio.Semaphore] = RunVar("inwriting_writes")  # one per event loop


def thread_limit() -> int:
    """Requests a process works on at once: `serve --threads`, INWRITING_THREADS, else 4."""
    try:
        value = int(os.environ.get(ENV_THREADS, ""))
    except ValueError:
        return DEFAULT_THREADS
    return value if value > 0 else DEFAULT_THREADS


def writes_at_once() -> int:
    return max(1, thread_limit() // 2)


def apply_thread_limit() -> None:
    """Set this event loop's thread pool to `thread_limit()` (at start-up, in the served app's loop)."""
    anyio.to_thread.current_default_thread_limiter().total_tokens = thread_limit()


def writes_gate() -> anyio.Semaphore:
    """This event loop's turnstile for requests that write (`writes_at_once()` at a time)."""
    try:
        return _WRITES.get()
    except LookupError:
        gate = anyio.Semaphore(writes_at_once())
        _WRITES.set(gate)
        return gate
