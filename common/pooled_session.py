"""One pooled aiohttp session, opened with the app's start and closed with its stop: the
identity provider's keys (common/auth/jwks.py) and every service's provider calls
(microservices/common/provider_http.py) hold theirs this way."""

import aiohttp


class PooledSession:
    def __init__(self, timeout: aiohttp.ClientTimeout) -> None:
        self._timeout = timeout
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        self._session = aiohttp.ClientSession(timeout=self._timeout)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            raise RuntimeError(f"{type(self).__name__}.start() was not awaited")
        return self._session
