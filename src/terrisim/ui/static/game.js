// The baskets game page: preparing a game, the trainer's view, a team's view, the debrief.
//
// One client of the game API (/api/game/..., terrisim/game/web.py). The address says what is
// shown: #game=<id> (the trainer's view: the trainer's browser holds the facilitator's cookie,
// so no token is ever in a projected address bar), #game=<id>&team=<name>&token=<token> (a
// team, on its own screen; the trainer's screen needs no token), #...&view=debrief. Every visible word goes
// through t(key) and the dictionary served at /api/game/i18n (French by default). The page
// polls the game's version every 2 seconds and redraws when another screen changed it; what a
// team is typing in the offer form is kept across redraws. window.terrisimGame exposes the
// state (read by the browser tests).

import { esc, fmt, legendHtml, lineChart, mapLegendHtml, PALETTE, territoryMap } from "./charts.js";
import { pickMap } from "./map.js";
import { bigScreen } from "./display.js";
import { translator } from "./words.js";

const POLL_MS = 2000;
const state = {
  lang: "fr",
  dict: {},
  catalogue: null,
  territories: [], // of the scenario chosen in the set-up
  game: null, // game id
  role: "setup", // setup | trainer | player | debrief
  team: null,
  token: null,
  facilitator: false, // this browser holds the facilitator's credential (cookie)
  view: null, // last trainer or player view from the server
  version: -1,
  debrief: null,
  form: { to: null, give: {}, ask: {}, years: 2, commitment: 0.5, counter: null },
  replay: { index: 0, timer: null },
  busy: false,
  offline: false, // the last poll failed: the page is reconnecting
  roomVersion: -1, // version of the timer and messages shown
  clockOffset: 0, // server clock minus this browser's, in seconds (for the round timer)
  ended: false,
  loading: 0, // count of scenario loads started: only the latest one fills the set-up table
  renders: 0,
};
window.terrisimGame = state;

const $ = (sel, root = document) => root.querySelector(sel);
const $$ = (sel, root = document) => [...root.querySelectorAll(sel)];
const { t, label, translated, applyI18n, useLanguage } = translator(state);

// ---------------------------------------------------------------------------------------------
// Words

const pct = (v) => (v === null || v === undefined ? "–" : `${fmt(100 * v, state.lang)} %`);
const num = (v) => fmt(v, state.lang);
/** A duration in years, the language's way: "1 an", "1,5 an", "2 ans" (fr); "1 year" (en). */
const yearsText = (v) => t(Number(v) < 2 && (state.lang === "fr" || Number(v) === 1)
  ? "unit.year" : "unit.years", { n: num(Number(v)) });
const bi = (text) => (text ? (text[state.lang] ?? text.fr) : "");

function setLanguage(lang) {
  useLanguage(lang);
  render();
}

// ---------------------------------------------------------------------------------------------
// Server

class ApiError extends Error {
  constructor(message, code, status) { super(message); this.code = code; this.status = status; }
}

async function api(method, path, body) {
  const init = { method, headers: {} };
  let url = path;
  if (method === "GET") {
    url += (path.includes("?") ? "&" : "?") + `lang=${state.lang}`;
  } else {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify({ ...(body || {}), lang: state.lang });
  }
  let res;
  try {
    res = await fetch(url, init);
  } catch {
    throw new ApiError(t("error.network"), "network", 0);
  }
  const data = await res.json().catch(() => ({ error: { message: res.statusText } }));
  if (!res.ok) throw new ApiError(data.error?.message || res.statusText, data.error?.code,
    res.status);
  return data;
}

const q = (params) => Object.entries(params)
  .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&");

function showError(err) {
  const box = $("#error");
  if (!err) { box.hidden = true; box.textContent = ""; return; }
  box.textContent = `${t("error.prefix")} ${err.message}`;
  box.hidden = false;
  box.dataset.code = err.code || "";
}

function notice(text) {
  const box = $("#notice");
  box.hidden = !text;
  box.textContent = text || "";
}

/** Run a command; show its error in the banner; reload the view after a stale (409) one. */
async function command(fn) {
  if (state.busy) return false;
  state.busy = true;
  try {
    await fn();
    showError(null);
    return true;
  } catch (err) {
    showError(err);
    if (err.status === 409) await refresh(true).catch(() => {});
    return false;
  } finally {
    state.busy = false;
  }
}

// ---------------------------------------------------------------------------------------------
// Address: who is looking

function readHash() {
  const p = new URLSearchParams(location.hash.slice(1));
  state.game = p.get("game");
  state.team = p.get("team");
  state.token = p.get("token");
  state.joinCode = p.get("join");
  if (!state.game) state.role = "setup";
  else if (p.get("view") === "debrief") state.role = "debrief";
  else if (state.team) state.role = "player";
  else state.role = "trainer";
}

/** Whether the page was opened on this computer's own address (team links work only here). */
function isLoopback(host) {
  return host === "localhost" || host.startsWith("127.") || host === "[::1]" || host === "::1";
}

function teamLink(team, token) {
  // the address teams reach (the machine's network address when the server listens on it)
  const origin = state.view?.join?.address?.replace(/\/jeu$/, "") || location.origin;
  return `${origin}/static/game.html#${q({ game: state.game, team, token })}`;
}

function go(params) {
  location.hash = q(params);
}

// ---------------------------------------------------------------------------------------------
// Loading and polling

async function refresh(force = false) {
  if (!state.game || state.role === "setup") return;
  if (state.role === "debrief") {
    if (!state.debrief || force) {
      const who = state.token ? `?${q({ token: state.token })}` : "";
      state.debrief = await api("GET", `/api/game/${state.game}/debrief${who}`);
      state.replay.index = state.debrief.timeline.length - 1;
    }
    render();
    return;
  }
  if (state.role === "trainer") {
    state.view = await api("GET", `/api/game/${state.game}/trainer`);
  } else {
    const who = state.token ? { team: state.team, token: state.token } : { team: state.team };
    state.view = await api("GET", `/api/game/${state.game}/player?${q(who)}`);
  }
  state.version = state.view.version;
  state.ended = Boolean(state.view.ended);
  takeRoom(state.view);
  if (state.view.ended) state.view.finished = true; // ended by the trainer: as if over
  render();
}

/** Remember the room state of a view (timer, messages) and the server's clock. */
function takeRoom(v) {
  if (!v?.room) return;
  state.roomVersion = v.room.version;
  state.clockOffset = v.room.now - Date.now() / 1000;
}

