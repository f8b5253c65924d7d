// Hand-written SVG drawings for the trainers' page: no library, nothing fetched from the network.
//
// Each drawing is a function that takes an <svg> element and JSON-ready data from the server
// (see terrisim/ui/viewmodel.py) and replaces the element's content with SVG markup built as a
// string (one DOM update per drawing: fast enough to redraw every step). Text that reaches the
// markup goes through esc().

/** Escape text for SVG/HTML markup. */
export function esc(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({
    "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;",
  })[c]);
}

/** Round to 1 decimal for coordinates (keeps the markup short). */
const r1 = (v) => Math.round(v * 10) / 10;

/** Format a number for tooltips and axes: at most 3 significant digits. */
export function fmt(v, lang = "fr") {
  if (v === null || v === undefined || Number.isNaN(v)) return "–";
  const a = Math.abs(v);
  const digits = a >= 100 ? 0 : a >= 10 ? 1 : 2;
  return v.toLocaleString(lang, { maximumFractionDigits: digits });
}

// ---------------------------------------------------------------------------------------------
// Colours

/** Linear interpolation between two RGB triples, t in [0, 1]. */
function mix(c0, c1, t) {
  const u = Math.min(1, Math.max(0, t));
  const c = c0.map((v, i) => Math.round(v + (c1[i] - v) * u));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

/** Need satisfaction in [0, 1] -> red (unmet), amber, green (met); grey when unknown. */
export function satisfactionColor(s) {
  if (s === null || s === undefined) return "#b8bec8";
  const red = [200, 40, 30], amber = [240, 170, 50], green = [30, 140, 70];
  return s < 0.5 ? mix(red, amber, s / 0.5) : mix(amber, green, (s - 0.5) / 0.5);
}

/** Trust in [0, 1] -> orange (distrust), grey, blue (trust). */
export function trustColor(t) {
  const orange = [220, 110, 20], grey = [150, 150, 150], blue = [30, 90, 180];
  return t < 0.5 ? mix(orange, grey, t / 0.5) : mix(grey, blue, (t - 0.5) / 0.5);
}

/** A qualitative palette (colour-blind friendly, Okabe-Ito with two extra). */
export const PALETTE = [
  "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000",
  "#8C564B", "#7F7F7F",
];

// ---------------------------------------------------------------------------------------------
// Line chart with shock markers

/** "Nice" tick values covering [lo, hi] (about n of them); integers only if asked. */
export function ticks(lo, hi, n = 5, integer = false) {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  let step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) || 10 * mag;
  if (integer) step = Math.max(1, Math.round(step));
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) {
    out.push(Math.round(v / step) * step || 0); // "|| 0" turns -0 into 0
  }
  return out;
}

/**
 * Draw a line chart.
 *
 * @param {SVGElement} svg
 * @param {object} spec  {x: number[], lines: [{label, values, color?, dash?}], y: [lo, hi] | null,
 *                        shocks: [{step, last, label}] (last: last step hit, null if permanent)}
 * @param {string} lang  for number formatting
 */
