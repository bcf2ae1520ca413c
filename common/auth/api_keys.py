"""Static API keys: `name:key` pairs. Only SHA-256 digests of the keys are kept, and a
presented key is compared with every one of them in constant time (hmac.compare_digest),
so neither the match nor its position shows in the time taken."""

import hashlib
import hmac

MIN_KEY_LENGTH = 16


def parse_api_keys(raw: str) -> dict[str, str]:
    """`name:key,name:key` as {name: key}; a malformed list is a ValueError naming the
    entry by its position or name, never by its key."""
    keys: dict[str, str] = {}
    for position, entry in enumerate((e.strip() for e in raw.split(",")), 1):
        if not entry:
            continue
        name, sep, key = entry.partition(":")
        name, key = name.strip(), key.strip()
        if not sep or not name:
            raise ValueError(f"AUTH_API_KEYS entry {position} is not name:key")
        if len(key) < MIN_KEY_LENGTH:
            raise ValueError(
                f"AUTH_API_KEYS key of {name!r} is shorter than {MIN_KEY_LENGTH} characters"
            )
        if name in keys:
            raise ValueError(f"AUTH_API_KEYS names {name!r} twice")
        keys[name] = key
    return keys


def _digest(key: str) -> bytes:
    return hashlib.sha256(key.encode()).digest()


class ApiKeys:
    def __init__(self, raw: str) -> None:
        self._digests = [(name, _digest(key)) for name, key in parse_api_keys(raw).items()]

    def __bool__(self) -> bool:
        return bool(self._digests)

    def match(self, presented: str) -> str | None:
        """The name of the key presented, or None. Every stored digest is compared."""
        digest = _digest(presented)
        found = None
        for name, stored in self._digests:
            if hmac.compare_digest(digest, stored):
                found = name
        return found
