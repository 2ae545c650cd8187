"""`intake check`: its contract (SPEC 5), its exit codes, and that no input makes it crash."""

from __future__ import annotations

import email
import json
import pathlib
from email.message import EmailMessage
from typing import cast

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from intake.commands.cli import main

REQUIRED_DOCUMENT_KEYS = {"filename", "sha256", "kind", "nef", "letter"}
REQUIRED_ASSESSMENT_KEYS = {
    "status",
    "qualifying_nefs",
    "required_nefs",
    "letter",
    "attorney_name",
    "findings",
}


def run_json(capsys: pytest.CaptureFixture[str], *paths: pathlib.Path) -> tuple[int, list[dict]]:  # type: ignore[type-arg]
    code = main(["check", "--json", *map(str, paths)])
    out = capsys.readouterr().out
    return code, [json.loads(line) for line in out.splitlines()]


def assert_contract(obj: dict) -> None:  # type: ignore[type-arg]
    assert {"source", "sender", "documents", "assessment"} <= obj.keys()
    assert obj["assessment"].keys() >= REQUIRED_ASSESSMENT_KEYS
    assert obj["assessment"]["status"] in {
        "complete",
        "incomplete",
        "training_required",
        "needs_review",
    }
    assert obj["assessment"]["letter"] in {"ok", "missing", "deficient"}
    for doc in obj["documents"]:
        assert doc.keys() >= REQUIRED_DOCUMENT_KEYS
        assert doc["kind"] in {"nef", "acknowledgment_letter", "other", "not_pdf", "unreadable"}
        assert len(doc["sha256"]) == 64
    for finding in obj["assessment"]["findings"]:
        assert finding["code"] and finding["message"]


def test_missing_path_is_a_usage_error(
    tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", str(tmp_path / "nope.eml")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_folder_without_inputs_is_a_usage_error(
    tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "notes.txt").write_text("hi")
    assert main(["check", str(tmp_path)]) == 2
    assert "no .eml or .pdf" in capsys.readouterr().err


def test_no_arguments_prints_usage(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["check"])
    assert exc.value.code == 2


def test_bad_rules_folder_is_a_usage_error_naming_the_file(
    tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]
) -> None:
    eml = tmp_path / "a.eml"
    eml.write_bytes(b"From: a@b.c\r\n\r\nhi\r\n")
    assert main(["check", "--rules", str(tmp_path / "rules"), str(eml)]) == 2
    assert "nef.toml" in capsys.readouterr().err


def test_email_with_a_word_file_and_no_pdf(
    tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]
) -> None:
    msg = EmailMessage()
    msg["From"] = "Jane Doe <Jane.Doe@Example-Law.com>"
    msg["To"] = "ecf-training@canb.uscourts.gov"
    msg["Subject"] = "waiver"
    msg.set_content("Please see attached.")
    docx = b"PK\x03\x04" + b"\x00" * 40
    msg.add_attachment(
        docx,
        maintype="application",
        subtype="vnd.openxmlformats-officedocument.wordprocessingml.document",
        filename="letter.docx",
    )
    path = tmp_path / "word.eml"
    path.write_bytes(bytes(msg))
    code, [obj] = run_json(capsys, path)
    assert code == 0
    assert_contract(obj)
    assert obj["sender"] == "jane.doe@example-law.com"
    assert [d["kind"] for d in obj["documents"]] == ["not_pdf"]
    assessment = obj["assessment"]
    assert assessment["status"] == "incomplete"
    assert assessment["attorney_name"] == "Jane Doe"
    assert {"not_pdf", "letter_missing", "too_few_nefs"} <= {
        f["code"] for f in assessment["findings"]
    }


def test_table_output_names_the_verdict(
    tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "empty.eml"
    path.write_bytes(b"From: Jane Doe <jd@example.com>\r\nSubject: hi\r\n\r\nno files\r\n")
    assert main(["check", str(path)]) == 0
    out = capsys.readouterr().out
    assert "INCOMPLETE" in out
    assert "(no attachments)" in out
    assert "no_documents" in out


def test_a_lone_pdf_is_a_one_document_request(
    tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage")
    code, [obj] = run_json(capsys, path)
    assert code == 0
    assert_contract(obj)
    assert obj["sender"] is None
    assert [d["kind"] for d in obj["documents"]] == ["unreadable"]
    assert obj["documents"][0]["reason"]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=2000), suffix=st.sampled_from([".eml", ".pdf"]))
def test_arbitrary_bytes_never_crash(
    tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str], data: bytes, suffix: str
) -> None:
    path = tmp_path / f"input{suffix}"
    path.write_bytes(data)
    code, objs = run_json(capsys, path)
    assert code == 0
    assert len(objs) == 1
    assert_contract(objs[0])


# Any text a header can carry: the email package itself refuses to write CR/LF into one
# (raw hostile headers are the MIME reader's own property tests).
_header_text = st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=30)

_parts = st.recursive(
    st.tuples(
        st.sampled_from(["application/pdf", "application/octet-stream", "image/png", "text/plain"]),
        st.binary(max_size=200).map(lambda b: b"%PDF-1.4\n" + b),
        _header_text,
        st.sampled_from(["attachment", "inline", None]),
    ),
    lambda children: st.lists(children, min_size=1, max_size=4),
    max_leaves=5,
)


def _build(tree: object) -> EmailMessage:
    msg = EmailMessage()
    if isinstance(tree, list):
        msg.make_mixed()
        for child in tree:
            msg.attach(_build(child))
        return msg
    ctype, body, name, disposition = cast(tuple[str, str, str | None, str | None], tree)
    maintype, subtype = ctype.split("/")
    msg.set_content(body, maintype=maintype, subtype=subtype, disposition=disposition)
    if name:
        msg.set_param("filename", name, header="Content-Disposition")
    return msg


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(tree=_parts, sender=_header_text)
def test_arbitrary_mime_trees_never_crash(
    tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str], tree: object, sender: str
) -> None:
    msg = _build(tree)
    try:
        msg["From"] = sender
    except (ValueError, TypeError, IndexError):
        # The email package cannot even build such a header (an IndexError for "<" is
        # CPython's own bug); what is under test is reading the tree, not writing it.
        msg["From"] = "x@example.com"
    path = tmp_path / "tree.eml"
    path.write_bytes(msg.as_bytes(policy=email.policy.SMTP.clone(raise_on_defect=False)))
    code, objs = run_json(capsys, path)
    assert code == 0
    assert_contract(objs[0])


CORPUS = pathlib.Path(email.__file__).parents[1] / "test" / "test_email" / "data"


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"CPython's email test corpus is absent: {CORPUS}")
def test_cpython_email_corpus(capsys: pytest.CaptureFixture[str]) -> None:
    files = sorted(p for p in CORPUS.iterdir() if p.is_file())
    assert files
    for path in files:
        copy = path  # `intake check` decides by suffix or sniffing; corpus files are .txt
        code = main(["check", "--json", str(copy)])
        out = capsys.readouterr().out
        assert code == 0, path
        assert_contract(json.loads(out))


def test_a_closed_pipe_is_not_a_traceback() -> None:
    import subprocess
    import sys

    eml_dir = pathlib.Path(__file__).resolve().parents[2] / "fixtures" / "eml"
    proc = subprocess.Popen(
        [sys.executable, "-m", "intake", "check", str(eml_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.readline()  # read one line, then hang up like `| head -1`
    proc.stdout.close()
    err = proc.stderr.read().decode()
    proc.wait(timeout=120)
    assert first.strip().endswith(b".eml")
    assert "Traceback" not in err, err