export function lineChart(svg, spec, lang = "fr") {
  const W = 420, H = 200, L = 50, R = 8, T = 24, B = 26;
  const x = spec.x || [];
  const lines = spec.lines || [];
  const xLo = x.length ? x[0] : 0;
  const xHi = Math.max(x.length ? x[x.length - 1] : 1, xLo + 10);
  let [yLo, yHi] = spec.y || [Infinity, -Infinity];
  if (!spec.y) {
    for (const l of lines) for (const v of l.values) if (v !== null) {
      yLo = Math.min(yLo, v); yHi = Math.max(yHi, v);
    }
    if (!Number.isFinite(yLo)) { yLo = 0; yHi = 1; }
    if (yHi - yLo < 1e-9) { yLo -= 0.5; yHi += 0.5; }
    const pad = (yHi - yLo) * 0.08;
    yLo -= pad; yHi += pad;
  }
  const sx = (v) => L + ((v - xLo) / (xHi - xLo)) * (W - L - R);
  const sy = (v) => H - B - ((v - yLo) / (yHi - yLo)) * (H - T - B);
  const parts = [];
  // Grid and axes.
  for (const v of ticks(yLo, yHi, 4)) {
    const y = r1(sy(v));
    parts.push(`<line class="grid" x1="${L}" x2="${W - R}" y1="${y}" y2="${y}"/>`,
      `<text class="tick" x="${L - 4}" y="${y + 3}" text-anchor="end">${esc(fmt(v, lang))}</text>`);
  }
  for (const v of ticks(xLo, xHi, 6, true)) {
    const xx = r1(sx(v));
    parts.push(`<text class="tick" x="${xx}" y="${H - B + 16}" text-anchor="middle">${v}</text>`);
  }
  parts.push(`<line class="axis" x1="${L}" x2="${W - R}" y1="${H - B}" y2="${H - B}"/>`,
    `<line class="axis" x1="${L}" x2="${L}" y1="${T}" y2="${H - B}"/>`);
  // Shock markers: a shaded span while the shock lasts (to the right edge if permanent),
  // a dashed line where it starts, and a short label, placed by shockLabels() so that labels
  // neither overlap nor leave the chart.
  const shocks = [...(spec.shocks || [])].sort((p, q) => p.step - q.step);
  const places = shockLabels(shocks.map((s) => ({ x: sx(s.step), text: s.label })), L, W - R,
    [T - 10, T + 7], SHOCK_LABEL_SIZE);
  shocks.forEach((s, i) => {
    const xx = r1(sx(s.step));
    const last = s.last === null || s.last === undefined ? xHi : Math.min(s.last, xHi);
    const width = r1(Math.max(sx(last) - sx(s.step), 0));
    const at = places[i];
    const text = at ? `<text x="${r1(at.x)}" y="${at.y}" text-anchor="${at.anchor}">` +
      `${esc(s.label)}</text>` : "";
    parts.push(`<g class="shock"><rect class="span" x="${xx}" y="${T}" width="${width}" ` +
      `height="${H - B - T}"/><line x1="${xx}" x2="${xx}" y1="${T - 4}" y2="${H - B}"/>` +
      `${text}<title>${esc(s.label)} (${s.step})</title></g>`);
  });
  // Lines (gaps where a value is null).
  lines.forEach((l, i) => {
    const color = l.color || PALETTE[i % PALETTE.length];
    let d = "", pen = false;
    l.values.forEach((v, k) => {
      if (v === null || v === undefined) { pen = false; return; }
      d += `${pen ? "L" : "M"}${r1(sx(x[k]))},${r1(sy(v))}`;
      pen = true;
    });
    const dash = l.dash ? ` stroke-dasharray="5 3"` : "";
    const last = l.values.length ? l.values[l.values.length - 1] : null;
    parts.push(`<path class="series" d="${d}" stroke="${color}"${dash}>` +
      `<title>${esc(l.label)}: ${esc(fmt(last, lang))}</title></path>`);
  });
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  svg.innerHTML = parts.join("");
}

/** Font sizes of the labels placed apart (style.css: svg .shock text, svg .place; the same
 * in big-screen mode, so that the placement stays right), in viewBox units. */
export const SHOCK_LABEL_SIZE = 13;
export const PLACE_LABEL_SIZE = 15;

/** Estimated width (px) of a text at a font size: enough to keep labels apart. */
export const textWidth = (text, size) => String(text).length * size * 0.58;

/**
 * Place the labels of shock markers: right of their marker, or left of it when the chart's
 * right edge is near; on the first row where they do not overlap an earlier label; none
 * (the marker's tooltip still names it) when every row is taken.
 *
 * @param {object[]} items  [{x, text}] in increasing x
 * @param {number} lo, hi   the chart's horizontal extent
 * @param {number[]} rows   the y of each row of labels
 * @returns {object[]} [{x, y, anchor} or null] for each item
 */
export function shockLabels(items, lo, hi, rows, size = SHOCK_LABEL_SIZE) {
  const ends = rows.map(() => -Infinity);
  return items.map(({ x, text }) => {
    const w = textWidth(text, size);
    let start = x + 3, anchor = "start";
    if (start + w > hi) { start = Math.max(lo, x - 3 - w); anchor = "end"; }
    const row = ends.findIndex((end) => start >= end + 4);
    if (row < 0) return null;
    ends[row] = start + w;
    return { x: anchor === "end" ? start + w : start, y: rows[row], anchor };
  });
}

/** HTML legend (coloured swatches) for a list of {label, color?, dash?}. */
export function legendHtml(items) {
  return items.map((it, i) => {
    const color = it.color || PALETTE[i % PALETTE.length];
    const cls = it.dash ? "swatch dash" : "swatch";
    return `<span class="key"><span class="${cls}" style="--c:${color}"></span>` +
      `${esc(it.label)}</span>`;
  }).join("");
}

// ---------------------------------------------------------------------------------------------
// Map of the territories

/**
 * Draw the territories (circles sized by population, coloured by need satisfaction) and the
 * links between them (coloured by trust, width by exchange volume).
 *
 * @param {SVGElement} svg
 * @param {object} map  {territories: {x, y, population, satisfaction, kind, name}: arrays,
 *                       links: {a, b, trust, volume}: arrays (indices into territories)}
 * @param {function} label  (kind) -> translated kind name
 * @param {object} words  translated words {population, satisfaction, trust, volume}
 */
