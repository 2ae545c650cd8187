"""The federal courts an NEF can come from: ids, official names, and the way back from
the header lines a notice prints ("U.S. Bankruptcy Court" / "District of Colorado").

Ids are CM/ECF's own (the `<id>` of `ecf.<id>.uscourts.gov`): the 94 district courts
(`cand`, `nysd`, `dcd`, `nmid`...), their 94 bankruptcy courts (the district id with a
trailing `b` in place of `d`: `canb`, `nysb`, `gub`, `nmib`, `vib`), and the 13 courts of
appeals (`ca1`..`ca11`, `cadc`, `cafc`); and the courts whose CM/ECF notices look like a
trial court's but are not one: the bankruptcy appellate panels (`bap1`, `bap2`, `bap6`,
`bap8`, `bap9`, `bap10`, which run bankruptcy CM/ECF and print its `bkecfStamp_ID`) and the
Judicial Panel on Multidistrict Litigation (`jpml`, whose case is an MDL number). Both
panels are of type APPELLATE: SPEC 5's four kinds have no other place for a court above
the trial courts, and neither kind of notice counts toward the waiver.

Why a table of our own rather than Free Law Project's courts-db (installed, and used only
to cross-check this table while writing it): measured here, courts-db's first `find_court`
takes ~1.2 s (it compiles thousands of regexes) and ~30 ms per call after that, it needs
"U.S." expanded, it returns both `nysd` and `nysb` for a bare district name, it does not
know district headers in CM/ECF's reversed order ("California Northern District"), it
lacks many district courts (no `ilcd`, `mied`, `njd`...), names the Nebraska and Arizona
bankruptcy courts `nebraskab` and `arb` where CM/ECF says `neb` and `azb`, and files
`wvnb` as a district court. The federal judicial districts are a small, stable list:
composing them from states and directions below is exact, fast (microseconds, no import
cost) and easy to read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from intake.core.model import CourtType

# State (or territory) → (CM/ECF code, directions of its districts; "" = one district).
# Directions: n(orthern) s(outhern) e(astern) w(estern) m(iddle) c(entral).
_STATES: dict[str, tuple[str, str]] = {
    "Alabama": ("al", "mns"),
    "Alaska": ("ak", ""),
    "Arizona": ("az", ""),
    "Arkansas": ("ar", "ew"),
    "California": ("ca", "cens"),
    "Colorado": ("co", ""),
    "Connecticut": ("ct", ""),
    "Delaware": ("de", ""),
    "Columbia": ("dc", ""),
    "Florida": ("fl", "mns"),
    "Georgia": ("ga", "mns"),
    "Guam": ("gu", ""),
    "Hawaii": ("hi", ""),
    "Idaho": ("id", ""),
    "Illinois": ("il", "cns"),
    "Indiana": ("in", "ns"),
    "Iowa": ("ia", "ns"),
    "Kansas": ("ks", ""),
    "Kentucky": ("ky", "ew"),
    "Louisiana": ("la", "emw"),
    "Maine": ("me", ""),
    "Maryland": ("md", ""),
    "Massachusetts": ("ma", ""),
    "Michigan": ("mi", "ew"),
    "Minnesota": ("mn", ""),
    "Mississippi": ("ms", "ns"),
    "Missouri": ("mo", "ew"),
    "Montana": ("mt", ""),
    "Nebraska": ("ne", ""),
    "Nevada": ("nv", ""),
    "New Hampshire": ("nh", ""),
    "New Jersey": ("nj", ""),
    "New Mexico": ("nm", ""),
    "New York": ("ny", "ensw"),
    "North Carolina": ("nc", "emw"),
    "North Dakota": ("nd", ""),
    "Northern Mariana Islands": ("nmi", ""),
    "Ohio": ("oh", "ns"),
    "Oklahoma": ("ok", "enw"),
    "Oregon": ("or", ""),
    "Pennsylvania": ("pa", "emw"),
    "Puerto Rico": ("pr", ""),
    "Rhode Island": ("ri", ""),
    "South Carolina": ("sc", ""),
    "South Dakota": ("sd", ""),
    "Tennessee": ("tn", "emw"),
    "Texas": ("tx", "ensw"),
    "Utah": ("ut", ""),
    "Vermont": ("vt", ""),
    "Virgin Islands": ("vi", ""),
    "Virginia": ("va", "ew"),
    "Washington": ("wa", "ew"),
    "West Virginia": ("wv", "ns"),
    "Wisconsin": ("wi", "ew"),
    "Wyoming": ("wy", ""),
}

_DIRECTIONS = {
    "n": "Northern",
    "s": "Southern",
    "e": "Eastern",
    "w": "Western",
    "m": "Middle",
    "c": "Central",
}
_DIRECTION_LETTER = {word.lower(): letter for letter, word in _DIRECTIONS.items()}

# Territories whose official district name takes an article.
_WITH_ARTICLE = {"Northern Mariana Islands", "Virgin Islands"}

_CIRCUITS: dict[str, str] = {
    "ca1": "First",
    "ca2": "Second",
    "ca3": "Third",
    "ca4": "Fourth",
    "ca5": "Fifth",
    "ca6": "Sixth",
    "ca7": "Seventh",
    "ca8": "Eighth",
    "ca9": "Ninth",
    "ca10": "Tenth",
    "ca11": "Eleventh",
    "cadc": "District of Columbia",
    "cafc": "Federal",
}

# The circuits that have a bankruptcy appellate panel (ids as in `ecf.bap9.uscourts.gov`).
_BAP_CIRCUITS: dict[str, str] = {
    "bap1": "First",
    "bap2": "Second",
    "bap6": "Sixth",
    "bap8": "Eighth",
    "bap9": "Ninth",
    "bap10": "Tenth",
}
JPML = "jpml"

# The first three digits of a CM/ECF document id (`/doc1/038040602882`) are the court's
# number in CM/ECF. Only prefixes seen on real notices or stated in SPEC 3 are listed;
# an unlisted prefix says nothing (a guess here would put a notice in the wrong court).
_DOC_ID_PREFIXES: dict[str, str] = {
    "032": "caeb",  # SPEC 3
    "034": "canb",  # SPEC 3
    "036": "casb",
    "038": "cob",
    "040": "ctb",
    "045": "dcd",
    "118": "njb",
    "126": "nysb",
    "127": "nysd",
    "973": "cacb",
}
# Shorter ids are truncated or anonymised links; their first digits name nothing.
_MIN_DOC_ID_DIGITS = 10


@dataclass(frozen=True)
class Court:
    id: str
    type: CourtType
    name: str


def _district_phrase(state: str, letter: str) -> str:
    """'Eastern District of California', 'District of Colorado', 'District of Columbia'."""
    if letter:
        return f"{_DIRECTIONS[letter]} District of {state}"
    if state == "Columbia":
        return "District of Columbia"
    article = "the " if state in _WITH_ARTICLE else ""
    return f"District of {article}{state}"


@cache
def _table() -> dict[str, Court]:
    courts: dict[str, Court] = {}
    for state, (code, letters) in _STATES.items():
        for letter in letters or "-":
            letter = "" if letter == "-" else letter
            phrase = _district_phrase(state, letter)
            district_id = f"{code}{letter}d"
            bankruptcy_id = f"{code}{letter}b"
            courts[district_id] = Court(
                district_id, CourtType.DISTRICT, f"United States District Court for the {phrase}"
            )
            courts[bankruptcy_id] = Court(
                bankruptcy_id,
                CourtType.BANKRUPTCY,
                f"United States Bankruptcy Court for the {phrase}",
            )
    for court_id, circuit in _CIRCUITS.items():
        courts[court_id] = Court(
            court_id,
            CourtType.APPELLATE,
            f"United States Court of Appeals for the {circuit} Circuit",
        )
    for court_id, circuit in _BAP_CIRCUITS.items():
        courts[court_id] = Court(
            court_id,
            CourtType.APPELLATE,
            f"United States Bankruptcy Appellate Panel of the {circuit} Circuit",
        )
    courts[JPML] = Court(
        JPML, CourtType.APPELLATE, "United States Judicial Panel on Multidistrict Litigation"
    )
    return courts


def all_courts() -> tuple[Court, ...]:
    """Every court in the table (188 trial courts, 13 courts of appeals, 7 panels)."""
    return tuple(_table().values())


def court_ids(kind: CourtType) -> tuple[str, ...]:
    """The ids of every court of one type, e.g. the 94 bankruptcy courts."""
    return tuple(c.id for c in _table().values() if c.type is kind)


def court_type(court_id: str | None) -> CourtType:
    """BANKRUPTCY / DISTRICT / APPELLATE for a known id, UNKNOWN for anything else."""
    court = _table().get((court_id or "").strip().lower())
    return court.type if court else CourtType.UNKNOWN


def court_name(court_id: str | None) -> str | None:
    """Official name, e.g. 'United States Bankruptcy Court for the District of Colorado'."""
    court = _table().get((court_id or "").strip().lower())
    return court.name if court else None


def short_court_name(court_id: str | None) -> str | None:
    """The official name with "U.S." for "United States", as replies and pages say it."""
    official = court_name(court_id)
    return official.replace("United States ", "U.S. ", 1) if official else None


def is_court_id(court_id: str | None) -> bool:
    return (court_id or "").strip().lower() in _table()


def is_bankruptcy_court(court_id: str | None) -> bool:
    """True for one of the 94 bankruptcy courts (not a bankruptcy appellate panel)."""
    return court_type(court_id) is CourtType.BANKRUPTCY


def court_from_doc_id(doc_id: str) -> str | None:
    """The court whose CM/ECF number begins a `/doc1/` document id, when it is known."""
    digits = doc_id.strip()
    if not digits.isdigit() or len(digits) < _MIN_DOC_ID_DIGITS:
        return None
    return _DOC_ID_PREFIXES.get(digits[:3])


# ------------------------------------------------------------------ header → court id

_STATE_PATTERNS = sorted(_STATES, key=len, reverse=True)  # "West Virginia" before "Virginia"
_ORDINALS = {name.lower(): court_id for court_id, name in _CIRCUITS.items()}
_NUMBERED_CIRCUIT = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)\s+circuit\b")


def _normalise(text: str) -> str:
    """Lower case, 'U.S.' spelled out, punctuation and extra spaces gone."""
    text = re.sub(r"\bU\.?\s?S\.?(?=\s|$)", "United States", text, flags=re.IGNORECASE)
    text = re.sub(r"[^A-Za-z0-9]+", " ", text)
    return f" {text.strip().lower()} "


def header_court_type(court_line: str) -> CourtType:
    """The kind of court a header line names: 'U.S. Bankruptcy Court' → BANKRUPTCY."""
    return _type_of_court_line(_normalise(court_line))


def _type_of_court_line(line: str) -> CourtType:
    # Panels first: "Bankruptcy Appellate Panel" says "bankruptcy" too.
    if " appellate panel " in line or " judicial panel " in line or " multidistrict " in line:
        return CourtType.APPELLATE
    if " bankruptcy " in line:
        return CourtType.BANKRUPTCY
    if " appeals " in line:
        return CourtType.APPELLATE
    if " district court " in line or line.startswith(" district court"):
        return CourtType.DISTRICT
    return CourtType.UNKNOWN


def _district_id(line: str) -> str | None:
    """'central district of california' / 'california northern district' → 'cacd'."""
    for state in _STATE_PATTERNS:
        needle = f" {state.lower()} "
        if needle in line:
            code, letters = _STATES[state]
            rest = line.replace(needle, " ", 1)  # "Northern" of Mariana is no direction
            found = {_DIRECTION_LETTER[w] for w in rest.split() if w in _DIRECTION_LETTER}
            if not letters:
                return f"{code}d" if not found else None
            if len(found) == 1 and (letter := found.pop()) in letters:
                return f"{code}{letter}d"
            return None  # a bare "District of California" names no single court
    return None


def _panel_id(line: str) -> str | None:
    """A bankruptcy appellate panel's or the JPML's id, when `line` names one."""
    if " judicial panel " in line or " multidistrict " in line:
        return JPML
    if " appellate panel " not in line:
        return None
    circuit = _circuit_id(line)
    bap = f"bap{circuit[2:]}" if circuit and circuit[2:].isdigit() else None
    return bap if bap in _BAP_CIRCUITS else None


def _circuit_id(line: str) -> str | None:
    if " federal circuit " in line:
        return "cafc"
    if " district of columbia circuit " in line or " d c circuit " in line:
        return "cadc"
    for word, court_id in _ORDINALS.items():
        if f" {word} circuit " in line:
            return court_id
    if match := _NUMBERED_CIRCUIT.search(line):
        court_id = f"ca{int(match.group(1))}"
        return court_id if court_id in _CIRCUITS else None
    return None


def court_from_header(court_line: str, district_line: str) -> str | None:
    """The court id named by a notice's two header lines, or None when they name none.

    `court_line` says which kind of court ("U.S. Bankruptcy Court", "United States
    District Court", "U.S. Court of Appeals"); `district_line` says where ("District of
    Colorado", "Central District of California", "California Northern District",
    "Eastern District of Virginia - (Alexandria)", "Ninth Circuit"). Either line may also
    carry the other's words ("United States Bankruptcy Court for the District of
    Colorado" with an empty district line).
    """
    court = _normalise(court_line)
    kind = _type_of_court_line(court)
    # A division in parentheses or after a dash ("- (Alexandria)") names no district.
    where_text = re.split(r"\s+-\s+|\(", district_line, maxsplit=1)[0]
    where = _normalise(f"{court_line} {where_text}")
    if kind is CourtType.UNKNOWN:
        kind = _type_of_court_line(_normalise(district_line))
    if kind is CourtType.APPELLATE:
        panel = " appellate panel " in where or " judicial panel " in where
        return _panel_id(where) if panel or " multidistrict " in where else _circuit_id(where)
    if kind is CourtType.UNKNOWN:
        return None
    district = _district_id(where.replace(" united states ", " "))
    if district is None:
        return None
    return district if kind is CourtType.DISTRICT else f"{district[:-1]}b"
