"""Where the sandbox used to be laxer or sloppier than GitHub: secondary limits on content creation, the
User-Agent requirement, the private user view, caching headers on 304s and writes, accepted scopes, and
the ``Server`` header."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fakeclock import FakeClock
from sandboxkit import Sandbox
from sbclient import Api

from triageboard.sandbox._ratelimit import ContentLimiter

LIST = "repos/rust-lang/rust/issues?per_page=5&labels=A-async-await"


@pytest.fixture
def number(sb: Sandbox) -> int:
    return sb.issue_numbers("rust-lang/rust", labels=["AsyncAwait-OnDeck"])[0]


@pytest.fixture
def real_time() -> Iterator[Sandbox]:
    with Sandbox(seed=1) as server:
        yield server


def add_label(api: Api, number: int, name: str, **kw: object) -> int:
    return api.post(f"repos/rust-lang/rust/issues/{number}/labels", {"labels": [name]}, **kw).status


# -- secondary limits on content creation -------------------------------------------------------------


def test_the_81st_write_in_a_minute_is_refused_with_retry_after(real_time: Sandbox) -> None:
    api = Api(real_time)
    number = real_time.issue_numbers("rust-lang/rust")[0]
    statuses = [add_label(api, number, f"burst-{i}") for i in range(80)]
    assert statuses == [200] * 80
    refused = api.post(f"repos/rust-lang/rust/issues/{number}/labels", {"labels": ["one-too-many"]})
    assert refused.status == 403
    assert refused.json()["message"].startswith("You have exceeded a secondary rate limit.")
    assert "secondary-rate-limits" in refused.json()["documentation_url"]
    assert 50 <= int(refused.header("Retry-After") or 0) <= 60
    assert int(refused.header("x-ratelimit-remaining") or 0) > 0  # not the primary limit
    assert "one-too-many" not in real_time.issue_labels("rust-lang/rust", number)
    # Every kind of write counts, comments and deletions too; reads do not.
    assert api.delete(f"repos/rust-lang/rust/issues/{number}/labels/burst-0").status == 403
    assert api.post(f"repos/rust-lang/rust/issues/{number}/comments", {"body": "hi"}).status == 403
    assert api.get(LIST).status == 200
    # The limit is per user: someone else may still write.
    real_time.add_token("other", login="tmandry", permission="triage", scopes=("public_repo",))
    assert add_label(api, number, "from-someone-else", token="other") == 200
    assert real_time.stats()["secondary_limited"] == 3


def test_after_retry_after_writes_are_accepted_again() -> None:
    clock = FakeClock()  # the burst takes no time at all on it, however slow the machine
    with Sandbox(seed=1, clock=clock) as sb:
        api = Api(sb)
        number = sb.issue_numbers("rust-lang/rust")[0]
        statuses = [add_label(api, number, f"burst-{i}") for i in range(81)]
        assert statuses[:80] == [200] * 80
        assert statuses[80] == 403
        refused = api.post(f"repos/rust-lang/rust/issues/{number}/labels", {"labels": ["later"]})
        wait = int(refused.header("Retry-After") or 0)
        assert wait == 60  # the first write of the burst leaves the minute then
        clock.advance(wait - 1)
        assert add_label(api, number, "too-early") == 403
        clock.advance(1)
        assert add_label(api, number, "later") == 200


def test_500_writes_an_hour_even_when_spread_over_minutes() -> None:
    now = [1000.0]
    limiter = ContentLimiter(lambda: now[0])
    for minute in range(7):
        for _ in range(80 if minute < 6 else 20):
            assert limiter.wait("user:ferris") is None
            limiter.count("user:ferris")
            now[0] += 0.5
        now[0] = 1000.0 + 60 * (minute + 1)
    # 500 in the last hour: the next one waits until the first leaves the hour.
    wait = limiter.wait("user:ferris")
    assert wait is not None
    assert wait == pytest.approx(1000.0 + 3600 - now[0])
    assert limiter.wait("user:someone-else") is None
    now[0] = 1000.0 + 3600.5
    assert limiter.wait("user:ferris") is None


def test_the_minute_window_slides() -> None:
    now = [0.0]
    limiter = ContentLimiter(lambda: now[0])
    for i in range(80):
        now[0] = i * 0.5  # 80 writes over 40 s
        limiter.count("k")
    now[0] = 45.0
    assert limiter.wait("k") == pytest.approx(60.0 - 45.0)  # the first leaves the minute at 60 s
    now[0] = 60.01
    assert limiter.wait("k") is None


# -- the rest of the truth ------------------------------------------------------------------------


@pytest.mark.parametrize("agent", [None, "", "   "])
def test_requests_without_a_user_agent_are_forbidden(api: Api, sb: Sandbox, agent: str | None) -> None:
    headers = {"User-Agent": agent} if agent is not None else {}
    reply = api.get(LIST, headers=headers, skip_user_agent=agent is None)
    assert reply.status == 403
    assert reply.header("Content-Type") == "text/html; charset=utf-8"
    assert b"User-Agent" in reply.body
    assert reply.header("x-ratelimit-remaining") is None
    assert sb.rate_limit(sb.token)["used"] == 0
    record = sb.request_log[-1]
    assert (record.status, record.counted) == (403, False)
    assert api.get(LIST).status == 200


def test_the_authenticated_user_is_the_private_view(api: Api) -> None:
    me = api.get("user").json()
    assert me["user_view_type"] == "private"
    assert "private_gists" in me
    them = api.get("users/tmandry").json()
    assert them["user_view_type"] == "public"
    assert "private_gists" not in them


def test_a_304_carries_the_caching_headers_and_links_of_its_200(api: Api) -> None:
    first = api.get(LIST)
    assert first.header("Link")
    again = api.get(LIST, headers={"If-None-Match": first.header("ETag") or ""})
    assert again.status == 304
    assert again.header("ETag") == first.header("ETag")
    assert (
        again.header("Cache-Control") == first.header("Cache-Control") == "private, max-age=60, s-maxage=60"
    )
    assert again.header("Link") == first.header("Link")


def test_write_answers_carry_an_etag_and_cache_control(api: Api, sb: Sandbox, number: int) -> None:
    base = f"repos/rust-lang/rust/issues/{number}"
    for reply in (
        api.post(f"{base}/labels", {"labels": ["x"]}),
        api.delete(f"{base}/labels/x"),
        api.post(f"{base}/comments", {"body": "A comment."}),
        api.post(f"{base}/assignees", {"assignees": ["tmandry"]}),
        api.patch(base, {"title": "A new title"}),
    ):
        assert 200 <= reply.status < 300, reply.body
        assert (reply.header("ETag") or "").startswith('W/"'), reply.status
        assert reply.header("Cache-Control") == "private, max-age=60, s-maxage=60"
    emptied = api.delete(f"{base}/labels")
    assert emptied.status == 204
    assert emptied.header("ETag") is None


def test_accepted_oauth_scopes(api: Api, sb: Sandbox, number: int) -> None:
    """Like the recorded answers in tests/data: ``repo`` for reads of a repository, nothing for writes,
    searches and errors; only with a classic token."""
    assert api.get(LIST).header("X-Accepted-OAuth-Scopes") == "repo"
    assert api.get("repos/rust-lang/rust/labels/C-bug").header("X-Accepted-OAuth-Scopes") == "repo"
    assert api.get("search/issues?q=repo:rust-lang/rust").header("X-Accepted-OAuth-Scopes") == ""
    written = api.post(f"repos/rust-lang/rust/issues/{number}/labels", {"labels": ["y"]})
    assert written.header("X-Accepted-OAuth-Scopes") == ""
    assert api.get("repos/rust-lang/rust/issues?state=bogus").header("X-Accepted-OAuth-Scopes") == ""
    assert api.get(LIST, token=None).header("X-Accepted-OAuth-Scopes") is None
    sb.add_token("fine", login="finn", permission="triage", fine_grained=True)
    assert api.get(LIST, token="fine").header("X-Accepted-OAuth-Scopes") is None


def test_server_header_is_exactly_githubs(api: Api) -> None:
    for reply in (api.get(LIST), api.get("/", token=None), api.get("nope")):
        assert reply.header("Server") == "GitHub.com"
