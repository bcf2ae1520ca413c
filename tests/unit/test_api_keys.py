"""Static API keys: the right key is its name, a wrong one is refused, every stored key
is compared in constant time, only digests are kept, and a malformed list is refused
at start without echoing a key."""

import hmac
from typing import Any

import pytest
from pydantic import SecretStr, ValidationError

from common.auth import api_keys
from common.auth.api_keys import ApiKeys
from common.auth.errors import Unauthenticated
from common.auth.settings import AuthSettings
from common.auth.verifier import Caller, Verifier

CI_KEY = "ci-key-0123456789abcdef"
OPS_KEY = "ops-key-0123456789abcdef"
KEYS = f"ci:{CI_KEY}, ops:{OPS_KEY}"


@pytest.fixture
def verifier() -> Verifier:
    return Verifier(AuthSettings(auth_api_keys=SecretStr(KEYS)))


async def test_the_right_key_is_its_name(verifier: Verifier) -> None:
    assert await verifier.verify(f"Bearer {CI_KEY}") == Caller("ci", "api_key")
    assert await verifier.verify(f"Bearer {OPS_KEY}") == Caller("ops", "api_key")


@pytest.mark.parametrize(
    "presented", [CI_KEY[:-1], CI_KEY + "x", CI_KEY.upper(), "ci", f"ci:{CI_KEY}", "a.b.c"]
)
async def test_a_wrong_key_is_refused(verifier: Verifier, presented: str) -> None:
    with pytest.raises(Unauthenticated) as caught:
        await verifier.verify(f"Bearer {presented}")
    assert caught.value.message == "the credential is not valid"
    assert 'error="invalid_token"' in caught.value.challenge()


@pytest.mark.parametrize("header", [None, "", "   "])
async def test_no_credential_is_a_bare_challenge(verifier: Verifier, header: str | None) -> None:
    with pytest.raises(Unauthenticated) as caught:
        await verifier.verify(header)
    assert caught.value.missing
    assert caught.value.challenge() == 'Bearer realm="ai_studio"'


@pytest.mark.parametrize("header", [CI_KEY, f"Basic {CI_KEY}", "Bearer", "Bearer   "])
async def test_another_scheme_is_refused(verifier: Verifier, header: str) -> None:
    with pytest.raises(Unauthenticated, match="not 'Bearer <credential>'"):
        await verifier.verify(header)


def test_every_stored_key_is_compared_in_constant_time(monkeypatch) -> None:
    compared: list[tuple[Any, Any]] = []
    compare_digest = hmac.compare_digest

    def recording(a: Any, b: Any) -> bool:
        compared.append((a, b))
        return compare_digest(a, b)

    monkeypatch.setattr(api_keys.hmac, "compare_digest", recording)
    keys = ApiKeys(KEYS)
    assert keys.match(CI_KEY) == "ci"  # the first key matches: the second is compared too
    assert len(compared) == 2
    assert keys.match("wrong-key-0123456789") is None
    assert len(compared) == 4
    for a, b in compared:  # digests of equal length, never the keys themselves
        assert isinstance(a, bytes) and isinstance(b, bytes) and len(a) == len(b) == 32


def test_only_digests_of_the_keys_are_kept() -> None:
    kept = repr(vars(ApiKeys(KEYS)))
    assert CI_KEY not in kept and CI_KEY.encode().hex() not in kept
    assert "SecretStr('**********')" in repr(AuthSettings(auth_api_keys=SecretStr(KEYS)))


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("no-colon-0123456789abcdef", "entry 1 is not name:key"),
        (f"ci:{CI_KEY},:{OPS_KEY}", "entry 2 is not name:key"),
        ("ci:short", "key of 'ci' is shorter than 16"),
        (f"ci:{CI_KEY},ci:{OPS_KEY}", "names 'ci' twice"),
    ],
)
def test_a_malformed_list_is_refused_without_its_keys(raw: str, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        AuthSettings(auth_api_keys=SecretStr(raw))
    text = str(caught.value)
    assert message in text
    assert CI_KEY not in text and OPS_KEY not in text and "short'" not in text


def test_nothing_configured_is_no_check() -> None:
    settings = AuthSettings()
    assert not settings.auth_on and not settings.tokens_on
    assert not AuthSettings(auth_api_keys=SecretStr(" , ")).auth_on
    assert not ApiKeys(" , ")
