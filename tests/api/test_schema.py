from django.core.management import call_command


def test_openapi_schema_is_served(api_client):
    response = api_client.get("/api/schema/")

    assert response.status_code == 200
    for path in ("/api/v1/stores/{store_id}/check/", "/api/v1/migrations/{migration_id}/runs/",
                 "/api/v1/runs/{run_id}/errors/", "/api/v1/connectors/"):
        assert path.encode() in response.content


def test_openapi_schema_generates_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))

    assert "/api/v1/runs/{run_id}/cancel/" in (tmp_path / "schema.yml").read_text()


def test_api_docs_page_renders(api_client):
    assert api_client.get("/api/docs/").status_code == 200
