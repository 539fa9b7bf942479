"""The Ed25519 key pair that signs and verifies tokens.

Only the identity side (console, ``smartdist tenant create``) needs the private key; services hold
the public key and verify tokens offline. In production both come from the environment (a
Secret); in the embedded default they are generated once under ``$SMARTDIST_DATA_DIR/keys``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from smartdist.config import PlatformSettings


@dataclass(frozen=True)
class KeyPair:
    private_pem: str | None
    public_pem: str


def load_keys(settings: PlatformSettings) -> KeyPair:
    if settings.auth_public_key:
        return KeyPair(settings.auth_private_key, settings.auth_public_key)
    if settings.env == "production":
        raise RuntimeError("SMARTDIST_AUTH_PUBLIC_KEY must be set in production")
    return _embedded_keys(settings.resolved_data_dir() / "keys")


def _embedded_keys(folder: Path) -> KeyPair:
    folder.mkdir(parents=True, exist_ok=True)
    private_path = folder / "signing-ed25519.pem"
    if not private_path.exists():
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        # Two processes starting on one fresh data dir (demo + `tenant create`) must agree on
        # one key: write aside, then link into place; the loser of the race reads the winner's.
        tmp = folder / f".signing-{os.getpid()}.pem"
        tmp.write_bytes(pem)
        os.chmod(tmp, 0o600)
        try:
            os.link(tmp, private_path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink(missing_ok=True)
    private_pem = private_path.read_text()
    private_key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    public_pem = (
        private_key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return KeyPair(private_pem, public_pem)


def generate_pem_pair() -> KeyPair:
    """For operators: `smartdist keys generate` prints a pair to put into Secrets."""
    key = Ed25519PrivateKey.generate()
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public_pem = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return KeyPair(private_pem, public_pem)
