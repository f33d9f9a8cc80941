"""Keeping the next batches on the devices while the current step runs."""

from __future__ import annotations

import collections
from collections.abc import Callable, Iterator
from typing import Any

__all__ = ["DevicePrefetcher"]


class DevicePrefetcher(Iterator[Any]):
    """Places up to ``size`` upcoming batches on the devices ahead of the step that uses them.

    ``put`` (e.g. :meth:`jaxgan.parallel.Parallel.put_batch`) starts the host-to-device
    copy asynchronously, so the copy of batch ``k + 1`` overlaps step ``k``. Because
    prefetching reads ahead, the pipeline's own position is ahead of training:
    :meth:`position` gives the position of the first batch not yet consumed, which is
    what a checkpoint must store for an exact resume.

    Args:
      pipeline: a :class:`jaxgan.data.Pipeline`, or any iterator (positions are then
        ``None``).
      put: places one host batch on the devices.
      size: how many batches to keep placed (2: one in use, one on its way).
    """

    def __init__(self, pipeline, put: Callable[[Any], Any], *, size: int = 2):
        if size < 1:
            raise ValueError(f"size={size} must be at least 1")
        self._pipeline = iter(pipeline)
        self._get_state = getattr(pipeline, "get_state", lambda: None)
        self._put = put
        self._size = size
        self._queue: collections.deque = collections.deque()

    def _fill(self) -> None:
        while len(self._queue) < self._size:
            position = self._get_state()
            try:
                host_batch = next(self._pipeline)
            except StopIteration:  # a finite source: hand out what is queued, then stop
                return
            self._queue.append((position, self._put(host_batch)))

    def __next__(self):
        self._fill()
        if not self._queue:
            raise StopIteration
        _, batch = self._queue.popleft()
        self._fill()
        return batch

    def position(self) -> dict:
        """The pipeline position of the next batch :meth:`__next__` would return."""
        return self._queue[0][0] if self._queue else self._get_state()
