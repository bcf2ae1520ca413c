"""The media store: one interface (base.py), a local-directory adapter (the default) and
an S3 adapter (on when AWS_S3_BUCKET is set), chosen from a service's settings here."""

from microservices.common.config import ServiceSettings
from microservices.common.media.base import MediaNotFound, MediaStore, StoreUnavailable
from microservices.common.media.local import LocalStore

__all__ = ["MediaNotFound", "MediaStore", "StoreUnavailable", "open_store"]


def open_store(settings: ServiceSettings) -> MediaStore:
    """The store the settings name; with S3, the media directory only holds work files."""
    if settings.aws_s3_bucket:
        from microservices.common.media.s3 import s3_store  # the AWS SDK only when used

        return s3_store(settings)
    return LocalStore(settings.media_dir, settings.media_public_base_url)
