"""parse_message: every MIME shape an attorney's mail client produces, and hostile bytes."""

from __future__ import annotations

import base64
import datetime as dt
import email
import email.headerregistry
import email.policy
import quopri
import struct
import time
from email import encoders
from email.message import EmailMessage, Message
from email.mime.base import MIMEBase
from email.mime.message import MIMEMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from intake.core.model import Envelope
from intake.edges.mail.limits import MessageLimits
from intake.edges.mail.message import clean_filename, parse_message
from intake.edges.mail.tnef import unpack_tnef

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
DOCX = b"PK\x03\x04" + b"\x00" * 40  # a zip container, as every .docx is
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 60


def mail(
    subject: str = "Waiver request", sender: str = "Jane Doe <jane@example-law.com>"
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "training@canb.uscourts.gov"
    msg["Subject"] = subject
    msg["Message-ID"] = "<1@example-law.com>"
    msg["Date"] = "Mon, 25 Sep 2023 14:31:00 -0600"
    msg.set_content("Please find my documents attached.")
    return msg


def pdf_part(data: bytes = PDF, name: str | None = None) -> MIMEBase:
    """An application/pdf part with no Content-Disposition at all."""
    part = MIMEBase("application", "pdf")
    if name is not None:
        part.set_param("name", name)
    part.set_payload(data)
    encoders.encode_base64(part)
    return part


def names(envelope: Envelope) -> list[str]:
    return [a.filename for a in envelope.attachments]


# ------------------------------------------------------------------ the sender


def test_sender_subject_date_and_message_id_are_read() -> None:
    env = parse_message(
        mail(sender="=?utf-8?q?Ren=C3=A9e_O=27Brien?= <Renee@Example-LAW.com>").as_bytes()
    )
    assert env.sender_address == "renee@example-law.com"
    assert env.sender_name == "Renée O'Brien"
    assert env.subject == "Waiver request"
    assert env.message_id == "<1@example-law.com>"
    assert env.date == dt.datetime(2023, 9, 25, 20, 31, tzinfo=dt.UTC)
    assert env.problems == ()


def test_missing_from_is_a_problem_not_an_error() -> None:
    msg = mail()
    del msg["From"]
    env = parse_message(msg.as_bytes())
    assert env.sender_address is None and env.sender_name is None
    assert any("no From header" in p for p in env.problems)


@pytest.mark.parametrize(
    ("from_value", "expected"),
    [
        ("undisclosed-recipients:;", None),
        ("Team: Jane <jane@x.org>, Bob <bob@x.org>;", "jane@x.org"),
        ("jane@x.org, bob@x.org", "jane@x.org"),
        ("not an address at all", None),
        ('"Doe, Jane" <JANE@X.ORG>', "jane@x.org"),
    ],
)
def test_from_groups_lists_and_garbage(from_value: str, expected: str | None) -> None:
    raw = f"From: {from_value}\r\nSubject: s\r\n\r\nbody\r\n".encode()
    env = parse_message(raw)
    assert env.sender_address == expected
    if expected is None:
        assert any("From" in p for p in env.problems)


def test_from_with_raw_latin1_display_name() -> None:
    env = parse_message(b"From: Ren\xe9 Doe <rene@x.org>\r\n\r\nhi\r\n")
    assert env.sender_address == "rene@x.org"
    assert env.sender_name == "René Doe"


def test_date_without_zone_is_utc_and_bad_date_is_none() -> None:
    good = parse_message(b"From: a@b.org\r\nDate: Mon, 25 Sep 2023 14:31:00 -0000\r\n\r\n")
    assert good.date == dt.datetime(2023, 9, 25, 14, 31, tzinfo=dt.UTC)
    bad = parse_message(b"From: a@b.org\r\nDate: the day before yesterday\r\n\r\n")
    assert bad.date is None
    assert any("Date" in p for p in bad.problems)


def test_header_injection_through_encoded_words_is_neutralised() -> None:
    raw = (
        b"From: =?utf-8?q?Eve=0D=0ABcc:_x@evil?= <eve@example.org>\r\n"
        b"Subject: =?utf-8?q?hi=0D=0ABcc:_x@evil?=\r\n"
        b"X-Loop: =?utf-8?q?a=0Ab?=\r\n"
        b"Auto-Submitted: auto-replied\r\n"
        b"\r\nbody\r\n"
    )
    env = parse_message(raw)
    assert env.subject == "hi Bcc: x@evil"
    assert env.sender_name == "Eve Bcc: x@evil"
    assert env.headers["x-loop"] == "a b"
    assert env.headers["auto-submitted"] == "auto-replied"
    for value in (env.subject, env.sender_name, *env.headers.values()):
        assert "\r" not in value and "\n" not in value


def test_reply_headers_are_collected_lower_cased() -> None:
    msg = mail()
    msg["Precedence"] = "bulk"
    msg["List-Id"] = "<waivers.example.org>"
    msg["In-Reply-To"] = "<0@canb.uscourts.gov>"
    msg["References"] = "<a@x> <b@y>"
    msg["Reply-To"] = "Assistant <Para@Example-Law.com>"
    env = parse_message(msg.as_bytes())
    env.headers.pop("content-type")  # kept to tell delivery reports apart
    assert env.headers == {
        "precedence": "bulk",
        "list-id": "<waivers.example.org>",
        "in-reply-to": "<0@canb.uscourts.gov>",
        "references": "<a@x> <b@y>",
    }
    assert env.reply_to == "para@example-law.com"


# ---------------------------------------------------------------- attachments


def test_plain_pdf_attachment() -> None:
    msg = mail()
    msg.add_attachment(PDF, maintype="application", subtype="pdf", filename="nef1.pdf")
    env = parse_message(msg.as_bytes())
    (att,) = env.attachments
    assert (att.filename, att.declared_type, att.data, att.size) == (
        "nef1.pdf",
        "application/pdf",
        PDF,
        len(PDF),
    )
    assert att.origin == "attachment" and not att.truncated


def test_pdf_without_content_disposition_or_name_gets_a_made_up_name() -> None:
    outer = MIMEMultipart()
    outer["From"] = "a@b.org"
    outer.attach(MIMEText("see attached"))
    outer.attach(pdf_part())
    env = parse_message(outer.as_bytes())
    (att,) = env.attachments
    assert att.data == PDF
    assert att.filename == "attachment-1.pdf"


def test_octet_stream_with_a_wrong_name_keeps_its_bytes_and_declared_type() -> None:
    msg = mail()
    msg.add_attachment(PDF, maintype="application", subtype="octet-stream", filename="scan.dat")
    (att,) = parse_message(msg.as_bytes()).attachments
    assert (att.filename, att.declared_type, att.data) == (
        "scan.dat",
        "application/octet-stream",
        PDF,
    )


def test_docx_and_jpg_attachments_are_included_so_the_reply_can_name_them() -> None:
    msg = mail()
    msg.add_attachment(
        DOCX,
        maintype="application",
        subtype="vnd.openxmlformats-officedocument.wordprocessingml.document",
        filename="letter.docx",
    )
    msg.add_attachment(
        b"\xff\xd8\xff" + b"\x00" * 200_000, maintype="image", subtype="jpeg", filename="nef.jpg"
    )
    env = parse_message(msg.as_bytes())
    assert names(env) == ["letter.docx", "nef.jpg"]


def test_pdf_declared_as_text_without_a_name_is_found_by_its_bytes() -> None:
    outer = MIMEMultipart()
    outer.attach(MIMEText("body"))
    mislabelled = MIMEBase("text", "plain")
    mislabelled.set_payload(PDF)
    encoders.encode_base64(mislabelled)
    outer.attach(mislabelled)
    env = parse_message(outer.as_bytes())
    assert [a.data for a in env.attachments] == [PDF]


def forwarded(inner: Message, note: str = "Fwd") -> MIMEMultipart:
    outer = MIMEMultipart()
    outer["From"] = "jane@example-law.com"
    outer["Subject"] = note
    outer.attach(MIMEText("forwarding the NEF"))
    outer.attach(MIMEMessage(inner))
    return outer


def test_pdf_inside_a_forwarded_message() -> None:
    nef_mail = mail(subject="Activity in Case 23-14130", sender="cmecf@cob.uscourts.gov")
    nef_mail.add_attachment(PDF, maintype="application", subtype="pdf", filename="nef.pdf")
    env = parse_message(forwarded(nef_mail).as_bytes())
    (att,) = env.attachments
    assert (att.filename, att.origin, att.data) == ("nef.pdf", "forwarded", PDF)
    assert env.sender_address == "jane@example-law.com"  # the outer sender, not the court


def test_pdf_inside_a_message_forwarded_twice() -> None:
    innermost = mail(sender="cmecf@cob.uscourts.gov")
    innermost.add_attachment(PDF, maintype="application", subtype="pdf", filename="deep.pdf")
    env = parse_message(forwarded(forwarded(innermost)).as_bytes())
    assert [(a.filename, a.origin) for a in env.attachments] == [("deep.pdf", "forwarded")]


def court_mail_with_nef() -> bytes:
    nef_mail = mail(subject="Activity in Case 23-14130", sender="cmecf@cob.uscourts.gov")
    nef_mail.add_attachment(PDF, maintype="application", subtype="pdf", filename="nef.pdf")
    return nef_mail.as_bytes()


@pytest.mark.parametrize("encoding", ["base64", "quoted-printable"])
def test_forwarded_message_sent_with_a_transfer_encoding(encoding: str) -> None:
    encoded = (
        base64.encodebytes(court_mail_with_nef())
        if encoding == "base64"
        else quopri.encodestring(court_mail_with_nef())
    )
    raw = (
        b"From: jane@example-law.com\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n"
        b"--XX\r\nContent-Type: message/rfc822\r\nContent-Transfer-Encoding: "
        + encoding.encode()
        + b"\r\n\r\n"
        + encoded
        + b"\r\n--XX--\r\n"
    )
    env = parse_message(raw)
    assert [(a.filename, a.origin, a.data) for a in env.attachments] == [
        ("nef.pdf", "forwarded", PDF)
    ]


def test_forwarded_email_without_attachments_is_itself_the_file() -> None:
    court_mail = mail(
        subject="Activity in Case 23-14130 Delta, LLC", sender="cmecf@cob.uscourts.gov"
    )
    env = parse_message(forwarded(court_mail).as_bytes())
    (att,) = env.attachments
    assert (att.filename, att.declared_type, att.origin) == (
        "Activity in Case 23-14130 Delta, LLC.eml",
        "message/rfc822",
        "forwarded",
    )
    assert b"Subject: Activity in Case 23-14130" in att.data and att.size == len(att.data)


def test_forwarded_email_saved_as_an_eml_file_is_read_inside() -> None:
    msg = mail()
    msg.add_attachment(
        court_mail_with_nef(), maintype="application", subtype="octet-stream", filename="NEF.eml"
    )
    env = parse_message(msg.as_bytes())
    assert [(a.filename, a.origin, a.data) for a in env.attachments] == [
        ("nef.pdf", "forwarded", PDF)
    ]


def test_forwarding_deeper_than_the_limit_is_a_problem() -> None:
    innermost = mail()
    innermost.add_attachment(PDF, maintype="application", subtype="pdf", filename="deep.pdf")
    inner: Message = innermost
    for _ in range(6):
        inner = forwarded(inner)
    env = parse_message(inner.as_bytes(), MessageLimits(max_depth=5))
    assert env.attachments == ()
    assert any("nested more than 5 levels" in p for p in env.problems)


def test_rfc2047_encoded_name() -> None:
    outer = MIMEMultipart()
    outer.attach(pdf_part(name="=?utf-8?b?" + "UsOpc3Vtw6kg4oCTIE5vdGljZS5wZGY=" + "?="))
    (att,) = parse_message(outer.as_bytes()).attachments
    assert att.filename == "Résumé – Notice.pdf"


def test_rfc2231_name_with_continuations_utf8_and_latin1() -> None:
    raw = (
        b"From: a@b.org\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n"
        b"--XX\r\nContent-Type: application/pdf\r\n"
        b"Content-Disposition: attachment; filename*0*=utf-8''R%C3%A9sum%C3%A9%20;\r\n"
        b" filename*1*=%E2%80%93%20Notice.pdf\r\n\r\n" + PDF + b"\r\n"
        b"--XX\r\nContent-Type: application/pdf\r\n"
        b"Content-Disposition: attachment; filename*=iso-8859-1''D%E9claration.pdf\r\n\r\n"
        + PDF
        + b"\r\n--XX--\r\n"
    )
    env = parse_message(raw)
    assert names(env) == ["Résumé – Notice.pdf", "Déclaration.pdf"]


def test_file_names_lose_paths_and_control_characters() -> None:
    assert clean_filename("..\\..\\windows\\evil\r\n.pdf") == "evil .pdf"
    assert clean_filename("/etc/passwd") == "passwd"
    assert clean_filename("=?utf-8?q?R=C3=A9sum=C3=A9.pdf?=") == "Résumé.pdf"
    assert clean_filename(" \x00 ") is None
    assert len(clean_filename("a" * 500 + ".pdf") or "") == 200


def test_inline_signature_image_referenced_from_html_is_not_a_document() -> None:
    related = MIMEMultipart("related")
    related.attach(MIMEText('<p>Jane</p><img src="cid:logo001@firm">', "html"))
    logo = MIMEBase("image", "png")
    logo.set_payload(PNG)
    encoders.encode_base64(logo)
    logo["Content-ID"] = "<logo001@firm>"
    related.attach(logo)
    outer = MIMEMultipart()
    outer.attach(related)
    scan = MIMEBase("image", "png")
    scan.set_payload(PNG)
    encoders.encode_base64(scan)
    scan.add_header("Content-Disposition", "attachment", filename="nef-screenshot.png")
    outer.attach(scan)
    env = parse_message(outer.as_bytes())
    assert names(env) == ["nef-screenshot.png"]


def test_small_image_marked_inline_is_not_a_document() -> None:
    outer = MIMEMultipart()
    outer.attach(MIMEText("Jane Doe, Esq."))
    logo = MIMEBase("image", "gif")
    logo.set_payload(b"GIF89a" + b"\x00" * 40)
    encoders.encode_base64(logo)
    logo.add_header("Content-Disposition", "inline", filename="logo.gif")
    outer.attach(logo)
    outer.attach(pdf_part(name="nef.pdf"))
    assert names(parse_message(outer.as_bytes())) == ["nef.pdf"]


def test_large_inline_image_is_kept_as_it_may_be_a_scan() -> None:
    outer = MIMEMultipart()
    photo = MIMEBase("image", "jpeg")
    photo.set_payload(b"\xff\xd8\xff" + b"\x01" * 300_000)
    encoders.encode_base64(photo)
    photo.add_header("Content-Disposition", "inline")
    outer.attach(photo)
    (att,) = parse_message(outer.as_bytes()).attachments
    assert att.origin == "inline" and att.filename == "attachment-1.jpg"


def test_oversized_part_is_truncated_with_its_size() -> None:
    msg = mail()
    big = PDF + b"x" * 5000
    msg.add_attachment(big, maintype="application", subtype="pdf", filename="huge.pdf")
    msg.add_attachment(
        b"%PDF" + b"y" * 4000,
        maintype="application",
        subtype="octet-stream",
        filename="qp.bin",
        cte="quoted-printable",
    )
    env = parse_message(msg.as_bytes(), MessageLimits(max_attachment_bytes=1000))
    huge, qp = env.attachments
    assert (huge.truncated, huge.data, huge.size) == (True, b"", len(big))
    assert (qp.truncated, qp.data, qp.size) == (True, b"", 4004)
    assert any("huge.pdf" in p and "over the limit" in p for p in env.problems)


def test_more_attachments_than_the_limit_keeps_the_first() -> None:
    msg = mail()
    for i in range(5):
        msg.add_attachment(PDF, maintype="application", subtype="pdf", filename=f"nef{i}.pdf")
    env = parse_message(msg.as_bytes(), MessageLimits(max_attachments=3))
    assert names(env) == ["nef0.pdf", "nef1.pdf", "nef2.pdf"]
    assert any("more than 3 attachments" in p for p in env.problems)


def test_damaged_base64_keeps_what_decodes() -> None:
    raw = (
        b"From: a@b.org\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n--XX\r\n"
        b"Content-Type: application/pdf; name=nef.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        b"JVBERi0xLjQK!!\x00\r\n--XX--\r\n"
    )
    env = parse_message(raw)
    (att,) = env.attachments
    assert att.data.startswith(b"%PDF-1.4")
    assert any("base64" in p for p in env.problems)


def test_detached_signatures_and_bodies_are_not_attachments() -> None:
    msg = mail()
    msg.add_alternative("<p>Please find</p>", subtype="html")
    signed = MIMEMultipart("signed", protocol="application/pkcs7-signature")
    signed.attach(msg)
    sig = MIMEBase("application", "pkcs7-signature", name="smime.p7s")
    sig.set_payload(b"\x30\x82\x01\x00")
    encoders.encode_base64(sig)
    signed.attach(sig)
    assert parse_message(signed.as_bytes()).attachments == ()


# ---------------------------------------------------------------- winmail.dat
# tnefparse only reads TNEF, so the tests assemble a minimal stream by hand
# (MS-OXTNEF 2.1): signature, key, then attributes of
#   level (1 = message, 2 = attachment) | id | type | length | data | checksum,
# where each attached file is attAttachRendData, then its title and its data.


def tnef_attribute(level: int, att_id: int, att_type: int, value: bytes) -> bytes:
    header = struct.pack("<BHHI", level, att_id, att_type, len(value))
    return header + value + struct.pack("<H", sum(value) & 0xFFFF)


def long_filename_props(name: str) -> bytes:
    """A MAPI property block holding PR_ATTACH_LONG_FILENAME (0x3707) as a Unicode string."""
    value = name.encode("utf-16-le") + b"\x00\x00"
    value += b"\x00" * (-len(value) % 4)
    return struct.pack("<IHHII", 1, 0x001F, 0x3707, 1, len(value)) + value


def winmail_dat(
    files: list[tuple[str, bytes]], long_names: dict[str, bytes] | None = None
) -> bytes:
    stream = struct.pack("<IH", 0x223E9F78, 1)
    stream += tnef_attribute(1, 0x9006, 0x0008, struct.pack("<I", 0x00010000))  # TNEF version
    stream += tnef_attribute(1, 0x9007, 0x0006, struct.pack("<II", 1252, 0))  # code page
    for title, data in files:
        stream += tnef_attribute(2, 0x9002, 0x0006, b"\x01\x00" + b"\xff" * 4 + b"\x00" * 8)
        stream += tnef_attribute(2, 0x8010, 0x0001, title.encode("cp1252") + b"\x00")
        stream += tnef_attribute(2, 0x800F, 0x0006, data)
        if long_names and title in long_names:
            stream += tnef_attribute(2, 0x9005, 0x0006, long_names[title])
    return stream


def test_winmail_dat_is_unpacked() -> None:
    tnef = winmail_dat(
        [("NEF~1.PDF", PDF), ("notes.txt", b"hello")],
        long_names={"NEF~1.PDF": long_filename_props("Résumé – Notice.pdf")},
    )
    msg = mail()
    msg.add_attachment(tnef, maintype="application", subtype="ms-tnef", filename="winmail.dat")
    env = parse_message(msg.as_bytes())
    assert [(a.filename, a.origin, a.data) for a in env.attachments] == [
        ("Résumé – Notice.pdf", "tnef", PDF),
        ("notes.txt", "tnef", b"hello"),
    ]
    assert env.attachments[0].declared_type == "application/pdf"


def test_forged_counts_in_winmail_dat_do_not_hang_and_the_file_survives() -> None:
    forged = struct.pack("<I", 0xFFFFFFFF)  # "four billion properties follow"
    tnef = winmail_dat([("NEF.PDF", PDF)], long_names={"NEF.PDF": forged})
    started = time.monotonic()
    contents = unpack_tnef(tnef)
    assert time.monotonic() - started < 1
    assert [(f.name, f.data) for f in contents.files] == [("NEF.PDF", PDF)]
    assert contents.problems


def test_unreadable_winmail_dat_is_kept_as_the_file_itself() -> None:
    msg = mail()
    msg.add_attachment(
        b"not tnef at all", maintype="application", subtype="ms-tnef", filename="winmail.dat"
    )
    env = parse_message(msg.as_bytes())
    assert [(a.filename, a.data) for a in env.attachments] == [("winmail.dat", b"not tnef at all")]
    assert any("TNEF" in p for p in env.problems)


# ---------------------------------------------------------------- bad bytes


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\x00\xff" * 100,
        b"\r\n\r\n\r\n",
        b"Content-Type: multipart/mixed; boundary=\r\n\r\n--\r\n",
        b"From: <>\r\nDate: Mon, 1 Jan 99999 00:00:00 +0000\r\n\r\n",
        b'Message-ID: <<<<\r\nFrom: "unterminated <a@b\r\n\r\n',
    ],
)
def test_garbage_bytes_give_an_envelope(raw: bytes) -> None:
    env = parse_message(raw)
    assert isinstance(env, Envelope)
    assert env.problems


