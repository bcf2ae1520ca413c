"""Persistence: one Store (base.py) over either adapter, sqlite/ or mongo/."""

from orchestrator.config import OrchestratorSettings
from orchestrator.store.base import Store


async def open_store(settings: OrchestratorSettings) -> Store:
    """The store the settings name, ready to use."""
    if settings.database_url:
        # Imported here so that the embedded default never loads the MongoDB driver.
        from orchestrator.store.mongo import MongoStore

        store = MongoStore.from_url(
            settings.database_url,
            timeout_ms=int(settings.store_timeout_s * 1000),
            change_log_size=settings.change_log_size,
        )
        await store.setup()
        return store
    from orchestrator.store.sqlite import SqliteStore

    return SqliteStore(
        settings.data_dir,
        busy_timeout_ms=int(settings.store_timeout_s * 1000),
        cache_mb=settings.sqlite_cache_mb,
        change_log_size=settings.change_log_size,
    )
