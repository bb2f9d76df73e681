"""Document downloads, and the clear message for uploads larger than the request limit."""
from __future__ import annotations

from flask import request, send_file
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from marketplace.access import roles
from marketplace.documents import bp, services
from marketplace.errors import error_response


@bp.route("/<int:document_id>")
@roles("vendor", "officer", "backbone")
def download(document_id: int):
    """Send a stored document as an attachment, if the user may see it."""
    document = services.get_for_download(current_user, document_id)
    response = send_file(
        services.open_document(document),
        mimetype=document.content_type,
        as_attachment=True,
        download_name=document.filename,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.app_errorhandler(RequestEntityTooLarge)
def request_too_large(error: RequestEntityTooLarge):
    """Answer a request over MAX_CONTENT_LENGTH with the upload limit, not a bare 413."""
    if request.mimetype == "multipart/form-data":
        return error_response(413, services.too_large_message())
    return error_response(413, "The request is too large.")
