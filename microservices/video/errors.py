"""A render's failures, independent of HTTP: the handler turns each into an answer."""


class RenderError(Exception):
    """Why a render cannot be done: an HTTP status, a machine code, a sentence."""

    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail


def unusable_input(detail: str) -> RenderError:
    """An input could not be downloaded or read: permanent for this request (422)."""
    return RenderError(422, "INPUT_UNUSABLE", detail)
