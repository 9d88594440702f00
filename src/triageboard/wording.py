"""Sentences for the user, made in one place from the facts that errors and notices carry.

Each front end asks for its own wording (:class:`Front`): the window says "choose Account ▸ Sign in…" and
"press F5", the CLI says "set GH_TOKEN" and "run 'triageboard sync' later". Every sentence says what
happened and what to do. Text that came from GitHub (``detail``) may be anything: the window shows it as
plain text, the CLI cleans it before it reaches a terminal.

Standard library only.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from enum import StrEnum

from . import errors as e
from . import reporting as r


class Front(StrEnum):
    WINDOW = "window"
    CLI = "cli"


def describe(
    fact: object, front: Front = Front.WINDOW, doing: r.Doing | None = None, *, now: datetime | None = None
) -> str:
    """The sentence for ``fact`` (an error or a notice) in ``front``'s words; ``doing`` gives context."""
    words = _Words(front, now)
    if isinstance(fact, r.Report):
        return describe(fact.fact, front, fact.doing or doing, now=now)
    if isinstance(fact, e.TriageboardError):
        return words.error(fact, doing)
    return words.notice(fact)


def when_text(moment: datetime, now: datetime | None = None) -> str:
    """A local time a user reads correctly: "14:05" today (seconds when within two minutes), else with its
    date ("14:05 on 3 Dec", with the year when it is not this year)."""
    local = moment.astimezone()
    current = (now or datetime.now(moment.tzinfo)).astimezone()
    if local.date() == current.date():
        return local.strftime("%H:%M:%S" if abs(local - current) < timedelta(minutes=2) else "%H:%M")
    day = f"{local.day} {local:%b}" + (f" {local.year}" if local.year != current.year else "")
    return f"{local:%H:%M} on {day}"


