"""The letter corpus itself is well formed: unique ids, valid labels, PDFs that open with the
expected page count, text layers where there should be one and none on scans, determinism."""

from __future__ import annotations

import io
import json
import re
import time
from collections import Counter
from pathlib import Path

import pytest
from pypdf import PdfReader

from fixtures import letter_corpus
from fixtures.letter_corpus import AFFIRMATIONS, LetterCase

SPLITS = ("dev", "holdout", "holdout2", "holdout3", "holdout4")
MINIMUM = {"dev": 90, "holdout": 50, "holdout2": 100, "holdout3": 140, "holdout4": 140}


@pytest.fixture(scope="module")
def corpus() -> dict[str, list[LetterCase]]:
    return {split: letter_corpus.cases(split) for split in SPLITS}


def _text(pdf: bytes) -> tuple[int, list[str]]:
    reader = PdfReader(io.BytesIO(pdf))
    return len(reader.pages), [page.extract_text() or "" for page in reader.pages]


@pytest.mark.parametrize("split", SPLITS)
def test_split_is_big_enough_and_mixed(corpus: dict[str, list[LetterCase]], split: str) -> None:
    cases = corpus[split]
    assert len(cases) >= MINIMUM[split]
    verdicts = Counter(c.label.verdict for c in cases)
    assert set(verdicts) == {"good", "bad", "other"}
    assert 0.35 <= verdicts["good"] / len(cases) <= 0.6, verdicts
    assert verdicts["bad"] / len(cases) >= 0.25, verdicts
    assert sum(c.label.scanned for c in cases) >= 3
    assert any(not c.label.own_letter and c.label.kind != "other" for c in cases)


def test_ids_unique_and_prefixed(corpus: dict[str, list[LetterCase]]) -> None:
    ids = [c.id for split in SPLITS for c in corpus[split]]
    assert len(ids) == len(set(ids))
    for split in SPLITS:
        for c in corpus[split]:
            assert re.fullmatch(rf"{split}-\d{{3}}-[a-z0-9-]+", c.id), c.id


def test_labels_valid(corpus: dict[str, list[LetterCase]]) -> None:
    for c in (c for split in SPLITS for c in corpus[split]):
        lab = c.label
        assert lab.kind in ("acknowledgment_letter", "other")
        assert tuple(lab.affirmations) == AFFIRMATIONS
        assert set(lab.affirmations.values()) <= {"made", "not_made"}
        assert lab.verdict in ("good", "bad", "other")
        all_made = all(v == "made" for v in lab.affirmations.values())
        if lab.kind == "other":
            assert lab.verdict == "other" and not all_made and lab.signer is None
        else:
            good = lab.own_letter and lab.signer is not None and all_made
            assert lab.verdict == ("good" if good else "bad"), c.id
        assert lab.note and "\n" not in lab.note
        assert c.styles and len(set(c.styles)) == len(c.styles), c.id
        assert c.sender_name and "@" in c.sender_address
        assert ("scanned" in c.styles) == lab.scanned, c.id


def test_pdfs_open_with_expected_pages_and_text_layer(
    corpus: dict[str, list[LetterCase]],
) -> None:
    for c in (c for split in SPLITS for c in corpus[split]):
        assert c.pdf.startswith(b"%PDF-"), c.id
        pages, texts = _text(c.pdf)
        assert pages == (2 if "two-page" in c.styles else 1), c.id
        joined = "".join(texts).strip()
        if c.label.scanned:
            assert joined == "", c.id
        else:
            assert len(joined) > 200, c.id
            assert all(t.strip() for t in texts), c.id
            if c.label.signer:
                flat = " ".join(" ".join(texts).split()).casefold()
                assert c.label.signer.casefold() in flat, c.id


@pytest.mark.parametrize(
    ("one", "other"),
    [(a, b) for i, a in enumerate(SPLITS) for b in SPLITS[i + 1 :]],
)
def test_splits_have_different_attorneys(
    corpus: dict[str, list[LetterCase]], one: str, other: str
) -> None:
    def signers(split: str) -> set[str]:
        return {c.label.signer for c in corpus[split] if c.label.signer}

    def senders(split: str) -> set[str]:
        return {c.sender_address for c in corpus[split]}

    assert not signers(one) & signers(other)
    assert not senders(one) & senders(other)


