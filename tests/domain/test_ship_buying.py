from spacetraders.domain.ship_buying import Pairing, Spot, next_refusal, rank_pairings


def test_next_refusal_budget_then_credits_then_reserve() -> None:
    assert next_refusal(100, credits=1_000, spent=0, max_budget=None, reserve=0) is None
    assert next_refusal(100, credits=1_000, spent=850, max_budget=1_000, reserve=0) is None  # exactly the budget
    assert "--max-budget 1,000" in (next_refusal(100, credits=1_000, spent=901, max_budget=1_000, reserve=0) or "")
    assert "insufficient credits" in (next_refusal(100, credits=99, spent=0, max_budget=None, reserve=0) or "")
    assert next_refusal(100, credits=600, spent=0, max_budget=None, reserve=500) is None  # leaves exactly the reserve
    assert "reserve of 500" in (next_refusal(100, credits=599, spent=0, max_budget=None, reserve=500) or "")


def test_pairings_nearest_first_same_system_before_others_stable_ties() -> None:
    buyers = [Spot("A-1", "X1-S", 0, 0), Spot("A-2", "X1-S", 10, 0), Spot("A-3", "X1-T", 0, 0)]
    yards = [Spot("X1-S-Y1", "X1-S", 13, 4), Spot("X1-S-Y2", "X1-S", -3, 4)]
    ranked = rank_pairings(buyers, yards)
    assert ranked[:2] == [Pairing("A-1", "X1-S-Y2", 5.0), Pairing("A-2", "X1-S-Y1", 5.0)]  # ties: by symbol
    assert all(p.distance is None for p in ranked[-2:]) and {p.buyer for p in ranked[-2:]} == {"A-3"}
    assert rank_pairings([], yards) == [] and rank_pairings(buyers, []) == []
