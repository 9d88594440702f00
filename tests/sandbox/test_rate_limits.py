"""Primary rate limits per token: counting, exhaustion, the reset window (scaled)."""

from __future__ import annotations

import time

from sandboxkit import Sandbox
from sbclient import Api

LIST = "repos/rust-lang/wg-async/issues?per_page=1"


def test_every_request_counts_once(api: Api) -> None:
    first = api.get(LIST)
    second = api.get("repos/rust-lang/nope")  # errors count too
    third = api.get(LIST)
    assert first.header("x-ratelimit-limit") == "5000"
    assert [r.header("x-ratelimit-used") for r in (first, second, third)] == ["1", "2", "3"]
    assert third.header("x-ratelimit-remaining") == "4997"
    assert first.header("x-ratelimit-reset") == third.header("x-ratelimit-reset")
    assert int(first.header("x-ratelimit-reset") or 0) >= time.time()


def test_tokens_have_separate_buckets(api: Api, sb: Sandbox) -> None:
    sb.add_token("second", login="reader")
    api.get(LIST)
    assert api.get(LIST, token="second").header("x-ratelimit-remaining") == "4999"


def test_exhaustion_is_403_until_the_reset(api: Api, sb: Sandbox) -> None:
    sb.set_rate_limit(sb.token, core_limit=10, remaining=1, reset_in=3000)  # 30 s of real time at 0.01
    last = api.get(LIST)
    assert last.status == 200
    assert last.header("x-ratelimit-remaining") == "0"
    refused = api.get(LIST)
    assert refused.status == 403
    assert refused.header("x-ratelimit-remaining") == "0"
    assert refused.header("x-ratelimit-limit") == "10"
    assert refused.json()["message"].startswith("API rate limit exceeded for user ID 1001.")
    assert sb.stats()["rate_limited"] == 1
    assert int(refused.header("x-ratelimit-reset") or 0) == sb.rate_limit(sb.token)["reset"]
    sb.set_rate_limit(sb.token, reset_in=50)  # the window now ends in 50 s of the clock: 0.5 s
    reset = sb.rate_limit(sb.token)["reset"]
    assert reset <= sb.clock.time() + 51
    # Waiting until x-ratelimit-reset (on the shared clock) is always enough.
    time.sleep(sb.wall(max(0.0, reset - sb.clock.time())) + 0.01)
    again = api.get(LIST)
    assert again.status == 200
    assert again.header("x-ratelimit-used") == "1"
    assert again.header("x-ratelimit-limit") == "10"


def test_writes_are_refused_too_and_rate_limit_stays_free(api: Api, sb: Sandbox) -> None:
    sb.set_rate_limit(sb.token, remaining=0, reset_in=3600)
    number = sb.issue_numbers("rust-lang/rust")[0]
    assert api.post(f"repos/rust-lang/rust/issues/{number}/labels", ["C-bug"]).status == 403
    overview = api.get("rate_limit")
    assert overview.status == 200
    assert overview.json()["resources"]["core"]["remaining"] == 0
    assert sb.rate_limit(sb.token)["remaining"] == 0


def test_unauthenticated_limit_is_per_address(api: Api, sb: Sandbox) -> None:
    sb.set_rate_limit(None, remaining=0, reset_in=600)
    refused = api.get(LIST, token=None)
    assert refused.status == 403
    assert "Authenticated requests get a higher rate limit" in refused.json()["message"]
    assert api.get(LIST).status == 200  # the token has its own bucket
