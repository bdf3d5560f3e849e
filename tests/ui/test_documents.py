"""The handoff briefing and the review read as documents: rendered Markdown, people's text shown as written."""

from __future__ import annotations

import re

from incident_console.desk import Desk
from incident_console.domain.model import Severity
from incident_console.store.repository import Repository
from incident_console.ui.app import IncidentConsole
from incident_console.ui.screens.document import DocumentScreen

from ..reliability.harness import screen_lines
from .conftest import FakeClipboard, on_disk, open_form, type_into, wait_for, wait_saved

WIDE = (160, 50)
# Markdown and console markup a person might paste; each must be shown exactly as typed.
HOSTILE = ["**bold**", "_em_", "`code`", "[link](http://evil.example)", "<b>html</b>", "&lt;", "[red]m[/]", "~~s~~"]


def shown(app: IncidentConsole) -> str:
    """The lines the document's box shows (its thick border drawn as █ on either side)."""
    lines = [line for line in screen_lines(app) if line.count("█") >= 2]
    return "\n".join(line[line.index("█") + 1 : line.rindex("█")].strip() for line in lines)


def rows_listed(app: IncidentConsole) -> list[list[str]]:
    """The rows of the tables the document shows, each as its cells' text."""
    from incident_console.ui.widgets.document_view import DocumentTable

    return [row for table in app.screen.query(DocumentTable) for row in table.rows]


async def open_document(pilot, app: IncidentConsole) -> DocumentScreen:  # type: ignore[no-untyped-def]
    await wait_for(pilot, lambda: isinstance(app.screen, DocumentScreen))
    await pilot.pause(0.2)
    assert isinstance(app.screen, DocumentScreen)
    return app.screen


class TestBriefing:
    async def test_the_briefing_is_rendered_and_what_people_wrote_is_literal(self, make_app, desk, clipboard):
        desk.declare("Checkout " + " ".join(HOSTILE[:4]), Severity.P1)
        desk.log("tried " + " ".join(HOSTILE[4:]), kind="action")
        desk.log("- is it the " + " ".join(HOSTILE[:3]), kind="question")
        app = make_app()
        async with app.run_test(size=WIDE) as pilot:
            await open_form(pilot, "h")
            await type_into(pilot, "#field-to", "bob")
            await pilot.press("ctrl+s")
            await wait_saved(pilot)
            screen = await open_document(pilot, app)
            top = shown(app)
            await pilot.press("end")  # the document has the focus: its keys scroll it
            await pilot.pause(0.2)
            text = top + "\n" + shown(app)
            lines = text.splitlines()
            assert "Where it stands" in lines and "Open questions" in lines
            assert "##" not in text and "\\" not in text and "**From:**" not in text
            for piece in HOSTILE:
                assert piece in text, f"{piece!r} is not shown as written"
            assert "- is it the **bold** _em_ `code`" in text  # a leading "-" stays a dash, not a bullet
            await pilot.press("y")
            await wait_for(pilot, lambda: bool(clipboard.texts))
            assert clipboard.texts[-1] == screen.markdown
            assert screen.markdown.startswith("# Handoff: INC-1")
            assert "\n## Where it stands\n" in screen.markdown

    async def test_what_i_would_do_next_goes_into_the_briefing_and_the_log(self, make_app, desk):
        desk.declare("Checkout returns 500", Severity.P1)
        app = make_app()
        async with app.run_test(size=WIDE) as pilot:
            await open_form(pilot, "h")
            await type_into(pilot, "#field-to", "bob")
            await type_into(pilot, "#field-notes", "- ask db-oncall about **replica lag**")
            await pilot.press("ctrl+s")
            await wait_saved(pilot)
            await open_document(pilot, app)
            lines = shown(app).splitlines()
            at = lines.index("What I would do next / open threads")
            assert "- ask db-oncall about **replica lag**" in [line for line in lines[at + 1 : at + 4] if line]
        handoff = on_disk(desk.repository.path).log[-1]
        assert handoff.kind == "handoff"
        threads = "Next / open threads: - ask db-oncall about **replica lag**"
        assert handoff.text == f"Handed off from alice to bob\n{threads}"


class TestReview:
    async def test_after_the_first_handoff_the_review_says_it_is_the_whole_log_and_lists_it(
        self, desk, clipboard, clock
    ):
        desk.declare("Checkout returns 500", Severity.P1)
        for n in range(19):
            desk.log(f"note {n}")
        desk.handoff("bob")
        app = IncidentConsole(Desk(Repository(desk.repository.path), author="bob", clock=clock), clipboard=clipboard)
        async with app.run_test(size=WIDE) as pilot:
            await open_document(pilot, app)
            said = re.search(r"(\d+) entries (since [^.]*)\.", shown(app))
            assert said is not None
            assert said[2] == "since the incident began"
            assert int(said[1]) == 21 == len(rows_listed(app))
            assert [row[2] for row in rows_listed(app)][:2] == ["declare", "note"]

    async def test_after_a_second_handoff_the_review_lists_exactly_the_shift_it_names(self, desk, clipboard, clock):
        desk.declare("Checkout returns 500", Severity.P1)
        desk.log("alice's shift")
        desk.handoff("bob")
        clock.advance(minutes=40)
        bob = Desk(Repository(desk.repository.path), author="bob", clock=clock)
        bob.log("bob's shift")
        bob.handoff("carol")
        carol = Desk(Repository(desk.repository.path), author="carol", clock=clock)
        app = IncidentConsole(carol, clipboard=FakeClipboard(), verify_on_open=False)
        async with app.run_test(size=WIDE) as pilot:
            await open_document(pilot, app)
            text = shown(app)
            assert "2 entries since alice handed off to bob at 2026-11-28 03:00 UTC." in text
            assert [row[3] for row in rows_listed(app)] == ["bob's shift", "Handed off from bob to carol"]
            assert "alice's shift" not in text


class TestPostmortem:
    async def test_the_post_mortem_keeps_its_lines(self, make_app, desk):
        desk.declare("Checkout returns 500", Severity.P1)
        desk.write_postmortem_section("summary", "The pool shrank.\nCheckout failed for 20 minutes.")
        app = make_app()
        async with app.run_test(size=WIDE) as pilot:
            await pilot.press("p")
            await open_document(pilot, app)
            lines = shown(app).splitlines()
            assert "The pool shrank." in lines and "Checkout failed for 20 minutes." in lines
            assert any(line.startswith("Duration: ") for line in lines)
            assert "Incident Post-Mortem" in lines
