"""Service functions: the orchestration, with the store (and later clients) as arguments."""
