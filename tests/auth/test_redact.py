"""Tokens are masked in any text bound for a log, a message or a crash report."""

from __future__ import annotations

import logging

import pytest

from triageboard.auth import TokenRedactingFilter, redact, register_secret


def test_registered_secrets_are_masked() -> None:
    register_secret("tb-registered-0001")
    assert redact("token tb-registered-0001 used") == "token *** used"
    register_secret("")  # ignored, would otherwise mask everything
    assert redact("plain text") == "plain text"


@pytest.mark.parametrize(
    "token",
    [
        "ghp_" + "A1b2" * 9,
        "gho_" + "Z" * 36,
        "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz",
        "ghs_" + "0" * 36,
    ],
)
def test_github_token_shapes_are_masked_unregistered(token: str) -> None:
    assert token not in redact(f"GET /user with {token}!")
    assert redact(f"Authorization: Bearer {token}") == "Authorization: Bearer ***"


def test_ordinary_text_is_left_alone() -> None:
    text = "Moved rust-lang/rust#1234 to AsyncAwait-Focus (github_pat is a word here)"
    assert redact(text) == text


@pytest.mark.logs(logger="triageboard.test")
def test_filter_masks_message_args_and_traceback(caplog: pytest.LogCaptureFixture) -> None:
    secret = "tb-filter-secret-42"
    register_secret(secret)
    logger = logging.getLogger("triageboard.test.redact")
    handler = caplog.handler
    handler.addFilter(TokenRedactingFilter())
    try:
        with caplog.at_level(logging.DEBUG, logger="triageboard.test.redact"):
            logger.debug("token is %s", secret)
            try:
                raise RuntimeError(f"boom with {secret}")
            except RuntimeError:
                logger.exception("failed for %r", {"auth": secret})
    finally:
        handler.removeFilter(handler.filters[-1])
    assert secret not in caplog.text
    assert "token is ***" in caplog.text
    assert "boom with ***" in caplog.text
    assert len(caplog.records) == 2
