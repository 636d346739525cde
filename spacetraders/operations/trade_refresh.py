"""A trader asks the scouts for fresher prices rather than trade on old ones, or fly to read them.

When the plan (or the market chosen to sell what the hold carries) rests on a market read more
than half the run's max age ago, and a live scout tour of the player visits that market, the
trader files a refresh request (persistence/refresh_requests.py: the tour visits it next) and
waits, stop-aware, for the snapshot that answers it; after `refresh_timeout_s` it plans on what
is stored. A market no scout covers, and the ship's own (it re-reads that one when it docks),
are traded as before: the run re-reads every market on arrival and its guards hold either way.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from spacetraders.operations.base import ContainerContext
from spacetraders.persistence.markets import last_updated
from spacetraders.persistence.refresh_requests import request_refresh, scouted_markets


@dataclass(frozen=True)
class Stale:
    """Markets worth asking for: waypoint -> when it was last read, and the tours that visit them."""

    seen: dict[str, datetime]
    tours: dict[str, str]  # waypoint -> the covering tour's container id


class ScoutRefresh:
    def __init__(self, ctx: ContainerContext, *, max_age_s: float, timeout_s: float, poll_s: float) -> None:
        self.ctx = ctx
        self.max_age_s, self.timeout_s, self.poll_s = max_age_s, timeout_s, poll_s

    async def stale(self, waypoints: Iterable[str], here: str) -> Stale | None:
        """The scouted markets among `waypoints` whose data is older than half the max age
        (None: nothing to ask for, or asking is switched off with a zero timeout)."""
        wanted = [w for w in dict.fromkeys(waypoints) if w != here]
        if self.timeout_s <= 0 or not wanted:
            return None
        now = self.ctx.clock.now()

        def look() -> Stale | None:
            with self.ctx.db.read() as session:
                seen = last_updated(session, wanted)
                old = [w for w in wanted if w in seen and (now - seen[w]).total_seconds() > self.max_age_s / 2]
                tours = scouted_markets(session, self.ctx.player_id, old)
            return Stale({w: seen[w] for w in tours}, tours) if tours else None

        return await asyncio.to_thread(look)

    async def wait(self, stale: Stale) -> bool:
        """File the requests (or join pending ones) and wait until every market has a newer
        snapshot or the timeout passes. False if a stop was asked."""
        ctx, now = self.ctx, self.ctx.clock.now()

        def file() -> None:
            with ctx.db.transaction() as uow:
                for waypoint in stale.tours:
                    request_refresh(uow.session, ctx.player_id, waypoint, requested_by=ctx.container_id, now=now)

        await asyncio.to_thread(file)
        ctx.log.info("Asked the scouts to refresh %s (data %s old; tour %s): waiting up to %.0fs",
                     ", ".join(stale.tours), ", ".join(f"{(now - t).total_seconds():.0f}s" for t in stale.seen.values()),
                     ", ".join(sorted(set(stale.tours.values()))), self.timeout_s)
        waited = 0.0
        while True:
            fresh = await asyncio.to_thread(self._refreshed, stale)
            if len(fresh) == len(stale.seen):
                ctx.log.info("Fresh prices for %s after %.0fs: planning on them", ", ".join(fresh), waited)
                return True
            if waited >= self.timeout_s:
                missing = [w for w in stale.seen if w not in fresh]
                ctx.log.info("No fresh prices for %s after %.0fs: planning on what is stored", ", ".join(missing), waited)
                return True
            step = min(self.poll_s, self.timeout_s - waited)
            if not await ctx.sleep(step):
                return False
            waited += step

    def _refreshed(self, stale: Stale) -> list[str]:
        with self.ctx.db.read() as session:
            seen = last_updated(session, stale.seen)
        return [w for w, before in stale.seen.items() if w in seen and seen[w] > before]
