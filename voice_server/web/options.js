// Reads the embed options from the <script type="module" src=".../widget.js" data-*> tag.

const MODES = new Set(["push-to-talk", "hands-free"]);

/** The script element that loaded `moduleUrl` (document.currentScript is null for modules). */
export function findScriptTag(moduleUrl) {
  for (const script of document.querySelectorAll("script[src]")) {
    if (new URL(script.getAttribute("src"), document.baseURI).href === moduleUrl) return script;
  }
  return null;
}

/**
 * Options: data-server (base URL of the Style Shepherd server; default: where widget.js came from),
 * data-mode ("push-to-talk" | "hands-free"), data-target (CSS selector to mount into; default: a
 * floating panel appended to <body>), data-title.
 */
export function readOptions(script, moduleUrl) {
  const data = script ? script.dataset : {};
  const server = new URL(data.server || new URL("..", moduleUrl).href, document.baseURI);
  const mode = MODES.has(data.mode) ? data.mode : "push-to-talk";
  return {
    server: server.href.replace(/\/+$/, ""),
    wsUrl: server.href.replace(/^http/, "ws").replace(/\/+$/, "") + "/ws/voice",
    mode,
    target: data.target || null,
    title: data.title || "Style Shepherd",
  };
}
