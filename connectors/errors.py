"""Error classes the engine understands. Connectors raise these; the engine decides what happens:

- ConfigError stops the run and tells the owner what to fix (bad key, unreachable URL, unsafe URL).
- TransientError is retried with backoff, jitter and a cap.
- RateLimited(retry_after) waits as long as the platform said.
- RecordError skips one record and stores why; the run goes on.
"""


class ConnectorError(Exception):
    """Base class. `message` is readable by a store owner; `url` is the URL that failed, if any."""

    def __init__(self, message: str, *, url: str | None = None, status: int | None = None, detail: str = ""):
        super().__init__(message)
        self.message = message
        self.url = url
        self.status = status
        self.detail = detail

    def __str__(self) -> str:
        parts = [self.message]
        if self.url:
            parts.append(f"(URL: {self.url})")
        return " ".join(parts)


class ConfigError(ConnectorError):
    """The store cannot be used as configured; retrying will not help until the owner fixes something."""


class AuthenticationError(ConfigError):
    """The store refused the credentials (HTTP 401/403)."""


class UnsafeURLError(ConfigError):
    """The URL points at an address this deployment may not call (SSRF guard)."""


class TransientError(ConnectorError):
    """Temporary failure (timeout, connection reset, 5xx): worth retrying later."""


class RateLimited(TransientError):
    """The platform asked us to slow down; `retry_after` seconds is how long it asked for."""

    def __init__(self, message: str, *, retry_after: float, **kwargs):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class RecordError(ConnectorError):
    """One record is bad (invalid on read, refused on write). Skipped and logged; the run goes on."""

    def __init__(self, message: str, *, source_id: str = "", excerpt: str = "", **kwargs):
        super().__init__(message, **kwargs)
        self.source_id = source_id
        self.excerpt = excerpt
