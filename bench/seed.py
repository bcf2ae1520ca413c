"""Seeding through the API: POST /projects, concurrently in batches, as a client would."""

import asyncio
import random

import aiohttp

from bench.sample import project_body

BATCH = 50


async def _create(session: aiohttp.ClientSession, url: str, body: dict) -> str:
    async with session.post(f"{url}/projects", json=body) as response:
        if response.status != 201:
            text = await response.text()
            raise RuntimeError(f"POST /projects answered {response.status}: {text}")
        return (await response.json())["id"]


async def _seed(url: str, count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    bodies = [project_body(rng, n) for n in range(1, count + 1)]
    ids: list[str] = []
    connector = aiohttp.TCPConnector(limit=BATCH)
    async with aiohttp.ClientSession(connector=connector) as session:
        for start in range(0, count, BATCH):
            batch = bodies[start : start + BATCH]
            ids += await asyncio.gather(*(_create(session, url, body) for body in batch))
    return ids


async def _sizes(url: str, project_id: str) -> dict[str, int]:
    """Bytes of one GET /projects/{id} answer and of one list page, checking both."""
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{url}/projects/{project_id}") as response:
            one = await response.read()
            if response.status != 200:
                raise RuntimeError(f"GET /projects/{project_id} answered {response.status}")
        async with session.get(f"{url}/projects?page=1&limit=20") as response:
            page = await response.read()
            if response.status != 200 or len(await response.json()) != 20:
                raise RuntimeError(f"GET /projects?page=1&limit=20 answered {response.status}")
    return {"get_by_id": len(one), "list_page": len(page)}


def seed_projects(url: str, count: int, seed: int = 1) -> list[str]:
    """Create `count` realistic projects through the edge at `url`; their ids."""
    return asyncio.run(_seed(url, count, seed))


def body_sizes(url: str, project_id: str) -> dict[str, int]:
    return asyncio.run(_sizes(url, project_id))