/** The round timer, every second, on every element marked data-timer. */
function tickTimers() {
  const timer = state.view?.room?.timer;
  const left = timer ? timer.ends_at - (Date.now() / 1000 + state.clockOffset) : null;
  for (const el of $$("[data-timer]")) {
    if (left === null) { el.textContent = ""; el.classList.remove("late"); continue; }
    const s = Math.max(0, Math.round(left));
    el.textContent = s > 0
      ? t("timer.left", { time: `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}` })
      : t("timer.over");
    el.classList.toggle("late", s < 60);
  }
}

function clock(at) {
  return new Date(1000 * at).toLocaleTimeString(state.lang, { hour: "2-digit", minute: "2-digit" });
}

async function roomCommand(path, body, done) {
  const v = await api("POST", `/api/game/${state.game}/${path}`, body);
  state.view = { ...v, links: state.view.links, join: state.view.join };
  takeRoom(state.view);
  if (done) notice(done);
  render();
}

/** Show (or hide) the reconnecting banner; the game is stored, the page only waits. */
function offline(lost) {
  if (lost === state.offline) return;
  state.offline = lost;
  const box = $("#reconnecting");
  box.hidden = !lost;
  box.textContent = lost ? t("game.reconnecting") : "";
  if (!lost) notice(t("game.reconnected"));
}

async function poll() {
  if (!state.game || state.busy || !["trainer", "player", "debrief"].includes(state.role)) return;
  try {
    const s = await api("GET", `/api/game/${state.game}/status`);
    const back = state.offline;
    offline(false);
    if (back) showError(null);
    if (state.role === "debrief") return;
    if (back || s.version !== state.version || s.ended !== state.ended ||
      s.room !== state.roomVersion) await refresh();
  } catch (err) {
    // the server is down or restarting (network error, 5xx): poll on until it answers
    if (err.status === 0 || err.status >= 500) offline(true);
  }
}

// ---------------------------------------------------------------------------------------------
// Rendering

function show(role) {
  // a browser without the facilitator's credential joins games; it cannot prepare one
  const shown = role === "setup" && !state.facilitator ? "join" : role;
  for (const id of ["join", "setup", "trainer", "player", "debrief"]) $(`#${id}`).hidden = id !== shown;
}

/** A team joins with its code: the server gives the game, the team and its token. */
async function joinWith(code) {
  const found = await api("GET", `/api/game/join/${encodeURIComponent(code.trim())}`);
  go({ game: found.game, team: found.team, token: found.token });
}

function showQr(team) {
  const j = (state.view.join?.teams || []).find((x) => x.team === team);
  if (!j) return;
  $("#qr-team").textContent = team;
  $("#qr-code").innerHTML = j.qr || "";
  $("#qr-text").textContent = j.code;
  $("#qr-address").textContent = state.view.join.address;
  $("#qr-dialog").showModal();
}

function render() {
  show(state.role);
  if (state.role === "setup") renderSetup();
  else if (state.role === "trainer" && state.view) renderTrainer(state.view);
  else if (state.role === "player" && state.view) renderPlayer(state.view);
  else if (state.role === "debrief" && state.debrief) renderDebrief(state.debrief);
  state.renders += 1;
  document.body.dataset.ready = "true";
  document.body.dataset.role = state.role;
}

function basketText(basket) {
  const items = Object.entries(basket || {});
  if (!items.length) return "–";
  return items.map(([g, v]) => `${num(v)} ${label("good", g)}`).join(", ");
}

function statusLine(v) {
  if (v.finished) return t("game.finished", { step: v.step });
  return t("game.status", { round: v.round, rounds: v.rounds, step: v.step });
}

function shockMarks(shocks) {
  return (shocks || []).map((s) => ({ step: s.step, last: s.last_step, label: label("shock", s.kind) }));
}

function chart(container, id, title, x, lines, y, shocks) {
  // looked up by its dataset, not a selector: a team's name may hold quotes (Équipe "Montagne")
  let fig = [...container.querySelectorAll("[data-chart]")].find((f) => f.dataset.chart === id);
  if (!fig) {
    fig = $("#chart-template").content.firstElementChild.cloneNode(true);
    fig.dataset.chart = id;
    container.append(fig);
  }
  $("figcaption", fig).textContent = title;
  const coloured = lines.map((l, k) => ({ ...l, color: l.color || PALETTE[k % PALETTE.length] }));
  lineChart($("svg", fig), { x, lines: coloured, y, shocks: shocks || [] }, state.lang);
  $(".legend", fig).innerHTML = legendHtml(coloured);
}

function drawMap(svg, legend, map, teams) {
  territoryMap(svg, map, (k) => label("kind", k), {
    population: t("word.population"), satisfaction: t("word.satisfaction"),
    trust: t("word.trust"), volume: t("word.volume"),
  }, state.lang);
  const names = new Set(teams.map((tm) => tm.name));
  $$("circle.territory", svg).forEach((c) => {
    const name = c.querySelector("title")?.textContent.split(" (")[0];
    if (names.has(name)) c.classList.add("team");
  });
  legend.innerHTML = mapLegendHtml({
    satLow: t("legend.satisfaction_low"), satHigh: t("legend.satisfaction_high"),
    trustLow: t("legend.trust_low"), trustHigh: t("legend.trust_high"),
  });
}

function who(name, team) {
  return team ? `${esc(name)} <span class="badge team">${esc(team)}</span>`
    : `${esc(name)} <span class="badge">${esc(t("word.agent"))}</span>`;
}

function teamOf(id) {
  const tm = (state.view?.teams || state.debrief?.teams || []).find((x) => x.id === id);
  return tm ? tm.team : null;
}

