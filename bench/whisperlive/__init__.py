"""WhisperLive side of `bench.asr_compare`: its launcher (run in bench/.venv-wl) and our client for its protocol.

Nothing here imports `whisper_live`: the server runs in a separate venv (torch is no product dependency);
`serve.py` is the only file executed with that venv's interpreter.
"""
