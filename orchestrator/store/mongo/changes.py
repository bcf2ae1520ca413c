"""The MongoDB store's revisions and change log: a counter document bumped with $inc in
`counters`, and the `changes` collection, one document per revision.

Why a change-log collection rather than change streams: change streams need a replica
set (or a sharded cluster), and the store must work on a standalone server too (and on
mongomock in tests); a collection also lets a watcher resume from any revision it keeps,
which a change stream's resume token only does within the oplog's window.

A write takes the next revision from the counter, then writes the project guarded on the
revision it read (compare-and-set: per project, revisions follow the order of its
writes), then logs the project as written. The counter and the writes are separate
operations, so a later revision may be logged before an earlier one: a reader stops at
the first missing revision and waits for it, up to GAP_GRACE_S (the writer died between
taking the revision and logging it). A revision taken by a write that did not happen (a
lost compare-and-set, a deleted project) is logged as skipped, so nobody waits for it.
Snapshots are kept as serialized protobufs: only watchers read them, exactly as written.
"""

import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from ai_studio.v1.project_pb2 import Project
from motor.motor_asyncio import AsyncIOMotorDatabase
from pymongo import ReturnDocument

from orchestrator.store.mongo.codec import translated_errors
from orchestrator.store.revisions import LOG_SIZE, Change, RevisionExpired

COUNTERS = "counters"
CHANGES = "changes"
REVISION = {"_id": "revision"}

# How long a reader waits for a missing revision before it takes it as never written.
GAP_GRACE_S = 2.0

# Pruning is a range delete on _id; doing it now and then keeps writes cheap.
PRUNE_EVERY = 64

# How long the count memo waits for a missing revision before it takes its writer as dead:
# far longer than the change feed's grace, a write taking at most a few store timeouts.
SETTLE_GRACE_S = 60.0


class MongoChanges:
    """The counter, the log's writes (called by the project and job writes) and the
    ChangeLog read side."""

    def __init__(self, database: AsyncIOMotorDatabase[Any], size: int = LOG_SIZE) -> None:
        self.counters, self.log_collection = database[COUNTERS], database[CHANGES]
        self.size = size
        self._gaps: dict[int, float] = {}  # missing revision -> when a reader first saw it
        self._settled = 0  # every revision up to it is logged or skipped (or long dead)

    async def next_revision(self) -> int:
        with translated_errors():
            counter = await self.counters.find_one_and_update(
                REVISION,
                {"$inc": {"value": 1}, "$setOnInsert": {"pruned": 0}},
                upsert=True,
                return_document=ReturnDocument.AFTER,
            )
        return int(counter["value"])

    async def log(self, revision: int, project_id: str, project: Project | None) -> None:
        """Record the project as written at `revision`; None records a deletion."""
        await self._insert(revision, project_id, project, skipped=False)

    async def skip(self, revision: int, project_id: str) -> None:
        """Record that `revision` was taken by a write that did not happen."""
        await self._insert(revision, project_id, None, skipped=True)

    async def _insert(
        self, revision: int, project_id: str, project: Project | None, skipped: bool
    ) -> None:
        document = {
            "_id": revision,
            "project_id": project_id,
            "at": datetime.now(UTC),
            "doc": None if project is None else project.SerializeToString(),
            "skipped": skipped,
        }
        with translated_errors():
            await self.log_collection.insert_one(document)
            if revision % PRUNE_EVERY == 0 and revision > self.size:
                keep_from = revision - self.size
                await self.log_collection.delete_many({"_id": {"$lte": keep_from}})
                await self.counters.update_one(REVISION, {"$max": {"pruned": keep_from}})

    async def current_revision(self) -> int:
        with translated_errors():
            counter = await self.counters.find_one(REVISION)
        return 0 if counter is None else int(counter["value"])

    async def changes_after(self, revision: int, limit: int) -> Sequence[Change]:
        with translated_errors():
            counter = await self.counters.find_one(REVISION)
            cursor = self.log_collection.find({"_id": {"$gt": revision}}).sort("_id", 1)
            documents = await cursor.limit(limit).to_list(length=None)
        pruned = 0 if counter is None else int(counter.get("pruned", 0))
        if revision < pruned:
            raise RevisionExpired(revision, pruned)
        changes: list[Change] = []
        expected = revision + 1
        for document in documents:
            while document["_id"] > expected:  # a gap: wait for it, up to the grace
                if not self._gap_expired(expected):
                    return changes
                expected += 1
            expected = document["_id"] + 1
            if not document["skipped"]:
                doc = document["doc"]
                project = None if doc is None else Project.FromString(doc)
                changes.append(Change(document["_id"], document["project_id"], project))
        return changes

    async def settled_revision(self) -> int | None:
        """The store's revision when no write that took a revision up to it is still under
        way, else None. A write takes its revision before it writes and logs it after, so
        a count made after this answer holds every write up to that revision; a later
        write takes a later revision first: while the counter stays at it, the count
        holds (the count memo's revision, counts.py). A revision missing from the log for
        SETTLE_GRACE_S is taken as a dead writer's."""
        with translated_errors():
            counter = await self.counters.find_one(REVISION)
        if counter is None:
            return 0
        value, pruned = int(counter["value"]), int(counter.get("pruned", 0))
        low = max(self._settled, pruned)
        if value > low:
            with translated_errors():
                cursor = self.log_collection.find({"_id": {"$gt": low, "$lte": value}}, {"_id": 1})
                logged = {int(d["_id"]) for d in await cursor.to_list(length=None)}
            for revision in range(low + 1, value + 1):
                if revision not in logged and not self._gap_expired(revision, SETTLE_GRACE_S):
                    self._settled = revision - 1
                    return None
        self._settled = value
        return value

    def _gap_expired(self, revision: int, grace_s: float = GAP_GRACE_S) -> bool:
        now = time.monotonic()
        first_seen = self._gaps.setdefault(revision, now)
        if len(self._gaps) > 1000:  # forget old gaps rather than grow
            self._gaps = {r: t for r, t in self._gaps.items() if now - t < SETTLE_GRACE_S * 2}
        return now - first_seen >= grace_s
