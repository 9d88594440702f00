"""Presets, board files (good and bad: every error names the line and the key), IssueKey.parse."""

from __future__ import annotations

import posixpath
import re
import textwrap
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from triageboard.board import (
    DEFAULT_PRESET,
    PRESETS,
    BoardSpec,
    Column,
    IssueKey,
    is_repo_name,
    load_board_file,
    parse_board,
    preset,
)
from triageboard.errors import BoardFileError

# --- presets -----------------------------------------------------------------------------------------


def test_default_preset_is_rust_async_with_its_columns_and_limits() -> None:
    spec = preset(DEFAULT_PRESET)
    assert spec.name == "rust-async"
    assert spec.area_labels == ("A-async-await",)
    assert spec.repos == ("rust-lang/rust", "rust-lang/wg-async")
    assert [(c.name, c.labels) for c in spec.columns] == [
        ("Focus", ("AsyncAwait-Focus",)),
        ("OnDeck", ("AsyncAwait-OnDeck",)),
        ("Other", ("AsyncAwait-Other",)),
        ("Uncategorized", ()),
    ]
    focus, ondeck = spec.column("Focus"), spec.column("OnDeck")
    assert (focus.soft_min, focus.soft_max) == (3, 5)
    assert ondeck.soft_max == 25
    # Focus carries the team's rules: someone owns each issue, and two quiet weeks are worth a question
    assert (focus.require_assignee, focus.stalled_after_days) == (True, 14)
    assert [(c.require_assignee, c.stalled_after_days) for c in spec.columns[1:]] == [(False, None)] * 3
    assert spec.api_url == "https://api.github.com"
    assert not spec.include_pull_requests
    assert not spec.include_closed
    assert spec.triage_labels == ("AsyncAwait-Focus", "AsyncAwait-OnDeck", "AsyncAwait-Other")


def test_2021_preset_columns_carry_triaged() -> None:
    spec = preset("rust-async-2021")
    assert [(c.name, c.labels) for c in spec.columns] == [
        ("P-high", ("P-high", "AsyncAwait-Triaged")),
        ("P-medium", ("P-medium", "AsyncAwait-Triaged")),
        ("P-low", ("P-low", "AsyncAwait-Triaged")),
        ("Uncategorized", ()),
    ]
    # each label once, in column order
    assert spec.triage_labels == ("P-high", "AsyncAwait-Triaged", "P-medium", "P-low")
    assert spec.uncategorized.name == "Uncategorized"


def test_unknown_preset_names_the_known_ones() -> None:
    with pytest.raises(KeyError, match="rust-async, rust-async-2021"):
        preset("nope")
    assert set(PRESETS) == {"rust-async", "rust-async-2021", "rust-async-org"}


def test_column_lookup_by_name_case_insensitive_or_position() -> None:
    spec = preset("rust-async")
    assert spec.column("ondeck").name == "OnDeck"
    assert spec.column(" 2 ").name == "OnDeck"
    assert spec.column("4").is_uncategorized
    with pytest.raises(KeyError, match="Focus, OnDeck, Other, Uncategorized"):
        spec.column("Later")
    with pytest.raises(KeyError):
        spec.column("5")


def test_soft_limits_say_what_is_wrong() -> None:
    focus = preset("rust-async").column("Focus")
    assert focus.limit_problem(4) is None
    assert "at most 5" in (focus.limit_problem(6) or "")
    assert "at least 3" in (focus.limit_problem(2) or "")
    assert focus.limit_text() == "3–5"
    assert preset("rust-async").column("OnDeck").limit_text() == "≤ 25"
    assert preset("rust-async").column("Other").limit_text() == ""


def test_spec_needs_exactly_one_uncategorized_and_unique_names() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        BoardSpec(name="x", columns=(Column("A", ("a",)),))
    with pytest.raises(ValueError, match="exactly one"):
        BoardSpec(name="x", columns=(Column("A"), Column("B")))
    with pytest.raises(ValueError, match="unique"):
        BoardSpec(name="x", columns=(Column("A", ("a",)), Column("a", ("b",)), Column("U")))


