"""Pagination that refuses what it cannot use: `limit` and `offset` are whole numbers (limit 1..MAX_LIMIT,
offset >= 0); anything else is a 400 on that parameter, not silently the first page."""
from rest_framework import pagination, serializers


class StrictLimitOffsetPagination(pagination.LimitOffsetPagination):
    max_limit = 500

    def _number(self, request, name: str, *, minimum: int, maximum: int | None = None) -> int | None:
        raw = request.query_params.get(name)
        if raw is None:
            return None
        try:
            value = int(raw)
        except ValueError:
            raise serializers.ValidationError({name: [f"Expected a whole number, got {raw!r}."]}) from None
        if value < minimum or (maximum is not None and value > maximum):
            bound = f"between {minimum} and {maximum}" if maximum is not None else f"at least {minimum}"
            raise serializers.ValidationError({name: [f"Expected a number {bound}."]})
        return value

    def get_limit(self, request):
        value = self._number(request, self.limit_query_param, minimum=1, maximum=self.max_limit)
        return self.default_limit if value is None else value

    def get_offset(self, request):
        return self._number(request, self.offset_query_param, minimum=0) or 0

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.limit_query_param:
                parameter["schema"].update({"minimum": 1, "maximum": self.max_limit})
            if parameter["name"] == self.offset_query_param:
                parameter["schema"]["minimum"] = 0
        return parameters
