"""Stable `start` paging for CKAN clients, which page by offset only.

A client walking `package_search?sort=id+asc&start=0,100,200...` over a catalogue that is being
written to would, with plain offsets, see a dataset twice when one is created before its
position and miss one when one is deleted before it. So each page remembers where it ended
(the search's keyset cursor) under the query and the `start` the next page will ask for;
a request for that `start` continues from the cursor instead of counting rows again.

Every page overwrites the entry for the next `start`, so a new walk (which starts at 0)
never continues an older one. An entry is only used while the last dataset of the page it came
from still exists (soft-deleted is fine: the keyset position stays meaningful), which also keeps
an entry from one database away from another. The memo is per process (a bounded LRU with a
time limit); a request that finds nothing in it pages by offset as CKAN does.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Hashable
from typing import NamedTuple

MAX_ENTRIES = 4096
TTL_SECONDS = 900.0


class Position(NamedTuple):
    cursor: str
    last_id: str


class PageMemo:
    def __init__(self, max_entries: int = MAX_ENTRIES, ttl: float = TTL_SECONDS) -> None:
        self._entries: OrderedDict[Hashable, tuple[float, Position]] = OrderedDict()
        self._lock = threading.Lock()
        self._max = max_entries
        self._ttl = ttl

    def get(self, query: Hashable, start: int) -> Position | None:
        key = (query, start)
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            stored_at, position = entry
            if time.monotonic() - stored_at > self._ttl:
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return position

    def put(self, query: Hashable, start: int, position: Position) -> None:
        with self._lock:
            self._entries[(query, start)] = (time.monotonic(), position)
            self._entries.move_to_end((query, start))
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)


MEMO = PageMemo()
