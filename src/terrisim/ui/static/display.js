// How both pages are shown: the big-screen mode for a projector (large type, also in the
// charts and the map), remembered by the browser. Plain ES module, no build step.

/** Wire the #big-screen button (and the G key) of a page; restore the last choice. */
export function bigScreen() {
  const root = document.documentElement;
  const set = (on) => {
    root.classList.toggle("big", on);
    document.querySelector("#big-screen")?.classList.toggle("on", on);
    try { localStorage.setItem("terrisim.big", on ? "1" : ""); } catch { /* private mode */ }
  };
  let stored = "";
  try { stored = localStorage.getItem("terrisim.big") || ""; } catch { /* private mode */ }
  set(stored === "1");
  document.querySelector("#big-screen")?.addEventListener("click", () => set(!root.classList.contains("big")));
  document.addEventListener("keydown", (e) => {
    const typing = ["INPUT", "SELECT", "TEXTAREA"].includes(document.activeElement?.tagName);
    if (!typing && !e.ctrlKey && !e.metaKey && !e.altKey && (e.key === "g" || e.key === "G")) {
      set(!root.classList.contains("big"));
    }
  });
}
