// Reply audio: pcm_s16le chunks -> AudioBufferSourceNodes scheduled back to back on one clock.
// flush() stops every scheduled source at once (barge-in); audio of a turn older than the newest
// audio_start, or of an interrupted turn, is dropped on arrival.

const LEAD_S = 0.05; // schedule slightly ahead so the first chunk is not clipped

export class PlaybackQueue {
  /** @param {{hooks: object, onIdle(turnId: number): void}} options */
  constructor(options) {
    this.hooks = options.hooks;
    this.onIdle = options.onIdle;
    this.context = null;
    this.sources = new Set();
    this.turnId = null; // turn whose audio is arriving (from audio_start)
    this.sampleRate = 24000;
    this.nextTime = 0;
    this.flushedUpTo = -1; // audio of turns <= this is discarded
    this.turns = new Map(); // turn_id -> {playedS, ended: bool}
  }

  attach(context) {
    this.context = context;
  }

  get playing() {
    return this.sources.size > 0;
  }

  /** audio_start: newer turns supersede older audio immediately. */
  begin(turnId, sampleRate) {
    if (this.turnId !== null && turnId > this.turnId && this.turnId > this.flushedUpTo && this.playing) {
      this.flush(this.turnId, "superseded");
    }
    this.turnId = turnId;
    this.sampleRate = sampleRate || this.sampleRate;
    if (!this.turns.has(turnId)) this.turns.set(turnId, { playedS: 0, ended: false, startedAt: null });
  }

  /** audio_end: nothing more will arrive for this turn. */
  end(turnId) {
    const turn = this.turns.get(turnId);
    if (turn) turn.ended = true;
    if (!this.playing) this.onIdle(turnId);
  }

  /** One binary frame of the current turn. */
  push(buffer) {
    const turnId = this.turnId;
    const hooks = this.hooks;
    hooks.audioChunksReceived += 1;
    if (turnId === null || turnId <= this.flushedUpTo || !this.context || buffer.byteLength < 2) {
      hooks.droppedChunks += 1;
      return;
    }
    hooks.add(hooks.bytesReceived, turnId, buffer.byteLength);
    const pcm = new Int16Array(buffer, 0, buffer.byteLength >> 1);
    const audio = this.context.createBuffer(1, pcm.length, this.sampleRate);
    const samples = audio.getChannelData(0);
    for (let i = 0; i < pcm.length; i += 1) samples[i] = pcm[i] / 32768;
    const source = this.context.createBufferSource();
    source.buffer = audio;
    source.connect(this.context.destination);
    const now = this.context.currentTime;
    const at = Math.max(now + LEAD_S, this.nextTime);
    const entry = { source, turnId, bytes: buffer.byteLength, at, duration: audio.duration, stopped: false };
    source.onended = () => this._ended(entry);
    source.start(at);
    this.nextTime = at + audio.duration;
    this.sources.add(entry);
    const turn = this.turns.get(turnId);
    if (turn && turn.startedAt === null) turn.startedAt = at;
  }

  _ended(entry) {
    this.sources.delete(entry);
    if (!entry.stopped) {
      this.hooks.audioChunksPlayed += 1;
      this.hooks.add(this.hooks.bytesPlayed, entry.turnId, entry.bytes);
      if (entry.turnId <= this.flushedUpTo) this.hooks.playedAfterFlush += 1;
      const turn = this.turns.get(entry.turnId);
      if (turn) turn.playedS += entry.duration;
    }
    const turn = this.turns.get(entry.turnId);
    if (!this.playing && turn && turn.ended) this.onIdle(entry.turnId);
  }

  /** Milliseconds of `turnId` the shopper has heard so far. */
  playedMs(turnId) {
    const turn = this.turns.get(turnId);
    if (!turn) return 0;
    let seconds = turn.playedS;
    const now = this.context ? this.context.currentTime : 0;
    for (const entry of this.sources) {
      if (entry.turnId === turnId && !entry.stopped && entry.at <= now) seconds += Math.min(now - entry.at, entry.duration);
    }
    return Math.round(seconds * 1000);
  }

  /** Stop everything of turns <= upTo now; returns how many scheduled sources were stopped. */
  flush(upTo, reason) {
    this.flushedUpTo = Math.max(this.flushedUpTo, upTo);
    let stopped = 0;
    const now = this.context ? this.context.currentTime : 0;
    for (const entry of [...this.sources]) {
      if (entry.turnId > upTo) continue;
      const turn = this.turns.get(entry.turnId);
      if (turn && entry.at < now) turn.playedS += Math.min(now - entry.at, entry.duration); // heard in part
      entry.stopped = true;
      try {
        entry.source.stop();
      } catch {
        /* not started yet in some engines: disconnecting is enough */
      }
      entry.source.disconnect();
      this.sources.delete(entry);
      stopped += 1;
    }
    if (this.context && ![...this.sources].length) this.nextTime = this.context.currentTime;
    this.hooks.flushedTurns.push({ turn_id: upTo, reason, stopped_sources: stopped, at_ms: this.hooks.now() });
    return stopped;
  }
}