export function territoryMap(svg, map, label, words, lang = "fr") {
  const W = 600, H = 420, M = 24;
  const T = map.territories, Lk = map.links;
  const n = T.x.length;
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  if (!n) { svg.innerHTML = ""; return; }
  const xMin = Math.min(...T.x), xMax = Math.max(...T.x);
  const yMin = Math.min(...T.y), yMax = Math.max(...T.y);
  const span = Math.max(xMax - xMin, yMax - yMin, 1e-9);
  const scale = Math.min((W - 2 * M) / Math.max(xMax - xMin, span * 0.2),
    (H - 2 * M) / Math.max(yMax - yMin, span * 0.2));
  const ox = (W - (xMax - xMin) * scale) / 2, oy = (H - (yMax - yMin) * scale) / 2;
  const px = (i) => r1(ox + (T.x[i] - xMin) * scale);
  const py = (i) => r1(H - oy - (T.y[i] - yMin) * scale); // north up
  // Circle area grows with population; circles cover at most about a quarter of the map and
  // the largest has a radius of at most 22 (small scenarios), with a floor that shrinks with n.
  const popMax = Math.max(...T.population, 1);
  const popSum = T.population.reduce((a, b) => a + b, 0) || 1;
  const rMin = n < 50 ? 4 : n < 300 ? 2 : 1.2;
  const k = Math.min(Math.sqrt((0.25 * W * H) / (Math.PI * popSum)), 18 / Math.sqrt(popMax));
  const radius = (i) => r1(rMin + k * Math.sqrt(T.population[i]));
  const volMax = Math.max(...Lk.volume, 1e-9);
  const parts = [];
  // Links, the biggest drawn last (on top).
  const order = Lk.a.map((_, k) => k).sort((p, q) => Lk.volume[p] - Lk.volume[q]);
  for (const k of order) {
    const a = Lk.a[k], b = Lk.b[k], v = Lk.volume[k];
    const w = r1(0.6 + 6 * Math.sqrt(v / volMax));
    parts.push(`<line class="link" x1="${px(a)}" y1="${py(a)}" x2="${px(b)}" y2="${py(b)}" ` +
      `stroke="${trustColor(Lk.trust[k])}" stroke-width="${w}"><title>` +
      `${esc(T.name[a])} – ${esc(T.name[b])}\n${esc(words.trust)}: ${esc(fmt(Lk.trust[k], lang))}` +
      `\n${esc(words.volume)}: ${esc(fmt(v, lang))}</title></line>`);
  }
  // Territories, the smallest drawn last (on top).
  const byPop = T.x.map((_, i) => i).sort((p, q) => T.population[q] - T.population[p]);
  for (const i of byPop) {
    parts.push(`<circle class="territory kind-${esc(T.kind[i])}" cx="${px(i)}" cy="${py(i)}" ` +
      `r="${radius(i)}" fill="${satisfactionColor(T.satisfaction[i])}"><title>` +
      `${esc(T.name[i])} (${esc(label(T.kind[i]))})\n${esc(words.population)}: ` +
      `${esc(Math.round(T.population[i]).toLocaleString(lang))}\n${esc(words.satisfaction)}: ` +
      `${esc(fmt(T.satisfaction[i], lang))}</title></circle>`);
  }
  // Names of the largest territories (at most 6), skipping a name that would overlap one
  // already written (crowded maps of large scenarios).
  const boxes = [];
  for (const i of byPop.slice(0, Math.min(6, n))) {
    const w = textWidth(T.name[i], PLACE_LABEL_SIZE), y = py(i) - radius(i) - 3;
    const box = { x0: px(i) - w / 2, x1: px(i) + w / 2, y0: y - PLACE_LABEL_SIZE, y1: y + 3 };
    if (boxes.some((b) => box.x0 < b.x1 && b.x0 < box.x1 && box.y0 < b.y1 && b.y0 < box.y1)) {
      continue;
    }
    boxes.push(box);
    parts.push(`<text class="place" x="${px(i)}" y="${r1(y)}" ` +
      `text-anchor="middle">${esc(T.name[i])}</text>`);
  }
  svg.innerHTML = parts.join("");
}

/** HTML legend of the map: two colour ramps (satisfaction, trust). */
export function mapLegendHtml(words) {
  const ramp = (f) => [0, 0.25, 0.5, 0.75, 1].map((v) => f(v)).join(",");
  return `<span class="ramp-key">${esc(words.satLow)}` +
    `<span class="ramp" style="background:linear-gradient(90deg,${ramp(satisfactionColor)})">` +
    `</span>${esc(words.satHigh)}</span>` +
    `<span class="ramp-key">${esc(words.trustLow)}` +
    `<span class="ramp" style="background:linear-gradient(90deg,${ramp(trustColor)})">` +
    `</span>${esc(words.trustHigh)}</span>`;
}

