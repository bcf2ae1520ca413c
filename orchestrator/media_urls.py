"""Render inputs the video service would refuse to fetch, told before a render is queued
when that can be done without resolving a name: a 400 (INPUT_URL_REFUSED, a precondition
on what the project holds) naming each field, instead of a failed job. The video service
checks again, and fully (names resolved, every redirect).

Trusted, as at the video service, are the origins the orchestrator knows its services
by (`*_SERVICE_URL`) and those of TRUSTED_MEDIA_ORIGINS (the names browsers reach the
media by, e.g. http://localhost:8102 in docker-compose). Any other URL is refused when it
uses a port other than its scheme's default, names an address that is not public in
any spelling (common/addresses.py), or names an internal host: a single label (`mongo`,
`orchestrator`), `localhost`, or a name under a suffix that is never public."""

from collections.abc import Iterable

from ai_studio.v1.project_pb2 import Project, VideoSettings

from common.addresses import address_class, literal_address
from common.origins import Origin, has_default_port, origin_of, parse_origins, parse_url
from orchestrator.config import OrchestratorSettings
from orchestrator.errors import InputURLRefused, Violation

INTERNAL_SUFFIXES = (".localhost", ".local", ".internal", ".lan", ".home.arpa", ".localdomain")


def trusted_origins(service_urls: Iterable[str], extra: str) -> frozenset[Origin]:
    """The services' origins and the comma-separated `extra` ones."""
    services = frozenset(origin_of(parse_url(url)) for url in service_urls)
    return services | parse_origins(extra)


def media_origins(settings: OrchestratorSettings) -> frozenset[Origin]:
    urls = (
        settings.script_service_url,
        settings.audio_service_url,
        settings.image_service_url,
        settings.video_service_url,
    )
    return trusted_origins((str(url) for url in urls), settings.trusted_media_origins)


def is_internal_name(host: str) -> bool:
    return "." not in host or host == "localhost" or host.endswith(INTERNAL_SUFFIXES)


def refusal(url: str, trusted: frozenset[Origin]) -> str | None:
    """Why the video service will not fetch `url`, if that can be told from the URL
    alone; None otherwise (a URL that is not http(s) is left to the other rules)."""
    try:
        parsed = parse_url(url)
    except ValueError:
        return None
    origin = origin_of(parsed)
    if origin in trusted:
        return None
    if not has_default_port(parsed):
        return f"uses port {origin.port}: only the default port is fetched from an untrusted origin"
    address = literal_address(origin.host)
    if address is not None:
        refused = address_class(address)
        return None if refused is None else f"points at {refused}, which is never fetched"
    if is_internal_name(origin.host):
        return f"points at {origin.host}, an internal host name, which is never fetched"
    return None


def check_render_inputs(
    project: Project, settings: VideoSettings, trusted: frozenset[Origin]
) -> None:
    """InputURLRefused naming every input of the render that would be refused (the
    captions are one only when the render burns them in)."""
    inputs = [("audio_path", project.audio_path)]
    inputs += [(f"images[{k}].url", scene.url) for k, scene in enumerate(project.images)]
    if settings.subtitles and project.HasField("captions_url"):
        inputs.append(("captions_url", project.captions_url))
    violations = [
        Violation(field, reason)
        for field, url in inputs
        if (reason := refusal(url, trusted)) is not None
    ]
    if violations:
        raise InputURLRefused(violations)
