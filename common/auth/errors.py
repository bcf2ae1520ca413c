"""Why a credential was not accepted.

Exceptions:
    AuthError
    ├── Unauthenticated   no credential, or one that is not valid: 401 / UNAUTHENTICATED
    └── KeysUnavailable   the identity provider's keys could not be had, so no token can
                          be checked: 503 / UNAVAILABLE (never a way in)
"""


class AuthError(Exception):
    reason = "AUTH_ERROR"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Unauthenticated(AuthError):
    reason = "UNAUTHENTICATED"

    def __init__(self, message: str, *, missing: bool = False) -> None:
        super().__init__(message)
        # RFC 6750: a request without any credential gets no `error` attribute.
        self.missing = missing

    def challenge(self) -> str:
        """The `WWW-Authenticate` value of the 401 (RFC 6750 section 3)."""
        if self.missing:
            return 'Bearer realm="ai_studio"'
        description = self.message.replace('"', "'")
        return f'Bearer realm="ai_studio", error="invalid_token", error_description="{description}"'


class KeysUnavailable(AuthError):
    reason = "AUTH_UNAVAILABLE"
