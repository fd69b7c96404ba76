// Wires the parts together: connection events -> UI + playback; mic and buttons -> connection.
// The widget's state (data-state on the root) is one of:
// connecting | reconnecting | offline | ready | listening | thinking | speaking.

import { GuestAuth } from "./auth.js";
import { MicCapture } from "./capture.js";
import { VoiceConnection } from "./connection.js";
import { PlaybackQueue } from "./playback.js";
import { appendMessage, renderAdvice, renderCart, renderConfirm, renderOrder, renderProducts } from "./render.js";
import { MIC_LABELS } from "./view.js";

const INPUT_RATE = 16000; // the worklet downsamples the mic to this
const OUTPUT_RATE = 24000; // the server resamples reply audio to this
const FRAME_MS = 20;
const ACK_EVERY_MS = 500;
const HELP = {
  "push-to-talk": "Hold the talk button (or hold Space on it) while you speak; release to send.",
  "hands-free": "Hands-free: just talk. Speak over the assistant to interrupt it.",
};

export class Controller {
  constructor(view, options, hooks) {
    this.view = view;
    this.options = options;
    this.hooks = hooks;
    this.mode = options.mode;
    this.micOpen = false; // sending mic audio right now
    this.thinking = false;
    this.connection = "connecting";
    this.context = null;
    this.ackTimer = null;
    this.speakingTurn = null;
    this.typedEcho = null;
    this.connectionHandle = new VoiceConnection({
      wsUrl: options.wsUrl,
      auth: new GuestAuth(options.server),
      input: { encoding: "pcm_s16le", sample_rate: INPUT_RATE, channels: 1 },
      output: { encoding: "pcm_s16le", sample_rate: OUTPUT_RATE, channels: 1 },
      client: { name: "widget", version: "1" },
    });
    this.mic = new MicCapture({
      targetRate: INPUT_RATE,
      frameMs: FRAME_MS,
      workletUrl: new URL("./pcm-capture-worklet.js", import.meta.url).href,
      onFrame: (buffer) => {
        if (this.micOpen) this.connectionHandle.sendAudio(buffer);
      },
    });
    this.playback = new PlaybackQueue({ hooks, onIdle: (turnId) => this._playbackIdle(turnId) });
  }