def test_eight_bit_body_with_an_impossible_charset() -> None:
    raw = (
        b"From: a@b.org\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n--XX\r\n"
        b'Content-Type: text/html; charset="ut\x00f"\r\n\r\n<img src="cid:x">\xe9\r\n--XX\r\n'
        b'Content-Type: application/pdf; charset="ut\x00f"\r\n\r\n%PDF-1.4 \xe9\r\n--XX--\r\n'
    )
    env = parse_message(raw)
    assert not read_by_last_resort(env)
    assert [a.data for a in env.attachments] == [b"%PDF-1.4 \xe9"]


def read_by_last_resort(env: Envelope) -> bool:
    """Whether parse_message's catch-all fired: a bug of ours, not a bad message."""
    return any(p.startswith("The message could not be read") for p in env.problems)


def test_nesting_too_deep_for_the_parser_still_reads_the_headers() -> None:
    # 1,000 forwarded-in-forwarded messages exhaust the stdlib parser's recursion.
    nested = b"Content-Type: text/plain\r\n\r\nx\r\n"
    for _ in range(1000):
        nested = b"Content-Type: message/rfc822\r\n\r\n" + nested
    env = parse_message(b"From: Jane <jane@x.org>\r\n" + nested)
    assert env.sender_address == "jane@x.org"
    assert any("nested too deeply" in p for p in env.problems)


