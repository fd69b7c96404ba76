// Renders server data (reply payloads) into the widget: messages, product cards, cart, checkout, order.

import { h } from "./dom.js";

const ORDER_STATUS = {
  awaiting_payment: "recorded — awaiting payment",
  created: "being prepared",
  paid: "paid",
  shipped: "shipped",
  delivered: "delivered",
  cancelled: "cancelled",
  refunded: "refunded",
};

export function formatPrice(cents, currency = "USD") {
  if (typeof cents !== "number") return "";
  try {
    return new Intl.NumberFormat(undefined, { style: "currency", currency }).format(cents / 100);
  } catch {
    return `${(cents / 100).toFixed(2)} ${currency}`;
  }
}

function percent(value) {
  return typeof value === "number" ? `${Math.round(value * 100)}%` : "";
}

/** Append one line of the conversation ("user" | "assistant" | "notice" | "error"). */
export function appendMessage(view, role, text) {
  const who = { user: "You", assistant: "Shepherd", notice: "Notice", error: "Problem" }[role] || role;
  const item = h("li", { class: `sh-msg sh-msg-${role}` }, h("span", { class: "sh-who" }, `${who}: `), text);
  view.conversation.append(item);
  while (view.conversation.children.length > 60) view.conversation.firstElementChild.remove();
  view.log.scrollTop = view.log.scrollHeight;
  return item;
}

function sizeAdviceText(advice) {
  if (!advice || !advice.size) return null;
  const confidence = advice.confidence !== undefined ? ` (${percent(advice.confidence)} confidence)` : "";
  return `Recommended size: ${advice.size}${confidence}`;
}

function productCard(product, index, focusId) {
  const sizes = product.sizes || product.sizes_available || [];
  const risk = product.return_risk;
  const fit = sizeAdviceText(product.recommended_size);
  const swatch = h("span", { class: "sh-swatch", "aria-hidden": "true" });
  if (product.colour) swatch.style.background = product.colour.toLowerCase().replace(/\s+/g, "");
  const focused = focusId !== undefined && product.id === focusId;  // the one a question was about
  return h("li", { class: focused ? "sh-card sh-card-focus" : "sh-card", "data-product-id": product.id,
    ...(focused ? { "aria-current": "true" } : {}) },
    h("article", { "aria-label": `${index + 1}. ${product.brand} ${product.name}` },
      h("p", { class: "sh-card-index", "aria-hidden": "true" }, String(index + 1)),
      h("h4", { class: "sh-card-name" }, product.name),
      h("p", { class: "sh-card-brand" }, product.brand),
      h("p", { class: "sh-card-price" }, formatPrice(product.price_cents, product.currency)),
      product.colour ? h("p", { class: "sh-card-colour" }, swatch, `Colour: ${product.colour}`) : null,
      h("p", { class: "sh-card-sizes" }, sizes.length ? `Sizes: ${sizes.join(", ")}` : "Sizes: none in stock"),
      fit ? h("p", { class: "sh-card-fit" }, fit) : null,
      risk && risk.level
        ? h("p", { class: `sh-badge sh-risk sh-risk-${risk.level}`, title: risk.mitigation || "" },
          `Return risk: ${risk.level}`, risk.probability !== undefined ? ` (${percent(risk.probability)})` : "")
        : null));
}

export function renderProducts(view, products, focusId) {
  view.products.replaceChildren(...products.map((product, index) => productCard(product, index, focusId)));
  view.root.querySelector(".sh-empty").hidden = products.length > 0;
}

export function renderAdvice(view, advice) {
  const text = sizeAdviceText(advice);
  view.advice.hidden = !text;
  view.advice.textContent = text ? `${text}${advice.reason ? ` — ${advice.reason}` : ""}` : "";
}

export function renderCart(view, cart) {
  const lines = (cart && cart.lines) || [];
  view.cartLines.replaceChildren(...lines.map((line) => h("li", { class: "sh-cart-line", "data-product-id": line.product_id },
    h("span", { class: "sh-cart-name" }, `${line.brand} ${line.name}`),
    h("span", { class: "sh-cart-meta" }, `${line.size ? `size ${line.size} · ` : ""}qty ${line.quantity}`),
    h("span", { class: "sh-cart-price" }, formatPrice(line.line_total_cents, cart.currency)))));
  view.cartTotal.textContent = lines.length
    ? `Total: ${formatPrice(cart.total_cents, cart.currency)}`
    : "Your cart is empty.";
}

/** Show the checkout question (pending.kind === "checkout") or hide it. */
export function renderConfirm(view, pending) {
  const asking = Boolean(pending && pending.kind === "checkout");
  view.confirm.hidden = !asking;
  view.root.dataset.confirming = asking ? "true" : "false";
  if (asking) {
    const items = pending.item_count ? ` for ${pending.item_count} item${pending.item_count === 1 ? "" : "s"}` : "";
    view.confirmText.textContent = `Place the order? Total ${formatPrice(pending.total_cents)}${items}.`;
  }
}

export function renderOrder(view, order) {
  view.order.hidden = false;
  const status = ORDER_STATUS[order.status] || order.status;
  view.order.textContent = `Order #${order.id} (${formatPrice(order.total_cents, order.currency)}) ${status}.`;
  view.order.dataset.status = order.status;
}
