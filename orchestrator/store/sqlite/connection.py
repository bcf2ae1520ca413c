"""The embedded store's file: its two connections, the writer thread and the schema.

Reads run on the event loop thread: in WAL mode they never wait for a lock and, with the
page cache sized to the store, take microseconds (stdlib sqlite3 inline measured faster
than aiosqlite's thread hop). Writes may wait for another process's lock, so they run on
one writer thread of their own and the loop never stalls on them.
"""

import asyncio
import contextlib
import sqlite3
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import ParamSpec, Protocol, TypeVar

from orchestrator.store.base import StoreTimeout, StoreUnavailable

FILENAME = "ai_studio.sqlite3"
SCHEMA_VERSION = 4

P = ParamSpec("P")
T = TypeVar("T")


@contextlib.contextmanager
def translated_errors() -> Iterator[None]:
    """Turn the database's own failures into store errors; bugs stay bugs."""
    try:
        yield
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise StoreTimeout(f"the embedded store is busy: {exc}") from exc
        raise StoreUnavailable(f"the embedded store failed: {exc}") from exc
    except (sqlite3.IntegrityError, sqlite3.ProgrammingError, sqlite3.InterfaceError):
        raise
    except sqlite3.DatabaseError as exc:
        raise StoreUnavailable(f"the embedded store is unusable: {exc}") from exc


def statements(script: str) -> Iterator[str]:
    """The statements of a schema, whole: a trigger's body holds ";" of its own."""
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            yield pending
            pending = ""
    if pending.strip():
        yield pending


def connect(path: Path, busy_timeout_ms: int, cache_mb: int) -> sqlite3.Connection:
    # isolation_level=None: we issue BEGIN/COMMIT ourselves.
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
    conn.execute("PRAGMA journal_mode = WAL")
    # NORMAL in WAL mode is durable against a process crash, which is what we face.
    conn.execute("PRAGMA synchronous = NORMAL")
    # The default 2 MB cache is smaller than a 1,000-project store.
    conn.execute(f"PRAGMA cache_size = {-1024 * int(cache_mb)}")
    return conn


class WriteObserver(Protocol):
    """What watches each write transaction, on the writer thread (kept.py)."""

    def watch(self, writer: sqlite3.Connection) -> None:
        """Once, on the writer's connection."""

    def begun(self, conn: sqlite3.Connection) -> None:
        """A write transaction began."""

    def ending(self, conn: sqlite3.Connection) -> Callable[[], None] | None:
        """The transaction is about to commit: what to do once it has, if anything."""

    def close(self) -> None: ...


class Connection:
    """One store file: a reader for the loop, a writer with a thread of its own."""

    def __init__(
        self,
        data_dir: Path,
        schema: str,
        busy_timeout_ms: int = 5000,
        cache_mb: int = 64,
        upgrade: Callable[[sqlite3.Connection], None] | None = None,
    ) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        self.path = data_dir / FILENAME
        self.busy_timeout_ms = busy_timeout_ms
        self._writer_thread = ThreadPoolExecutor(1, thread_name_prefix="sqlite-writer")
        self.observer: WriteObserver | None = None
        with translated_errors():
            # The writer reads one row per write: a small cache; the reader's holds the store.
            self.writer = connect(self.path, busy_timeout_ms, min(cache_mb, 8))
            self.reader = connect(self.path, busy_timeout_ms, cache_mb)
            self._migrate(schema, upgrade)

    def _migrate(self, schema: str, upgrade: Callable[[sqlite3.Connection], None] | None) -> None:
        with self.immediate() as conn:
            (version,) = conn.execute("PRAGMA user_version").fetchone()
            if version > SCHEMA_VERSION:
                raise StoreUnavailable(f"{self.path} has schema {version}, newer than this code")
            for statement in statements(schema):
                conn.execute(statement)
            if upgrade is not None:  # what CREATE ... IF NOT EXISTS cannot do to older files
                upgrade(conn)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def observe(self, observer: WriteObserver) -> None:
        """Have `observer` watch every write transaction from now on."""
        observer.watch(self.writer)
        self.observer = observer

    @contextlib.contextmanager
    def immediate(self) -> Iterator[sqlite3.Connection]:
        """A write transaction that takes the file's write lock at once (writer thread)."""
        conn, observer = self.writer, self.observer
        conn.execute("BEGIN IMMEDIATE")
        try:
            if observer is not None:
                observer.begun(conn)
            yield conn
            committed = None if observer is None else observer.ending(conn)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        try:
            conn.execute("COMMIT")
        except BaseException:
            # A commit that fails (busy, disk full) leaves the transaction open: end it, or
            # every later BEGIN IMMEDIATE fails. The memos are not carried.
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            raise
        if committed is not None:
            committed()

    async def write(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run `fn` on the writer thread, its database failures as store errors."""

        def guarded() -> T:
            with translated_errors():
                return fn(*args, **kwargs)

        return await asyncio.get_running_loop().run_in_executor(self._writer_thread, guarded)

    async def ping(self) -> None:
        with translated_errors():
            self.reader.execute("SELECT 1 FROM projects LIMIT 1").fetchall()

    async def close(self) -> None:
        self._writer_thread.shutdown(wait=True)
        if self.observer is not None:
            self.observer.close()
        self.reader.close()
        self.writer.close()
