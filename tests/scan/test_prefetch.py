"""The background producer: order, how far ahead it runs, errors and early stops."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from core.scan.prefetch import prefetched


class Recorder:
    """A producer of 0..n-1 that records which thread ran it, how far ahead it got, and whether it was closed."""

    def __init__(self, n: int, fail_at: int | None = None) -> None:
        self.n, self.fail_at = n, fail_at
        self.produced = 0
        self.consumed = 0
        self.max_ahead = 0
        self.closed = False
        self.thread: str | None = None

    def __call__(self) -> Iterator[int]:
        self.thread = threading.current_thread().name
        try:
            for k in range(self.n):
                if k == self.fail_at:
                    raise OSError(f"block {k} is damaged")
                self.produced += 1
                self.max_ahead = max(self.max_ahead, self.produced - self.consumed)
                yield k
        finally:
            self.closed = True


def _prefetch_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "minescan-prefetch"]


@pytest.mark.parametrize("depth", [0, 1, 2, 5])
def test_items_arrive_in_order_and_at_most_depth_ahead(depth: int) -> None:
    producer = Recorder(30)
    seen = []
    for item in prefetched(producer, depth=depth):
        producer.consumed += 1
        seen.append(item)
    assert seen == list(range(30)) and producer.closed
    # The consumer holds one item; the producer may have made at most `depth` more.
    assert producer.max_ahead <= depth + 1
    assert producer.thread == ("minescan-prefetch" if depth else threading.current_thread().name)
    assert not _prefetch_threads()


def test_a_producer_error_is_raised_to_the_consumer_after_the_items_before_it() -> None:
    producer = Recorder(10, fail_at=4)
    seen = []
    with pytest.raises(OSError, match="block 4 is damaged") as err:
        for item in prefetched(producer, depth=2):
            seen.append(item)
    assert seen == [0, 1, 2, 3] and type(err.value) is OSError and producer.closed
    assert not _prefetch_threads()


def test_stopping_early_closes_the_producer_and_ends_the_thread() -> None:
    producer = Recorder(1000)
    stream = prefetched(producer, depth=2)
    for item in stream:
        if item == 3:
            break
    stream.close()  # what a for loop's frame does when it is left through an exception, too
    assert producer.closed and producer.produced < 10
    assert not _prefetch_threads()


def test_negative_depth_is_refused() -> None:
    with pytest.raises(ValueError, match="depth must be >= 0; got -1"):
        list(prefetched(Recorder(3), depth=-1))
