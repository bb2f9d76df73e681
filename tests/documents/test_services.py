"""Storing uploads: content-based type checks, size cap, safe names, files tied to the commit."""
from __future__ import annotations

import hashlib
import io
import os

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage

from marketplace import db
from marketplace.audit import AuditEvent
from marketplace.documents import services
from marketplace.documents.models import Document
from marketplace.errors import NotFound
from tests.documents.samples import GeneratedStream, exe_bytes, jpeg_bytes, pdf_bytes, png_bytes


def upload(data: bytes, filename: str = "file.pdf", content_type: str = "application/pdf") -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=filename, content_type=content_type)


def visible_files(app) -> list[str]:
    root = app.config["UPLOAD_DIR"]
    if not os.path.isdir(root):
        return []
    return sorted(name for name in os.listdir(root) if name != services.INCOMING_DIR)


def temp_files(app) -> list[str]:
    incoming = os.path.join(app.config["UPLOAD_DIR"], services.INCOMING_DIR)
    return sorted(os.listdir(incoming)) if os.path.isdir(incoming) else []


@pytest.fixture
def vendor_user(make_user):
    return make_user("vendor")


@pytest.mark.parametrize(
    ("data", "name", "content_type", "extension"),
    [
        (pdf_bytes(), "Certificate.pdf", "application/pdf", ".pdf"),
        (png_bytes(), "logo.png", "image/png", ".png"),
        (jpeg_bytes(), "photo.jpeg", "image/jpeg", ".jpg"),
    ],
)
def test_pdf_png_and_jpeg_are_stored_by_their_content(app, vendor_user, data, name, content_type, extension):
    document = services.store_upload(
        upload(data, name, "application/octet-stream"), uploaded_by=vendor_user, vendor_id=vendor_user.vendor_id
    )
    db.session.commit()
    assert document.content_type == content_type
    assert document.filename == name
    assert document.storage_name.endswith(extension)
    assert document.size_bytes == len(data)
    assert document.vendor_id == vendor_user.vendor_id
    assert document.uploaded_by_id == vendor_user.id
    with open(services.open_document(document), "rb") as stored:
        assert stored.read() == data


def test_type_comes_from_the_bytes_not_the_name_or_browser(app, vendor_user):
    document = services.store_upload(upload(png_bytes(), "scan.pdf", "application/pdf"), uploaded_by=vendor_user)
    assert document.content_type == "image/png"
    assert document.filename == "scan.pdf.png"
    assert document.storage_name.endswith(".png")


def test_executable_renamed_pdf_is_refused(app, vendor_user):
    with pytest.raises(services.UploadRefused, match="is a program, not a document"):
        services.store_upload(upload(exe_bytes(), "invoice.pdf"), uploaded_by=vendor_user)
    assert db.session.scalar(sa.select(sa.func.count(Document.id))) == 0
    assert visible_files(app) == [] and temp_files(app) == []


def test_elf_binary_is_refused(app, vendor_user):
    with pytest.raises(services.UploadRefused, match="is a program"):
        services.store_upload(upload(b"\x7fELF\x02\x01\x01" + b"\x00" * 50, "w9.pdf"), uploaded_by=vendor_user)


def test_text_file_renamed_png_is_refused(app, vendor_user):
    with pytest.raises(services.UploadRefused, match="Only PDF, PNG or JPEG files can be uploaded"):
        services.store_upload(upload(b"just some notes\n" * 10, "notes.png", "image/png"), uploaded_by=vendor_user)
    assert visible_files(app) == [] and temp_files(app) == []


def test_empty_file_and_missing_file_are_refused_with_plain_words(app, vendor_user):
    with pytest.raises(services.UploadRefused, match="The file is empty"):
        services.store_upload(upload(b"", "empty.pdf"), uploaded_by=vendor_user)
    with pytest.raises(services.UploadRefused, match="Choose a file"):
        services.store_upload(upload(b"", ""), uploaded_by=vendor_user)
    with pytest.raises(services.UploadRefused, match="Choose a file"):
        services.store_upload(None, uploaded_by=vendor_user)


