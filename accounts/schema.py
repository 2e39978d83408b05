"""OpenAPI description of `ApiTokenAuthentication` for drf-spectacular (loaded by AccountsConfig.ready)."""
from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiTokenAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "An API token created on the account page, sent as `Token <key>`.",
        }
