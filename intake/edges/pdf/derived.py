"""A pure function run on a PDF's text inside the reader process that read it.

`Derive` names the function and carries its context (pickled once, `derive`); a read
with one comes back as a `Read`: the text and what the function made of it. The reader
pool runs them (`pool.ReaderPool.submit_derived`); this module is apart from the pool
so that a command reading in forks (`intake check`) need not load the pool.
"""

from __future__ import annotations

import hashlib
import pickle
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from intake.core.model import PdfText


@dataclass(frozen=True)
class Derive:
    """A pure function run on a read's text inside the reader process, with a context:
    ``function(text, context)``, named by its import path ("package.module:function").

    The context is pickled once here (`derive`), sent with each read and unpickled once
    per reader process. The function runs under the read's own bounds, after it.
    """

    task: str
    context: bytes
    key: str  # what tells two derives apart (a prefetch is taken over by the same)


def derive(task: str, context: Any) -> Derive:
    blob = pickle.dumps(context, protocol=pickle.HIGHEST_PROTOCOL)
    return Derive(task, blob, hashlib.sha256(task.encode() + b"\0" + blob).hexdigest())


@dataclass(frozen=True)
class Read:
    """A PDF's text and what `Derive`'s function made of it (`value`), or why it
    raised (`error`); neither when the text was not readable."""

    text: PdfText
    value: Any = None
    error: str | None = None
