"""The OpenAPI 3.1 document of the REST edge (edge/openapi.json, served at /openapi.json)
and the Swagger UI page at /docs: the document is valid, covers exactly the app's routes,
says what the contract says, and describes what the edge really answers."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from aiohttp.test_utils import TestClient
from openapi_spec_validator import OpenAPIV31SpecValidator

from common import labels
from edge import codec, listing
from edge.app import create_app
from edge.config import EdgeSettings
from edge.handlers import docs
from orchestrator.text import bad_character
from orchestrator.urls import is_media_url
from tests.integration.helpers import CONTRACT_ENUMS, DEFAULTS, EVERYTHING, FIELDS, Api

ROOT = Path(__file__).resolve().parents[2]
DOCUMENT: dict[str, Any] = json.loads((ROOT / "edge" / "openapi.json").read_text())
SCHEMAS = DOCUMENT["components"]["schemas"]
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}

NULLABLE = {"audio_path", "captions_url", "video_url", "thumbnail", "video_job"}


def validator(schema: dict[str, Any]) -> jsonschema.Draft202012Validator:
    """A JSON Schema (2020-12) validator of `schema`, the document's references resolvable."""
    return jsonschema.Draft202012Validator({**schema, "components": DOCUMENT["components"]})


def schema_of(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def is_valid(name: str, instance: Any) -> bool:
    return validator(schema_of(name)).is_valid(instance)


def assert_valid(name: str, instance: Any) -> None:
    validator(schema_of(name)).validate(instance)


def operations() -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, item in DOCUMENT["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    ]


def resolve(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        *_, kind, name = node["$ref"].split("/")
        node = DOCUMENT["components"][kind][name]
    return node


# -- the document ---------------------------------------------------------------------------


def test_the_document_is_valid_openapi_3_1() -> None:
    assert DOCUMENT["openapi"].startswith("3.1.")
    OpenAPIV31SpecValidator(DOCUMENT).validate()


def test_every_route_of_the_app_is_documented_and_nothing_else() -> None:
    """HEAD is aiohttp's own for each GET and OPTIONS is the CORS preflight aiohttp-cors
    adds to each resource: neither is an operation of the API. Every other route, method
    and path template, is one operation of the document, and the reverse."""
    app = create_app(EdgeSettings())
    routes: set[tuple[str, str]] = set()
    for route in app.router.routes():
        path = route.resource.canonical if route.resource else ""
        if route.method == "HEAD":
            assert any(
                r.method == "GET" and r.resource is route.resource for r in app.router.routes()
            ), path
        elif route.method == "OPTIONS":
            assert "preflight" in route.handler.__qualname__.lower(), path
        else:
            routes.add((route.method.lower(), path))
    documented = {(method, path) for method, path, _ in operations()}
    assert sorted(routes - documented) == [], "routes missing from edge/openapi.json"
    assert sorted(documented - routes) == [], "documented operations the app does not serve"


def test_the_enums_are_the_contracts_and_the_edges() -> None:
    for name, values in CONTRACT_ENUMS.items():
        assert SCHEMAS[name]["enum"] == values, name
    edge = {
        "Language": labels.LANGUAGE.number,
        "UseCase": labels.USE_CASE.number,
        "ProjectStatus": labels.STATUS.number,
        "ScriptStyle": labels.SCRIPT_STYLE.number,
        "Voice": labels.VOICE.number,
        "ImageStyle": labels.IMAGE_STYLE.number,
        "Resolution": labels.RESOLUTION.number,
        "VideoTemplate": labels.TEMPLATE.number,
        "BackgroundMusic": labels.MUSIC.number,
        "VideoJobState": labels.JOB_STATE.number,
    }
    for name, spellings in edge.items():
        assert SCHEMAS[name]["enum"] == list(spellings), name


def test_the_project_has_every_field_required_and_only_the_nullable_ones_take_null() -> None:
    project = SCHEMAS["Project"]
    assert list(project["properties"]) == list(FIELDS)
    assert project["required"] == list(FIELDS)
    assert project["additionalProperties"] is False
    full = {"id": "p1", "title": "t", **DEFAULTS}
    full |= {"created_at": "2025-11-29T10:00:00Z", "updated_at": "2025-11-29T10:00:01.250Z"}
    full |= {"revision": 1}
    assert_valid("Project", full)
    for name in FIELDS:
        assert not is_valid("Project", {k: v for k, v in full.items() if k != name}), name
        assert is_valid("Project", {**full, name: None}) == (name in NULLABLE), name


def test_the_request_bodies_name_exactly_the_fields_the_edge_reads() -> None:
    writable = set(codec.PARSERS)
    for name in ("ProjectCreate", "ProjectUpdate"):
        body = SCHEMAS[name]
        assert set(body["properties"]) == writable | codec.IGNORED_FIELDS, name
        assert body["additionalProperties"] is False
        for ignored in codec.IGNORED_FIELDS:
            assert body["properties"][ignored] == {
                "description": "Server-set: ignored if given, whatever its value."
            }
    assert SCHEMAS["ProjectCreate"]["required"] == ["title"]
    assert "required" not in SCHEMAS["ProjectUpdate"]
    steps = {
        "GenerateScriptRequest": codec.SCRIPT_BODY,
        "GenerateAudioRequest": codec.AUDIO_BODY,
        "GenerateImagesRequest": codec.IMAGES_BODY,
        "GenerateImageRequest": codec.IMAGE_BODY,
        "GenerateVideoRequest": codec.VIDEO_BODY,
    }
    for name, parsers in steps.items():
        body = SCHEMAS[name]
        assert set(body["properties"]) == set(parsers), name
        assert body["additionalProperties"] is False
        assert "required" not in body
        for field in parsers:  # null is the same as leaving a field out
            assert is_valid(name, {field: None}), (name, field)


def test_the_list_parameters_are_the_edges_with_the_json_server_aliases() -> None:
    params = [resolve(p) for p in DOCUMENT["paths"]["/projects"]["get"]["parameters"]]
    query = {p["name"]: p for p in params if p["in"] == "query"}
    assert set(listing.CANONICAL) | {"status"} <= set(query)
    assert {"q", "_page", "_limit", "_per_page", "sort", "order", "_start", "_end"} <= set(query)
    # The rest are field filters of both dialects, each naming a field the edge knows.
    for name in set(query) - set(listing.CANONICAL) - {"status"}:
        listing.field_filter(name, ["x"])
    assert query["status"]["schema"] == {
        "type": "array",
        "items": {"$ref": "#/components/schemas/ProjectStatus"},
    }
    assert query["status"]["explode"] is True
    for name in ("page", "_page"):
        assert query[name]["schema"] == {"type": "integer", "minimum": 1}
    for name in ("limit", "_limit", "_per_page"):
        assert query[name]["schema"] == {"type": "integer", "minimum": 1, "maximum": 1000}
    for name in ("_sort", "sort"):
        pattern = re.compile(query[name]["schema"]["pattern"])
        for value in (*listing.SORT_FIELDS, "-title", "title,-fps", "id,title,fps,language,status"):
            assert pattern.search(value), value
        for value in ("", "nope", "title,", "--title", "images", "id,id,id,id,id,id"):
            assert not pattern.search(value), value
    for name in ("_order", "order"):
        pattern = re.compile(query[name]["schema"]["pattern"])
        for value in ("asc", "desc", "ASC", "Desc", "asc,desc"):
            assert pattern.search(value), value
        for value in ("", "up", "ascending", " asc", "asc,"):
            assert not pattern.search(value), value
    like = re.compile(query["title_like"]["schema"]["pattern"])
    for value in ("abc", "^abc", "abc$", "^a$", "a\\.b", "", "50%"):
        assert like.search(value), value
    for value in ("a.b", "a*", "(a)", "a|b", "[a]", "a^b"):
        assert not like.search(value), value


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("a", True),
        ("  The Future of AI \n", True),
        ("x" * 200, True),
        (" " * 50 + "x" * 200 + "\t" * 50, True),
        ("x" * 201, False),
        ("", False),
        ("   ", False),
        ("\u2003\n", False),
    ],
)
def test_a_title_is_measured_once_trimmed(value: str, valid: bool) -> None:
    assert is_valid("InputTitle", value) is valid
    assert (1 <= len(value.strip()) <= 200) is valid


@pytest.mark.parametrize(
    "url",
    [
        "https://cdn.example/audio.mp3",
        "http://127.0.0.1:8103/media/image-0.png",
        "HTTP://example.com",
        "https://example.com?x=1#y",
        "ftp://example.com/a",
        "https:///path",
        "example.com/a",
        "https://" + "a" * 2050,
        "",
    ],
)
def test_a_url_the_document_allows_is_one_the_orchestrator_accepts(url: str) -> None:
    """The document's URL rule may be stricter than the orchestrator's, never looser."""
    if is_valid("Url", url):
        assert is_media_url(url)
    assert is_valid("NullableUrl", url) == is_valid("Url", url)


@pytest.mark.parametrize(
    "url",
    [
        "HTTP://0*",  # make fuzz, seed 1561564718: a PATCH echoed it against the Url pattern
        "http://[::1]/a.mp3",
        "http://user@cdn.example/a.mp3",
        "http://cdn_1.example/a.mp3",
        "https://bücher.example/a.png",
        "https://cdn.example/audio.mp3",
    ],
)
def test_a_url_the_orchestrator_accepts_is_one_the_answers_may_hold(url: str) -> None:
    """The answers' URL schemas hold every URL the orchestrator stores (the requests' may
    be stricter: see above)."""
    assert is_media_url(url) and bad_character(url, False) is None
    assert is_valid("StoredUrl", url) and is_valid("NullableStoredUrl", url)


async def test_a_url_outside_the_request_pattern_is_answered_as_the_document_says(
    api: Api,
) -> None:
    """The orchestrator takes a URL the requests' pattern leaves out; the answer holding
    it still matches the document (make fuzz found the answer did not)."""
    made = await api.create(title="URLs")
    resp = await api.client.patch(
        f"/projects/{made['id']}", json={"aspect_ratio": "1:1", "audio_path": "HTTP://0*"}
    )
    assert resp.status == 200
    assert not is_valid("NullableUrl", "HTTP://0*")
    assert_valid("Project", await resp.json())
    assert_valid("Project", await api.get(made["id"]))


# Each text schema, and whether its text may hold several lines (orchestrator/text.py).
TEXT_SCHEMAS = {
    "InputTitle": False,
    "InputPrompt": True,
    "Description": True,
    "ScriptText": True,
    "Url": False,
}


@pytest.mark.parametrize("char", [*map(chr, range(0x20)), *map(chr, range(0x7F, 0xA1)), "é", "🐝"])
@pytest.mark.parametrize("name", TEXT_SCHEMAS)
def test_a_text_the_document_allows_holds_only_characters_the_orchestrator_takes(
    name: str, char: str
) -> None:
    """The document states the character rule: what it allows inside a text (between
    two letters) is what the orchestrator takes, no more, no less."""
    text = f"https://a.example/x{char}y" if name == "Url" else f"x{char}y"
    assert is_valid(name, text) == (bad_character(text, TEXT_SCHEMAS[name]) is None), text
    if name == "Description":
        item = {"type": "array", "items": SCHEMAS["VideoInspirations"]["items"]}
        allowed = jsonschema.Draft202012Validator(item).is_valid([text])
        assert allowed == (bad_character(text, multiline=False) is None), text


def test_every_error_answer_is_the_error_shape_with_a_request_id() -> None:
    statuses: dict[str, set[str]] = {}
    for method, path, operation in operations():
        for status, response in operation["responses"].items():
            response = resolve(response)
            assert response["headers"]["X-Request-ID"] == {
                "$ref": "#/components/headers/X-Request-ID"
            }, (method, path, status)
            if int(status) >= 400:
                assert response["content"] == {
                    "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                }, (method, path, status)
            statuses.setdefault(f"{method.upper()} {path}", set()).add(status)
    errors = {"400", "404", "409", "413", "502", "503", "504"}
    assert errors <= {s for found in statuses.values() for s in found}
    for key, found in statuses.items():  # a request target past 16 KiB, on any endpoint
        assert "414" in found, key
    writes = [k for k in statuses if k.startswith(("POST", "PUT", "PATCH"))]
    for key in writes:
        assert {"400", "413", "415", "503", "504"} <= statuses[key], key
    for key in statuses:
        if key.startswith("POST /projects/{id}/generate-"):
            assert "404" in statuses[key], key
            assert ("502" in statuses[key]) != key.endswith("generate-video"), key
    assert "409" in statuses["POST /projects/{id}/generate-video"]
    for step in ("audio", "images", "images/{scene_index}"):  # a service refusing the content
        assert "422" in statuses[f"POST /projects/{{id}}/generate-{step}"], step
    assert statuses["DELETE /projects/{id}"] == {"204", "401", "404", "412", "414", "503", "504"}


def test_the_headers_the_frontend_reads_are_documented() -> None:
    listed = DOCUMENT["paths"]["/projects"]["get"]["responses"]["200"]["headers"]
    assert set(listed) == {"X-Request-ID", "X-Total-Count", "Link"}
    created = DOCUMENT["paths"]["/projects"]["post"]["responses"]["201"]["headers"]
    assert set(created) == {"X-Request-ID", "Location"}


# -- the document describes the real answers ------------------------------------------------


async def test_the_document_is_served_as_kept_in_the_repo(client: TestClient) -> None:
    resp = await client.get("/openapi.json")
    assert resp.status == 200
    assert resp.content_type == "application/json"
    assert await resp.read() == (ROOT / "edge" / "openapi.json").read_bytes()
    assert resp.headers["X-Request-ID"]


async def test_real_projects_and_errors_match_the_document(api: Api) -> None:
    client = api.client
    full = await api.create(**EVERYTHING)
    assert_valid("Project", full)
    assert_valid("ProjectCreate", EVERYTHING)
    bare = await api.create(title="Bare")
    assert_valid("Project", bare)
    assert_valid("Project", await api.get(full["id"]))
    resp = await client.get("/projects?_page=1&_limit=1&q=bare")
    assert resp.status == 200
    validator({"type": "array", "items": schema_of("Project")}).validate(await resp.json())
    answers = [
        await client.post("/projects", json={"title": " ", "fps": 25, "what": 1}),
        await client.post("/projects", data=b"{", headers={"Content-Type": "application/json"}),
        await client.get("/projects?limit=0"),
        await client.get("/projects/unknown"),
        await client.post("/projects/unknown/generate-images/0"),
        await client.post("/projects", json={"title": "x"}, headers={"Content-Type": "text/plain"}),
        await client.get("/nowhere"),
    ]
    assert [r.status for r in answers] == [400, 400, 400, 404, 404, 415, 404]
    for resp in answers:
        assert_valid("Error", await resp.json())
    ok = await client.get("/healthz")
    assert_valid("Health", await ok.json())


async def test_the_schema_accepts_what_the_edge_accepts_and_refuses_what_it_refuses(
    api: Api,
) -> None:
    bodies = [
        {"title": "ok", "id": "ignored", "video_job": {"state": 1}, "created_at": None},
        {"title": "ok", "images": [{"prompt": " p "}], "audio_path": None},
        {"title": "ok", "audio_speed": 0.7, "audio_pitch": 1.3, "duration": 0},
        {"title": "x" * 201},
        {"title": "ok", "fps": 25},
        {"title": "ok", "audio_speed": 1.31},
        {"title": "ok", "images": [{"prompt": "p", "extra": 1}]},
        {"title": "ok", "video_inspirations": ["a"] * 21},
        {"title": "ok", "unknown": 1},
        {"title": "ok", "duration": -1},
        {"title": "ok", "video_url": "ftp://x.example/v.mp4"},
        {"title": None},
        {},
    ]
    for body in bodies:
        resp = await api.client.post("/projects", json=body)
        assert resp.status in (201, 400), await resp.text()
        assert is_valid("ProjectCreate", body) == (resp.status == 201), body


# -- the interactive page ---------------------------------------------------------------------


async def test_docs_page_loads_swagger_ui_from_this_server_only(client: TestClient) -> None:
    resp = await client.get("/docs")
    assert resp.status == 200
    assert resp.content_type == "text/html"
    page = await resp.text()
    assert "//" not in re.sub(r"<!--.*?-->", "", page, flags=re.S), "an absolute URL"
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert "docs/static/swagger-ui-bundle.js" in assets
    assert "docs/static/swagger-ui.css" in assets
    types = {".js": "text/javascript", ".css": "text/css", ".png": "image/png"}
    for asset in assets:
        # Relative links, resolved against /docs as a browser does.
        got = await client.get("/" + asset)
        assert got.status == 200, asset
        assert got.content_type == types[Path(asset).suffix], asset
        assert len(await got.read()) > 0
    script = await (await client.get("/docs/static/docs.js")).text()
    assert 'url: "openapi.json"' in script
    assert "validatorUrl: null" in script  # no call to the public validator
    assert "http" not in script


def test_swagger_ui_is_the_packages_bundled_version_5() -> None:
    """Swagger UI renders OpenAPI 3.1 from version 5 on."""
    bundle = (docs.swagger_ui_static() / "swagger-ui-bundle.js").read_text()
    version = re.search(r'PACKAGE_VERSION:"(\d+)\.\d+\.\d+"', bundle)
    assert version and int(version[1]) >= 5, version


def test_the_edge_does_not_import_the_swagger_ui_package() -> None:
    """Only its files are used: its Jinja-based handlers stay out of the edge."""
    code = "import sys, edge.app; assert 'swagger_ui' not in sys.modules, sorted(sys.modules)"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "protos" / "gen")])}
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True, timeout=60)


def test_the_documented_asset_names_are_the_served_ones() -> None:
    (filename,) = [
        p
        for p in DOCUMENT["paths"]["/docs/static/{filename}"]["get"]["parameters"]
        if p.get("name") == "filename"
    ]
    assert sorted(filename["schema"]["enum"]) == sorted(docs.ASSETS)


@pytest.mark.parametrize(
    "path",
    [
        "/docs/static/nothing.js",
        "/docs/static/..%2Fopenapi.json",
        "/docs/static/%2E%2E%2Fhandlers%2Fdocs.py",
        "/docs/static/index.html",
        "/docs/static/swagger-editor.js",
        "/docs/static/",
        "/docs/",
    ],
)
async def test_docs_static_serves_its_files_and_nothing_else(client: TestClient, path: str) -> None:
    resp = await client.get(path)
    assert resp.status == 404
    body = await resp.json()
    assert body["code"] == "NOT_FOUND" and set(body) == {"detail", "code"}
