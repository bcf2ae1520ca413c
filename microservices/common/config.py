"""The settings every reference service has; each service subclasses them with its own
environment prefix (SCRIPT_SERVICE_, AUDIO_SERVICE_, IMAGE_SERVICE_, VIDEO_SERVICE_)."""

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from common.process_settings import ProcessSettings


class ServiceSettings(ProcessSettings):
    # An empty variable (as in a copied .env.example) means "the default".
    model_config = SettingsConfigDict(
        extra="ignore", frozen=True, env_ignore_empty=True, populate_by_name=True
    )

    host: str = "127.0.0.1"
    port: int = Field(0, ge=0, le=65535)
    # Where generated files are kept and served from.
    media_dir: Path = Path("./data/media")
    # The base of the absolute media URLs handed out, as a browser reaches this service;
    # empty: http://<host>:<port>.
    public_url: str = ""
    # The media store, shared by every media service, so without the prefix: S3 (or
    # MinIO, R2...) when a bucket is named, the media directory otherwise. Credentials and
    # region come from the standard AWS variables and credential chain.
    aws_s3_bucket: str = Field("", validation_alias="AWS_S3_BUCKET")
    aws_endpoint_url: str = Field("", validation_alias="AWS_ENDPOINT_URL")
    # A public bucket or CDN the media URLs are built on; empty: /media/{key} of the
    # service (which redirects to a short-lived link to the object with S3).
    media_public_base_url: str = Field("", validation_alias="MEDIA_PUBLIC_BASE_URL")
    # The S3 client: how long to wait for a connection and for an answer, and how many
    # times to try a call (the first included; S3's standard retry mode, backing off).
    s3_connect_timeout_s: float = Field(5.0, gt=0, validation_alias="S3_CONNECT_TIMEOUT_S")
    s3_read_timeout_s: float = Field(60.0, gt=0, validation_alias="S3_READ_TIMEOUT_S")
    s3_max_attempts: int = Field(3, ge=1, le=10, validation_alias="S3_MAX_ATTEMPTS")
    # Media (and render records) older than this are removed; empty: kept forever.
    media_retention_days: int | None = Field(None, ge=1, validation_alias="MEDIA_RETENTION_DAYS")
    # The largest request body accepted.
    max_body_bytes: int = Field(1024 * 1024, ge=1024)

    def base_url(self, port: int) -> str:
        """The public base URL, once the real port is known (port 0 picks one)."""
        if self.public_url:
            return self.public_url.rstrip("/")
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host
        return f"http://{host}:{port}"
