"""`/api/ledger` and `/api/ledger/report`: the CLI's queries over HTTP, 422 for bad parameters."""

from __future__ import annotations

from datetime import timedelta

import pytest

from spacetraders.persistence.ledger import LedgerEntry, LedgerKind, record_entry
from spacetraders.web import schemas
from tests.web.conftest import NOW, World


@pytest.fixture
def booked(world: World) -> World:
    with world.db.transaction() as uow:
        for minutes, player, kind, total, ship in [
            (90, world.player_id, LedgerKind.PURCHASE, -300, "COOPER-1"),
            (60, world.player_id, LedgerKind.SALE, 900, "COOPER-1"),
            (30, world.player_id, LedgerKind.REFUEL, -72, "COOPER-2"),
            (20, world.other_player_id, LedgerKind.CONTRACT_FULFILLED, 5000, None),
        ]:
            record_entry(uow, LedgerEntry(player_id=player, at=NOW - timedelta(minutes=minutes), kind=kind,
                                          total=total, credits_after=10_000 + total, ship_symbol=ship))
    return world


def get(world: World, path: str, **params: str | int) -> dict:
    response = world.client().get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_entries_newest_first_with_the_cli_filters(booked: World) -> None:
    body = get(booked, "/api/ledger")
    schemas.LedgerResponse.model_validate(body)
    assert [e["kind"] for e in body["entries"]] == ["contract_fulfilled", "refuel", "sale", "purchase"]
    assert body["entries"][1]["at"] == "2026-03-01T11:30:00Z"
    mine = get(booked, "/api/ledger", player_id=booked.player_id, since="45m")["entries"]
    assert [(e["kind"], e["total"]) for e in mine] == [("refuel", -72)]
    assert [e["kind"] for e in get(booked, "/api/ledger", ship="cooper-1", limit=1)["entries"]] == ["sale"]
    assert [e["kind"] for e in get(booked, "/api/ledger", kind="purchase")["entries"]] == ["purchase"]


def test_report_sums_per_group(booked: World) -> None:
    body = get(booked, "/api/ledger/report", by="ship", player_id=booked.player_id)
    schemas.LedgerReportResponse.model_validate(body)
    assert [(g["key"], g["income"], g["spend"], g["net"]) for g in body["groups"]] == [
        ("COOPER-1", 900, -300, 600), ("COOPER-2", 0, -72, -72)]
    assert body["total"] == {"entries": 3, "income": 900, "spend": -372, "net": 528}
    every_day = get(booked, "/api/ledger/report")
    assert every_day["by"] == "day" and every_day["groups"][0]["key"] == "2026-03-01"
    assert every_day["total"]["net"] == 5528


@pytest.mark.parametrize("params", [
    {"since": "yesterday"}, {"since": "2999-01-01"}, {"since": "99999d"}, {"since": "9" * 100},
    {"limit": 0}, {"limit": 10**30}, {"limit": "nan"}, {"kind": "gift"}, {"ship": "A B"},
    {"player_id": 0}, {"player_id": 2**70},
])
def test_bad_parameters_are_422(booked: World, params: dict[str, str | int]) -> None:
    response = booked.client().get("/api/ledger", params=params)
    assert response.status_code == 422, response.text
    assert "detail" in response.json()


def test_report_by_an_unknown_grouping_is_422_and_an_unknown_player_404(booked: World) -> None:
    assert booked.client().get("/api/ledger/report", params={"by": "week"}).status_code == 422
    missing = booked.client().get("/api/ledger/report", params={"player_id": 999})
    assert missing.status_code == 404 and "unknown player 999" in missing.json()["detail"]


def test_the_map_page_loads_the_credits_chart(booked: World) -> None:
    page = booked.client().get("/")
    assert 'id="credits-chart"' in page.text and "/static/credits.js" in page.text
    script = booked.client().get("/static/credits.js")
    assert script.status_code == 200 and "/api/ledger?" in script.text


