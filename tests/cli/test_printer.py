"""What the CLI prints is inert in a terminal, JSON included, and means the same to a program."""

from __future__ import annotations

import json
import re

from triageboard.cli.printer import clean, safe_json

# C0 but newline (JSON's layout), DEL, C1 and the bidi controls: what a terminal obeys.
RAW = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
EVIL = "evil \x1b]0;pwned\x07\x1b[2J\x9b31m \u202eevil\u202c \u2067x\u2069 \x7f end"


def test_json_output_carries_no_raw_control_characters_and_reads_back_the_same() -> None:
    data = [{"title": EVIL, "labels": ["ok", "🦀 ferris", "قائمة"], "number": 1}]
    text = safe_json(data)
    assert not RAW.findall(text)
    assert json.loads(text) == data
    assert "🦀 ferris" in text  # readable text stays readable
    assert "\\u009b" in text
    assert "\\u202e" in text


def test_clean_makes_one_inert_line() -> None:
    line = clean(f"a\tb\nc {EVIL}")
    assert not RAW.findall(line)
    assert "\n" not in line
