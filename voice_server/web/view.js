// Builds the widget's DOM once and returns references to the parts the controller updates.

import { h, uniqueId } from "./dom.js";

export const MIC_LABELS = {
  "push-to-talk": { idle: "Hold to talk", active: "Listening… release to send" },
  "hands-free": { idle: "Start talking", active: "Listening… press to stop" },
};

export function buildView(options) {
  const id = uniqueId("shepherd");
  const ids = {
    title: `${id}-title`,
    help: `${id}-help`,
    text: `${id}-text`,
    products: `${id}-products`,
    cart: `${id}-cart`,
    confirm: `${id}-confirm`,
    conversation: `${id}-conversation`,
  };
  const status = h("p", { class: "sh-status", role: "status" }, "Connecting…");
  const mic = h("button", { class: "sh-mic", type: "button", "aria-pressed": "false", "aria-describedby": ids.help },
    h("span", { class: "sh-mic-icon", "aria-hidden": "true" }), h("span", { class: "sh-mic-label" }, "Hold to talk"));
  const handsFree = h("input", { type: "checkbox", class: "sh-mode-input" });
  const stop = h("button", { class: "sh-stop", type: "button", disabled: true }, "Stop reply");
  const help = h("p", { id: ids.help, class: "sh-help" });
  const input = h("input", { id: ids.text, class: "sh-text", type: "text", autocomplete: "off",
    placeholder: "e.g. black dresses under $80", enterkeyhint: "send" });
  const form = h("form", { class: "sh-form" },
    h("label", { for: ids.text, class: "sh-form-label" }, "Type instead"),
    h("div", { class: "sh-form-row" }, input, h("button", { type: "submit", class: "sh-send" }, "Send")));
  const conversation = h("ol", { class: "sh-messages" });
  const interim = h("p", { class: "sh-interim", "aria-hidden": "true" });
  const confirmText = h("p", { id: ids.confirm, class: "sh-confirm-text" });
  const yes = h("button", { type: "button", class: "sh-yes" }, "Yes, place order");
  const no = h("button", { type: "button", class: "sh-no" }, "No");
  const confirm = h("section", { class: "sh-confirm", role: "group", "aria-labelledby": ids.confirm, hidden: true },
    confirmText, h("div", { class: "sh-confirm-buttons" }, yes, no));
  const order = h("p", { class: "sh-order", role: "status", hidden: true });
  const advice = h("p", { class: "sh-advice", hidden: true });
  const products = h("ol", { class: "sh-products", "aria-labelledby": ids.products });
  const cartLines = h("ul", { class: "sh-cart-lines" });
  const cartTotal = h("p", { class: "sh-cart-total" }, "Your cart is empty.");

  const root = h("section", { class: "shepherd", "data-state": "connecting", "data-connection": "connecting",
    "aria-labelledby": ids.title },
    h("header", { class: "sh-head" },
      h("h2", { id: ids.title, class: "sh-title" }, options.title), status),
    h("div", { class: "sh-body" },
      h("div", { class: "sh-talk" },
        h("div", { class: "sh-controls" }, mic,
          h("label", { class: "sh-mode" }, handsFree, " Hands-free"), stop),
        help, form,
        h("section", { class: "sh-conversation", "aria-labelledby": ids.conversation },
          h("h3", { id: ids.conversation, class: "sh-subtitle" }, "Conversation"),
          h("div", { class: "sh-log", role: "log", "aria-live": "polite", tabindex: "0",
            "aria-label": "Conversation transcript" }, conversation),
          interim),
        confirm, order),
      h("div", { class: "sh-shop" },
        h("section", { class: "sh-results" },
          h("h3", { id: ids.products, class: "sh-subtitle" }, "Products"), advice, products,
          h("p", { class: "sh-empty" }, "Ask for something, like “show me black dresses under eighty dollars”.")),
        h("section", { class: "sh-cart", "aria-labelledby": ids.cart },
          h("h3", { id: ids.cart, class: "sh-subtitle" }, "Cart"), cartLines, cartTotal))));

  return { root, status, mic, micLabel: mic.querySelector(".sh-mic-label"), handsFree, stop, help, form, input,
    conversation, log: root.querySelector(".sh-log"), interim, confirm, confirmText, yes, no, order, advice,
    products, cartLines, cartTotal };
}