  start() {
    const { view } = this;
    const conn = this.connectionHandle;
    conn.addEventListener("status", (event) => this._onStatus(event.detail));
    conn.addEventListener("message", (event) => this._onMessage(event.detail));
    conn.addEventListener("audio", (event) => {
      this.playback.push(event.detail);
      this._render();
    });
    view.handsFree.checked = this.mode === "hands-free";
    view.handsFree.addEventListener("change", () => this._setMode(view.handsFree.checked ? "hands-free" : "push-to-talk"));
    this._bindMic();
    view.stop.addEventListener("click", () => this.cancelReply());
    view.root.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && this.playback.playing) this.cancelReply();
    });
    view.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.sendText(view.input.value);
    });
    view.yes.addEventListener("click", () => this.sendText("yes"));
    view.no.addEventListener("click", () => this.sendText("no"));
    this._setMode(this.mode);
    conn.start();
  }

  // -- audio context (created lazily; resumed on user gestures for autoplay policies) ----------

  audioContext() {
    if (!this.context) {
      this.context = new AudioContext({ latencyHint: "interactive" });
      this.playback.attach(this.context);
    }
    if (this.context.state === "suspended") this.context.resume();
    return this.context;
  }

  // -- mic ---------------------------------------------------------------------------------------

  _bindMic() {
    const { mic } = this.view;
    const press = (event) => {
      if (this.mode !== "push-to-talk") return;
      event.preventDefault();
      this.openMic();
    };
    const release = () => {
      if (this.mode === "push-to-talk" && this.micOpen) this.closeMic(true);
    };
    mic.addEventListener("pointerdown", (event) => {
      if (event.button === 0) press(event);
    });
    mic.addEventListener("pointerup", release);
    mic.addEventListener("pointercancel", release);
    mic.addEventListener("pointerleave", release);
    mic.addEventListener("keydown", (event) => {
      if ((event.key === " " || event.key === "Enter") && !event.repeat) press(event);
    });
    mic.addEventListener("keyup", (event) => {
      if (event.key === " " || event.key === "Enter") release();
    });
    mic.addEventListener("click", (event) => {
      if (this.mode !== "hands-free") return event.preventDefault();
      if (this.micOpen) this.closeMic(true);
      else this.openMic();
    });
  }

  async openMic() {
    const context = this.audioContext();
    this.micOpen = true;
    this._render();
    if (this.mode === "push-to-talk" && this.playback.playing) this.cancelReply(); // talking = interrupting
    try {
      await this.mic.start(context);
    } catch (error) {
      this.micOpen = false;
      appendMessage(this.view, "error", `Microphone unavailable: ${error.message}. You can type instead.`);
      this._render();
    }
  }

  closeMic(endOfAudio) {
    this.micOpen = false;
    if (endOfAudio) this.connectionHandle.send({ type: "end_of_speech" });
    this._render();
  }

  _setMode(mode) {
    if (this.micOpen) this.closeMic(true);
    this.mode = mode;
    this.view.root.dataset.mode = mode;
    this.view.help.textContent = HELP[mode];
    this._render();
  }

  // -- outgoing ------------------------------------------------------------------------------------

  sendText(raw) {
    const text = (raw || "").trim();
    if (!text) return;
    this.audioContext(); // a click/submit is a user gesture: unlock audio for the reply
    if (!this.connectionHandle.send({ type: "text", text })) {
      appendMessage(this.view, "error", "Not connected — your message was not sent. Reconnecting…");
      return;
    }
    appendMessage(this.view, "user", text);
    this.typedEcho = text;
    this.view.input.value = "";
    this.thinking = true;
    this._render();
  }

  cancelReply() {
    const turn = this.playback.turnId;
    this.connectionHandle.send({ type: "cancel", turn_id: turn });
    if (turn !== null) {
      this._ack(turn);
      this.playback.flush(turn, "local_cancel");
    }
    this._render();
  }

  // -- incoming ------------------------------------------------------------------------------------

  _onStatus(detail) {
    const { view } = this;
    this.connection = detail.state;
    this.hooks.connection = detail.state;
    view.root.dataset.connection = detail.state;
    if (detail.state === "open") {
      view.status.textContent = "Connected";
      if (detail.ready && detail.ready.resumed) this.hooks.resumed += 1;
      if (detail.ready) this.hooks.conversationId = detail.ready.conversation_id;
    } else if (detail.state === "reconnecting" && detail.delayMs !== undefined) {
      view.status.textContent = `Connection lost (${detail.reason}). Reconnecting in ${Math.ceil(detail.delayMs / 1000)} s…`;
      this.micOpen = this.micOpen && this.mode === "hands-free"; // hands-free resumes by itself
    } else if (detail.state === "reconnecting") {
      view.status.textContent = `Reconnecting (attempt ${detail.attempt})…`;
    } else if (detail.state === "connecting") {
      view.status.textContent = "Connecting…";
    } else if (detail.state === "closed") {
      view.status.textContent = `Disconnected: ${detail.reason || detail.code}. Reload the page to try again.`;
    }
    this._render();
  }

  _onMessage(message) {
    const { view } = this;
    this.hooks.event(message);
    switch (message.type) {
      case "speech_started":
        view.interim.textContent = "…";
        break;
      case "speech_ended":
        break;
      case "transcript":
        if (message.final) {
          view.interim.textContent = "";
          if (message.text && message.text === this.typedEcho) {
            this.typedEcho = null; // the server echoes typed text as a transcript: shown already
          } else if (message.text) {
            appendMessage(view, "user", message.text);
            this.thinking = true;
          }
        } else {
          view.interim.textContent = message.text;
        }
        break;
      case "reply":
        this._onReply(message);
        break;
      case "audio_start":
        this.audioContext();
        this.playback.begin(message.turn_id, message.sample_rate);
        this.speakingTurn = message.turn_id;
        this.hooks.audioTurns.push(message.turn_id);
        this._startAcks();
        break;
      case "audio_end":
        this.playback.end(message.turn_id);
        break;
      case "interruption": {
        this.hooks.interruptions.push({ turn_id: message.turn_id, reason: message.reason, at_ms: this.hooks.now() });
        this._ack(message.turn_id);
        this.playback.flush(message.turn_id, message.reason);
        this._playbackIdle(message.turn_id);
        break;
      }
      case "metrics":
        this.hooks.metrics = message;
        break;
      case "notice":
        appendMessage(view, "notice", message.text);
        break;
      case "error":
        if (message.fatal || ["asr_failed", "tts_failed", "turn_failed"].includes(message.code)) {
          appendMessage(view, "error", message.message || message.code);
        }
        if (message.code !== "slow_client") this.thinking = false;
        break;
      default:
        break;
    }
    this._render();
  }

  _onReply(message) {
    const { view } = this;
    const payload = message.payload || {};
    this.thinking = false;
    if (message.text) appendMessage(view, "assistant", message.text);
    const products = message.products && message.products.length ? message.products : payload.products;
    if (products && products.length) renderProducts(view, products, payload.focus_id);
    if (payload.size_advice) renderAdvice(view, payload.size_advice);
    const cart = message.cart || payload.cart;
    if (cart) renderCart(view, cart);
    if (payload.order) {
      renderOrder(view, payload.order);
      renderCart(view, { lines: [] });
    }
    renderConfirm(view, payload.pending);
  }

  // -- playback acks -------------------------------------------------------------------------------

  _ack(turnId) {
    if (this.connectionHandle.send({ type: "playback", turn_id: turnId, played_ms: this.playback.playedMs(turnId) })) {
      this.hooks.playbackAcks += 1;
    }
  }

  _startAcks() {
    clearInterval(this.ackTimer);
    this.ackTimer = setInterval(() => {
      if (this.speakingTurn !== null) this._ack(this.speakingTurn);
    }, ACK_EVERY_MS);
  }

  _playbackIdle(turnId) {
    if (this.speakingTurn === turnId) {
      this._ack(turnId);
      clearInterval(this.ackTimer);
      this.speakingTurn = null;
    }
    this._render();
  }

  // -- state ---------------------------------------------------------------------------------------

  _render() {
    const { view } = this;
    let state;
    if (this.connection !== "open") state = this.connection === "closed" ? "offline" : this.connection;
    else if (this.playback.playing) state = "speaking";
    else if (this.thinking) state = "thinking";
    else if (this.micOpen) state = "listening";
    else state = "ready";
    view.root.dataset.state = state;
    this.hooks.state = state;
    view.mic.setAttribute("aria-pressed", String(this.micOpen));
    view.micLabel.textContent = MIC_LABELS[this.mode][this.micOpen ? "active" : "idle"];
    view.stop.disabled = !this.playback.playing;
  }
}
