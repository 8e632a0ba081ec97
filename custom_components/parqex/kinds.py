"""What kind of access point a door is, read from its name, for its icons.

ParqEx's doors carry no type (gate, garage door, door or elevator button all
look alike in `sync`): the name people gave in ParqEx is all there is to go on.
The kind is the switch's translation key; icons.json gives each its icons.
"""

from __future__ import annotations

import re

GATE = "gate"
GARAGE_DOOR = "garage_door"
ELEVATOR = "elevator"
DOOR = "door"

# First match wins: "Garage gate" is a garage door, "Lift lobby door" an elevator.
_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (GARAGE_DOOR, ("garage", "carport")),
    (ELEVATOR, ("elevator", "lift")),
    (GATE, ("gate", "barrier", "boom")),
)

# Shown while ParqEx carries out an accepted close: the switch stays on until
# ParqEx reports the door closed, and a state's icon cannot say "closing".
CLOSING_ICONS = {
    GATE: "mdi:gate-arrow-left",
    GARAGE_DOOR: "mdi:arrow-down-box",
    ELEVATOR: "mdi:arrow-collapse-horizontal",
    DOOR: "mdi:arrow-collapse-horizontal",
}


def access_point_kind(name: str) -> str:
    """Return the kind a ParqEx name describes; a door when it names none."""
    words = re.findall(r"[a-z]+", name.lower())
    for kind, starts in _WORDS:
        if any(word.startswith(starts) for word in words):
            return kind
    return DOOR
