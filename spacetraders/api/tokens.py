"""Keep agent tokens out of sight: masking for display, hashing for lookup keys."""

from __future__ import annotations

import hashlib


def mask_token(token: str | None) -> str:
    """A recognisable but useless form of a token: `eyJh…x9Qk`, or `****` if short."""
    if not token:
        return "<none>"
    if len(token) < 16:
        return "****"
    return f"{token[:4]}…{token[-4:]}"


def token_fingerprint(token: str) -> str:
    """A stable key derived from a token that reveals nothing about it."""
    return hashlib.sha256(token.encode()).hexdigest()[:16]


def redact(text: str, secrets: tuple[str | None, ...]) -> str:
    """`text` with every occurrence of a secret replaced by its mask."""
    for secret in secrets:
        if secret and secret in text:
            text = text.replace(secret, mask_token(secret))
    return text
