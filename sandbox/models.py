"""Sandbox stores: local emulators of e-commerce platforms, persisted in the project database.

The record store is generic on purpose: every platform package keeps its resources as `SandboxRecord`
rows (one JSON document each) and allocates ids through `SandboxSequence`, so a new platform needs no
new tables.
"""
from django.db import models


class SandboxStore(models.Model):
    """One emulated store of one platform. `settings` holds the shop's own configuration
    (title, currency, default_language, languages, ...); the fault knobs make it misbehave on purpose."""

    platform = models.CharField(max_length=32)
    name = models.SlugField(max_length=64)
    consumer_key = models.CharField(max_length=64, unique=True)
    consumer_secret = models.CharField(max_length=64)
    read_only_consumer_key = models.CharField(max_length=64, unique=True)
    read_only_consumer_secret = models.CharField(max_length=64)
    settings = models.JSONField(default=dict, blank=True)
    latency_ms = models.PositiveIntegerField(default=0, help_text="Added to every API response.")
    error_rate = models.FloatField(default=0.0, help_text="Fraction of requests answered 500/503.")
    rate_429 = models.FloatField(default=0.0, help_text="Fraction of requests answered 429 (Retry-After: 1).")
    fault_seed = models.IntegerField(null=True, blank=True, help_text="Set for a deterministic fault sequence.")
    # Cost-based throttling (a leaky bucket of points): points left at `throttle_updated` (epoch seconds);
    # None = a full bucket. Read and written under a row lock so every web process shares one bucket.
    throttle_available = models.FloatField(null=True, blank=True)
    throttle_updated = models.FloatField(null=True, blank=True)
    # Request-count throttling (the REST leaky bucket): requests held at `rest_bucket_updated` (epoch seconds);
    # None = an empty bucket. Locked like the cost bucket above.
    rest_bucket_used = models.FloatField(null=True, blank=True)
    rest_bucket_updated = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["platform", "name"], name="sandbox_store_platform_name")]
        ordering = ["platform", "name"]

    def __str__(self) -> str:
        return f"{self.platform}:{self.name}"

    @property
    def languages(self) -> list[str]:
        return list(self.settings.get("languages") or [self.default_language])

    @property
    def default_language(self) -> str:
        return self.settings.get("default_language") or "en"


class SandboxSequence(models.Model):
    """Id counter per (store, sequence). Several resources may share one sequence, as WordPress shares
    post ids between products, variations, orders and coupons. Locked with select_for_update."""

    store = models.ForeignKey(SandboxStore, on_delete=models.CASCADE, related_name="sequences")
    name = models.CharField(max_length=64)
    last_id = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store", "name"], name="sandbox_sequence_store_name")]

    def __str__(self) -> str:
        return f"{self.store_id}:{self.name}={self.last_id}"


class SandboxRecord(models.Model):
    """One object of one resource of a sandbox store. `data` is the platform's JSON document without the
    columns below (id and dates are rendered from the columns). `lookup` is the resource's natural key
    (sku, email, slug, code), `status` its status, `parent_id` its parent (variation -> product,
    note -> order, term -> attribute, category -> parent category), `group_id` its translation group."""

    store = models.ForeignKey(SandboxStore, on_delete=models.CASCADE, related_name="records")
    resource = models.CharField(max_length=64)
    record_id = models.BigIntegerField()
    parent_id = models.BigIntegerField(null=True, blank=True)
    group_id = models.BigIntegerField(null=True, blank=True)
    lang = models.CharField(max_length=16, blank=True, default="")
    lookup = models.CharField(max_length=255, blank=True, default="")
    status = models.CharField(max_length=32, blank=True, default="")
    data = models.JSONField(default=dict)
    date_created_gmt = models.DateTimeField()
    date_modified_gmt = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store", "resource", "record_id"], name="sandbox_record_identity")
        ]
        indexes = [
            models.Index(fields=["store", "resource", "date_modified_gmt"], name="sandbox_rec_modified"),
            models.Index(fields=["store", "resource", "date_created_gmt"], name="sandbox_rec_created"),
            models.Index(fields=["store", "resource", "parent_id"], name="sandbox_rec_parent"),
            models.Index(fields=["store", "resource", "lookup"], name="sandbox_rec_lookup"),
            models.Index(fields=["store", "resource", "group_id"], name="sandbox_rec_group"),
        ]

    def __str__(self) -> str:
        return f"{self.store_id}:{self.resource}#{self.record_id}"
