// The trainers' page: controls, calls to the JSON API, and drawing of the panels.
//
// All visible text goes through t(key) and the dictionary served at /api/i18n (French by
// default, English on a switch). Commands to the server are queued one after the other, so a
// click during Play never races with a step. window.terrisim exposes the state and the
// measured timings (read by the browser tests).

import {
  basketFlows, esc, legendHtml, lineChart, mapLegendHtml, PALETTE, territoryMap,
} from "./charts.js";
import { colourChooser, hideColourChooser, realMap } from "./map.js";
import { bigScreen } from "./display.js";
import { translator } from "./words.js";

const state = {
  lang: "fr",
  dict: {},
  catalogue: null,
  scenario: null, // settings of the selected scenario (knob defaults, description)
  sim: null, // last answer of the server: {id, version, step, steps, finished, panels}
  playing: false,
  queue: Promise.resolve(),
  stats: { steps: 0, last: null, worst: 0, samples: [] },
};
window.terrisim = state;

const $ = (sel, root = document) => root.querySelector(sel);
const { t, label, translated, applyI18n, useLanguage } = translator(state);

// ---------------------------------------------------------------------------------------------
// Words

function setLanguage(lang) {
  useLanguage(lang);
  renderControls();
  if (state.sim) render(state.sim);
  renderStatus();
}

// ---------------------------------------------------------------------------------------------
// Server

class ApiError extends Error {
  constructor(message, code) { super(message); this.code = code; }
}

async function api(method, path, body) {
  const init = { method, headers: {} };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch {
    throw new ApiError(t("error.network"), "network");
  }
  const data = await res.json().catch(() => ({ error: { message: res.statusText } }));
  if (!res.ok) throw new ApiError(data.error?.message || res.statusText, data.error?.code);
  return data;
}

/** Run commands one after the other; show errors in the banner. */
function enqueue(command) {
  const run = state.queue.then(async () => {
    try {
      await command();
      showError(null);
      return true;
    } catch (err) {
      showError(err);
      if (err.code === "network") reconnect();
      return false;
    }
  });
  state.queue = run;
  return run;
}

/** The server stopped answering: say so, ask again every 2 s, then show the run where it is
 * (runs are stored by the server, so a restarted server has it). */
async function reconnect() {
  if (state.reconnecting) return;
  state.reconnecting = true;
  document.body.dataset.connection = "lost";
  if (state.playing) togglePlay();
  showError({ message: t("error.reconnecting") });
  for (;;) {
    await new Promise((done) => { setTimeout(done, 2000); });
    try {
      await api("GET", "/api/health");
      if (state.sim) render(state.sim = await api("GET", `/api/sim/${state.sim.id}`));
      break;
    } catch { /* not yet */ }
  }
  state.reconnecting = false;
  document.body.dataset.connection = "ok";
  showNotice(t("error.reconnected"));
}

/** Every few seconds, ask whether the server is there: a lost connection shows the
 * reconnecting banner by itself (not at the next click), and the page comes back alone. */
const HEALTH_MS = 3000;
function watchConnection() {
  document.body.dataset.connection = "ok";
  setInterval(async () => {
    if (state.reconnecting) return;
    try {
      await api("GET", "/api/health");
    } catch (err) {
      if (err.code === "network") reconnect();
    }
  }, HEALTH_MS);
}

/** A short message that is not a problem (the connection is back), gone after 5 s. */
function showNotice(text) {
  const box = $("#error");
  box.textContent = text;
  box.classList.add("notice");
  box.hidden = false;
  clearTimeout(state.noticeTimer);
  state.noticeTimer = setTimeout(() => {
    if (box.classList.contains("notice")) showError(null);
  }, 5000);
}

function showError(err) {
  const box = $("#error");
  box.classList.remove("notice");
  if (!err) { box.hidden = true; box.textContent = ""; return; }
  console.error(err);
  box.textContent = `${t("error.prefix")} ${err.message}`;
  box.hidden = false;
}

// ---------------------------------------------------------------------------------------------
// Controls

