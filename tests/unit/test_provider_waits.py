"""How long a service waits before its next call to a provider (provider_http.wait):
the backoff, or what the provider asked for when that is longer. The services' tests
show the retries happen; the wait itself is asserted here, without a clock."""

import pytest
from tenacity import RetryCallState

from microservices.common.errors import ServiceError
from microservices.common.provider_http import BACKOFF, Retry, wait

LIMITED = ServiceError(503, "PROVIDER_RATE_LIMITED", "rate limited")


def failed(attempt: int, after: float | None) -> RetryCallState:
    """The state after `attempt` failed with a Retry asking for `after` seconds."""
    state = RetryCallState(None, None, (), {})
    state.attempt_number = attempt
    exc = Retry(LIMITED, after)
    state.set_exception((Retry, exc, None))
    return state


@pytest.mark.parametrize("attempt", [1, 2])
def test_a_wait_asked_for_is_waited_at_least(attempt: int) -> None:
    assert wait(failed(attempt, 1.0)) >= 1.0
    assert wait(failed(attempt, 30.0)) == 30.0  # past the backoff's cap: what was asked


@pytest.mark.parametrize("attempt", [1, 3])
def test_without_an_asked_wait_it_is_the_backoff(attempt: int) -> None:
    waited = wait(failed(attempt, None))
    assert 0 < waited <= BACKOFF.max + BACKOFF.jitter