def test_upload_over_the_limit_stops_reading_and_says_the_limit(app, vendor_user):
    stream = GeneratedStream(60 * 1024 * 1024)
    file = FileStorage(stream=stream, filename="huge.pdf", content_type="application/pdf")
    with pytest.raises(services.UploadTooLarge) as refused:
        services.store_upload(file, uploaded_by=vendor_user)
    assert refused.value.message.startswith("The file is larger than 10 MB.")
    assert stream.position <= app.config["MAX_UPLOAD_BYTES"] + services.CHUNK_SIZE
    assert visible_files(app) == [] and temp_files(app) == []


def test_file_of_exactly_the_limit_is_accepted(app, vendor_user):
    app.config["MAX_UPLOAD_BYTES"] = 200_000
    file = FileStorage(stream=GeneratedStream(200_000), filename="edge.pdf")
    assert services.store_upload(file, uploaded_by=vendor_user).size_bytes == 200_000
    with pytest.raises(services.UploadTooLarge, match="larger than 195 KB"):
        services.store_upload(FileStorage(stream=GeneratedStream(200_001), filename="over.pdf"),
                              uploaded_by=vendor_user)


def test_path_in_the_filename_never_reaches_the_storage_path(app, vendor_user):
    document = services.store_upload(upload(pdf_bytes(), "../../wsgi.py"), uploaded_by=vendor_user)
    db.session.commit()
    assert document.filename == "wsgi.py.pdf"
    assert "/" not in document.storage_name and "wsgi" not in document.storage_name
    assert visible_files(app) == [document.storage_name]
    assert os.path.dirname(services.open_document(document)) == os.path.abspath(app.config["UPLOAD_DIR"])


def test_unusable_filename_falls_back_to_document_pdf(app, vendor_user):
    document = services.store_upload(upload(pdf_bytes(), "../../"), uploaded_by=vendor_user)
    assert document.filename == "document.pdf"
    document = services.store_upload(upload(pdf_bytes(), "证书.pdf"), uploaded_by=vendor_user)
    assert document.filename == "document.pdf"


def test_sha256_is_computed_while_streaming(app, vendor_user):
    data = pdf_bytes("x" * 200_000)
    document = services.store_upload(upload(data), uploaded_by=vendor_user)
    assert document.sha256 == hashlib.sha256(data).hexdigest()


def test_file_becomes_visible_only_when_the_transaction_commits(app, vendor_user):
    document = services.store_upload(upload(pdf_bytes()), uploaded_by=vendor_user)
    assert visible_files(app) == []
    assert temp_files(app) == [document.storage_name + ".part"]
    db.session.commit()
    assert visible_files(app) == [document.storage_name]
    assert temp_files(app) == []


def test_rolled_back_transaction_leaves_no_file_and_no_row(app, vendor_user):
    document = services.store_upload(upload(pdf_bytes()), uploaded_by=vendor_user)
    storage_name = document.storage_name
    db.session.rollback()
    assert visible_files(app) == [] and temp_files(app) == []
    assert db.session.scalar(sa.select(Document).where(Document.storage_name == storage_name)) is None


def test_session_closed_without_commit_leaves_no_file(app, vendor_user):
    services.store_upload(upload(pdf_bytes()), uploaded_by=vendor_user)
    db.session.remove()
    assert visible_files(app) == [] and temp_files(app) == []


def test_rolled_back_savepoint_drops_only_its_own_files(app, vendor_user):
    kept = services.store_upload(upload(pdf_bytes("kept")), uploaded_by=vendor_user)
    savepoint = db.session.begin_nested()
    dropped = services.store_upload(upload(png_bytes()), uploaded_by=vendor_user)
    savepoint.rollback()
    assert temp_files(app) == [kept.storage_name + ".part"]
    inner = db.session.begin_nested()
    also_kept = services.store_upload(upload(jpeg_bytes()), uploaded_by=vendor_user)
    inner.commit()
    assert visible_files(app) == []  # a released savepoint is not a commit
    db.session.commit()
    assert visible_files(app) == sorted([kept.storage_name, also_kept.storage_name])
    assert dropped.storage_name not in visible_files(app)
    assert temp_files(app) == []


