"""What every mutation shares: registration, write scopes (a read-only token is refused with
ACCESS_DENIED), Shopify's 250-item input array limit (MAX_INPUT_SIZE_EXCEEDED), one transaction per
mutation, and the helpers several mutations use (handles, metafields)."""
import json
from functools import wraps

from django.db import transaction
from django.utils.text import slugify
from graphql import GraphQLError

from .common import MAX_INPUT_ARRAY, Ctx, gid_id, user_error
from .data import record_create, record_save, records

MUTATIONS: dict = {}
# Lists exempt from the 250-item input limit: a product's variants (the 2048 limit is a userError of the
# mutation) and option values (unlimited).
LARGE_LISTS = {("productSet", "input", "variants"), ("productSet", "input", "productOptions", "values"),
               ("productVariantsBulkCreate", "variants"), ("productVariantsBulkUpdate", "variants"),
               ("productCreate", "product", "productOptions", "values")}
METAFIELD_TYPES = {
    "boolean", "color", "date", "date_time", "dimension", "id", "json", "link", "money", "multi_line_text_field",
    "number_decimal", "number_integer", "rating", "rich_text_field", "single_line_text_field", "url", "volume",
    "weight", "product_reference", "variant_reference", "collection_reference", "file_reference",
    "page_reference", "customer_reference", "metaobject_reference",
}


def _too_large(name: str, value, path: list) -> GraphQLError | None:
    if isinstance(value, list):
        limit = None if tuple([name, *path]) in LARGE_LISTS else MAX_INPUT_ARRAY
        if limit is not None and len(value) > limit:
            return GraphQLError(
                f"The input array size of {len(value)} is greater than the maximum allowed of {limit}.",
                path=[name, *path], extensions={"code": "MAX_INPUT_SIZE_EXCEEDED"},
            )
        for item in value:
            found = _too_large(name, item, path)
            if found:
                return found
    elif isinstance(value, dict):
        for key, item in value.items():
            found = _too_large(name, item, [*path, key])
            if found:
                return found
    return None


def mutation(name: str, scope: str):
    """Register `fn(ctx, **args) -> payload dict` as the resolver of Mutation.`name`."""

    def decorate(fn):
        @wraps(fn)
        def resolve(root, info, **args):
            ctx: Ctx = info.context
            if not ctx.can_write:
                raise GraphQLError(
                    f"Access denied for {name} field. Required access: `{scope}` access scope.",
                    extensions={"code": "ACCESS_DENIED", "documentation": "https://shopify.dev/api/usage/access-scopes",
                                "requiredAccess": f"`{scope}` access scope."},
                )
            too_large = _too_large(name, args, [])
            if too_large:
                raise too_large
            with transaction.atomic():
                return fn(ctx, **args)

        MUTATIONS[name] = resolve
        return resolve

    return decorate


def bind(schema) -> None:
    for name, resolve in MUTATIONS.items():
        schema.mutation_type.fields[name].resolve = resolve


def handle_unique(ctx: Ctx, resource: str, wanted: str | None, title: str, exclude_id: int | None = None,
                  fallback: str = "untitled") -> str:
    """Shopify derives handles from titles and appends -1, -2, ... until the handle is free."""
    base = slugify(wanted or title or "") or fallback
    taken = set(records(ctx, resource).filter(lookup__startswith=base).exclude(record_id=exclude_id)
                .values_list("lookup", flat=True))
    if base not in taken:
        return base
    n = 1
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def handle_taken(ctx: Ctx, resource: str, handle: str, exclude_id: int | None = None) -> bool:
    return records(ctx, resource).filter(lookup=handle).exclude(record_id=exclude_id).exists()


def metafield_errors(items: list | None, path: list, *, code_blank="INVALID", code_type="INVALID") -> list[dict]:
    """Validate MetafieldInput entries as Shopify does before writing any."""
    errors = []
    for index, item in enumerate(items or []):
        where = [*path, index]
        if not item.get("id") and not item.get("key"):
            errors.append(user_error([*where, "key"], "Key can't be blank", code_blank))
            continue
        if item.get("key") and not 2 <= len(item["key"]) <= 64:
            errors.append(user_error([*where, "key"], "Key is too short (minimum is 2 characters)"
                                     if len(item["key"]) < 2 else "Key is too long (maximum is 64 characters)",
                                     code_type))
        namespace = item.get("namespace")
        if namespace is not None and not 3 <= len(namespace) <= 255:
            errors.append(user_error([*where, "namespace"], "Namespace is too short (minimum is 3 characters)"
                                     if len(namespace) < 3 else "Namespace is too long (maximum is 255 characters)",
                                     code_type))
        if item.get("value") is None and not item.get("id"):
            errors.append(user_error([*where, "value"], "Value can't be blank", code_blank))
        kind = item.get("type")
        if kind is not None and kind not in METAFIELD_TYPES and not (
                kind.startswith("list.") and kind[5:] in METAFIELD_TYPES):
            errors.append(user_error([*where, "type"], f"Type '{kind}' is not a valid metafield type.", code_type))
        elif kind is not None and item.get("value") is not None:
            problem = metafield_value_problem(kind, item["value"])
            if problem:
                errors.append(user_error([*where, "value"], problem, code_type))
    return errors


