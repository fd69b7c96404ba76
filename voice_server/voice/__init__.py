"""The voice wing: the /ws/voice socket, the session that owns it, turn-taking and speech.

`websocket` admits sockets and hands each to a `session.VoiceSession`, the asyncio driver of a
`session_core.SessionCore` (turn-taking without I/O: `session_events` in, `session_actions` out);
`speaker` plays replies; `protocol` is the wire format (sans-I/O); `speculation`, `pacing`, `outbox`,
`turn_record` and `utterance` are the session's pure helpers; `speech_engines` loads the shared Whisper
and TTS engines; `notice_forwarder` hands cross-node notices to live sessions.
"""