def test_with_sources_switches_between_repos_and_query() -> None:
    spec = preset("rust-async")
    org = spec.with_sources(query="org:rust-lang")
    assert org.query == "org:rust-lang"
    assert org.repos == ()
    back = org.with_sources(repos=["rust-lang/rust"])
    assert back.repos == ("rust-lang/rust",)
    assert back.query is None
    both = spec.with_sources(repos=["a/b"], query="org:a", api_url="https://ghe.example/api/v3")
    assert (both.repos, both.query, both.api_url) == (("a/b",), "org:a", "https://ghe.example/api/v3")
    assert spec.repos == ("rust-lang/rust", "rust-lang/wg-async")  # presets are never mutated


# --- board files: good ---------------------------------------------------------------------------------

GOOD = textwrap.dedent(
    """\
    name = "embedded"
    title = "Embedded WG triage"
    api_url = "https://ghe.example.com/api/v3/"
    repos = ["rust-embedded/wg", "rust-embedded/cortex-m"]
    area_labels = ["A-embedded"]
    mentor_label = "E-help-wanted"
    include_pull_requests = true

    [[columns]]
    name = "Now"
    labels = ["Embedded-Now"]
    soft_min = 1
    soft_max = 4
    description = "This week"
    require_assignee = true
    stalled_after_days = 10

    [[columns]]
    name = "Later"
    labels = ["Embedded-Later", "Embedded-Triaged"]

    [[columns]]
    name = "Inbox"
    labels = []
    """
)


def test_good_board_file_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "embedded.toml"
    path.write_text(GOOD, encoding="utf-8")
    spec = load_board_file(path)
    assert spec.name == "embedded"
    assert spec.title == "Embedded WG triage"
    assert spec.api_url == "https://ghe.example.com/api/v3"
    assert spec.repos == ("rust-embedded/wg", "rust-embedded/cortex-m")
    assert spec.query is None
    assert spec.area_labels == ("A-embedded",)
    assert spec.mentor_label == "E-help-wanted"
    assert spec.include_pull_requests
    assert not spec.include_closed
    assert spec.columns == (
        Column("Now", ("Embedded-Now",), 1, 4, "This week", require_assignee=True, stalled_after_days=10),
        Column("Later", ("Embedded-Later", "Embedded-Triaged")),
        Column("Inbox", ()),
    )
    assert spec.uncategorized.name == "Inbox"


def test_board_file_with_query_only_and_implicit_uncategorized() -> None:
    spec = parse_board(
        textwrap.dedent(
            """\
            query = "org:tokio-rs"
            area_labels = "A-runtime"
            [[columns]]
            name = "Next"
            labels = "T-next"
            """
        )
    )
    assert spec.query == "org:tokio-rs"
    assert spec.repos == ()
    assert spec.area_labels == ("A-runtime",)
    assert [c.name for c in spec.columns] == ["Next", "Uncategorized"]
    assert spec.name == "custom"
    assert spec.api_url == "https://api.github.com"


def test_loopback_http_api_url_is_allowed_for_the_sandbox() -> None:
    spec = parse_board('api_url = "http://127.0.0.1:8123/api/v3"\nrepos = ["a/b"]\n[[columns]]\nname = "U"\n')
    assert spec.api_url == "http://127.0.0.1:8123/api/v3"


# --- board files: bad -----------------------------------------------------------------------------------

COLUMNS = '[[columns]]\nname = "Now"\nlabels = ["now"]\n'


def bad(text: str) -> BoardFileError:
    with pytest.raises(BoardFileError) as info:
        parse_board(textwrap.dedent(text), "board.toml")
    err = info.value
    assert str(err).startswith("board.toml")
    return err


def test_toml_syntax_error_names_the_line() -> None:
    err = bad('repos = ["a/b"]\n\n[[columns]]\nname = "Now\n')
    assert err.line == 4
    assert "line 4" in str(err)
    assert "not valid TOML" in str(err)


def test_unknown_top_level_key_names_line_and_key() -> None:
    err = bad('repos = ["a/b"]\nreops = ["c/d"]\n' + COLUMNS)
    assert (err.line, err.key) == (2, "reops")
    assert "line 2, key 'reops'" in str(err)
    assert "unknown key" in str(err)


