"""The voice wing: the /ws/voice socket, the session that owns it, turn-taking and speech.

`websocket` admits sockets and hands each to a `session.VoiceSession`; `protocol` is the wire format
(sans-I/O); `speculation`, `pacing`, `outbox` and `turn_record` are the session's pure helpers;
`speech_engines` loads the shared Whisper and TTS engines; `asr_hints` / `asr_correction` bias and
correct recognition towards the catalog; `notice_forwarder` speaks cross-node notices in a session.
"""
