// The scout-tour map: fetches the read-only API every few seconds and redraws an SVG.
// Query string: ?system=X1-TS98&player=1&markets=1&lanes=0&refresh=5000
"use strict";
(() => {
  const SVG = "http://www.w3.org/2000/svg";
  const PALETTE = ["#ff6b6b", "#4dabf7", "#ffd43b", "#51cf66", "#cc5de8", "#ff922b", "#22b8cf",
                   "#f06595", "#94d82d", "#845ef7", "#fab005", "#20c997"];
  // Market data age buckets (seconds), matching the legend in index.html.
  const AGE_CLASSES = [[15 * 60, "fresh"], [60 * 60, "recent"], [6 * 3600, "aging"], [Infinity, "stale"]];
  // A market on a tour with a planned loop is judged by that loop: fresh within one loop,
  // due within two, overdue after. The slack covers market reads and docking, which the
  // planned (flight) time leaves out.
  const LOOP_SLACK_S = 120;
  const LANES_SHOWN = 5;  // top trade lanes drawn (market spreads, light hauler)

  const params = new URLSearchParams(location.search);
  const state = {
    system: params.get("system") || "",
    player: params.get("player") || "",
    refreshMs: Math.max(500, Number(params.get("refresh")) || 5000),
    hidden: new Set(),          // container ids the user unticked
    colours: new Map(),         // ship symbol -> colour, stable across refreshes and restarts
    systemData: null,           // cached /api/systems/{system}
    tours: [],
    runs: [],                   // live navigation / contract / trade / purchase runs (/api/bot/runs)
    markets: [],
    lanes: [],                  // top trade lanes of /api/market/spreads
    view: null,                 // current viewBox [x, y, w, h]; null = fit the system
  };
  const $ = (sel) => document.querySelector(sel);
  const svg = $("#map");
  const tooltip = $("#tooltip");

  function el(name, attrs = {}, parent = null) {
    const node = document.createElementNS(SVG, name);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    if (parent) parent.appendChild(node);
    return node;
  }

  async function getJSON(url) {
    const response = await fetch(url, { headers: { Accept: "application/json" } });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(body.detail || `${response.status} ${response.statusText}`);
    return body;
  }

  function setStatus(text, isError = false) {
    const status = $("#status");
    status.textContent = text;
    status.classList.toggle("error", isError);
  }

  function syncUrl() {
    const q = new URLSearchParams(location.search);
    q.set("system", state.system);
    state.player ? q.set("player", state.player) : q.delete("player");
    $("#markets-toggle").checked ? q.set("markets", "1") : q.delete("markets");
    $("#lanes-toggle").checked ? q.delete("lanes") : q.set("lanes", "0");
    history.replaceState(null, "", `${location.pathname}?${q}`);
  }

  function colourFor(ship) {
    if (!state.colours.has(ship)) {
      const used = new Set(state.colours.values());
      const free = PALETTE.find((c) => !used.has(c));
      state.colours.set(ship, free || PALETTE[state.colours.size % PALETTE.length]);
    }
    return state.colours.get(ship);
  }

  function ageClass(seconds) {
    return AGE_CLASSES.find(([limit]) => seconds < limit)[1];
  }

  function loopAgeClass(seconds, period) {
    if (seconds <= period + LOOP_SLACK_S) return "fresh";
    return seconds <= 2 * period + LOOP_SLACK_S ? "due" : "overdue";
  }

  // Market symbol -> the planned loop of the live tour that visits it (the longest, if several).
  function loopsByMarket() {
    const loops = new Map();
    for (const tour of state.tours) {
      if (tour.period_seconds == null) continue;
      for (const market of tour.markets) loops.set(market, Math.max(tour.period_seconds, loops.get(market) ?? 0));
    }
    return loops;
  }

  function formatPeriod(seconds) {
    const h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    return h ? `${h}h${String(m).padStart(2, "0")}m` : `${m}m${String(s).padStart(2, "0")}s`;
  }

  function formatAge(seconds) {
    if (seconds < 90) return `${seconds} s`;
    if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
    return `${(seconds / 3600).toFixed(1)} h`;
  }

  const suffix = (symbol) => symbol.split("-").pop();

  // Waypoints sharing coordinates (a planet and its moons/stations) are spread on a small
  // ring around the parent so each stays visible and clickable.
  function layout(waypoints, unit) {
    const groups = new Map();
    for (const w of waypoints) {
      const key = `${w.x},${w.y}`;
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key).push(w);
    }
    const pos = new Map();
    for (const members of groups.values()) {
      members.sort((a, b) => (a.orbits ? 1 : 0) - (b.orbits ? 1 : 0) || a.symbol.localeCompare(b.symbol));
      const [centre, ...orbitals] = members;
      pos.set(centre.symbol, { x: centre.x, y: centre.y });
      orbitals.forEach((w, i) => {
        const angle = -Math.PI / 2 + (2 * Math.PI * i) / orbitals.length;
        pos.set(w.symbol, { x: centre.x + Math.cos(angle) * unit * 2.2, y: centre.y + Math.sin(angle) * unit * 2.2 });
      });
    }
    return { groups: [...groups.values()], pos };
  }

  function fitView(waypoints) {
    const xs = waypoints.map((w) => w.x), ys = waypoints.map((w) => w.y);
    const minX = Math.min(0, ...xs), maxX = Math.max(0, ...xs);
    const minY = Math.min(0, ...ys), maxY = Math.max(0, ...ys);
    const pad = Math.max(maxX - minX, maxY - minY, 40) * 0.06;
    return [minX - pad, minY - pad, maxX - minX + 2 * pad, maxY - minY + 2 * pad];
  }

  function render() {
    const system = state.systemData;
    svg.replaceChildren();
    if (!system) return;
    const base = fitView(system.waypoints);
    const view = state.view || base;
    svg.setAttribute("viewBox", view.join(" "));
    // Sizes follow the zoom so markers keep their on-screen size.
    const unit = Math.max(view[2], view[3]) / 180;
    const { groups, pos } = layout(system.waypoints, Math.max(base[2], base[3]) / 180);
    const bySymbol = new Map(system.waypoints.map((w) => [w.symbol, w]));

    const layers = {};
    for (const name of ["orbits", "waypoints", "lanes", "routes", "overlay", "labels", "ships"]) {
      layers[name] = el("g", { id: `layer-${name}` }, svg);
    }
    el("circle", { class: "star", cx: 0, cy: 0, r: unit * 2.2 }, layers.waypoints);

    for (const members of groups) {
      if (members.length > 1) {
        const c = members[0];
        el("circle", { class: "orbit-ring", cx: c.x, cy: c.y, r: Math.max(base[2], base[3]) / 180 * 2.2,
                       "stroke-width": unit * 0.15 }, layers.orbits);
      }
    }
    for (const w of system.waypoints) {
      const p = pos.get(w.symbol);
      const r = w.is_market ? unit * 0.95 : w.type === "ASTEROID" ? unit * 0.45 : unit * 0.65;
      const dot = el("circle", {
        class: `waypoint${w.is_market ? " market" : ""}`, cx: p.x, cy: p.y, r,
        "data-symbol": w.symbol, "data-type": w.type, "stroke-width": unit * 0.3,
      }, layers.waypoints);
      dot.addEventListener("mousemove", (e) => showTip(e, `${w.symbol}\n${w.type}${w.orbits ? ` · orbits ${suffix(w.orbits)}` : ""}\n${w.traits.join(", ")}`));
      dot.addEventListener("mouseleave", hideTip);
    }
    // Label markets only, one label per location so stacked orbitals do not overlap.
    for (const members of groups) {
      const markets = members.filter((w) => w.is_market);
      if (!markets.length) continue;
      const c = members[0];
      const lift = members.length > 1 ? unit * 3.4 : unit * 1.6;
      el("text", { class: "market-label", x: c.x + lift, y: c.y + unit * 0.8, "font-size": unit * 2.6,
                   "stroke-width": unit * 0.6 }, layers.labels).textContent = markets.map((w) => suffix(w.symbol)).join(" · ");
    }

    drawLanes(layers.lanes, pos, unit);
    drawTours(layers, pos, unit);
    drawRuns(layers, pos, unit);
    drawMarkets(layers.overlay, system, pos, unit);
    applyVisibility();
  }

  function drawTours(layers, pos, unit) {
    for (const tour of state.tours) {
      const colour = colourFor(tour.ship_symbol);
      const id = tour.container_id;
      const group = el("g", { class: "tour", "data-container-id": id, "data-ship": tour.ship_symbol }, layers.routes);
      const points = tour.route.map((p) => pos.get(p.symbol) || p).map((p) => `${p.x},${p.y}`).join(" ");
      el("polygon", { class: "tour-route", "data-container-id": id, points, stroke: colour,
                      "stroke-width": unit * 0.45 }, group);
      if (!tour.ship) continue;
      const at = tour.ship.nav_status === "IN_TRANSIT" ? tour.ship : pos.get(tour.ship.waypoint) || tour.ship;
      const next = tour.next_market && pos.get(tour.next_market);
      if (next && tour.ship.nav_status === "IN_TRANSIT") {
        el("line", { class: "next-leg", x1: at.x, y1: at.y, x2: next.x, y2: next.y, stroke: colour,
                     "stroke-width": unit * 0.35, "stroke-dasharray": `${unit} ${unit}` }, group);
      }
      const ship = el("g", { class: "ship-marker", "data-container-id": id, "data-ship": tour.ship_symbol,
                             transform: `translate(${at.x} ${at.y})` }, layers.ships);
      const s = unit * 1.9;
      el("path", { d: `M0 ${-s} L${s * 0.85} ${s * 0.7} L0 ${s * 0.3} L${-s * 0.85} ${s * 0.7} Z`, fill: colour,
                   "stroke-width": unit * 0.3 }, ship);
      el("text", { class: "ship-label", x: s * 1.1, y: -s * 0.6, "font-size": unit * 2.4,
                   "stroke-width": unit * 0.6 }, ship).textContent = suffix(tour.ship_symbol);
      ship.addEventListener("mousemove", (e) => showTip(e, shipTip(tour)));
      ship.addEventListener("mouseleave", hideTip);
    }
  }

  // The best trade lanes (buy here, sell there) as dashed lines, thicker for the better ones.
  function drawLanes(layer, pos, unit) {
    layer.id = "lane-overlay";
    const best = state.lanes.length ? state.lanes[0].profit_per_hour : 0;
    for (const lane of state.lanes) {
      const a = pos.get(lane.buy_at), b = pos.get(lane.sell_at);
      if (!a || !b) continue;
      const weight = best > 0 ? 0.25 + 0.5 * Math.max(0, lane.profit_per_hour) / best : 0.4;
      const line = el("line", { class: "trade-lane", "data-good": lane.good, "data-buy": lane.buy_at,
                                "data-sell": lane.sell_at, x1: a.x, y1: a.y, x2: b.x, y2: b.y,
                                "stroke-width": unit * weight, "stroke-dasharray": `${unit * 1.6} ${unit * 1.1}` }, layer);
      const text = `${lane.good}: buy ${lane.units} at ${lane.buy_at} (${lane.buy_price}), sell at ${lane.sell_at} (${lane.sell_price})\n` +
                   `profit ${lane.expected_profit.toLocaleString()} · ${Math.round(lane.profit_per_hour).toLocaleString()}/h\n` +
                   `data ${formatAge(lane.data_age_seconds)} old`;
      line.addEventListener("mousemove", (e) => showTip(e, text));
      line.addEventListener("mouseleave", hideTip);
    }
  }

  // Ships on other runs: a square marker, the planned route (if the run keeps one) and a
  // dashed line to the next stop, labelled with what the run is doing.
  function drawRuns(layers, pos, unit) {
    for (const run of state.runs) {
      if (!run.ship) continue;
      const colour = colourFor(run.ship_symbol);
      const group = el("g", { class: "run", "data-container-id": run.container_id, "data-ship": run.ship_symbol }, layers.routes);
      const at = run.ship.nav_status === "IN_TRANSIT" ? run.ship : pos.get(run.ship.waypoint) || run.ship;
      if (run.route.length > 1) {
        const points = run.route.map((p) => pos.get(p.symbol) || p).map((p) => `${p.x},${p.y}`).join(" ");
        el("polyline", { class: "run-route", points, stroke: colour, fill: "none", "stroke-width": unit * 0.35 }, group);
      }
      const next = run.next_stop && pos.get(run.next_stop);
      if (next) {
        el("line", { class: "run-next", x1: at.x, y1: at.y, x2: next.x, y2: next.y, stroke: colour,
                     "stroke-width": unit * 0.4, "stroke-dasharray": `${unit * 2} ${unit}` }, group);
      }
      const ship = el("g", { class: "ship-marker run-marker", "data-container-id": run.container_id,
                             "data-ship": run.ship_symbol, transform: `translate(${at.x} ${at.y})` }, layers.ships);
      const s = unit * 1.6;
      el("rect", { x: -s, y: -s, width: 2 * s, height: 2 * s, fill: colour, "stroke-width": unit * 0.3 }, ship);
      el("text", { class: "ship-label", x: s * 1.3, y: -s * 0.6, "font-size": unit * 2.4, "stroke-width": unit * 0.6 },
         ship).textContent = `${suffix(run.ship_symbol)} ${run.command_type.replace("Command", "").toLowerCase()}`;
      const tip = `${run.ship_symbol} · ${run.command_type} · ${run.status}\n${run.container_id}\n` +
                  `${run.phase ? `phase: ${run.phase}\n` : ""}next: ${run.next_stop || "?"}`;
      ship.addEventListener("mousemove", (e) => showTip(e, tip));
      ship.addEventListener("mouseleave", hideTip);
    }
  }

  function shipTip(tour) {
    const where = tour.current_market ? `at ${tour.current_market}` : tour.ship ? `${tour.ship.nav_status} ${tour.ship.waypoint}` : "position unknown";
    return `${tour.ship_symbol} · ${tour.status}\n${tour.container_id}\n${where}\nnext: ${tour.next_market || "?"}`;
  }

  function drawMarkets(layer, system, pos, unit) {
    layer.id = "market-overlay";
    const seen = new Map(state.markets.map((m) => [m.waypoint_symbol, m]));
    const loops = loopsByMarket();
    for (const w of system.waypoints.filter((w) => w.is_market || seen.has(w.symbol))) {
      const m = seen.get(w.symbol);
      const p = pos.get(w.symbol);
      const loop = loops.get(w.symbol);
      const cls = !m ? "none" : loop == null ? ageClass(m.age_seconds) : loopAgeClass(m.age_seconds, loop);
      const ring = el("circle", { class: "market-marker", "data-age-class": cls, "data-symbol": w.symbol,
                                  cx: p.x, cy: p.y, r: unit * 1.8, "stroke-width": unit * 0.55 }, layer);
      const onLoop = loop == null ? "" : `\ntour loop ${formatPeriod(loop)}: ${cls}`;
      const text = m ? `${w.symbol}\ndata ${formatAge(m.age_seconds)} old${onLoop}\n${m.goods.length} goods` : `${w.symbol}\nno market data yet`;
      ring.addEventListener("mousemove", (e) => showTip(e, text));
      ring.addEventListener("mouseleave", hideTip);
    }
  }

  function applyVisibility() {
    const showMarkets = $("#markets-toggle").checked;
    $("#lane-overlay")?.classList.toggle("is-hidden", !$("#lanes-toggle").checked);
    $("#market-overlay")?.classList.toggle("is-hidden", !showMarkets);
    $("#market-legend").hidden = !showMarkets;
    for (const node of svg.querySelectorAll(".tour, .ship-marker")) {
      node.classList.toggle("is-hidden", state.hidden.has(node.dataset.containerId));
    }
    for (const item of document.querySelectorAll(".tour-item")) {
      item.classList.toggle("off", state.hidden.has(item.dataset.containerId));
    }
  }

  function renderPanel() {
    const list = $("#tour-list");
    list.replaceChildren();
    $("#tour-count").textContent = `(${state.tours.length})`;
    $("#no-tours").hidden = state.tours.length > 0;
    for (const tour of state.tours) {
      const li = document.createElement("li");
      li.className = "tour-item";
      li.dataset.containerId = tour.container_id;
      const label = document.createElement("label");
      const box = document.createElement("input");
      box.type = "checkbox";
      box.className = "tour-filter";
      box.dataset.containerId = tour.container_id;
      box.checked = !state.hidden.has(tour.container_id);
      box.addEventListener("change", () => {
        box.checked ? state.hidden.delete(tour.container_id) : state.hidden.add(tour.container_id);
        applyVisibility();
      });
      const swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.style.background = colourFor(tour.ship_symbol);
      const ship = document.createElement("span");
      ship.className = "ship";
      ship.textContent = tour.ship_symbol;
      const badge = document.createElement("span");
      badge.className = `badge ${tour.status}`;
      badge.textContent = tour.status;
      const meta = document.createElement("span");
      meta.className = "meta";
      const where = tour.current_market ? `at ${suffix(tour.current_market)}` : tour.ship ? tour.ship.nav_status.toLowerCase().replace("_", " ") : "position unknown";
      const period = tour.period_seconds == null ? "" : ` · <span class="period">refreshed every ${formatPeriod(tour.period_seconds)}</span>`;
      meta.innerHTML = `<span class="cid"></span><br>${tour.markets.length} markets · ${Math.round(tour.total_distance)} u loop${period} · ${where}${tour.next_market ? ` → ${suffix(tour.next_market)}` : ""}`;
      meta.querySelector(".cid").textContent = tour.container_id;
      label.append(box, swatch, ship, badge, meta);
      li.append(label);
      list.append(li);
    }
  }

  function showTip(event, text) {
    const box = $("#map-wrap").getBoundingClientRect();
    tooltip.textContent = text;
    tooltip.hidden = false;
    tooltip.style.left = `${event.clientX - box.left + 14}px`;
    tooltip.style.top = `${event.clientY - box.top + 14}px`;
  }
  function hideTip() { tooltip.hidden = true; }

  async function refresh() {
    if (!state.system) return;
    const player = state.player ? `?player_id=${encodeURIComponent(state.player)}` : "";
    const sys = encodeURIComponent(state.system);
    try {
      const [systemData, tours, markets, runs, spreads] = await Promise.all([
        state.systemData?.symbol === state.system ? state.systemData : getJSON(`/api/systems/${sys}`),
        getJSON(`/api/bot/tours/${sys}${player}`),
        getJSON(`/api/markets/${sys}`),
        getJSON(`/api/bot/runs/${sys}${player}`),
        // lanes are an extra: the map still draws without them
        getJSON(`/api/market/spreads?system=${sys}&limit=${LANES_SHOWN}`).catch(() => ({ lanes: [] })),
      ]);
      state.lanes = spreads.lanes;
      state.systemData = systemData;
      state.tours = tours.tours;
      state.runs = runs.runs;
      state.markets = markets.markets;
      render();
      renderPanel();
      applyVisibility();
      document.body.dataset.loaded = "true";
      setStatus(`${state.tours.length} tours · ${systemData.waypoints.length} waypoints · updated ${new Date().toLocaleTimeString()}`);
    } catch (error) {
      setStatus(`could not load ${state.system}: ${error.message}`, true);
    }
  }

  function installZoom() {
    let drag = null;
    const current = () => state.view || fitView(state.systemData.waypoints);
    svg.addEventListener("wheel", (e) => {
      if (!state.systemData) return;
      e.preventDefault();
      const [x, y, w, h] = current();
      const box = svg.getBoundingClientRect();
      const scale = Math.min(box.width / w, box.height / h);
      const fx = x + (e.clientX - box.left - (box.width - w * scale) / 2) / scale;
      const fy = y + (e.clientY - box.top - (box.height - h * scale) / 2) / scale;
      const k = e.deltaY < 0 ? 0.8 : 1.25;
      state.view = [fx - (fx - x) * k, fy - (fy - y) * k, w * k, h * k];
      render();
    }, { passive: false });
    svg.addEventListener("mousedown", (e) => { if (state.systemData) { drag = { x: e.clientX, y: e.clientY, view: current() }; svg.classList.add("dragging"); } });
    window.addEventListener("mouseup", () => { drag = null; svg.classList.remove("dragging"); });
    window.addEventListener("mousemove", (e) => {
      if (!drag) return;
      const [x, y, w, h] = drag.view;
      const box = svg.getBoundingClientRect();
      const scale = Math.min(box.width / w, box.height / h);
      state.view = [x - (e.clientX - drag.x) / scale, y - (e.clientY - drag.y) / scale, w, h];
      render();
    });
    svg.addEventListener("dblclick", () => { state.view = null; render(); });
  }

  async function init() {
    $("#markets-toggle").checked = params.get("markets") === "1";
    $("#markets-toggle").addEventListener("change", () => { applyVisibility(); syncUrl(); });
    $("#lanes-toggle").checked = params.get("lanes") !== "0";
    $("#lanes-toggle").addEventListener("change", () => { applyVisibility(); syncUrl(); });
    $("#tours-all").addEventListener("click", () => { state.hidden.clear(); renderPanel(); applyVisibility(); });
    $("#tours-none").addEventListener("click", () => { state.tours.forEach((t) => state.hidden.add(t.container_id)); renderPanel(); applyVisibility(); });
    installZoom();
    try {
      const [{ systems }, { players }] = await Promise.all([getJSON("/api/systems"), getJSON("/api/players")]);
      const select = $("#system-select");
      for (const s of systems) {
        select.add(new Option(`${s.symbol} (${s.live_tours} tours)`, s.symbol));
      }
      if (state.system && !systems.some((s) => s.symbol === state.system)) select.add(new Option(state.system, state.system));
      state.system = state.system || systems[0]?.symbol || "";
      select.value = state.system;
      select.addEventListener("change", () => { state.system = select.value; state.view = null; syncUrl(); refresh(); });
      const players_ = $("#player-select");
      for (const p of players) players_.add(new Option(`${p.agent_symbol} (#${p.player_id})`, String(p.player_id)));
      players_.value = state.player;
      players_.addEventListener("change", () => { state.player = players_.value; syncUrl(); refresh(); });
      if (!state.system) setStatus("no systems in the cache yet", true);
    } catch (error) {
      setStatus(`could not load systems: ${error.message}`, true);
    }
    await refresh();
    setInterval(refresh, state.refreshMs);
  }

  init();
})();
