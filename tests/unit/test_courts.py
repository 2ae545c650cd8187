"""The courts table: ids, types, names, and the header lines CM/ECF prints."""

from __future__ import annotations

import pytest

from intake.core.documents.courts import (
    all_courts,
    court_from_doc_id,
    court_from_header,
    court_ids,
    court_name,
    court_type,
    header_court_type,
    is_bankruptcy_court,
    is_court_id,
)
from intake.core.model import CourtType

# Written out by hand (from the list of federal judicial districts), so that the table
# is checked against something it was not generated from.
# fmt: off
BANKRUPTCY_IDS = [
    "akb", "almb", "alnb", "alsb", "areb", "arwb", "azb", "cacb", "caeb", "canb", "casb", "cob",
    "ctb", "dcb", "deb", "flmb", "flnb", "flsb", "gamb", "ganb", "gasb", "gub", "hib", "ianb",
    "iasb", "idb", "ilcb", "ilnb", "ilsb", "innb", "insb", "ksb", "kyeb", "kywb", "laeb",
    "lamb", "lawb", "mab", "mdb", "meb", "mieb", "miwb", "mnb", "moeb", "mowb", "msnb", "mssb",
    "mtb", "nceb", "ncmb", "ncwb", "ndb", "neb", "nhb", "njb", "nmb", "nmib", "nvb", "nyeb",
    "nynb", "nysb", "nywb", "ohnb", "ohsb", "okeb", "oknb", "okwb", "orb", "paeb", "pamb",
    "pawb", "prb", "rib", "scb", "sdb", "tneb", "tnmb", "tnwb", "txeb", "txnb", "txsb", "txwb",
    "utb", "vaeb", "vawb", "vib", "vtb", "waeb", "wawb", "wieb", "wiwb", "wvnb", "wvsb", "wyb",
]
# fmt: on

APPELLATE_IDS = [f"ca{n}" for n in range(1, 12)] + ["cadc", "cafc"]
# The panels whose notices look like a trial court's: bankruptcy appellate panels, JPML.
PANEL_IDS = ["bap1", "bap2", "bap6", "bap8", "bap9", "bap10", "jpml"]


def test_the_table_holds_94_bankruptcy_94_district_and_13_appellate_courts() -> None:
    assert len(BANKRUPTCY_IDS) == 94
    assert sorted(court_ids(CourtType.BANKRUPTCY)) == sorted(BANKRUPTCY_IDS)
    districts = sorted(court_ids(CourtType.DISTRICT))
    assert districts == sorted(f"{b[:-1]}d" for b in BANKRUPTCY_IDS)
    assert sorted(court_ids(CourtType.APPELLATE)) == sorted(APPELLATE_IDS + PANEL_IDS)
    assert len(all_courts()) == 94 + 94 + 13 + 7


@pytest.mark.parametrize(
    ("court_line", "district_line", "expected"),
    [
        ("U.S. Bankruptcy Appellate Panel", "of the Ninth Circuit", "bap9"),
        ("United States Bankruptcy Appellate Panel for the Tenth Circuit", "", "bap10"),
        ("U.S. Bankruptcy Appellate Panel", "Sixth Circuit", "bap6"),
        ("United States Bankruptcy Appellate Panel", "for the 1st Circuit", "bap1"),
        ("United States", "Judicial Panel on Multidistrict Litigation", "jpml"),
        ("Judicial Panel on Multidistrict Litigation", "", "jpml"),
        ("U.S. Bankruptcy Appellate Panel", "of the Fifth Circuit", None),  # has none
    ],
)
def test_panels_are_named_by_their_headers(
    court_line: str, district_line: str, expected: str | None
) -> None:
    assert court_from_header(court_line, district_line) == expected
    assert header_court_type(f"{court_line} {district_line}") is CourtType.APPELLATE


@pytest.mark.parametrize("court_id", PANEL_IDS)
def test_panels_are_not_bankruptcy_courts(court_id: str) -> None:
    assert court_type(court_id) is CourtType.APPELLATE
    assert not is_bankruptcy_court(court_id)
    assert "Panel" in (court_name(court_id) or "")


def test_the_94_bankruptcy_courts_are_bankruptcy_courts() -> None:
    assert all(is_bankruptcy_court(c) for c in BANKRUPTCY_IDS)
    assert not any(is_bankruptcy_court(c) for c in ("cand", "ca9", None, "", "xxb", "canb "[:3]))


@pytest.mark.parametrize("court_id", BANKRUPTCY_IDS)
def test_every_bankruptcy_court_round_trips_through_its_header(court_id: str) -> None:
    assert court_type(court_id) is CourtType.BANKRUPTCY
    name = court_name(court_id)
    assert name is not None
    assert name.startswith("United States Bankruptcy Court for the ")
    court_line, district_line = name.split(" for the ", 1)
    assert court_from_header(court_line, district_line) == court_id
    # The way CM/ECF prints it: abbreviated court line, district on its own line.
    assert court_from_header("U.S. Bankruptcy Court", district_line) == court_id
    # And the district court of the same district is a different court.
    assert court_from_header("U.S. District Court", district_line) == f"{court_id[:-1]}d"


