"""The one command line: which board the options describe (a preset or a board file, with sources
overridden), for the window and the commands alike."""

from __future__ import annotations

from pathlib import Path

import pytest

from triageboard.board import BoardSpec
from triageboard.cli.parser import parse, resolve_board
from triageboard.errors import UsageError


def resolve(*argv: str) -> BoardSpec:
    return resolve_board(parse(list(argv)))


def test_default_is_the_rust_async_preset_untouched() -> None:
    spec = resolve()
    assert spec.name == "rust-async"
    assert spec.repos == ("rust-lang/rust", "rust-lang/wg-async")
    assert spec.query is None
    assert spec.api_url == "https://api.github.com"


def test_preset_choice() -> None:
    assert resolve("--preset", "rust-async-2021").name == "rust-async-2021"


def test_repo_replaces_the_sources_and_repeats() -> None:
    spec = resolve("--repo", "tokio-rs/tokio", "--repo", "rust-lang/futures-rs")
    assert spec.repos == ("tokio-rs/tokio", "rust-lang/futures-rs")
    assert spec.query is None


def test_repo_names_at_githubs_limits_are_accepted() -> None:
    assert resolve("--repo", "o" * 39 + "/" + "r" * 100).repos == ("o" * 39 + "/" + "r" * 100,)


def test_query_replaces_the_repos() -> None:
    spec = resolve("--query", "org:rust-lang")
    assert spec.query == "org:rust-lang"
    assert spec.repos == ()


@pytest.mark.parametrize(
    "repo", ["rust-lang", "rust-lang/", "/rust", "a/b/c", "o" * 40 + "/r", "o/" + "r" * 101]
)
def test_bad_repo_is_a_usage_error(repo: str) -> None:
    with pytest.raises(UsageError, match="OWNER/NAME"):
        resolve("--repo", repo)


@pytest.mark.parametrize(
    "repo",
    [
        "rust lang/rust",
        "rust-lang/rust?state=closed",
        "rust-lang/rust#1",
        "rust-lang/..",
        "rust-lang/.",
        "./rust",
    ],
)
def test_repo_with_url_characters_is_a_usage_error(repo: str) -> None:
    with pytest.raises(UsageError, match="OWNER/NAME"):
        resolve("--repo", repo)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://ghe.example.com", "https://ghe.example.com/api/v3"),
        ("https://ghe.example.com/api/v3/", "https://ghe.example.com/api/v3"),
        ("https://github.com", "https://api.github.com"),
        ("http://127.0.0.1:8765/api/v3", "http://127.0.0.1:8765/api/v3"),
        ("http://localhost:8765/api/v3", "http://localhost:8765/api/v3"),
        ("http://[::1]:8765/api/v3", "http://[::1]:8765/api/v3"),
    ],
)
def test_api_url_is_normalized(url: str, expected: str) -> None:
    spec = resolve("--api-url", url)
    assert spec.api_url == expected
    assert spec.repos == ("rust-lang/rust", "rust-lang/wg-async")  # sources kept


@pytest.mark.parametrize(
    "url",
    ["http://ghe.example.com/api/v3", "http://192.168.1.2/api/v3", "http://localhost.evil.com", "ftp://x"],
)
def test_plain_http_for_a_remote_host_is_refused(url: str) -> None:
    with pytest.raises(UsageError, match="--api-url"):
        resolve("--api-url", url)


def test_preset_and_board_are_exclusive() -> None:
    with pytest.raises(UsageError, match="not allowed with"):
        resolve("--preset", "rust-async", "--board", "x.toml")


def test_unknown_preset_is_refused() -> None:
    with pytest.raises(UsageError, match="invalid choice"):
        resolve("--preset", "nope")


@pytest.mark.parametrize("before", [True, False])
def test_board_options_work_before_and_after_the_command(before: bool) -> None:
    options = ["--repo", "tokio-rs/tokio", "-v"]
    args = parse([*options, "list"] if before else ["list", *options])
    assert args.command == "list"
    assert args.verbose == 1
    assert resolve_board(args).repos == ("tokio-rs/tokio",)


def test_window_options_do_not_go_with_a_command() -> None:
    with pytest.raises(UsageError, match="--demo is for the window"):
        parse(["--demo", "list"])


def test_no_command_opens_the_window() -> None:
    args = parse(["--demo", "--refresh-minutes", "0"])
    assert args.command is None
    assert args.demo is True
    assert args.refresh_minutes == 0.0


def test_board_file_and_override(tmp_path: Path) -> None:
    path = tmp_path / "b.toml"
    path.write_text('repos = ["a/b"]\n[[columns]]\nname = "Now"\nlabels = ["now"]\n', encoding="utf-8")
    spec = resolve("--board", str(path), "--query", "org:a")
    assert spec.query == "org:a"
    assert spec.repos == ()
    assert [c.name for c in spec.columns] == ["Now", "Uncategorized"]


def test_bad_board_file_is_a_usage_error_naming_the_line(tmp_path: Path) -> None:
    path = tmp_path / "b.toml"
    path.write_text('repos = ["a/b"]\ncolour = 1\n[[columns]]\nname = "Now"\n', encoding="utf-8")
    with pytest.raises(UsageError, match=r"line 2, key 'colour'"):
        resolve("--board", str(path))
    with pytest.raises(UsageError, match="cannot read"):
        resolve("--board", str(tmp_path / "absent.toml"))


def test_board_file_remote_http_api_url_is_a_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "b.toml"
    path.write_text(
        'api_url = "http://ghe.example.com/api/v3"\nrepos = ["a/b"]\n[[columns]]\nname = "Now"\n',
        encoding="utf-8",
    )
    with pytest.raises(UsageError, match="http"):
        resolve("--board", str(path))


@pytest.mark.parametrize("text", ["nan", "inf", "NaN", "1e400"])
def test_wait_is_a_finite_number_of_seconds(text: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse(["move", "o/r#1", "Focus", "--wait", text])
    assert "--wait" in caught.value.problem
    assert "is not a number of seconds" in caught.value.problem


@pytest.mark.parametrize("text", ["-1", "700000"])
def test_wait_is_at_most_a_week(text: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse(["sync", "--wait", text])
    assert "from 0 to a week" in caught.value.problem
