"""Persistence: one interface (base.py), two adapters (sqlite.py, mongo.py)."""

from orchestrator.config import OrchestratorSettings
from orchestrator.store.base import ProjectStore


async def open_store(settings: OrchestratorSettings) -> ProjectStore:
    """The store the settings name, ready to use."""
    if settings.database_url:
        # Imported here so that the embedded default never loads the MongoDB driver.
        from orchestrator.store.mongo import MongoProjectStore

        store = MongoProjectStore.from_url(
            settings.database_url, timeout_ms=int(settings.store_timeout_s * 1000)
        )
        await store.setup()
        return store
    from orchestrator.store.sqlite import SqliteProjectStore

    return SqliteProjectStore(
        settings.data_dir,
        busy_timeout_ms=int(settings.store_timeout_s * 1000),
        cache_mb=settings.sqlite_cache_mb,
    )
