"""`QueryRoot.events` (schema_events.graphql): the shop's event log, `events` records.

The seed logs one `create` event per product, collection and order it makes, at the subject's creation
(`seed_events`); the sandbox's mutations log none, and it records no comments (so no CommentEvent is ever
answered), app attributions or staff authors. Event messages are the sandbox's own wording."""
from __future__ import annotations

from django.db.models import Q
from graphql import GraphQLSchema

from .common import Ctx, gid, iso
from .data import SORT_CREATED, SORT_ID, column_exact, paginate, records, search_filter, search_parse

SUBJECTS = {"products": ("PRODUCT", "Product"), "collections": ("COLLECTION", "Collection"),
            "orders": ("ORDER", "Order")}
EVENT_SEARCH = {"action": lambda term, ctx=None: Q(data__action__iexact=term.value),
                "subject_type": column_exact("status", upper=True),
                # no comment events are recorded: `comments:false` leaves the same events
                "comments": lambda term, ctx=None: None}
EVENT_SORTS = {"ID": SORT_ID, "CREATED_AT": SORT_CREATED, "RELEVANCE": SORT_ID}


def event(ctx: Ctx, record) -> dict:
    d = record.data
    return {"__typename": "BasicEvent", "id": gid("BasicEvent", record.record_id), "action": d["action"],
            "message": d["message"], "secondaryMessage": None, "appTitle": None, "attributeToApp": False,
            "attributeToUser": False, "criticalAlert": False, "createdAt": iso(record.date_created_gmt),
            "subjectId": d["subjectId"], "subjectType": record.status, "arguments": d.get("arguments") or [],
            "additionalContent": None, "additionalData": None, "hasAdditionalContent": False}


def events_root(root, info, sortKey="ID", query=None, **args):  # noqa: N803
    ctx: Ctx = info.context
    qs = search_filter(records(ctx, "events"), search_parse(query), EVENT_SEARCH, ctx)
    return paginate(ctx, qs, EVENT_SORTS.get(sortKey, SORT_ID), args, event)


def seed_events(seeder) -> int:
    """One `create` event per product, collection and order among the seeder's pending rows."""
    made = 0
    for row in [r for r in seeder.rows if r.resource in SUBJECTS]:
        subject_type, type_name = SUBJECTS[row.resource]
        title = row.data.get("name") if row.resource == "orders" else row.data.get("title")
        action = "placed" if row.resource == "orders" else "created"
        seeder.add("events", {"action": "create", "subjectId": gid(type_name, row.record_id),
                              "message": f"{type_name} {title} was {action}.", "arguments": [title]},
                   created=row.date_created_gmt, status=subject_type)
        made += 1
    return made


def bind(schema: GraphQLSchema) -> None:
    schema.query_type.fields["events"].resolve = events_root
