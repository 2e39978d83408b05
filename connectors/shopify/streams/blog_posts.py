"""Blog posts: articles (`articles`), keyed by handle, filtered server-side by `updated_at`, translated,
created with articleCreate in the store's first blog (a "News" blog is created when the store has none);
Shopify has no count of articles across blogs, so they are summed over the blogs."""
from __future__ import annotations

from typing import Any

from connectors.base import WriteResult
from connectors.entities import BlogPost, Canonical, EntityType
from connectors.errors import ConfigError

from .. import mappers
from .base import ShopifyStream, translations_selection


class ShopifyBlogPostStream(ShopifyStream):
    entity = EntityType.BLOG_POST
    list_field, node_type = "articles", "Article"
    max_first = 50
    natural_key_fields = ("slug",)
    cursor_field = "updatedAt"  # search `updated_at:>=`
    admin_link = "admin/articles/{id}"
    create_mutation = ("articleCreate", "article", "ArticleCreateInput!", "article", "")
    delete_mutation = ("articleDelete", "id", "ID!", "deletedArticleId")
    translation_keys = mappers.ARTICLE_TRANSLATION_KEYS

    def __init__(self, connector: Any) -> None:
        super().__init__(connector)
        self._blog: str | None = None

    def fields(self) -> str:
        return (f"id title handle body summary tags isPublished publishedAt createdAt updatedAt author {{ name }} "
                f"{translations_selection(self.locales())}")

    def count(self) -> int:
        data = self._graphql("{ blogs(first: 50) { nodes { articlesCount { count } } } }", cost=60)
        return sum(int((b.get("articlesCount") or {}).get("count") or 0) for b in data["blogs"]["nodes"])

    def find_by_natural_key(self, key: str) -> str | None:
        return self.first(f"handle:'{self.quoted(key)}'")

    def blog_id(self) -> str:
        if self._blog is None:
            nodes = self._graphql("{ blogs(first: 1) { nodes { id } } }", cost=3)["blogs"]["nodes"]
            if nodes:
                self._blog = nodes[0]["id"]
            else:
                [(payload, error)] = self._mutate([self.op("blogCreate", {"blog": ("BlogCreateInput!", {
                    "title": "News"})}, "blog { id }", key=0)])
                if error:
                    raise ConfigError(f"Shopify refused to create a blog for the posts: {error}")
                self._blog = payload["blog"]["id"]
        return self._blog

    def create(self, items: list[Canonical]) -> list[WriteResult]:
        blog = self.blog_id()

        def build(item: BlogPost) -> tuple[dict[str, Any], list[str]]:
            return mappers.article_input(item, blog), []

        return self.create_with(items, build)
