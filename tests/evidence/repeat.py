"""A benchmark run against the one before it: do the cost-of-change ratios repeat?

The ratios are read back from the reports themselves (the committed one and the
new one), by their column names, so that both are read the same way.
"""

from __future__ import annotations

from .report import table

# The ratios that say whether a poll and a push are near their floors.
RATIOS = (
    "Quiet poll / fetch + decode",
    "Ten polls with one sweep / their floor",
    "Push / floor",
)
# Two runs agree when each ratio is within this of the earlier run's (issue 25).
AGREE_WITHIN = 0.20

type Ratios = dict[tuple[str, str], dict[str, float]]


def ratios(report: str) -> Ratios:
    """The cost-of-change table's ratios, by (access points, debug loop)."""
    found: Ratios = {}
    columns: list[str] | None = None
    for line in report.splitlines():
        if not line.startswith("|"):
            if columns is not None:
                break  # the first such table is the one
            continue
        row_cells = cells(line)
        if columns is None:
            if all(name in row_cells for name in RATIOS):
                columns = row_cells
            continue
        if len(row_cells) != len(columns) or row_cells[0].startswith("---"):
            continue
        row = dict(zip(columns, row_cells, strict=True))
        values = {name: ratio_in(row[name]) for name in RATIOS}
        found[(row["Access points"], row["Debug loop"])] = {
            name: value for name, value in values.items() if value is not None
        }
    return found


def cells(line: str) -> list[str]:
    """The cells of one Markdown table line, as `report.table` writes them."""
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def ratio_in(cell: str) -> float | None:
    """A ratio's cell: the number, then (since ratios are pooled) its range."""
    try:
        return float(cell.split(" (", 1)[0])
    except ValueError:
        return None


def measured_line(report: str) -> str:
    """The report's line that says when and on what it was measured."""
    return next(
        (line for line in report.splitlines() if line.startswith("Measured ")),
        "When it was measured is not stated.",
    )


def against_previous(previous: str, now: str) -> str:
    """The section that sets this run's ratios beside the previous run's."""
    before, after = ratios(previous), ratios(now)
    rows: list[tuple[object, ...]] = []
    apart: list[float] = []
    for key in [k for k in before if k in after]:
        cells: list[str] = []
        for name in RATIOS:
            was, is_now = before[key].get(name), after[key].get(name)
            if was is None or is_now is None or was == 0:
                cells.append("n/a")
                continue
            change = is_now / was - 1
            apart.append(abs(change))
            cells.append(f"{was:.3g} → {is_now:.3g} ({change:+.0%})")
        rows.append((*key, *cells))
    unmatched = sorted(set(before) ^ set(after))
    if not apart:
        summary = "No ratio of the previous run was measured again in this one."
    else:
        outside = sum(change > AGREE_WITHIN for change in apart)
        summary = (
            f"Largest difference {max(apart):.0%}; {outside} of {len(apart)} ratios"
            f" more than {AGREE_WITHIN:.0%} apart."
        )
    if unmatched:
        summary += " Measured in one run only: " + ", ".join(
            f"{points} ({loop})" for points, loop in unmatched
        )
        summary += "."
    return "\n".join(
        [
            "## Against the previous run",
            "",
            "The cost-of-change ratios of this run beside those of the report it"
            " replaced (previous → this run, and the change). The previous one was: "
            + measured_line(previous),
            "",
            table(["Access points", "Debug loop", *RATIOS], rows),
            "",
            summary,
            "",
        ]
    )