/** An offer as a card; buttons for the team it is addressed to, while it is open. */
function offerHtml(o, { answer = false, withdraw = false } = {}) {
  const reasons = o.answer ? o.answer.reasons.filter((r) => r.code !== "player")
    .map((r) => esc(bi(r.text))).join(" ; ") : "";
  const by = o.answer ? (o.answer.by || `${o.to_name} (${t("word.agent")})`) : "";
  let html = `<div class="offer st-${esc(o.status)}" data-offer="${o.id}">` +
    `<span class="status">${esc(t(`status.${o.status}`))}</span>` +
    `<strong>${esc(t("offer.number", { id: o.id }))}</strong> · ${esc(t("offer.round", { round: o.round }))}` +
    (o.parent ? ` · ${esc(t("offer.counter_of", { id: o.parent }))}` : "") +
    `<div class="terms">${who(o.from_name, teamOf(o.from))} ${esc(t("offer.gives"))} ` +
    `<strong>${esc(basketText(o.give))}</strong><br>${who(o.to_name, teamOf(o.to))} ` +
    `${esc(t("offer.gives_back"))} <strong>${esc(basketText(o.ask))}</strong></div>` +
    `<div>${esc(t("offer.terms", {
      years: yearsText(o.years), commitment: pct(o.commitment), give: num(o.give_value),
      ask: num(o.ask_value), balance: pct(o.balance),
    }))}</div>`;
  if (o.note) html += `<div class="why">${esc(bi(o.note))}</div>`;
  if (o.answer) {
    html += `<div class="why">${esc(t(`decision.${o.answer.decision}`, { who: by }))}` +
      `${reasons ? ` : ${reasons}` : ""}</div>`;
  }
  if (answer && o.status === "open") {
    html += `<div class="buttons"><button type="button" data-accept="${o.id}">${esc(t("btn.accept"))}</button>` +
      `<button type="button" data-counter="${o.id}">${esc(t("btn.counter"))}</button>` +
      `<button type="button" data-refuse="${o.id}">${esc(t("btn.refuse"))}</button></div>`;
  }
  if (withdraw && o.status === "open") {
    html += `<div class="buttons"><button type="button" data-withdraw="${o.id}">${esc(t("btn.withdraw"))}</button></div>`;
  }
  return `${html}</div>`;
}

function agreementsHtml(list) {
  if (!list.length) return `<p class="help">${esc(t("agreement.none"))}</p>`;
  const rows = list.map((a) => `<tr data-agreement="${a.id}">` +
    `<td>${a.id}</td><td>${who(a.a.name, a.a.team)}<br>${who(a.b.name, a.b.team)}</td>` +
    `<td>${esc(basketText(a.give_ab))}<br>${esc(basketText(a.give_ba))}</td>` +
    `<td>${esc(t("agreement.months", { start: a.start, end: a.end - 1 }))}<br>${pct(a.commitment)}</td>` +
    `<td class="n">${balanceBar(a.balance_agreed)}</td>` +
    `<td class="n">${pct(a.perceived_a)}<br>${pct(a.perceived_b)}</td>` +
    `<td class="n">${pct(a.delivery_ab)}<br>${pct(a.delivery_ba)}</td>` +
    `<td>${esc(t(`agreement.${a.status}`))}</td></tr>`).join("");
  return `<table class="grid numbers"><thead><tr><th>#</th><th>${esc(t("agreement.parties"))}</th>` +
    `<th>${esc(t("agreement.baskets"))}</th><th>${esc(t("agreement.when"))}</th>` +
    `<th class="n">${esc(t("agreement.balance"))}</th><th class="n">${esc(t("agreement.perceived"))}</th>` +
    `<th class="n">${esc(t("agreement.delivered"))}</th><th>${esc(t("agreement.status"))}</th></tr></thead>` +
    `<tbody>${rows}</tbody></table><p class="help">${esc(t("agreement.help"))}</p>`;
}

function balanceBar(v) {
  if (v === null || v === undefined) return "–";
  return `<span class="balance-bar"><span style="width:${Math.round(100 * v)}%"></span></span> ${pct(v)}`;
}

function roundsHtml(rounds) {
  if (!rounds.length) return `<p class="help">${esc(t("rounds.none"))}</p>`;
  const rows = rounds.map((r) => `<tr><td>${r.round}</td><td>${r.first_step}–${r.last_step}</td>` +
    `<td class="n">${pct(r.satisfaction)}</td><td class="n">${pct(r.satisfaction_urban)}</td>` +
    `<td class="n">${pct(r.satisfaction_rural)}</td><td class="n">${num(r.gini)}</td>` +
    `<td class="n">${num(r.trust_urban_rural)}</td><td class="n">${pct(r.reciprocity_balance)}</td>` +
    `<td>${r.agreements.length}</td><td>${r.shocks.map((s) => esc(label("shock", s.shock))).join(", ")}` +
    `</td></tr>`).join("");
  // how far needs met fell after each shock: full sentences under the table (too long for a cell)
  const falls = rounds.flatMap((r) => r.resilience.map((z) => `<li>${esc(t("rounds.resistance", {
    shock: label("shock", z.shock), step: z.step, resistance: pct(z.resistance),
  }))}</li>`)).join("");
  return `<table class="grid numbers" data-role="rounds"><thead><tr><th>${esc(t("word.round"))}</th>` +
    `<th>${esc(t("word.months"))}</th><th class="n">${esc(t("series.satisfaction_mean"))}</th>` +
    `<th class="n">${esc(t("word.urban"))}</th><th class="n">${esc(t("word.rural"))}</th>` +
    `<th class="n">${esc(t("series.gini"))}</th><th class="n">${esc(t("series.trust_urban_rural"))}</th>` +
    `<th class="n">${esc(t("agreement.balance"))}</th><th>${esc(t("game.agreements"))}</th>` +
    `<th>${esc(t("word.shocks"))}</th></tr></thead><tbody>${rows}</tbody></table>` +
    (falls ? `<ul class="resilience">${falls}</ul>` : "");
}

// ---------------------------------------------------------------------------------------------
// Set-up

function renderSetup() {
  const cat = state.catalogue;
  if (!cat) return;
  const sel = $("#setup-scenario");
  if (!sel.options.length) {
    sel.innerHTML = cat.scenarios.map((s) => `<option value="${esc(s.id)}">${esc(
      translated(`scenario.${s.id}.title`, s.title))}</option>`).join("");
    sel.value = cat.default_scenario;
  }
  const current = cat.scenarios.find((s) => s.id === sel.value);
  $("#setup-description").textContent = current
    ? translated(`scenario.${current.id}.description`, current.description) : "";
  const options = state.territories.map((x) => `<option value="${esc(x.id)}">${esc(x.name)} ` +
    `(${esc(label("kind", x.kind))}, ${esc(x.id)})</option>`).join("");
  for (const row of $$("#setup-teams tbody tr")) {
    const select = $("select", row);
    const value = select.value;
    select.innerHTML = options;
    if (value) select.value = value;
    $("button", row).textContent = t("setup.remove_team");
  }
}

