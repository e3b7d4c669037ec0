"""Running a producer one step ahead in a background thread: tile k+1 is read while tile k is computed.

GDAL, numpy's large-array loops and TensorFlow all release the GIL, so a reader thread overlaps with the model.
At most ``depth`` items are produced ahead of the consumer, which bounds memory to ``depth + 1`` items in flight.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")

#: How often a blocked producer looks whether the consumer has gone away, in seconds.
_POLL_S = 0.05


@dataclass(frozen=True)
class _End:
    """The producer's last message: finished, or failed with ``error``."""

    error: BaseException | None


@dataclass(frozen=True)
class _Item(Generic[T]):
    value: T


def prefetched(produce: Callable[[], Iterator[T]], depth: int = 1) -> Generator[T, None, None]:
    """Yield what ``produce()`` yields, running it in a background thread at most ``depth`` items ahead.

    ``produce`` is called in the thread and runs there entirely, so resources it opens (a raster file) are opened,
    used and closed by one thread. An exception in the producer is raised here, the same object with its message,
    when the consumer reaches that point. If the consumer stops early (an exception, ``break``), the producer is
    told to stop and is closed when this generator is closed: wrap it in ``contextlib.closing`` so that happens at
    once, not when a traceback holding it is freed. ``depth`` 0 runs ``produce`` in the caller's thread.

    Raises:
        ValueError: ``depth`` < 0.
    """
    if depth < 0:
        raise ValueError(f"depth must be >= 0; got {depth}")
    if depth == 0:
        yield from produce()
        return
    items: queue.SimpleQueue[_Item[T] | _End] = queue.SimpleQueue()
    room = threading.Semaphore(depth)  # one permit per item the producer may hold beyond the consumer's
    stop = threading.Event()

    def wait_for_room() -> bool:
        while not room.acquire(timeout=_POLL_S):
            if stop.is_set():
                return False
        return not stop.is_set()

    def run() -> None:
        source = produce()
        try:
            while wait_for_room():
                try:
                    value = next(source)
                except StopIteration:
                    items.put(_End(None))
                    return
                items.put(_Item(value))
        except BaseException as err:  # handed to the consumer, which raises it
            items.put(_End(err))
        finally:
            source_close = getattr(source, "close", None)
            if source_close is not None:
                source_close()

    worker = threading.Thread(target=run, name="minescan-prefetch", daemon=True)
    worker.start()
    try:
        while True:
            message = items.get()
            if isinstance(message, _End):
                if message.error is not None:
                    raise message.error
                return
            room.release()
            yield message.value
            del message
    finally:
        stop.set()
        worker.join()