def test_second_holdout_covers_the_styles_and_traps_it_promises(
    corpus: dict[str, list[LetterCase]],
) -> None:
    cases = corpus["holdout2"]
    verdicts = Counter(c.label.verdict for c in cases)
    assert verdicts["good"] >= 60 and verdicts["bad"] >= 40, verdicts
    good_styles = Counter(s for c in cases if c.label.verdict == "good" for s in c.styles)
    for style in (
        "formal", "terse", "declaration", "numbered", "full-sentence-bullets", "bulleted-text",
        "bulleted-drawn", "table", "checkbox-drawn", "checkbox-text", "checkbox-glyph",
        "two-column", "letterhead", "footer", "two-page", "continuation-header",
        "long-sentence", "hand-signed", "slash-signature", "e-signature", "us-government",
        "pro-hac-vice", "third-person", "scanned",
    ):  # fmt: skip
        assert good_styles[style] >= 1, style
    assert good_styles["us-government"] >= 10
    bad_styles = Counter(s for c in cases if c.label.verdict == "bad" for s in c.styles)
    for style in (
        "omission", "negation-near", "negation-far", "hedge", "future-intention",
        "other-district", "state-government", "on-behalf", "unsigned", "placeholder-signature",
        "checkbox-unchecked", "scanned",
    ):  # fmt: skip
        assert bad_styles[style] >= 1, style
    for affirmation in AFFIRMATIONS:
        assert sum(c.label.missing == (affirmation,) for c in cases) >= 5, affirmation
    other = Counter(s for c in cases if c.label.verdict == "other" for s in c.styles)
    assert other["training-certificate"] >= 1 and other["letter-to-other-court"] >= 1


def _flat(pdf: bytes) -> str:
    return " ".join(" ".join(_text(pdf)[1]).split())


def test_third_holdout_covers_the_styles_and_traps_it_promises(
    corpus: dict[str, list[LetterCase]],
) -> None:
    from fixtures.letter_corpus import holdout3

    cases = corpus["holdout3"]
    verdicts = Counter(c.label.verdict for c in cases)
    assert 0.4 <= verdicts["good"] / len(cases) <= 0.55, verdicts
    assert verdicts["bad"] / len(cases) >= 0.3, verdicts
    assert 0.07 <= verdicts["other"] / len(cases) <= 0.15, verdicts
    assert sum(c.label.scanned for c in cases) >= 5
    good_styles = Counter(s for c in cases if c.label.verdict == "good" for s in c.styles)
    for style in (
        "formal", "terse", "chatty", "email-style", "memo", "declaration", "third-person",
        "numbered", "full-sentence-bullets", "lead-in-fragments", "bulleted-text",
        "bulleted-drawn", "table", "form", "checkbox-drawn", "checkbox-text", "checkbox-glyph",
        "two-column", "letterhead", "footer", "sidebar", "two-page", "continuation-header",
        "sentence-across-pages", "long-sentence", "hand-signed", "slash-signature",
        "oneline-signature", "e-signature", "us-government", "pro-hac-vice", "ndcal-bar",
        "not-only-but-also", "double-negation", "sent-by-staff", "scanned",
    ):  # fmt: skip
        assert good_styles[style] >= 1, style
    assert good_styles["us-government"] >= 10 and good_styles["pro-hac-vice"] >= 4
    assert good_styles["scanned"] >= 5
    bad_styles = Counter(s for c in cases if c.label.verdict == "bad" for s in c.styles)
    for style in (
        "omission", "negation-near", "negation-far", "hedge", "future-intention", "question",
        "other-district", "state-bar-only", "pending-admission", "state-government",
        "on-behalf", "signed-by-staff", "unsigned", "placeholder-signature",
        "checkbox-unchecked", "answered-no", "confidentiality-only", "sentence-window",
        "responsibility-shifted", "other-court-procedures", "scanned",
    ):  # fmt: skip
        assert bad_styles[style] >= 1, style
    assert bad_styles["state-government"] >= 4 and bad_styles["other-district"] >= 4
    for affirmation in AFFIRMATIONS:
        assert sum(c.label.missing == (affirmation,) for c in cases) >= 8, affirmation
    other = Counter(s for c in cases if c.label.verdict == "other" for s in c.styles)
    for style in (
        "training-certificate", "certificate-of-service", "cover-letter", "motion",
        "letter-to-other-court",
    ):  # fmt: skip
        assert other[style] >= 1, style
    # at least eight of this split's own wordings of each affirmation are in good letters
    texts = [_flat(c.pdf) for c in cases if c.label.verdict == "good" and not c.label.scanned]
    for wordings in (holdout3.ECF_OK, holdout3.LR_OK, holdout3.LOGIN_OK):
        used = {w for w in wordings for t in texts if " ".join(w.split()) in t}
        assert len(used) >= 8, (len(used), wordings[0])