function addTeamRow(name, territory) {
  const tr = document.createElement("tr");
  tr.innerHTML = `<td><input type="text" maxlength="60" value="${esc(name)}"></td>` +
    `<td><select></select></td><td><button type="button"></button></td>`;
  $("#setup-teams tbody").append(tr);
  $("button", tr).addEventListener("click", () => { tr.remove(); drawSetupMap(); });
  $("select", tr).addEventListener("focus", () => { state.pickRow = tr; });
  $("select", tr).addEventListener("change", () => drawSetupMap());
  renderSetup();
  if (territory) $("select", tr).value = territory;
}

async function loadTerritories() {
  show("setup");
  renderSetup();
  const id = $("#setup-scenario").value;
  const ticket = ++state.loading;
  const data = await api("GET", `/api/game/scenarios/${encodeURIComponent(id)}`);
  if (ticket !== state.loading) return; // the scenario was chosen again meanwhile: that load wins
  state.territories = data.territories;
  $("#setup-seed").value = data.seed;
  $("#setup-teams tbody").innerHTML = "";
  const urban = data.territories.find((x) => x.urban) || data.territories[0];
  const rural = data.territories.find((x) => !x.urban && x.id !== urban.id) || data.territories[1];
  addTeamRow(`${t("word.team")} 1`, urban?.id);
  if (rural) addTeamRow(`${t("word.team")} 2`, rural.id);
  renderSetup();
  await drawSetupMap();
}

// Real communes or EPCI (map.js): the trainer clicks one to give it to the team whose
// territory menu was used last (else the last team).
async function drawSetupMap() {
  const rows = $$("#setup-teams tbody tr");
  const taken = new Set(rows.map((tr) => $("select", tr).value));
  const real = await pickMap($("#setup-map"), $("#setup-scenario").value, taken, (id) => {
    const row = rows.includes(state.pickRow) ? state.pickRow : rows[rows.length - 1];
    if (!row || !state.territories.some((x) => x.id === id)) return;
    $("select", row).value = id;
    drawSetupMap();
  });
  $("#setup-map-help").hidden = !real;
}

async function startGame() {
  const teams = $$("#setup-teams tbody tr").map((tr) => ({
    team: $("input", tr).value.trim(), territory: $("select", tr).value,
  }));
  const created = await api("POST", "/api/game", {
    scenario: $("#setup-scenario").value, seed: $("#setup-seed").value,
    rounds: Number($("#setup-rounds").value), years_per_round: Number($("#setup-years").value),
    teams,
  });
  openTrainer(created);
}

function openTrainer(created) {
  go({ game: created.id });
}

async function loadGame(file) {
  let record;
  try {
    record = JSON.parse(await file.text());
  } catch {
    throw new ApiError(t("error.bad_file", { name: file.name }), "bad_file", 400);
  }
  openTrainer(await api("POST", "/api/game/load", { record }));
}

// ---------------------------------------------------------------------------------------------
// The trainer

function renderTrainer(v) {
  $("#trainer-status").textContent = statusLine(v);
  const end = $("#end-round");
  end.textContent = v.finished ? t("trainer.over")
    : t("trainer.end_round", { round: v.round, months: v.steps_per_round });
  end.disabled = v.finished;
  $("#end-game").hidden = v.finished;
  const undo = $("#undo");
  undo.hidden = !v.undo;
  undo.textContent = !v.undo ? "" : v.undo.type === "shock"
    ? t("trainer.undo.shock", { shock: label("shock", v.undo.kind) })
    : t("trainer.undo.end_round", { round: v.undo.round });
  $("#shock-buttons").innerHTML = v.shocks_available.map((k) =>
    `<button type="button" class="shock" data-shock="${esc(k)}"${v.finished ? " disabled" : ""}>` +
    `${esc(label("shock", k))}</button>`).join("");
  const links = Object.fromEntries((v.links?.teams || []).map((x) => [x.team, x.token]));
  const codes = Object.fromEntries((v.join?.teams || []).map((x) => [x.team, x.code]));
  $("#trainer-teams").innerHTML = `<thead><tr><th>${esc(t("word.team"))}</th>` +
    `<th>${esc(t("trainer.code"))}</th>` +
    `<th>${esc(t("word.territory"))}</th><th class="n">${esc(t("word.satisfaction"))}</th>` +
    `<th class="n">${esc(t("trainer.waiting"))}</th><th class="n">${esc(t("trainer.made"))}</th>` +
    `<th class="n">${esc(t("game.agreements"))}</th><th></th></tr></thead><tbody>` +
    v.teams.map((tm) => `<tr data-team="${esc(tm.team)}"><td><strong>${esc(tm.team)}</strong></td>` +
      `<td><span class="code" data-code>${esc(codes[tm.team] || "")}</span> ` +
      `<button type="button" data-qr="${esc(tm.team)}">${esc(t("trainer.qr"))}</button></td>` +
      `<td>${esc(tm.name)} (${esc(label("kind", tm.kind))})</td><td class="n">${pct(tm.satisfaction)}</td>` +
      `<td class="n">${tm.offers_open}</td><td class="n">${tm.offers_made}</td><td class="n">${tm.agreements}</td>` +
      `<td><button type="button" data-open-team="${esc(tm.team)}">${esc(t("trainer.open_here"))}</button> ` +
      `<a class="team-link" href="${esc(teamLink(tm.team, links[tm.team]))}" target="_blank" rel="noopener">` +
      `${esc(t("trainer.link"))}</a></td></tr>`).join("") + "</tbody>";
  const to = $("#message-to");
  setHtml(to, `<option value="">${esc(t("trainer.message.all"))}</option>` +
    v.teams.map((tm) => `<option value="${esc(tm.team)}">${esc(tm.team)}</option>`).join(""));
  tickTimers();
  $("#trainer-join").textContent = v.join ? t("trainer.join", { address: v.join.address }) : "";
  const loopback = v.join ? !v.join.on_network : isLoopback(location.hostname);
  $("#trainer-loopback").hidden = !loopback;
  $("#trainer-loopback").textContent = loopback ? t("trainer.loopback", { host: location.host }) : "";
  $("#trainer-rounds").innerHTML = roundsHtml(v.rounds_summary);
  $("#trainer-journal").innerHTML = (v.journal || []).map((e) =>
    `<li data-type="${esc(e.type)}"${e.undone ? ' class="undone" data-undone' : ""}>` +
    `${esc(bi(e.text))}</li>`).join("");
  const s = v.series;
  const shocks = shockMarks(v.shocks);
  const box = $("#trainer-charts");
  chart(box, "satisfaction", t("chart.game_satisfaction"), s.step, [
    { label: t("series.satisfaction_mean"), values: s.satisfaction, dash: true },
    { label: t("word.urban"), values: s.satisfaction_urban },
    { label: t("word.rural"), values: s.satisfaction_rural },
  ], [0, 1], shocks);
  chart(box, "trust", t("chart.trust"), s.step, [
    { label: t("series.trust_mean"), values: s.trust },
    { label: t("series.trust_urban_rural"), values: s.trust_urban_rural },
  ], [0, 1], shocks);
  chart(box, "equity", t("chart.game_equity"), s.step, [
    { label: t("series.urban_rural_gap"), values: s.urban_rural_gap },
    { label: t("series.gini"), values: s.gini },
  ], null, shocks);
  chart(box, "exchanges", t("chart.game_exchanges"), s.step, [
    { label: t("channel.game"), values: s.volume_value_game },
    { label: t("chart.all_exchanges"), values: s.volume_value, dash: true },
  ], null, shocks);
  drawMap($("#trainer-map"), $("#trainer-map-legend"), v.map, v.teams);
  $("#trainer-offers").innerHTML = v.offers.length ? v.offers.map((o) => offerHtml(o)).join("")
    : `<p class="help">${esc(t("offers.none"))}</p>`;
  $("#trainer-agreements").innerHTML = agreementsHtml(v.agreements);
}

