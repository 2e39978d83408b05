"""Canonical entities: the platform-neutral shape every connector reads into and writes from.

Contracts:
- Every entity carries `source_id` (the id on the store it was read from, as a string), `updated_at`
  (the source's modification time, UTC), `translations` ({language: {field: value}}) and `extra`
  (what only one platform knows, kept for round trips).
- Fields named in `REFS` hold ids of *other* entities **on the same store** the entity was read from.
  The engine rewrites them to target ids through the id map before a write; connectors never resolve
  references themselves. `REQUIRED_REFS` lists the ones without which the record cannot be written.
- Money is `Decimal` in major units (19.99), quantities are ints, times are timezone-aware UTC.
- Validation happens at the connector boundary (`validate_entity`): a record that does not validate
  becomes a `RecordError`, never a crash.
"""
from __future__ import annotations

import hashlib
import re
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .errors import RecordError


class EntityType(StrEnum):
    TAX_CLASS = "tax_classes"
    MANUFACTURER = "manufacturers"
    CATEGORY = "categories"
    PRODUCT = "products"
    CUSTOMER = "customers"
    ORDER = "orders"
    REVIEW = "reviews"
    COUPON = "coupons"
    PAGE = "pages"
    BLOG_POST = "blog_posts"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


# Internal id-map namespace for product variants (not selectable by owners: they travel with products).
VARIANTS = "variants"

# What must be migrated before an entity (when both are selected), in the engine's dependency order.
DEPENDENCIES: dict[EntityType, tuple[EntityType, ...]] = {
    EntityType.TAX_CLASS: (),
    EntityType.MANUFACTURER: (),
    EntityType.CATEGORY: (),
    EntityType.PRODUCT: (EntityType.TAX_CLASS, EntityType.MANUFACTURER, EntityType.CATEGORY),
    EntityType.CUSTOMER: (),
    EntityType.ORDER: (EntityType.PRODUCT, EntityType.CUSTOMER),
    EntityType.REVIEW: (EntityType.PRODUCT, EntityType.CUSTOMER),
    EntityType.COUPON: (EntityType.PRODUCT, EntityType.CATEGORY),
    EntityType.PAGE: (),
    EntityType.BLOG_POST: (),
}
ENTITY_ORDER: tuple[EntityType, ...] = tuple(EntityType)


# What a person reads for each canonical field (the smart-update catalog, its changes, Check Result's samples).
FIELD_LABELS: dict[str, str] = {
    "stock_quantity": "Quantity", "stock_status": "Stock status", "manage_stock": "Stock tracking",
    "price": "Price", "compare_at_price": "Compare-at price", "status": "Status", "name": "Name / title",
    "description": "Description", "short_description": "Short description", "category_ids": "Categories",
    "seo": "SEO URL and meta", "weight": "Weight", "featured": "Featured", "tags": "Tags", "images": "Images",
    "manufacturer_id": "Brand", "tax_class_id": "Tax class", "shipments": "Tracking number and carrier",
    "status_history": "Status history / notes", "customer_note": "Customer note", "billing": "Billing address",
    "shipping": "Shipping address", "first_name": "First name", "last_name": "Last name", "phone": "Phone",
    "group": "Customer group", "parent_id": "Parent", "position": "Position", "image": "Image",
    "paid_at": "Payment status", "code": "Code", "amount": "Amount", "expires_at": "Expiry",
    "usage_limit": "Usage limit", "product_ids": "Products", "sku": "SKU", "email": "Email",
    "regular_price": "Regular price", "sale_price": "Sale price", "tracking_number": "Tracking number",
    "tracking_company": "Carrier", "address1": "Address", "address2": "Address line 2", "postcode": "Postcode",
    "country": "Country", "city": "City", "state": "State / region", "company": "Company", "slug": "URL key",
    "meta_title": "Meta title", "meta_description": "Meta description", "title": "Title", "rating": "Rating",
    "currency": "Currency", "total": "Total", "created_at": "Created", "updated_at": "Updated", "note": "Note",
    "refunds": "Refunds", "transactions": "Transactions",
}