def metafield_value_problem(kind: str, value: str) -> str | None:
    if kind in ("id", "url") and len(value) > 2048:
        return "Value is too long (maximum is 2048 characters)."
    if kind == "number_integer":
        try:
            int(value)
        except ValueError:
            return "Value must be an integer."
    if kind == "boolean" and value not in ("true", "false"):
        return "Value must be true or false."
    if kind == "json" or kind.startswith("list."):
        try:
            json.loads(value)
        except ValueError:
            return "Value must be valid JSON."
    return None


def metafields_write(ctx: Ctx, owner_id: int, owner_type: str, items: list | None, *, replace: bool = False) -> list:
    """Upsert metafields on an owner (namespace defaults to the app's, `custom` here); with `replace`,
    the owner's other metafields are deleted (productSet's list semantics)."""
    written = []
    existing = {r.lookup: r for r in records(ctx, "metafields").filter(parent_id=owner_id)}
    by_id = {r.record_id: r for r in existing.values()}
    for item in items or []:
        record = by_id.get(gid_id(item.get("id"), "Metafield")) if item.get("id") else None
        namespace = item.get("namespace") or (record.data["namespace"] if record else "custom")
        key = item.get("key") or (record.data["key"] if record else "")
        lookup = f"{namespace}.{key}"
        record = record or existing.get(lookup)
        kind = item.get("type") or (record.data.get("type") if record else "single_line_text_field")
        data = {"namespace": namespace, "key": key, "type": kind, "ownerType": owner_type,
                "value": item.get("value") if item.get("value") is not None else record.data.get("value", ""),
                "ownerId": f"gid://shopify/{_OWNER_TYPE_NAMES.get(owner_type, owner_type.title())}/{owner_id}"}
        if item.get("description") is not None:
            data["description"] = item["description"]
        if record:
            record.data = {**record.data, **data}
            record.lookup = lookup
            record_save(ctx, record)
        else:
            record = record_create(ctx, "metafields", data, parent_id=owner_id, lookup=lookup)
        existing[lookup] = record
        written.append(record)
    if replace:
        keep = {r.record_id for r in written}
        records(ctx, "metafields").filter(parent_id=owner_id).exclude(record_id__in=keep).delete()
    return written


_OWNER_TYPE_NAMES = {"PRODUCT": "Product", "PRODUCTVARIANT": "ProductVariant", "COLLECTION": "Collection",
                     "CUSTOMER": "Customer", "ORDER": "Order", "PAGE": "Page", "BLOG": "Blog", "ARTICLE": "Article",
                     "SHOP": "Shop", "LOCATION": "Location", "DISCOUNT": "DiscountCodeNode"}


# --- metafield definitions -------------------------------------------------------------------------------
UNIQUE_VALUE_TYPES = {"single_line_text_field", "number_integer", "url", "id"}


def definition_lookup(owner_type: str, namespace: str | None, key: str) -> str:
    return f"{owner_type}:{namespace or 'custom'}.{key}"


def unique_definition(ctx: Ctx, owner_type: str, namespace: str | None, key: str):
    """The definition of (owner type, namespace, key) when its values must be unique (type `id` always)."""
    row = records(ctx, "metafield_definitions").filter(lookup=definition_lookup(owner_type, namespace, key)).first()
    return row if row and row.data.get("uniqueValues") else None


def unique_value_errors(ctx: Ctx, owner_type: str, owner_id: int | None, items: list | None, path: list,
                        code: str = "TAKEN") -> list[dict]:
    """Metafields whose definition has unique values: a value another resource already holds is refused."""
    if not items:
        return []
    unique = set(records(ctx, "metafield_definitions").filter(data__ownerType=owner_type, data__uniqueValues=True)
                 .values_list("lookup", flat=True))
    errors = []
    for index, item in enumerate(items):
        if item.get("key") is None or item.get("value") is None:
            continue
        if definition_lookup(owner_type, item.get("namespace"), item["key"]) not in unique:
            continue
        lookup = f"{item.get('namespace') or 'custom'}.{item['key']}"
        taken = records(ctx, "metafields").filter(lookup=lookup, data__ownerType=owner_type,
                                                  data__value=item["value"])
        if owner_id is not None:
            taken = taken.exclude(parent_id=owner_id)
        if taken.exists():
            errors.append(user_error([*path, str(index), "value"], "Value is already assigned to another "
                                     "resource; values of this metafield definition must be unique.", code))
    return errors
