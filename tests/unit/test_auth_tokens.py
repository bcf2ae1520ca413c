"""JWT bearer tokens, checked by the shared verifier against a fake OpenID Connect
provider on loopback (tests/fakes/identity.py), whose keys are made here and which
records every request: what is accepted, what is refused and why, and when the
provider's keys are fetched."""

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
from pydantic import ValidationError

from common.auth.errors import KeysUnavailable, Unauthenticated
from common.auth.settings import AuthSettings
from common.auth.verifier import Caller, Verifier
from tests.fakes.identity import (
    AUDIENCE,
    IdentityProvider,
    hmac_signed,
    new_key,
    served,
    unsigned,
)

DISCOVERY = "/.well-known/openid-configuration"


class Clock:
    """The verifier's monotonic clock: it moves only when told."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def provider(aiohttp_server) -> IdentityProvider:
    return await served(aiohttp_server)


@pytest.fixture
def clock() -> Clock:
    return Clock()


Started = Callable[..., Any]


@pytest.fixture
def started(provider: IdentityProvider, clock: Clock) -> Started:
    """A verifier with the provider's issuer and audience (and any other setting)."""

    @asynccontextmanager
    async def start(**settings: Any) -> AsyncIterator[Verifier]:
        values = {"auth_issuer": provider.issuer, "auth_audience": AUDIENCE} | settings
        verifier = Verifier(AuthSettings(**values), clock=clock)
        await verifier.start()
        try:
            yield verifier
        finally:
            await verifier.close()

    return start


async def refused(verifier: Verifier, token: str) -> Unauthenticated:
    with pytest.raises(Unauthenticated) as caught:
        await verifier.verify(f"Bearer {token}")
    assert token not in caught.value.message
    return caught.value


async def test_a_valid_token_is_its_subject_with_keys_found_by_discovery(
    provider: IdentityProvider, started: Started
) -> None:
    async with started() as verifier:
        token = provider.token(provider.keys[0])
        assert await verifier.verify(f"Bearer {token}") == Caller("alice", "token")
        assert await verifier.verify(f"bearer  {token} ") == Caller("alice", "token")
    assert provider.requests == [DISCOVERY, "/jwks"]  # once, then cached


async def test_a_jwks_url_is_used_without_discovery(
    provider: IdentityProvider, started: Started
) -> None:
    async with started(auth_jwks_url=provider.jwks_url) as verifier:
        ec_key = provider.add_key("ec", alg="ES256")
        assert (await verifier.verify(f"Bearer {provider.token(ec_key, sub='bob')}")).name == "bob"
    assert provider.requests == ["/jwks"]


async def test_a_token_without_sub_is_its_client(
    provider: IdentityProvider, started: Started
) -> None:
    async with started() as verifier:
        token = provider.token(provider.keys[0], sub=None, azp="render-bot")
        assert await verifier.verify(f"Bearer {token}") == Caller("render-bot", "token")
        nobody = provider.token(provider.keys[0], sub=None)
        assert "no subject" in (await refused(verifier, nobody)).message


@pytest.mark.parametrize(
    ("claims", "message"),
    [
        ({"exp": -120}, "the token has expired"),
        ({"nbf": 120}, "the token is not valid yet"),
        ({"iss": "https://someone.else"}, "the token is from another issuer"),
        ({"aud": "another-api"}, "the token is for another audience"),
        ({"exp": None}, "the token lacks a required claim"),
        ({"aud": None}, "the token lacks a required claim"),
    ],
)
async def test_claims_out_of_bounds_are_refused(
    provider: IdentityProvider, started: Started, claims: dict[str, Any], message: str
) -> None:
    now = int(time.time())
    claims = {k: now + v if k in ("exp", "nbf") and v is not None else v for k, v in claims.items()}
    async with started() as verifier:
        exc = await refused(verifier, provider.token(provider.keys[0], **claims))
    assert exc.message == message
    assert exc.reason == "UNAUTHENTICATED" and not exc.missing
    assert exc.challenge().startswith('Bearer realm="ai_studio", error="invalid_token"')


