"""Recording of the GraphQL documents a chosen client sends, for the schema guard of the test suite.

Only when the setting `SANDBOX_RECORD_GRAPHQL_DIR` names a directory (the test settings take it from the
environment the test session sets up; never set in production) and the request's User-Agent starts with
`SANDBOX_RECORD_GRAPHQL_USER_AGENT` (the connector's, so documents tests send themselves are left out).
Recorded on the receiving side because the senders live in many processes (pytest-xdist workers, Celery
workers); each serving process appends to its own file, `graphql-<pid>.jsonl`, one line per distinct
(document, shape of its variables), so the files stay small however many records a migration writes."""
from __future__ import annotations

import hashlib
import json
import os
import threading
from pathlib import Path

from django.conf import settings

_lock = threading.Lock()
_seen: set[str] = set()


def _shape(value, prefix: str = "", out: set[str] | None = None) -> set[str]:
    """The key paths of a JSON value (`input.variants[].price`): what input fields a request names."""
    out = set() if out is None else out
    if isinstance(value, dict):
        for key, item in value.items():
            out.add(f"{prefix}.{key}")
            _shape(item, f"{prefix}.{key}", out)
    elif isinstance(value, list):
        for item in value:
            _shape(item, f"{prefix}[]", out)
    return out


def graphql_record(*, user_agent: str, query: str, variables: dict | None) -> None:
    """Append the request to this process's file when recording is on and the sender is the recorded client."""
    directory = getattr(settings, "SANDBOX_RECORD_GRAPHQL_DIR", "") or ""
    prefix = getattr(settings, "SANDBOX_RECORD_GRAPHQL_USER_AGENT", "") or ""
    if not directory or not prefix or not user_agent.startswith(prefix):
        return
    shape = sorted(_shape(variables)) if variables is not None else None
    key = hashlib.sha256(json.dumps([directory, query, shape]).encode()).hexdigest()
    with _lock:
        if key in _seen:
            return
        _seen.add(key)
        path = Path(directory) / f"graphql-{os.getpid()}.jsonl"
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps({"query": query, "variables": variables}, ensure_ascii=False) + "\n")


def graphql_recorded(directory: str | Path) -> list[dict]:
    """Every distinct request recorded under `directory` by any process."""
    requests, keys = [], set()
    for path in sorted(Path(directory).glob("graphql-*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            item = json.loads(line)
            key = json.dumps([item.get("query"), sorted(_shape(item.get("variables")))])
            if key not in keys:
                keys.add(key)
                requests.append(item)
    return requests
