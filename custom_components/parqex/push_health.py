"""Push health: notices when ParqEx's deliveries stop arriving.

While push is on, a change that polling found and no delivery brought within
60 s counts as missed. Three missed in a row, with no authenticated delivery
meanwhile, raise a repair issue; the next authenticated delivery clears it.
Polling stays the safety net all along.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util

from .client.models import AccessPoint
from .const import CONF_WEBHOOK_KEY, DOMAIN, PUSH_GRACE, PUSH_MISSED_FOR_REPAIR

if TYPE_CHECKING:
    from .runtime import ParqExConfigEntry

# Only changes this recent were found by polling just now (not an access
# point that appeared with an old last toggle).
_RECENT = timedelta(minutes=2)


class PushHealth:
    """Counts the changes ParqEx did not push, and says so when it is many."""

    def __init__(self, hass: HomeAssistant, entry: ParqExConfigEntry) -> None:
        """Initialize the push health of one config entry."""
        self._hass = hass
        self._entry = entry
        # (Access point, time of a change) -> when polling found it. Each change
        # counts: several changes of one door before the grace ends are several.
        self._expected: dict[tuple[str, datetime], datetime] = {}
        # Access point -> time of the newest change a delivery brought.
        self._pushed: dict[str, datetime] = {}
        self.missed = 0
        self.missed_in_a_row = 0
        # When the last authenticated delivery arrived: a change from before it
        # that was not pushed is a miss, but ParqEx reached us since.
        self._delivered_at: datetime | None = None

    @property
    def _enabled(self) -> bool:
        return bool(self._entry.options.get(CONF_WEBHOOK_KEY))

    @property
    def issue_id(self) -> str:
        """The repair issue's id."""
        return f"deliveries_missing_{self._entry.entry_id}"

    @callback
    def delivered(self) -> None:
        """Note an authenticated delivery: ParqEx reaches us."""
        self._delivered_at = dt_util.utcnow()
        self.missed_in_a_row = 0
        ir.async_delete_issue(self._hass, DOMAIN, self.issue_id)

    @callback
    def pushed(self, door_id: str, at: datetime) -> None:
        """Note a change of an access point that a delivery brought."""
        if (known := self._pushed.get(door_id)) is None or at > known:
            self._pushed[door_id] = at
        for key in [k for k in self._expected if k[0] == door_id and k[1] <= at]:
            del self._expected[key]

    @callback
    def polled(self, moved: Iterable[AccessPoint]) -> None:
        """Note changes polling found: each should have been pushed."""
        now = dt_util.utcnow()
        for key, found_at in list(self._expected.items()):
            if now - found_at >= PUSH_GRACE:
                del self._expected[key]
                delivered = self._delivered_at
                self._missed(in_a_row=delivered is None or key[1] >= delivered)
        if not self._enabled:
            self._expected.clear()
            return
        for access_point in moved:
            at = access_point.last_toggled
            if at is None or now - at > _RECENT:
                continue
            pushed = self._pushed.get(access_point.id)
            if pushed is None or pushed < at:
                self._expected.setdefault((access_point.id, at), now)

    def _missed(self, *, in_a_row: bool) -> None:
        self.missed += 1
        if not in_a_row:
            return
        self.missed_in_a_row += 1
        if self.missed_in_a_row >= PUSH_MISSED_FOR_REPAIR and self._enabled:
            ir.async_create_issue(
                self._hass,
                DOMAIN,
                self.issue_id,
                # Its dialog shows the address ParqEx should deliver to.
                is_fixable=True,
                is_persistent=False,
                severity=ir.IssueSeverity.WARNING,
                translation_key="deliveries_missing",
                translation_placeholders={"account": self._entry.title},
                data={"entry_id": self._entry.entry_id},
            )

    @callback
    def async_stop(self) -> None:
        """Forget the repair issue (the entry is unloaded)."""
        ir.async_delete_issue(self._hass, DOMAIN, self.issue_id)

    def diagnostics(self) -> dict[str, Any]:
        """How many changes were not pushed."""
        return {
            "missed": self.missed,
            "missed_in_a_row": self.missed_in_a_row,
            "waiting": len(self._expected),
        }