// ---------------------------------------------------------------------------------------------
// A team

function renderPlayer(v) {
  const me = v.territory;
  $("#player-title").textContent = t("player.title", { team: v.team, name: me.name,
    kind: label("kind", me.kind) });
  $("#player-status").textContent = statusLine(v);
  $("#player-summary").textContent = t("player.summary", {
    satisfaction: pct(v.satisfaction), reserve: num(v.budget.reserve),
    health: pct(v.budget.fiscal_health),
  });
  const said = v.room?.messages?.at(-1);
  $("#player-message").hidden = !said;
  $("#player-message").textContent = said ? t("message.from", { time: clock(said.at), text: said.text }) : "";
  tickTimers();
  const sw = $("#player-switch");
  sw.innerHTML = state.facilitator ? `<button type="button" data-back-trainer="1">` +
    `${esc(t("player.back_trainer"))}</button>` + v.teams.filter((x) => x.team !== v.team)
    .map((x) => `<button type="button" data-open-team="${esc(x.team)}">${esc(x.team)}</button>`).join("") : "";
  if (v.finished) {
    sw.insertAdjacentHTML("beforeend", `<button type="button" data-debrief="1">${esc(t("trainer.debrief"))}</button>`);
  }
  // the territory
  $("#player-goods").innerHTML = `<thead><tr><th>${esc(t("word.good"))}</th>` +
    `<th class="n">${esc(t("goods.need"))}</th><th class="n">${esc(t("goods.production"))}</th>` +
    `<th class="n">${esc(t("goods.balance"))}</th><th class="n">${esc(t("goods.promised"))}</th>` +
    `<th class="n">${esc(t("goods.expected"))}</th><th class="n">${esc(t("word.satisfaction"))}</th>` +
    `</tr></thead><tbody>` + v.goods.map((g) => {
    const d = g.production - g.need;
    return `<tr data-good="${esc(g.id)}"><td>${esc(label("good", g.id))}</td><td class="n">${num(g.need)}</td>` +
      `<td class="n">${num(g.production)}</td><td class="n ${d >= 0 ? "plus" : "minus"}">` +
      `${d >= 0 ? "+" : "−"}${num(Math.abs(d))}</td><td class="n">${num(g.promised)}</td>` +
      `<td class="n">${num(g.expected)}</td><td class="n">${pct(g.satisfaction)}</td></tr>`;
  }).join("") + "</tbody>";
  $("#player-budget").textContent = t("player.budget", {
    reserve: num(v.budget.reserve), revenue: num(v.budget.revenue), spending: num(v.budget.spending),
    engineering: num(v.engineering.capacity), used: num(v.engineering.used_by_agreements),
  });
  // partners
  $("#player-partners").innerHTML = `<thead><tr><th>${esc(t("player.partner"))}</th>` +
    `<th class="n">${esc(t("word.distance"))}</th><th class="n">${esc(t("partner.trust_mine"))}</th>` +
    `<th class="n">${esc(t("partner.trust_theirs"))}</th><th>${esc(t("partner.can_offer"))}</th>` +
    `<th>${esc(t("partner.lacks"))}</th></tr></thead><tbody>` + v.partners.map((p) =>
    `<tr><td>${who(p.name, p.team)}<br><small>${esc(label("kind", p.kind))}</small></td>` +
    `<td class="n">${num(p.distance_km)}</td><td class="n">${num(p.trust_mine)}</td>` +
    `<td class="n">${num(p.trust_theirs)}</td><td>${esc(basketText(p.can_offer))}</td>` +
    `<td>${esc(basketText(p.lacks))}</td></tr>`).join("") + "</tbody>";
  renderCompose(v);
  // offers
  const received = v.offers_received;
  $("#player-received").innerHTML = received.length
    ? received.map((o) => offerHtml(o, { answer: !v.finished })).join("")
    : `<p class="help">${esc(t("offers.none_received"))}</p>`;
  const history = v.offers.filter((o) => !(o.status === "open" && o.to === me.id));
  $("#player-history").innerHTML = history.length
    ? history.map((o) => offerHtml(o, { withdraw: o.from === me.id && o.by === v.team && !v.finished })).join("")
    : `<p class="help">${esc(t("offers.none"))}</p>`;
  $("#player-agreements").innerHTML = agreementsHtml(v.agreements);
  // consequences
  const h = v.history;
  chart($("#player-charts"), "mine", t("chart.my_territory"), h.step, [
    { label: t("word.satisfaction"), values: h.satisfaction },
    { label: t("partner.trust_mine"), values: h.trust, dash: true },
  ], [0, 1], []);
  $("#player-rounds").innerHTML = roundsHtml(v.rounds_summary);
  drawMap($("#player-map"), $("#player-map-legend"), v.map, v.teams);
}

