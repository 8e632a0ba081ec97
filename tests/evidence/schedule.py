"""The soak's seeded schedule: what goes wrong when, over a simulated day."""

from __future__ import annotations

from dataclasses import dataclass, field
import random
from typing import Any

# Each kind of trouble, and whether the integration's polling fails while it lasts
# (an outage, logged once going down and once coming back).
OUTAGE_KINDS = {
    "5xx burst": True,
    "timeout": True,
    "connection reset": True,
    # ParqEx answering "slow down" is answering: entities stay available (Home
    # Assistant would drop automations' commands aimed at unavailable ones).
    "429 with Retry-After": False,
    "429 without Retry-After": False,
    "truncated body": True,
    "malformed body": True,
    "expired access token": False,
    "refused refresh": True,
    "restart after token refresh": False,
    "controller offline": False,
    "door added": False,
    "door renamed": False,
    "door removed": False,
    # Push is on throughout; here ParqEx's deliveries stop for a while.
    "deliveries dropped": False,
}
KINDS = tuple(OUTAGE_KINDS)
# Valid JSON, but not what `sync` answers: no devices.
MALFORMED_SYNC = '{"success": true, "timestamp": 0, "data": {"devices": "none"}}'


@dataclass(frozen=True)
class Episode:
    """One kind of trouble, starting some simulated seconds into the run."""

    at: float
    kind: str
    # How many polls it lasts, its status code, Retry-After, ...
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Schedule:
    """Every episode and every remote change of one run."""

    seed: int
    seconds: float
    episodes: tuple[Episode, ...]
    # Simulated seconds at which someone uses a remote (or a key fob that fails).
    remote_changes: tuple[float, ...]


def make_schedule(seed: int, hours: float) -> Schedule:
    """Episodes about every 8 minutes, every kind in turn (shuffled), and a remote
    change about every 2 minutes throughout, faults or not.
    """
    rng = random.Random(seed)
    seconds = hours * 3600
    episodes: list[Episode] = []
    kinds: list[str] = []
    at = 300.0
    while at < seconds - 600:
        if not kinds:
            kinds = list(KINDS)
            rng.shuffle(kinds)
        kind = kinds.pop()
        episodes.append(Episode(at, kind, _detail(rng, kind)))
        at += rng.uniform(240, 720)
    changes: list[float] = []
    at = rng.expovariate(1 / 120)
    while at < seconds - 120:
        changes.append(round(at))
        at += 2 + rng.expovariate(1 / 120)
    return Schedule(seed, seconds, tuple(episodes), tuple(changes))


def _detail(rng: random.Random, kind: str) -> dict[str, Any]:
    if kind == "5xx burst":
        return {"polls": rng.randint(1, 8), "status": rng.choice([500, 502, 503, 504])}
    if kind == "429 with Retry-After":
        return {"retry_after": rng.choice([30, 90, 300])}
    if kind == "controller offline":
        return {"polls": rng.randint(1, 20)}
    if kind == "connection reset":
        return {"polls": rng.randint(1, 3)}
    return {}
