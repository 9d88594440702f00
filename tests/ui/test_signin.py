"""The sign-in dialog end to end against the sandbox's device flow and REST API (offscreen, pytest-qt)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import keyring.backends.fail
import pytest
from fakeclock import FakeClock
from keyring.backend import KeyringBackend
from keyring_doubles import MemoryKeyring
from PySide6.QtCore import QUrl
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialog, QLabel
from pytestqt.qtbot import QtBot
from reports import Reports
from sandboxkit import DEFAULT_LOGIN, Sandbox

from triageboard.auth import Credentials, KeyringStore
from triageboard.clock import Clock, ScaledClock
from triageboard.reporting import Reporter
from triageboard.services.auth_service import AuthService
from triageboard.tasks import TaskScope
from triageboard.ui.signin import SignInDialog, open_gh_import

REPOS = ("rust-lang/rust", "rust-lang/wg-async")
POLL = "/login/oauth/access_token"


@pytest.fixture
def sandbox_fast() -> Iterator[Sandbox]:
    """A sandbox on a clock ten times fast, as the rigs' clients: the device flow's 5 s polls take 0.5 s."""
    with Sandbox(token="tb-test-token", seed=1, clock=ScaledClock(0.1)) as server:
        yield server


@pytest.fixture
def http(qloop: asyncio.AbstractEventLoop, qtbot: QtBot) -> Iterator[httpx.AsyncClient]:
    client = httpx.AsyncClient()
    yield client
    closing = asyncio.ensure_future(client.aclose())
    qtbot.waitUntil(closing.done, timeout=5000)


@dataclass
class Rig:
    sandbox: Sandbox
    keyring: MemoryKeyring
    credentials: Credentials
    service: AuthService
    dialog: SignInDialog
    opened: list[QUrl]
    reports: Reports
    scope: TaskScope

    @property
    def errors(self) -> list[str]:
        return self.reports.errors

    @property
    def notices(self) -> list[str]:
        return self.reports.notices

    def polls(self) -> int:
        return sum(1 for r in self.sandbox.request_log if r.path == POLL)


def make_rig(
    qtbot: QtBot,
    sandbox: Sandbox,
    http: httpx.AsyncClient,
    *,
    client_id: str | None = "sandbox",
    clock: Clock | None = None,
    backend: KeyringBackend | None = None,
    gh: str | None = None,
) -> Rig:
    memory = MemoryKeyring()
    credentials = Credentials(sandbox.api_url, store=KeyringStore(backend or memory), environ={})
    reporter, reports, scope = Reporter(), Reports(), TaskScope()
    reporter.connect(reports)
    service = AuthService(
        credentials,
        http,
        reporter,
        scope,
        repos=REPOS,
        client_id=sandbox.device_flow_client_id if client_id == "sandbox" else client_id,
        clock=clock or ScaledClock(0.1),
        gh=gh,
    )
    opened: list[QUrl] = []
    dialog = SignInDialog(service, open_url=opened.append)
    qtbot.addWidget(dialog)
    dialog.show()
    return Rig(sandbox, memory, credentials, service, dialog, opened, reports, scope)


def start_and_get_code(qtbot: QtBot, rig: Rig) -> str:
    assert rig.dialog.start_button.isEnabled()
    rig.dialog.start_button.click()
    qtbot.waitUntil(lambda: rig.dialog.code_box.isVisible(), timeout=5000)
    code = rig.dialog.user_code.text()
    assert code in rig.sandbox.pending_device_codes()
    assert rig.dialog.cancel_button.isVisible()
    return code


def test_device_flow_pending_then_approved(
    qtbot: QtBot, sandbox_fast: Sandbox, http: httpx.AsyncClient
) -> None:
    rig = make_rig(qtbot, sandbox_fast, http)
    code = start_and_get_code(qtbot, rig)
    assert rig.dialog.user_code.font().pointSize() >= 20

    rig.dialog.copy_button.click()
    clipboard = QGuiApplication.clipboard()
    assert clipboard is not None
    assert clipboard.text() == code
    rig.dialog.open_button.click()
    assert rig.opened == [QUrl(f"{sandbox_fast.web_url}/login/device")]

    qtbot.waitUntil(lambda: rig.polls() >= 2, timeout=5000)  # authorization_pending, twice
    assert rig.credentials.token() is None
    with qtbot.waitSignal(rig.service.signed_in, timeout=5000) as signed:
        sandbox_fast.approve_device(code)
    assert signed.args == ["ferris"]
    assert rig.dialog.result() == QDialog.DialogCode.Accepted
    token = rig.credentials.token()
    assert token is not None
    assert token.startswith("gho_sandbox")
    assert rig.keyring.entries == {(f"triageboard:127.0.0.1:{sandbox_fast.port}", "token"): token}
    assert rig.service.login == "ferris"
    assert rig.errors == []


def test_device_flow_slow_down_is_obeyed(
    qtbot: QtBot, http: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    """GitHub under load wants polls further apart than it said: the client is told to slow down, polls 5 s
    later from then on, and signs in. Client and sandbox share a fake clock: the gaps are exact, however
    busy the machine."""
    clock = FakeClock()
    with Sandbox(token="tb-test-token", seed=1, clock=clock, auto_approve_after_polls=1) as slow:
        slow.demand_slower_polls(8)  # 8 s between polls, while the code says 5
        rig = make_rig(qtbot, slow, http, clock=clock)
        with (
            caplog.at_level(logging.DEBUG, logger="triageboard.auth.device_flow"),
            qtbot.waitSignal(rig.service.signed_in, timeout=10000),
        ):
            rig.dialog.start_button.click()
        assert "slow_down, polling every 10 s" in caplog.text
        assert rig.polls() == 3  # pending, slow_down, approved
        assert rig.credentials.token() is not None
        assert rig.dialog.result() == QDialog.DialogCode.Accepted


@pytest.mark.parametrize(
    ("end", "words"),
    [("deny", "cancelled in the browser"), ("expire", "expired")],
)
def test_device_flow_denied_or_expired(
    qtbot: QtBot, sandbox_fast: Sandbox, http: httpx.AsyncClient, end: str, words: str
) -> None:
    rig = make_rig(qtbot, sandbox_fast, http)
    code = start_and_get_code(qtbot, rig)
    with qtbot.waitSignal(rig.service.device_flow_failed, timeout=5000):
        (sandbox_fast.deny_device if end == "deny" else sandbox_fast.expire_device)(code)
    assert words in rig.dialog.browser_status.text()
    assert not rig.dialog.code_box.isVisible()
    assert not rig.dialog.cancel_button.isVisible()
    assert rig.dialog.start_button.isEnabled()
    assert rig.dialog.start_button.text() == "Get a new code"
    assert rig.dialog.isVisible()
    assert rig.credentials.token() is None
    assert rig.keyring.entries == {}


def test_device_flow_disabled_for_the_app(
    qtbot: QtBot, sandbox_fast: Sandbox, http: httpx.AsyncClient
) -> None:
    rig = make_rig(qtbot, sandbox_fast, http, client_id=sandbox_fast.disabled_device_flow_client_id)
    with qtbot.waitSignal(rig.service.device_flow_failed, timeout=5000):
        rig.dialog.start_button.click()
    assert "does not allow the device flow" in rig.dialog.browser_status.text()
    assert rig.dialog.start_button.isEnabled()


def test_no_client_id_offers_the_token_way(
    qtbot: QtBot, sandbox_fast: Sandbox, http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TRIAGEBOARD_OAUTH_CLIENT_ID", raising=False)
    rig = make_rig(qtbot, sandbox_fast, http, client_id=None)
    assert not rig.service.device_flow_available
    assert rig.dialog.tabs.currentIndex() == 1  # the token way is shown first
    rig.dialog.tabs.setCurrentIndex(0)
    assert not rig.dialog.start_button.isEnabled()
    assert rig.dialog.no_client_id.isVisible()
    assert "TRIAGEBOARD_OAUTH_CLIENT_ID" in rig.dialog.no_client_id.text()
    assert "paste a personal access token" in rig.dialog.no_client_id.text()
    rig.dialog.use_token_instead.click()
    assert rig.dialog.tabs.currentIndex() == 1


def test_cancel_stops_polling(qtbot: QtBot, sandbox_fast: Sandbox, http: httpx.AsyncClient) -> None:
    rig = make_rig(qtbot, sandbox_fast, http)
    code = start_and_get_code(qtbot, rig)
    qtbot.waitUntil(lambda: rig.polls() >= 1, timeout=5000)
    rig.dialog.cancel_button.click()
    qtbot.waitUntil(lambda: rig.scope.running == 0, timeout=5000)
    polls = rig.polls()
    sandbox_fast.approve_device(code)
    qtbot.wait(400)  # four poll intervals: a live flow would have polled and signed in by now
    assert rig.polls() == polls
    assert rig.credentials.token() is None
    assert "Cancelled" in rig.dialog.browser_status.text()
    assert rig.dialog.start_button.isEnabled()


def test_closing_the_dialog_cancels_the_flow(
    qtbot: QtBot, sandbox_fast: Sandbox, http: httpx.AsyncClient
) -> None:
    rig = make_rig(qtbot, sandbox_fast, http)
    start_and_get_code(qtbot, rig)
    rig.dialog.reject()
    qtbot.waitUntil(lambda: rig.scope.running == 0, timeout=5000)
    assert rig.credentials.token() is None


# --- pasting a token --------------------------------------------------------------------------------


def paste_and_check(qtbot: QtBot, rig: Rig, token: str) -> None:
    rig.dialog.tabs.setCurrentIndex(1)
    qtbot.keyClicks(rig.dialog.token_edit, token)
    rig.dialog.check_button.click()
    assert not rig.dialog.check_button.isEnabled()  # busy until GitHub answers
    qtbot.waitUntil(rig.dialog.check_button.isEnabled, timeout=5000)


def test_pasted_token_is_checked_then_stored(
    qtbot: QtBot, sandbox_fast: Sandbox, http: httpx.AsyncClient
) -> None:
    rig = make_rig(qtbot, sandbox_fast, http)
    paste_and_check(qtbot, rig, sandbox_fast.token)
    assert rig.dialog.token_result.text() == f"Valid token for {DEFAULT_LOGIN} (public_repo, read:org)."
    assert not rig.dialog.token_warning.isVisible()
    assert rig.credentials.token() is None  # checked, not yet used
    assert rig.keyring.entries == {}
    with qtbot.waitSignal(rig.service.signed_in, timeout=5000):
        rig.dialog.use_button.click()
    assert rig.credentials.token() == sandbox_fast.token
    assert list(rig.keyring.entries.values()) == [sandbox_fast.token]
    assert rig.dialog.result() == QDialog.DialogCode.Accepted
    assert rig.dialog.token_edit.text() == ""


@pytest.mark.logs("TokenLimits")
def test_read_only_token_warns_before_use(
    qtbot: QtBot, sandbox_fast: Sandbox, http: httpx.AsyncClient
) -> None:
    sandbox_fast.add_token("tb-read-only-token", login="reader", scopes=("read:org",), permission="read")
    rig = make_rig(qtbot, sandbox_fast, http)
    paste_and_check(qtbot, rig, "tb-read-only-token")
    assert "Valid token for reader (read:org)" in rig.dialog.token_result.text()
    assert rig.dialog.token_warning.isVisible()
    warning = rig.dialog.token_warning.text()
    assert "public_repo" in warning
    assert "rust-lang/rust" in warning
    assert rig.dialog.use_button.text() == "Sign in anyway (read-only)"
    with qtbot.waitSignal(rig.service.signed_in, timeout=5000):
        rig.dialog.use_button.click()
    assert any("cannot label" in n for n in rig.notices)


def test_fine_grained_token_without_issues_write_warns(
    qtbot: QtBot, sandbox_fast: Sandbox, http: httpx.AsyncClient
) -> None:
    sandbox_fast.add_token("tb-fine-grained-ro", login="reader", permission="read", fine_grained=True)
    rig = make_rig(qtbot, sandbox_fast, http)
    paste_and_check(qtbot, rig, "tb-fine-grained-ro")
    assert "fine-grained" in rig.dialog.token_result.text()
    assert "Issues: read and write" in rig.dialog.token_warning.text()


def test_rejected_token(qtbot: QtBot, sandbox_fast: Sandbox, http: httpx.AsyncClient) -> None:
    rig = make_rig(qtbot, sandbox_fast, http)
    paste_and_check(qtbot, rig, "ghp_" + "x" * 36)
    assert "rejected" in rig.dialog.token_result.text()
    assert not rig.dialog.use_button.isEnabled()
    assert rig.credentials.token() is None


def test_editing_after_a_check_needs_a_new_check(
    qtbot: QtBot, sandbox_fast: Sandbox, http: httpx.AsyncClient
) -> None:
    rig = make_rig(qtbot, sandbox_fast, http)
    paste_and_check(qtbot, rig, sandbox_fast.token)
    assert rig.dialog.use_button.isEnabled()
    qtbot.keyClicks(rig.dialog.token_edit, "x")
    assert not rig.dialog.use_button.isEnabled()


@pytest.mark.logs("SessionOnly")
def test_without_a_keyring_the_token_lasts_the_session(
    qtbot: QtBot, sandbox_fast: Sandbox, http: httpx.AsyncClient
) -> None:
    rig = make_rig(qtbot, sandbox_fast, http, backend=keyring.backends.fail.Keyring())
    paste_and_check(qtbot, rig, sandbox_fast.token)
    with qtbot.waitSignal(rig.service.signed_in, timeout=5000):
        rig.dialog.use_button.click()
    assert rig.credentials.token() == sandbox_fast.token
    assert len(rig.errors) == 1
    assert "for this session only" in rig.errors[0]
    assert "Secret Service" in rig.errors[0]
    assert sandbox_fast.token not in rig.errors[0]


# --- the service around the dialog: start, switch account, sign out -------------------------------------


def test_start_sign_in_again_as_someone_else_then_sign_out(
    qtbot: QtBot, sandbox_fast: Sandbox, http: httpx.AsyncClient
) -> None:
    rig = make_rig(qtbot, sandbox_fast, http)
    host = f"triageboard:127.0.0.1:{sandbox_fast.port}"
    rig.keyring.entries[(host, "token")] = sandbox_fast.token
    users: list[str] = []
    rig.service.user_changed.connect(users.append)
    with qtbot.waitSignal(rig.service.user_changed, timeout=5000):
        rig.service.start()
    assert users == [DEFAULT_LOGIN]
    assert rig.credentials.origin == "keyring"

    sandbox_fast.add_token("tb-second-account", login="octocat", permission="triage")
    getter = rig.credentials.token  # what the GitHub client holds
    paste_and_check(qtbot, rig, "tb-second-account")
    with qtbot.waitSignal(rig.service.signed_in, timeout=5000):
        rig.dialog.use_button.click()
    assert users[-1] == "octocat"
    assert getter() == "tb-second-account"
    assert rig.keyring.entries == {(host, "token"): "tb-second-account"}

    with qtbot.waitSignal(rig.service.user_changed, timeout=5000) as changed:
        rig.service.sign_out()
    assert changed.args == [""]
    assert getter() is None
    assert rig.keyring.entries == {}


@pytest.mark.logs("TokenRejected")
def test_start_with_a_revoked_token(qtbot: QtBot, sandbox_fast: Sandbox, http: httpx.AsyncClient) -> None:
    rig = make_rig(qtbot, sandbox_fast, http)
    rig.keyring.entries[(f"triageboard:127.0.0.1:{sandbox_fast.port}", "token")] = "tb-revoked"
    with qtbot.waitSignal(rig.service.sign_in_needed, timeout=5000):
        rig.service.start()
    assert "rejected the token from the keyring" in rig.errors[0]
    assert rig.credentials.token() is None


def test_import_from_gh_cli(
    qtbot: QtBot, sandbox_fast: Sandbox, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    """Account ▸ Import from gh CLI…: gh's token is validated and shown; it is used only once confirmed."""
    gh = tmp_path / "gh"
    gh.write_text(f"#!/bin/sh\necho {sandbox_fast.token}\n")
    gh.chmod(0o755)
    rig = make_rig(qtbot, sandbox_fast, http, gh=str(gh))
    rig.dialog.reject()
    with qtbot.waitSignal(rig.service.token_checked, timeout=5000):
        dialog = open_gh_import(rig.service)
    assert dialog.isVisible()
    assert dialog.tabs.currentIndex() == 1
    assert dialog.token_result.text() == f"Valid token for {DEFAULT_LOGIN} (public_repo, read:org)."
    assert dialog.token_edit.text() == ""  # gh's token is never put on screen
    assert rig.credentials.token() is None
    with qtbot.waitSignal(rig.service.signed_in, timeout=5000):
        dialog.use_button.click()
    assert rig.credentials.token() == sandbox_fast.token
    assert rig.credentials.origin == "gh CLI"