async def test_exp_and_nbf_have_a_small_leeway(
    provider: IdentityProvider, started: Started
) -> None:
    now = int(time.time())
    async with started(auth_leeway_s=30) as verifier:
        for claims in ({"exp": now - 10}, {"nbf": now + 10}):
            token = provider.token(provider.keys[0], **claims)
            assert (await verifier.verify(f"Bearer {token}")).name == "alice"


async def test_a_token_signed_by_another_key_under_a_known_kid_is_refused(
    provider: IdentityProvider, started: Started
) -> None:
    impostor = new_key("k1")  # same kid, not the published key
    async with started() as verifier:
        exc = await refused(verifier, provider.token(impostor))
    assert exc.message == "the token's signature is not valid"


async def test_alg_none_is_refused_before_any_key_is_fetched(
    provider: IdentityProvider, started: Started
) -> None:
    async with started() as verifier:
        for alg in ("none", "None", "NONE"):
            token = unsigned(provider.claims(), {"alg": alg, "kid": "k1", "typ": "JWT"})
            assert "is not accepted" in (await refused(verifier, token)).message
    assert provider.requests == []


async def test_hs256_signed_with_the_public_key_is_refused(
    provider: IdentityProvider, started: Started
) -> None:
    key = provider.keys[0]
    header = {"alg": "HS256", "kid": "k1", "typ": "JWT"}
    async with started() as verifier:
        for secret in (key.public_pem(), str(key.public_jwk()).encode()):
            token = hmac_signed(provider.claims(), header, secret)
            assert "is not accepted" in (await refused(verifier, token)).message


async def test_a_token_for_another_algorithm_than_its_keys_is_refused(
    provider: IdentityProvider, started: Started
) -> None:
    provider.keys[0] = new_key("k1", alg="ES256")  # an EC key, its alg not published
    provider.keys.append(new_key("k2", alg="RS256"))
    provider.keys[1].published_alg = True  # an RSA key for RS256 only
    async with started(auth_algorithms="RS256,PS256,ES256") as verifier:
        for kid, alg in (("k1", "RS256"), ("k1", "PS256"), ("k2", "PS256"), ("k2", "ES256")):
            forged = provider.token(new_key(kid, alg=alg))
            exc = await refused(verifier, forged)
            assert exc.message == "the token's algorithm is not its key's", (kid, alg)


@pytest.mark.parametrize("algorithms", ["HS256", "RS256,HS512", "none", "RS256,none", ""])
def test_hmac_and_none_cannot_be_configured(algorithms: str) -> None:
    with pytest.raises(ValidationError, match="AUTH_ALGORITHMS"):
        AuthSettings(auth_issuer="https://id", auth_audience="a", auth_algorithms=algorithms)


@pytest.mark.parametrize(
    "url",
    ["http://id.example", "http://10.0.0.1:8080/realms/x", "ftp://id.example", "id.example"],
)
def test_keys_come_over_https_but_on_loopback(url: str) -> None:
    with pytest.raises(ValidationError, match="must be an https:// URL"):
        AuthSettings(auth_issuer=url, auth_audience="a")
    with pytest.raises(ValidationError, match="must be an https:// URL"):
        AuthSettings(auth_issuer="https://id", auth_jwks_url=url, auth_audience="a")
    for fine in ("https://id.example", "http://127.0.0.1:9000", "http://localhost/x"):
        assert AuthSettings(auth_issuer=fine, auth_audience="a").tokens_on


def test_tokens_need_both_an_issuer_and_an_audience() -> None:
    for values in ({"auth_issuer": "https://id"}, {"auth_jwks_url": "https://id/jwks"}):
        with pytest.raises(ValidationError, match="AUTH_ISSUER and AUTH_AUDIENCE"):
            AuthSettings(**values)


async def test_an_unknown_kid_fetches_the_keys_again_at_most_once_per_interval(
    provider: IdentityProvider, started: Started, clock: Clock
) -> None:
    async with started(auth_jwks_url=provider.jwks_url, auth_jwks_refresh_s=30) as verifier:
        assert (await verifier.verify(f"Bearer {provider.token(provider.keys[0])}")).name
        assert provider.requests == ["/jwks"]
        rotated = provider.add_key("k2")  # the provider rotates its keys
        clock.now += 31
        token = provider.token(rotated, sub="carol")
        assert (await verifier.verify(f"Bearer {token}")).name == "carol"
        assert provider.requests == ["/jwks", "/jwks"]
        # Made-up kids right after: no request to the provider, just a refusal.
        for kid in ("k3", "k4", "k5"):
            exc = await refused(verifier, provider.token(new_key(kid)))
            assert exc.message == "the token is signed with an unknown key"
        assert provider.requests == ["/jwks", "/jwks"]
        clock.now += 31
        await refused(verifier, provider.token(new_key("k6")))
        assert provider.requests == ["/jwks", "/jwks", "/jwks"]
        # The known keys still work without a request.
        await verifier.verify(f"Bearer {token}")
        assert len(provider.requests) == 3


