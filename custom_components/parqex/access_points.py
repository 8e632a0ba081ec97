"""The state of each access point of one account, and its only writer.

Three things change it: a `sync` (`apply_sync`), a push (`apply_push`) and a
command (`async_command`). Each tells only the listeners of the access points
and controllers it changed; entities render what is here and never write it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
import logging

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, Context, HomeAssistant, callback
from homeassistant.util import dt as dt_util

from .client.errors import ParqExAuthError, ParqExControllerNotFoundError, ParqExError
from .client.models import AccessPoint, Controller, DoorState
from .command_errors import command_error
from .command_guard import command_guards
from .const import (
    FAST_POLL_DURATION,
    MISSING_REMOVAL_DELAY,
    PUSH_PRECEDENCE,
)

_LOGGER = logging.getLogger(__name__)

type Toggle = Callable[[str, DoorState], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class PendingCommand:
    """A command ParqEx accepted and has not reported carried out yet."""

    door_state: DoorState
    accepted_at: datetime
    # The action that asked: the state that carries it out is written in it.
    context: Context | None = None


@dataclass(frozen=True, slots=True)
class _Pushed:
    """What a push said, until a `sync` as new as it agrees or outdates it."""

    door_state: DoorState
    at: datetime
    received_at: datetime
    # Whether history was asked to settle a `sync` that disagrees for long.
    disputed: bool = False


@dataclass(slots=True)
class SyncNews:
    """What one `sync` changed, for those who act on it."""

    # Access points whose state or last toggle changed, or that are new.
    moved: list[AccessPoint] = field(default_factory=list)
    # An access point's name changed (its device follows).
    renamed: bool = False
    # A controller was added, removed or changed its device facts.
    controllers_changed: bool = False
    # Access points or controllers came or went for good.
    members_changed: bool = False
    # Access points where a push and `sync` disagree for long: their history
    # settles it (see `settle`).
    disputed: list[str] = field(default_factory=list)


def describe(access_point: AccessPoint | None) -> str:
    """Name an access point in a log line, as ParqEx names it."""
    if access_point is None:
        return "an access point that is gone"
    if access_point.name:
        return access_point.name
    return f"access point {access_point.entity_number or '?'}"


def _serial(controller: Controller) -> str:
    return (controller.blackbox_code or controller.id)[-6:].upper()


def _door_facing(controller: Controller | None) -> object:
    """Return what of a controller its access points' entities show (not contact)."""
    if controller is None:
        return None
    return (controller.active, controller.time_before_door_open_alert)


