"""The one fetch policy (microservices/common/fetch), over real HTTP on loopback: every
class of address refused, under every spelling, by literal, by a name that resolves to it,
and by a redirect from a trusted origin, with a canary server that must get no request;
trusted origins fetched wherever they are; a public name fetched from the address that
was checked, and only that one (a connection pinned to it, whatever the name resolves
to afterwards)."""

import io
import ssl
from functools import partial

import pytest
import trustme
from aiohttp import web
from PIL import Image

from common.addresses import address_class, literal_address
from common.origins import Origin, parse_origins
from microservices.common.fetch import (
    ContentRefused,
    Fetcher,
    FetchFailed,
    FetchPolicy,
    FetchSettings,
    URLRefused,
)
from microservices.common.fetch.pinning import PinnedResolver
from tests.microservices.helpers_fetch import Network, Recorder, Resolver, recording_app

PUBLIC = "93.184.216.34"  # a global address: what the fake resolver answers for public.test
PUBLIC_V6 = "2606:2800:220:1:248:1893:25c8:1946"


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 6), (200, 10, 10)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
async def canary(aiohttp_server):
    """The private network: a server that must never be reached."""
    recorder = Recorder()
    server = await aiohttp_server(recording_app(recorder))
    yield server.port, recorder
    assert recorder.seen == [], "a refused URL reached the private network"


def media_routes() -> web.RouteTableDef:
    """An image, text, and redirects to wherever `?to=` says."""
    routes = web.RouteTableDef()
    image = png()

    @routes.get("/image.png")
    async def get_image(request: web.Request) -> web.Response:
        return web.Response(body=image, content_type="image/png")

    @routes.get("/notes.txt")
    async def get_text(request: web.Request) -> web.Response:
        return web.Response(text="not an image")

    @routes.get("/redirect")
    async def redirect(request: web.Request) -> web.Response:
        raise web.HTTPFound(request.query["to"])

    @routes.get("/loop")
    async def loop(request: web.Request) -> web.Response:
        raise web.HTTPFound("/loop")

    return routes


@pytest.fixture
async def media(aiohttp_server):
    """A media server: on loopback, a trusted origin, or 'public' through the network."""
    recorder = Recorder()
    server = await aiohttp_server(recording_app(recorder, media_routes()))
    return server, recorder


@pytest.fixture
def network(canary, media) -> Network:
    """Public addresses lead to the media server; everything else to the canary."""
    server, _ = media
    return Network(
        routes={
            (PUBLIC, 80): server.port,
            (PUBLIC_V6, 80): server.port,
            ("127.0.0.1", server.port): server.port,
        },
        fallback=canary[0],
    )


@pytest.fixture
def resolver() -> Resolver:
    return Resolver(
        {
            "public.test": [PUBLIC],
            "public6.test": [PUBLIC_V6],
            "media.test": ["127.0.0.1"],
            "localhost": ["127.0.0.1", "::1"],
            "loopback.test": ["127.0.0.1"],
            "mapped.test": ["::ffff:127.0.0.1"],
            "private.test": ["10.1.2.3"],
            "ula.test": ["fd00::1"],
            "mixed.test": [PUBLIC, "192.168.0.10"],
            "metadata.test": ["169.254.169.254"],
            "cgnat.test": ["100.64.1.1"],
            "multicast.test": ["224.0.0.251"],
            "unspecified.test": ["0.0.0.0"],
            "reserved.test": ["240.0.0.1"],
        }
    )


@pytest.fixture
async def make(network, resolver):
    """Fetchers with the given origins trusted, closed after."""
    made: list[Fetcher] = []

    def build(trusted: str = "", **policy) -> Fetcher:
        settings = FetchSettings(fetch_trusted_origins=trusted)
        base = settings.fetch_policy()
        fetcher = Fetcher(
            FetchPolicy(trusted=base.trusted, **policy),
            resolve=resolver,
            connector=network.connector,
        )
        made.append(fetcher)
        return fetcher

    yield build
    for fetcher in made:
        await fetcher.close()


def origin(server) -> str:
    return str(server.make_url("/").origin())


# -- addresses, in every spelling ------------------------------------------------------