async def test_keys_older_than_their_max_age_are_fetched_again(
    provider: IdentityProvider, started: Started, clock: Clock
) -> None:
    async with started(auth_jwks_url=provider.jwks_url, auth_jwks_max_age_s=600) as verifier:
        token = f"Bearer {provider.token(provider.keys[0])}"
        await verifier.verify(token)
        clock.now += 601
        await verifier.verify(token)
        assert provider.requests == ["/jwks", "/jwks"]
        provider.failing = True  # stale keys are kept while the provider is down
        clock.now += 601
        assert (await verifier.verify(token)).name == "alice"


async def test_concurrent_tokens_on_a_cold_cache_fetch_the_keys_once(
    provider: IdentityProvider, started: Started
) -> None:
    async with started() as verifier:
        token = f"Bearer {provider.token(provider.keys[0])}"
        callers = await asyncio.gather(*(verifier.verify(token) for _ in range(8)))
    assert {c.name for c in callers} == {"alice"}
    assert provider.requests == [DISCOVERY, "/jwks"]


async def test_a_provider_that_is_down_lets_no_token_through(
    provider: IdentityProvider, started: Started, clock: Clock
) -> None:
    provider.failing = True
    async with started() as verifier:
        token = f"Bearer {provider.token(provider.keys[0])}"
        for _ in range(3):
            with pytest.raises(KeysUnavailable) as caught:
                await verifier.verify(token)
            assert caught.value.reason == "AUTH_UNAVAILABLE"
        assert provider.requests == [DISCOVERY]  # not hammered while down
        provider.failing = False
        clock.now += 31
        assert (await verifier.verify(token)).name == "alice"


async def test_an_unknown_kid_while_the_provider_is_down_is_unavailable(
    provider: IdentityProvider, started: Started, clock: Clock
) -> None:
    async with started(auth_jwks_url=provider.jwks_url) as verifier:
        await verifier.verify(f"Bearer {provider.token(provider.keys[0])}")
        provider.failing = True
        clock.now += 31
        with pytest.raises(KeysUnavailable):
            await verifier.verify(f"Bearer {provider.token(new_key('k9'))}")


async def test_a_provider_on_a_closed_port_is_unavailable(unused_tcp_port: int) -> None:
    nowhere = IdentityProvider(issuer=f"http://127.0.0.1:{unused_tcp_port}")
    token = nowhere.token(nowhere.add_key())
    verifier = Verifier(AuthSettings(auth_issuer=nowhere.issuer, auth_audience=AUDIENCE))
    await verifier.start()
    try:
        with pytest.raises(KeysUnavailable):
            await verifier.verify(f"Bearer {token}")
    finally:
        await verifier.close()


async def test_a_discovery_document_for_another_issuer_is_not_believed(
    provider: IdentityProvider, started: Started
) -> None:
    async with started(auth_issuer=provider.issuer + "/other") as verifier:
        with pytest.raises(KeysUnavailable):
            await verifier.verify(f"Bearer {provider.token(provider.keys[0])}")


@pytest.mark.parametrize("token", ["a.b.c", "x" * 3000 + ".a.b", "!.!.!"])
async def test_a_malformed_token_is_refused(started: Started, token: str) -> None:
    async with started() as verifier:
        assert (await refused(verifier, token)).message == "the token is malformed"


async def test_a_token_without_a_signature_for_the_only_key_is_refused(
    provider: IdentityProvider, started: Started
) -> None:
    async with started() as verifier:
        token = unsigned(provider.claims(), {"alg": "RS256"})  # no kid: the only key
        assert (await refused(verifier, token)).message == "the token's signature is not valid"
