"""The JSON API for programs (web.md): ``/api/check``, ``/api/batch``, ``/api/rulesets``.

Answers are the report's JSON (report.md) or JSON Lines; a refusal is ``{"error": {code, message_zh,
message_en}}`` with its HTTP status. A program needs no browser headers: ``curl -F file=@x.xlsx`` works.
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, current_app, request

from ._common import WebError, api_lang, form_options, renamer, state
from ._jobs import run_batch
from ._ruleview import rulesets_json
from ._uploads import save_uploads

__all__ = ["bp"]

bp = Blueprint("api", __name__)


@bp.post("/api/check")
def api_check():
    lang = api_lang(request.form.get("lang"))
    ruleset, as_of = form_options()
    files = request.files.getlist("file")
    if len(files) > 1:
        raise WebError(400, "one-file", "/api/check 只接受一个文件（多个文件请用 /api/batch）",
                       "/api/check takes one file (use /api/batch for several)")
    app_state = state()
    batch = save_uploads(files, app_state.private, current_app.config["UPLOAD_LIMITS"], allow_zip=False)
    try:
        upload = batch.uploads[0]
        fix, _ = renamer([upload])
        data = fix(app_state.check(upload.path, ruleset, lang, as_of))
    finally:
        batch.remove()
    return Response(json.dumps(data, ensure_ascii=False), mimetype="application/json")


@bp.post("/api/batch")
def api_batch():
    lang = api_lang(request.form.get("lang"))
    ruleset, as_of = form_options()
    files = request.files.getlist("files") + request.files.getlist("file")
    app_state = state()
    batch = save_uploads(files, app_state.private, current_app.config["UPLOAD_LIMITS"])
    entry = app_state.store.new("batch", lang)
    entry.total = len(batch.uploads)
    run_batch(app_state, entry, batch, ruleset, lang, as_of)
    if entry.failure:
        app_state.store.drop(entry)
        raise WebError(500, "batch-failed", "批量检查未能完成", f"the batch could not be finished ({entry.failure})")
    path = entry.file("reports.jsonl")

    def stream():  # nothing is kept once the answer is sent (or the client goes away): no token reaches it
        try:
            with open(path, encoding="utf-8") as handle:
                for line in handle:
                    yield line
        finally:
            app_state.store.drop(entry)

    return Response(stream(), mimetype="application/x-ndjson")


@bp.get("/api/rulesets")
def api_rulesets():
    return Response(json.dumps({"rulesets": rulesets_json()}, ensure_ascii=False), mimetype="application/json")
