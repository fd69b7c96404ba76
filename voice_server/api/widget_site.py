"""Serves the demo shop page at ``/`` and the embeddable widget's static files at ``/widget/*``.

No build step: the files in ``voice_server/web/`` are plain ES modules and CSS, served as-is
with an ETag so browsers revalidate cheaply (``304``). Widget files carry
``Access-Control-Allow-Origin: *`` because a ``<script type="module">`` (and the AudioWorklet it
loads) on another site's page is fetched in CORS mode.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from aiohttp import web

WEB_DIR = Path(__file__).resolve().parents[1] / "web"
CONTENT_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".svg": "image/svg+xml",
}
SAFE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*\.(js|css|html|svg)$")
PAGE_CACHE = "no-cache"  # the page always revalidates
ASSET_CACHE = "public, max-age=300, must-revalidate"  # no hashed names, so keep this short

routes = web.RouteTableDef()


def _serve(request: web.Request, path: Path, cache_control: str, *, cors: bool) -> web.Response:
    body = path.read_bytes()
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {"Cache-Control": cache_control, "ETag": etag}
    if cors:
        headers["Access-Control-Allow-Origin"] = "*"
        headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    if etag in {t.strip() for t in request.headers.get("If-None-Match", "").split(",")}:
        return web.Response(status=304, headers=headers)
    headers["Content-Type"] = CONTENT_TYPES[path.suffix]
    return web.Response(body=body, headers=headers)


@routes.get("/")
async def index(request: web.Request) -> web.Response:
    """The demo shop page with the widget embedded by one script tag."""
    return _serve(request, WEB_DIR / "index.html", PAGE_CACHE, cors=False)


@routes.get("/widget/{name}")
async def widget_asset(request: web.Request) -> web.Response:
    """One widget file (flat folder, allow-listed names only: no traversal)."""
    name = request.match_info["name"]
    path = WEB_DIR / name
    if not SAFE_NAME.match(name) or not path.is_file():
        raise web.HTTPNotFound(text=f"no widget file {name!r}")
    return _serve(request, path, ASSET_CACHE, cors=True)