def test_third_holdout_counts_a_half_statement_as_not_made(
    corpus: dict[str, list[LetterCase]],
) -> None:
    """ECF Procedures read without a promise to comply, or a login sentence with only one of
    its two parts (own use only, the signature), is not the statement (model.AFFIRMATIONS):
    the letters that keep such a sentence are labelled not_made for it, and no good letter
    has one."""
    from fixtures.letter_corpus import holdout3

    loose = [(w, "ecf_procedures") for w in holdout3.ECF_READ_ONLY if w not in holdout3.ECF_OK]
    loose += [(w, "login_responsibility") for w in holdout3.LOGIN_HALF]
    seen: Counter[str] = Counter()
    for c in corpus["holdout3"]:
        if c.label.scanned or c.label.kind == "other":
            continue
        text = _flat(c.pdf)
        for wording, affirmation in loose:
            if " ".join(wording.split()) in text:
                assert c.label.affirmations[affirmation] == "not_made", (c.id, wording)
                seen[affirmation] += 1
    assert seen["ecf_procedures"] >= 3 and seen["login_responsibility"] >= 4, seen
    for wording in (*holdout3.ECF_OK, *holdout3.ECF_3P):
        assert any(v in wording for v in ("compl", "follow", "abide", "adhere", "observe",
                                          "conform", "accordance", "requirements", "governed",
                                          "keep to", "stick to")), wording  # fmt: skip


def test_fourth_holdout_covers_the_styles_and_traps_it_promises(
    corpus: dict[str, list[LetterCase]],
) -> None:
    from fixtures.letter_corpus import holdout4

    cases = corpus["holdout4"]
    verdicts = Counter(c.label.verdict for c in cases)
    assert 0.4 <= verdicts["good"] / len(cases) <= 0.5, verdicts
    assert 0.4 <= verdicts["bad"] / len(cases) <= 0.5, verdicts
    assert 0.07 <= verdicts["other"] / len(cases) <= 0.13, verdicts
    good_styles = Counter(s for c in cases if c.label.verdict == "good" for s in c.styles)
    for style in (
        "formal", "terse", "email-style", "memo", "declaration", "numbered", "bulleted-text",
        "bulleted-drawn", "table", "checkbox-drawn", "checkbox-text", "checkbox-glyph",
        "answer-columns", "two-column", "letterhead", "footer", "two-page",
        "continuation-header", "sentence-across-pages", "long-sentence", "lead-in-fragments",
        "third-person", "hand-signed", "slash-signature", "oneline-signature", "us-government",
        "pro-hac-vice", "ndcal-bar", "passive", "not-only-but-also", "double-negation",
        "statement-split", "sent-by-staff", "county-also-admitted", "sidebar", "e-signature",
        "quoted-email", "scanned",
    ):  # fmt: skip
        assert good_styles[style] >= 1, style
    assert good_styles["us-government"] >= 12 and good_styles["pro-hac-vice"] >= 5
    assert good_styles["scanned"] >= 6
    bad_styles = Counter(s for c in cases if c.label.verdict == "bad" for s in c.styles)
    for style in (
        "omission", "half-statement", "hedge", "negation-near", "negation-far", "retraction",
        "postscript", "future-intention", "question", "said-of-someone-else", "other-district",
        "state-bar-only", "pending-admission", "state-government", "on-behalf",
        "signed-by-staff", "unsigned", "placeholder-signature", "checkbox-unchecked",
        "answered-no", "responsibility-only", "confidentiality-only", "other-rules",
        "other-court-procedures", "two-page", "scanned",
    ):  # fmt: skip
        assert bad_styles[style] >= 1, style
    assert bad_styles["state-government"] >= 4 and bad_styles["other-district"] >= 4
    for affirmation in AFFIRMATIONS:
        assert sum(c.label.missing == (affirmation,) for c in cases) >= 10, affirmation
    other = Counter(s for c in cases if c.label.verdict == "other" for s in c.styles)
    for style in (
        "training-certificate", "certificate-of-service", "pro-hac-vice-application",
        "cover-letter", "motion", "nef", "letter-to-other-court",
    ):  # fmt: skip
        assert other[style] >= 1, style
    # every one of this split's own wordings (at least ten per statement) is in a good letter
    texts = [_flat(c.pdf) for c in cases if c.label.verdict == "good" and not c.label.scanned]
    for wordings in (holdout4.ECF_OK, holdout4.LR_OK, holdout4.LOGIN_OK):
        used = {w for w in wordings for t in texts if " ".join(w.split()) in t}
        assert len(used) == len(wordings) >= 10, (len(used), wordings[0])
    templates = (*holdout4.QUAL_NDCAL, *holdout4.QUAL_PHV, *holdout4.QUAL_GOV)
    used = {q for q in templates for t in texts if " ".join(q.split("{")[0].split()) in t}
    assert len(used) >= 10, len(used)


