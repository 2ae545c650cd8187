"""Every code the policy can give a finding or a missing item. Pure.

The codes are the policy's vocabulary; their wording lives in `rules/messages.toml`,
which `load_rules` requires to word every one of them, so no reader ever shows a bare code.
"""

from __future__ import annotations

# Why an NEF does not count (SPEC 4.2), one per check in policy/assess.py.
NEF_CODES = (
    "not_bankruptcy_court",
    "own_court",
    "excluded_court",
    "notice_type_not_counted",
    "duplicate",
    "filer_mismatch",
    "ocr_unclear",
    "clerk_not_counted",  # a clerk read it and decided it does not count
)
# What is wrong with a document as a whole.
DOCUMENT_CODES = (
    "not_pdf",
    "unreadable",
    "attachment_too_large",
    "other_document",
    "unknown_court",
)
# The letter's detail findings, and its summary finding `letter_deficient`.
LETTER_DETAIL_CODES = (
    "letter_unsigned",
    "affirmation_missing",
    "not_own_letter",
    "letter_unclear",
    "letter_uncertain",
    "signature_unclear",
    "attorney_name_unclear",
    "authorship_unclear",
)
# Letter findings that send the letter to a clerk (SPEC 4.3: unclear), not back to the
# attorney: nothing in them is missing.
LETTER_REVIEW_CODES = (
    "letter_unclear",
    "letter_uncertain",
    "signature_unclear",
    "attorney_name_unclear",
    "authorship_unclear",
)
LETTER_CODES = ("letter_missing", "letter_deficient", *LETTER_DETAIL_CODES)
# The request as a whole.
REQUEST_CODES = (
    "too_few_nefs",
    "no_documents",
    "training_required",
    "needs_review",
    # The sender check is on and some of the request's mail is not authenticated.
    "sender_not_verified",
)
# A clerk's decision applied (`intake requests decide`): who decided what, and why.
DECISION_CODES = ("clerk_decision",)
# The decision kinds (model.DecisionKind), each worded in [decisions] of messages.toml.
DECISION_KINDS = ("letter_accepted", "affirmation_accepted", "counted", "not_counted")

FINDING_CODES = (*NEF_CODES, *DOCUMENT_CODES, *LETTER_CODES, *REQUEST_CODES, *DECISION_CODES)

# What a request still needs (Assessment.missing): the letter, its signature, a readable
# name under it, one of its affirmations (params: id, description), more NEFs (params:
# needed, plural), a letter by the attorney personally (params: writer).
MISSING_CODES = ("letter", "signature", "attorney_name", "affirmation", "own_letter", "nefs")

# How a PDF's notices and unknown courts are named ([notice] of messages.toml): a notice
# of several (label: document, number, count, pages; page / pages: first, last), a court
# named only by its printed header (printed_court: printed) or not at all (unnamed_court).
NOTICE_WORDS = ("label", "page", "pages", "printed_court", "unnamed_court")

# The other words of the replies' and the clerk's page's lines ([view] of messages.toml).
VIEW_WORDS = (
    "unnamed_attachment",
    "same_reason",
    "unknown",
    "unknown_court",
    "not_readable",
    "claim",
    "tally",
    "tally_more",
    "clerk_evidence",
    "page_unknown",
    "evidence_place",
)