/** Replace an element's markup only when it changed (keeps focus and typing otherwise). */
function setHtml(el, html) {
  if (el.dataset.html !== html) {
    el.innerHTML = html;
    el.dataset.html = html;
  }
}

function renderCompose(v) {
  const f = state.form;
  const partners = v.partners;
  if (!partners.find((p) => p.id === f.to)) f.to = partners[0]?.id ?? null;
  const sel = $("#offer-to");
  setHtml(sel, partners.map((p) => `<option value="${esc(p.id)}">${esc(p.name)} (` +
    `${esc(p.team || t("word.agent"))})</option>`).join(""));
  if (f.to && sel.value !== f.to) sel.value = f.to;
  sel.disabled = Boolean(f.counter) || v.finished;
  const partner = partners.find((p) => p.id === f.to);
  $("#partner-hint").textContent = partner ? t("player.partner_hint", {
    offer: basketText(partner.can_offer), lacks: basketText(partner.lacks),
  }) : "";
  $("#compose-title").textContent = f.counter ? t("player.countering", { id: f.counter })
    : t("player.compose");
  $("#cancel-counter").hidden = !f.counter;
  const mine = Object.fromEntries(v.goods.map((g) => [g.id, g]));
  setHtml($("#offer-goods"), `<thead><tr><th>${esc(t("word.good"))}</th>` +
    `<th class="n">${esc(t("player.i_give"))}</th><th class="n">${esc(t("player.i_ask"))}</th>` +
    `<th class="n">${esc(t("word.price"))}</th></tr></thead><tbody>` + v.goods_prices.map((g) => {
    const canGive = mine[g.id].capacity > 0;
    const canAsk = partner && (partner.capacity[g.id] || 0) > 0;
    return `<tr><td>${esc(label("good", g.id))}</td>` +
      `<td class="n"><input type="number" min="0" step="any" data-give="${esc(g.id)}"` +
      `${canGive ? "" : " disabled"}></td>` +
      `<td class="n"><input type="number" min="0" step="any" data-ask="${esc(g.id)}"` +
      `${canAsk ? "" : " disabled"}></td>` +
      `<td class="n">${num(g.price)}</td></tr>`;
  }).join("") + "</tbody>");
  // values come from the form's state; the field being typed in is left alone
  const sync = (el, value) => {
    if (el !== document.activeElement && el.value !== String(value ?? "")) el.value = value ?? "";
  };
  for (const el of $$("[data-give]")) sync(el, el.disabled ? "" : f.give[el.dataset.give]);
  for (const el of $$("[data-ask]")) sync(el, el.disabled ? "" : f.ask[el.dataset.ask]);
  sync($("#offer-years"), f.years);
  sync($("#offer-commitment"), f.commitment);
  $("#send-offer").disabled = v.finished;
  updateSummary();
}

function updateSummary() {
  const v = state.view;
  if (!v || state.role !== "player") return;
  const f = state.form;
  const price = Object.fromEntries(v.goods_prices.map((g) => [g.id, g.price]));
  const valid = (x) => x === "" || (Number.isFinite(Number(x)) && Number(x) >= 0);
  const value = (b) => (Object.values(b).every(valid)
    ? Object.entries(b).reduce((a, [g, x]) => a + (Number(x) || 0) * price[g], 0) : null);
  const give = value(f.give), ask = value(f.ask);
  const hi = Math.max(give, ask);
  $("#offer-commitment-out").textContent = pct(Number(f.commitment));
  $("#offer-summary").textContent = t("player.offer_summary", {
    give: give === null ? "–" : num(give), ask: ask === null ? "–" : num(ask),
    balance: give !== null && ask !== null && hi > 0 ? pct(Math.min(give, ask) / hi) : "–",
  });
}

function readForm() {
  const f = state.form;
  f.to = $("#offer-to").value;
  f.give = {}; f.ask = {};
  for (const el of $$("[data-give]")) if (el.value !== "") f.give[el.dataset.give] = el.value;
  for (const el of $$("[data-ask]")) if (el.value !== "") f.ask[el.dataset.ask] = el.value;
  f.years = $("#offer-years").value;
  f.commitment = $("#offer-commitment").value;
}

function basketOf(entries) {
  const out = {};
  for (const [g, v] of Object.entries(entries)) {
    const x = Number(v);
    out[g] = v === "" || Number.isNaN(x) ? v : x;
  }
  return out;
}

async function sendOffer() {
  readForm();
  const f = state.form;
  const auth = { team: state.team, token: state.token, round: state.view.round };
  const terms = { give: basketOf(f.give), ask: basketOf(f.ask), years: Number(f.years),
    commitment: Number(f.commitment) };
  let view;
  if (f.counter) {
    view = await api("POST", `/api/game/${state.game}/respond`, {
      ...auth, offer: f.counter, decision: "counter", ...terms });
  } else {
    view = await api("POST", `/api/game/${state.game}/offer`, { ...auth, to: f.to, ...terms });
  }
  const sent = view.offers.filter((o) => o.by === state.team).sort((a, b) => b.id - a.id)[0];
  state.form = { to: f.to, give: {}, ask: {}, years: f.years, commitment: f.commitment, counter: null };
  state.view = view;
  state.version = view.version;
  render();
  if (sent) {
    const reasons = sent.answer ? sent.answer.reasons.filter((r) => r.code !== "player")
      .map((r) => bi(r.text)).join(" ; ") : "";
    const answer = sent.answer ? `${t(`decision.${sent.answer.decision}`, {
      who: sent.answer.by || `${sent.to_name} (${t("word.agent")})` })}` +
      `${reasons ? ` : ${reasons}` : ""}.` : t("offers.waiting");
    notice(t("offers.sent", { id: sent.id, answer }));
  }
}

async function answer(id, decision) {
  const view = await api("POST", `/api/game/${state.game}/respond`, {
    team: state.team, token: state.token, round: state.view.round, offer: id, decision });
  state.view = view;
  state.version = view.version;
  notice(t(`notice.${decision}`, { id }));
  render();
}

function startCounter(id) {
  const o = state.view.offers.find((x) => x.id === id);
  if (!o) return;
  // the counter-offer starts from the offer, seen from this side: give what was asked
  state.form = { to: o.from, give: { ...o.ask }, ask: { ...o.give }, years: o.years,
    commitment: o.commitment, counter: id };
  render();
  $("#compose").scrollIntoView({ block: "start" });
}

