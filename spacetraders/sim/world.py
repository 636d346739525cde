"""Mutable world state beyond ships and markets: construction sites and live surveys."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from spacetraders.sim.gates import ConstructionSite
from spacetraders.sim.universe import Universe

# How many extractions a survey allows before it is exhausted, by size.
SURVEY_USES = {"SMALL": 5, "MODERATE": 10, "LARGE": 20}


@dataclass
class LiveSurvey:
    survey: dict[str, Any]  # the Survey as handed out; extract/survey must send it back unchanged
    expires: datetime
    uses_left: int


class WorldState:
    def __init__(self, universe: Universe, seed: int) -> None:
        self.constructions: dict[str, ConstructionSite] = {
            symbol: ConstructionSite.for_gate(universe.waypoints[symbol], universe.constructions.get(symbol))
            for symbol in universe.gates
        }
        self.surveys: dict[str, LiveSurvey] = {}
        self.rng = random.Random(f"world:{seed}")
