"""The identity provider's signing keys (its JWKS), fetched over HTTP and cached.

Fetched at the first token, again once older than `max_age_s`, and again when a token
names a key id the cache does not hold (a key rotation), at most once per `refresh_s`
so that tokens with made-up key ids cannot turn us into a flood of requests to the
provider. When the keys cannot be had at all, checking fails with KeysUnavailable: a
provider that is down never lets a token through.
"""

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
import jwt
import orjson

from common.auth.errors import KeysUnavailable, Unauthenticated
from common.auth.settings import secure_url
from common.pooled_session import PooledSession

log = logging.getLogger(__name__)

MAX_DOCUMENT_BYTES = 1024 * 1024
DISCOVERY_PATH = "/.well-known/openid-configuration"


@dataclass(frozen=True, slots=True)
class SigningKey:
    jwk: jwt.PyJWK
    # The one algorithm the key is published for, when the JWKS says (its `alg`).
    alg: str | None


class JwksCache(PooledSession):
    def __init__(
        self,
        *,
        issuer: str | None,
        jwks_url: str | None,
        timeout_s: float,
        refresh_s: float,
        max_age_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(aiohttp.ClientTimeout(total=timeout_s))
        self._issuer = issuer
        self._jwks_url = jwks_url
        self._refresh_s = refresh_s
        self._max_age_s = max_age_s
        self._clock = clock
        self._keys: dict[str | None, SigningKey] | None = None
        self._fetched_at = 0.0
        self._attempted_at: float | None = None
        self._lock = asyncio.Lock()

    async def key(self, kid: str | None) -> SigningKey:
        """The key a token's header names (by `kid`; without one, the only key)."""
        if self._keys is None or self._clock() - self._fetched_at > self._max_age_s:
            await self._refresh(stale=True)
        found = self._find(kid)
        if found is None:
            await self._refresh(stale=False)
            found = self._find(kid)
        if found is None:
            raise Unauthenticated("the token is signed with an unknown key")
        return found

    def _find(self, kid: str | None) -> SigningKey | None:
        keys = self._keys or {}
        if kid is None and len(keys) == 1:
            return next(iter(keys.values()))
        return keys.get(kid) if kid is not None else None

    async def _refresh(self, *, stale: bool) -> None:
        attempted = self._attempted_at
        async with self._lock:
            if self._attempted_at != attempted:
                return  # another request refreshed while this one waited
            now = self._clock()
            if attempted is not None and now - attempted < self._refresh_s:
                if self._keys is None:
                    raise KeysUnavailable("the identity provider's keys are unavailable")
                return  # rate-limited: keep what we have
            self._attempted_at = now
            try:
                self._keys = await self._fetch()
                self._fetched_at = now
            except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
                log.warning("fetching the identity provider's keys failed: %s", exc)
                if self._keys is None or not stale:
                    raise KeysUnavailable("the identity provider's keys are unavailable") from None
                # Stale but usable: keep serving with the keys we have.

    async def _fetch(self) -> dict[str | None, SigningKey]:
        url = self._jwks_url or await self._discover()
        document = await self._get_json(url)
        keys: dict[str | None, SigningKey] = {}
        for data in document.get("keys", ()) if isinstance(document, dict) else ():
            # Signing keys of asymmetric types only: an `oct` (shared secret) key in a
            # published JWKS is never a key we verify with.
            if not isinstance(data, dict) or data.get("kty") not in ("RSA", "EC", "OKP"):
                continue
            if data.get("use", "sig") != "sig":
                continue
            try:
                alg = data.get("alg")
                keys[data.get("kid")] = SigningKey(
                    jwt.PyJWK(data), alg if isinstance(alg, str) else None
                )
            except jwt.PyJWTError:
                continue
        if not keys:
            raise ValueError(f"no usable signing key at {url}")
        log.info("fetched %d signing keys from %s", len(keys), url)
        return keys

    async def _discover(self) -> str:
        assert self._issuer is not None  # settings require one of the two
        document = await self._get_json(self._issuer.rstrip("/") + DISCOVERY_PATH)
        if not isinstance(document, dict) or document.get("issuer") != self._issuer:
            raise ValueError("the discovery document names another issuer")
        url = document.get("jwks_uri")
        if not isinstance(url, str) or not secure_url(url):
            raise ValueError("the discovery document has no https jwks_uri")
        self._jwks_url = url
        return url

    async def _get_json(self, url: str) -> Any:
        async with self.session.get(url, allow_redirects=False) as resp:
            if resp.status != 200:
                raise ValueError(f"{url} answered {resp.status}")
            body = await resp.content.read(MAX_DOCUMENT_BYTES + 1)
            if len(body) > MAX_DOCUMENT_BYTES:
                raise ValueError(f"{url} answered more than {MAX_DOCUMENT_BYTES} bytes")
            return orjson.loads(body)  # a decoding error is a ValueError