@pytest.mark.parametrize("court_id", APPELLATE_IDS)
def test_every_court_of_appeals_round_trips(court_id: str) -> None:
    assert court_type(court_id) is CourtType.APPELLATE
    name = court_name(court_id)
    assert name is not None
    assert court_from_header(name, "") == court_id


@pytest.mark.parametrize(
    ("court_line", "district_line", "expected"),
    [
        ("U.S. Bankruptcy Court", "District of Colorado", "cob"),
        ("United States Bankruptcy Court", "Central District of California", "cacb"),
        ("U.S. Bankruptcy Court", "Southern District of New York", "nysb"),
        ("U.S. Bankruptcy Court", "EASTERN DISTRICT OF CALIFORNIA", "caeb"),
        ("U.S. Bankruptcy Court", "District of New Jersey", "njb"),
        ("U.S. Bankruptcy Court", "Northern District of Texas", "txnb"),
        ("U.S. District Court", "California Northern District", "cand"),
        ("U.S. District Court", "Southern District of New York", "nysd"),
        ("U.S. District Court", "Middle District of Alabama", "almd"),
        ("U.S. District Court", "Eastern District of Virginia - (Alexandria)", "vaed"),
        ("U.S. District Court", "Western District of Virginia", "vawd"),
        ("U.S. District Court", "Northern District of West Virginia", "wvnd"),
        ("U.S. District Court", "District of New Jersey", "njd"),
        ("U.S. District Court", "Northern Mariana Islands", "nmid"),
        ("U.S. Bankruptcy Court", "District of the Northern Mariana Islands", "nmib"),
        ("U.S. District Court", "District of Columbia", "dcd"),
        ("U.S. Bankruptcy Court", "District of Columbia", "dcb"),
        ("U.S. Bankruptcy Court", "District of Kansas", "ksb"),
        ("U.S. Bankruptcy Court", "Western District of Arkansas", "arwb"),
        ("U.S. Bankruptcy Court", "District of the Virgin Islands", "vib"),
        ("U.S. Bankruptcy Court", "District of Guam", "gub"),
        ("U.S. Bankruptcy Court", "Southern District of Texas (Houston)", "txsb"),
        ("United States Bankruptcy Court for the District of Arizona", "", "azb"),
        ("U.S. Court of Appeals", "Ninth Circuit", "ca9"),
        ("U.S. Court of Appeals", "for the 11th Circuit", "ca11"),
        ("U.S. Court of Appeals", "D.C. Circuit", "cadc"),
    ],
)
def test_court_from_header(court_line: str, district_line: str, expected: str) -> None:
    assert court_from_header(court_line, district_line) == expected


@pytest.mark.parametrize(
    ("court_line", "district_line"),
    [
        ("U.S. District Court", "District of California"),  # four districts: which one?
        ("U.S. Bankruptcy Court", "Northern District of Colorado"),  # no such district
        ("U.S. Bankruptcy Court", "Northern Southern District of Texas"),
        ("", "District of Colorado"),  # which kind of court?
        ("Superior Court", "County of Alameda"),
        ("U.S. Bankruptcy Court", ""),
        ("U.S. Court of Appeals", "Fourteenth Circuit"),
    ],
)
def test_court_from_header_names_no_court_when_the_lines_do_not(
    court_line: str, district_line: str
) -> None:
    assert court_from_header(court_line, district_line) is None


@pytest.mark.parametrize(
    ("court_line", "expected"),
    [
        ("U.S. Bankruptcy Court", CourtType.BANKRUPTCY),
        ("United States Bankruptcy Court", CourtType.BANKRUPTCY),
        ("U.S. District Court", CourtType.DISTRICT),
        ("United States Court of Appeals", CourtType.APPELLATE),
        ("Superior Court of California", CourtType.UNKNOWN),
    ],
)
def test_header_court_type(court_line: str, expected: CourtType) -> None:
    assert header_court_type(court_line) is expected


@pytest.mark.parametrize(
    ("court_id", "expected"),
    [
        ("canb", CourtType.BANKRUPTCY),
        ("CANB", CourtType.BANKRUPTCY),
        ("cand", CourtType.DISTRICT),
        ("ca9", CourtType.APPELLATE),
        ("cafc", CourtType.APPELLATE),
        ("xyzb", CourtType.UNKNOWN),
        ("", CourtType.UNKNOWN),
        (None, CourtType.UNKNOWN),
    ],
)
def test_court_type(court_id: str | None, expected: CourtType) -> None:
    assert court_type(court_id) is expected
    assert is_court_id(court_id) is (expected is not CourtType.UNKNOWN)


def test_official_names() -> None:
    assert court_name("caeb") == (
        "United States Bankruptcy Court for the Eastern District of California"
    )
    assert court_name("dcd") == "United States District Court for the District of Columbia"
    assert court_name("ca2") == "United States Court of Appeals for the Second Circuit"
    assert court_name("nope") is None


@pytest.mark.parametrize(
    ("doc_id", "expected"),
    [
        ("034012345678", "canb"),
        ("032098765432", "caeb"),
        ("038040602882", "cob"),
        ("9730105877880", "cacb"),
        ("127031722970", "nysd"),
        ("999012345678", None),  # a court we have not seen: no guess
        ("1760", None),  # too short to be a real id
        ("03401234567x", None),
    ],
)
def test_court_from_doc_id(doc_id: str, expected: str | None) -> None:
    assert court_from_doc_id(doc_id) == expected
