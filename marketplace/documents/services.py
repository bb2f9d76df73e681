"""Store uploads safely and decide who may download them.

A file is accepted by what its bytes are (PDF, PNG or JPEG), never by its name or the
browser's content type. It is streamed in chunks to a temporary name under
`UPLOAD_DIR/.incoming/` while its size is capped and its SHA-256 computed, and moved to its
generated storage name only after the database transaction that holds its `Document` row
commits. A rollback (or a session closed without commit) deletes the temporary file, so a
failed request never leaves a visible file without a row.
"""
from __future__ import annotations

import hashlib
import logging
import os
import re
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session, SessionTransaction
from werkzeug.datastructures import FileStorage
from werkzeug.utils import secure_filename

from marketplace import audit, clock, db
from marketplace.documents.models import Document
from marketplace.errors import DomainError, NotFound

log = logging.getLogger(__name__)

CHUNK_SIZE = 64 * 1024
INCOMING_DIR = ".incoming"
ACCEPTED_TYPES_TEXT = "PDF, PNG or JPEG"
STORAGE_NAME = re.compile(r"^[0-9a-f]{32}\.(?:pdf|png|jpg)$")
_PENDING_KEY = "documents.pending_files"


class UploadRefused(DomainError):
    """The upload is not a file we accept (type, content, emptiness)."""

    status_code = 422


class UploadTooLarge(UploadRefused):
    """The upload is larger than `MAX_UPLOAD_BYTES`."""

    status_code = 413


@dataclass(frozen=True)
class FileKind:
    """A file type we accept: how it is recognized and how it is stored."""

    content_type: str
    extension: str
    other_extensions: tuple[str, ...]
    label: str


PDF = FileKind("application/pdf", ".pdf", (), "PDF")
PNG = FileKind("image/png", ".png", (), "PNG")
JPEG = FileKind("image/jpeg", ".jpg", (".jpeg", ".jpe"), "JPEG")

# Headers of programs: a file starting this way is refused whatever it claims to be.
EXECUTABLE_SIGNATURES = (
    b"MZ",  # Windows PE / DOS
    b"\x7fELF",  # Linux and most Unixes
    b"\xca\xfe\xba\xbe",  # Mach-O universal, Java class
    b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe",  # Mach-O
    b"#!",  # scripts
)


def format_size(nbytes: int) -> str:
    """Show a byte count the way people read upload limits: 10 MB, 512 KB."""
    mb = nbytes / (1024 * 1024)
    if mb >= 1:
        return f"{mb:g} MB" if mb == int(mb) else f"{mb:.1f} MB"
    return f"{max(1, round(nbytes / 1024))} KB"


def upload_limit() -> int:
    """The configured maximum upload size in bytes."""
    return int(current_app.config.get("MAX_UPLOAD_BYTES", 10 * 1024 * 1024))


def upload_hint() -> str:
    """The hint shown next to every document field: types and size limit."""
    return f"{ACCEPTED_TYPES_TEXT}, up to {format_size(upload_limit())}."


def too_large_message() -> str:
    """The message for an upload over the limit, naming the limit."""
    limit = format_size(upload_limit())
    return f"The file is larger than {limit}. Please upload a smaller file ({ACCEPTED_TYPES_TEXT}, up to {limit})."


def detect_kind(head: bytes) -> FileKind | None:
    """Recognize PDF, PNG or JPEG from the first bytes of a file; None for anything else."""
    if re.match(rb"%PDF-[12]\.\d", head):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    return None


def display_filename(original: str | None, kind: FileKind) -> str:
    """A safe name for display and download, whose extension matches the detected type."""
    name = secure_filename(original or "")[:200]
    stem, ext = os.path.splitext(name)
    if not stem or stem.lower() in ("pdf", "png", "jpg", "jpeg", "jpe"):  # e.g. a name in Chinese script
        return "document" + kind.extension
    if ext.lower() in (kind.extension, *kind.other_extensions):
        return name
    return name + kind.extension


def upload_dir() -> str:
    """The directory holding stored files (outside static/)."""
    return os.path.abspath(current_app.config["UPLOAD_DIR"])


def _chunks(stream: IO[bytes]) -> Iterator[bytes]:
    while True:
        chunk = stream.read(CHUNK_SIZE)
        if not chunk:
            return
        yield chunk


def store_upload(
    file: FileStorage | None,
    *,
    uploaded_by: Any,
    vendor_id: int | None = None,
    institution_id: int | None = None,
) -> Document:
    """Check, hash and stage an uploaded file; add its Document row (the file appears on commit)."""
    if file is None:
        raise UploadRefused("Choose a file to upload.")
    limit = upload_limit()
    chunks = _chunks(file.stream)
    head, buffered = b"", []
    for chunk in chunks:
        buffered.append(chunk)
        head += chunk[: 16 - len(head)]
        if len(head) >= 16:
            break
    if not head:
        raise UploadRefused("The file is empty. Please choose the document again." if file.filename
                            else "Choose a file to upload.")
    if head.startswith(EXECUTABLE_SIGNATURES):
        raise UploadRefused(
            f"This file is a program, not a document. Only {ACCEPTED_TYPES_TEXT} files can be uploaded."
        )
    kind = detect_kind(head)
    if kind is None:
        raise UploadRefused(
            f"Only {ACCEPTED_TYPES_TEXT} files can be uploaded. This file is not one of them, whatever its name says."
        )

    storage_name = secrets.token_hex(16) + kind.extension
    root = upload_dir()
    incoming = os.path.join(root, INCOMING_DIR)
    os.makedirs(incoming, exist_ok=True)
    temp_path = os.path.join(incoming, storage_name + ".part")
    digest, size = hashlib.sha256(), 0
    try:
        with open(temp_path, "xb") as out:
            for chunk in _chain(buffered, chunks):
                size += len(chunk)
                if size > limit:
                    raise UploadTooLarge(too_large_message())
                digest.update(chunk)
                out.write(chunk)
    except BaseException:
        _remove_quietly(temp_path)
        raise

    document = Document(
        storage_name=storage_name,
        filename=display_filename(file.filename, kind),
        content_type=kind.content_type,
        size_bytes=size,
        sha256=digest.hexdigest(),
        vendor_id=vendor_id,
        institution_id=institution_id,
        uploaded_by_id=getattr(uploaded_by, "id", None),
        created_at=clock.utcnow(),
    )
    session = db.session()
    session.info.setdefault(_PENDING_KEY, []).append(
        _PendingFile(document, temp_path, os.path.join(root, storage_name))
    )
    session.add(document)
    session.flush()
    return document