# ---------------------------------------------------------------- properties


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=3000))
def test_never_raises_on_arbitrary_bytes(raw: bytes) -> None:
    env = parse_message(raw)
    assert isinstance(env, Envelope) and not read_by_last_resort(env)


_TEMPLATE = forwarded(mail()).as_bytes()


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, len(_TEMPLATE)), st.binary(min_size=1, max_size=8)), max_size=8
    )
)
def test_never_raises_on_damaged_mime(edits: list[tuple[int, bytes]]) -> None:
    raw = bytearray(_TEMPLATE)
    for at, junk in edits:
        raw[at : at + len(junk)] = junk
    env = parse_message(bytes(raw))
    assert not read_by_last_resort(env)
    assert all(isinstance(a.data, bytes) for a in env.attachments)


_filenames = st.text(st.characters(blacklist_categories=["Cs"]), min_size=0, max_size=30)
_leaf_types = st.sampled_from(
    [
        "application/pdf",
        "application/octet-stream",
        "text/plain",
        "text/html",
        "image/png",
        "image/jpeg",
        "application/ms-tnef",
        "application/pkcs7-signature",
        "video/mp4",
        "x-weird/type",
    ]
)


@st.composite
def leaves(draw: st.DrawFn) -> Message:
    maintype, subtype = draw(_leaf_types).split("/")
    part = MIMEBase(maintype, subtype)
    encoding = draw(st.sampled_from(["base64", "quoted-printable"]))
    payload = draw(st.binary(max_size=300))
    if encoding == "quoted-printable":  # QP is for text: it rewrites line breaks, by design
        payload = payload.replace(b"\r", b"").replace(b"\n", b"")
    part.set_payload(payload)
    (encoders.encode_base64 if encoding == "base64" else encoders.encode_quopri)(part)
    disposition = draw(st.sampled_from([None, "attachment", "inline"]))
    name = draw(st.one_of(st.none(), _filenames))
    if disposition:
        if name is None:
            part.add_header("Content-Disposition", disposition)
        else:
            part.add_header("Content-Disposition", disposition, filename=("utf-8", "", name))
    elif name is not None:
        part.set_param("name", name)
    if draw(st.booleans()):
        part["Content-ID"] = f"<{draw(st.integers(0, 3))}@x>"
    return part


