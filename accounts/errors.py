class AccountError(Exception):
    """A failure a user can read and act on. `field` names the form field it is about, if any."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class NotAllowed(AccountError):
    """The user's role in the organization does not allow this (e.g. an owner-only action by a member)."""
