"""Pure audio for Style Shepherd: PCM/resampling, VAD endpointing, Whisper ASR, Piper/ElevenLabs TTS.

Never imports `voice_server` or `commerce`; see docs/audio.md.
"""
