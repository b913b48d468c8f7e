"""Load a bundled (or any) control-plane document, validated, optionally with our links.

The official documents are bundled unmodified under ``spec/documents``. Everything we add
(the links overlay) or remove (links to data-plane operations that the document does not
contain) is applied to the loaded copy, never to the file.

YAML is read the way openapi-spec-validator reads it: timestamps stay strings, so the
unquoted ``created_at: 2024-03-15T10:30:00Z`` examples are not turned into datetimes.
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import yaml
from jsonschema_path.loaders import JsonschemaSafeLoader

from pinecone_conformance.core.errors import SpecError
from pinecone_conformance.core.text import one_line as _one_line
from pinecone_conformance.core.values import copy_tree
from pinecone_conformance.core.version import CONTRACT_VERSION

DOCUMENTS_DIR = Path(__file__).parent / "documents"
#: ``sha256sum`` lines of the bundled documents that the project's tests validate against the
#: meta-schema (tests/test_spec_bundle.py): a document with one of these digests is the very
#: content that was validated, so a run does not validate it again (~0.4 s at every start).
VALIDATED_DIGESTS_PATH = DOCUMENTS_DIR / "validated.sha256"
LINKS_OVERLAY_PATH = Path(__file__).parent / "links.yaml"

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


@dataclass(frozen=True)
class Document:
    """A parsed OpenAPI document and where it came from."""

    raw: dict
    path: Path
    sha256: str

    @property
    def version(self) -> str:
        return str(self.raw.get("info", {}).get("version", ""))

    @property
    def title(self) -> str:
        return str(self.raw.get("info", {}).get("title", ""))


def available_versions() -> list[str]:
    """API versions bundled with the project, oldest first (e.g. ``["2024-04", ..., "2026-07"]``)."""
    return sorted(_version_of(path) for path in DOCUMENTS_DIR.glob("*.oas.yaml"))


def _version_of(path: Path) -> str:
    match = re.search(r"(\d{4}-\d{2})\.oas\.yaml$", path.name)
    return match.group(1) if match else path.stem


def resolve(version_or_path: str | Path) -> Path:
    """The file for a bundled version name (``2026-04``) or an explicit path."""
    candidate = Path(version_or_path)
    if candidate.is_file():
        return candidate
    text = str(version_or_path)
    if re.fullmatch(r"\d{4}-\d{2}", text):
        matches = sorted(DOCUMENTS_DIR.glob(f"*_{text}.oas.yaml"))
        if matches:
            return matches[0]
        raise SpecError(
            f"no bundled document for API version {text!r} (bundled: {', '.join(available_versions())})"
        )
    raise SpecError(f"no such file or bundled version: {text}")


def parse_yaml(text: str, source: str = "<document>") -> dict:
    """Parse YAML (or JSON) text the way openapi-spec-validator does; one-line SpecError on failure."""
    try:
        raw = yaml.load(text, Loader=JsonschemaSafeLoader)  # noqa: S506 - a safe loader
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise SpecError(f"{source}: not valid YAML{where}: {problem}") from None
    if not isinstance(raw, dict):
        raise SpecError(f"{source}: not an OpenAPI document (the top level is not a mapping)")
    return raw


def validate_document(raw: dict, source: str = "<document>") -> None:
    """Validate against the OpenAPI 3.0 meta-schema (openapi-spec-validator); one-line SpecError."""
    from openapi_spec_validator import OpenAPIV30SpecValidator

    if not str(raw.get("openapi", "")).startswith("3.0"):
        raise SpecError(f"{source}: not an OpenAPI 3.0 document (openapi: {raw.get('openapi')!r})")
    try:
        error = next(OpenAPIV30SpecValidator(raw).iter_errors(), None)
    except Exception as exc:  # a reference that cannot be resolved, and the like
        raise SpecError(f"{source}: invalid OpenAPI document: {_one_line(str(exc))}") from None
    if error is not None:
        where = "/".join(str(part) for part in getattr(error, "absolute_path", []) or [])
        place = f" at /{where}" if where else ""
        raise SpecError(f"{source}: invalid OpenAPI document{place}: {_one_line(error.message)}")


def load(
    version_or_path: str | Path = CONTRACT_VERSION,
    *,
    validate: bool = True,
    with_links: bool = False,
    drop_dangling: bool = False,
) -> Document:
    """Load a document by bundled version name or path.

    ``with_links`` merges :data:`LINKS_OVERLAY_PATH`; ``drop_dangling`` removes links whose
    operationId is not in the document (Schemathesis refuses to build a state machine
    while they are there). The returned ``raw`` is always a private copy.
    """
    path = resolve(version_or_path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise SpecError(f"{path}: cannot read: {error.strerror}") from None
    digest = hashlib.sha256(data).hexdigest()
    raw = _private_copy(_parsed(digest, data, str(path)), str(path))
    if validate:
        _validated(digest, data, str(path))
    if with_links:
        raw = with_links_overlay(raw)
    if drop_dangling:
        raw = without_dangling_links(raw)
    return Document(raw=raw, path=path, sha256=digest)


def _private_copy(raw: dict, source: str) -> dict:
    try:
        return copy_tree(raw)
    except RecursionError:
        raise SpecError(f"{source}: a YAML alias is used inside its own anchor (the document contains itself)") from None


# A run loads the same document several times (the runner, each worker's plugin, the suite's
# collection): parsing (~0.1 s) and meta-schema validation (~0.2 s) are memoised per content
# (its sha256), so each is paid once per process; every caller still gets a private copy.
@functools.lru_cache(maxsize=16)
def _parsed(digest: str, data: bytes, source: str) -> dict:
    return parse_yaml(data.decode("utf-8", errors="replace"), source=source)


@functools.cache
def validated_digests() -> frozenset[str]:
    """The digests in :data:`VALIDATED_DIGESTS_PATH` (none when the file is missing)."""
    try:
        lines = VALIDATED_DIGESTS_PATH.read_text(encoding="utf-8").splitlines()
    except OSError:
        return frozenset()
    return frozenset(line.split()[0] for line in lines if line.strip())


@functools.lru_cache(maxsize=16)
def _validated(digest: str, data: bytes, source: str) -> bool:
    if digest in validated_digests():
        return True
    validate_document(_private_copy(_parsed(digest, data, source), source), source=source)
    return True


# --- operations and links ----------------------------------------------------------------


@dataclass(frozen=True)
class OperationRef:
    operation_id: str
    path: str
    method: str
    definition: dict

    @property
    def pointer(self) -> str:
        return f"/paths/{escape_pointer(self.path)}/{self.method}"


def escape_pointer(token: str) -> str:
    """Escape one JSON-pointer reference token (RFC 6901)."""
    return token.replace("~", "~0").replace("/", "~1")


def operations(raw: dict) -> dict[str, OperationRef]:
    """Every operation of the document by operationId."""
    found: dict[str, OperationRef] = {}
    for path, item in (raw.get("paths") or {}).items():
        for method, operation in (item or {}).items():
            if method in HTTP_METHODS and isinstance(operation, dict) and operation.get("operationId"):
                found[operation["operationId"]] = OperationRef(operation["operationId"], path, method, operation)
    return found


@dataclass(frozen=True)
class LinkRef:
    """A link of the document: where it is, its name, its definition."""

    source: OperationRef
    status: str
    name: str
    definition: dict

    @property
    def pointer(self) -> str:
        return f"{self.source.pointer}/responses/{escape_pointer(self.status)}/links/{escape_pointer(self.name)}"


def links(raw: dict) -> list[LinkRef]:
    result = []
    for operation in operations(raw).values():
        for status, response in (operation.definition.get("responses") or {}).items():
            for name, link in ((response or {}).get("links") or {}).items():
                result.append(LinkRef(operation, str(status), name, link or {}))
    return result


def dangling_links(raw: dict) -> list[LinkRef]:
    """Links whose ``operationId`` names no operation of the document."""
    known = operations(raw)
    return [link for link in links(raw) if link.definition.get("operationId") not in known]


def without_dangling_links(raw: dict) -> dict:
    """A copy of ``raw`` without the links that :func:`dangling_links` reports."""
    raw = copy_tree(raw)
    known = operations(raw)
    for operation in known.values():
        for response in (operation.definition.get("responses") or {}).values():
            link_map = (response or {}).get("links")
            if not link_map:
                continue
            for name in [n for n, link in link_map.items() if (link or {}).get("operationId") not in known]:
                del link_map[name]
            if not link_map:
                del response["links"]
    return raw


def load_links_overlay(path: Path = LINKS_OVERLAY_PATH) -> dict:
    """The overlay: ``{operationId: {status: {link name: Link object}}}``."""
    return parse_yaml(path.read_text(encoding="utf-8"), source=str(path))


def with_links_overlay(raw: dict, overlay: dict | None = None, *, skip_missing: bool = False) -> dict:
    """A copy of ``raw`` with the overlay's links merged into the responses they belong to.

    The overlay is written for the 2026-04 contract; ``skip_missing`` leaves out the entries an
    older or newer contract has no operation or response for (``run --spec 2024-04``) instead of
    refusing the document."""
    overlay = load_links_overlay() if overlay is None else overlay
    raw = copy_tree(raw)
    known = operations(raw)
    for operation_id, by_status in overlay.items():
        if operation_id not in known:
            if skip_missing:
                continue
            raise SpecError(f"links overlay: operation {operation_id!r} is not in the document")
        responses = known[operation_id].definition.setdefault("responses", {})
        for status, link_map in by_status.items():
            if str(status) not in responses:
                if skip_missing:
                    continue
                raise SpecError(f"links overlay: {operation_id} has no {status} response")
            responses[str(status)].setdefault("links", {}).update(copy_tree(link_map))
    return raw


# --- runtime expressions (OpenAPI 3.0.3, "Runtime Expressions") -----------------------------

_TOKEN = r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
_JSON_POINTER = r"(?:/(?:[^~/]|~[01])*)*"
_SOURCE = rf"(?:header\.{_TOKEN}|query\.[^\s{{}}]+|path\.[^\s{{}}]+|body(?:#{_JSON_POINTER})?)"
_EXPRESSION = rf"\$(?:url|method|statusCode|request\.{_SOURCE}|response\.{_SOURCE})"
RUNTIME_EXPRESSION = re.compile(rf"\A{_EXPRESSION}\Z")
_EMBEDDED = re.compile(r"\{([^{}]*)\}")


def is_runtime_expression(value: str) -> bool:
    """Whether ``value`` is exactly one runtime expression such as ``$response.body#/name``."""
    return bool(RUNTIME_EXPRESSION.match(value))


def expression_errors(value: object) -> list[str]:
    """Invalid runtime expressions inside a link parameter or request body value.

    Strings starting with ``$`` must be a whole expression; ``{...}`` inside other strings
    must each hold one. Other values are constants and always valid.
    """
    errors: list[str] = []
    if isinstance(value, str):
        if value.startswith("$"):
            if not is_runtime_expression(value):
                errors.append(value)
        else:
            errors.extend(inner for inner in _EMBEDDED.findall(value) if not is_runtime_expression(inner))
    elif isinstance(value, dict):
        for item in value.values():
            errors.extend(expression_errors(item))
    elif isinstance(value, list):
        for item in value:
            errors.extend(expression_errors(item))
    return errors


def link_expression_errors(link: dict) -> list[str]:
    """Every invalid runtime expression of a Link object (parameters, requestBody, server url)."""
    errors = []
    for value in (link.get("parameters") or {}).values():
        errors.extend(expression_errors(value))
    if "requestBody" in link:
        errors.extend(expression_errors(link["requestBody"]))
    server_url = (link.get("server") or {}).get("url")
    if server_url:
        errors.extend(expression_errors(server_url))
    return errors