LITERALS = [
    # loopback
    ("127.0.0.1", "loopback"),
    ("127.8.9.10", "loopback"),
    ("127.0.0.1.", "loopback"),
    ("127.1", "loopback"),
    ("2130706433", "loopback"),
    ("0x7f000001", "loopback"),
    ("0x7f.0.0.1", "loopback"),
    ("0177.0.0.1", "loopback"),
    ("0177.1", "loopback"),
    ("[::1]", "loopback"),
    ("[0:0:0:0:0:0:0:1]", "loopback"),
    ("[::ffff:127.0.0.1]", "loopback"),
    ("[::ffff:7f00:1]", "loopback"),
    ("[64:ff9b::127.0.0.1]", "loopback"),
    ("[2002:7f00:1::]", "loopback"),
    # private (RFC 1918, ULA)
    ("10.0.0.1", "private"),
    ("012.0.0.1", "private"),
    ("167772161", "private"),
    ("172.16.5.4", "private"),
    ("172.31.255.255", "private"),
    ("192.168.1.1", "private"),
    ("0xc0.0xa8.1.1", "private"),
    ("[::ffff:10.0.0.1]", "private"),
    ("[::ffff:a00:1]", "private"),
    ("[fc00::1]", "private"),
    ("[fd12:3456::1]", "private"),
    # link-local (and the cloud metadata address)
    ("169.254.169.254", "link-local"),
    ("2852039166", "link-local"),
    ("0xa9fea9fe", "link-local"),
    ("0251.0376.0251.0376", "link-local"),
    ("[fe80::1]", "link-local"),
    ("[::ffff:169.254.169.254]", "link-local"),
    # shared address space (CGNAT)
    ("100.64.0.1", "CGNAT"),
    ("100.127.255.254", "CGNAT"),
    ("[::ffff:100.64.0.1]", "CGNAT"),
    # multicast
    ("224.0.0.1", "multicast"),
    ("239.255.255.250", "multicast"),
    ("[ff02::1]", "multicast"),
    ("[ff0e::1]", "multicast"),
    # unspecified
    ("0.0.0.0", "unspecified"),
    ("0", "unspecified"),
    ("[::]", "unspecified"),
    # otherwise not global
    ("240.0.0.1", "not global"),
    ("255.255.255.255", "not global"),
    ("192.0.2.1", "not global"),
    ("198.18.0.1", "not global"),
    ("[2001:db8::1]", "not global"),
    ("[::127.0.0.1]", "not global"),
    ("[fec0::1]", "not global"),
    ("[100::1]", "not global"),
]


@pytest.mark.parametrize(("host", "kind"), LITERALS)
def test_every_spelling_of_a_refused_address_is_recognized(host, kind):
    address = literal_address(host)
    assert address is not None
    refused = address_class(address)
    assert refused is not None and kind in refused, (host, refused)


@pytest.mark.parametrize("host", ["8.8.8.8", "93.184.216.34", "[2606:4700::1]", "[::ffff:8.8.8.8]"])
def test_public_addresses_are_not_refused(host):
    address = literal_address(host)
    assert address is not None and address_class(address) is None


def test_names_are_not_literals():
    for host in ("localhost", "mongo", "example.com", "1.2.3.4.example", "0x7g.1"):
        assert literal_address(host) is None, host


# -- refused, and nothing sent ---------------------------------------------------------


@pytest.mark.parametrize(("host", "kind"), LITERALS)
async def test_a_literal_refused_address_is_never_fetched(make, network, host, kind):
    with pytest.raises(URLRefused) as refused:
        await make().fetch(f"http://{host}/latest/meta-data", 10_000, "images[2].url")
    assert refused.value.field == "images[2].url"
    assert refused.value.detail.startswith("images[2].url points at ")
    assert network.opened == []


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("localhost", "loopback"),
        ("LOCALHOST.", "loopback"),
        ("loopback.test", "loopback"),
        ("mapped.test", "loopback"),
        ("private.test", "private"),
        ("ula.test", "private"),
        ("mixed.test", "private"),  # one private address among public ones is enough
        ("metadata.test", "link-local"),
        ("cgnat.test", "CGNAT"),
        ("multicast.test", "multicast"),
        ("unspecified.test", "unspecified"),
        ("reserved.test", "not global"),
    ],
)
async def test_a_name_for_a_refused_address_is_never_fetched(make, network, resolver, name, kind):
    with pytest.raises(URLRefused) as refused:
        await make().fetch(f"http://{name}/x.png", 10_000, "audio_path")
    assert kind in refused.value.detail and "audio_path points at" in refused.value.detail
    assert "10.1.2.3" not in refused.value.detail  # where internal names lead is not told
    assert network.opened == []
    assert len(resolver.asked) == 1


@pytest.mark.parametrize(
    "url",
    [
        "http://public.test:8080/x.png",  # a public name, but not the default port
        "https://public.test:80/x.png",
        "ftp://public.test/x.png",
        "file:///etc/passwd",
        "gopher://127.0.0.1:70/x",
        "/relative/x.png",
        "http:///x.png",
        "http://[::1/x.png",
        "http://8.8.8.8.8.8/x",
    ],
)
async def test_other_schemes_ports_and_malformed_urls_are_refused(make, network, url):
    with pytest.raises((URLRefused, FetchFailed)):
        await make().fetch(url, 10_000, "audio_path")
    assert network.opened == []


