"""``CheckResult``: what a checker found, truthy only when everything matched.

It reads the same as text (``print(result)``, a course's autograder log) and as rich output in
JupyterLab (``_repr_html_``): a verdict line, the likely mistake when one was recognised, and
the problems case by case.
"""
from __future__ import annotations

from html import escape


class CheckResult:
    """The verdict of one checker on one student function.

    Attributes:
        name: the checker, e.g. 'check_lstm_step'.
        cases: names of the inputs it was run on ('random, batch of 3', 'batch of 1', ...).
        problems: one line per disagreement found; empty when the function passed.
        likely_mistakes: what the probes recognised in the function's behaviour, in words.
        what: what was compared, for the verdict line.
    """

    def __init__(self, name: str, cases: list[str], problems: list[str], likely_mistakes: list[str],
                 what: str = "values and gradients (backward also agrees with finite differences)") -> None:
        self.name = name
        self.what = what
        self.cases = list(cases)
        self.problems = list(problems)
        self.likely_mistakes = list(likely_mistakes)

    @property
    def passed(self) -> bool:
        """True when values and gradients matched on every case."""
        return not self.problems

    def __bool__(self) -> bool:
        return self.passed

    def assert_passed(self) -> None:
        """Raise an AssertionError holding the whole report unless the function passed (for autograders)."""
        if not self.passed:
            raise AssertionError(str(self))

    def _verdict(self) -> str:
        if self.passed:
            return (f"{self.name}: passed. It matches the reference on {len(self.cases)} cases "
                    f"({'; '.join(self.cases)}): {self.what}.")
        return f"{self.name}: FAILED on {self._failed_cases()} of {len(self.cases)} cases."

    def _failed_cases(self) -> int:
        return sum(any(problem.startswith(f"[{case}]") for problem in self.problems) for case in self.cases) \
            or len(self.cases)

    def __str__(self) -> str:
        lines = [self._verdict()]
        for mistake in self.likely_mistakes:
            lines.append(f"Likely mistake: {mistake}")
        lines.extend(f"  - {problem}" for problem in self.problems)
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        colour = "#2e7d32" if self.passed else "#c62828"
        parts = [f'<div style="border-left: 4px solid {colour}; padding: 4px 10px; font-family: sans-serif">',
                 f'<b style="color: {colour}">{escape(self._verdict())}</b>']
        for mistake in self.likely_mistakes:
            parts.append(f"<div><b>Likely mistake:</b> {escape(mistake)}</div>")
        if self.problems:
            parts.append("<ul>" + "".join(f"<li><code>{escape(p)}</code></li>" for p in self.problems) + "</ul>")
        parts.append("</div>")
        return "".join(parts)
