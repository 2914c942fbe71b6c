import pytest

from controllers.actor import SYSTEM
from controllers.attachments import (
    MAX_ATTACHMENT_BYTES,
    add_attachment,
    attachment_content,
    attachments_of,
)
from controllers.errors import ValidationError
from models import AttachmentBlob
from models.codes import AttachmentKind
from tests.factories import make_case


def test_attach_read_back_and_share_identical_content(database):
    photo = b"\x89PNG" + bytes(range(256)) * 400
    with database.session() as s:
        case = make_case(s)
        a = add_attachment(s, SYSTEM, photo, "现场照片.png", AttachmentKind.PHOTO, case_id=case.id)
        b = add_attachment(s, SYSTEM, photo, "同一张.png", case_id=case.id)
        s.commit()
        assert a.sha256 == b.sha256
        assert a.mime == "image/png"
        assert s.query(AttachmentBlob).count() == 1
        att, content = attachment_content(s, a.id)
        assert att.filename == "现场照片.png"
        assert content == photo
        assert [x.filename for x in attachments_of(s, case_id=case.id)] == [
            "现场照片.png",
            "同一张.png",
        ]


def test_empty_or_oversized_files_are_refused(sqlite_db):
    with sqlite_db.session() as s:
        case = make_case(s)
        with pytest.raises(ValidationError, match="空的"):
            add_attachment(s, SYSTEM, b"", "x.pdf", case_id=case.id)
        with pytest.raises(ValidationError, match="超过附件上限"):
            add_attachment(s, SYSTEM, b"0" * (MAX_ATTACHMENT_BYTES + 1), "大.pdf", case_id=case.id)
