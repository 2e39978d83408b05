"""REST API authentication by named API tokens: `Authorization: Token <key>` (or `Bearer <key>`)."""
from django.utils.translation import gettext_lazy as _
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed

from .selectors import api_token_get_by_key
from .services import api_token_touch


class ApiTokenAuthentication(BaseAuthentication):
    """Authenticates with an `ApiToken` key; `request.auth` is the token, whose organization the request acts in
    (see `accounts.selectors.organization_for_request`). Unknown or revoked keys, keys of inactive users and keys
    of users who left the token's organization are a 401."""

    keywords = (b"token", b"bearer")

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() not in self.keywords:
            return None
        if len(parts) != 2:
            raise AuthenticationFailed(_("Invalid token header: expected 'Token <key>'."))
        try:
            key = parts[1].decode("ascii")
        except UnicodeError as exc:
            raise AuthenticationFailed(_("Invalid token.")) from exc
        token = api_token_get_by_key(key=key)
        if token is None:
            raise AuthenticationFailed(_("Invalid or revoked token."))
        api_token_touch(token=token)
        return token.user, token

    def authenticate_header(self, request) -> str:
        return "Token"