def _chain(first: list[bytes], rest: Iterator[bytes]) -> Iterator[bytes]:
    yield from first
    yield from rest


def _remove_quietly(path: str) -> None:
    try:
        os.remove(path)
    except FileNotFoundError:
        pass


# --- moving files into place when the transaction commits -------------------------------


@dataclass(frozen=True)
class _PendingFile:
    document: Document
    temp_path: str
    final_path: str


def _in_session(session: Session, document: Document) -> bool:
    state = sa.inspect(document)
    return state.persistent and state.session_id == session.hash_key


def _after_commit(session: Session) -> None:
    # A released SAVEPOINT also fires after_commit; only the outermost commit makes rows real.
    if session.in_nested_transaction():
        return
    for pending in session.info.pop(_PENDING_KEY, []):
        if _in_session(session, pending.document):
            try:
                os.replace(pending.temp_path, pending.final_path)
            except OSError:
                log.exception("document %s committed but its file could not be moved into place",
                              pending.document.id)
        else:
            _remove_quietly(pending.temp_path)


def _after_soft_rollback(session: Session, previous: SessionTransaction) -> None:
    # After a (SAVEPOINT) rollback, documents added inside it are no longer in the session.
    pending = session.info.get(_PENDING_KEY)
    if not pending:
        return
    keep = []
    for item in pending:
        if _in_session(session, item.document) or item.document in session.new:
            keep.append(item)
        else:
            _remove_quietly(item.temp_path)
    session.info[_PENDING_KEY] = keep


def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    # The outermost transaction ended without a commit (rollback, or close): drop every temp file.
    if transaction.parent is None and not transaction.nested:
        for pending in session.info.pop(_PENDING_KEY, []):
            _remove_quietly(pending.temp_path)


def _install_session_hooks() -> None:
    for name, fn in (
        ("after_commit", _after_commit),
        ("after_soft_rollback", _after_soft_rollback),
        ("after_transaction_end", _after_transaction_end),
    ):
        if not sa.event.contains(db.session, name, fn):
            sa.event.listen(db.session, name, fn)


_install_session_hooks()


def sweep_incoming(older_than_seconds: float = 3600) -> tuple[int, int]:
    """Finish moves a crash interrupted and delete abandoned temp files; return (moved, deleted)."""
    incoming = os.path.join(upload_dir(), INCOMING_DIR)
    if not os.path.isdir(incoming):
        return 0, 0
    moved = deleted = 0
    cutoff = time.time() - older_than_seconds
    for entry in os.scandir(incoming):
        if not entry.name.endswith(".part") or not STORAGE_NAME.match(entry.name[:-5]):
            continue
        storage_name = entry.name[:-5]
        if db.session.scalar(sa.select(Document.id).where(Document.storage_name == storage_name)):
            os.replace(entry.path, os.path.join(upload_dir(), storage_name))
            moved += 1
        elif entry.stat().st_mtime < cutoff:
            _remove_quietly(entry.path)
            deleted += 1
    return moved, deleted


# --- reading and access ------------------------------------------------------------------

AccessRule = Callable[[Any, Document], "bool | None"]
_access_rules: list[AccessRule] = []


def register_access_rule(rule: AccessRule) -> AccessRule:
    """Add a rule consulted before the default ones: True allows, False refuses, None abstains."""
    if rule not in _access_rules:
        _access_rules.append(rule)
    return rule


def unregister_access_rule(rule: AccessRule) -> None:
    """Remove a rule added with `register_access_rule`."""
    if rule in _access_rules:
        _access_rules.remove(rule)


def can_download(user: Any, document: Document) -> bool:
    """Whether `user` may download `document`: registered rules first, then ownership by role."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    for rule in _access_rules:
        verdict = rule(user, document)
        if verdict is not None:
            return bool(verdict)
    if document.vendor_id is not None:
        if user.role == "vendor":
            return user.vendor_id == document.vendor_id
        return user.role in ("officer", "backbone")
    if document.institution_id is not None:
        return True
    return document.uploaded_by_id is not None and document.uploaded_by_id == user.id


def get_for_download(user: Any, document_id: int) -> Document:
    """Return the document `user` may download; refusals look like absence and are audited."""
    document = db.session.get(Document, document_id)
    if document is None:
        raise NotFound("We could not find that document.")
    if not can_download(user, document):
        audit.record_now(
            "document.access_refused",
            "document",
            document.id,
            detail={"vendor_id": document.vendor_id, "institution_id": document.institution_id},
        )
        raise NotFound("We could not find that document.")
    return document


def open_document(document: Document) -> str:
    """The path of a stored document's file; NotFound when it is missing on disk."""
    if not STORAGE_NAME.match(document.storage_name):
        raise NotFound("We could not find that document.")
    path = os.path.join(upload_dir(), document.storage_name)
    if not os.path.isfile(path):
        log.error("document %s has no file at its storage name", document.id)
        raise NotFound("We could not find that document.")
    return path