class AccessPointStates:
    """Controllers and access points as ParqEx last reported them, merged."""

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry, toggle: Toggle) -> None:
        """Initialize the state of one account; `toggle` asks ParqEx to move a door."""
        self._hass = hass
        self._entry = entry
        self._toggle = toggle
        self.controllers: dict[str, Controller] = {}
        self.access_points: dict[str, AccessPoint] = {}
        # The times ParqEx reported last, by door and controller id (see parse_sync).
        self.reported_times: dict[str, datetime | None] = {}
        self._pushed: dict[str, _Pushed] = {}
        self._pending: dict[str, PendingCommand] = {}
        # Access point -> the action whose command a change carries out.
        self._answered: dict[str, Context] = {}
        # Controllers that answered a toggle with 404 (offline) since the last sync.
        self._unreachable: set[str] = set()
        # Ids missing from successful syncs, since when; and ids of entities that
        # earlier runs made, not listed by ParqEx since this one started.
        self._missing_since: dict[str, datetime] = {}
        self._expected: set[str] = set()
        # Each controller's `doors` as last merged, and their ids, while each is
        # the very object shown with nothing pending (no push over it, none
        # missing): the same tuple again merges to nothing. A push or a missing
        # id drops the controller's entry.
        self._merged_doors: dict[
            str, tuple[tuple[AccessPoint, ...], tuple[str, ...]]
        ] = {}
        self._answering = True
        self._empty_answer = False
        self._listeners: dict[str, list[CALLBACK_TYPE]] = {}
        self._member_listeners: list[CALLBACK_TYPE] = []
        # Pushes are compared with ParqEx's local times: they wait for the zone.
        self.time_zone_known = False
        self._zone_listeners: list[CALLBACK_TYPE] = []

    # Listening

    @callback
    def async_subscribe(self, owner_id: str, listener: CALLBACK_TYPE) -> None:
        """Call `listener` when an access point or controller changes.

        No unsubscribe callable is made: an account has thousands of entities,
        and each closure kept is more for the garbage collector to walk.
        """
        self._listeners.setdefault(owner_id, []).append(listener)

    @callback
    def async_unsubscribe(self, owner_id: str, listener: CALLBACK_TYPE) -> None:
        """Stop calling `listener` (equal to the one subscribed) for `owner_id`.

        One never subscribed is let be: an entity whose adding failed half way.
        """
        listeners = self._listeners.get(owner_id, [])
        if listener in listeners:
            listeners.remove(listener)
        if not listeners:
            self._listeners.pop(owner_id, None)

    @callback
    def async_subscribe_members(self, listener: CALLBACK_TYPE) -> CALLBACK_TYPE:
        """Call `listener` when access points or controllers come or go."""
        self._member_listeners.append(listener)
        return lambda: self._member_listeners.remove(listener)

    @callback
    def async_when_time_zone_known(self, listener: CALLBACK_TYPE) -> CALLBACK_TYPE:
        """Call `listener` once the account's time zone is known."""
        self._zone_listeners.append(listener)
        return lambda: self._zone_listeners.remove(listener)

    @callback
    def set_time_zone_known(self) -> None:
        """Note that the account's time zone was read: times are placed right."""
        if self.time_zone_known:
            return
        self.time_zone_known = True
        for listener in list(self._zone_listeners):
            listener()

    def _notify(self, owner_ids: Iterable[str]) -> None:
        for owner_id in owner_ids:
            for listener in list(self._listeners.get(owner_id, ())):
                listener()
        # Carried out commands name their action for this one round of writes.
        self._answered.clear()

    def answered_context(self, door_id: str) -> Context | None:
        """Return the action whose command the state being written carries out."""
        return self._answered.get(door_id)

    def _notify_all(self) -> None:
        self._notify([*self.controllers, *self.access_points])

    def _notify_members(self) -> None:
        for listener in list(self._member_listeners):
            listener()

    @callback
    def expect(self, owner_ids: Iterable[str]) -> None:
        """Ids that earlier runs had entities for: gone only if missing for long."""
        self._expected.update(owner_ids)

    def is_missing(self, owner_id: str) -> bool:
        """Whether ParqEx left it out of recent syncs (it is not removed yet).

        Ids of earlier runs' entities that ParqEx has not listed yet count too.
        """
        return owner_id in self._missing_since or owner_id in self._expected

    # What entities show

    def access_points_of(self, controller_id: str) -> list[AccessPoint]:
        """Return the access points of one controller."""
        return [
            access_point
            for access_point in self.access_points.values()
            if access_point.controller_id == controller_id
        ]

    def _door_ids(self, controller_id: str) -> list[str]:
        return [
            access_point.id for access_point in self.access_points_of(controller_id)
        ]

    def is_answering(self) -> bool:
        """Whether ParqEx answers and lists the account's controllers."""
        return self._answering and not self._empty_answer

    def is_reachable(self, controller_id: str) -> bool:
        """Whether ParqEx reports the controller active and it answered commands."""
        controller = self.controllers.get(controller_id)
        return (
            self.is_answering()
            and controller is not None
            and controller.active
            and controller_id not in self._unreachable
            and controller_id not in self._missing_since
        )

    def is_usable(self, door_id: str) -> bool:
        """Whether ParqEx can operate the access point now."""
        access_point = self.access_points.get(door_id)
        return (
            access_point is not None
            and access_point.active
            and door_id not in self._missing_since
            and self.is_reachable(access_point.controller_id)
        )

    def is_listed(self, door_id: str) -> bool:
        """Whether ParqEx listed the access point in its recent answers."""
        return door_id in self.access_points and door_id not in self._missing_since

    def shown_state(self, door_id: str) -> DoorState | None:
        """Return the state to show: an accepted open at once, a close once reported.

        Showing an access point closed while it may still be open is the unsafe
        mistake; showing it open a little early is not.
        """
        access_point = self.access_points.get(door_id)
        if access_point is None:
            return None
        pending = self._pending.get(door_id)
        if pending is not None and pending.door_state is DoorState.OPEN:
            return DoorState.OPEN
        return access_point.state

    def close_pending(self, door_id: str) -> bool:
        """Whether ParqEx accepted a close that it has not reported yet."""
        pending = self._pending.get(door_id)
        return pending is not None and pending.door_state is DoorState.CLOSED

    def has_pending_commands(self) -> bool:
        """Whether a command waits for ParqEx to report it."""
        return bool(self._pending)

    # Entry point 1: a sync

    @callback
    def set_answering(self, answering: bool) -> None:
        """Follow whether ParqEx answers polls: every entity's availability."""
        if answering != self._answering:
            self._answering = answering
            self._notify_all()

    def apply_sync(
        self, controllers: tuple[Controller, ...], requested_at: datetime
    ) -> SyncNews:
        """Merge a successful `sync` (asked for at `requested_at`) into the state."""
        news = SyncNews()
        now = dt_util.utcnow()
        if not controllers and (self.controllers or self._expected):
            # One empty answer is more likely a fault of ParqEx than a reset account
            # (after a restart too: ids of earlier runs' entities count as known).
            if not self._empty_answer:
                self._empty_answer = True
                _LOGGER.warning(
                    "ParqEx answered without any controller; showing the account's"
                    " controllers as unavailable until they are listed again"
                )
                self._notify_all()
            return news
        changed: set[str] = set()
        members_changed = False
        if self._empty_answer:
            self._empty_answer = False
            _LOGGER.info("ParqEx lists the account's controllers again")
            changed.update(self.controllers, self.access_points)
        if self._unreachable:
            # A new sync is a fresh word on reachability.
            for controller_id in self._unreachable:
                changed.add(controller_id)
                changed.update(self._door_ids(controller_id))
            self._unreachable.clear()
        listed_doors: set[str] = set()
        for controller in controllers:
            reported = controller.access_points
            merged = self._merged_doors.get(controller.id)
            if reported is None:
                # `doors: null` says nothing about the doors: keep what is known.
                listed_doors.update(self._door_ids(controller.id))
            elif merged is not None and merged[0] is reported:
                # The very access points merged before: merging is a no-op.
                listed_doors.update(merged[1])
            else:
                for access_point in reported:
                    members_changed |= self._merge_access_point(
                        access_point, requested_at, now, news, changed
                    )
                door_ids = tuple(access_point.id for access_point in reported)
                listed_doors.update(door_ids)
                if self._as_last_merged(reported):
                    self._merged_doors[controller.id] = (reported, door_ids)
                else:
                    self._merged_doors.pop(controller.id, None)
            members_changed |= self._merge_controller(controller, news, changed)
        listed_controllers = {controller.id for controller in controllers}
        self._expected -= listed_controllers | listed_doors
        members_changed |= self._follow_missing(
            listed_controllers, listed_doors, now, news, changed
        )
        self._end_answered_commands(changed)
        self._notify(changed)
        if members_changed:
            news.members_changed = True
            self._notify_members()
        return news

    def _as_last_merged(self, reported: tuple[AccessPoint, ...]) -> bool:
        """Whether each access point is the very object shown, with nothing pending.

        The parser gives the same tuple for an unchanged `doors` list: while this
        holds, merging it again would change nothing.
        """
        pushed, missing, shown = self._pushed, self._missing_since, self.access_points
        if not pushed and not missing:
            return all(shown.get(a.id) is a for a in reported)
        return all(
            shown.get(a.id) is a and a.id not in pushed and a.id not in missing
            for a in reported
        )

    def _merge_controller(
        self, controller: Controller, news: SyncNews, changed: set[str]
    ) -> bool:
        # Kept with its access points (the same objects as `access_points` holds):
        # copying it without them would cost more than it saves.
        stored = (
            controller
            if controller.access_points is not None
            else replace(controller, access_points=())
        )
        before = self.controllers.get(controller.id)
        self.reported_times[controller.id] = controller.last_contact
        back = self._missing_since.pop(controller.id, None) is not None
        if before == stored and not back:
            return False
        self.controllers[controller.id] = stored
        changed.add(controller.id)
        if before is None or back:
            news.controllers_changed = True
            changed.update(self._door_ids(controller.id))
            return True
        if before.software_version != stored.software_version:
            news.controllers_changed = True
        if before.active != stored.active:
            self._log_reachability(stored)
        if _door_facing(before) != _door_facing(stored):
            changed.update(self._door_ids(controller.id))
        return False

    def _log_reachability(self, controller: Controller) -> None:
        """Log a controller going offline once, and once when it is back."""
        if controller.active:
            _LOGGER.info("ParqEx controller %s is online again", _serial(controller))
        else:
            _LOGGER.info(
                "ParqEx reports controller %s offline; its access points are"
                " unavailable until it is back",
                _serial(controller),
            )

    def _merge_access_point(
        self,
        reported: AccessPoint,
        requested_at: datetime,
        now: datetime,
        news: SyncNews,
        changed: set[str],
    ) -> bool:
        """Take one access point from a sync; True when it is new or came back."""
        door_id = reported.id
        self.reported_times[door_id] = reported.last_toggled
        merged = self._with_push(reported, requested_at, now, news)
        before = self.access_points.get(door_id)
        back = self._missing_since.pop(door_id, None) is not None
        # An unchanged entry of the answer is the very object parsed last time.
        if (before is merged or before == merged) and not back:
            return False
        self.access_points[door_id] = merged
        changed.add(door_id)
        if before is None or (before.state, before.last_toggled) != (
            merged.state,
            merged.last_toggled,
        ):
            news.moved.append(merged)
        if before is not None and before.name != merged.name:
            news.renamed = True
        return (
            before is None or back or before.bluetooth_sensor != merged.bluetooth_sensor
        )

    def _with_push(
        self,
        reported: AccessPoint,
        requested_at: datetime,
        now: datetime,
        news: SyncNews,
    ) -> AccessPoint:
        """Return the newer of what a push and this sync say about an access point."""
        pushed = self._pushed.get(reported.id)
        if pushed is None:
            return reported
        sync_as_new = (
            reported.last_toggled is not None and reported.last_toggled >= pushed.at
        )
        keep_push = not sync_as_new and (
            # Read before the push arrived: it cannot know.
            requested_at < pushed.received_at
            # Its own last toggle is older than a pushed OPEN: it has not seen it
            # (never show a door closed on such a word, however long it lasts).
            or (
                reported.last_toggled is not None
                and pushed.door_state is DoorState.OPEN
            )
            # Without a last toggle, ParqEx's sync may lag its pushes a little.
            or (
                reported.state != pushed.door_state
                and now - pushed.received_at < PUSH_PRECEDENCE
            )
        )
        if keep_push:
            if (
                reported.state != pushed.door_state
                and now - pushed.received_at >= PUSH_PRECEDENCE
                and not pushed.disputed
            ):
                self._pushed[reported.id] = replace(pushed, disputed=True)
                news.disputed.append(reported.id)
            return replace(reported, state=pushed.door_state, last_toggled=pushed.at)
        del self._pushed[reported.id]
        return reported

    def _follow_missing(
        self,
        listed_controllers: set[str],
        listed_doors: set[str],
        now: datetime,
        news: SyncNews,
        changed: set[str],
    ) -> bool:
        """Mark what a sync left out unavailable; remove it after a while."""
        gone: set[str] = set()
        missing = [
            *(c for c in self.controllers if c not in listed_controllers),
            *(a for a in self.access_points if a not in listed_doors),
            *self._expected,
        ]
        for owner_id in missing:
            self._forget_merged(owner_id)
            since = self._missing_since.setdefault(owner_id, now)
            if since == now:
                changed.add(owner_id)
                if owner_id in self.controllers:
                    changed.update(self._door_ids(owner_id))
            elif now - since >= MISSING_REMOVAL_DELAY:
                gone.add(owner_id)
        if not gone:
            return False
        _LOGGER.debug("Removing %s controllers and access points gone", len(gone))
        for owner_id in gone:
            self._expected.discard(owner_id)
            self._missing_since.pop(owner_id, None)
            self.reported_times.pop(owner_id, None)
            self._pushed.pop(owner_id, None)
            self._pending.pop(owner_id, None)
            if self.controllers.pop(owner_id, None) is not None:
                news.controllers_changed = True
            self.access_points.pop(owner_id, None)
            changed.add(owner_id)
        return True

    def _forget_merged(self, owner_id: str) -> None:
        """Merge this controller's `doors` (or this door's) in full next time."""
        access_point = self.access_points.get(owner_id)
        controller_id = owner_id if access_point is None else access_point.controller_id
        self._merged_doors.pop(controller_id, None)

    # Entry point 2: a push

    def apply_push(
        self, door_id: str, door_state: DoorState, at: datetime, received_at: datetime
    ) -> bool:
        """Show a pushed change of an access point; False if the door is unknown.

        A delivery older than what is shown (ParqEx sent it late) changes nothing.
        """
        access_point = self.access_points.get(door_id)
        if access_point is None:
            return False
        if access_point.last_toggled is not None and at < access_point.last_toggled:
            return True
        if (access_point.state, access_point.last_toggled) == (door_state, at):
            return True
        self._pushed[door_id] = _Pushed(door_state, at, received_at)
        self._forget_merged(door_id)
        self.access_points[door_id] = replace(
            access_point, state=door_state, last_toggled=at
        )
        changed = {door_id}
        self._end_answered_commands(changed)
        self._notify(changed)
        return True

    def settle(self, door_id: str, door_state: DoorState, at: datetime) -> None:
        """Take the newest operation history shows for a disputed access point.

        Newer than the push that `sync` disputes, it is shown as a push would
        be; else the push stands.
        """
        pushed = self._pushed.get(door_id)
        if pushed is not None and at > pushed.at:
            self.apply_push(door_id, door_state, at, dt_util.utcnow())

    # Entry point 3: a command

    async def async_command(
        self,
        door_id: str,
        door_state: DoorState,
        name: str,
        context: Context | None = None,
    ) -> None:
        """Ask ParqEx to move an access point, one command at a time (command_guard)."""
        guards = command_guards(self._hass)
        guard = guards.take(door_id, name)
        try:
            await self._toggle(door_id, door_state)
        except ParqExError as err:
            guards.give_back(guard)
            self._after_refusal(door_id, err)
            raise command_error(err, name) from err
        except BaseException:
            # Cancelled (an unload, Home Assistant stopping): ParqEx may have it.
            guards.accepted(guard)
            raise
        guards.accepted(guard)
        self._pending[door_id] = PendingCommand(door_state, guard.taken_at, context)
        self._notify([door_id])

    def _after_refusal(self, door_id: str, err: ParqExError) -> None:
        """Follow refusals that change what is shown, or need the user."""
        access_point = self.access_points.get(door_id)
        if isinstance(err, ParqExControllerNotFoundError) and access_point:
            controller_id = access_point.controller_id
            if controller_id not in self._unreachable:
                self._unreachable.add(controller_id)
                self._notify(
                    [
                        controller_id,
                        *self._door_ids(controller_id),
                    ]
                )
        elif isinstance(err, ParqExAuthError):
            self._entry.async_start_reauth(self._hass)

    def _end_answered_commands(self, changed: set[str]) -> None:
        """Stop waiting for commands ParqEx shows, or has moved on from.

        An access point that moved after the command (someone moved it since)
        shows what ParqEx reports at once.
        """
        for door_id, pending in list(self._pending.items()):
            access_point = self.access_points.get(door_id)
            moved = access_point and access_point.last_toggled
            if (
                access_point is None
                or access_point.state == pending.door_state
                or (moved and moved > pending.accepted_at)
            ):
                del self._pending[door_id]
                changed.add(door_id)
                if (
                    access_point is not None
                    and access_point.state == pending.door_state
                    and pending.context is not None
                ):
                    self._answered[door_id] = pending.context

    @callback
    def expire_commands(self) -> None:
        """Give up on commands ParqEx has not reported within the fast polling."""
        oldest = dt_util.utcnow() - FAST_POLL_DURATION
        expired = [
            door_id
            for door_id, pending in self._pending.items()
            if pending.accepted_at <= oldest
        ]
        for door_id in expired:
            pending = self._pending.pop(door_id)
            _LOGGER.warning(
                "ParqEx accepted the command to make %s %s, but has not reported it"
                " within %s s; showing the state ParqEx reports",
                describe(self.access_points.get(door_id)),
                pending.door_state,
                round(FAST_POLL_DURATION.total_seconds()),
            )
        self._notify(expired)
