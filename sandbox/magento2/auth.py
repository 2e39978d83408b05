"""Bearer tokens: the two integration tokens of the store and admin tokens from the token endpoint.

An unknown or expired token is not an error by itself: the caller is a guest, and the route's ACL check
answers 401 "The consumer isn't authorized to access %resources." as Magento does.
https://developer.adobe.com/commerce/webapi/get-started/authentication/gs-authentication-token/
"""
import hmac
import time
from datetime import timedelta

from .common import USER_ADMIN, USER_GUEST, USER_INTEGRATION, Ctx
from .errors import MagentoError
from .store import ADMIN_USERNAME, LIMITED_ACL, token_new

# oauth/access_token_lifetime/admin defaults to 4 hours
ADMIN_TOKEN_LIFETIME = timedelta(hours=4)
ADMIN_USER_ID = 1
INTEGRATION_ID = 1


def identify(ctx: Ctx, header: str) -> None:
    """Set who the request is (user type, id, ACL) from its `Authorization: Bearer` header."""
    scheme, _, token = (header or "").partition(" ")
    token = token.strip()
    ctx.user_type, ctx.user_id, ctx.acl = USER_GUEST, None, None
    if scheme.lower() != "bearer" or not token:
        return
    store = ctx.store
    if hmac.compare_digest(token, store.consumer_key):
        ctx.user_type, ctx.user_id = USER_INTEGRATION, INTEGRATION_ID
        acl = store.settings.get("integration_acl")
        ctx.acl = frozenset(acl) if acl else None
    elif hmac.compare_digest(token, store.read_only_consumer_key):
        ctx.user_type, ctx.user_id, ctx.acl = USER_INTEGRATION, INTEGRATION_ID + 1, frozenset(LIMITED_ACL)
    else:
        row = ctx.rows("admin_tokens").filter(lookup=token).first()
        if row and row.data.get("expires_at", 0) > time.time():
            ctx.user_type, ctx.user_id = USER_ADMIN, ADMIN_USER_ID


def admin_token_create(ctx: Ctx, body, **_) -> str:
    """`POST /V1/integration/admin/token` {username, password} -> the token as a bare JSON string."""
    body = body if isinstance(body, dict) else {}
    username, password = body.get("username"), body.get("password")
    missing = [name for name, value in (("username", username), ("password", password)) if not value]
    if missing:
        raise MagentoError("One or more input exceptions have occurred.", errors=[
            {"message": '"%fieldName" is required. Enter and try again.', "parameters": {"fieldName": name}}
            for name in missing])
    if not (hmac.compare_digest(str(username), ADMIN_USERNAME)
            and hmac.compare_digest(str(password), ctx.store.consumer_secret)):
        raise MagentoError("The account sign-in was incorrect or your account is disabled temporarily. Please wait "
                           "and try again later.", status=401)
    token = token_new()
    ctx.rows("admin_tokens").filter(data__expires_at__lt=time.time()).delete()  # the hourly cleanup cron
    ctx.create("admin_tokens", {"expires_at": time.time() + ADMIN_TOKEN_LIFETIME.total_seconds()}, lookup=token)
    return token