async def test_a_canary_on_a_non_default_port_of_loopback_is_refused(make, canary, network):
    port, _ = canary
    for host in ("127.0.0.1", "localhost", "[::1]"):
        with pytest.raises(URLRefused, match="port"):
            await make().fetch(f"http://{host}:{port}/metrics", 10_000, "audio_path")
    assert network.opened == []


@pytest.mark.parametrize(
    "target",
    [
        "http://127.0.0.1/secret",
        "http://2130706433/secret",
        "http://[::ffff:127.0.0.1]/secret",
        "http://localhost/secret",
        "http://private.test/secret",
        "http://metadata.test/latest/meta-data",
        "http://169.254.169.254/latest/meta-data",
        "file:///etc/passwd",
    ],
)
async def test_a_redirect_from_a_trusted_origin_to_a_refused_one_is_not_followed(
    make, media, network, target
):
    server, recorder = media
    url = str(server.make_url("/redirect").with_query(to=target))
    with pytest.raises(URLRefused) as refused:
        await make(trusted=origin(server)).fetch(url, 10_000, "images[0].url")
    assert refused.value.detail.startswith("images[0].url redirects to ")
    assert [path for _, path in recorder.seen] == [url[len(origin(server)) :]]
    assert network.opened == [("127.0.0.1", server.port)]  # the trusted hop only


async def test_a_redirect_to_the_canary_port_is_not_followed(make, media, canary, network):
    server, _ = media
    port, _ = canary
    to = f"http://127.0.0.1:{port}/metrics"
    url = str(server.make_url("/redirect").with_query(to=to))
    with pytest.raises(URLRefused):
        await make(trusted=origin(server)).fetch(url, 10_000, "images[0].url")


async def test_redirects_are_capped(make, media):
    server, recorder = media
    fetcher = make(trusted=origin(server), max_redirects=2)
    with pytest.raises(FetchFailed, match="redirects more than 2 times"):
        await fetcher.fetch(str(server.make_url("/loop")), 10_000, "images[0].url")
    assert len(recorder.seen) == 3


# -- fetched ---------------------------------------------------------------------------


async def test_a_trusted_origin_on_loopback_is_fetched(make, media, network, resolver):
    server, _ = media
    data = await make(trusted=origin(server)).fetch_image(
        str(server.make_url("/image.png")), 10_000, 1_000_000, "images[0].url"
    )
    assert data == png()
    assert network.opened == [("127.0.0.1", server.port)]
    assert resolver.asked == []  # a literal is not resolved


async def test_a_trusted_name_is_fetched_from_the_address_checked(make, media, network, resolver):
    server, recorder = media
    url = f"http://media.test:{server.port}/image.png"
    data = await make(trusted=f"http://media.test:{server.port}").fetch(url, 10_000, "f")
    assert data == png()
    assert resolver.asked == [("media.test", server.port)]
    assert network.opened == [("127.0.0.1", server.port)]
    assert recorder.seen == [(f"media.test:{server.port}", "/image.png")]


@pytest.mark.parametrize(
    ("name", "address"), [("public.test", PUBLIC), ("public6.test", PUBLIC_V6)]
)
async def test_a_public_name_goes_the_normal_path(make, media, network, resolver, name, address):
    _, recorder = media
    data = await make().fetch_image(f"http://{name}/image.png", 10_000, 1_000_000, "f")
    assert data == png()
    assert resolver.asked == [(name, 80)]
    assert network.opened == [(address, 80)]
    assert recorder.seen == [(name, "/image.png")]  # the Host header is the name's


async def test_the_connection_goes_to_the_address_checked_not_a_later_answer(
    make, media, network, resolver
):
    """DNS rebinding: the name resolves to a public address when checked, to loopback
    afterwards. The connection is pinned to the first answer; no second question."""
    answers = iter([[PUBLIC], ["127.0.0.1"], ["127.0.0.1"]])

    async def rebinding(host: str, port: int):
        resolver.asked.append((host, port))
        return await Resolver({host: next(answers)})(host, port)

    fetcher = make()
    fetcher.resolve = rebinding
    assert await fetcher.fetch("http://rebind.test/image.png", 10_000, "f") == png()
    assert resolver.asked == [("rebind.test", 80)]
    assert network.opened == [(PUBLIC, 80)]