def test_unknown_top_level_table_names_its_line() -> None:
    err = bad('repos = ["a/b"]\n' + COLUMNS + '\n[sources]\nrepos = ["c/d"]\n')
    assert err.key == "sources"
    assert err.line == 6


def test_unknown_column_key_names_line_and_key() -> None:
    err = bad('repos = ["a/b"]\n' + COLUMNS + '\n[[columns]]\nname = "Later"\nlabel = ["later"]\n')
    assert err.key == "columns[2].label"
    assert err.line == 8


@pytest.mark.parametrize(
    ("text", "key", "line"),
    [
        ("repos = 5\n" + COLUMNS, "repos", 1),
        ('repos = ["a/b", ""]\n' + COLUMNS, "repos", 1),
        ('repos = ["a/b"]\ninclude_closed = "yes"\n' + COLUMNS, "include_closed", 2),
        ('repos = ["a/b"]\nquery = 3\n' + COLUMNS, "query", 2),
        ('repos = ["a/b"]\napi_url = ["x"]\n' + COLUMNS, "api_url", 2),
        ('repos = ["a/b"]\narea_labels = [1, 2]\n' + COLUMNS, "area_labels", 2),
        ('repos = ["a/b"]\n[[columns]]\nname = "Now"\nlabels = 7\n', "columns[1].labels", 4),
        ('repos = ["a/b"]\n[[columns]]\nname = "Now"\nsoft_max = "5"\n', "columns[1].soft_max", 4),
        ('repos = ["a/b"]\n[[columns]]\nname = "Now"\nsoft_min = -1\n', "columns[1].soft_min", 4),
        ('repos = ["a/b"]\n[[columns]]\nname = "Now"\nsoft_max = true\n', "columns[1].soft_max", 4),
        ('repos = ["a/b"]\n[[columns]]\nname = 4\n', "columns[1].name", 3),
        ('repos = ["a/b"]\n[[columns]]\nname = "Now"\ndescription = 4\n', "columns[1].description", 4),
        (
            'repos = ["a/b"]\n[[columns]]\nname = "Now"\nrequire_assignee = "yes"\n',
            "columns[1].require_assignee",
            4,
        ),
        (
            'repos = ["a/b"]\n[[columns]]\nname = "Now"\nrequire_assignee = 1\n',
            "columns[1].require_assignee",
            4,
        ),
        (
            'repos = ["a/b"]\n[[columns]]\nname = "Now"\nstalled_after_days = "14"\n',
            "columns[1].stalled_after_days",
            4,
        ),
        (
            'repos = ["a/b"]\n[[columns]]\nname = "Now"\nstalled_after_days = 0\n',
            "columns[1].stalled_after_days",
            4,
        ),
        (
            'repos = ["a/b"]\n[[columns]]\nname = "Now"\nstalled_after_days = -3\n',
            "columns[1].stalled_after_days",
            4,
        ),
        (
            'repos = ["a/b"]\n[[columns]]\nname = "Now"\nstalled_after_days = 1.5\n',
            "columns[1].stalled_after_days",
            4,
        ),
        (
            'repos = ["a/b"]\n[[columns]]\nname = "Now"\nstalled_after_days = true\n',
            "columns[1].stalled_after_days",
            4,
        ),
    ],
)
def test_wrong_types_name_line_and_key(text: str, key: str, line: int) -> None:
    err = bad(text)
    assert (err.key, err.line) == (key, line)
    assert f"line {line}, key '{key}'" in str(err)


def test_rule_keys_in_a_later_column_name_their_own_line() -> None:
    err = bad(
        'repos = ["a/b"]\n'
        + COLUMNS
        + '\n[[columns]]\nname = "Later"\nlabels = ["l"]\nstalled_after_days = 0\n'
    )
    assert (err.key, err.line) == ("columns[2].stalled_after_days", 9)
    assert "≥ 1" in str(err)


