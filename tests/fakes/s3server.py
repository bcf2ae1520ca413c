"""An S3 API server on loopback for the tests: moto's standalone server in a subprocess
of its own, on an ephemeral port (it speaks the S3 wire protocol over HTTP, so the
adapter's requests are real ones). Objects live in that process's memory; what it
received can be read back through its API like from any S3.

It serves one request at a time: moto checks `If-None-Match: *` and then writes, without
a lock, so two conditional PUTs on two of its threads could both succeed, where S3, MinIO
and R2 let only one through. Served serially, moto keeps S3's guarantee."""

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from aiobotocore.config import AioConfig
from aiobotocore.session import AioSession

ACCESS_KEY, SECRET_KEY, REGION = "testing", "testing", "us-east-1"

SERVER = """
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import make_server
server = make_server("127.0.0.1", 0, DomainDispatcherApplication(create_backend_app))
print(server.port, flush=True)
server.serve_forever()
"""


@dataclass(frozen=True)
class S3Endpoint:
    url: str
    access_key: str = ACCESS_KEY
    secret_key: str = SECRET_KEY
    region: str = REGION

    def session(self) -> AioSession:
        session = AioSession()
        session.set_credentials(self.access_key, self.secret_key)
        session.set_config_variable("region", self.region)
        return session

    def client(self):  # an async context manager of an aiobotocore S3 client
        return self.session().create_client(
            "s3", endpoint_url=self.url, config=AioConfig(s3={"addressing_style": "path"})
        )

    def env(self, bucket: str) -> dict[str, str]:
        """The environment of a service that stores its media in `bucket` here."""
        return {
            "AWS_S3_BUCKET": bucket,
            "AWS_ENDPOINT_URL": self.url,
            "AWS_ACCESS_KEY_ID": self.access_key,
            "AWS_SECRET_ACCESS_KEY": self.secret_key,
            "AWS_REGION": self.region,
        }


@contextmanager
def moto_server() -> Iterator[S3Endpoint]:
    process = subprocess.Popen(
        [sys.executable, "-c", SERVER],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        port = int(process.stdout.readline())
        yield S3Endpoint(f"http://127.0.0.1:{port}")
    finally:
        process.kill()
        process.wait()
        if process.stdout is not None:
            process.stdout.close()
