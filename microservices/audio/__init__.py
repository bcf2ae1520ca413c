"""The reference audio service: POST /generate {script_text, voice_id, audio_speed,
audio_pitch, language} -> {url, duration, captions_url}: speech from eSpeak NG offline,
or from an OpenAI-compatible speech API or ElevenLabs, encoded as MP3, with timed
WebVTT captions of what was spoken."""