NODE_HARNESS = """
const els = {};
function node(tag) {
  return { tag, attrs: {}, children: [], textContent: "",
    setAttribute(k, v) { this.attrs[k] = String(v); },
    appendChild(c) { this.children.push(c); return c; },
    replaceChildren() { this.children = []; },
    addEventListener() {} };
}
for (const id of ["#credits-chart", "#credits-caption", "#player-select", "#credits-kinds"]) els[id] = node("div");
els["#player-select"].value = process.argv[3];
globalThis.document = { querySelector: (s) => els[s] || null, createElementNS: (_, tag) => node(tag) };
globalThis.location = { search: "" };
globalThis.setInterval = () => 0;
const bodies = JSON.parse(require("fs").readFileSync(0, "utf8"));  // {"ledger": ..., "report": ...}
globalThis.requested = [];
globalThis.fetch = async (url) => {
  globalThis.requested.push(url);
  const body = url.startsWith("/api/ledger/report") ? bodies.report : bodies.ledger;
  return { ok: true, json: async () => body };
};
require(process.argv[2]);
setTimeout(() => {
  const svg = els["#credits-chart"].children[0];
  const kinds = els["#credits-kinds"].children[0];
  console.log(JSON.stringify({ urls: globalThis.requested, caption: els["#credits-caption"].textContent,
    lines: svg.children.map((l) => ({ player: l.attrs["data-player"], points: l.attrs.points })),
    kinds: kinds.children.map((g) => ({ kind: g.attrs["data-kind"], label: g.children.at(-1).textContent,
      income: g.children.filter((r) => r.attrs["data-income"]).map((r) => Number(r.attrs["data-income"])),
      spend: g.children.filter((r) => r.attrs["data-spend"]).map((r) => Number(r.attrs["data-spend"])) })) }));
}, 10);
"""


def test_the_credits_chart_draws_one_line_per_player_from_the_api(booked: World, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The real credits.js, run by node against a tiny DOM stand-in and the endpoint's real payload."""
    import json
    import shutil
    import subprocess
    from pathlib import Path

    import spacetraders.web

    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    payload = json.dumps({"ledger": booked.client().get("/api/ledger", params={"limit": 500}).json(),
                          "report": booked.client().get("/api/ledger/report", params={"by": "kind"}).json()})
    harness = tmp_path / "harness.js"
    harness.write_text(NODE_HARNESS)
    script = Path(spacetraders.web.__file__).parent / "static" / "credits.js"
    done = subprocess.run([node, str(harness), str(script), ""], input=payload, capture_output=True, text=True,
                          timeout=60, check=True)
    drawn = json.loads(done.stdout)
    assert drawn["urls"] == ["/api/ledger?limit=500", "/api/ledger/report?by=kind"]
    lines = {line["player"]: line["points"].split() for line in drawn["lines"]}
    assert set(lines) == {str(booked.player_id), str(booked.other_player_id)}
    mine = [tuple(map(float, p.split(","))) for p in lines[str(booked.player_id)]]
    assert len(mine) == 3 and [x for x, _ in mine] == sorted(x for x, _ in mine)  # oldest to newest
    assert mine[1][1] < mine[0][1]  # the sale (credits 10,900) is drawn above the purchase (9,700)
    assert "latest 15,000" in drawn["caption"]
    report = json.loads(payload)["report"]["groups"]
    assert [k["kind"] for k in drawn["kinds"]] == [g["key"] for g in report]  # a bar per kind: income by kind
    for bar, group in zip(drawn["kinds"], report, strict=True):
        assert bar["income"] == ([group["income"]] if group["income"] else [])
        assert bar["spend"] == ([-group["spend"]] if group["spend"] else [])
        assert f"{group['key']} " in bar["label"]
    one = subprocess.run([node, str(harness), str(script), str(booked.player_id)], input=payload,
                         capture_output=True, text=True, timeout=60, check=True)
    assert json.loads(one.stdout)["urls"][0] == f"/api/ledger?limit=500&player_id={booked.player_id}"
