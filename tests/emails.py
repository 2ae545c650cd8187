"""Small emails that the reply tests (unit and end to end) send by the dozen."""

from __future__ import annotations

import email.policy
from email.message import EmailMessage

# The court's intake address: what the attorneys write to.
OWN = "ecf-training@canb.uscourts.gov"


def small_email(n: int, sender: str = "jane.doe@example-law.com", **headers: str) -> bytes:
    """Part `n` of an attorney's request, with one fake PDF; `headers` are added as
    given, `_` read as `-` (e.g. Auto_Submitted="auto-generated"). CRLF line ends, as
    on the wire."""
    message = EmailMessage(policy=email.policy.SMTP)
    message["From"] = f"Jane Doe <{sender}>"
    message["To"] = OWN
    message["Subject"] = f"Waiver, part {n}"
    message["Message-ID"] = f"<part-{n}.{sender}>"
    for key, value in headers.items():
        message[key.replace("_", "-")] = value
    message.set_content("Attached.")
    # Not a PDF: no reader runs (fast); the reply says so.
    message.add_attachment(
        f"page {n}".encode(), maintype="application", subtype="pdf", filename=f"p{n}.pdf"
    )
    return bytes(message)