def test_gh_without_a_token_says_what_to_do(
    qtbot: QtBot, sandbox_fast: Sandbox, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    gh = tmp_path / "gh"
    gh.write_text("#!/bin/sh\nexit 1\n")
    gh.chmod(0o755)
    rig = make_rig(qtbot, sandbox_fast, http, gh=str(gh))
    with qtbot.waitSignal(rig.service.token_check_failed, timeout=5000):
        rig.dialog.gh_button.click()
    assert "gh auth login --hostname 127.0.0.1:" in rig.dialog.token_result.text()
    assert not rig.dialog.use_button.isEnabled()


# --- found by using the window for real -------------------------------------------------------------------


def shown_whole(qtbot: QtBot, dialog: SignInDialog, label: QLabel) -> bool:
    """The label has the height its wrapped text needs and lies inside the dialog (nothing clipped)."""
    qtbot.wait(50)  # let the layout settle
    bottom = label.mapTo(dialog, label.rect().bottomLeft()).y()
    return label.height() >= label.heightForWidth(label.width()) and bottom <= dialog.height()


def test_a_long_warning_is_shown_whole(qtbot: QtBot, sandbox_fast: Sandbox, http: httpx.AsyncClient) -> None:
    """The read-only warning wraps to three lines; the dialog grows instead of cutting off its end."""
    sandbox_fast.add_token("tb-read-only-token", login="reader", permission="read")
    rig = make_rig(qtbot, sandbox_fast, http)
    paste_and_check(qtbot, rig, "tb-read-only-token")
    assert rig.dialog.token_warning.isVisible()
    assert shown_whole(qtbot, rig.dialog, rig.dialog.token_warning)


def test_the_code_box_does_not_squeeze_the_intro(
    qtbot: QtBot, sandbox_fast: Sandbox, http: httpx.AsyncClient
) -> None:
    rig = make_rig(qtbot, sandbox_fast, http)
    start_and_get_code(qtbot, rig)
    assert shown_whole(qtbot, rig.dialog, rig.dialog.browser_intro)
    assert shown_whole(qtbot, rig.dialog, rig.dialog.browser_status)


@pytest.mark.logs("NotSignedIn")
def test_start_without_a_token_asks_to_sign_in(
    qtbot: QtBot, sandbox_fast: Sandbox, http: httpx.AsyncClient
) -> None:
    """No token anywhere: the window is told to ask for a sign-in, in words, not left to meet a 401."""
    rig = make_rig(qtbot, sandbox_fast, http)
    with qtbot.waitSignal(rig.service.sign_in_needed, timeout=5000):
        rig.service.start()
    [text] = rig.notices
    assert "Not signed in" in text
    assert "Account ▸ Sign in" in text
    assert "GH_TOKEN" in text
    assert rig.errors == []


@pytest.mark.logs("TokenRejected")
def test_start_with_a_revoked_token_asks_to_sign_in(
    qtbot: QtBot, sandbox_fast: Sandbox, http: httpx.AsyncClient
) -> None:
    rig = make_rig(qtbot, sandbox_fast, http)
    rig.keyring.entries[(f"triageboard:127.0.0.1:{sandbox_fast.port}", "token")] = "tb-revoked"
    with qtbot.waitSignal(rig.service.sign_in_needed, timeout=5000):
        rig.service.start()
    assert "rejected the token from the keyring" in rig.errors[0]


@pytest.mark.logs("Cannot remove the keyring")
def test_sign_out_without_a_stored_token_does_not_claim_one_was_removed(
    qtbot: QtBot, sandbox_fast: Sandbox, http: httpx.AsyncClient
) -> None:
    """Signed in for the session only (no keyring): signing out says so, not "removed from the keyring"."""
    rig = make_rig(qtbot, sandbox_fast, http, backend=keyring.backends.fail.Keyring())
    rig.credentials.use(sandbox_fast.token, "pasted token")
    with qtbot.waitSignal(rig.service.user_changed, timeout=5000):
        rig.service._set_login("ferris")
    rig.service.sign_out()
    qtbot.waitUntil(lambda: rig.scope.running == 0, timeout=5000)
    assert rig.credentials.token() is None
    said = rig.errors + rig.notices
    assert not any("was removed from the keyring" in text for text in said)


def test_sign_out_with_an_empty_keyring_says_nothing_was_stored(
    qtbot: QtBot, sandbox_fast: Sandbox, http: httpx.AsyncClient
) -> None:
    rig = make_rig(qtbot, sandbox_fast, http)
    rig.credentials.use(sandbox_fast.token, "pasted token")
    rig.service.sign_out()
    qtbot.waitUntil(lambda: rig.scope.running == 0, timeout=5000)
    assert rig.notices
    assert "removed from the keyring" not in rig.notices[-1]
    assert "Account ▸ Sign in" in rig.notices[-1]