def test_rules_default_to_off_in_a_board_file() -> None:
    spec = parse_board('repos = ["a/b"]\n' + COLUMNS)
    assert (spec.columns[0].require_assignee, spec.columns[0].stalled_after_days) == (False, None)


def test_missing_columns_names_the_key() -> None:
    err = bad('repos = ["a/b"]\n')
    assert err.key == "columns"
    assert "[[columns]]" in str(err)
    err = bad('repos = ["a/b"]\ncolumns = "Focus"\n')
    assert (err.key, err.line) == ("columns", 2)


def test_missing_sources_names_the_key() -> None:
    err = bad(COLUMNS)
    assert err.key == "repos"
    assert "query" in str(err)


def test_two_uncategorized_columns_are_refused() -> None:
    err = bad('repos = ["a/b"]\n[[columns]]\nname = "Inbox"\n[[columns]]\nname = "Triage"\nlabels = []\n')
    assert err.key is not None
    assert err.key.startswith("columns")
    assert "only one column may have no labels" in str(err)


def test_two_uncategorized_columns_names_the_second_ones_line() -> None:
    err = bad('repos = ["a/b"]\n[[columns]]\nname = "Inbox"\n[[columns]]\nname = "Triage"\nlabels = []\n')
    assert err.line is not None
    assert 4 <= err.line <= 6


def test_soft_min_above_soft_max_names_line_and_key() -> None:
    err = bad(
        'repos = ["a/b"]\n'
        + COLUMNS
        + "\n[[columns]]\nname = 'Focus'\nlabels = ['f']\nsoft_min = 6\nsoft_max = 5\n"
    )
    assert (err.key, err.line) == ("columns[2].soft_min", 9)
    assert "soft_min is larger than soft_max" in str(err)


def test_duplicate_column_names_are_refused() -> None:
    err = bad('repos = ["a/b"]\n' + COLUMNS + '[[columns]]\nname = "now"\nlabels = ["x"]\n')
    assert "two columns are named" in str(err)
    assert err.line == 6


@pytest.mark.parametrize(
    "repo",
    [
        "rust-lang",
        "rust-lang/rust/extra",
        "rust lang/rust",
        "/rust",
        "a/b?x=1",
        "a/..",
        "a/.",
    ],
)
def test_bad_repo_name_names_line_and_key(repo: str) -> None:
    err = bad(f'title = "t"\nrepos = ["ok/fine", "{repo}"]\n' + COLUMNS)
    assert (err.key, err.line) == ("repos", 2)
    assert "OWNER/NAME" in str(err)


@pytest.mark.parametrize("url", ["ftp://ghe.example.com/api/v3", "api.github.com", "file:///etc/passwd"])
def test_api_url_that_is_no_web_url_is_refused(url: str) -> None:
    err = bad(f'repos = ["a/b"]\napi_url = "{url}"\n' + COLUMNS)
    assert (err.key, err.line) == ("api_url", 2)


@pytest.mark.parametrize(
    "url", ["http://ghe.example.com/api/v3", "http://10.0.0.5/api/v3", "http://api.github.com"]
)
def test_plain_http_api_url_for_a_remote_host_is_refused(url: str) -> None:
    err = bad(f'repos = ["a/b"]\napi_url = "{url}"\n' + COLUMNS)
    assert (err.key, err.line) == ("api_url", 2)
    assert "http" in str(err)


def test_unreadable_or_non_utf8_files(tmp_path: Path) -> None:
    with pytest.raises(BoardFileError, match="cannot read"):
        load_board_file(tmp_path / "missing.toml")
    latin = tmp_path / "latin.toml"
    latin.write_bytes('title = "caf\xe9"\n'.encode("latin-1"))
    with pytest.raises(BoardFileError, match="not UTF-8"):
        load_board_file(latin)


# --- IssueKey.parse -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("rust-lang/rust#123", IssueKey("rust-lang/rust", 123)),
        ("  rust-lang/wg-async#7 ", IssueKey("rust-lang/wg-async", 7)),
        ("a.b/c_d#1", IssueKey("a.b/c_d", 1)),
        ("o/.github#2147483647", IssueKey("o/.github", 2147483647)),
        ("o/...#3", IssueKey("o/...", 3)),
    ],
)
def test_issue_key_parse(text: str, key: IssueKey) -> None:
    assert IssueKey.parse(text) == key
    assert IssueKey.parse(str(key)) == key


