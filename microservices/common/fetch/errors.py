"""Why a URL a client gave was not used. Each carries the field it came in (e.g.
`images[2].url`) and a sentence for a person that starts with it.

    FetchError
    ├── URLRefused       the policy forbids fetching it: nothing was sent to it
    ├── FetchFailed      it could not be downloaded (unreachable, an HTTP error, too big,
    │                    too slow, too many redirects)
    └── ContentRefused   it was downloaded, but is not what it should be (not an image)
"""


class FetchError(Exception):
    def __init__(self, field: str, detail: str) -> None:
        super().__init__(detail)
        self.field = field
        self.detail = detail


class URLRefused(FetchError):
    pass


class FetchFailed(FetchError):
    pass


class ContentRefused(FetchError):
    pass
