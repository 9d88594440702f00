"""What the scripting commands print: results on stdout, the reporter's messages on stderr, in the CLI's
words, and every piece of text cleaned for a terminal — a title or an error message from a server can carry
escape sequences (colours, window titles, a cleared screen), bells and bidi overrides."""

from __future__ import annotations

import json
import re
import sys
from typing import TextIO

from ..reporting import Report
from ..wording import Front, describe

# C0 (but tab), DEL and C1 controls, and the bidi embeddings/overrides/isolates that reorder a line.
_UNSAFE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def clean(text: str) -> str:
    """``text`` made safe for one terminal line: control characters and bidi controls become U+FFFD,
    line breaks and tabs become spaces."""
    return _UNSAFE.sub(
        "\ufffd", text.replace("\t", " ").replace("\r\n", " ").replace("\n", " ").replace("\r", " ")
    )


# What json.dumps leaves raw inside strings (it escapes C0 itself): DEL, C1, and the bidi controls.
_UNSAFE_IN_JSON = re.compile(r"[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def safe_json(data: object) -> str:
    """``data`` as indented JSON (non-ASCII text kept readable) in which nothing can steer a terminal:
    what JSON allows raw inside strings but a terminal obeys is written as ``\\uXXXX``, which any JSON
    reader turns back into the same text."""
    text = json.dumps(data, ensure_ascii=False, indent=1)
    return _UNSAFE_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


class Printer:
    """A sink for the reporter (stderr, prefixed ``triageboard:``) and the writer of results (stdout)."""

    def __init__(self, out: TextIO | None = None, err: TextIO | None = None) -> None:
        self._out = out
        self._err = err
        self.errors = 0
        self.shown: list[Report] = []

    @property
    def out(self) -> TextIO:
        return self._out or sys.stdout

    @property
    def err(self) -> TextIO:
        return self._err or sys.stderr

    def line(self, *fields: str) -> None:
        """One result line on stdout: fields cleaned and joined by tabs."""
        print("\t".join(clean(f) for f in fields), file=self.out)

    def json(self, data: object) -> None:
        """A JSON result on stdout (see :func:`safe_json`)."""
        print(safe_json(data), file=self.out)

    def say(self, text: str) -> None:
        """A message on stderr."""
        print(f"triageboard: {clean(text)}", file=self.err)

    def show(self, report: Report) -> None:
        self.shown.append(report)
        if report.level == "error":
            self.errors += 1
        self.say(describe(report, Front.CLI))

    def retract(self, source: str) -> None:
        """A terminal cannot take a line back; what recovered is said by the command's result."""