def field_label(name: str) -> str:
    """"stock_quantity" -> "Quantity"; a field without a label reads as words ("tax_classes" -> "Tax classes");
    a nested one part by part ("billing.postcode" -> "Billing address › Postcode", "lines.0" -> "Lines › #1")."""
    def one(part: str) -> str:
        if part.isdigit():
            return f"#{int(part) + 1}"
        label = FIELD_LABELS.get(part)
        if label is None:
            label = part.removesuffix("_ids").removesuffix("_id").replace("_", " ").strip().capitalize()
        return label or part
    return " › ".join(one(part) for part in str(name).split("."))


class OrderStatus(StrEnum):
    """Canonical order statuses; each connector maps its own statuses to and from these."""

    PENDING = "pending"
    PROCESSING = "processing"
    ON_HOLD = "on_hold"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"
    FAILED = "failed"


_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_TEXT = 512 * 1024  # 512 KB of text per field: bigger than any real description, smaller than abuse.


def _clean_text(value: Any) -> Any:
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError("contains NUL characters")
        if len(value) > MAX_TEXT:
            raise ValueError(f"is {len(value):,} characters long; the limit is {MAX_TEXT:,}")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ValueError("is not valid UTF-8 (it holds unpaired surrogate characters)") from exc
    return value


class Canonical(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True, str_strip_whitespace=False)

    ENTITY: ClassVar[EntityType]
    REFS: ClassVar[dict[str, str]] = {}  # field path -> entity (or VARIANTS); "lines[].product_id" for lists
    REQUIRED_REFS: ClassVar[frozenset[str]] = frozenset()
    # List references that limit what the record applies to (a coupon's products and categories): when
    # none of the ones it had were migrated, writing it without them would widen it to everything.
    RESTRICTING_REFS: ClassVar[tuple[str, ...]] = ()
    NATURAL_KEY: ClassVar[str | None] = None  # field that identifies the record on any store
    # Fields the owner maps in Configure before a record is written: field -> mapping ("status": the
    # order-status mapping, "group": the customer-group mapping).
    MAPPED_FIELDS: ClassVar[dict[str, str]] = {}
    # Id-map entities of the children written with the record (a product's variations): cleared with it.
    CHILD_MAPS: ClassVar[tuple[str, ...]] = ()
    # The status that takes a record off sale when the source deleted it (None: such records are left alone).
    ARCHIVED_STATUS: ClassVar[str | None] = None

    source_id: str = Field(min_length=1)
    updated_at: datetime | None = None
    created_at: datetime | None = None
    translations: dict[str, dict[str, str]] = Field(default_factory=dict)
    extra: dict[str, Any] = Field(default_factory=dict)

    @field_validator("*", mode="before")
    @classmethod
    def _text_is_sane(cls, value: Any) -> Any:
        return _clean_text(value)

    def natural_key(self) -> str | None:
        if not self.NATURAL_KEY:
            return None
        value = getattr(self, self.NATURAL_KEY, None)
        return str(value) if value not in (None, "") else None


