// Guest sign-in: POST /api/auth/guest -> {token, user_id, expires_at}, cached per server in sessionStorage.

const KEY = "shepherd.guest";
const EARLY_S = 60; // refresh a minute before expiry

function load(server) {
  try {
    const saved = JSON.parse(sessionStorage.getItem(KEY) || "null");
    if (saved && saved.server === server && Date.parse(saved.expires_at) / 1000 - EARLY_S > Date.now() / 1000) {
      return saved;
    }
  } catch {
    /* storage unavailable or corrupt: fetch a new token */
  }
  return null;
}

export class GuestAuth {
  constructor(server) {
    this.server = server;
    this.current = load(server);
  }

  /** A valid access token (fetches a new guest token when none is cached or it expired). */
  async token() {
    if (this.current) return this.current.token;
    // No body and no custom headers: a "simple" request, so no CORS preflight when embedded elsewhere.
    const response = await fetch(`${this.server}/api/auth/guest`, { method: "POST" });
    if (!response.ok) throw new Error(`guest sign-in failed: HTTP ${response.status}`);
    const body = await response.json();
    this.current = { server: this.server, token: body.token, user_id: body.user_id, expires_at: body.expires_at };
    try {
      sessionStorage.setItem(KEY, JSON.stringify(this.current));
    } catch {
      /* private mode: keep it in memory only */
    }
    return this.current.token;
  }

  /** Forget the token (the server rejected it). */
  invalidate() {
    this.current = null;
    try {
      sessionStorage.removeItem(KEY);
    } catch {
      /* ignore */
    }
  }
}
