"""Domain errors and the one error shape: HTML pages for browsers, JSON for the API."""
from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException, InternalServerError


class DomainError(Exception):
    """A rule of the domain refused the action; views answer 409 unless they say otherwise."""

    status_code = 409

    def __init__(self, message: str, errors: dict[str, Any] | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


class NotAllowed(DomainError):
    """The actor may not do this to this object (ownership, not role)."""

    status_code = 403


class NotFound(DomainError):
    """The object does not exist, or the actor may not know it does."""

    status_code = 404


def wants_json() -> bool:
    """True for API requests and clients that prefer JSON over HTML."""
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def error_response(status: int, message: str, errors: dict[str, Any] | None = None):
    """Render the error in the shape the client wants."""
    if wants_json():
        return jsonify({"code": status, "message": message, "errors": errors or {}}), status
    return render_template("errors/error.html", status=status, message=message), status


def init_app(app: Flask) -> None:
    """Map domain errors and HTTP errors to clean responses; never show a stack trace."""

    @app.errorhandler(DomainError)
    def _domain_error(error: DomainError):
        return error_response(error.status_code, error.message, error.errors)

    @app.errorhandler(ValidationError)
    def _validation_error(error: ValidationError):
        messages = error.messages if isinstance(error.messages, dict) else {"_schema": error.messages}
        return error_response(422, "The request has invalid fields.", messages)

    @app.errorhandler(CSRFError)
    def _csrf_error(error: CSRFError):
        return error_response(400, "The form expired or was not sent from this site. Please try again.")

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        messages = {
            403: "You do not have permission to see this page.",
            404: "We could not find that page.",
            405: "That action is not allowed here.",
            413: "The upload is too large.",
            429: "Too many attempts. Please wait a minute and try again.",
        }
        return error_response(error.code or 500, messages.get(error.code, error.description or error.name))

    @app.errorhandler(InternalServerError)
    def _server_error(error):
        app.logger.exception("unhandled error", exc_info=getattr(error, "original_exception", error))
        return error_response(500, "Something went wrong on our side. It has been logged.")
