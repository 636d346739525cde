// Credits over time: a small SVG line per player from /api/ledger (credits after each entry),
// and income and spend by kind from /api/ledger/report?by=kind as bars.
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

  // One bar per kind: income to the right in green, spend to the left in red, on one scale.
  function drawKinds(groups) {
    const kinds = document.querySelector("#credits-kinds");
    if (!kinds) return;
    kinds.replaceChildren();
    if (!groups.length) return;
    const rowH = 14, mid = W / 2;
    const most = Math.max(...groups.map((g) => Math.max(g.income, -g.spend)), 1);
    const svg = el("svg", { viewBox: `0 0 ${W} ${rowH * groups.length}`, width: "100%", role: "img",
                            "aria-label": "Income and spend by kind" }, kinds);
    groups.forEach((g, i) => {
      const y = i * rowH, net = g.income + g.spend;
      const bar = el("g", { "data-kind": g.key }, svg);
      if (g.income > 0) el("rect", { x: mid, y: y + 2, width: (g.income / most) * (mid - PAD), height: rowH - 4,
                                      fill: "#51cf66", "data-income": g.income }, bar);
      if (g.spend < 0) {
        const w = (-g.spend / most) * (mid - PAD);
        el("rect", { x: mid - w, y: y + 2, width: w, height: rowH - 4, fill: "#ff6b6b", "data-spend": -g.spend }, bar);
      }
      el("text", { x: net >= 0 ? PAD : W - PAD, y: y + rowH - 3, "font-size": 10, fill: "currentColor",
                   "text-anchor": net >= 0 ? "start" : "end" }, bar).textContent = `${g.key} ${net.toLocaleString()}`;
    });
  }

  async function getJSON(url) {
    const response = await fetch(url, { headers: { Accept: "application/json" } });
    return response.ok ? response.json() : null;
  }

  async function refresh() {
    const player = (select && select.value) || new URLSearchParams(location.search).get("player");
    const query = new URLSearchParams({ limit: "500" });
    const only = new URLSearchParams({ by: "kind" });
    if (player) { query.set("player_id", player); only.set("player_id", player); }
    try {
      const [ledger, report] = await Promise.all([getJSON(`/api/ledger?${query}`), getJSON(`/api/ledger/report?${only}`)]);
      if (ledger) draw(ledger.entries);
      if (report) drawKinds(report.groups);
    } catch (_) { /* the map's status line reports connection problems */ }
  }

  if (select) select.addEventListener("change", refresh);
  refresh();
  setInterval(refresh, 30000);
})();
