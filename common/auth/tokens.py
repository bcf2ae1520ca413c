"""JWT bearer tokens, checked with PyJWT against the provider's keys: the signature
(with an algorithm from the pinned list, and the one the key is for), `exp` and `nbf`
with a small leeway, `iss` and `aud`. The caller is the token's `sub` (or, for a
client-credentials token without one, `azp` / `client_id`)."""

import jwt

from common.auth.errors import Unauthenticated
from common.auth.jwks import JwksCache

# What a refusal says, by PyJWT's exception: enough for the client to fix its token,
# nothing of the token itself.
MESSAGES: tuple[tuple[type[jwt.PyJWTError], str], ...] = (
    (jwt.ExpiredSignatureError, "the token has expired"),
    (jwt.ImmatureSignatureError, "the token is not valid yet"),
    (jwt.InvalidIssuerError, "the token is from another issuer"),
    (jwt.InvalidAudienceError, "the token is for another audience"),
    (jwt.InvalidSignatureError, "the token's signature is not valid"),
    (jwt.MissingRequiredClaimError, "the token lacks a required claim"),
)


# The algorithms each key type can verify: a token never picks its key's use.
FAMILIES = {"RSA": ("RS", "PS"), "EC": ("ES",), "OKP": ("EdDSA",)}


class TokenVerifier:
    def __init__(
        self,
        keys: JwksCache,
        *,
        issuer: str,
        audience: str,
        algorithms: list[str],
        leeway_s: float,
    ) -> None:
        self._keys = keys
        self._issuer = issuer
        self._audience = audience
        self._algorithms = algorithms
        self._leeway_s = leeway_s

    async def verify(self, token: str) -> str:
        """The caller's identity, or Unauthenticated (KeysUnavailable when the keys
        cannot be had)."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise Unauthenticated("the token is malformed") from None
        alg = header.get("alg")
        if alg not in self._algorithms:
            raise Unauthenticated(f"the token's algorithm {str(alg)[:16]!r} is not accepted")
        kid = header.get("kid")
        if kid is not None and not isinstance(kid, str):
            raise Unauthenticated("the token's key id is not a string")
        key = await self._keys.key(kid)
        family = FAMILIES.get(key.jwk.key_type or "", ())
        if not alg.startswith(family) or key.alg not in (None, alg):
            raise Unauthenticated("the token's algorithm is not its key's")
        try:
            claims = jwt.decode(
                token,
                key.jwk.key,
                algorithms=[alg],
                issuer=self._issuer,
                audience=self._audience,
                leeway=self._leeway_s,
                options={"require": ["exp", "iss", "aud"]},
            )
        except (TypeError, ValueError):  # a key PyJWT cannot use for this algorithm
            raise Unauthenticated("the token's algorithm is not its key's") from None
        except jwt.PyJWTError as exc:
            for kind, message in MESSAGES:
                if isinstance(exc, kind):
                    raise Unauthenticated(message) from None
            raise Unauthenticated("the token is not valid") from None
        for claim in ("sub", "azp", "client_id"):
            if isinstance(claims.get(claim), str) and claims[claim]:
                return str(claims[claim])
        raise Unauthenticated("the token names no subject")