def _containers(children: st.SearchStrategy[Message]) -> st.SearchStrategy[Message]:
    def multipart(parts: list[Message], subtype: str) -> Message:
        node = MIMEMultipart(subtype)
        for p in parts:
            node.attach(p)
        return node

    def message(inner: Message) -> Message:
        if not inner.is_multipart():
            wrapper = MIMEMultipart()
            wrapper.attach(inner)
            inner = wrapper
        inner["From"] = "court@example.org"
        return MIMEMessage(inner)

    return st.one_of(
        st.builds(
            multipart,
            st.lists(children, max_size=4),
            st.sampled_from(["mixed", "related", "alternative"]),
        ),
        st.builds(message, children),
    )


mime_trees = st.recursive(leaves(), _containers, max_leaves=12)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mime_trees, st.sampled_from(["Jane <jane@x.org>", "=?utf-8?q?=0D=0A?= <a@b>", "", "@@"]))
def test_arbitrary_mime_trees_lose_no_pdf(tree: Message, sender: str) -> None:
    root = MIMEMultipart()
    root["From"] = sender
    root.attach(tree)
    raw = root.as_bytes()
    note(raw.decode("ascii", "replace"))
    env = parse_message(raw, MessageLimits(max_attachments=1000))
    assert not read_by_last_resort(env)
    found = [a.data for a in env.attachments]
    for line in (env.subject, env.sender_name or "", *env.problems):
        assert "\r" not in line and "\n" not in line
    assert all(isinstance(d, bytes) for d in found)
    for a in env.attachments:
        assert a.truncated or a.size == len(a.data)
        assert a.filename and not any(c in a.filename for c in "\r\n/\\\x00")
    # The oracle is the stdlib's plain reading of the same bytes: what is on the wire
    # (a generated name holding a line break, say, breaks the part it sits in).
    for leaf in email.message_from_bytes(raw, policy=email.policy.compat32).walk():
        if leaf.get_content_type() == "application/pdf":
            assert leaf.get_payload(decode=True) in found


