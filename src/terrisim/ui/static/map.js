// Real French territories on a map: the boundaries of communes or EPCI (GeoJSON in Lambert-93
// km, served by /api/boundaries/{scenario}, see terrisim.france.mapdata), coloured by
// satisfaction or trust, with the EPCI (or départements) boundaries drawn over them. Used by
// the trainers' page (realMap) and the game's set-up screen (pickMap).

import { esc, fmt, satisfactionColor, trustColor } from "./charts.js";

const W = 600, H = 420, M = 12;
const loaded = new Map(); // scenario id -> Promise of the boundaries (null: not real France)

/** The boundaries of a scenario's real territories, fetched once; null if it has none. */
export function fetchBoundaries(scenario) {
  if (!loaded.has(scenario)) {
    loaded.set(scenario, fetch(`/api/boundaries/${encodeURIComponent(scenario)}`)
      .then((res) => (res.ok ? res.json() : null))
      .catch(() => null));
  }
  return loaded.get(scenario);
}

/** Projection of the km plane onto the SVG (north up), fitted to the areas' extent. */
function frame(geo) {
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  const visit = (c) => {
    if (typeof c[0] === "number") {
      x0 = Math.min(x0, c[0]); x1 = Math.max(x1, c[0]);
      y0 = Math.min(y0, c[1]); y1 = Math.max(y1, c[1]);
    } else c.forEach(visit);
  };
  for (const f of geo.areas.features) if (f.geometry) visit(f.geometry.coordinates);
  const scale = Math.min((W - 2 * M) / Math.max(x1 - x0, 1e-9), (H - 2 * M) / Math.max(y1 - y0, 1e-9));
  const ox = (W - (x1 - x0) * scale) / 2, oy = (H - (y1 - y0) * scale) / 2;
  return (c) => `${(ox + (c[0] - x0) * scale).toFixed(1)} ${(H - oy - (c[1] - y0) * scale).toFixed(1)}`;
}

/** SVG path data of a GeoJSON geometry (polygons closed, lines open). */
function pathData(geometry, at) {
  if (!geometry) return "";
  const line = (ring, close) => `M${ring.map(at).join("L")}${close ? "Z" : ""}`;
  const { type, coordinates: c } = geometry;
  if (type === "Polygon") return c.map((r) => line(r, true)).join("");
  if (type === "MultiPolygon") return c.flat().map((r) => line(r, true)).join("");
  if (type === "LineString") return line(c, false);
  if (type === "MultiLineString") return c.map((r) => line(r, false)).join("");
  if (type === "GeometryCollection") return geometry.geometries.map((g) => pathData(g, at)).join("");
  return "";
}

/**
 * Draw areas and outlines; a second call with the same boundaries only recolours the areas.
 *
 * @param {SVGElement} svg
 * @param {object} geo  {level, areas, outlines} as served by /api/boundaries
 * @param {object} how  {fill(id) -> colour, title(id, name) -> text, selected: Set of ids}
 */
function draw(svg, geo, how) {
  if (svg.terrisimGeo !== geo) {
    svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
    const at = frame(geo);
    const parts = [];
    for (const f of geo.areas.features) {
      parts.push(`<path class="area" data-id="${esc(f.properties.id)}" ` +
        `d="${pathData(f.geometry, at)}"><title></title></path>`);
    }
    for (const f of geo.outlines.features) {
      parts.push(`<path class="outline" d="${pathData(f.geometry, at)}"><title>` +
        `${esc(f.properties.name)}</title></path>`);
    }
    svg.innerHTML = parts.join("");
    svg.dataset.level = geo.level;
    svg.terrisimGeo = geo;
  }
  const areas = svg.querySelectorAll("path.area");
  geo.areas.features.forEach((f, k) => {
    const { id, name } = f.properties;
    areas[k].setAttribute("fill", how.fill(id));
    areas[k].classList.toggle("chosen", Boolean(how.selected?.has(id)));
    areas[k].firstChild.textContent = how.title(id, name);
  });
}

/**
 * A "colour by" menu (satisfaction, trust) under the map, made once; returns its value.
 *
 * @param {Element} figure  the map's figure
 * @param {object} words  {label, satisfaction, trust}
 * @param {function} redraw  called when the choice changes
 */
export function colourChooser(figure, words, redraw) {
  let select = figure.querySelector("[data-role=map-colour]");
  if (!select) {
    const box = document.createElement("label");
    box.className = "map-colour";
    box.innerHTML = `<span></span> <select data-role="map-colour">` +
      `<option value="satisfaction"></option><option value="trust"></option></select>`;
    figure.querySelector("svg").after(box);
    select = box.querySelector("select");
    select.addEventListener("change", redraw);
  }
  select.previousElementSibling.textContent = words.label;
  select.options[0].textContent = words.satisfaction;
  select.options[1].textContent = words.trust;
  select.parentElement.hidden = false;
  return select.value;
}

/** Hide the "colour by" menu (a scenario without real territories). */
export function hideColourChooser(figure) {
  const box = figure.querySelector(".map-colour");
  if (box) box.hidden = true;
}

/**
 * The trainers' page: colour the scenario's real areas by satisfaction or trust.
 *
 * @param {SVGElement} svg
 * @param {string} scenario  the scenario id
 * @param {object} areas  {level, id, satisfaction, trust}: values per area (from the frame)
 * @param {string} by  "satisfaction" or "trust"
 * @param {object} words  {satisfaction, trust}
 * @returns {Promise<boolean>} whether a real map was drawn
 */
export async function realMap(svg, scenario, areas, by, words, lang = "fr") {
  const geo = await fetchBoundaries(scenario);
  if (!geo) return false;
  const index = new Map(areas.id.map((id, k) => [id, k]));
  const value = (id, what) => (index.has(id) ? areas[what][index.get(id)] : null);
  const colour = by === "trust" ? trustColor : satisfactionColor;
  draw(svg, geo, {
    fill: (id) => colour(value(id, by)),
    title: (id, name) => `${name} (${id})\n${words.satisfaction}: ` +
      `${fmt(value(id, "satisfaction"), lang)}\n${words.trust}: ${fmt(value(id, "trust"), lang)}`,
  });
  svg.dataset.colouredBy = by;
  return true;
}

/**
 * The game's set-up screen: the real areas to click; a click calls pick(id).
 *
 * @param {SVGElement} svg
 * @param {string} scenario  the scenario id
 * @param {Set<string>} selected  ids already given to a team (drawn highlighted)
 * @param {function} pick  (id) -> void
 * @returns {Promise<boolean>} whether the scenario has real territories (a map was drawn)
 */
export async function pickMap(svg, scenario, selected, pick) {
  const geo = await fetchBoundaries(scenario);
  if (!geo) { svg.innerHTML = ""; svg.hidden = true; return false; }
  svg.hidden = false;
  draw(svg, geo, {
    fill: (id) => (selected.has(id) ? "#2b6cb0" : "#e8e4da"),
    title: (id, name) => `${name} (${id})`,
    selected,
  });
  svg.onclick = (event) => {
    const id = event.target.closest("path.area")?.dataset.id;
    if (id) pick(id);
  };
  return true;
}
