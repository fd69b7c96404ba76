"""OpenAPI 3.1 document generated from the route table and the pydantic models."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from pydantic import BaseModel, TypeAdapter

from voice_server.api.errors import ErrorResponse
from voice_server.api.routing import ApiRoute

REF_TEMPLATE = "#/components/schemas/{model}"
BEARER = "bearerAuth"
_LOCATIONS = (("path_params", "path"), ("query", "query"), ("headers", "header"))

_HEALTH_PATHS: dict[str, Any] = {
    "/healthz": {"get": {
        "operationId": "healthz", "summary": "Liveness", "tags": ["health"], "security": [],
        "responses": {"200": {"description": "process up", "content": {"application/json": {"schema": {
            "type": "object", "required": ["status"],
            "properties": {"status": {"const": "ok"}, "node": {"type": "string"},
                           "uptime_s": {"type": "number"}}}}}}},
    }},
    "/readyz": {"get": {
        "operationId": "readyz", "summary": "Readiness of Postgres, Valkey, ASR and TTS", "tags": ["health"],
        "security": [],
        "responses": {code: {"description": text, "content": {"application/json": {"schema": {
            "type": "object", "required": ["status", "checks"],
            "properties": {"status": {"enum": ["ready", "not_ready", "draining", "full"]},
                           "checks": {"type": "object", "additionalProperties": {"type": "object"}}}}}}}
            for code, text in (("200", "ready"), ("503", "not ready, draining, or full (no room for another voice session)"))},
    }},
}


def _ref_name(schema: dict[str, Any]) -> str | None:
    ref = schema.get("$ref")
    return ref.rsplit("/", 1)[-1] if isinstance(ref, str) else None


def _parameters(model_schema: dict[str, Any], location: str) -> list[dict[str, Any]]:
    required = set(model_schema.get("required", []))
    params = []
    for name, prop in model_schema.get("properties", {}).items():
        prop = dict(prop)
        param: dict[str, Any] = {"name": name, "in": location, "schema": prop,
                                 "required": location == "path" or name in required}
        if "description" in prop:
            param["description"] = prop.pop("description")
        if prop.get("type") == "array":
            param |= {"style": "form", "explode": True}
        params.append(param)
    return params


def _error_statuses(route: ApiRoute) -> list[int]:
    statuses = set(route.errors) | {429}
    if not route.public:
        statuses.add(401)
    if any(getattr(route, attr) is not None for attr, _ in _LOCATIONS) or route.body is not None:
        statuses.add(422)
    return sorted(statuses)


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _error_response(status: int) -> dict[str, Any]:
    out: dict[str, Any] = {"description": HTTPStatus(status).phrase,
                           "content": _json({"$ref": REF_TEMPLATE.format(model="ErrorResponse")})}
    if status == 429:
        out["headers"] = {"Retry-After": {"description": "seconds until the window resets",
                                          "schema": {"type": "integer"}}}
    if status == 401:
        out["headers"] = {"WWW-Authenticate": {"schema": {"type": "string"}}}
    return out


def _collect_schemas(routes: list[ApiRoute]) -> tuple[dict[Any, dict[str, Any]], dict[str, Any]]:
    """Schemas keyed by (route index, part), and the shared component schemas."""
    inputs: list[tuple[Any, Any, TypeAdapter[Any]]] = [
        (("error", "out"), "serialization", TypeAdapter(ErrorResponse))
    ]
    for index, route in enumerate(routes):
        for attr in ("path_params", "query", "headers", "body"):
            model: type[BaseModel] | None = getattr(route, attr)
            if model is not None:
                inputs.append(((index, attr), "validation", TypeAdapter(model)))
        if route.response is not None:
            inputs.append(((index, "response"), "serialization", TypeAdapter(route.response)))
    key_map, defs = TypeAdapter.json_schemas(inputs, ref_template=REF_TEMPLATE)
    return {key: value for (key, _mode), value in key_map.items()}, defs.get("$defs", {})


def _operation(route: ApiRoute, index: int, schemas: dict[Any, dict[str, Any]],
               components: dict[str, Any]) -> dict[str, Any]:
    op: dict[str, Any] = {"operationId": route.operation_id, "summary": route.summary,
                          "tags": list(route.tags), "security": [] if route.public else [{BEARER: []}]}
    if route.description:
        op["description"] = route.description
    parameters: list[dict[str, Any]] = []
    for attr, location in _LOCATIONS:
        if (index, attr) in schemas:
            name = _ref_name(schemas[(index, attr)])
            parameters += _parameters(components[name] if name else schemas[(index, attr)], location)
    if route.raw_body:
        parameters.append({"name": "Stripe-Signature", "in": "header", "required": False,
                           "schema": {"type": "string"}})
        op["requestBody"] = {"required": True, "content": _json({"type": "object"})}
    if parameters:
        op["parameters"] = parameters
    if (index, "body") in schemas:
        op["requestBody"] = {"required": True, "content": _json(schemas[(index, "body")])}
    responses: dict[str, Any] = {}
    if route.redirect:
        responses["302"] = {"description": "redirect to the identity provider",
                            "headers": {"Location": {"schema": {"type": "string"}}}}
    else:
        responses[str(route.status)] = {"description": HTTPStatus(route.status).phrase,
                                        "content": _json(schemas.get((index, "response"), {}))}
    for status in _error_statuses(route):
        responses[str(status)] = _error_response(status)
    op["responses"] = responses
    return op


def build_openapi(routes: list[ApiRoute], *, title: str = "Style Shepherd API", version: str = "0.1.0"
                  ) -> dict[str, Any]:
    """The whole document; every schema lives in ``components.schemas``."""
    schemas, components = _collect_schemas(routes)
    paths: dict[str, dict[str, Any]] = {}
    for index, route in enumerate(routes):
        paths.setdefault(route.path, {})[route.method.lower()] = _operation(route, index, schemas, components)
    bearer = {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version,
                 "description": "REST API of the Style Shepherd voice shopping assistant."},
        "paths": {**paths, **_HEALTH_PATHS},
        "components": {"schemas": components, "securitySchemes": {BEARER: bearer}},
    }