def age_text(seconds: float) -> str:
    """How long ago, in words: "just now", "5 minutes ago", "3 hours ago", "2 days ago"."""
    seconds = max(0.0, seconds)
    if seconds < 60:
        return "just now"
    for size, unit in ((86400 * 30.44, "month"), (86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size:
            return plural(int(seconds // size), unit) + " ago"
    return "just now"


def plural(n: int, noun: str, many: str | None = None) -> str:
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {many or noun + 's'}"


def _duration(seconds: float) -> str:
    if seconds < 120:
        return plural(max(1, round(seconds)), "second")
    if seconds < 2 * 3600:
        return plural(round(seconds / 60), "minute")
    return plural(round(seconds / 3600), "hour")


def _names(names: Sequence[str]) -> str:
    return ", ".join(names) if names else "no labels"


class _Words:
    def __init__(self, front: Front, now: datetime | None) -> None:
        self.front = front
        self.window = front is Front.WINDOW
        self.now = now

    # --- phrases that differ between front ends ------------------------------------------------------

    def sign_in(self, var: str = "GH_TOKEN") -> str:
        if self.window:
            return f"choose Account ▸ Sign in…, or set {var} and restart"
        return f"set {var} (a token allowed to write issues), or sign in once in the app (Account ▸ Sign in…)"

    def later(self, doing: r.Doing | None) -> str:
        if doing in (r.Doing.REFRESH, r.Doing.START):
            return "Press F5 to try again." if self.window else "Run the command again later."
        if doing in (r.Doing.MOVE, r.Doing.ASSIGN, r.Doing.SEND):
            return (
                "It stays queued and is sent by itself."
                if self.window
                else "It stays queued: run 'triageboard sync' later."
            )
        return "Try again later."

    def when(self, moment: datetime) -> str:
        return when_text(moment, self.now)

    # --- errors ------------------------------------------------------------------------------------------

    def error(self, err: e.TriageboardError, doing: r.Doing | None) -> str:
        if doing is r.Doing.CHECK_TOKEN and isinstance(err, e.AuthError):
            return "GitHub rejected this token (401): it is wrong, expired or revoked. Create a new one."
        text = self._error(err, doing)
        if isinstance(err, e.GitHubError) and not isinstance(err, e.AuthError):
            if doing is r.Doing.REFRESH:
                return f"Refreshing the board failed: {text}"
            if doing is r.Doing.CHECK_TOKEN:
                return f"Could not check the token: {text}"
            if doing is r.Doing.SIGN_IN:
                return f"Signed in, but the new token could not be checked: {text}"
            if doing is r.Doing.TIMELINE:
                return f"Reading how long cards have been in their columns failed: {text}"
        return text

    def _error(self, err: e.TriageboardError, doing: r.Doing | None) -> str:
        match err:
            case e.MoveError() if doing is r.Doing.ASSIGN and not isinstance(err, e.NotAssignable):
                return self.assignment_error(err)
            case e.MoveError():
                return self.move_error(err)
            case e.DomainError():
                return err.problem
            case e.ConfigError():
                return self.config_error(err)
            case e.SignInError():
                return self.sign_in_error(err)
            case e.StoreError():
                return self.store_error(err)
            case e.AuthError(had_token=False):
                return f"GitHub needs a sign-in (no token is set): {self.sign_in()}."
            case e.AuthError():
                return f"GitHub rejected the token (401 Bad credentials). Sign in again: {self.sign_in()}."
            case e.RateLimited():
                return self.rate_limited(err, doing)
            case e.TimedOut():
                return (
                    f"{err.host} did not answer in time (nothing complete within {err.seconds:g} s), so "
                    f"the request was stopped. Check your connection. {self.later(doing)}"
                )
            case e.BrokenAnswer():
                cause = f" ({err.cause})" if err.cause else ""
                return (
                    f"The connection to {err.host} broke off before the answer was complete, or carried "
                    f"something that is not valid HTTP{cause}, so the answer could not be read. Nothing was "
                    f"lost. {self.later(doing)} If it persists, check the API URL (a proxy in between?)."
                )
            case e.Offline():
                cause = f" ({err.cause})" if err.cause else ""
                return (
                    f"Cannot reach {err.host}{cause}. Check your network connection; nothing was lost. "
                    f"{self.later(doing)}"
                )
            case e.Unavailable():
                return f"GitHub is having trouble ({err.status}). Nothing was lost. {self.later(doing)}"
            case e.BadRequest():
                detail = f": {err.detail}" if err.detail else ""
                return (
                    f"GitHub could not make sense of triageboard's request to {err.path} (400{detail}); "
                    "nothing was changed. Sending it again would not help: this is a bug in triageboard, or "
                    "something in between altered the request. Please report it, with the log."
                )
            case e.LegallyBlocked():
                detail = f": {err.detail}" if err.detail else ""
                fix = (
                    "remove the repository from the board file"
                    if self.window
                    else "leave the repository out (--repo), or remove it from the board file"
                )
                return (
                    f"GitHub blocks access to {err.path} for legal reasons (451{detail}); triageboard "
                    f"cannot load or change it. To use the rest of the board, {fix}."
                )
            case e.SearchLimitReached():
                return "GitHub search returns only the first 1,000 results."
            case e.ValidationFailed():
                return f"GitHub refused the request: {err.detail or 'validation failed'}."
            case e.Gone():
                return (
                    f"GitHub says this is gone ({err.detail or 'Gone'}): {err.path}. It was deleted; refresh."
                )
            case e.NotFound():
                return (
                    f"Not found on GitHub ({err.detail or 'Not Found'}): {err.path}. Check the name, or that "
                    "your token can see this repository."
                )
            case e.Redirected():
                return (
                    "GitHub says this issue has moved (a renamed repository or a transferred issue); nothing "
                    "was changed. Refresh the board and move it again."
                )
            case e.PermissionDenied():
                return (
                    f"GitHub refused: {err.detail or 'forbidden'}. Your account needs the triage role (or a "
                    "token with the 'repo'/'public_repo' scope, or Issues: write) on this repository."
                )
            case e.BadResponse():
                return self.bad_response(err, doing)
            case e.GitHubError():
                return (
                    f"GitHub answered {err.status} unexpectedly: {err.detail or 'no details'}. "
                    f"{self.later(doing)}"
                )
        return f"Something failed ({type(err).__name__}). {self.later(doing)}"

    def rate_limited(self, err: e.RateLimited, doing: r.Doing | None) -> str:
        until = self.when(err.resume_at)
        if err.secondary:
            seconds = err.seconds_left(self.now)
            what = (
                f"GitHub asked to slow down (secondary rate limit) for {max(1, round(seconds))} s"
                if seconds < 120
                else f"GitHub asked to slow down (secondary rate limit) until {until}"
            )
        else:
            what = f"GitHub's rate limit is used up until {until}"
        if err.capped:
            what += " (it announced a longer wait than any of its limits lasts; triageboard tries again then)"
        if doing in (r.Doing.REFRESH, r.Doing.START):
            after = (
                f"Press F5 after {until} to load the issues."
                if self.window
                else f"Run it again after {until}."
            )
            return f"{what}. {after}"
        if doing in (r.Doing.MOVE, r.Doing.ASSIGN, r.Doing.SEND):
            return f"{what}. {self.later(doing)}"
        return f"{what}."

    def bad_response(self, err: e.BadResponse, doing: r.Doing | None) -> str:
        reason = e.BadResponseReason
        later = self.later(doing)
        match err.reason:
            case reason.HTML:
                return f"GitHub answered with a web page instead of data (a proxy or an outage?). {later}"
            case reason.TOO_LARGE:
                size = f"an answer of {err.what}" if err.what else "an answer"
                return f"GitHub sent {size}, far larger than any real one; it was ignored. {later}"
            case reason.UNDECODABLE:
                return (
                    f"GitHub's answer could not be read ({err.what or 'broken encoding'}); it was ignored. "
                    f"{later}"
                )
            case reason.REDIRECT_LOOP:
                return "GitHub kept redirecting the request; it was stopped. Check the API URL."
            case reason.LINK_CYCLE:
                return f"GitHub's page links go round in a circle; the listing was stopped. {later}"
            case reason.LINK_OFFSITE:
                return (
                    f"GitHub's next-page link leads outside the API, to {err.what}; it was not followed, "
                    "so the listing is incomplete. Check the API URL (a proxy in between?)."
                )
            case reason.REDIRECT_OFFSITE:
                return (
                    f"GitHub redirected the request outside the API, to {err.what}; it was not followed "
                    "(nothing was sent there). Check the API URL (a proxy in between?)."
                )
            case reason.NOT_MODIFIED:
                return (
                    "GitHub answered 304 Not Modified to a request that named no stored copy: a cache or "
                    f"proxy between triageboard and GitHub is misbehaving; the answer was ignored. {later} "
                    "If it persists, check the API URL and any proxy."
                )
            case reason.TOO_MANY_PAGES:
                return (
                    f"The listing went on past {err.what} pages, more than GitHub ever sends; it was stopped "
                    f"and the board is incomplete. {later}"
                )
            case reason.UNEXPECTED_STATUS:
                detail = f": {err.detail}" if err.detail else ""
                return f"GitHub answered {err.status} unexpectedly{detail}. {later}"
        what = f" ({err.what})" if err.what else ""
        return f"GitHub sent malformed data{what}; it was ignored. {later} If it persists, report it."

    def config_error(self, err: e.ConfigError) -> str:
        match err:
            case e.UsageError():
                return err.problem
            case e.BoardFileError():
                where = (
                    err.path
                    + (f", line {err.line}" if err.line else "")
                    + (f", key '{err.key}'" if err.key else "")
                )
                return f"{where}: {err.problem}"
            case e.InsecureURL(reason=e.InsecureURLReason.PLAIN_HTTP):
                return (
                    f"refusing plain http:// for {err.host}: the token would travel unencrypted. Use "
                    "https:// "
                    "(plain http is allowed only for 127.0.0.1/localhost)"
                )
            case e.InsecureURL(reason=e.InsecureURLReason.CREDENTIALS_OR_QUERY):
                return f"{err.url!r} must not carry credentials, a query or a fragment"
            case e.InsecureURL():
                return f"{err.url!r} is not an API URL; use https://api.github.com or https://HOST/api/v3"
            case e.SettingsError():
                return f"{err.path}: {err.problem}"
            case e.MalformedToken():
                where = "the keyring" if err.source == "keyring" else err.source
                fix = (
                    "Sign in again (Account ▸ Sign in…) to replace it."
                    if self.window and err.source in ("keyring", "pasted token")
                    else f"Replace it: {self.sign_in(err.source if err.source.isupper() else 'GH_TOKEN')}."
                )
                why = (
                    f"it is {err.length:,} characters long, far longer than any GitHub token"
                    if err.problem is e.TokenProblem.TOO_LONG
                    else "it contains spaces, line breaks or characters outside ASCII"
                )
                return (
                    f"The token from {where} is malformed ({why}, so it cannot be sent); it was not used. "
                    f"{fix}"
                )
        return f"The configuration cannot work ({type(err).__name__})."

    def sign_in_error(self, err: e.SignInError) -> str:
        match err:
            case e.KeyringUnavailable():
                return self.keyring(err)
            case e.DeviceFlowError():
                return self.device_flow(err)
            case e.GhImportError():
                return self.gh_import(err)
        return "Signing in failed. Try again."

    def keyring(self, err: e.KeyringUnavailable) -> str:
        fix = (
            "Install or unlock a Secret Service such as gnome-keyring or KWallet (on macOS and Windows the "
            "system keychain is used), or set GH_TOKEN instead."
        )
        reason = e.KeyringReason
        match err.reason:
            case reason.LOCKED:
                return "The keyring is locked. Unlock it and try again, or set GH_TOKEN."
            case reason.TIMEOUT:
                return (
                    f"The keyring did not answer within {err.seconds:g} s (is it waiting for an unlock "
                    f"prompt?). {fix}"
                )
            case reason.PLAINTEXT:
                return (
                    f"Cannot {err.doing} the keyring: the only keyring found stores secrets in a file "
                    f"({err.detail}); triageboard never writes a token to disk outside a real OS keyring. "
                    "Uninstall keyrings.alt or set PYTHON_KEYRING_BACKEND to a real keyring. " + fix
                )
            case reason.NO_BACKEND:
                return (
                    f"Cannot {err.doing} the keyring: no keyring backend is available (no Secret Service on "
                    f"the session bus?). {fix}"
                )
        return f"Cannot {err.doing} the keyring ({err.detail}). {fix}"

    def device_flow(self, err: e.DeviceFlowError) -> str:
        texts = {
            "access_denied": "Sign-in was cancelled in the browser. Start again to retry.",
            "expired_token": "The code expired before it was approved. Start again for a new code.",
            "token_expired": "The code expired before it was approved. Start again for a new code.",
            "device_flow_disabled": (
                "The OAuth app does not allow the device flow (enable it in the app's settings), or paste a "
                "token."
            ),
            "incorrect_device_code": "GitHub did not recognise the device code. Start again.",
            "incorrect_client_credentials": (
                "GitHub does not know the configured OAuth client id. Check the setting, or paste a token."
            ),
            "unsupported_grant_type": "GitHub refused the sign-in request. Paste a token instead.",
            "unreachable": f"Cannot reach {err.host}. Check your connection and try again.",
            "no-device-flow": f"{err.host} offers no device flow sign-in (404). Paste a token instead.",
            "bad-answer": (
                f"GitHub answered the sign-in request with {err.status} and no usable data. Try again later, "
                "or paste a token."
            ),
            "incomplete": "GitHub's answer to the sign-in request was incomplete. Try again.",
            "refused": (
                f"GitHub refused the sign-in request ({err.status}). Check the OAuth client id, or paste a "
                "token."
            ),
            "bad-address": "GitHub sent an unexpected sign-in address. Paste a token instead.",
            "nonsense": "GitHub's answer while waiting for approval made no sense. Try again.",
        }
        return texts.get(
            err.code, f"GitHub refused the sign-in ({err.code[:60]}). Try again, or paste a token."
        )

    def gh_import(self, err: e.GhImportError) -> str:
        reason = e.GhReason
        match err.reason:
            case reason.NOT_INSTALLED:
                hint = (
                    f" (the keyring could not be read either: {self.keyring(err.keyring)})"
                    if err.keyring
                    else ""
                )
                return (
                    f"The gh CLI is not installed and its keyring holds no token for {err.host}{hint}. "
                    "Sign in with the device flow or paste a token instead."
                )
            case reason.TIMEOUT:
                return "gh did not answer in time. Sign in another way."
            case reason.CANNOT_RUN:
                return "Could not run gh. Sign in another way."
        return (
            f"gh has no token for {err.host}. Run 'gh auth login --hostname {err.host}' first, or sign in "
            "here."
        )

    def store_error(self, err: e.StoreError) -> str:
        reason = e.StoreReason
        what = {"outbox": "the outbox of pending moves"}.get(err.what, f"the {err.what}")
        kept = " Pending moves are kept there." if err.what == "outbox" else ""
        unsent = ""
        if err.what == "outbox" and err.doing == "save":
            unsent = " The move was not sent."
        elif err.what == "outbox" and err.doing == "update":
            unsent = (
                " What GitHub already has is confirmed again once the disk works; nothing is sent twice."
                if self.window
                else " Once the disk works, run 'triageboard sync': it checks what GitHub already has and "
                "sends nothing twice."
            )
        match err.reason:
            case reason.NEWER:
                return (
                    f"{what.capitalize()} was written by a newer triageboard; update triageboard to use it."
                )
            case reason.BUSY:
                return (
                    f"Could not {err.doing} {what} at {err.path}: another program is using it (another "
                    f"triageboard window, or 'triageboard sync'); try again in a moment.{unsent}{kept}"
                )
            case reason.DAMAGED_BEYOND_REPAIR:
                return (
                    f"{what.capitalize()} at {err.path} is damaged and could not be replaced ({err.detail}). "
                    "Move the file away by hand and start again."
                )
        return (
            f"Could not {err.doing} {what} at {err.path} ({err.detail}).{unsent}{kept} Check that the disk "
            "holding it is not full and is writable."
        )

    def assignment_error(self, err: e.MoveError) -> str:
        """An assignment (``err.target``: "assign @login" or "unassign @login") that failed for good."""
        match err:
            case e.CannotLabel(missing=True):
                return (
                    f"The repository {err.repo} was not found, or your token cannot see it; "
                    f"nothing was sent ({err.target} on {err.issue or 'the issue'})."
                )
            case e.CannotLabel() if not err.issue:  # asked before anything is tried (a menu's tooltip)
                detail = f" GitHub said: {err.detail}" if err.detail else ""
                return (
                    f"You cannot change assignees in {err.repo}: that needs the triage role (or write "
                    f"access) there, or a token allowed to write issues.{detail}"
                )
            case e.CannotLabel():
                detail = f" GitHub said: {err.detail}" if err.detail else ""
                return (
                    f"Could not {err.target} on {err.issue or 'the issue'}: you cannot change assignees in "
                    f"{err.repo}; that needs the triage role (or write access) there, or a token allowed to "
                    f"write issues.{detail}"
                )
            case e.IssueGone(deleted=True):
                return f"{err.issue} was deleted on GitHub; the change ({err.target}) was dropped."
            case e.IssueGone():
                return (
                    f"{err.issue} was not found on GitHub (deleted, transferred, or not visible to your "
                    f"token); the change ({err.target}) was dropped."
                )
            case e.NotApplied():
                return (
                    f"GitHub did not apply {err.target} to {err.issue}. Refresh to see who is assigned, then "
                    "try again."
                )
        return f"Could not {err.target} on {err.issue}."

    def move_error(self, err: e.MoveError) -> str:
        match err:
            case e.MissingLabel():
                return (
                    f"The label '{err.label}' does not exist in {err.repo}; create it there or fix the board "
                    f"file. Moves into {err.target} are refused until then (GitHub would silently create a "
                    "new, misspelled label)."
                )
            case e.CannotLabel(missing=True):
                return (
                    f"The repository {err.repo} was not found, or your token cannot see it; "
                    f"{err.issue or 'the change'} was not sent."
                )
            case e.CannotLabel():
                detail = f" GitHub said: {err.detail}" if err.detail else ""
                what = f"{err.issue} was not moved to {err.target}: you" if err.issue else "You"
                return (
                    f"{what} cannot change labels in {err.repo}: that needs the triage role (or write "
                    f"access) there, or a token allowed to write issues.{detail}"
                )
            case e.IssueGone(deleted=True):
                return f"{err.issue} was deleted on GitHub; the move to {err.target} was dropped."
            case e.IssueGone():
                return (
                    f"{err.issue} was not found on GitHub (deleted, transferred, or not visible to your "
                    "token); "
                    f"the move to {err.target} was dropped."
                )
            case e.NotAssignable():
                now = ", ".join(f"@{a}" for a in err.assignees) or "nobody"
                return (
                    f"GitHub did not assign @{err.login} to {err.issue}: only people with access to the "
                    f"repository can be assigned, and an issue takes at most ten. It is assigned to {now}."
                )
            case e.NotApplied():
                return (
                    f"GitHub did not apply the move of {err.issue} to {err.target} (it now has "
                    f"{_names(err.labels)}). Check that you may label issues there, then move the card again."
                )
            case e.UnreadableRecord():
                if err.issue:
                    to = f" ({err.target})" if err.what == "assignment" and err.target else ""
                    to = f" to {err.target}" if err.what == "move" and err.target else to
                    which = f"the {err.what} of {err.issue}{to}"
                else:
                    which = f"a {err.what}"
                detail = f" ({err.detail})" if err.detail else ""
                return (
                    f"The outbox's record of {which} is damaged and could not be read{detail}; nothing was "
                    "sent for it. It was set aside (kept in the outbox file, table damaged_rows). Make the "
                    "change again if you still want it."
                )
            case e.CannotComment():
                detail = f" GitHub said: {err.detail}" if err.detail else ""
                return (
                    f"{err.issue} was not moved to {err.target}: GitHub refused the comment that asks "
                    f"{err.repo}'s bot to do it (is the conversation locked?).{detail}"
                )
            case e.BotRefused(said=str() as said) if said:
                return (
                    f"@{err.bot} refused the change ({err.target}) on {err.issue}, so nothing changed. It "
                    f"answered: “{said}”. Ask someone with the triage role in {err.repo}."
                )
            case e.BotRefused():
                labels = ", ".join(err.labels) or "these labels"
                return (
                    f"{err.issue} cannot go to {err.target}: you cannot change labels in {err.repo}, and its "
                    f"@{err.bot} lets only members set or remove {labels}. Ask someone with the triage role "
                    "there; nothing was posted."
                )
            case e.BotSilent():
                return (
                    f"@{err.bot} had not acted on the request ({err.target}) for {err.issue} after "
                    f"{_duration(err.seconds)}; the card went back to what GitHub shows. The comment stays "
                    "on the issue, and the bot may still act on it (refresh later to see)."
                )
            case e.AwaitingBot():
                return (
                    f"{err.issue} waits for @{err.bot} to act on an earlier request for it, so it was not "
                    f"moved ({err.target}); try again once the bot has acted (it usually takes a moment)."
                )
            case e.HalfApplied():
                final = getattr(err, "final", True)  # a record from before 'final' existed was final
                both = "both " if len(err.columns) == 2 else ""
                names = ", ".join(err.columns[:-1]) + f" and {err.columns[-1]}" if err.columns else ""
                conflict = (
                    f"it is now in {both}{names} at once"
                    + (" (a conflict: move it once more to settle it)" if final else "")
                    if len(err.columns) > 1
                    else f"it is now in {err.columns[0] if err.columns else 'no column'}"
                )
                if not final:
                    again = (
                        f" The rest is sent again: {self._error(err.cause, r.Doing.MOVE)}"
                        if err.cause
                        else ""
                    )
                    return (
                        f"The move of {err.issue} to {err.target} is half done so far: GitHub has "
                        f"{_names(err.labels)}, so {conflict}.{again}"
                    )
                why = (
                    f" The rest failed for good: {self._error(err.cause, r.Doing.MOVE)}" if err.cause else ""
                )
                return (
                    f"The move of {err.issue} to {err.target} was only half done: GitHub has "
                    f"{_names(err.labels)}, so {conflict}.{why}"
                )
        return f"The move of {err.issue} to {err.target} failed."

    # --- notices -------------------------------------------------------------------------------------

    def notice(self, fact: object) -> str:
        match fact:
            case r.StoreRecovered(recovered=None):
                return (
                    f"The {fact.what} was damaged; it was moved to {fact.aside} and a fresh one was started."
                )
            case r.StoreRecovered():
                return (
                    f"The {fact.what} was damaged; it was moved to {fact.aside} and a fresh one was started. "
                    f"{plural(fact.recovered or 0, 'record')} could be recovered from it."
                )
            case r.ChangedMeanwhile():
                changes = " ".join([f"+{n}" for n in fact.added] + [f"-{n}" for n in fact.removed])
                return (
                    f"{fact.issue} was changed on GitHub by someone else meanwhile ({changes}); your move to "
                    f"{fact.target} was applied on top of their change and kept their labels."
                )
            case r.SearchTruncated():
                return (
                    f"GitHub search returns at most 1,000 results per query, and even split by creation "
                    f"date only {fact.shown:,} of {fact.total:,} issues could be loaded, so the board is "
                    "incomplete. Narrow the query, or list the repositories with --repo."
                )
            case r.ShowingSaved():
                return self.showing_saved(fact)
            case r.OfflineSince():
                return self.offline_since(fact)
            case r.SearchIncomplete():
                return "GitHub marked the search result incomplete (it timed out); refresh to try again."
            case r.NotSignedIn():
                if self.window:
                    return (
                        f"Not signed in to {fact.host}. Choose Account ▸ Sign in… to sign in through the "
                        f"browser or with a token, or set {fact.env_var} and restart."
                    )
                keyring = (
                    f", and the keyring cannot be read ({describe(fact.keyring, self.front, now=self.now)})"
                    if fact.keyring is not None
                    else ""
                )
                return (
                    f"No GitHub token for {fact.host}: {fact.env_var} is not set{keyring}. "
                    f"{self.sign_in(fact.env_var).capitalize()}."
                )
            case r.TokenRejected():
                where = (
                    "the keyring" if fact.source == "keyring" else f"the {fact.source} environment variable"
                )
                also = f", or set a valid {fact.source}" if fact.source != "keyring" else ""
                return (
                    f"GitHub rejected the token from {where} (expired or revoked). Sign in again (Account ▸ "
                    f"Sign in…){also}."
                )
            case r.UserUnknown():
                cause = describe(fact.cause, self.front, now=self.now)
                return f"Could not check who is signed in: {cause}"
            case r.SignedOut(env_var=str() as var):
                return (
                    f"Signed out. {var} is still set in the environment and will be used at the next start; "
                    "unset it to stay signed out."
                )
            case r.SignedOut(removed=True):
                return (
                    "Signed out; the token was removed from the keyring. Choose Account ▸ Sign in… to sign "
                    "in again."
                )
            case r.SignedOut():
                return (
                    "Signed out (no token was stored in the keyring). Choose Account ▸ Sign in… to sign in "
                    "again."
                )
            case r.SessionOnly():
                cause = describe(fact.cause, self.front, now=self.now)
                return f"Signed in as {fact.login} for this session only; the token was not saved. {cause}"
            case r.TokenLimits():
                return self.token_limits(fact)
            case r.NoClientId(problem=Exception() as problem):
                return f"{describe(problem, self.front, now=self.now)} Meanwhile, paste a token instead."
            case r.NoClientId():
                return (
                    f"Signing in through the browser needs an OAuth app client id for {fact.host}, and none "
                    "is "
                    f"configured. Set {fact.env_var}, or add it under [client_id] in {fact.setting}. You can "
                    "paste a personal access token instead."
                )
            case r.NotOnBoard():
                return f"{fact.issue} is no longer on the board (refresh to see why); nothing was sent."
            case r.NothingSelected():
                return f"Select a card first (click it), then press {fact.keys}."
            case r.NoMeeting():
                how = (
                    "Start one with Board ▸ Triage meeting (Ctrl+M)."
                    if self.window
                    else "Hold one in the window first (Board ▸ Triage meeting, Ctrl+M)."
                )
                return (
                    f"No triage meeting of the board {fact.board} by {fact.account} is in the journal yet. "
                    + how
                )
            case r.MinutesOffline():
                return (
                    f"Cannot reach {fact.host}, so who is signed in cannot be checked: these are the minutes "
                    f"of the last meeting by {fact.account} (the last account seen there)."
                )
            case r.AccountUnknown():
                return "Who is signed in is not known yet: sign in, or wait until the board has loaded (F5)."
            case r.MeetingNotReady(reason=r.MeetingWait.LOADING):
                return "The triage meeting needs the board: wait until it has loaded (F5 loads it again)."
            case r.MeetingNotReady(reason=r.MeetingWait.ACCOUNT):
                return (
                    "The triage meeting is kept per account: wait until the board knows who is signed in "
                    "(sign in, or press F5)."
                )
            case r.MeetingNotReady():
                return (
                    "The triage meeting cannot be kept: the meeting journal is unavailable (the message "
                    "about it says why). Moves and assignments still work."
                )
            case r.MeetingNotResumed():
                cause = describe(fact.cause, self.front, now=self.now)
                return (
                    f"The open triage meeting could not be resumed from the journal ({cause}). It is kept "
                    "for the record, and a new meeting was started on the board as it stands."
                )
            case r.MinutesNotSaved():
                return f"The minutes could not be saved to {fact.path} ({fact.detail}). Choose another place."
            case r.SenderRestarting():
                return (
                    "Sending moves stopped after an unexpected error (details in the log); it restarts in a "
                    "few "
                    "seconds and nothing was lost."
                )
            case r.Crash():
                where = f" Details are in {fact.log_path}." if fact.log_path else ""
                return (
                    f"Something went wrong inside triageboard ({fact.summary}).{where} Your moves are kept "
                    "in "
                    "the outbox; if the window misbehaves, restart it, and please report the problem with "
                    "the log."
                )
            case r.Waiting():
                return self.waiting(fact)
            case r.ViaBot():
                return (
                    f"You cannot change labels in {fact.repo}, so {fact.issue} → {fact.target} is asked of "
                    f"its bot with the comment “{fact.comment}”; it shows once the bot has acted."
                )
            case r.CardChanged():
                return self.card_changed(fact)
            case r.StillSending():
                return f"{fact.issue} has a change on its way to GitHub: {fact.what} once it has settled."
            case r.TimelinesCapped():
                again = (
                    "They are read as the cards are shown."
                    if self.window
                    else "Run it again to read more (timelines already read cost nothing)."
                )
                return (
                    f"Time in a column is known for {fact.known:,} of {plural(fact.total, 'card')}: reading "
                    f"timelines stopped after {plural(fact.cap, 'request')}. {again}"
                )
        return str(fact)

    def card_changed(self, fact: r.CardChanged) -> str:
        title = fact.title if len(fact.title) <= 80 else fact.title[:79] + "…"
        card = f"{fact.issue} “{title}”" if title else fact.issue
        match fact.change:
            case r.Change.MOVED:
                return f"Moved {card} to {fact.column}."
            case r.Change.LABELLED:
                return f"Labels of {card}: {' '.join(fact.labels)}."
            case r.Change.VIA_BOT:
                return f"Asked @rustbot to move {card} to {fact.column}; it shows once the bot has acted."
            case r.Change.UNDONE:
                return f"Undone: {card} goes back to {fact.column}."
            case r.Change.REDONE:
                return f"Redone: {card} goes to {fact.column}."
        why = f": {describe(fact.reason, self.front, r.Doing.MOVE)}" if fact.reason is not None else "."
        if fact.labels:
            return f"Changing the labels of {card} ({' '.join(fact.labels)}) failed{why}"
        return f"Moving {card} to {fact.column} failed{why}"

    def saved(self, saved_at: datetime, now: datetime) -> str:
        return f"{self.when(saved_at)} ({age_text((now - saved_at).total_seconds())})"

    def showing_saved(self, fact: r.ShowingSaved) -> str:
        when = self.saved(fact.saved_at, fact.now)
        if not self.window:
            return f"this is the board saved at {when}; GitHub could not be asked for changes."
        if fact.checking:
            return f"Showing the board as it was at {when}; checking GitHub for changes…"
        return f"Showing the board as it was at {when}."

    def offline_since(self, fact: r.OfflineSince) -> str:
        cause = ""
        if isinstance(fact.cause, e.Offline) and fact.cause.cause:
            cause = f" ({fact.cause.cause})"
        elif isinstance(fact.cause, e.TimedOut):
            cause = " (no answer in time)"
        now = self.now or fact.since
        shown = (
            f"The board shows what was loaded at {self.saved(fact.saved_at, now)}"
            if fact.saved_at is not None
            else "Nothing could be loaded yet"
        )
        if not self.window:
            return f"offline since {self.when(fact.since)}: cannot reach {fact.host}{cause}. {shown}."
        retry = f" Trying again by itself at {self.when(fact.retry_at)}." if fact.retry_at else ""
        return (
            f"Offline since {self.when(fact.since)}: cannot reach {fact.host}{cause}. {shown}; filters and "
            f"details work, and moves are kept and sent when GitHub can be reached again.{retry} Press F5 "
            "to try now."
        )

    def token_limits(self, fact: r.TokenLimits) -> str:
        parts = []
        if fact.scope_missing:
            scopes = "scopes: " + ", ".join(fact.scopes) if fact.scopes else "no scopes"
            parts.append(
                f"This token ({scopes}) cannot change labels: a classic token needs the 'public_repo' scope "
                "(public repositories) or 'repo' (private ones). Create a new token with it, or sign in with "
                "the device flow."
            )
        if fact.cannot_label:
            parts.append(
                f"{fact.login} cannot label issues in {', '.join(fact.cannot_label)}: labelling needs the "
                "triage "
                "role (or higher) there, and a fine-grained token needs 'Issues: read and write'. The board "
                "will "
                "be read-only."
            )
        return " ".join(parts)

    def waiting(self, fact: r.Waiting) -> str:
        if fact.count == 0:
            return ""
        moves = plural(fact.count, "move")
        if fact.needs_sign_in:
            how = "sign in to GitHub again" if self.window else "sign in again (or fix GH_TOKEN)"
            return f"{moves} waiting: {how} to send them."
        text = f"{moves} waiting" + (f" until {self.when(fact.until)}" if fact.until is not None else "")
        if isinstance(fact.reason, e.TriageboardError):
            text += f": {self._error(fact.reason, None)}"
        return text
