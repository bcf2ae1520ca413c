"""How a client dials the orchestrator, as the edge and `python -m orchestrator.healthcheck`
do: gRPC over TLS (the CA to trust, a client certificate for mutual TLS; PEM files read
once when the channel is made) and the credential it calls with."""

from pathlib import Path

import grpc
from pydantic import SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class OrchestratorClientSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", frozen=True, env_ignore_empty=True)

    # The CA certificate(s) the orchestrator's certificate must chain to (PEM); set, the
    # gRPC channel uses TLS. (A public CA: the system bundle, e.g.
    # /etc/ssl/certs/ca-certificates.crt.)
    grpc_tls_ca: Path | None = None
    # A client certificate and its key (PEM), for an orchestrator that requires them.
    grpc_tls_client_cert: Path | None = None
    grpc_tls_client_key: Path | None = None
    # The name the orchestrator's certificate is checked against, when not the host dialed.
    grpc_tls_server_name: str | None = None
    # A bearer credential sent on every call to the orchestrator (an API key of its
    # AUTH_API_KEYS, or a token); unset, the edge forwards its caller's own credential.
    orchestrator_token: SecretStr = SecretStr("")

    @model_validator(mode="after")
    def _pairs(self) -> "OrchestratorClientSettings":
        if (self.grpc_tls_client_cert is None) != (self.grpc_tls_client_key is None):
            raise ValueError("GRPC_TLS_CLIENT_CERT and GRPC_TLS_CLIENT_KEY go together")
        if self.grpc_tls_client_cert is not None and self.grpc_tls_ca is None:
            raise ValueError("a client certificate needs GRPC_TLS_CA (TLS to the orchestrator)")
        return self


def channel_credentials(
    ca: Path, cert: Path | None = None, key: Path | None = None
) -> grpc.ChannelCredentials:
    return grpc.ssl_channel_credentials(
        root_certificates=ca.read_bytes(),
        private_key=key.read_bytes() if key else None,
        certificate_chain=cert.read_bytes() if cert else None,
    )


def name_override(server_name: str | None) -> tuple[tuple[str, str], ...]:
    """The channel option that checks the certificate against another name."""
    return (("grpc.ssl_target_name_override", server_name),) if server_name else ()


def open_channel(
    address: str,
    settings: OrchestratorClientSettings,
    options: tuple[tuple[str, int | str], ...] = (),
    interceptors: list[grpc.aio.ClientInterceptor] | None = None,
) -> grpc.aio.Channel:
    """An asyncio channel to the orchestrator: TLS when a CA is set, plaintext otherwise."""
    if settings.grpc_tls_ca is None:
        return grpc.aio.insecure_channel(address, options, interceptors=interceptors)
    credentials = channel_credentials(
        settings.grpc_tls_ca, settings.grpc_tls_client_cert, settings.grpc_tls_client_key
    )
    return grpc.aio.secure_channel(
        address,
        credentials,
        options + name_override(settings.grpc_tls_server_name),
        interceptors=interceptors,
    )