// ---------------------------------------------------------------------------------------------
// Flow diagram of the baskets: kinds that give (left) -> kinds that receive (right), by good

/**
 * Draw who gives what to whom: bands from giving kinds to receiving kinds, one colour per good,
 * width proportional to the volume delivered (a small hand-made Sankey diagram).
 *
 * @param {SVGElement} svg
 * @param {object} baskets  {kinds: string[], goods: string[], flows: [[from, to, good, value]]}
 *                          (indices into kinds and goods; value in k EUR of the last step)
 * @param {function} kindLabel, goodLabel  translators
 * @param {object} words  {gives, receives, empty}
 */
export function basketFlows(svg, baskets, kindLabel, goodLabel, words, lang = "fr") {
  const W = 600, H = 300, X0 = 130, X1 = W - 130, NW = 12, PAD = 22, GAP = 10;
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  const { kinds, flows } = baskets;
  const total = flows.reduce((s, f) => s + f[3], 0);
  if (!(total > 0)) {
    svg.innerHTML = `<text class="empty" x="${W / 2}" y="${H / 2}" text-anchor="middle">` +
      `${esc(words.empty)}</text>`;
    return;
  }
  const nk = kinds.length;
  const scale = (H - 2 * PAD - GAP * (nk - 1)) / total;
  const out = new Array(nk).fill(0), inn = new Array(nk).fill(0);
  for (const [a, b, , v] of flows) { out[a] += v; inn[b] += v; }
  // Node positions: each kind stacked top to bottom, in the server's order.
  const top = (totals) => {
    const y = []; let acc = PAD;
    for (let k = 0; k < nk; k++) { y.push(acc); acc += totals[k] * scale + GAP; }
    return y;
  };
  const yOut = top(out), yIn = top(inn);
  const cursorOut = [...yOut], cursorIn = [...yIn];
  const parts = [
    `<text class="col" x="${X0}" y="12" text-anchor="end">${esc(words.gives)}</text>`,
    `<text class="col" x="${X1 + NW}" y="12">${esc(words.receives)}</text>`,
  ];
  // Bands sorted by receiver then good on the left, by giver then good on the right.
  const bands = flows.filter((f) => f[3] > 0).map((f) => ({ a: f[0], b: f[1], g: f[2], v: f[3] }));
  const left = [...bands].sort((p, q) => p.a - q.a || p.b - q.b || p.g - q.g);
  for (const f of left) { f.y0 = cursorOut[f.a]; cursorOut[f.a] += f.v * scale; }
  const right = [...bands].sort((p, q) => p.b - q.b || p.a - q.a || p.g - q.g);
  for (const f of right) { f.y1 = cursorIn[f.b]; cursorIn[f.b] += f.v * scale; }
  const xa = X0 + NW, xb = X1, xm = (xa + xb) / 2;
  for (const f of bands) {
    const h = f.v * scale;
    const d = `M${xa},${r1(f.y0)}C${xm},${r1(f.y0)} ${xm},${r1(f.y1)} ${xb},${r1(f.y1)}` +
      `L${xb},${r1(f.y1 + h)}C${xm},${r1(f.y1 + h)} ${xm},${r1(f.y0 + h)} ${xa},${r1(f.y0 + h)}Z`;
    parts.push(`<path class="band" d="${d}" fill="${PALETTE[f.g % PALETTE.length]}"><title>` +
      `${esc(kindLabel(kinds[f.a]))} → ${esc(kindLabel(kinds[f.b]))}: ` +
      `${esc(goodLabel(baskets.goods[f.g]))} ${esc(fmt(f.v, lang))}</title></path>`);
  }
  for (let k = 0; k < nk; k++) {
    const ho = Math.max(out[k] * scale, 1), hi = Math.max(inn[k] * scale, 1);
    parts.push(`<rect class="node" x="${X0}" y="${r1(yOut[k])}" width="${NW}" height="${r1(ho)}"/>`,
      `<text class="node-label" x="${X0 - 5}" y="${r1(yOut[k] + ho / 2 + 4)}" text-anchor="end">` +
      `${esc(kindLabel(kinds[k]))}</text>`,
      `<rect class="node" x="${X1}" y="${r1(yIn[k])}" width="${NW}" height="${r1(hi)}"/>`,
      `<text class="node-label" x="${X1 + NW + 5}" y="${r1(yIn[k] + hi / 2 + 4)}">` +
      `${esc(kindLabel(kinds[k]))}</text>`);
  }
  svg.innerHTML = parts.join("");
}
