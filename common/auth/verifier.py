"""The one check both front doors run: `Authorization: Bearer <credential>` to a Caller.

A credential shaped as a JWT (three dot-separated parts) is checked as a token when
token checks are configured; anything else is looked up among the API keys.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from common.auth.api_keys import ApiKeys
from common.auth.errors import Unauthenticated
from common.auth.jwks import JwksCache
from common.auth.settings import AuthSettings
from common.auth.tokens import TokenVerifier


@dataclass(frozen=True, slots=True)
class Caller:
    name: str
    kind: Literal["token", "api_key"]


def bearer(authorization: str | None) -> str:
    """The credential of an `Authorization: Bearer ...` value."""
    if not authorization or not authorization.strip():
        raise Unauthenticated("a bearer credential is required", missing=True)
    scheme, _, credential = authorization.strip().partition(" ")
    credential = credential.strip()
    if scheme.lower() != "bearer" or not credential:
        raise Unauthenticated("the Authorization header is not 'Bearer <credential>'")
    return credential


class Verifier:
    def __init__(
        self, settings: AuthSettings, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._api_keys = ApiKeys(settings.auth_api_keys.get_secret_value())
        self._jwks: JwksCache | None = None
        self._tokens: TokenVerifier | None = None
        if settings.tokens_on:
            assert settings.auth_issuer and settings.auth_audience  # settings check both
            self._jwks = JwksCache(
                issuer=settings.auth_issuer,
                jwks_url=settings.auth_jwks_url,
                timeout_s=settings.auth_jwks_timeout_s,
                refresh_s=settings.auth_jwks_refresh_s,
                max_age_s=settings.auth_jwks_max_age_s,
                clock=clock,
            )
            self._tokens = TokenVerifier(
                self._jwks,
                issuer=settings.auth_issuer,
                audience=settings.auth_audience,
                algorithms=settings.algorithms,
                leeway_s=settings.auth_leeway_s,
            )

    async def start(self) -> None:
        if self._jwks is not None:
            await self._jwks.start()

    async def close(self) -> None:
        if self._jwks is not None:
            await self._jwks.close()

    async def verify(self, authorization: str | None) -> Caller:
        credential = bearer(authorization)
        if self._tokens is not None and credential.count(".") == 2:
            return Caller(await self._tokens.verify(credential), "token")
        name = self._api_keys.match(credential)
        if name is None:
            raise Unauthenticated("the credential is not valid")
        return Caller(name, "api_key")
