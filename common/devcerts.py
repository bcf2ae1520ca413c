"""`python -m common.devcerts DIR` (`make certs`): a local CA and the certificates for
gRPC over mutual TLS between containers, for development only. Tests make their own
with the same functions.

    ca.pem                       the CA (trusted by both sides; its key stays in DIR)
    orchestrator.pem/-key.pem    the server: orchestrator, localhost, 127.0.0.1; also a
                                 client certificate, for its own container healthcheck
    edge.pem/-key.pem            the edge's client certificate
    client.pem/-key.pem          for an internal service or grpcurl on the host
"""

import datetime
import ipaddress
import sys
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

Pair = tuple[x509.Certificate, ec.EllipticCurvePrivateKey]
VALID_DAYS = 825
CA_USAGE = x509.KeyUsage(
    digital_signature=True,
    key_cert_sign=True,
    crl_sign=True,
    content_commitment=False,
    key_encipherment=False,
    data_encipherment=False,
    key_agreement=False,
    encipher_only=False,
    decipher_only=False,
)


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _builder(
    subject: str, issuer: x509.Name, key: ec.EllipticCurvePrivateKey
) -> x509.CertificateBuilder:
    now = datetime.datetime.now(datetime.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=VALID_DAYS))
    )


def make_ca(common_name: str) -> Pair:
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        _builder(common_name, _name(common_name), key)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(CA_USAGE, critical=True)
        .sign(key, hashes.SHA256())
    )
    return cert, key


def make_leaf(ca: Pair, common_name: str, hosts: list[str], *, server: bool) -> Pair:
    """A certificate signed by `ca`, for clients, and for servers (named `hosts`) too."""
    ca_cert, ca_key = ca
    key = ec.generate_private_key(ec.SECP256R1())
    names: list[x509.GeneralName] = []
    for host in hosts:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    usages = [ExtendedKeyUsageOID.CLIENT_AUTH] + [ExtendedKeyUsageOID.SERVER_AUTH] * server
    builder = (
        _builder(common_name, ca_cert.subject, key)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage(usages), critical=False)
    )
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    return builder.sign(ca_key, hashes.SHA256()), key


def cert_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def write_pair(directory: Path, name: str, pair: Pair) -> None:
    (directory / f"{name}.pem").write_bytes(cert_pem(pair[0]))
    key_file = directory / f"{name}-key.pem"
    key_file.write_bytes(key_pem(pair[1]))
    # Readable by the containers' own user (another uid than yours): development only.
    key_file.chmod(0o644)


def main(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    ca = make_ca("AI Studio development CA")
    write_pair(directory, "ca", ca)
    (directory / "ca-key.pem").chmod(0o600)
    hosts = ["orchestrator", "localhost", "127.0.0.1"]
    write_pair(directory, "orchestrator", make_leaf(ca, "orchestrator", hosts, server=True))
    write_pair(directory, "edge", make_leaf(ca, "edge", [], server=False))
    write_pair(directory, "client", make_leaf(ca, "client", [], server=False))
    print(f"wrote a development CA and gRPC certificates to {directory}/")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "certs"))