class Image(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: str
    alt: str = ""
    position: int = 0


class Seo(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = ""
    description: str = ""
    url_key: str = ""


class TaxClass(Canonical):
    ENTITY = EntityType.TAX_CLASS
    NATURAL_KEY = "slug"
    name: str = Field(min_length=1)
    slug: str = ""


class Manufacturer(Canonical):
    ENTITY = EntityType.MANUFACTURER
    NATURAL_KEY = "slug"
    name: str = Field(min_length=1)
    slug: str = ""
    description: str = ""
    image: Image | None = None


class Category(Canonical):
    ENTITY = EntityType.CATEGORY
    REFS = {"parent_id": EntityType.CATEGORY}
    NATURAL_KEY = "slug"
    name: str = Field(min_length=1)
    slug: str = ""
    parent_id: str | None = None
    description: str = ""
    image: Image | None = None
    position: int = 0
    seo: Seo = Field(default_factory=Seo)


class ProductOption(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1)
    values: list[str] = Field(default_factory=list)
    position: int = 0


StockStatus = Literal["in_stock", "out_of_stock", "backorder"]


class Variant(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)
    source_id: str = Field(min_length=1)
    sku: str = ""
    price: Decimal | None = None
    compare_at_price: Decimal | None = None
    manage_stock: bool = False
    stock_quantity: int | None = None
    stock_status: StockStatus = "in_stock"
    weight: Decimal | None = None
    option_values: dict[str, str] = Field(default_factory=dict)  # option name -> value
    image: Image | None = None
    extra: dict[str, Any] = Field(default_factory=dict)


class Product(Canonical):
    ENTITY = EntityType.PRODUCT
    CHILD_MAPS = (VARIANTS,)
    ARCHIVED_STATUS = "archived"
    REFS = {
        "category_ids[]": EntityType.CATEGORY,
        "manufacturer_id": EntityType.MANUFACTURER,
        "tax_class_id": EntityType.TAX_CLASS,
    }
    NATURAL_KEY = "sku"
    name: str = Field(min_length=1)
    slug: str = ""
    sku: str = ""
    type: Literal["simple", "variable"] = "simple"
    status: Literal["active", "draft", "archived"] = "active"
    featured: bool = False
    description: str = ""
    short_description: str = ""
    price: Decimal | None = None  # what the customer pays now
    compare_at_price: Decimal | None = None  # the "was" price while on sale
    manage_stock: bool = False
    stock_quantity: int | None = None
    stock_status: StockStatus = "in_stock"
    weight: Decimal | None = None
    category_ids: list[str] = Field(default_factory=list)
    manufacturer_id: str | None = None
    tax_class_id: str | None = None
    tags: list[str] = Field(default_factory=list)
    images: list[Image] = Field(default_factory=list)
    options: list[ProductOption] = Field(default_factory=list)
    variants: list[Variant] = Field(default_factory=list)
    seo: Seo = Field(default_factory=Seo)

    def natural_key(self) -> str | None:
        """The SKU; for products without one, "slug:<slug>" (connectors look those up by slug)."""
        if self.sku:
            return self.sku
        slug = self.seo.url_key or self.slug
        return f"slug:{slug}" if slug else None


class Address(BaseModel):
    model_config = ConfigDict(extra="forbid")
    first_name: str = ""
    last_name: str = ""
    company: str = ""
    address1: str = ""
    address2: str = ""
    city: str = ""
    state: str = ""
    postcode: str = ""
    country: str = ""  # ISO 3166-1 alpha-2
    phone: str = ""
    email: str = ""

    def is_empty(self) -> bool:
        return not any(getattr(self, f) for f in type(self).model_fields)


def _check_email(value: str) -> str:
    value = value.strip()
    if not _EMAIL_RE.match(value):
        raise ValueError(f"{value!r} is not a valid email address")
    return value.lower()


class Customer(Canonical):
    ENTITY = EntityType.CUSTOMER
    MAPPED_FIELDS = {"group": "group"}
    NATURAL_KEY = "email"
    email: str
    first_name: str = ""
    last_name: str = ""
    username: str = ""
    phone: str = ""
    group: str = ""
    accepts_marketing: bool = False
    billing: Address = Field(default_factory=Address)
    shipping: Address = Field(default_factory=Address)
    password_hash: str = ""  # only when both platforms support moving hashes

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        return _check_email(value)


class OrderLine(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)
    source_id: str = ""
    product_id: str | None = None
    variant_id: str | None = None
    sku: str = ""
    name: str = Field(min_length=1)
    quantity: int = Field(ge=0)
    price: Decimal = Decimal("0")  # unit price before discounts
    subtotal: Decimal = Decimal("0")
    total: Decimal = Decimal("0")
    tax: Decimal = Decimal("0")


class ShippingLine(BaseModel):
    model_config = ConfigDict(extra="forbid")
    method: str = ""
    title: str = ""
    total: Decimal = Decimal("0")


class TaxLine(BaseModel):
    model_config = ConfigDict(extra="forbid")
    label: str = ""
    rate: Decimal | None = None
    total: Decimal = Decimal("0")


class Discount(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = ""
    amount: Decimal = Decimal("0")


class StatusChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: str = ""
    note: str = ""
    customer_visible: bool = False
    created_at: datetime | None = None


class ShipmentLine(BaseModel):
    """What one shipment carried of one order line: the line's position in `Order.lines` and a quantity."""
    model_config = ConfigDict(extra="forbid")
    line: int = Field(ge=0)
    quantity: int = Field(ge=1)


class Shipment(BaseModel):
    """A tracking number and, where the source says so, what it carried (`lines`; empty: not known). An order
    shipped in parts has shipments that carry some of its lines: a target that ships by line (Shopify's
    fulfillments, BigCommerce's shipments) ships exactly those."""
    model_config = ConfigDict(extra="forbid")
    tracking_number: str = Field(min_length=1)
    carrier: str = ""
    tracking_url: str = ""
    shipped_at: datetime | None = None
    lines: list[ShipmentLine] = []


TransactionKind = Literal["sale", "authorization", "capture", "refund", "void"]
TransactionStatus = Literal["success", "pending", "failure", "error"]


class Transaction(BaseModel):
    """A movement of money on an order as the payment gateway recorded it. `source_id` and `extra` (the
    parent transaction's id on the source store, `extra["parent_id"]`) are the source's and not compared."""
    model_config = ConfigDict(extra="forbid", validate_assignment=True)
    source_id: str = ""
    kind: TransactionKind = "sale"
    status: TransactionStatus = "success"
    amount: Decimal = Decimal("0")
    gateway: str = ""  # the payment method's code ("stripe", "bacs", "manual")
    authorization: str = ""  # the gateway's reference: authorization code or transaction id
    processed_at: datetime | None = None
    extra: dict[str, Any] = Field(default_factory=dict)


class RefundLine(BaseModel):
    """A refunded order line: `line_index` is its position in `Order.lines` (the reference that holds on
    every store; `source_id` is the refunded line's id on the source store)."""
    model_config = ConfigDict(extra="forbid", validate_assignment=True)
    source_id: str = ""
    line_index: int = Field(ge=0)
    quantity: int = Field(ge=0)
    amount: Decimal = Decimal("0")  # refunded, tax excluded
    tax: Decimal = Decimal("0")


class Refund(BaseModel):
    """Money given back on an order: `amount` is what was refunded in all (lines, shipping, tax and any
    amount not tied to a line); `transactions` are the refund's own (kind "refund"). `restock`: the
    source put the refunded items back in stock (a target never moves stock for a historical refund)."""
    model_config = ConfigDict(extra="forbid", validate_assignment=True)
    source_id: str = ""
    amount: Decimal = Decimal("0")
    reason: str = ""
    created_at: datetime | None = None
    lines: list[RefundLine] = Field(default_factory=list)
    shipping: Decimal = Decimal("0")  # refunded shipping, tax excluded
    restock: bool = False
    transactions: list[Transaction] = Field(default_factory=list)


class Order(Canonical):
    ENTITY = EntityType.ORDER
    MAPPED_FIELDS = {"status": "status"}
    REFS = {
        "customer_id": EntityType.CUSTOMER,
        "lines[].product_id": EntityType.PRODUCT,
        "lines[].variant_id": VARIANTS,
    }
    NATURAL_KEY = "number"
    number: str = Field(min_length=1)  # the order number the shop and its customers know
    status: str = Field(min_length=1)  # the platform's own status; mapped by the engine
    currency: str = ""
    customer_id: str | None = None  # None = guest
    email: str = ""
    billing: Address = Field(default_factory=Address)
    shipping: Address = Field(default_factory=Address)
    lines: list[OrderLine] = Field(default_factory=list)
    shipping_lines: list[ShippingLine] = Field(default_factory=list)
    tax_lines: list[TaxLine] = Field(default_factory=list)
    discounts: list[Discount] = Field(default_factory=list)
    subtotal: Decimal = Decimal("0")
    shipping_total: Decimal = Decimal("0")
    tax_total: Decimal = Decimal("0")
    discount_total: Decimal = Decimal("0")
    total: Decimal = Decimal("0")
    payment_method: str = ""
    payment_method_title: str = ""
    transaction_id: str = ""
    paid_at: datetime | None = None
    customer_note: str = ""
    status_history: list[StatusChange] = Field(default_factory=list)
    shipments: list[Shipment] = Field(default_factory=list)
    # Payments (not refunds: those travel with their refund) and refunds; empty when the source has none.
    transactions: list[Transaction] = Field(default_factory=list)
    refunds: list[Refund] = Field(default_factory=list)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        return _check_email(value) if value else value


class Review(Canonical):
    ENTITY = EntityType.REVIEW
    REFS = {"product_id": EntityType.PRODUCT, "customer_id": EntityType.CUSTOMER}
    REQUIRED_REFS = frozenset({"product_id"})
    product_id: str = Field(min_length=1)
    customer_id: str | None = None
    reviewer: str = ""
    reviewer_email: str = ""
    rating: int = Field(ge=0, le=5)
    content: str = ""
    status: Literal["approved", "pending", "spam"] = "approved"
    verified: bool = False

    def natural_key(self) -> str | None:
        """product id | reviewer email | content digest: reviews have no key of their own."""
        digest = hashlib.sha1(self.content.encode("utf-8", "surrogateescape")).hexdigest()[:16]  # noqa: S324
        return f"{self.product_id}|{self.reviewer_email.lower()}|{digest}"


class Coupon(Canonical):
    ENTITY = EntityType.COUPON
    REFS = {
        "product_ids[]": EntityType.PRODUCT,
        "excluded_product_ids[]": EntityType.PRODUCT,
        "category_ids[]": EntityType.CATEGORY,
        "excluded_category_ids[]": EntityType.CATEGORY,
    }
    RESTRICTING_REFS = ("product_ids[]", "category_ids[]")
    NATURAL_KEY = "code"
    code: str = Field(min_length=1)
    description: str = ""
    discount_type: Literal["percent", "fixed_cart", "fixed_product"] = "fixed_cart"
    amount: Decimal = Decimal("0")
    expires_at: datetime | None = None
    usage_limit: int | None = None
    usage_limit_per_user: int | None = None
    usage_count: int = 0
    minimum_amount: Decimal | None = None
    maximum_amount: Decimal | None = None
    free_shipping: bool = False
    individual_use: bool = False
    exclude_sale_items: bool = False
    product_ids: list[str] = Field(default_factory=list)
    excluded_product_ids: list[str] = Field(default_factory=list)
    category_ids: list[str] = Field(default_factory=list)
    excluded_category_ids: list[str] = Field(default_factory=list)
    email_restrictions: list[str] = Field(default_factory=list)


class Page(Canonical):
    ENTITY = EntityType.PAGE
    NATURAL_KEY = "slug"
    title: str = Field(min_length=1)
    slug: str = ""
    content: str = ""
    status: Literal["published", "draft"] = "published"
    seo: Seo = Field(default_factory=Seo)


class BlogPost(Canonical):
    ENTITY = EntityType.BLOG_POST
    NATURAL_KEY = "slug"
    title: str = Field(min_length=1)
    slug: str = ""
    content: str = ""
    excerpt: str = ""
    author: str = ""
    tags: list[str] = Field(default_factory=list)
    status: Literal["published", "draft"] = "published"
    published_at: datetime | None = None


MODELS: dict[EntityType, type[Canonical]] = {
    m.ENTITY: m for m in (TaxClass, Manufacturer, Category, Product, Customer, Order, Review, Coupon, Page, BlogPost)
}


def validate_entity(entity: EntityType, data: dict[str, Any]) -> Canonical:
    """Build a canonical entity from a dict, turning validation failures into a readable RecordError."""
    model = MODELS[EntityType(entity)]
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors()[:5]:
            where = ".".join(str(p) for p in err["loc"]) or "record"
            problems.append(f"{where}: {err['msg']}")
        raise RecordError(
            f"Invalid {EntityType(entity).label.lower()[:-1]}: " + "; ".join(problems),
            source_id=str(data.get("source_id", "")),
            excerpt=excerpt(data),
        ) from None


def excerpt(payload: Any, limit: int = 500) -> str:
    """A short, safe excerpt of a payload for error reports (never the whole 1 MB description)."""
    text = repr(payload)
    return text if len(text) <= limit else text[:limit] + f"... ({len(text):,} chars)"
