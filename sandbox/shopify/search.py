"""Search and sort tables of the list queries (`query:` terms and `sortKey`s), read by the list resolvers
(queries.py) and by nested connections a renderer serves (render.py)."""
from django.db.models import Q

from .common import Ctx
from .data import (
    SORT_CREATED,
    SORT_ID,
    SORT_UPDATED,
    Sort,
    Term,
    column_exact,
    json_date,
    json_exact,
    json_text,
    records,
    sort_json_decimal,
    sort_json_int,
    sort_text,
    tag_filter,
)


def _title_or(*keys):
    def condition(term: Term, ctx=None) -> Q:
        q = Q()
        for key in keys:
            q |= Q(**{f"data__{key}__icontains": term.value})
        return q

    return condition


def _variant_sku_products(term: Term, ctx: Ctx) -> Q:
    return Q(record_id__in=records(ctx, "variants").filter(lookup__iexact=term.value).values("parent_id"))


def _parent_is(term: Term) -> Q:
    value = term.value.rsplit("/", 1)[-1]
    return Q(parent_id=int(value)) if value.isdigit() else Q(pk__in=[])


PRODUCT_SEARCH = {
    None: _title_or("title"), "title": json_text("title"), "handle": column_exact("lookup"),
    "status": column_exact("status", upper=True), "vendor": json_exact("vendor"),
    "product_type": json_exact("productType"), "tag": tag_filter, "sku": _variant_sku_products,
    "published_status": lambda term, ctx=None: None,
}
PRODUCT_SORTS = {"ID": SORT_ID, "UPDATED_AT": SORT_UPDATED, "CREATED_AT": SORT_CREATED, "TITLE": sort_text("title"),
                 "VENDOR": sort_text("vendor"), "PRODUCT_TYPE": sort_text("productType"),
                 "PUBLISHED_AT": sort_text("publishedAt")}
VARIANT_SEARCH = {None: json_text("title"), "sku": column_exact("lookup"), "barcode": json_exact("barcode"),
                  "title": json_text("title"),
                  "product_id": lambda term, ctx=None: _parent_is(term)}
VARIANT_SORTS = {"ID": SORT_ID, "SKU": sort_text("sku"), "TITLE": sort_text("title"),
                 "POSITION": sort_json_int("position"), "NAME": sort_text("title"), "FULL_TITLE": sort_text("title")}
COLLECTION_SEARCH = {None: json_text("title"), "title": json_text("title"), "handle": column_exact("lookup"),
                     "collection_type": lambda term, ctx=None: (Q(data__ruleSet__isnull=False) if term.value == "smart"
                                                      else Q(data__ruleSet__isnull=True))}
COLLECTION_SORTS = {"ID": SORT_ID, "TITLE": sort_text("title"), "UPDATED_AT": SORT_UPDATED}
CUSTOMER_SEARCH = {None: _title_or("firstName", "lastName", "email"), "email": column_exact("lookup"),
                   "first_name": json_text("firstName"), "last_name": json_text("lastName"),
                   "phone": json_exact("phone"), "tag": tag_filter, "state": json_exact("state")}
CUSTOMER_SORTS = {"ID": SORT_ID, "UPDATED_AT": SORT_UPDATED, "CREATED_AT": SORT_CREATED,
                  "NAME": sort_text("lastName")}


def _order_status(term: Term, ctx=None) -> Q | None:
    value = term.value.lower()
    if value == "open":
        return Q(data__closedAt__isnull=True, data__cancelledAt__isnull=True)
    if value == "closed":
        return Q(data__closedAt__isnull=False)
    if value == "cancelled":
        return Q(data__cancelledAt__isnull=False)
    return None


ORDER_SEARCH = {
    None: json_text("email"), "name": lambda term, ctx=None: Q(lookup__iexact=term.value if term.value.startswith("#")
                                                     else f"#{term.value}") | Q(lookup__iexact=term.value),
    "email": json_exact("email"), "processed_at": json_date("processedAt"), "status": _order_status,
    "financial_status": lambda term, ctx=None: Q(status__iexact=term.value), "tag": tag_filter,
    "fulfillment_status": lambda term, ctx=None: Q(data__fulfillmentStatus__iexact=term.value),
    "customer_id": lambda term, ctx=None: _parent_is(term),
    "source_identifier": json_exact("sourceIdentifier"),
}
ORDER_SORTS = {"ID": SORT_ID, "UPDATED_AT": SORT_UPDATED, "CREATED_AT": SORT_CREATED,
               "PROCESSED_AT": sort_text("processedAt"), "ORDER_NUMBER": sort_json_int("number"),
               "TOTAL_PRICE": sort_json_decimal("totals__total"), "FINANCIAL_STATUS": Sort(SORT_ID.expr),
               "RELEVANCE": SORT_ID}
PAGE_SEARCH = {None: json_text("title"), "title": json_text("title"), "handle": column_exact("lookup"),
               "published_status": lambda term, ctx=None: Q(data__isPublished=term.value.lower() == "published")}
PAGE_SORTS = {"ID": SORT_ID, "TITLE": sort_text("title"), "UPDATED_AT": SORT_UPDATED,
              "PUBLISHED_AT": sort_text("publishedAt")}
BLOG_SEARCH = {None: json_text("title"), "title": json_text("title"), "handle": column_exact("lookup")}
BLOG_SORTS = {"ID": SORT_ID, "TITLE": sort_text("title"), "HANDLE": Sort(SORT_ID.expr)}
ARTICLE_SEARCH = {None: json_text("title"), "title": json_text("title"), "handle": column_exact("lookup"),
                  "blog_id": lambda term, ctx=None: _parent_is(term),
                  "tag": tag_filter, "author": lambda term, ctx=None: Q(data__author__name__iexact=term.value)}
ARTICLE_SORTS = {"ID": SORT_ID, "TITLE": sort_text("title"), "UPDATED_AT": SORT_UPDATED,
                 "PUBLISHED_AT": sort_text("publishedAt"), "AUTHOR": sort_text("author__name")}
DISCOUNT_SEARCH = {None: json_text("title"), "title": json_text("title"), "code": column_exact("lookup"),
                   "status": lambda term, ctx=None: None}
DISCOUNT_SORTS = {"ID": SORT_ID, "TITLE": sort_text("title"), "UPDATED_AT": SORT_UPDATED,
                  "CREATED_AT": SORT_CREATED, "STARTS_AT": sort_text("startsAt"), "ENDS_AT": sort_text("endsAt")}
REDIRECT_SEARCH = {None: lambda term, ctx=None: Q(lookup__icontains=term.value), "path": column_exact("lookup"),
                   "target": json_exact("target")}
REDIRECT_SORTS = {"ID": SORT_ID, "PATH": sort_text("path")}
LOCATION_SEARCH = {None: json_text("name"), "name": json_text("name")}
LOCATION_SORTS = {"ID": SORT_ID, "NAME": sort_text("name")}
