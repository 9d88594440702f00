"""Every request the client makes in a sandbox session is one GitHub documents: path and method in the OpenAPI
subset (tests/data/github-issues-labels-subset.openapi.json, from @octokit/openapi, MIT), its query parameters
documented for that operation and valid for their schema, required ones present, its JSON body valid."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
from ghtest import live
from sandboxkit import Sandbox

from triageboard.board import preset
from triageboard.github import GitHubClient, MemoryPageCache, fetch_board

SPEC: dict[str, Any] = json.loads(
    (Path(__file__).parent.parent / "data" / "github-issues-labels-subset.openapi.json").read_text("utf-8")
)
API_PREFIX = "/api/v3"  # the sandbox serves the API like a GitHub Enterprise Server


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if ref is None:
        return node
    target: Any = SPEC
    for part in ref.removeprefix("#/").split("/"):
        target = target[part]
    return _resolve(target)


def _operations() -> list[tuple[re.Pattern[str], str, str, dict[str, Any]]]:
    ops = []
    for template, item in SPEC["paths"].items():
        # a path parameter is one raw segment: a label name with "/" must arrive as %2F
        pattern = re.compile(re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)))
        shared = item.get("parameters", [])
        for method, op in item.items():
            if method == "parameters":
                continue
            op = {**op, "parameters": [_resolve(p) for p in (*shared, *op.get("parameters", []))]}
            ops.append((pattern, method.upper(), template, op))
    return ops


OPERATIONS = _operations()


def _check_value(name: str, value: str, schema: dict[str, Any]) -> None:
    typed: Any = value
    if schema.get("type") == "integer":
        assert re.fullmatch(r"\d+", value), f"{name}={value!r} is not an integer"
        typed = int(value)
    elif schema.get("type") == "boolean":
        assert value in {"true", "false"}, f"{name}={value!r} is not a boolean"
        typed = value == "true"
    jsonschema.validate(typed, schema)
    if schema.get("format") == "date-time":
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", value), (
            f"{name}={value!r} is not ISO 8601 UTC"
        )


def check_request(request: httpx.Request, api_path: str) -> str:
    """Raises AssertionError unless ``request`` matches a documented operation; returns 'METHOD template'."""
    raw = request.url.raw_path.split(b"?")[0].decode("ascii")
    assert raw.startswith(api_path), f"{raw} is outside the API"
    path = raw[len(api_path) :]
    # GitHub's Link headers may name a repository by id; the operation is the same (see github-api.md)
    path = re.sub(r"^/repositories/\d+(?=/|$)", "/repos/{id-owner}/{id-repo}", path)
    matches = [
        (t, op)
        for pattern, method, t, op in OPERATIONS
        if method == request.method and pattern.fullmatch(path)
    ]
    assert matches, f"{request.method} {path} is not a documented operation"
    template, op = matches[0]
    query_params = {p["name"]: p for p in op["parameters"] if p["in"] == "query"}
    params = httpx.QueryParams(request.url.query.decode("ascii"))
    assert len(params.keys()) == len(set(params.keys())), f"repeated query parameter in {request.url}"
    for name, value in params.multi_items():
        assert name in query_params, f"{request.method} {template}: undocumented query parameter {name!r}"
        _check_value(name, value, query_params[name]["schema"])
    for name, param in query_params.items():
        if param.get("required"):
            assert name in params, f"{template}: required parameter {name!r} missing"
    if "per_page" in params:
        assert 1 <= int(params["per_page"]) <= 100
    body = op.get("requestBody")
    if request.content:
        assert body is not None, f"{request.method} {template} takes no body"
        assert request.headers["content-type"].startswith("application/json")
        schema = {**body["content"]["application/json"]["schema"], "components": SPEC["components"]}
        jsonschema.validate(json.loads(request.content), schema)
    else:
        assert body is None or not body.get("required"), f"{template} needs a body"
    return f"{request.method} {template}"


def session(sandbox: Sandbox) -> list[httpx.Request]:
    """Exercise every operation of the client against the sandbox, recording the requests."""
    seen: list[httpx.Request] = []
    repo = "rust-lang/rust"
    number = sandbox.issue_numbers(repo, labels=["AsyncAwait-OnDeck"])[0]

    async def go(client: GitHubClient) -> None:
        async for _ in client.iter_repo_issues(
            repo, ["A-async-await", "E-mentor"], state="all", since=datetime(2020, 1, 1, tzinfo=UTC)
        ):
            pass
        async for _ in client.iter_repo_issues(repo):
            pass
        async for _ in client.iter_repo_issues(repo):  # conditional now: If-None-Match
            pass
        async for _ in client.iter_search(
            'org:rust-lang is:issue label:"needs triage/async","A-async-await"'
        ):
            pass
        await client.get_issue(repo, number)
        await client.get_issue_labels(repo, number)
        await client.get_repository(repo)
        await client.get_label(repo, "needs triage/async")
        await client.label_exists(repo, "100% done")
        await client.get_label(repo, "absent label")
        await client.add_labels(repo, number, ["AsyncAwait-Focus", "🦀 ferris"])
        await client.remove_label(repo, number, "AsyncAwait-OnDeck")
        await client.remove_label(repo, number, "🦀 ferris")
        await client.remove_label(repo, number, "never there")
        await client.current_user()
        await client.refresh_rate_limit()
        for spec in (
            preset("rust-async"),
            preset("rust-async-2021"),
            preset("rust-async").with_sources(query="org:rust-lang"),
        ):
            await fetch_board(client, spec.with_sources(api_url=sandbox.api_url))

    live(sandbox, go, cache=MemoryPageCache(), seen=seen)
    return seen


def test_every_client_request_is_documented(sandbox: Sandbox) -> None:
    requests = session(sandbox)
    api_path = httpx.URL(sandbox.api_url).path
    used = {check_request(r, api_path) for r in requests}
    # the session really covered the client: no operation went unchecked
    assert used == {
        "GET /repos/{owner}/{repo}/issues",
        "GET /search/issues",
        "GET /repos/{owner}/{repo}/issues/{issue_number}",
        "GET /repos/{owner}/{repo}/issues/{issue_number}/labels",
        "POST /repos/{owner}/{repo}/issues/{issue_number}/labels",
        "DELETE /repos/{owner}/{repo}/issues/{issue_number}/labels/{name}",
        "GET /repos/{owner}/{repo}/labels/{name}",
        "GET /repos/{owner}/{repo}",
        "GET /rate_limit",
        "GET /user",
    }
    # never a request that replaces the whole label set
    assert not {r.method for r in requests} & {"PUT", "PATCH"}
    # Link pages were followed (page parameter) and a conditional request was sent
    assert any("page" in r.url.params for r in requests)
    assert any("if-none-match" in r.headers for r in requests)
    for r in requests:
        assert r.headers["accept"] == "application/vnd.github+json"
        assert r.headers["x-github-api-version"] == "2022-11-28"


@pytest.mark.parametrize(
    ("method", "url", "body", "problem"),
    [
        ("PUT", "/repos/o/r/issues/1/labels/x", None, "not a documented operation"),
        ("GET", "/repos/o/r/issues?labels=x&colour=red", None, "undocumented query parameter"),
        ("GET", "/repos/o/r/issues?state=opened", None, "is not one of"),
        ("GET", "/repos/o/r/issues?per_page=all", None, "is not an integer"),
        ("GET", "/repos/o/r/issues?since=yesterday", None, "ISO 8601"),
        ("GET", "/search/issues?per_page=10", None, "required parameter 'q'"),
        ("POST", "/repos/o/r/issues/1/labels", {"labels": []}, "should be non-empty"),
        ("POST", "/repos/o/r/issues/1/labels", {"labels": [3]}, "is not valid under any"),
        ("DELETE", "/repos/o/r/issues/1/labels/needs triage/async", None, "not a documented operation"),
    ],
)
def test_the_checker_rejects_undocumented_requests(method: str, url: str, body: object, problem: str) -> None:
    request = httpx.Request(method, "http://127.0.0.1:1/api/v3" + url, json=body)
    with pytest.raises((AssertionError, jsonschema.ValidationError)) as info:
        check_request(request, "/api/v3")
    assert problem in str(info.value)
