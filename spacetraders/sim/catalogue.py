"""The simulator's own small catalogue of trade goods, waypoint traits and factions.

Symbols come from the spec's enums; names, descriptions and base prices are ours, so the
generator never reads anything outside the package at run time.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Good:
    symbol: str
    name: str
    description: str
    base_price: int  # typical purchase price in credits per market unit

    def as_trade_good(self) -> dict[str, str]:
        return {"symbol": self.symbol, "name": self.name, "description": self.description}


def _goods(*rows: tuple[str, str, int, str]) -> dict[str, Good]:
    return {symbol: Good(symbol, name, description, price) for symbol, name, price, description in rows}


GOODS: dict[str, Good] = _goods(
    ("FUEL", "Fuel", 72, "Refined propellant for ship engines; one unit fills 100 units of a ship's tank."),
    ("FOOD", "Galactic Cuisine", 4100, "Produce, meat and prepared meals from many worlds."),
    ("MEDICINE", "Medicine", 9500, "Drugs, treatments and medical equipment."),
    ("CLOTHING", "Clothing", 10000, "Garments, accessories and textiles."),
    ("EQUIPMENT", "Equipment", 6200, "Tools and equipment for many industries."),
    ("JEWELRY", "Jewelry", 6900, "Pieces made from rare metals and precious gems."),
    ("EXOTIC_MATTER", "Exotic Matter", 70000, "A rare substance with unusual properties used in advanced technology."),
    ("FABRICS", "Fabrics", 2100, "Woven and synthetic materials for clothing and industry."),
    ("FERTILIZERS", "Fertilizers", 900, "Nutrients that raise crop yields."),
    ("PLASTICS", "Plastics", 800, "Moulded polymers for countless products."),
    ("POLYNUCLEOTIDES", "Polynucleotides", 1300, "Synthetic genetic material for biotechnology."),
    ("ELECTRONICS", "Electronics", 4400, "Circuits, components and consumer devices."),
    ("MICROPROCESSORS", "Microprocessors", 2500, "Compact processors for computing systems."),
    ("MACHINERY", "Machinery", 1600, "Heavy equipment for construction and industry."),
    ("SHIP_PARTS", "Ship Parts", 3500, "Spare parts for ship maintenance."),
    ("SHIP_PLATING", "Ship Plating", 3300, "Armour panels for ship hulls."),
    ("FAB_MATS", "Fabrication Materials", 3900, "Prefabricated materials for large construction projects."),
    ("ADVANCED_CIRCUITRY", "Advanced Circuitry", 6300, "High-grade circuits for demanding electronics."),
    ("FIREARMS", "Firearms", 3100, "Small arms for defence and sport."),
    ("AMMUNITION", "Ammunition", 1500, "Rounds for firearms and ship turrets."),
    ("EXPLOSIVES", "Explosives", 600, "Charges for mining and demolition."),
    ("DRUGS", "Drugs", 5200, "Recreational substances of dubious legality."),
    ("LAB_INSTRUMENTS", "Lab Instruments", 3200, "Precision instruments for research."),
    ("IRON", "Iron", 420, "Refined iron for construction."),
    ("COPPER", "Copper", 400, "Refined copper for wiring."),
    ("ALUMINUM", "Aluminum", 430, "Refined aluminium for light alloys."),
    ("IRON_ORE", "Iron Ore", 80, "Raw iron-bearing rock."),
    ("COPPER_ORE", "Copper Ore", 90, "Raw copper-bearing rock."),
    ("ALUMINUM_ORE", "Aluminum Ore", 95, "Raw aluminium-bearing rock."),
    ("SILVER_ORE", "Silver Ore", 130, "Raw silver-bearing rock."),
    ("GOLD_ORE", "Gold Ore", 150, "Raw gold-bearing rock."),
    ("PLATINUM_ORE", "Platinum Ore", 170, "Raw platinum-bearing rock."),
    ("QUARTZ_SAND", "Quartz Sand", 40, "Sand rich in quartz, used for glass and electronics."),
    ("SILICON_CRYSTALS", "Silicon Crystals", 60, "Crystals grown for semiconductors."),
    ("PRECIOUS_STONES", "Precious Stones", 110, "Uncut gems."),
    ("ICE_WATER", "Ice Water", 30, "Frozen water from comets and icy bodies."),
    ("AMMONIA_ICE", "Ammonia Ice", 55, "Frozen ammonia used in fertilizers."),
    ("LIQUID_HYDROGEN", "Liquid Hydrogen", 50, "Cryogenic hydrogen siphoned from gas giants."),
    ("LIQUID_NITROGEN", "Liquid Nitrogen", 45, "Cryogenic nitrogen siphoned from gas giants."),
    ("HYDROCARBON", "Hydrocarbon", 70, "Hydrocarbon gases refined into fuel and plastics."),
    ("ANTIMATTER", "Antimatter", 5050, "Fuel of the jump gates; every jump burns one unit."),
)

CONSUMER_GOODS = ("FOOD", "MEDICINE", "CLOTHING", "EQUIPMENT", "JEWELRY", "DRUGS", "FIREARMS", "EXOTIC_MATTER")
INDUSTRIAL_GOODS = (
    "FABRICS", "FERTILIZERS", "PLASTICS", "POLYNUCLEOTIDES", "ELECTRONICS", "MICROPROCESSORS", "MACHINERY",
    "SHIP_PARTS", "SHIP_PLATING", "FAB_MATS", "ADVANCED_CIRCUITRY", "AMMUNITION", "EXPLOSIVES",
    "LAB_INSTRUMENTS", "IRON", "COPPER", "ALUMINUM",
)
RAW_GOODS = (
    "IRON_ORE", "COPPER_ORE", "ALUMINUM_ORE", "SILVER_ORE", "GOLD_ORE", "PLATINUM_ORE", "QUARTZ_SAND",
    "SILICON_CRYSTALS", "PRECIOUS_STONES", "ICE_WATER", "AMMONIA_ICE",
)
GAS_GOODS = ("LIQUID_HYDROGEN", "LIQUID_NITROGEN", "HYDROCARBON")


TRAITS: dict[str, tuple[str, str]] = {
    "MARKETPLACE": ("Marketplace", "A centre of commerce where traders buy, sell and exchange goods."),
    "SHIPYARD": ("Shipyard", "A facility that builds, sells and refits ships."),
    "UNDER_CONSTRUCTION": ("Under Construction", "Still being built; supplies are needed to finish it."),
    "OUTPOST": ("Outpost", "A small settlement serving passing traders."),
    "SCATTERED_SETTLEMENTS": ("Scattered Settlements", "Dispersed communities linked by trade."),
    "SPRAWLING_CITIES": ("Sprawling Cities", "Dense urban areas housing a large population."),
    "MEGA_STRUCTURES": ("Mega Structures", "Enormous engineered structures."),
    "OVERCROWDED": ("Overcrowded", "More people than the infrastructure can comfortably hold."),
    "HIGH_TECH": ("High-Tech", "An advanced technological base."),
    "BUREAUCRATIC": ("Bureaucratic", "Everything needs a form, in triplicate."),
    "TRADING_HUB": ("Trading Hub", "A busy crossroads of trade routes."),
    "INDUSTRIAL": ("Industrial", "Dominated by factories and heavy industry."),
    "RESEARCH_FACILITY": ("Research Facility", "Laboratories devoted to science."),
    "MILITARY_BASE": ("Military Base", "A fortified installation of the local faction."),
    "MINERAL_DEPOSITS": ("Mineral Deposits", "Deposits of common minerals such as quartz and silicon."),
    "COMMON_METAL_DEPOSITS": ("Common Metal Deposits", "Deposits of iron, copper and aluminium ores."),
    "PRECIOUS_METAL_DEPOSITS": ("Precious Metal Deposits", "Deposits of silver, gold and platinum ores."),
    "RARE_METAL_DEPOSITS": ("Rare Metal Deposits", "Deposits of rare metals such as uranite and meritium."),
    "ICE_CRYSTALS": ("Ice Crystals", "Frozen water and ammonia."),
    "EXPLOSIVE_GASES": ("Explosive Gases", "Volatile gases that can be siphoned with care."),
    "STRONG_MAGNETOSPHERE": ("Strong Magnetosphere", "A strong magnetic field shields the surface."),
    "VIBRANT_AURORAS": ("Vibrant Auroras", "Colourful lights dance across the sky."),
    "SALT_FLATS": ("Salt Flats", "Wide plains crusted with salt."),
    "CANYONS": ("Canyons", "Deep gorges cut through the crust."),
    "DRY_SEABEDS": ("Dry Seabeds", "The beds of long-vanished oceans."),
    "MAGMA_SEAS": ("Magma Seas", "Oceans of molten rock."),
    "ASH_CLOUDS": ("Ash Clouds", "Volcanic ash darkens the sky."),
    "VAST_RUINS": ("Vast Ruins", "The remains of an ancient civilisation."),
    "TERRAFORMED": ("Terraformed", "Reshaped to support life."),
    "EXTREME_TEMPERATURES": ("Extreme Temperatures", "Swings between searing heat and bitter cold."),
    "DIVERSE_LIFE": ("Diverse Life", "A rich variety of native species."),
    "WEAK_GRAVITY": ("Weak Gravity", "Low gravity makes launches cheap."),
    "STRONG_GRAVITY": ("Strong Gravity", "High gravity strains ships and crews."),
    "TOXIC_ATMOSPHERE": ("Toxic Atmosphere", "The air is poisonous."),
    "BREATHABLE_ATMOSPHERE": ("Breathable Atmosphere", "The air can be breathed without aid."),
    "THIN_ATMOSPHERE": ("Thin Atmosphere", "A thin layer of air."),
    "JOVIAN": ("Jovian", "A massive world of thick gas layers."),
    "ROCKY": ("Rocky", "A world of solid rock."),
    "VOLCANIC": ("Volcanic", "Frequent eruptions reshape the surface."),
    "FROZEN": ("Frozen", "An ice-covered world."),
    "BARREN": ("Barren", "Little grows here."),
    "TEMPERATE": ("Temperate", "Mild climate, comfortable for settlers."),
    "OCEAN": ("Ocean", "Covered by deep water."),
    "RADIOACTIVE": ("Radioactive", "High radiation levels."),
    "DEBRIS_CLUSTER": ("Debris Cluster", "Loose rock and wreckage drift nearby."),
    "DEEP_CRATERS": ("Deep Craters", "Pocked by deep impact craters."),
    "SHALLOW_CRATERS": ("Shallow Craters", "Marked by shallow impact craters."),
    "UNSTABLE_COMPOSITION": ("Unstable Composition", "Prone to fracturing when mined."),
    "HOLLOWED_INTERIOR": ("Hollowed Interior", "Tunnelled out by earlier miners."),
}

PLANET_FLAVOURS = (
    "ROCKY", "FROZEN", "TEMPERATE", "OCEAN", "VOLCANIC", "BARREN", "SALT_FLATS", "CANYONS", "DRY_SEABEDS",
    "MAGMA_SEAS", "VAST_RUINS", "TERRAFORMED", "DIVERSE_LIFE", "BREATHABLE_ATMOSPHERE", "TOXIC_ATMOSPHERE",
    "THIN_ATMOSPHERE", "STRONG_MAGNETOSPHERE", "VIBRANT_AURORAS", "EXTREME_TEMPERATURES", "WEAK_GRAVITY",
)
SETTLEMENT_TRAITS = ("OUTPOST", "SCATTERED_SETTLEMENTS", "SPRAWLING_CITIES", "TRADING_HUB", "INDUSTRIAL", "HIGH_TECH")
ASTEROID_DEPOSITS = ("COMMON_METAL_DEPOSITS", "MINERAL_DEPOSITS", "PRECIOUS_METAL_DEPOSITS", "ICE_CRYSTALS")
ASTEROID_FLAVOURS = ("DEEP_CRATERS", "SHALLOW_CRATERS", "UNSTABLE_COMPOSITION", "HOLLOWED_INTERIOR", "DEBRIS_CLUSTER")


def trait(symbol: str) -> dict[str, str]:
    name, description = TRAITS.get(symbol) or (symbol.replace("_", " ").title(), "")
    return {"symbol": symbol, "name": name, "description": description}


def trade_good(symbol: str) -> dict[str, str]:
    """A TradeGood (symbol, name, description), also for goods this catalogue does not price."""
    good = GOODS.get(symbol)
    return good.as_trade_good() if good else {"symbol": symbol, "name": symbol.replace("_", " ").title(), "description": ""}


FACTIONS: tuple[str, ...] = (
    "COSMIC", "VOID", "GALACTIC", "QUANTUM", "DOMINION", "ASTRO", "CORSAIRS", "OBSIDIAN", "AEGIS", "UNITED",
    "SOLITARY", "COBALT", "OMEGA", "ECHO", "LORDS", "CULT", "ANCIENTS", "SHADOW", "ETHEREAL",
)


def faction(symbol: str, headquarters: str) -> dict[str, object]:
    name = symbol.title()
    return {
        "symbol": symbol,
        "name": f"{name} Faction",
        "description": f"The {name} faction of the simulated sector.",
        "headquarters": headquarters,
        "traits": [
            {"symbol": "CAPITALISTIC", "name": "Capitalistic", "description": "Values trade and profit."},
        ],
        "isRecruiting": True,
    }
