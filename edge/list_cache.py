"""The edge's cache of list answers (GET /projects), a part of the read cache
(edge/cache.py), which empties it on every change its stream brings.

Any change can change any list (its membership, its order, its count), so this cache
keeps no per-project bookkeeping: it is emptied whole on every change, on every write
made through this edge and whenever the stream starts or stops. Each emptying starts a
new epoch; a list fetched is kept only if no emptying happened since its ticket (the
epoch before its call was sent), so that an answer racing a change never wins.

Entries are answers serialized once (edge/rendered.py's RenderedList), keyed by the
request as the edge understands it (edge/listing.py's list_key), bounded both in number
and in bytes, least recently used first out.
"""

from collections import OrderedDict

from edge.rendered import RenderedList

# What an entry costs beyond its body and key (the dictionary's slot, the tuple, the
# objects' headers), counted so that many small answers stay within the budget too.
ENTRY_OVERHEAD = 200


class ListCache:
    def __init__(self, capacity: int, budget_bytes: int) -> None:
        self.capacity, self.budget_bytes = capacity, budget_bytes
        self.entries: OrderedDict[bytes, RenderedList] = OrderedDict()
        self.size = 0  # bytes held, as _cost counts them
        self.epoch = 0

    def get(self, key: bytes) -> RenderedList | None:
        entry = self.entries.get(key)
        if entry is not None:
            self.entries.move_to_end(key)
        return entry

    def ticket(self) -> int:
        return self.epoch

    def offer(self, key: bytes, answer: RenderedList, ticket: int) -> None:
        """Keep a list fetched after `ticket`, unless the cache was emptied since."""
        cost = _cost(key, answer)
        if ticket != self.epoch or cost > self.budget_bytes or not self.capacity:
            return
        known = self.entries.pop(key, None)
        if known is not None:
            self.size -= _cost(key, known)
        self.entries[key] = answer
        self.size += cost
        while len(self.entries) > self.capacity or self.size > self.budget_bytes:
            old_key, old = self.entries.popitem(last=False)
            self.size -= _cost(old_key, old)

    def clear(self) -> None:
        self.epoch += 1
        self.entries.clear()
        self.size = 0


def _cost(key: bytes, answer: RenderedList) -> int:
    return len(key) + len(answer.body) + ENTRY_OVERHEAD
