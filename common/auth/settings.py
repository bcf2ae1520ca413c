"""The access settings the edge and the orchestrator share (each process's settings class
inherits them): who may call, with which credentials. All unset: no check at all."""

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from common.auth.api_keys import parse_api_keys
from common.auth.exposure import is_loopback

# Signature algorithms a token may use: asymmetric only. `none` and the HMAC family are
# never accepted, so a token cannot be "signed" with a public key taken from the JWKS.
ASYMMETRIC = frozenset(
    ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")
)


def secure_url(url: str) -> bool:
    """Keys fetched over plain HTTP could be swapped on the way: https, but on loopback."""
    scheme, _, rest = url.partition("://")
    host = rest.split("/", 1)[0].rsplit("@", 1)[-1]
    return scheme == "https" or (scheme == "http" and is_loopback(host))


class AuthSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", frozen=True, env_ignore_empty=True)

    # OpenID Connect: the issuer (its keys found by discovery at
    # ISSUER/.well-known/openid-configuration unless AUTH_JWKS_URL names them), and the
    # audience a token must be for. Either one turns token checks on; both are then needed.
    auth_issuer: str | None = None
    auth_jwks_url: str | None = None
    auth_audience: str | None = None
    # The signature algorithms accepted, comma-separated (asymmetric ones only).
    auth_algorithms: str = "RS256,PS256,ES256,EdDSA"
    # Clock skew allowed on exp and nbf, s.
    auth_leeway_s: float = Field(30.0, ge=0, le=300)
    # The provider's keys: fetch timeout, s; fetched again at most this often when a
    # token names an unknown key, s; and in any case after this age, s.
    auth_jwks_timeout_s: float = Field(5.0, gt=0)
    auth_jwks_refresh_s: float = Field(30.0, ge=0)
    auth_jwks_max_age_s: float = Field(3600.0, gt=0)
    # Static API keys, `name:key` pairs, comma-separated (keys of 16 characters or more).
    auth_api_keys: SecretStr = SecretStr("")

    @property
    def tokens_on(self) -> bool:
        return bool(self.auth_issuer or self.auth_jwks_url)

    @property
    def auth_on(self) -> bool:
        return self.tokens_on or bool(parse_api_keys(self.auth_api_keys.get_secret_value()))

    @property
    def algorithms(self) -> list[str]:
        return [a.strip() for a in self.auth_algorithms.split(",") if a.strip()]

    @model_validator(mode="after")
    def _coherent(self) -> "AuthSettings":
        refused = [a for a in self.algorithms if a not in ASYMMETRIC]
        if refused or not self.algorithms:
            raise ValueError(
                f"AUTH_ALGORITHMS may name only {', '.join(sorted(ASYMMETRIC))}, not {refused}"
            )
        if self.tokens_on and not (self.auth_issuer and self.auth_audience):
            raise ValueError("token checks need both AUTH_ISSUER and AUTH_AUDIENCE")
        for name, url in (("AUTH_ISSUER", self.auth_issuer), ("AUTH_JWKS_URL", self.auth_jwks_url)):
            if url and not secure_url(url):
                raise ValueError(f"{name} must be an https:// URL (http:// only on loopback)")
        parse_api_keys(self.auth_api_keys.get_secret_value())  # refuses a malformed list
        return self