async def test_a_redirect_to_a_public_name_is_checked_and_pinned_too(
    make, media, network, resolver
):
    server, _ = media
    url = str(server.make_url("/redirect").with_query(to="http://public.test/image.png"))
    assert await make(trusted=origin(server)).fetch(url, 10_000, "f") == png()
    assert network.opened == [("127.0.0.1", server.port), (PUBLIC, 80)]
    assert resolver.asked == [("public.test", 80)]


async def test_https_to_a_pinned_address_keeps_the_names_tls_check(
    aiohttp_server, canary, resolver
):
    """The connection goes to the checked address, and TLS still checks the certificate
    against the URL's name (SNI): a certificate for public.test only."""
    ca = trustme.CA()
    served = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("public.test").configure_cert(served)
    trusting = ssl.create_default_context()
    ca.configure_trust(trusting)
    recorder = Recorder()
    server = await aiohttp_server(recording_app(recorder, media_routes()), ssl=served)
    network = Network(routes={(PUBLIC, 443): server.port}, fallback=canary[0])
    resolver.table["other.test"] = [PUBLIC]
    connector = partial(network.connector, ssl=trusting)
    fetcher = Fetcher(FetchPolicy(), resolve=resolver, connector=connector)
    try:
        assert await fetcher.fetch("https://public.test/image.png", 10_000, "f") == png()
        with pytest.raises(FetchFailed, match="certificate"):  # a name it is not for
            await fetcher.fetch("https://other.test/image.png", 10_000, "f")
    finally:
        await fetcher.close()
    assert network.opened == [(PUBLIC, 443), (PUBLIC, 443)]
    assert recorder.seen == [("public.test", "/image.png")]


async def test_rewrite_targets_are_trusted(media, network, resolver):
    server, _ = media
    settings = FetchSettings(fetch_rewrites=f"http://localhost:8103/={origin(server)}/")
    fetcher = Fetcher(settings.fetch_policy(), resolve=resolver, connector=network.connector)
    try:
        data = await fetcher.fetch("http://localhost:8103/image.png", 10_000, "f")
    finally:
        await fetcher.close()
    assert data == png()


# -- what comes back -------------------------------------------------------------------


async def test_what_is_not_an_image_is_refused_as_content(make, media):
    server, _ = media
    with pytest.raises(ContentRefused, match=r"images\[1\]\.url is not an image"):
        await make(trusted=origin(server)).fetch_image(
            str(server.make_url("/notes.txt")), 10_000, 1_000_000, "images[1].url"
        )


async def test_size_caps_and_http_errors_fail_the_fetch(make, media):
    server, _ = media
    fetcher = make(trusted=origin(server))
    with pytest.raises(FetchFailed, match="larger than 20 bytes"):
        await fetcher.fetch(str(server.make_url("/image.png")), 20, "f")
    with pytest.raises(FetchFailed, match="HTTP 404"):
        await fetcher.fetch(str(server.make_url("/missing")), 20, "f")


async def test_an_unknown_name_fails_without_a_connection(make, network):
    with pytest.raises(FetchFailed, match="no address"):
        await make().fetch("http://unknown.test/x.png", 10_000, "f")
    assert network.opened == []


# -- the pieces ------------------------------------------------------------------------


async def test_the_connectors_resolver_answers_only_what_was_checked():
    with pytest.raises(OSError):
        await PinnedResolver().resolve("example.com", 80)


def test_trusted_origins_are_parsed_and_checked():
    assert parse_origins(" http://a:1 , https://B.example./, http://[::1]:8103") == {
        Origin("http", "a", 1),
        Origin("https", "b.example", 443),
        Origin("http", "::1", 8103),
    }
    for bad in ("a:1", "ftp://a", "http://a/path", "http://u:p@a", "http://a?q=1"):
        with pytest.raises(ValueError):
            parse_origins(bad)
    with pytest.raises(ValueError):
        FetchSettings(fetch_trusted_origins="nonsense")


def test_the_policy_trusts_rewrite_targets_and_the_origins_given():
    policy = FetchSettings(
        fetch_trusted_origins="http://audio:8102",
        fetch_rewrites="http://localhost:8103=http://image:8103",
    ).fetch_policy()
    assert policy.trusted == {Origin("http", "audio", 8102), Origin("http", "image", 8103)}


@pytest.mark.parametrize("url", ["http://audio:8102/media/a.mp3", "http://localhost:8103/x.png"])
def test_a_trusted_origin_passes_the_precheck_whatever_its_port(url):
    policy = FetchSettings(
        fetch_trusted_origins="http://audio:8102",
        fetch_rewrites="http://localhost:8103=http://image:8103",
    ).fetch_policy()
    assert policy.precheck(url, "f").port in (8102, 8103)
