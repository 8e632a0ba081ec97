"""scripts/bench sets a full run's ratios beside those of the report it replaces."""

from __future__ import annotations

from pathlib import Path

from .evidence.repeat import (
    RATIOS,
    against_previous,
    cells,
    measured_line,
    ratio_in,
    ratios,
)

COMMITTED = Path(__file__).parents[1] / "docs" / "benchmarks.md"


def _scaled(report: str, row: str, column: str, factor: float) -> str:
    """The report with one ratio of the cost-of-change table multiplied."""
    lines = report.splitlines(keepends=True)
    header = next(i for i, line in enumerate(lines) if RATIOS[0] in cells(line))
    at = cells(lines[header]).index(column)
    for i in range(header + 2, len(lines)):
        row_cells = cells(lines[i])
        if " | ".join(row_cells[:2]) == row:
            was = ratio_in(row_cells[at])
            assert was is not None, f"no ratio in {row}"
            row_cells[at] = f"{was * factor:.3g}"
            lines[i] = "| " + " | ".join(row_cells) + " |\n"
            return "".join(lines)
    raise AssertionError(f"no row {row}")


def test_the_committed_table_is_read_back() -> None:
    """Every size and loop mode of the committed table, each with its three ratios."""
    read = ratios(COMMITTED.read_text(encoding="utf-8"))

    assert sorted(read) == sorted(
        (points, loop)
        for points in ("10", "100", "1000", "5000")
        for loop in ("on", "off")
    )
    assert all(sorted(values) == sorted(RATIOS) for values in read.values())


def test_a_ratio_that_moved_is_shown_and_counted() -> None:
    """One ratio 25 % up: the section says so, and counts it past the 20 %."""
    committed = COMMITTED.read_text(encoding="utf-8")
    was = ratios(committed)[("1000", "off")]["Push / floor"]
    now = _scaled(committed, "1000 | off", "Push / floor", 1.25)

    section = against_previous(committed, now)

    assert "## Against the previous run" in section
    assert measured_line(committed) in section
    assert f"| {was:.3g} → {was * 1.25:.3g} (+25%) |" in section
    assert "Largest difference 25%; 1 of 24 ratios more than 20% apart." in section


def test_a_report_with_the_section_reads_as_its_own_table() -> None:
    """The next run compares with this run's figures, not with the section's."""
    committed = COMMITTED.read_text(encoding="utf-8")
    now = _scaled(committed, "10 | on", "Quiet poll / fetch + decode", 0.5)
    report = now + "\n" + against_previous(committed, now)

    assert ratios(report) == ratios(now)
    assert ratios(report) != ratios(committed)


def test_sizes_measured_in_one_run_only_are_named() -> None:
    """A quick run (or a changed plan) shares no size with the full table."""
    committed = COMMITTED.read_text(encoding="utf-8")
    quick = committed.replace("| 10 | on |", "| 7 | on |")

    section = against_previous(committed, quick)

    assert "Measured in one run only: 10 (on), 7 (on)." in section
    assert "of 21 ratios" in section
    assert ratios("# A report without the table\n") == {}