# ------------------------------------------------- headers parsed once per message


def _every_mail() -> list[tuple[str, bytes]]:
    import pathlib

    from fixtures.attacks import attacks

    root = pathlib.Path(__file__).resolve().parents[2] / "fixtures" / "eml"
    corpus = [(p.name, p.read_bytes()) for p in sorted(root.glob("*.eml"))]
    cpython = pathlib.Path(email.__file__).parents[1] / "test" / "test_email" / "data"
    if cpython.is_dir():
        corpus += [(p.name, p.read_bytes()) for p in sorted(cpython.glob("*")) if p.is_file()]
    return corpus + attacks()


def test_headers_kept_per_message_read_every_mail_as_the_stdlib_policy_does(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from intake.edges.mail import message

    corpus = _every_mail()
    kept = [parse_message(data) for _, data in corpus]
    monkeypatch.setattr(message, "_POLICY", email.policy.default)
    plain = [parse_message(data) for _, data in corpus]
    assert len(corpus) > 60
    for (name, _), ours, theirs in zip(corpus, kept, plain, strict=True):
        assert ours == theirs, name


def test_a_header_is_parsed_once_per_message_and_forgotten_after_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from intake.edges.mail import message

    parsed: list[str] = []
    parse = email.headerregistry.ParameterizedMIMEHeader.parse

    def counting(cls: type, value: str, kwds: dict[str, object]) -> None:
        parsed.append(value)
        parse.__func__(cls, value, kwds)  # type: ignore[attr-defined]

    monkeypatch.setattr(
        email.headerregistry.ParameterizedMIMEHeader, "parse", classmethod(counting)
    )
    msg = mail()
    for n in range(6):
        msg.add_attachment(PDF, maintype="application", subtype="pdf", filename=f"nef{n}.pdf")
    data = msg.as_bytes()
    parsed.clear()
    env = parse_message(data)
    assert len(env.attachments) == 6
    # each distinct Content-Type and Content-Disposition once (the stdlib: ~6 times each)
    assert sorted(parsed) == sorted(set(parsed))
    assert len(parsed) == 9  # the body's type, the parts' shared one, 6 dispositions, the root

    assert message._HEADERS._parsed == {}