async function withdraw(id) {
  const view = await api("POST", `/api/game/${state.game}/withdraw`, {
    team: state.team, token: state.token, round: state.view.round, offer: id });
  state.view = view;
  state.version = view.version;
  render();
}

// ---------------------------------------------------------------------------------------------
// The debrief

const RUN_ORDER = ["game", "agents", "none"];

function renderDebrief(d) {
  $("#debrief-headlines").innerHTML = d.step > 0
    ? d.headlines.map((h) => `<li>${esc(bi(h.text))}</li>`).join("")
    : `<li>${esc(t("rounds.none"))}</li>`;
  const runs = RUN_ORDER.filter((r) => r in d.runs);
  const rows = [
    ["satisfaction_mean", pct], ["satisfaction_final", pct], ["satisfaction_urban_final", pct],
    ["satisfaction_rural_final", pct], ["urban_rural_gap_final", num], ["gini_final", num],
    ["trust_urban_rural_final", num], ["agreements_signed", (x) => String(x ?? "–"), "agreements"],
    ["agreements_value_delivered", num], ["reciprocity_balance", pct],
  ];
  let html = `<thead><tr><th></th>${runs.map((r) => `<th class="n">${esc(bi(d.run_names[r]))}</th>`).join("")}</tr></thead><tbody>`;
  for (const [key, f, field = key] of rows) {
    html += `<tr data-row="${key}"><td>${esc(t(`debrief.${key}`))}</td>` +
      runs.map((r) => `<td class="n">${f(d.runs[r][field])}</td>`).join("") + "</tr>";
  }
  (d.runs.game.resilience || []).forEach((z, k) => {
    html += `<tr data-row="resistance-${k}"><td>${esc(t("debrief.resistance", {
      shock: label("shock", z.shock), step: z.step }))}</td>` + runs.map((r) =>
      `<td class="n">${pct(d.runs[r].resilience?.[k]?.resistance)}</td>`).join("") + "</tr>";
    html += `<tr data-row="recovery-${k}"><td>${esc(t("debrief.recovery", { shock: label("shock", z.shock) }))}</td>` +
      runs.map((r) => {
        const z2 = d.runs[r].resilience?.[k];
        const x = z2?.recovery_time;
        let cell = "–";
        if (x !== null && x !== undefined) cell = esc(t("debrief.months", { n: x }));
        else if (z2?.analysed_steps > 0) cell = esc(t("debrief.not_recovered", { n: z2.analysed_steps }));
        return `<td class="n">${cell}</td>`;
      }).join("") + "</tr>";
  });
  $("#debrief-runs").innerHTML = `${html}</tbody>`;
  const s = d.series;
  const shocks = shockMarks(d.shocks);
  const box = $("#debrief-charts");
  const byRun = (series) => runs.map((r, k) => ({ label: bi(d.run_names[r]), values: series[r],
    dash: r !== "game", color: PALETTE[k] }));
  chart(box, "satisfaction", t("chart.debrief_satisfaction"), s.step, byRun(s.satisfaction), [0, 1], shocks);
  chart(box, "gap", t("series.urban_rural_gap"), s.step, byRun(s.urban_rural_gap), null, shocks);
  for (const [team, series] of Object.entries(s.teams)) {
    chart(box, `team-${team}`, t("chart.team", { team }), s.step, byRun(series), [0, 1], shocks);
  }
  $("#debrief-agreements").innerHTML = agreementsHtml(d.agreements);
  $("#debrief-territories").innerHTML = `<thead><tr><th>${esc(t("word.territory"))}</th>` +
    runs.map((r) => `<th class="n">${esc(bi(d.run_names[r]))}</th>`).join("") + "</tr></thead><tbody>" +
    d.territories.map((x) => `<tr class="${x.team ? "mine" : ""}"><td>${who(x.name, x.team)}</td>` +
      runs.map((r) => `<td class="n">${pct(x.satisfaction_mean[r])}</td>`).join("") + "</tr>").join("") +
    `</tbody>`;
  renderReplay(d);
}

function renderReplay(d) {
  const slider = $("#replay-slider");
  slider.max = d.timeline.length - 1;
  const k = Math.min(state.replay.index, d.timeline.length - 1);
  slider.value = k;
  const entry = d.timeline[k];
  $("#replay-position").textContent = t("debrief.replay.position", {
    index: k, total: d.timeline.length - 1, round: entry.round, step: entry.step });
  const s = d.series;
  const cut = (values) => values.map((v, i) => (s.step[i] <= entry.step ? v : null));
  chart($("#replay-chart"), "replay", t("debrief.replay.chart", { step: entry.step }), s.step, [
    { label: bi(d.run_names.game), values: cut(s.satisfaction.game) },
    ...Object.entries(s.teams).map(([team, series]) => ({ label: team, values: cut(series.game) })),
  ], [0, 1], shockMarks(d.shocks).filter((z) => z.step <= Math.max(entry.step, 0) + 1));
  $("#replay-timeline").innerHTML = d.timeline.map((e, i) =>
    `<li value="${e.index}" class="${i > k ? "future" : i === k ? "current" : ""}">` +
    `<strong>${esc(bi(e.text))}</strong>` + (e.offers.length ? `<ul>${e.offers.map((o) =>
      `<li>${esc(bi(o.text))}</li>`).join("")}</ul>` : "") + "</li>").join("");
}

function toggleReplay() {
  const r = state.replay;
  if (r.timer) { clearInterval(r.timer); r.timer = null; $("#replay-play").textContent = t("debrief.replay.play"); return; }
  if (r.index >= state.debrief.timeline.length - 1) r.index = 0;
  $("#replay-play").textContent = t("debrief.replay.pause");
  r.timer = setInterval(() => {
    r.index += 1;
    if (r.index >= state.debrief.timeline.length - 1) {
      r.index = state.debrief.timeline.length - 1;
      toggleReplay();
    }
    renderReplay(state.debrief);
  }, 700);
  renderReplay(state.debrief);
}

async function saveGame() {
  const record = await api("GET", `/api/game/${state.game}/save`);
  const blob = new Blob([JSON.stringify(record, null, 1)], { type: "application/json" });
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = `terrisim-game-${record.scenario.name}-${new Date().toISOString().slice(0, 10)}.json`;
  document.body.append(a);
  a.click();
  a.remove();
}

