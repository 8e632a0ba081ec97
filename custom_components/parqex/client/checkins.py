"""A `sync` answer that differs from the last one only in controllers' check-ins.

Controllers check in about once a minute, so nearly every answer differs from
the one before in their last contact alone. The last fully parsed answer is
kept as the bytes between those times; an answer that is the same bytes around
new times is not decoded at all (nor searched: it is walked piece by piece).
Only its new times are read, and every access point parsed before is the same
object again. Anything else that differs (a door, a name, the order, the
layout) means a full parse.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
import re
from typing import Any

from .models import Controller, read_local_time, sync_devices
from .times import Earlier

# Members whose values are set aside: each controller's check-in time (read),
# and the envelope's own `timestamp`, new in every answer (ignored).
_LAST_CONTACT = b'"last_contact"'
_TIMESTAMP = b'"timestamp"'
_WHITESPACE = b" \t\r\n"
# A value that may change in place: a string without escapes, quotes or control
# characters, null, or a number.
_SCALAR = re.compile(
    rb'"[^"\\\x00-\x1f]*"|null|-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?'
)


def _value_span(raw: bytes, after_key: int) -> tuple[int, int] | None:
    """Return where a member's value is, given where its key ends; None if unsure."""
    at = after_key
    size = len(raw)
    while at < size and raw[at] in _WHITESPACE:
        at += 1
    if at >= size or raw[at] != ord(":"):
        return None
    at += 1
    while at < size and raw[at] in _WHITESPACE:
        at += 1
    # The same rule as for the values of a later answer (`_between`).
    scalar = _SCALAR.match(raw, at)
    return None if scalar is None else scalar.span()


def _spans(raw: bytes, key: bytes) -> list[tuple[int, int]] | None:
    """Return the value spans of a member wherever it is; None if unsure."""
    spans: list[tuple[int, int]] = []
    at = raw.find(key)
    while at >= 0:
        # A key is preceded by `{`, `,` or whitespace; a quote inside a string
        # by a backslash (then it is text, not a member).
        if at == 0 or raw[at - 1] != ord("\\"):
            span = _value_span(raw, at + len(key))
            if span is None:
                return None
            spans.append(span)
        at = raw.find(key, at + len(key))
    return spans


def _split(raw: bytes) -> tuple[list[bytes], list[bool], list[bytes]] | None:
    """Return the bytes around the set-aside values, which are check-ins, and those.

    The values that are not check-ins are time stamps. None: the answer cannot
    be split with certainty (it is then parsed).
    """
    contacts = _spans(raw, _LAST_CONTACT)
    stamps = _spans(raw, _TIMESTAMP)
    if contacts is None or stamps is None:
        return None
    marked = sorted(
        [(*span, True) for span in contacts] + [(*s, False) for s in stamps]
    )
    pieces: list[bytes] = []
    values: list[bytes] = []
    at = 0
    for start, end, is_contact in marked:
        if start < at:
            return None
        pieces.append(raw[at:start])
        if is_contact:
            values.append(raw[start:end])
        at = end
    pieces.append(raw[at:])
    return pieces, [is_contact for _, _, is_contact in marked], values


def _between(raw: bytes, pieces: list[bytes]) -> list[bytes] | None:
    """Return the values between `pieces` if `raw` is exactly them around scalars.

    Walked in order, without searching: each piece must follow where the last
    value ended, and each value be a JSON scalar that holds no quote or escape
    (so no member can hide in it). Then `raw` is the answer the pieces came
    from with only those values changed. None: anything else differs.
    """
    values: list[bytes] = []
    at = 0
    last = len(pieces) - 1
    for index, piece in enumerate(pieces):
        if not raw.startswith(piece, at):
            return None
        at += len(piece)
        if index == last:
            break
        scalar = _SCALAR.match(raw, at)
        if scalar is None:
            return None
        values.append(scalar.group())
        at = scalar.end()
    return values if at == len(raw) else None


def _value(raw: Any) -> bytes | None:
    """How a parsed entry's last contact reads in the answer, when it is simple."""
    if raw is None:
        return b"null"
    if isinstance(raw, str) and '"' not in raw and "\\" not in raw:
        return b'"' + raw.encode() + b'"'
    return None


@dataclass(slots=True)
class CheckIns:
    """The last fully read answer, split around its check-in times."""

    pieces: list[bytes]
    # Of the values between the pieces, which are check-ins (in order).
    is_contact: list[bool]
    values: list[bytes]
    zone: tzinfo
    controllers: tuple[Controller, ...]

    @classmethod
    def of(
        cls,
        raw: bytes,
        body: Any,
        zone: tzinfo,
        controllers: tuple[Controller, ...],
    ) -> CheckIns | None:
        """Remember a parsed answer, if its check-ins map one to one to controllers.

        The k-th last contact in the bytes must be the k-th controller's, as
        parsed; an answer where that cannot be told is always parsed in full.
        """
        split = _split(raw)
        if split is None:
            return None
        pieces, is_contact, values = split
        # The answer `controllers` were parsed from: one controller per device.
        devices = sync_devices(body)
        parsed = [
            _value(device.get("last_contact")) if isinstance(device, dict) else None
            for device in devices
        ]
        if len(values) != len(controllers) or parsed != values:
            return None
        return cls(pieces, is_contact, values, zone, controllers)

    def read(
        self, raw: bytes, zone: tzinfo, earlier: Earlier
    ) -> tuple[Controller, ...] | None:
        """Return the controllers of an answer that differs only in check-ins.

        None: something else differs (or the zone does); parse it in full.
        """
        if zone != self.zone:
            return None
        between = _between(raw, self.pieces)
        if between is None:
            return None
        values = [
            value
            for value, is_contact in zip(between, self.is_contact, strict=True)
            if is_contact
        ]
        controllers = tuple(
            controller
            if value == before
            else controller.contacted(_read(value, controller.id, zone, earlier))
            for controller, value, before in zip(
                self.controllers, values, self.values, strict=True
            )
        )
        self.values = values
        self.controllers = controllers
        return controllers


def _read(
    value: bytes, owner_id: str, zone: tzinfo, earlier: Earlier
) -> datetime | None:
    # A number or null is not a time; bytes that are not UTF-8 read as text
    # that is not one either.
    text = value[1:-1].decode(errors="replace") if value.startswith(b'"') else None
    return read_local_time(text, owner_id, zone, earlier)
