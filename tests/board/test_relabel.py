"""A label change outside a move (``Relabel``), sent as a move the outbox and engine already know."""

from __future__ import annotations

from triageboard.board import Issue, IssueKey, Label, LabelDiff, Relabel, place, plan_move, preset, satisfies

SPEC = preset("rust-async")
KEY = IssueKey("rust-lang/rust", 1)


def issue(*names: str) -> Issue:
    return Issue(KEY.repo, KEY.number, "t", tuple(Label(n) for n in names))


def test_a_relabel_plans_exactly_its_labels_and_the_card_stays_in_its_column() -> None:
    shown = issue("AsyncAwait-Focus", "E-mentor", "C-bug")
    focus = SPEC.column("Focus")
    for diff in (
        LabelDiff(add=("A-async-await",)),
        LabelDiff(add=("A-async-await",), remove=("C-bug",)),
        LabelDiff(remove=("C-bug",)),
    ):
        spec, target = Relabel(KEY, diff).as_move(SPEC, focus)
        assert spec.name == SPEC.name
        assert target.name == "Focus"
        assert plan_move(spec, shown, target) == diff
        after = {n.casefold() for n in shown.label_names} | {n.casefold() for n in diff.add}
        after -= {n.casefold() for n in diff.remove}
        labels = tuple(Label(n) for n in sorted(after))
        assert satisfies(spec, labels, target)  # what the engine checks before it settles
        assert not satisfies(spec, shown.labels, target)
        assert place(SPEC, issue(*after)).column == focus  # on the real board: still in Focus
