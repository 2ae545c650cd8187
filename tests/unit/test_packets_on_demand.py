"""A poll draws the clerks' PDF packets only when someone receives them.

A packet (a cover sheet and every PDF merged, in a bounded child) costs more than the
rest of a request's handling. Without a clerks' address and without a served summaries
folder (`[clerks] base_url`) nobody receives it: the poll draws the page alone, the page
says how to draw the packet, and `intake requests summary N` draws it on demand.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from intake.commands.cli import main
from intake.edges.mail.maildir import deliver
from intake.edges.state_layout import StateLayout
from intake.edges.store import RequestStatus, Store
from intake.service.clerk_files import owed_pages

ROOT = Path(__file__).resolve().parents[2]
COMPLETE = ROOT / "fixtures" / "eml" / "complete-mixed-courts.eml"


def polled(tmp_path: Path, clerks: str = "") -> tuple[Path, StateLayout]:
    mail = tmp_path / "mail"
    deliver(mail, COMPLETE.read_bytes())
    config = tmp_path / "intake.toml"
    config.write_text(
        f'state_dir = "{tmp_path / "state"}"\n[source]\nmaildir = "{mail}"\n' + clerks
    )
    assert main(["poll", "--once", "--config", str(config)]) == 0
    return config, StateLayout(tmp_path / "state")


def the_request(layout: StateLayout) -> int:
    with Store.open(layout.root) as store:
        (request,) = store.requests.all()
        assert request.status is RequestStatus.COMPLETE
        return request.id


def test_without_a_receiver_the_poll_draws_the_page_and_says_how_to_draw_the_packet(
    tmp_path: Path,
) -> None:
    _, layout = polled(tmp_path)
    request_id = the_request(layout)
    page = layout.summary_page(request_id)
    assert page.is_file()
    assert not layout.summary_packet(request_id).exists()
    text = page.read_text()
    assert f"intake requests summary {request_id}" in text
    assert 'id="packet"' not in text  # no link to a file that is not there


def test_a_packet_not_drawn_is_not_owed_but_a_stale_one_is(tmp_path: Path) -> None:
    """`owed_pages` (the next poll's catch-up, `intake state check`): a page newer than
    its request without a packet is drawn; with a packet older than the request, not."""
    _, layout = polled(tmp_path)
    request_id = the_request(layout)
    page, packet = layout.summary_page(request_id), layout.summary_packet(request_id)
    with Store.open(layout.root) as store:
        request = store.requests.get(request_id)
        assert request is not None
        updated = dt.datetime.fromisoformat(request.updated_at).timestamp()
        os.utime(page, (updated + 5, updated + 5))  # drawn well after the request changed
        assert owed_pages(store) == []
        packet.write_bytes(b"%PDF-1.4 drawn before the request changed")
        os.utime(packet, (updated - 60, updated - 60))
        assert owed_pages(store) == [request_id]


def test_requests_summary_draws_the_packet_and_the_page_links_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config, layout = polled(tmp_path)
    request_id = the_request(layout)
    capsys.readouterr()
    assert main(["requests", "summary", str(request_id), "--config", str(config)]) == 0
    packet = layout.summary_packet(request_id)
    assert packet.read_bytes().startswith(b"%PDF-")
    assert str(packet) in capsys.readouterr().out
    assert f'href="{packet.name}"' in layout.summary_page(request_id).read_text()


@pytest.mark.parametrize(
    "clerks",
    [
        '[clerks]\naddresses = ["clerks@canb.test"]\n',
        '[clerks]\nbase_url = "https://intake.canb.test/summaries/"\n',
    ],
    ids=["clerks' address", "served summaries"],
)
def test_with_a_receiver_the_poll_draws_the_packet(tmp_path: Path, clerks: str) -> None:
    _, layout = polled(tmp_path, clerks)
    request_id = the_request(layout)
    packet = layout.summary_packet(request_id)
    assert packet.read_bytes().startswith(b"%PDF-")
    assert f'href="{packet.name}"' in layout.summary_page(request_id).read_text()


def test_a_page_drawn_without_a_packet_removes_the_one_drawn_before(tmp_path: Path) -> None:
    """A packet drawn on demand shows the request as it was: once the page is drawn
    again without one (the request changed), the old packet goes."""
    config, layout = polled(tmp_path)
    request_id = the_request(layout)
    assert main(["requests", "summary", str(request_id), "--config", str(config)]) == 0
    assert layout.summary_packet(request_id).exists()
    # A clerk's decision changes the request; its page is drawn again, as a poll would.
    assert (
        main(
            [
                "requests",
                "decide",
                str(request_id),
                "--not-count",
                "2",
                "--reason",
                "filed by a paralegal",
                "--config",
                str(config),
            ]
        )
        == 0
    )
    assert not layout.summary_packet(request_id).exists()
    assert f"intake requests summary {request_id}" in layout.summary_page(request_id).read_text()
