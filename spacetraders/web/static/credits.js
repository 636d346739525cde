// Credits over time: a small SVG line per player from /api/ledger (credits after each entry).
// Follows the map's player selector; redraws every 30 s.
"use strict";
(() => {
  const SVG = "http://www.w3.org/2000/svg";
  const W = 260, H = 90, PAD = 4;
  const COLOURS = ["#51cf66", "#4dabf7", "#ffd43b", "#ff6b6b", "#cc5de8"];
  const box = document.querySelector("#credits-chart");
  const select = document.querySelector("#player-select");
  if (!box) return;

  function el(name, attrs, parent) {
    const node = document.createElementNS(SVG, name);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    parent.appendChild(node);
    return node;
  }

  function draw(entries) {
    box.replaceChildren();
    const caption = document.querySelector("#credits-caption");
    if (!entries.length) { caption.textContent = "no ledger entries yet"; return; }
    const points = entries.map((e) => [Date.parse(e.at), e.credits_after, e.player_id]).reverse();
    const ts = points.map((p) => p[0]), cs = points.map((p) => p[1]);
    const [t0, t1, c0, c1] = [Math.min(...ts), Math.max(...ts), Math.min(...cs), Math.max(...cs)];
    const x = (t) => PAD + (t1 > t0 ? (t - t0) / (t1 - t0) : 1) * (W - 2 * PAD);
    const y = (c) => H - PAD - (c1 > c0 ? (c - c0) / (c1 - c0) : 0.5) * (H - 2 * PAD);
    const svg = el("svg", { viewBox: `0 0 ${W} ${H}`, width: "100%", role: "img", "aria-label": "Credits over time" }, box);
    const players = [...new Set(points.map((p) => p[2]))];
    players.forEach((player, i) => {
      const line = points.filter((p) => p[2] === player).map((p) => `${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`);
      el("polyline", { points: line.join(" "), fill: "none", stroke: COLOURS[i % COLOURS.length], "stroke-width": 1.5,
                       "data-player": player }, svg);
    });
    const last = entries[0];
    caption.textContent = `${c0.toLocaleString()} – ${c1.toLocaleString()} credits · latest ${last.credits_after.toLocaleString()}`;
  }

  async function refresh() {
    const player = (select && select.value) || new URLSearchParams(location.search).get("player");
    const query = new URLSearchParams({ limit: "500" });
    if (player) query.set("player_id", player);
    try {
      const response = await fetch(`/api/ledger?${query}`, { headers: { Accept: "application/json" } });
      if (response.ok) draw((await response.json()).entries);
    } catch (_) { /* the map's status line reports connection problems */ }
  }

  if (select) select.addEventListener("change", refresh);
  refresh();
  setInterval(refresh, 30000);
})();
