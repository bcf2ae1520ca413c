"""The orchestrator's gRPC listener over TLS, and mutual TLS when a client CA is set
(every client must then present a certificate that chains to it)."""

from pathlib import Path

import grpc
from pydantic import model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class TlsServerSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", frozen=True, env_ignore_empty=True)

    # The server's certificate chain and key (PEM); both set, gRPC listens with TLS only.
    grpc_tls_cert: Path | None = None
    grpc_tls_key: Path | None = None
    # The CA client certificates must chain to (PEM); set, clients without one are refused.
    grpc_tls_client_ca: Path | None = None

    @property
    def tls_on(self) -> bool:
        return self.grpc_tls_cert is not None

    @model_validator(mode="after")
    def _pairs(self) -> "TlsServerSettings":
        if (self.grpc_tls_cert is None) != (self.grpc_tls_key is None):
            raise ValueError("GRPC_TLS_CERT and GRPC_TLS_KEY go together")
        if self.grpc_tls_client_ca is not None and self.grpc_tls_cert is None:
            raise ValueError("GRPC_TLS_CLIENT_CA needs GRPC_TLS_CERT and GRPC_TLS_KEY")
        return self


def server_credentials(settings: TlsServerSettings) -> grpc.ServerCredentials:
    assert settings.grpc_tls_cert is not None and settings.grpc_tls_key is not None
    client_ca = settings.grpc_tls_client_ca
    return grpc.ssl_server_credentials(
        [(settings.grpc_tls_key.read_bytes(), settings.grpc_tls_cert.read_bytes())],
        root_certificates=client_ca.read_bytes() if client_ca else None,
        require_client_auth=client_ca is not None,
    )
