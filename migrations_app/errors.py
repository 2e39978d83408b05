class ApplicationError(Exception):
    """A failure a store owner can read and act on. `field` names the input it is about, if any."""

    def __init__(self, message: str, *, field: str | None = None, extra: dict | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.extra = extra or {}


class ValidationFailed(ApplicationError):
    """Several fields are wrong; `errors` maps field -> list of messages."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("Some fields need attention.", extra={"errors": errors})
        self.errors = errors
