"""The reference audio service: POST /generate {script_text, voice_id, audio_speed,
audio_pitch, language} -> {url, duration}, real speech from eSpeak NG encoded as MP3."""
