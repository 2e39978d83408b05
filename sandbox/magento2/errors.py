"""Magento's web API error bodies: `{"message": "...%1...", "parameters": [...] | {...}}` (production mode:
no `trace`). https://developer.adobe.com/commerce/webapi/get-started/gs-web-api-response/"""


class MagentoError(Exception):
    """An error answered as Magento would: the message keeps its `%1`/`%name` placeholders and the values
    go in `parameters` (a list for `%1`, a dict for `%name`)."""

    def __init__(self, message: str, parameters=None, status: int = 400, errors: list | None = None):
        super().__init__(message)
        self.message = message
        self.parameters = parameters
        self.status = status
        self.errors = errors

    def payload(self) -> dict:
        out = {"message": self.message}
        if self.parameters:
            out["parameters"] = self.parameters
        if self.errors:
            out["errors"] = self.errors
        return out

    def rendered(self) -> str:
        """The message with its placeholders filled (what the bulk consumer stores as result_message)."""
        text = self.message
        if isinstance(self.parameters, dict):
            for key, value in self.parameters.items():
                text = text.replace(f"%{key}", str(value))
        elif isinstance(self.parameters, list):
            for position, value in enumerate(self.parameters, start=1):
                text = text.replace(f"%{position}", str(value))
        return text


def no_route() -> MagentoError:
    return MagentoError("Request does not match any route.", status=404)


def not_authorized(resource: str) -> MagentoError:
    # Magento\Webapi\Controller\Rest\RequestValidator::checkPermissions (a guest, a wrong token, a missing ACL)
    return MagentoError("The consumer isn't authorized to access %resources.", {"resources": resource}, 401)


def required(field: str) -> MagentoError:
    return MagentoError('"%fieldName" is required. Enter and try again.', {"fieldName": field}, 400)


def no_such_entity(field: str, value) -> MagentoError:
    return MagentoError("No such entity with %fieldName = %fieldValue", {"fieldName": field, "fieldValue": value}, 404)


def product_not_found() -> MagentoError:
    return MagentoError("The product that was requested doesn't exist. Verify the product and try again.", status=404)


def entity_not_found() -> MagentoError:
    return MagentoError("The entity that was requested doesn't exist. Verify the entity and try again.", status=404)


def invalid_value(field: str, value) -> MagentoError:
    return MagentoError('Invalid value of "%value" provided for the %fieldName field.',
                        {"fieldName": field, "value": value}, 400)
