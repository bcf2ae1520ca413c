"""A fake OpenID Connect provider: a tiny aiohttp app on loopback that publishes a
discovery document and a JWKS of keys made in the test, signs tokens with them, records
every request it receives, and can be told to fail.

    provider = IdentityProvider()
    server = await aiohttp_server(provider.app)
    provider.issuer = str(server.make_url("")).rstrip("/")
    key = provider.add_key()                 # published in the JWKS
    token = provider.token(key, sub="alice", aud="ai-studio")
    provider.failing = True                  # 503 from now on
"""

import base64
import hashlib
import hmac
import json
import time
from dataclasses import dataclass, field
from typing import Any

import jwt
from aiohttp import web
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

AUDIENCE = "ai-studio"


@dataclass
class Key:
    kid: str
    private: Any  # an RSA or EC private key
    alg: str

    published_alg: bool = False  # whether the JWKS names the key's algorithm

    def public_jwk(self) -> dict[str, Any]:
        algorithm = jwt.get_algorithm_by_name(self.alg)
        jwk = json.loads(algorithm.to_jwk(self.private.public_key()))
        jwk |= {"kid": self.kid, "use": "sig"}
        return jwk | {"alg": self.alg} if self.published_alg else jwk

    def public_pem(self) -> bytes:
        return self.private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )


def new_key(kid: str, alg: str = "RS256") -> Key:
    if alg.startswith("ES"):
        return Key(kid, ec.generate_private_key(ec.SECP256R1()), alg)
    return Key(kid, rsa.generate_private_key(public_exponent=65537, key_size=2048), alg)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unsigned(claims: dict[str, Any], header: dict[str, Any]) -> str:
    """A token with `alg: none` and no signature, as an attacker writes one."""
    parts = [_b64(json.dumps(header).encode()), _b64(json.dumps(claims).encode())]
    return ".".join(parts) + "."


def hmac_signed(claims: dict[str, Any], header: dict[str, Any], secret: bytes) -> str:
    """A token signed with HS256 with `secret` (say, the published public key)."""
    signing_input = ".".join([_b64(json.dumps(header).encode()), _b64(json.dumps(claims).encode())])
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


@dataclass
class IdentityProvider:
    issuer: str = "http://127.0.0.1"
    keys: list[Key] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    failing: bool = False

    def __post_init__(self) -> None:
        self.app = web.Application()
        self.app.router.add_get("/.well-known/openid-configuration", self._discovery)
        self.app.router.add_get("/jwks", self._jwks)

    @property
    def jwks_url(self) -> str:
        return f"{self.issuer}/jwks"

    def add_key(self, kid: str | None = None, alg: str = "RS256") -> Key:
        key = new_key(kid or f"key-{len(self.keys) + 1}", alg)
        self.keys.append(key)
        return key

    def claims(self, **overrides: Any) -> dict[str, Any]:
        now = int(time.time())
        claims = {"iss": self.issuer, "aud": AUDIENCE, "sub": "alice", "iat": now}
        claims |= {"nbf": now, "exp": now + 300}
        return {k: v for k, v in (claims | overrides).items() if v is not None}

    def token(self, key: Key, **overrides: Any) -> str:
        return jwt.encode(
            self.claims(**overrides), key.private, algorithm=key.alg, headers={"kid": key.kid}
        )

    async def _discovery(self, request: web.Request) -> web.Response:
        self.requests.append(request.path)
        if self.failing:
            return web.Response(status=503)
        return web.json_response({"issuer": self.issuer, "jwks_uri": self.jwks_url})

    async def _jwks(self, request: web.Request) -> web.Response:
        self.requests.append(request.path)
        if self.failing:
            return web.Response(status=503)
        return web.json_response({"keys": [key.public_jwk() for key in self.keys]})


async def served(aiohttp_server: Any) -> IdentityProvider:
    """A provider on a loopback test server, with one published key, `k1`."""
    provider = IdentityProvider()
    server = await aiohttp_server(provider.app)
    provider.issuer = str(server.make_url("")).rstrip("/")
    provider.add_key("k1")
    return provider
