"""Canonical asset -> what each platform would hold, one module per platform.

Each module turns a `CanonicalAsset` into a `Desired`: the platform's own field names with
values already in its units and precision (so comparing with what the platform holds is exact),
the notes on values it cannot express or only approximately, or the reason it cannot take the
asset at all. It also reads the platform's record into the same fields, and builds the create
and update bodies. No module here does any I/O.
"""

from biddaemon.inventory.mapping.base import Desired, Note, same_value

__all__ = ["Desired", "Note", "same_value"]
