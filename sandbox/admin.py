from django.contrib import admin

from .models import SandboxStore


def mask(value: str) -> str:
    return f"{value[:7]}…{value[-4:]}" if value else ""


@admin.register(SandboxStore)
class SandboxStoreAdmin(admin.ModelAdmin):
    list_display = ("name", "platform", "masked_key", "latency_ms", "error_rate", "rate_429", "created_at")
    list_filter = ("platform",)
    search_fields = ("name",)
    fields = (
        "platform", "name", "masked_key", "masked_read_only_key", "settings", "latency_ms", "error_rate",
        "rate_429", "fault_seed", "created_at",
    )
    readonly_fields = ("masked_key", "masked_read_only_key", "created_at")

    @admin.display(description="consumer key")
    def masked_key(self, obj: SandboxStore) -> str:
        return mask(obj.consumer_key)

    @admin.display(description="read-only consumer key")
    def masked_read_only_key(self, obj: SandboxStore) -> str:
        return mask(obj.read_only_consumer_key)

    def has_add_permission(self, request) -> bool:
        return False  # stores are created by `manage.py sandbox_seed` (keys are generated there)
