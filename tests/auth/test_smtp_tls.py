"""Mail over STARTTLS with a login, against a real SMTP server that requires both.

The server's certificate is made here for 127.0.0.1; trusting it is the only thing the test
changes on the client side (SSL_CERT_FILE, which OpenSSL's default verify paths read).
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from ipaddress import IPv4Address
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from todo.auth.mail import Mailer

from ..mail import Inbox

USER, PASSWORD = "mailer", "Smtp-secret-1"


def _certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key, as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test SMTP server")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(IPv4Address("127.0.0.1"))]), False
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "smtp.pem", directory / "smtp.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def _check_login(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
        USER.encode(),
        PASSWORD.encode(),
    )
    return AuthResult(success=ok, handled=False)  # handled=False: the server answers 535


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    return _certificate(tmp_path)


@pytest.fixture
def secure_inbox(certificate: tuple[Path, Path]) -> Iterator[Inbox]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    inbox = Inbox(
        tls_context=context,
        require_starttls=True,
        authenticator=_check_login,
        auth_required=True,
        auth_require_tls=True,
    ).start()
    yield inbox
    inbox.stop()


def _mailer(inbox: Inbox, password: str = PASSWORD) -> Mailer:
    return Mailer(host="127.0.0.1", port=inbox.port, user=USER, password=password, starttls=True)


async def test_mail_goes_over_starttls_with_a_login(
    secure_inbox: Inbox, certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    await _mailer(secure_inbox).send(
        to="ada@example.com", subject="Reset your password", text="https://todo.test/reset?t=1"
    )
    (message,) = await secure_inbox.wait(1)
    assert message["To"] == "ada@example.com"
    assert secure_inbox.sessions == [{"tls": True, "authenticated": True}]


async def test_an_untrusted_certificate_stops_the_mail(secure_inbox: Inbox) -> None:
    with pytest.raises(ssl.SSLCertVerificationError):
        await _mailer(secure_inbox).send(to="ada@example.com", subject="s", text="secret link")
    assert secure_inbox.messages == []


async def test_a_wrong_smtp_password_stops_the_mail(
    secure_inbox: Inbox, certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    with pytest.raises(smtplib.SMTPAuthenticationError):
        await _mailer(secure_inbox, "Wrong-1").send(to="ada@example.com", subject="s", text="t")
    assert secure_inbox.messages == []