// ---------------------------------------------------------------------------------------------
// Events

function wire() {
  $("#lang-switch").addEventListener("click", () => setLanguage(state.lang === "fr" ? "en" : "fr"));
  $("#setup-scenario").addEventListener("change", () => command(loadTerritories));
  $("#add-team").addEventListener("click", () => addTeamRow(
    `${t("word.team")} ${$$("#setup-teams tbody tr").length + 1}`, state.territories[0]?.id));
  $("#start").addEventListener("click", () => command(startGame));
  $("#timer-start").addEventListener("click", () => command(() => roomCommand("timer",
    { minutes: Number($("#timer-minutes").value) })));
  $("#timer-stop").addEventListener("click", () => command(() => roomCommand("timer", { minutes: 0 })));
  $("#message-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const team = $("#message-to").value;
    const text = $("#message-text").value;
    command(async () => {
      await roomCommand("message", { text, team: team || null },
        t("trainer.message.sent", { to: team || t("trainer.message.all") }));
      $("#message-text").value = "";
    });
  });
  $("#join-form").addEventListener("submit", (e) => {
    e.preventDefault();
    command(() => joinWith($("#join-code").value));
  });
  $("#load-file").addEventListener("change", (e) => {
    const file = e.target.files[0];
    if (file) command(() => loadGame(file));
  });
  $("#end-round").addEventListener("click", () => {
    const v0 = state.view;
    if (!window.confirm(t("trainer.end_round.confirm", { round: v0.round, months: v0.steps_per_round }))) return;
    command(async () => {
    const v = await api("POST", `/api/game/${state.game}/end_round`, {
      round: state.view.round });
    state.view = { ...v, links: state.view.links, join: state.view.join };
    state.version = v.version;
    notice(v.finished ? t("notice.finished") : t("notice.round", { round: v.round }));
    render();
    });
  });
  $("#undo").addEventListener("click", () => command(async () => {
    const undone = state.view.undo;
    const v = await api("POST", `/api/game/${state.game}/undo`, { version: state.version });
    state.view = { ...v, links: state.view.links, join: state.view.join };
    state.version = v.version;
    notice(undone.type === "shock" ? t("notice.undo.shock", { shock: label("shock", undone.kind) })
      : t("notice.undo.end_round", { round: undone.round, step: v.step }));
    render();
  }));
  $("#end-game").addEventListener("click", () => {
    if (!window.confirm(t("trainer.end_game.confirm"))) return;
    command(async () => {
      const v = await api("POST", `/api/game/${state.game}/end`, {});
      state.view = { ...v, finished: true, links: state.view.links, join: state.view.join };
      state.version = v.version;
      state.ended = true;
      notice(t("notice.ended"));
      render();
    });
  });
  $("#show-debrief").addEventListener("click", () => go({ game: state.game, view: "debrief" }));
  $("#back-to-game").addEventListener("click", () => {
    if (state.facilitator) go({ game: state.game });
    else go({ game: state.game, team: state.team, token: state.token });
  });
  $("#save-game").addEventListener("click", () => command(saveGame));
  $("#replay-play").addEventListener("click", toggleReplay);
  $("#print-debrief").addEventListener("click", () => {
    // the whole story on paper: the replay at its end, nothing greyed out
    state.replay.index = state.debrief.timeline.length - 1;
    renderReplay(state.debrief);
    window.print();
  });
  $("#replay-slider").addEventListener("input", (e) => {
    state.replay.index = Number(e.target.value);
    renderReplay(state.debrief);
  });
  $("#send-offer").addEventListener("click", () => command(sendOffer));
  $("#cancel-counter").addEventListener("click", () => { state.form.counter = null; render(); });
  $("#offer-to").addEventListener("change", () => { readForm(); render(); });
  $("#compose").addEventListener("input", () => { readForm(); updateSummary(); });
  document.addEventListener("click", (e) => {
    const el = e.target.closest("button");
    if (!el) return;
    const d = el.dataset;
    if (d.shock) {
      if (!window.confirm(t("trainer.shock.confirm", { shock: label("shock", d.shock) }))) return;
      command(async () => {
        const v = await api("POST", `/api/game/${state.game}/shock`, {
          round: state.view.round, kind: d.shock });
        state.view = { ...v, links: state.view.links, join: state.view.join };
        state.version = v.version;
        notice(t("notice.shock", { shock: label("shock", d.shock) }));
        render();
      });
    } else if (d.qr) {
      showQr(d.qr);
    } else if (d.openTeam) {
      go({ game: state.game, team: d.openTeam });
    } else if (d.backTrainer) {
      go({ game: state.game });
    } else if (d.debrief) {
      go({ game: state.game, team: state.team, token: state.token, view: "debrief" });
    } else if (d.accept) command(() => answer(Number(d.accept), "accept"));
    else if (d.refuse) command(() => answer(Number(d.refuse), "refuse"));
    else if (d.counter) startCounter(Number(d.counter));
    else if (d.withdraw) command(() => withdraw(Number(d.withdraw)));
  });
  window.addEventListener("hashchange", () => {
    const before = `${state.game}|${state.role}|${state.team}`;
    readHash();
    if (`${state.game}|${state.role}|${state.team}` !== before) {
      state.view = null;
      state.form = { to: null, give: {}, ask: {}, years: 2, commitment: 0.5, counter: null };
      notice(null);
    }
    if (state.joinCode) { command(() => joinWith(state.joinCode)); return; }
    command(() => (state.role !== "setup" ? refresh(true)
      : state.facilitator ? loadTerritories() : Promise.resolve(render())));
  });
}

async function init() {
  try { state.lang = localStorage.getItem("terrisim.lang") || "fr"; } catch { /* ignore */ }
  const [words, me] = await Promise.all([api("GET", "/api/game/i18n"), api("GET", "/api/whoami")]);
  state.dict = words.keys;
  state.facilitator = me.facilitator;
  document.documentElement.lang = state.lang;
  applyI18n();
  bigScreen();
  wire();
  readHash();
  state.catalogue = await api("GET", "/api/game/catalogue");
  if (state.joinCode) await joinWith(state.joinCode).catch(showError);
  else if (state.role === "setup") { if (state.facilitator) await loadTerritories(); } else await refresh(true);
  render();
  setInterval(poll, POLL_MS);
  setInterval(tickTimers, 1000);
}

init().catch((err) => { showError(err); document.body.dataset.ready = "true"; });
