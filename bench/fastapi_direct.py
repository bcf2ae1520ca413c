"""FastAPI reading the product's SQLite file directly: the edge cache section's second
baseline (bench/cache.py), serving GET /projects/{id} with the very JSON the edge sends.

Run as it would be deployed on a 2-core machine (bench/cache.py starts it):
`uvicorn --factory bench.fastapi_direct:create_app --workers 2 --loop uvloop --http httptools
--no-access-log`: one worker per core (a single process would leave a core idle), uvloop and
httptools (uvicorn's fastest loop and parser), no access log (as the product runs in the
section, LOG_LEVEL=WARNING). Each worker opens the store file read-only once; the handler
is `async def` and reads inline: a primary-key read from SQLite's page cache takes
microseconds, less than the thread-pool hop a plain `def` endpoint would pay. The answer is
orjson's bytes in a plain Response: FastAPI's own encoding through pydantic would only cost
more. The file path comes from BENCH_SQLITE_PATH, as uvicorn's workers import the app.
"""

import os
import sqlite3

import orjson
from fastapi import FastAPI, HTTPException, Response

from edge.codec import project_json
from edge.conditional import etag

# The store's own read: its SQL and how a row becomes a project (the document and its job).
from orchestrator.store.sqlite.projects import SELECT_PROJECTS, stored_project

BY_ID = f"{SELECT_PROJECTS} WHERE p.id = ?"


def create_app() -> FastAPI:
    path = os.environ["BENCH_SQLITE_PATH"]
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
    conn.execute("PRAGMA cache_size = -65536")  # the store's own reader cache, 64 MB
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

    @app.get("/projects/{project_id}")
    async def get_project(project_id: str) -> Response:
        row = conn.execute(BY_ID, (project_id,)).fetchone()
        if row is None:
            raise HTTPException(404, "project not found")
        project = stored_project(*row)
        return Response(
            orjson.dumps(project_json(project)),
            media_type="application/json",
            headers={"ETag": etag(project.revision)},
        )

    return app
