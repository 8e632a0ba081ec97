"""The soak's table: faults injected and invariants held, per API dialect."""

from __future__ import annotations

from collections.abc import Sequence

from parqex_sim.webhooks import FAULT_KINDS

from .report import machine, table
from .schedule import KINDS
from .soak import SoakResult


def markdown(results: Sequence[SoakResult], command: str) -> str:
    """The report of one `scripts/soak` run."""
    dialects = [r.dialect for r in results]
    faults = table(
        ["Fault injected", *dialects],
        [(kind, *(r.injected[kind] for r in results)) for kind in KINDS]
        + [
            ("Remote changes", *(r.remote_changes for r in results)),
            (
                "Commands (refused during faults)",
                *(f"{r.commands} ({r.commands_refused})" for r in results),
            ),
            (
                "Deliveries ParqEx sent (push on throughout)",
                *(r.deliveries for r in results),
            ),
            *(
                (
                    f"Delivery fault: {kind}",
                    *(r.delivery_faults[kind] for r in results),
                )
                for kind in FAULT_KINDS
            ),
        ],
    )
    held = table(
        ["Invariant", *dialects],
        [
            ("Polls of `sync`", *(r.polls for r in results)),
            (
                "Checks, each after a fault window and one poll",
                *(r.checks for r in results),
            ),
            (
                "Polls added before a check: a door moved by itself during the last",
                *(r.repolls for r in results),
            ),
            (
                "Home Assistant's view equal to the simulator's at every check",
                *("yes" for _ in results),
            ),
            (
                "Access events logged once each, pushed or read (of those in ParqEx)",
                *(f"{r.events_fired} of {r.events_expected}" for r in results),
            ),
            (
                "Failed attempts logged; the longest one took to be found",
                *(
                    f"{r.failed_logged}; {r.failed_found_within / 60:.1f} min"
                    for r in results
                ),
            ),
            (
                '"Last operated by" changes, none back in time (restarts too)',
                *(r.last_operated_changes for r in results),
            ),
            (
                "Push repair raised when deliveries stopped, cleared by the next;"
                " never up without 3 undelivered changes",
                *(
                    f"{r.push_repairs} of {r.injected['deliveries dropped']}"
                    for r in results
                ),
            ),
            (
                "Token refreshes; reauthentications",
                *(f"{r.token_refreshes}; {r.reauths}" for r in results),
            ),
            ("Home Assistant restarts", *(r.restarts for r in results)),
            (
                "Outages; logged going down; coming back",
                *(f"{r.outages}; {r.logged_down}; {r.logged_up}" for r in results),
            ),
            (
                "Live integration objects: one coordinator, one entity per entity"
                " shown, no stopped Home Assistant (checked at each memory sample)",
                *("yes" for _ in results),
            ),
            (
                "Memory did not grow: the second half's largest sample within 25 %"
                " of the first half's",
                *("yes" for _ in results),
            ),
            (
                "KiB allocated in the integration's code and still held: first sample,"
                " largest, last",
                *(
                    f"{r.memory[0][1]:.0f}, {max(m for _, m in r.memory):.0f},"
                    f" {r.memory[-1][1]:.0f}"
                    for r in results
                ),
            ),
            ("Tracebacks, unexpected errors", *("0" for _ in results)),
            ("Real seconds", *(f"{r.real_seconds:.0f}" for r in results)),
        ],
    )
    findings = [f"- {r.dialect}: {f}" for r in results for f in r.findings]
    hours = results[0].hours if results else 0
    return "\n".join(
        [
            "# Reliability: a simulated day of faults",
            "",
            machine(),
            f"Produced by `{command}`: {hours:g} simulated hour(s) per API dialect,"
            f" seed {results[0].seed if results else '-'}.",
            "",
            "Home Assistant and the simulator share a sped-up clock. Every few minutes"
            " of simulated time one kind of trouble starts (each kind in turn, in a"
            " seeded order); someone uses a remote about every two minutes"
            " throughout, and now and then an automation turns a switch on or off."
            " Push is on throughout: the simulator delivers each change to Home"
            " Assistant's own HTTP server over loopback, about a third of them with"
            " one of its delivery faults, and once in a while it stops delivering"
            " (deliveries dropped) until the push repair is up."
            " After each fault window closes and one more poll (one more again while"
            " a door moved by itself during the last: travel, auto-close), every"
            " invariant below is checked; a run stops at the first that fails, so a"
            " table exists only for runs in which all held.",
            "",
            "## Faults injected",
            "",
            faults,
            "",
            "## Invariants held",
            "",
            held,
            "",
            "Memory: tracemalloc counts what was allocated in"
            " `custom_components/parqex` and is still held, sampled every hour (six"
            " times in a shorter run), after the test harness's own references are"
            " dropped: its in-memory stores, its log records, and its mocks' records"
            " of the Home Assistant instances it stopped (one per restart), which"
            " otherwise keep each stopped instance, and the integration in it, alive"
            " (the test plugin freezes its module's objects for the collector, which"
            " hides those mocks from a search; the run unfreezes them first), and"
            " Home Assistant's singletons' cache of the last instance that asked (one"
            " per process). No instance the run stopped is then alive, and the live"
            " coordinator and entity objects are only ever those of the running"
            " instance.",
            "",
            "## Warnings the integration logged",
            "",
            *(findings or ["None besides those the schedule causes on purpose."]),
            "",
        ]
    )
