"""The MongoDB store, through motor: the `projects` collection (projects.py), one document
per project, and the `video_jobs` collection (jobs.py), one document per project's job;
codec.py turns documents into protos and back.

This package is the only one that imports motor, pymongo or bson, so that moving to
PyMongo's own AsyncMongoClient touches nothing else.
"""

import inspect
from collections.abc import Callable
from typing import Any

from motor.motor_asyncio import AsyncIOMotorClient

from orchestrator.store.base import Store
from orchestrator.store.mongo.changes import MongoChanges
from orchestrator.store.mongo.codec import translated_errors
from orchestrator.store.mongo.jobs import JOB_INDEXES, JOBS_COLLECTION, MongoJobs
from orchestrator.store.mongo.projects import COLLECTION, INDEXES, MongoProjects
from orchestrator.store.revisions import LOG_SIZE

DEFAULT_DATABASE = "ai_studio"


class MongoClient:
    """The client both parts share: ping and close."""

    def __init__(self, client: AsyncIOMotorClient) -> None:
        self.client = client

    async def ping(self) -> None:
        with translated_errors():
            await self.client.admin.command("ping")

    async def close(self) -> None:
        close: Callable[[], object] = self.client.close
        closed = close()
        if inspect.isawaitable(closed):  # PyMongo's AsyncMongoClient.close is a coroutine
            await closed


class MongoStore(Store):
    def __init__(
        self, client: AsyncIOMotorClient, database_name: str, change_log_size: int = LOG_SIZE
    ) -> None:
        self.client = client
        self.database = client[database_name]
        projects, jobs = self.database[COLLECTION], self.database[JOBS_COLLECTION]
        changes = MongoChanges(self.database, change_log_size)
        project_part = MongoProjects(projects, jobs, changes)
        super().__init__(
            project_part,
            MongoJobs(projects, jobs, project_part.touch),
            MongoClient(client),
            changes,
        )

    @classmethod
    def from_url(cls, url: str, timeout_ms: int, change_log_size: int = LOG_SIZE) -> "MongoStore":
        """A store on a real server; the database is the URL's path, else ai_studio."""
        client: AsyncIOMotorClient[Any] = AsyncIOMotorClient(
            url,
            # timeoutMS bounds each whole operation, retries included; server selection and
            # connecting get the same budget so that a dead server is reported as fast.
            timeoutMS=timeout_ms,
            serverSelectionTimeoutMS=timeout_ms,
            connectTimeoutMS=timeout_ms,
            tz_aware=True,
            appname="ai-studio-orchestrator",
        )
        return cls(client, client.get_default_database(DEFAULT_DATABASE).name, change_log_size)

    async def setup(self) -> None:
        """Create the indexes the list queries and the job claims use; idempotent, run once
        at start."""
        with translated_errors():
            await self.database[COLLECTION].create_indexes(INDEXES)
            await self.database[JOBS_COLLECTION].create_indexes(JOB_INDEXES)
