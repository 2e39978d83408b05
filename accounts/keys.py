"""Random secrets for links and API keys, and how they are stored: only their sha256, never the secret itself."""
import hashlib
import secrets


def key_generate() -> str:
    """A new URL-safe random secret (256 bits of entropy, 43 characters)."""
    return secrets.token_urlsafe(32)


def key_hash(key: str) -> str:
    """The stored form of a secret: hex sha256. The secrets are random, so no salt or slow hash is needed."""
    return hashlib.sha256(key.encode()).hexdigest()