function options(select, items, selected) {
  select.innerHTML = items.map((it) =>
    `<option value="${esc(it.value)}"${it.value === selected ? " selected" : ""}>` +
    `${esc(it.text)}</option>`).join("");
}

/** Build or refresh the selects, knobs and shock buttons from the catalogue. */
function renderControls() {
  const cat = state.catalogue;
  if (!cat) return;
  const sc = $("#scenario");
  const titles = cat.scenarios.map((s) => ({
    value: s.id, text: translated(`scenario.${s.id}.title`, s.title || s.id),
  }));
  options(sc, titles, sc.value || cat.default_scenario);
  $("#scenario-description").textContent = state.scenario
    ? translated(`scenario.${state.scenario.id}.description`, state.scenario.description) : "";

  // "scenario": every institution of the scenario file together (offered when it has several).
  const ids = (state.scenario?.institutions.length ?? 0) > 1
    ? [...cat.governance, "scenario"] : cat.governance;
  const rules = ids.map((g) => ({ value: g, text: label("governance", g) }));
  for (const [id, help] of [["#governance", "#governance-help"],
    ["#governance-b", "#governance-b-help"]]) {
    const sel = $(id);
    const current = sel.value || (id === "#governance" ? state.scenario?.governance
      : cat.governance.find((g) => g !== $("#governance").value));
    options(sel, rules, current);
    $(help).textContent = t(`governance.${sel.value}.help`);
  }
  $("#compare-box").hidden = !$("#compare").checked;

  const knobs = $("#knobs");
  const values = Object.fromEntries(
    [...knobs.querySelectorAll("input")].map((i) => [i.name, i.value]));
  knobs.innerHTML = cat.knobs.map((k) => {
    const v = values[k.id] ?? state.scenario?.knobs?.[k.id] ?? k.default;
    const only = k.rule ? `<p class="help only">${esc(t("knob.only_with",
      { rule: label("governance", k.rule) }))}</p>` : "";
    return `<div class="knob" data-knob="${esc(k.id)}" data-rule="${esc(k.rule ?? "")}">
      <label for="knob-${esc(k.id)}">${esc(t(`knob.${k.id}`))}
        <output id="out-${esc(k.id)}"></output></label>
      <input id="knob-${esc(k.id)}" name="${esc(k.id)}" type="range"
        min="${k.min}" max="${k.max}" step="${k.step}" value="${v}" data-unit="${esc(k.unit)}">
      <p class="help">${esc(t(`knob.${k.id}.help`))}</p>${only}</div>`;
  }).join("");
  for (const input of knobs.querySelectorAll("input")) showKnob(input);
  markRuleKnobs();

  $("#shocks").innerHTML = cat.shocks.map((s) =>
    `<button type="button" class="shock" data-shock="${esc(s)}"
      title="${esc(t(`shock.${s}.help`))}">${esc(label("shock", s))}</button>`).join("");
  updateButtons();
}

/** The rules of the next Reset (the scenario's institutions for "scenario"). */
function selectedRules() {
  const chosen = [$("#governance").value];
  if ($("#compare").checked) chosen.push($("#governance-b").value);
  return chosen.flatMap((r) => (r === "scenario" ? state.scenario?.institutions ?? [] : [r]));
}

/** Grey out the knobs of a rule that the next run will not have. */
function markRuleKnobs() {
  const rules = selectedRules();
  for (const div of document.querySelectorAll("#knobs .knob[data-rule]")) {
    div.classList.toggle("inactive", div.dataset.rule !== "" && !rules.includes(div.dataset.rule));
  }
}

