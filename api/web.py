"""Serves the built web front end (designer, workbench, portal, supervision) at ``/ui/``.

The assets are built from ``designer/`` (``npm ci && npm run build``) into
``api/web_assets/`` and ship inside the package, so a plain ``pip install`` serves the
UI without Node.js. Any path under ``/ui/`` that is not a file answers ``index.html``:
the single-page app routes in the browser. The UI talks to the server only through
``/api/v1``.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from flask import Blueprint, Flask, abort, redirect, request, send_from_directory

ASSETS = Path(__file__).parent / "web_assets"

# The UI's own policy: scripts only from here, no eval; bpmn-js needs inline styles and its
# embedded icon font; the receipt's QR code is an SVG from the API, material previews come from the API
# (PDFs in a same-origin frame).
UI_CSP = ("default-src 'self'; script-src 'self'; connect-src 'self'; img-src 'self' data: blob:; "
          "font-src 'self' data:; style-src 'self' 'unsafe-inline'; object-src 'none'; frame-src 'self'; "
          "base-uri 'self'; form-action 'self'; frame-ancestors 'none'")

bp = Blueprint("web", __name__)


def _with_policy(response, *, immutable: bool = False):
    response.headers["Content-Security-Policy"] = UI_CSP
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable" if immutable else "no-cache"
    return response


@bp.get("/")
def root():
    return redirect("/ui/", code=302)


@bp.get("/progress/<tracking_number>")
def progress(tracking_number: str):
    """What a receipt's QR code opens (``<public base URL>/progress/<number>?code=<query code>``): the UI's page."""
    code = request.args.get("code", "")
    query = f"?code={quote(code, safe='')}" if code else ""
    return redirect(f"/ui/progress/{quote(tracking_number, safe='')}{query}", code=302)


@bp.get("/ui/")
@bp.get("/ui/<path:path>")
def ui(path: str = ""):
    if not (ASSETS / "index.html").is_file():
        abort(404, description="the web UI is not built: run `npm ci && npm run build` in designer/")
    if path.startswith("assets/"):
        # Hashed file names: a changed file gets a new name, so it may be cached forever.
        return _with_policy(send_from_directory(ASSETS, path), immutable=True)
    return _with_policy(send_from_directory(ASSETS, "index.html"))


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
