"""Test-side calls that look behind GitHub's back: accounts and limits, what others do on github.com
(labels, assignees, comments, states), and what the sandbox saw (mixins of ``sandboxkit.Sandbox``).

Changes made here go through the same code as the API's, so they append the same events, bump
``updated_at`` (ETags change) and wake the triagebot, as the same change made on github.com would.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any, Literal

from triageboard.sandbox import _changes
from triageboard.sandbox._api import bucket_key_for
from triageboard.sandbox._model import Issue, Permission, Repo, label_key
from triageboard.sandbox._render import issue_json
from triageboard.sandbox._world import RequestRecord, TokenInfo, World

OTHER_USER = "other-user"


class Accounts:
    """Tokens, roles, who can be assigned, rate limits."""

    _world: World

    def add_token(
        self,
        token: str,
        *,
        login: str = "reader",
        scopes: Sequence[str] = ("public_repo",),
        permission: Permission = "read",
        fine_grained: bool = False,
    ) -> None:
        """Accept ``token`` for ``login`` with ``permission`` on every repository (read-only ones: read)."""
        with self._world.locked() as world:
            world.data.ensure_user(login)
            world.tokens[token] = TokenInfo(login, tuple(scopes), permission, fine_grained)

    def add_reader_token(self, token: str, *, login: str = "reader") -> None:
        """A read-only account: it reads everything; ``permissions.triage`` is false and label and
        assignee writes answer 403 (it may still comment, as anyone may on a public repository)."""
        self.add_token(token, login=login, scopes=("public_repo", "read:org"), permission="read")

    def revoke_token(self, token: str) -> None:
        with self._world.locked() as world:
            world.tokens.pop(token, None)

    def set_assignable(self, repo: str, login: str, assignable: bool = True) -> None:
        with self._world.locked() as world:
            found = _repo(world, repo)
            world.data.ensure_user(login)
            if assignable:
                found.assignable[login.casefold()] = login
            else:
                found.assignable.pop(login.casefold(), None)

    def set_rate_limit(
        self,
        token: str | None,
        *,
        core_limit: int | None = None,
        search_limit: int | None = None,
        remaining: int | None = None,
        reset_in: float | None = None,
        resource: Literal["core", "search"] = "core",
    ) -> None:
        """Shape a token's buckets (None: unauthenticated requests from 127.0.0.1).

        ``remaining`` and ``reset_in`` (GitHub seconds, scaled) apply to ``resource``.
        """
        with self._world.locked() as world:
            key, authenticated = bucket_key_for(token)
            if core_limit is not None:
                world.limits.configure(key, "core", authenticated=authenticated, limit=core_limit)
            if search_limit is not None:
                world.limits.configure(key, "search", authenticated=authenticated, limit=search_limit)
            world.limits.configure(
                key, resource, authenticated=authenticated, remaining=remaining, reset_in=reset_in
            )

    def rate_limit(self, token: str | None, resource: Literal["core", "search"] = "core") -> dict[str, int]:
        with self._world.locked() as world:
            key, authenticated = bucket_key_for(token)
            return world.limits.bucket(key, resource, authenticated=authenticated).as_json()


class IssueAdmin:
    """Reading issues directly, and changing them as someone else would on github.com."""

    _world: World

    def issue_labels(self, repo: str, number: int) -> list[str]:
        with self._world.locked() as world:
            _, issue = world.find_issue(repo, number)
            return [label.name for label in issue.labels]

    def issue(self, repo: str, number: int) -> dict[str, Any]:
        """The issue as ``GET /repos/{repo}/issues/{number}`` would return it."""
        with self._world.locked() as world:
            found_repo, issue = world.find_issue(repo, number)
            return issue_json(world.urls, world.data, found_repo, issue)

    def issue_numbers(
        self,
        repo: str,
        *,
        labels: Iterable[str] = (),
        state: Literal["open", "closed", "all"] = "open",
        pull_requests: bool | None = False,
        assigned: bool | None = None,
    ) -> list[int]:
        """Numbers of ``repo``'s issues carrying all ``labels`` (any case), ascending.

        ``pull_requests``: False leaves them out, True keeps only them, None keeps both; ``assigned``
        likewise for issues with assignees.
        """
        keys = [label_key(name) for name in labels]

        def keep(i: Issue) -> bool:
            return (
                (state == "all" or i.state == state)
                and (pull_requests is None or i.is_pull_request == pull_requests)
                and (assigned is None or bool(i.assignees) == assigned)
                and all(i.has_label(k) for k in keys)
            )

        with self._world.locked() as world:
            return sorted(n for n, i in _repo(world, repo).issues.items() if keep(i))

    def label_names(self, repo: str) -> list[str]:
        with self._world.locked() as world:
            return sorted((label.name for label in _repo(world, repo).labels.values()), key=label_key)

    def edit_labels_as(
        self, login: str, repo: str, number: int, add: Iterable[str] = (), remove: Iterable[str] = ()
    ) -> list[str]:
        """Change labels as someone else would on github.com; returns the labels after."""
        with self._world.locked() as world:
            world.data.ensure_user(login)
            found_repo, issue = world.find_issue(repo, number)
            _changes.remove_labels(world, issue, list(remove), login)
            _changes.add_labels(world, found_repo, issue, list(add), login)
            world.counters["external_edits"] += 1
            return [label.name for label in issue.labels]

    def assign_as(self, login: str, repo: str, number: int, *assignees: str) -> list[str]:
        """Add assignees as ``login`` would on github.com (unassignable ones are dropped); the
        assignees after."""
        with self._world.locked() as world:
            found_repo, issue = world.find_issue(repo, number)
            _changes.add_assignees(world, found_repo, issue, assignees, login)
            world.counters["external_edits"] += 1
            return list(issue.assignees)

    def unassign_as(self, login: str, repo: str, number: int, *assignees: str) -> list[str]:
        with self._world.locked() as world:
            _, issue = world.find_issue(repo, number)
            _changes.remove_assignees(world, issue, assignees, login)
            world.counters["external_edits"] += 1
            return list(issue.assignees)

    def comment_as(self, login: str, repo: str, number: int, body: str) -> int:
        """Comment as ``login`` (the triagebot reads it like any comment); returns the comment's id."""
        with self._world.locked() as world:
            found_repo, issue = world.find_issue(repo, number)
            return _changes.add_comment(world, found_repo, issue, login, body).id

    def set_issue_state(
        self, repo: str, number: int, state: Literal["open", "closed"], *, login: str = OTHER_USER
    ) -> None:
        with self._world.locked() as world:
            _, issue = world.find_issue(repo, number)
            _changes.set_state(world, issue, state, login)

    def lock_issue(self, repo: str, number: int, locked: bool = True) -> None:
        """Lock (or unlock) the conversation: then only collaborators may comment."""
        with self._world.locked() as world:
            _, issue = world.find_issue(repo, number)
            issue.locked = locked

    def create_label(
        self, repo: str, name: str, color: str = "ededed", description: str | None = None
    ) -> None:
        with self._world.locked() as world:
            found = _repo(world, repo)
            if found.label(name) is not None:
                raise ValueError(f"{repo} already has a label {name!r}")
            world.data.new_label(found, name, color.lstrip("#"), description)

    def create_issue(
        self,
        repo: str,
        title: str,
        *,
        body: str | None = None,
        labels: Iterable[str] = (),
        assignees: Iterable[str] = (),
        author: str = "rustacean-ana",
        pull_request: bool = False,
    ) -> int:
        """Open a new issue (or pull request) as ``author``, labelled and assigned by them (assignees
        GitHub cannot assign are dropped); returns its number."""
        with self._world.locked() as world:
            found = _repo(world, repo)
            world.data.ensure_user(author)
            stamp = world.stamp()
            number = found.next_number
            found.next_number += 1
            issue = Issue(
                id=world.data.next_issue_id,
                number=number,
                title=title,
                body=body,
                author=author,
                labels=[],
                assignees=[],
                created_at=stamp,
                updated_at=stamp,
                is_pull_request=pull_request,
            )
            world.data.next_issue_id += 1
            found.issues[number] = issue
            _changes.add_labels(world, found, issue, dict.fromkeys(labels), author)
            _changes.add_assignees(world, found, issue, assignees, author)
            return number


class Observation:
    """What the sandbox saw: the request log and counts."""

    _world: World
    _fault_counts: Counter[str]

    @property
    def request_log(self) -> list[RequestRecord]:
        """Every request answered so far (control requests under ``/_sandbox/`` excluded), oldest first."""
        with self._world.lock:
            return list(self._world.log)

    def clear_request_log(self) -> None:
        with self._world.lock:
            self._world.log.clear()

    def stats(self) -> dict[str, Any]:
        """Counts: requests, counted (against a rate limit), not_modified (304s), mutations (successful
        writes through the API), rate_limited, secondary_limited, faults by kind, faults_total, by_status,
        device_tokens_issued, external_edits (admin edits)."""
        with self._world.lock:
            out = self._world.stats()
            out["faults"] = dict(self._fault_counts)
            out["faults_total"] = sum(self._fault_counts.values())
            out["device_tokens_issued"] = self._world.counters["device_tokens_issued"]
            out["external_edits"] = self._world.counters["external_edits"]
            return out


def _repo(world: World, full_name: str) -> Repo:
    found = world.data.repo(full_name)
    if found is None:
        raise KeyError(f"no repository {full_name!r}")
    return found
