// window.__shepherd: read-only counters for tests and debugging. The widget only writes to it;
// nothing in the widget reads it back, so exposing it never changes behaviour.

const MAX_EVENTS = 300;

export function createHooks() {
  const hooks = {
    version: 1,
    state: "connecting",
    connection: "connecting",
    resumed: 0, // times a `ready` said resumed:true (reconnected into the same conversation)
    conversationId: null,
    audioChunksReceived: 0,
    audioChunksPlayed: 0, // chunks that played to their end
    bytesReceived: {}, // turn_id -> bytes of reply audio received
    bytesPlayed: {}, // turn_id -> bytes of reply audio that played to the end of their chunk
    droppedChunks: 0, // chunks discarded because their turn was interrupted or superseded
    interruptions: [], // {turn_id, reason, at_ms}
    flushedTurns: [], // {turn_id, stopped_sources, at_ms}
    playedAfterFlush: 0, // chunks of a flushed turn that still played to the end (must stay 0)
    lastTurnId: 0,
    audioTurns: [], // turn ids that had audio_start
    playbackAcks: 0,
    metrics: null, // the last `metrics` message
    events: [], // {type, turn_id, at_ms} of every server message, newest last (bounded)
    now: () => Math.round(performance.now()),
    event(message) {
      hooks.lastTurnId = Math.max(hooks.lastTurnId, message.turn_id || 0);
      hooks.events.push({ type: message.type, turn_id: message.turn_id, at_ms: hooks.now() });
      if (hooks.events.length > MAX_EVENTS) hooks.events.shift();
    },
    add(map, turnId, amount) {
      map[turnId] = (map[turnId] || 0) + amount;
    },
  };
  window.__shepherd = hooks;
  return hooks;
}
