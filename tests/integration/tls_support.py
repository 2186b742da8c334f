"""A throwaway PKI for the TLS broker tests: a CA, a broker certificate for 127.0.0.1 (PKCS#12
for Kafka) and a client certificate (PEM for the worker), made with `cryptography`."""

from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass
from pathlib import Path

PASSWORD = "broker-keystore-pw"


@dataclass(frozen=True)
class Pki:
    ca_pem: Path
    broker_p12: Path
    broker_p12_password: str
    client_cert_pem: Path
    client_key_pem: Path
    other_ca_pem: Path
    """A CA that signed nothing here (a client trusting only it must fail)."""


def make_pki(folder: Path) -> Pki:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = dt.datetime.now(dt.UTC)

    def name(cn: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    def ca(cn: str) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (
            x509.CertificateBuilder().subject_name(name(cn)).issuer_name(name(cn))
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=2))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True,
                                         crl_sign=True, content_commitment=False,
                                         key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, encipher_only=False,
                                         decipher_only=False), critical=True)
            .sign(key, hashes.SHA256())
        )
        return key, cert

    def leaf(cn: str, issuer: tuple[ec.EllipticCurvePrivateKey, x509.Certificate],
             usage: x509.ObjectIdentifier) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
        key = ec.generate_private_key(ec.SECP256R1())
        builder = (
            x509.CertificateBuilder().subject_name(name(cn)).issuer_name(issuer[1].subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=2))
            .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        )
        if usage == ExtendedKeyUsageOID.SERVER_AUTH:
            builder = builder.add_extension(x509.SubjectAlternativeName([
                x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost"),
            ]), critical=False)
        return key, builder.sign(issuer[0], hashes.SHA256())

    folder.mkdir(parents=True, exist_ok=True)
    root = ca("flamewatch test CA")
    other = ca("some other CA")
    broker_key, broker_cert = leaf("127.0.0.1", root, ExtendedKeyUsageOID.SERVER_AUTH)
    client_key, client_cert = leaf("flamewatch-worker", root, ExtendedKeyUsageOID.CLIENT_AUTH)
    pem = serialization.Encoding.PEM
    out = Pki(
        ca_pem=folder / "ca.pem",
        broker_p12=folder / "broker.p12",
        broker_p12_password=PASSWORD,
        client_cert_pem=folder / "client.pem",
        client_key_pem=folder / "client.key",
        other_ca_pem=folder / "other-ca.pem",
    )
    out.ca_pem.write_bytes(root[1].public_bytes(pem))
    out.other_ca_pem.write_bytes(other[1].public_bytes(pem))
    out.broker_p12.write_bytes(pkcs12.serialize_key_and_certificates(
        b"broker", broker_key, broker_cert, [root[1]],
        serialization.BestAvailableEncryption(PASSWORD.encode()),
    ))
    out.client_cert_pem.write_bytes(client_cert.public_bytes(pem))
    out.client_key_pem.write_bytes(client_key.private_bytes(
        pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ))
    return out
