"""WooCommerce / WordPress REST error objects: `{"code", "message", "data": {"status", ...}}`."""


class WooError(Exception):
    """An error answered as WordPress answers a WP_Error; `extra` goes into `data` beside `status`."""

    def __init__(self, code: str, message: str, status: int, **extra):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.extra = extra

    def payload(self) -> dict:
        return {"code": self.code, "message": self.message, "data": {"status": self.status, **self.extra}}


def no_route() -> WooError:
    return WooError("rest_no_route", "No route was found matching the URL and request method.", 404)


def invalid_param(name: str, message: str, code: str = "rest_invalid_param_value") -> WooError:
    """WordPress's argument-validation failure (WP_REST_Request::has_valid_params)."""
    return WooError(
        "rest_invalid_param",
        f"Invalid parameter(s): {name}",
        400,
        params={name: message},
        details={name: {"code": code, "message": message, "data": None}},
    )


def missing_params(names: list[str]) -> WooError:
    return WooError(
        "rest_missing_callback_param", f"Missing parameter(s): {', '.join(names)}", 400, params=names
    )
