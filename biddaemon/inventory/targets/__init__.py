"""Reading and writing each platform's records through its client, one module per platform.

A target finds the record for a desired one (by reference, or by the id the client chose),
creates it, or sends the changed fields; mapping and diffing happen elsewhere.
"""

from biddaemon.inventory.targets.base import Observed, Target

__all__ = ["Observed", "Target"]
