"""The connector SDK: a connector is a `StreamConnector` (transport, authentication, the connection check) that
declares one `Stream` per entity (natural key, cursor, page size, patchable fields, and the read/write hooks);
its `Capabilities` are derived from the streams. `access` reads platform JSON in mappers with one behaviour for
every platform; `graphql` batches GraphQL operations under aliases.

Not a platform: nothing here is listed among the connectors.
"""
from . import access, graphql
from .connector import StreamConnector, derive_capabilities
from .stream import Stream

__all__ = ["Stream", "StreamConnector", "access", "derive_capabilities", "graphql"]