function showKnob(input) {
  const v = Number(input.value);
  const text = input.dataset.unit === "factor" ? `× ${v.toLocaleString(state.lang)}`
    : v.toLocaleString(state.lang, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  $(`#out-${input.name}`).textContent = text;
}

function knobValues() {
  return Object.fromEntries([...$("#knobs").querySelectorAll("input")]
    .map((i) => [i.name, Number(i.value)]));
}

function updateButtons() {
  $("#play").textContent = t(state.playing ? "btn.pause" : "btn.play");
  $("#play").classList.toggle("on", state.playing);
  const finished = Boolean(state.sim?.finished);
  $("#step").disabled = state.playing || !state.sim || finished;
  $("#play").disabled = !state.sim || (finished && !state.playing);
  for (const b of document.querySelectorAll("#shocks button")) b.disabled = !state.sim;
}

async function loadScenario(id) {
  state.scenario = await api("GET", `/api/scenarios/${encodeURIComponent(id)}`);
  $("#seed").value = state.scenario.seed;
  $("#governance").value = state.scenario.governance;
  $("#knobs").innerHTML = ""; // forget edited values: the new scenario's defaults apply
  renderControls();
}

// ---------------------------------------------------------------------------------------------
// Commands

function reset() {
  return enqueue(async () => {
    const rules = [$("#governance").value];
    if ($("#compare").checked) rules.push($("#governance-b").value);
    const data = await api("POST", "/api/sim", {
      scenario: $("#scenario").value,
      seed: Number($("#seed").value),
      knobs: knobValues(),
      governance: rules,
    });
    state.stats = { steps: 0, last: null, worst: 0, samples: [] };
    $("#reset").classList.remove("pending");
    await show(data, 0);
  });
}

/** Reload the edited rule files on the server, then the catalogue, then start again. */
async function reloadRules() {
  const ok = await enqueue(async () => {
    await api("POST", "/api/reload", {}); // a JSON body: the server refuses bodiless POSTs
    state.catalogue = await api("GET", "/api/catalogue");
    renderControls();
  });
  if (ok) await reset();
}

function step() {
  return enqueue(async () => {
    const t0 = performance.now();
    const data = await api("POST", `/api/sim/${state.sim.id}/step`,
      { n: 1, version: state.sim.version });
    await show(data, t0);
  });
}

function shock(kind) {
  return enqueue(async () => {
    const data = await api("POST", `/api/sim/${state.sim.id}/shock`,
      { kind, version: state.sim.version });
    await show(data, 0);
  });
}

async function togglePlay() {
  if (state.playing) { state.playing = false; updateButtons(); return; }
  state.playing = true;
  updateButtons();
  while (state.playing && state.sim && !state.sim.finished) {
    const ok = await step();
    if (!ok) break;
    const delay = Number($("#speed").value);
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
  state.playing = false;
  updateButtons();
}

/** Draw a server answer; when t0 > 0, record the time from the click to the drawn page. */
async function show(data, t0) {
  const t1 = performance.now();
  state.sim = data;
  render(data);
  await new Promise((resolve) => requestAnimationFrame(() => resolve()));
  if (t0 > 0) {
    const t2 = performance.now();
    const sample = { total: t2 - t0, request: t1 - t0, draw: t2 - t1, server: data.timing?.server_ms };
    state.stats.steps += 1;
    state.stats.last = sample;
    state.stats.worst = Math.max(state.stats.worst, sample.total);
    state.stats.samples.push(sample);
  }
  renderStatus();
  updateButtons();
}

// ---------------------------------------------------------------------------------------------
// Drawing

function render(data) {
  const container = $("#panels");
  container.classList.toggle("compare", data.panels.length > 1);
  while (container.children.length < data.panels.length) {
    const panel = $("#panel-template").content.firstElementChild.cloneNode(true);
    container.append(panel);
  }
  while (container.children.length > data.panels.length) container.lastElementChild.remove();
  const ranges = data.panels.length > 1 ? sharedRanges(data.panels) : {};
  data.panels.forEach((p, i) => renderPanel(container.children[i], p, data, ranges));
}

/** In compare mode, one y range per chart for both panels, so their heights compare. */
function sharedRanges(panels) {
  const ranges = {};
  for (const p of panels) {
    for (const c of p.charts) {
      if (c.y) continue;
      const r = ranges[c.id] || [Infinity, -Infinity];
      for (const l of c.lines) {
        for (const v of l.values) {
          if (v !== null) { r[0] = Math.min(r[0], v); r[1] = Math.max(r[1], v); }
        }
      }
      ranges[c.id] = r;
    }
  }
  for (const [id, [lo, hi]] of Object.entries(ranges)) {
    if (!Number.isFinite(lo)) { delete ranges[id]; continue; }
    const pad = Math.max((hi - lo) * 0.08, 1e-6);
    ranges[id] = [lo - pad, hi + pad];
  }
  return ranges;
}

function renderPanel(el, p, data, ranges = {}) {
  applyI18n(el);
  const kind = (k) => label("kind", k);
  const good = (g) => label("good", g);
  $("[data-role=rule]", el).textContent = label("governance", p.governance);
  $("[data-role=step]", el).textContent = t("status.step", { step: data.step, steps: data.steps });

  const mapSvg = $("[data-role=map]", el);
  const note = $("[data-role=map-note]", el);
  if (p.map.areas) { // real communes or EPCI: their boundaries (map.js)
    const by = colourChooser(mapSvg.parentElement, {
      label: t("view.map.colour"), satisfaction: t("word.satisfaction"), trust: t("word.trust"),
    }, () => renderPanel(el, p, data, ranges));
    realMap(mapSvg, data.scenario, p.map.areas, by, {
      satisfaction: t("word.satisfaction"), trust: t("word.trust"),
    }, state.lang);
    note.hidden = p.map.areas.level !== "epci";
    note.textContent = note.hidden ? "" : t("view.map.by_epci");
  } else {
    hideColourChooser(mapSvg.parentElement);
    territoryMap(mapSvg, p.map, kind, {
      population: t("word.population"), satisfaction: t("word.satisfaction"),
      trust: t("word.trust"), volume: t("word.volume"),
    }, state.lang);
    const total = p.map.total?.territories ?? 0, shown = p.map.territories.name.length;
    note.hidden = !(total > shown);
    note.textContent = note.hidden ? "" : t("view.map.thinned", {
      shown: shown.toLocaleString(state.lang), total: total.toLocaleString(state.lang),
    });
  }
  $("[data-role=map-legend]", el).innerHTML = mapLegendHtml({
    satLow: t("legend.satisfaction_low"), satHigh: t("legend.satisfaction_high"),
    trustLow: t("legend.trust_low"), trustHigh: t("legend.trust_high"),
  });

  const shocks = p.shocks.map((s) => ({
    step: s.step, last: s.last_step, label: label("shock", s.kind),
  }));
  const charts = $("[data-role=charts]", el);
  while (charts.children.length < p.charts.length) {
    charts.append($("#chart-template").content.firstElementChild.cloneNode(true));
  }
  while (charts.children.length > p.charts.length) charts.lastElementChild.remove();
  p.charts.forEach((c, i) => {
    const fig = charts.children[i];
    fig.dataset.chart = c.id;
    $("figcaption", fig).textContent = t(c.title);
    const lines = c.lines.map((l, k) => ({
      label: t(l.label), values: l.values, dash: l.dash, color: PALETTE[k % PALETTE.length],
    }));
    lineChart($("svg", fig), { x: p.x, lines, y: c.y || ranges[c.id], shocks }, state.lang);
    $(".legend", fig).innerHTML = legendHtml(lines);
    if (c.id === "resilience") {
      fig.querySelector(".summary")?.remove();
      if (p.resilience.length) fig.insertAdjacentHTML("beforeend", resilienceHtml(p.resilience));
    }
  });

  basketFlows($("[data-role=baskets]", el), p.baskets, kind, good, {
    gives: t("flow.gives"), receives: t("flow.receives"), empty: t("flow.empty"),
  }, state.lang);
  $("[data-role=baskets-legend]", el).innerHTML = legendHtml(
    p.baskets.goods.map((g, k) => ({ label: good(g), color: PALETTE[k % PALETTE.length] })));

  const log = $("[data-role=log]", el);
  const events = [...p.events].reverse();
  log.innerHTML = events.length ? events.map((e) =>
    `<li class="event ev-${esc(e.kind)} tone-${esc(e.tone)}"><span class="when">${esc(t("log.step", { step: e.step }))}` +
    `</span> ${esc(e.text[state.lang] ?? e.text.fr ?? "")}</li>`).join("")
    : `<li class="event empty">${esc(t("log.empty"))}</li>`;
}

/** One plain sentence per shock: how low satisfaction fell and whether it recovered. */
function resilienceHtml(items) {
  const lines = items.map((r) => {
    const vars = {
      shock: label("shock", r.kind), step: r.step, months: r.recovery_time,
      resistance: r.resistance === undefined ? "" : Math.round(r.resistance * 100),
    };
    const key = r.status === "recovered" && r.recovery_time === 0 ? "resilience.unshaken"
      : `resilience.${r.status}`;
    return `<li>${esc(t(key, vars))}</li>`;
  });
  return `<ul class="summary" data-role="resilience">${lines.join("")}</ul>`;
}

function renderStatus() {
  const s = state.stats.last;
  const parts = [];
  if (state.sim) parts.push(t("status.step", { step: state.sim.step, steps: state.sim.steps }));
  if (state.sim?.finished) parts.push(t("status.finished"));
  if (s) {
    parts.push(t("status.timing", {
      total: Math.round(s.total), server: Math.round(s.server ?? 0), draw: Math.round(s.draw),
    }));
  }
  $("#status").textContent = parts.join(" · ");
}

// ---------------------------------------------------------------------------------------------
// Start

async function start() {
  const params = new URLSearchParams(location.search);
  let stored = null;
  try { stored = localStorage.getItem("terrisim.lang"); } catch { /* private mode */ }
  state.lang = params.get("lang") || stored || "fr";
  document.documentElement.lang = state.lang;
  try {
    const [words, catalogue] = await Promise.all([api("GET", "/api/i18n"), api("GET", "/api/catalogue")]);
    state.dict = words.keys;
    state.catalogue = catalogue;
    applyI18n();
    renderControls();
    await loadScenario($("#scenario").value);
  } catch (err) {
    showError(err);
    return;
  }

  $("#lang-switch").addEventListener("click", () => setLanguage(state.lang === "fr" ? "en" : "fr"));
  bigScreen();
  $("#scenario").addEventListener("change", async (e) => {
    state.playing = false;
    await enqueue(() => loadScenario(e.target.value));
    await reset();
  });
  // changing the rule (or the compare mode) starts a new run at month 0: ask first mid-demo
  for (const id of ["#governance", "#governance-b", "#compare"]) {
    const el = $(id);
    el.addEventListener("change", () => {
      const step = state.sim?.step || 0;
      if (step > 0 && !window.confirm(t("confirm.restart", { step }))) {
        // put the control back as the running run has it
        const panels = state.sim.panels;
        if (id === "#compare") el.checked = panels.length === 2;
        else el.value = panels[id === "#governance" ? 0 : 1]?.governance ?? el.value;
        renderControls();
        return;
      }
      renderControls();
      reset();
    });
  }
  $("#knobs").addEventListener("input", (e) => {
    showKnob(e.target);
    $("#reset").classList.add("pending"); // the new values apply on Reset
  });
  $("#reset").addEventListener("click", () => { state.playing = false; reset(); });
  $("#reload").addEventListener("click", () => { state.playing = false; reloadRules(); });
  $("#step").addEventListener("click", () => step());
  $("#play").addEventListener("click", () => togglePlay());
  // A presenter's remote sends arrow keys and space: right arrow steps, space plays/pauses.
  document.addEventListener("keydown", (e) => {
    if (e.target.closest("input, select, textarea") || e.ctrlKey || e.altKey || e.metaKey) return;
    if (e.key === "ArrowRight" || e.key === "PageDown") {
      e.preventDefault();
      if (!$("#step").disabled) step();
    } else if (e.key === " ") {
      e.preventDefault();
      if (!$("#play").disabled) togglePlay();
    }
  });
  $("#shocks").addEventListener("click", (e) => {
    const b = e.target.closest("button[data-shock]");
    if (b) shock(b.dataset.shock);
  });
  await reset();
  watchConnection();
  document.body.dataset.ready = "true";
}

start();
