"""`python -m microservices.common.media.lifecycle` (`make media-lifecycle`): apply
MEDIA_RETENTION_DAYS to the bucket as an S3 lifecycle rule, so that the store itself
expires old media (and abandoned multipart uploads after a day), whichever services run.

The rule, as S3 takes it (MinIO and R2 take the same):
    {"ID": "ai-studio-media-retention", "Status": "Enabled", "Filter": {"Prefix": ""},
     "Expiration": {"Days": N}, "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1}}
Without MEDIA_RETENTION_DAYS only the multipart rule is applied (media are kept forever).
The services' own hourly sweep does the same where a rule cannot be set."""

import asyncio
import logging
import sys
from typing import Any

from microservices.common.config import ServiceSettings
from microservices.common.media.base import StoreUnavailable

log = logging.getLogger("microservices.media.lifecycle")

RULE_ID = "ai-studio-media-retention"


def lifecycle_rule(days: int | None) -> dict[str, Any]:
    rule: dict[str, Any] = {
        "ID": RULE_ID,
        "Status": "Enabled",
        "Filter": {"Prefix": ""},
        "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1},
    }
    if days is not None:
        rule["Expiration"] = {"Days": days}
    return rule


async def apply(settings: ServiceSettings) -> dict[str, Any]:
    """Put the rule on the bucket (other rules of the bucket are kept); the rule."""
    from microservices.common.media.s3 import s3_store

    if not settings.aws_s3_bucket:
        raise StoreUnavailable("AWS_S3_BUCKET is not set: there is no bucket to configure")
    store = s3_store(settings)
    rule = lifecycle_rule(settings.media_retention_days)
    try:
        try:
            current = await store.call("get_bucket_lifecycle_configuration")
            rules = [r for r in current.get("Rules", []) if r.get("ID") != RULE_ID]
        except StoreUnavailable as exc:
            if "NoSuchLifecycleConfiguration" not in str(exc):
                raise
            rules = []
        await store.call(
            "put_bucket_lifecycle_configuration",
            LifecycleConfiguration={"Rules": [*rules, rule]},
        )
    finally:
        await store.close()
    return rule


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    settings = ServiceSettings()
    try:
        rule = asyncio.run(apply(settings))
    except StoreUnavailable as exc:
        log.error("the lifecycle rule was not applied: %s", exc)
        return 1
    log.info("bucket %s: lifecycle rule %s applied", settings.aws_s3_bucket, rule)
    return 0


if __name__ == "__main__":
    sys.exit(main())
