"""Findings: what the feed reader noticed, located by file and line, with a stable code."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from routing.errors import RoutingError


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True)
class Finding:
    """One problem in a feed; `row` is the line in `file` (header = 1), None for the whole file."""

    file: str
    row: int | None
    column: str | None
    severity: Severity
    code: str
    message: str

    def __str__(self) -> str:
        where = self.file if self.row is None else f"{self.file} line {self.row}"
        return f"{where}: [{self.code}] {self.message}"


class InvalidFeed(ValueError, RoutingError):
    """The feed cannot be used: unreadable, missing a required file, or (strict mode) has errors."""

    def __init__(self, message: str, findings: Iterable[Finding] = ()) -> None:
        self.findings: tuple[Finding, ...] = tuple(findings)
        errors = [f for f in self.findings if f.severity is Severity.ERROR]
        if errors:
            message = f"{message}: {errors[0]}"
            if len(errors) > 1:
                message += f" (and {len(errors) - 1} more errors)"
        super().__init__(message)


class FindingLog:
    """Collects findings in the order the checks detect them."""

    def __init__(self) -> None:
        self._items: list[Finding] = []

    def add(
        self,
        file: str,
        row: int | None,
        column: str | None,
        severity: Severity,
        code: str,
        message: str,
    ) -> None:
        self._items.append(Finding(file, row, column, severity, code, message))

    def add_rows(
        self,
        file: str,
        values: pd.Series,
        column: str | None,
        severity: Severity,
        code: str,
        template: str,
    ) -> None:
        """One finding per entry of `values` (indexed by line); `{value}` fills the template."""
        for line, value in values.items():
            self._items.append(
                Finding(file, int(line), column, severity, code, template.format(value=value))
            )

    @property
    def findings(self) -> tuple[Finding, ...]:
        return tuple(self._items)

    def has_errors(self) -> bool:
        return any(f.severity is Severity.ERROR for f in self._items)
