"""The reference script service: POST /generate {title, description, use_case, language,
style} -> {text}, a deterministic offline writer in six languages (or, when configured,
an OpenAI-compatible chat-completions provider)."""
