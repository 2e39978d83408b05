"""No platform is named outside its own packages: the engine, services, views, API, admin, templates and the
generic sandbox read what a platform does from its connector (the registry), never `if platform == "shopify"`.

A platform's name may appear in its connector (`connectors/<platform>/`), its sandbox (`sandbox/<platform>/`),
the settings that register them (`migrator/settings/`), Django migrations (frozen history), benchmarks (which
choose platforms on the command line), and in prose: docstrings and comments are not code and are skipped.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

from connectors.registry import all_connectors

ROOT = Path(__file__).resolve().parents[2]
PLATFORMS = sorted(all_connectors())
ALLOWED = [*(f"connectors/{p}/" for p in PLATFORMS), *(f"sandbox/{p}/" for p in PLATFORMS),
           "migrator/settings/", "bench/", "tests/", ".venv/", "node_modules/"]
PATTERN = re.compile("|".join(PLATFORMS), re.IGNORECASE)


def allowed(relative: str) -> bool:
    return any(relative.startswith(prefix) for prefix in ALLOWED) or "/migrations/" in relative


def docstrings(tree: ast.AST) -> set[int]:
    """ids of the string constants that are docstrings (module, class, function)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) \
                    and isinstance(first.value.value, str):
                found.add(id(first.value))
    return found


def named_in_python(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = docstrings(tree)
    hits = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip \
                and PATTERN.search(node.value):
            hits.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.value[:60]!r}")
        elif isinstance(node, ast.Name | ast.Attribute):
            name = node.id if isinstance(node, ast.Name) else node.attr
            if PATTERN.search(name):
                hits.append(f"{path.relative_to(ROOT)}:{node.lineno}: {name}")
    return hits


def named_in_template(path: Path) -> list[str]:
    text = re.sub(r"{#.*?#}|<!--.*?-->", "", path.read_text(encoding="utf-8"), flags=re.S)
    return [f"{path.relative_to(ROOT)}: {m.group(0)}" for m in PATTERN.finditer(text)]


SOURCE_DIRS = ("accounts", "connectors", "migrations_app", "migrator", "sandbox", "support", "templates", "static")


def sources(suffixes: tuple[str, ...]) -> list[Path]:
    return [p for folder in SOURCE_DIRS for p in sorted((ROOT / folder).rglob("*"))
            if p.suffix in suffixes and p.is_file() and not allowed(p.relative_to(ROOT).as_posix())
            and "vendor" not in p.parts]


def test_the_registry_knows_the_platforms_the_check_looks_for():
    assert {"woocommerce", "shopify", "vendure"} <= set(PLATFORMS)


def test_no_platform_is_named_in_generic_python_code():
    hits = [hit for path in sources((".py",)) for hit in named_in_python(path)]
    assert not hits, "platform names outside their packages (read it from the connector instead):\n" + \
        "\n".join(hits)


def test_no_platform_is_named_in_templates_or_scripts():
    hits = [hit for path in sources((".html", ".txt", ".js", ".css")) for hit in named_in_template(path)]
    assert not hits, "platform names in templates or static files:\n" + "\n".join(hits)


def test_the_check_finds_a_platform_named_in_code(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text('"""Works with Shopify."""\n# WooCommerce too\nif platform == "shopify":\n    pass\n')
    global ROOT
    saved, ROOT = ROOT, tmp_path
    try:
        assert named_in_python(probe) == ["probe.py:3: 'shopify'"]
    finally:
        ROOT = saved