def test_fourth_holdout_labels_half_statements_not_made(
    corpus: dict[str, list[LetterCase]],
) -> None:
    """A letter that keeps one of holdout4's half statements (procedures read but no promise,
    a promise without reading, one half of the login statement, responsibility alone) is
    labelled not_made for it (model.AFFIRMATIONS), and no good letter has one."""
    from fixtures.letter_corpus import holdout4

    loose = [(w, "ecf_procedures") for w in (*holdout4.ECF_READ_ONLY, holdout4.ECF_COMPLY_ONLY)]
    loose += [
        (w, "login_responsibility")
        for w in (*holdout4.LOGIN_SIG_ONLY, *holdout4.LOGIN_OWN_ONLY, holdout4.LOGIN_RESP)
    ]
    seen: Counter[str] = Counter()
    for c in corpus["holdout4"]:
        if c.label.scanned or c.label.kind == "other":
            continue
        text = _flat(c.pdf)
        for wording, affirmation in loose:
            if " ".join(wording.split()) in text:
                assert c.label.affirmations[affirmation] == "not_made", (c.id, wording)
                seen[affirmation] += 1
    assert seen["ecf_procedures"] >= 4 and seen["login_responsibility"] >= 6, seen


def test_generation_is_deterministic_and_fast(corpus: dict[str, list[LetterCase]]) -> None:
    # CPU seconds of this process: the machine is shared, so wall time measures the neighbours
    started = time.process_time()
    again = {split: letter_corpus.cases(split) for split in SPLITS}
    assert time.process_time() - started < 20
    for split in SPLITS:
        assert [c.id for c in again[split]] == [c.id for c in corpus[split]]
        for a, b in zip(again[split], corpus[split], strict=True):
            assert a.pdf == b.pdf, a.id
            assert a.label == b.label


@pytest.mark.parametrize("split", ["holdout", "holdout2", "holdout3", "holdout4"])
def test_write_outputs_pdfs_and_labels(tmp_path: Path, split: str) -> None:
    letter_corpus.write(tmp_path, split)
    entries = json.loads((tmp_path / "labels.json").read_text(encoding="utf-8"))
    assert len(entries) == len(list(tmp_path.glob("*.pdf")))
    for entry in entries:
        assert (tmp_path / entry["file"]).read_bytes().startswith(b"%PDF-")
        assert set(entry["label"]["affirmations"]) == set(AFFIRMATIONS)
        assert entry["split"] == split
    with pytest.raises(ValueError):
        letter_corpus.cases("train")
