"""A ParqEx simulator: the OAuth pages and REST API of parqex-api.md, on loopback.

Run it with `python -m parqex_sim`; see the README's "Simulator" section.
"""

from .app import create_app
from .dialect import Dialect

__all__ = ["Dialect", "create_app"]