@pytest.mark.parametrize(
    "text",
    [
        "",
        "#1",
        "rust#1",
        "rust-lang/rust",
        "rust-lang/rust#",
        "rust-lang/rust#x",
        "a/b/c#1",
        "/r#1",
        "o/#1",
        "a/b#-1",
        # issue 10: each of these reached a request path (GET /repos, /repos/.., a query string)
        "rust-lang/..#5",
        "../rust#5",
        "./rust#5",
        "rust-lang/.#5",
        "rust-lang/rust?x=1#5",
        "rust-lang/rust%2F..#5",
        "rust lang/rust#5",
        "rust-lang/rust#5#6",
        # numbers: positive, plain ASCII digits, within GitHub's 32-bit range
        "a/b#0",
        "a/b#007",
        "a/b#+5",
        "a/b# 5",
        "a/b#5.0",
        "a/b#١٢",
        "a/b#2147483648",
        "a/b#99999999999999999999",
        # names past GitHub's limits: 39 characters for an owner, 100 for a repository
        "o" * 40 + "/r#1",
        "o/" + "r" * 101 + "#1",
    ],
)
def test_issue_key_parse_refuses_malformed_references(text: str) -> None:
    with pytest.raises(ValueError, match=re.escape("OWNER/REPO#NUMBER, e.g. rust-lang/rust#123")):
        IssueKey.parse(text)


def test_issue_key_parse_message_stays_short_for_a_pasted_page() -> None:
    with pytest.raises(ValueError, match="OWNER/REPO#NUMBER") as info:
        IssueKey.parse("x" * 10_000)
    assert len(str(info.value)) < 200


def test_names_at_githubs_limits_are_accepted() -> None:
    owner, name = "o" * 39, "r" * 100
    assert IssueKey.parse(f"{owner}/{name}#1") == IssueKey(f"{owner}/{name}", 1)


_NAME_CHARS = "abcXYZ019_.-"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=60))
def test_whatever_parses_is_a_repo_name_and_a_positive_number(text: str) -> None:
    try:
        key = IssueKey.parse(text)
    except ValueError:
        return
    assert is_repo_name(key.repo)
    assert 1 <= key.number <= 2**31 - 1
    assert IssueKey.parse(str(key)) == key
    # the request path it becomes is exactly that path: nothing climbs, queries or cuts it short
    path = f"/repos/{key.repo}/issues/{key.number}"
    parts = urlsplit(f"https://api.github.com{path}")
    assert (parts.path, parts.query, parts.fragment) == (path, "", "")
    assert posixpath.normpath(path) == path


@settings(max_examples=300, deadline=None)
@given(
    owner=st.text(alphabet=_NAME_CHARS, min_size=1, max_size=39),
    name=st.text(alphabet=_NAME_CHARS, min_size=1, max_size=100),
    number=st.integers(min_value=1, max_value=2**31 - 1),
)
def test_every_well_formed_reference_round_trips(owner: str, name: str, number: int) -> None:
    text = f"{owner}/{name}#{number}"
    if {owner, name} & {".", ".."}:
        with pytest.raises(ValueError, match="OWNER/REPO#NUMBER"):
            IssueKey.parse(text)
    else:
        assert IssueKey.parse(text) == IssueKey(f"{owner}/{name}", number)


def test_issue_keys_order_by_repo_then_number() -> None:
    keys = [IssueKey("b/x", 1), IssueKey("a/y", 10), IssueKey("a/y", 2)]
    assert sorted(keys) == [IssueKey("a/y", 2), IssueKey("a/y", 10), IssueKey("b/x", 1)]


def test_netaddr_re_exports_the_board_rules_until_callers_move() -> None:
    from triageboard import netaddr
    from triageboard.board import REPO_NAME, is_loopback

    assert netaddr.is_repo_name is is_repo_name
    assert netaddr.REPO_NAME is REPO_NAME
    assert netaddr.is_loopback is is_loopback
