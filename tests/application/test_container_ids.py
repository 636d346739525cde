"""Container ids by unique prefix, scoped to one player, on a real database (both backends)."""

from __future__ import annotations

import pytest

from spacetraders.application.container_ids import SHOWN_CANDIDATES, resolve_container_id
from spacetraders.errors import ConfigError, NotFound
from spacetraders.persistence.database import Database
from tests.factories import make_container, make_player


@pytest.fixture
def players(db: Database) -> tuple[int, int]:
    """COOPER and HAWK, each with containers of the given ids (one ship per container)."""
    ids = {
        "COOPER": ["scout-tour-cooper-2-a4b0c1d2", "scout-tour-cooper-2-a4ffeed0", "scout-tour-cooper-3-00112233",
                   "exact", "exact-longer", "a_b-1", "axb-2", "p%q-1", "pzzq-2", "s/x-1", "sx-2"],
        "HAWK": ["scout-tour-hawk-1-deadbeef", "hawk-only-1", "shared-x-1"],
    }
    with db.transaction() as uow:
        found = []
        for symbol, container_ids in ids.items():
            player_id = make_player(uow, symbol).player_id
            for n, cid in enumerate(container_ids):
                make_container(uow, player_id, f"{symbol}-{n}", container_id=cid)
            found.append(player_id)
        make_container(uow, found[0], "COOPER-99", container_id="shared-y-1")
    return found[0], found[1]


def resolve(db: Database, player_id: int, text: str) -> str:
    with db.read() as session:
        return resolve_container_id(session, player_id, text)


def test_a_unique_prefix_names_the_container(db, players) -> None:  # type: ignore[no-untyped-def]
    cooper, _ = players
    assert resolve(db, cooper, "scout-tour-cooper-2-a4b") == "scout-tour-cooper-2-a4b0c1d2"
    assert resolve(db, cooper, "scout-tour-cooper-3") == "scout-tour-cooper-3-00112233"
    assert resolve(db, cooper, "  scout-tour-cooper-3-00112233 ") == "scout-tour-cooper-3-00112233"


def test_an_exact_id_wins_over_longer_ids_it_prefixes(db, players) -> None:  # type: ignore[no-untyped-def]
    cooper, _ = players
    assert resolve(db, cooper, "exact") == "exact"
    assert resolve(db, cooper, "exact-") == "exact-longer"


def test_an_ambiguous_prefix_names_the_candidates_on_one_line(db, players) -> None:  # type: ignore[no-untyped-def]
    cooper, _ = players
    with pytest.raises(ConfigError) as err:
        resolve(db, cooper, "scout-tour-cooper-2-a4")
    assert str(err.value) == (
        "container id prefix 'scout-tour-cooper-2-a4' is ambiguous: "
        "scout-tour-cooper-2-a4b0c1d2, scout-tour-cooper-2-a4ffeed0; give more characters"
    )


def test_many_candidates_are_counted_not_all_listed(db, players) -> None:  # type: ignore[no-untyped-def]
    cooper, _ = players
    with db.transaction() as uow:
        for n in range(SHOWN_CANDIDATES + 3):
            make_container(uow, cooper, f"MANY-{n}", container_id=f"many-{n:02d}")
    with pytest.raises(ConfigError) as err:
        resolve(db, cooper, "many-")
    assert "many-00, many-01, many-02, many-03, many-04 and 3 more" in str(err.value)


def test_like_wildcards_in_the_prefix_match_only_themselves(db, players) -> None:  # type: ignore[no-untyped-def]
    cooper, _ = players
    # Unescaped, LIKE 'a_%' would also match axb-2 and 'p%%' pzzq-2: ambiguous instead of unique.
    assert resolve(db, cooper, "a_") == "a_b-1"
    assert resolve(db, cooper, "p%") == "p%q-1"
    assert resolve(db, cooper, "s/") == "s/x-1"  # the escape character itself
    for text in ("_", "%", "%q", "a%"):
        with pytest.raises(NotFound):
            resolve(db, cooper, text)


def test_matching_is_case_sensitive_on_both_databases(db, players) -> None:  # type: ignore[no-untyped-def]
    cooper, _ = players
    with pytest.raises(NotFound):
        resolve(db, cooper, "SCOUT-TOUR-COOPER-3")


def test_another_players_containers_do_not_exist_for_a_player(db, players) -> None:  # type: ignore[no-untyped-def]
    cooper, hawk = players
    with pytest.raises(NotFound) as err:
        resolve(db, cooper, "scout-tour-hawk-1-deadbeef")  # the exact id of HAWK's container
    assert str(err.value) == "no container 'scout-tour-hawk-1-deadbeef' of player COOPER"
    with pytest.raises(NotFound):
        resolve(db, hawk, "scout-tour-cooper")
    # A prefix both players' ids share is unique within each player's own containers.
    assert resolve(db, cooper, "shared-") == "shared-y-1"
    assert resolve(db, hawk, "shared-") == "shared-x-1"
    assert resolve(db, hawk, "hawk-only") == "hawk-only-1"


def test_empty_and_unusable_text_is_refused(db, players) -> None:  # type: ignore[no-untyped-def]
    cooper, _ = players
    with pytest.raises(ConfigError, match="empty container id"):
        resolve(db, cooper, "  ")
    with pytest.raises(NotFound):
        resolve(db, cooper, "scout\x00")  # PostgreSQL would refuse NUL in a query parameter
    with pytest.raises(NotFound):
        resolve(db, cooper, "x" * 500)