def test_commit_from_a_command_outside_any_request_moves_the_file(app, vendor_user):
    with app.app_context():
        document = services.store_upload(upload(pdf_bytes()), uploaded_by=None, institution_id=None)
        db.session.commit()
    assert visible_files(app) == [document.storage_name]
    assert document.uploaded_by_id is None


def test_sweep_finishes_an_interrupted_move_and_deletes_abandoned_temp_files(app, vendor_user, runner):
    committed = services.store_upload(upload(pdf_bytes()), uploaded_by=vendor_user)
    incoming = os.path.join(app.config["UPLOAD_DIR"], services.INCOMING_DIR)
    # Simulate a crash between the database commit and the move: keep the temp file aside.
    os.rename(os.path.join(incoming, committed.storage_name + ".part"), os.path.join(incoming, "held"))
    db.session.commit()
    os.rename(os.path.join(incoming, "held"), os.path.join(incoming, committed.storage_name + ".part"))
    abandoned = os.path.join(incoming, "0" * 32 + ".pdf.part")
    with open(abandoned, "wb") as f:
        f.write(b"%PDF-1.4")
    os.utime(abandoned, (0, 0))
    result = runner.invoke(args=["documents", "sweep"])
    assert result.exit_code == 0, result.output
    assert "moved into place 1, deleted 1" in result.output
    assert visible_files(app) == [committed.storage_name]
    assert temp_files(app) == []


def test_open_document_refuses_a_missing_file(app, vendor_user):
    document = services.store_upload(upload(pdf_bytes()), uploaded_by=vendor_user)
    with pytest.raises(NotFound):
        services.open_document(document)  # not committed yet, so not in place


def test_vendor_refused_another_vendors_document_gets_not_found_and_an_audit_event(app, make_user):
    owner, other = make_user("vendor"), make_user("vendor")
    document = services.store_upload(upload(pdf_bytes()), uploaded_by=owner, vendor_id=owner.vendor_id)
    with app.test_request_context():
        with pytest.raises(NotFound):
            services.get_for_download(other, document.id)
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "document.access_refused"))
    assert event.object_id == str(document.id)


@pytest.mark.parametrize(
    ("role", "owner_kind", "allowed"),
    [
        ("officer", "vendor", True),
        ("backbone", "vendor", True),
        ("vendor", "institution", True),
        ("officer", "institution", True),
        ("vendor", "nobody", False),
        ("officer", "nobody", False),
    ],
)
def test_default_access_rules_by_role_and_owner(app, make_user, make_institution, role, owner_kind, allowed):
    uploader = make_user("backbone")
    owner = {"vendor": {"vendor_id": make_user("vendor").vendor_id},
             "institution": {"institution_id": make_institution().id}, "nobody": {}}[owner_kind]
    document = services.store_upload(upload(pdf_bytes()), uploaded_by=uploader, **owner)
    assert services.can_download(make_user(role), document) is allowed
    assert services.can_download(uploader, document) is True


def test_anonymous_user_may_download_nothing(app, make_institution):
    from flask_login import AnonymousUserMixin

    document = services.store_upload(upload(pdf_bytes()), uploaded_by=None, institution_id=make_institution().id)
    assert services.can_download(AnonymousUserMixin(), document) is False


def test_registered_rule_is_consulted_first(app, make_user):
    owner = make_user("vendor")
    document = services.store_upload(upload(pdf_bytes()), uploaded_by=owner, vendor_id=owner.vendor_id)

    def sealed(user, doc):
        return False if doc.id == document.id else None

    services.register_access_rule(sealed)
    try:
        assert services.can_download(owner, document) is False
    finally:
        services.unregister_access_rule(sealed)
    assert services.can_download(owner, document) is True
