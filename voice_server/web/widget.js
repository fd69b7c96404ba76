// Style Shepherd voice widget — embed with ONE tag:
//   <script type="module" src="https://YOUR-SERVER/widget/widget.js" data-server="https://YOUR-SERVER"></script>
// Options (data-*): server, mode ("push-to-talk" | "hands-free"), target (CSS selector), title.
// See docs/widget.md.

import { Controller } from "./controller.js";
import { createHooks } from "./hooks.js";
import { findScriptTag, readOptions } from "./options.js";
import { buildView } from "./view.js";

function loadStyles(href) {
  if (document.querySelector(`link[data-shepherd-css]`)) return;
  const link = document.createElement("link");
  link.rel = "stylesheet";
  link.href = href;
  link.dataset.shepherdCss = "";
  document.head.append(link);
}

export function mount(options) {
  loadStyles(new URL("./widget.css", import.meta.url).href);
  const view = buildView(options);
  const host = options.target ? document.querySelector(options.target) : null;
  if (host) {
    host.append(view.root);
  } else {
    view.root.classList.add("sh-floating");
    document.body.append(view.root);
  }
  const controller = new Controller(view, options, createHooks());
  controller.start();
  return controller;
}

const options = readOptions(findScriptTag(import.meta.url), import.meta.url);
if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", () => mount(options), { once: true });
} else {
  mount(options);
}
