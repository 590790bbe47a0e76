"""Small per-index caches that live for one index generation.

A memory index answers the same search identically until its generation moves (every index
write raises it, and a search catches the index up first: registry.ready), so what was
computed from it can be kept per (index, generation) and dropped as soon as either changes.
Each cache is a bounded LRU; entries die with their index (weak keys).
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

from app.search.memory.index import MemoryIndex

V = TypeVar("V")


class _Entries(Generic[V]):
    def __init__(self, generation: int) -> None:
        self.generation = generation
        self.items: OrderedDict[Hashable, V] = OrderedDict()


class Recent(Generic[V]):
    """The last `size` values per index, valid for the index's current generation only."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._by_index: weakref.WeakKeyDictionary[MemoryIndex, _Entries[V]] = (
            weakref.WeakKeyDictionary()
        )
        self._lock = threading.Lock()

    def _entries(self, index: MemoryIndex) -> _Entries[V]:
        entries = self._by_index.get(index)
        if entries is None or entries.generation != index.generation:
            entries = self._by_index[index] = _Entries(index.generation)
        return entries

    def get(self, index: MemoryIndex, key: Hashable) -> V | None:
        if self.size <= 0:  # off
            return None
        with self._lock:
            entries = self._entries(index)
            value = entries.items.get(key)
            if value is not None:
                entries.items.move_to_end(key)
            return value

    def put(self, index: MemoryIndex, key: Hashable, value: V) -> None:
        with self._lock:
            entries = self._entries(index)
            entries.items[key] = value
            entries.items.move_to_end(key)
            while len(entries.items) > self.size:
                entries.items.popitem(last=False)
