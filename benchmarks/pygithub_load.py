"""The baseline of a first load: a careful PyGithub script loading the same board as the window.

    python benchmarks/pygithub_load.py API_URL TOKEN

Careful: 100 issues a page, lazy objects (no GET of a repository), one listing per (repository, label)
series as the board needs them, every page followed, and only attributes the listing carries are read (an
absent one, such as an issue's ``pull_request``, would make PyGithub fetch each issue); the in-scope issues
(open, not pull requests) are collected by number. Prints how many.
"""

from __future__ import annotations

import sys

from github import Auth, Github

REPOS = ("rust-lang/rust", "rust-lang/wg-async")
SERIES = ("A-async-await", "AsyncAwait-Focus", "AsyncAwait-OnDeck", "AsyncAwait-Other")


def main() -> int:
    api_url, token = sys.argv[1], sys.argv[2]
    gh = Github(auth=Auth.Token(token), base_url=api_url, per_page=100, retry=None, lazy=True)
    found: set[tuple[str, int]] = set()
    for name in REPOS:
        repo = gh.get_repo(name)
        for label in SERIES:
            for issue in repo.get_issues(state="open", labels=[label]):
                if "/pull/" not in issue.html_url:
                    found.add((name, issue.number))
    print(len(found))
    return 0


if __name__ == "__main__":
    sys.exit(main())
