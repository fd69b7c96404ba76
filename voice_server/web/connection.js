// The voice websocket (protocol v1): hello/ready handshake, resume token, reconnect with
// exponential backoff, keep-alive pings. Emits "status", "message" (JSON) and "audio" (ArrayBuffer).

const PROTOCOL = 1;
const BACKOFF_BASE_MS = 500;
const BACKOFF_MAX_MS = 15000;
const PING_EVERY_MS = 15000;
const PONG_TIMEOUT_MS = 10000;
const RESUME_KEY = "shepherd.resume";
// Close codes after which reconnecting cannot help (see docs/protocol.md): bad handshake, protocol violation.
const FATAL = new Set([4400, 4409]);

export class VoiceConnection extends EventTarget {
  /**
   * @param {{wsUrl: string, auth: {token(): Promise<string>, invalidate(): void},
   *          input: object, output: object, client: object}} options
   */
  constructor(options) {
    super();
    this.options = options;
    this.ws = null;
    this.attempt = 0;
    this.ready = null; // the last `ready` message
    this.resumeToken = this._loadResume();
    this.stopped = false;
    this.timer = null;
    this.pingTimer = null;
    this.pongDeadline = null;
  }

  get isOpen() {
    return this.ws !== null && this.ws.readyState === WebSocket.OPEN && this.ready !== null;
  }

  start() {
    this.stopped = false;
    this._open();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    this._stopPings();
    if (this.ws) this.ws.close(1000, "client closed");
  }

  /** Send a control message; returns false when not connected (the caller may tell the user). */
  send(message) {
    if (!this.isOpen) return false;
    this.ws.send(JSON.stringify(message));
    return true;
  }

  /** Send one binary frame of pcm_s16le audio. */
  sendAudio(buffer) {
    if (!this.isOpen || this.ws.bufferedAmount > 1 << 20) return false; // never queue unboundedly
    this.ws.send(buffer);
    return true;
  }

  _emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  async _open() {
    clearTimeout(this.timer);
    this._emit("status", { state: this.attempt === 0 ? "connecting" : "reconnecting", attempt: this.attempt });
    let token;
    try {
      token = await this.options.auth.token();
    } catch (error) {
      this._scheduleReconnect(`sign-in failed (${error.message})`);
      return;
    }
    if (this.stopped) return;
    // The token travels in `hello` (docs/protocol.md), not in the URL, so it never lands in access logs.
    const ws = new WebSocket(this.options.wsUrl);
    ws.binaryType = "arraybuffer";
    this.ws = ws;
    this.ready = null;
    ws.onopen = () => {
      ws.send(JSON.stringify({
        type: "hello",
        version: PROTOCOL,
        token,
        resume_token: this.resumeToken,
        input: this.options.input,
        output: this.options.output,
        playback_acks: true,
        interim_transcripts: true,
        client: this.options.client,
      }));
    };
    ws.onmessage = (event) => {
      if (ws !== this.ws) return;
      if (typeof event.data !== "string") {
        this._emit("audio", event.data);
        return;
      }
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return; // the server only sends JSON text frames; ignore anything else
      }
      if (message.type === "ready") this._onReady(message);
      if (message.type === "pong") this.pongDeadline = null;
      if (message.type === "going_away" && message.resume_token) {
        this.resumeToken = message.resume_token; // close 1001 follows: reconnect and continue
        this._saveResume(this.resumeToken);
      }
      this._emit("message", message);
    };
    ws.onclose = (event) => {
      if (ws !== this.ws) return;
      this._stopPings();
      this.ready = null;
      this.ws = null;
      this._onClose(event.code, event.reason);
    };
  }

  _onReady(message) {
    this.ready = message;
    this.attempt = 0;
    this.resumeToken = message.resume_token || this.resumeToken;
    this._saveResume(this.resumeToken);
    this._startPings();
    this._emit("status", { state: "open", ready: message });
  }

  _onClose(code, reason) {
    if (this.stopped) {
      this._emit("status", { state: "closed", code, reason });
      return;
    }
    if (code === 4401) {
      // Expired/unknown token, or a resume token of another user: sign in again, new conversation.
      this.options.auth.invalidate();
      this.resumeToken = null;
      this._saveResume(null);
    }
    if (FATAL.has(code)) {
      this._emit("status", { state: "closed", code, reason: reason || "the server refused this client" });
      return;
    }
    const why = code === 4503 ? "server full" : code === 1001 ? "server restarting" : reason || `code ${code}`;
    this._scheduleReconnect(why, code === 4503 ? 4 : 0);
  }

  _scheduleReconnect(reason, extraSteps = 0) {
    if (this.stopped) return;
    const step = this.attempt + extraSteps;
    const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** step) * (0.8 + Math.random() * 0.4);
    this.attempt += 1;
    this._emit("status", { state: "reconnecting", attempt: this.attempt, delayMs: Math.round(delay), reason });
    this.timer = setTimeout(() => this._open(), delay);
  }

  _startPings() {
    this._stopPings();
    this.pingTimer = setInterval(() => {
      if (this.pongDeadline !== null && Date.now() > this.pongDeadline) {
        // The network dropped silently: close now and reconnect instead of waiting for TCP.
        const ws = this.ws;
        this.ws = null;
        this._stopPings();
        if (ws) ws.close(4000, "ping timeout");
        this._onClose(1006, "no answer from the server");
        return;
      }
      if (this.send({ type: "ping", id: String(Date.now()) }) && this.pongDeadline === null) {
        this.pongDeadline = Date.now() + PONG_TIMEOUT_MS;
      }
    }, PING_EVERY_MS);
  }

  _stopPings() {
    clearInterval(this.pingTimer);
    this.pingTimer = null;
    this.pongDeadline = null;
  }

  _loadResume() {
    try {
      return sessionStorage.getItem(RESUME_KEY);
    } catch {
      return null;
    }
  }

  _saveResume(token) {
    try {
      if (token) sessionStorage.setItem(RESUME_KEY, token);
      else sessionStorage.removeItem(RESUME_KEY);
    } catch {
      /* storage unavailable */
    }
  }
}
