"""The releases, release trains and freeze windows of one project, over the API."""

from __future__ import annotations

from typing import Any

from premiere.cli.client import ApiClient, path
from premiere.cli.context import get_obj


class ProjectApi:
    """Calls under ``/api/v1/projects/{project}/``; each returns the JSON body."""

    def __init__(self, client: ApiClient, project: str) -> None:
        self.client = client
        self.project = project

    def url(self, *parts: str | int) -> str:
        return path("projects", self.project, *(str(p) for p in parts))

    def get(self, *parts: str | int, params: dict[str, Any] | None = None) -> Any:
        return self.client.get(self.url(*parts), params)

    def get_versioned(self, *parts: str | int) -> tuple[Any, int | None]:
        response = self.client.request("GET", self.url(*parts))
        return response.body, response.version

    def post(self, *parts: str | int, body: Any = None) -> Any:
        return self.client.post(self.url(*parts), {} if body is None else body)

    def patch(self, *parts: str | int, body: Any, version: int | None) -> Any:
        return self.client.patch(self.url(*parts), body, version)

    def put(self, *parts: str | int, body: Any, version: int | None) -> Any:
        return self.client.put(self.url(*parts), body, version)

    def delete(self, *parts: str | int, version: int | None = None) -> Any:
        return self.client.delete(self.url(*parts), version)


def project_api() -> ProjectApi:
    obj = get_obj()
    return ProjectApi(obj.client, obj.project_key())


def flag_variations(api: ProjectApi) -> dict[str, Any]:
    """Every flag's variations (archived flags too), so that output shows values."""
    flags = api.get("flags", params={"archived": "true"})
    return {str(f.get("key")): f.get("variations") or [] for f in flags if isinstance(f, dict)}


def clean(body: dict[str, Any]) -> dict[str, Any]:
    """The body without the fields left None (the server's defaults apply)."""
    return {key: value for key, value in body.items() if value is not None}
