class AccountError(Exception):
    """A failure a user can read and act on. `field` names the form field it is about, if any."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class NotAllowed(AccountError):
    """The user's role in the organization does not allow this (e.g. an owner-only action by a member)."""


class InvitationNotForUser(AccountError):
    """An invitation opened by an account that does not own the invited address (`unverified`: the account has
    that address but has not verified it yet)."""

    def __init__(self, message: str, *, unverified: bool = False):
        super().__init__(message)
        self.unverified = unverified
