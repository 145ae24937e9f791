"""Live: sessions arriving in the store while they happen, and what the chairs overview says of them.

Modules in the order live data flow:

- ``feed``: replays recorded or simulated sessions into the store as live chairs (demos, load checks)
- ``ingest``: follows monitor CSV exports that keep growing, storing each complete row once
- ``follower``: the live sessions' rows kept in memory, refreshed from the store with what is new
- ``overview``: per-chair facts, alert texts and which chair comes first
"""

from dashboard.core.live.follower import LiveFollower, LiveSnapshot
from dashboard.core.live.overview import alert_texts, chair_facts, infusion_state, tile_alerts

__all__ = ["LiveFollower", "LiveSnapshot", "alert_texts", "chair_facts", "infusion_state", "tile_alerts"]
