"""The console driven with Textual's pilot: each test is one behaviour, checked on screen and in the file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from textual import events
from textual.command import CommandPalette
from textual.keys import _character_to_key
from textual.widgets import Input, Tabs, TextArea

from incident_console.desk import Desk
from incident_console.domain.model import NewEntry, Severity, Status
from incident_console.domain.text import visible
from incident_console.store import storage, vouched
from incident_console.store.repository import Repository
from incident_console.ui import app as app_module
from incident_console.ui.app import IncidentConsole
from incident_console.ui.commands import ACTIONS, key_label
from incident_console.ui.screens.form import FormScreen
from incident_console.ui.screens.help import HelpScreen
from incident_console.ui.screens.main import MainScreen
from incident_console.ui.widgets.composer import Composer

from ..reliability.harness import screen_lines
from .conftest import (
    SIZE,
    FakeClipboard,
    choose,
    declare,
    kinds_on_disk,
    log_rows,
    log_view,
    notices,
    on_disk,
    open_form,
    text_of,
    type_into,
    wait_for,
    wait_saved,
)


def disk_full(path: Path, payload: bytes) -> None:
    raise OSError(28, "No space left on device")


class TestEmptyFile:
    async def test_pane_says_there_is_no_incident(self, make_app):
        app = make_app()
        async with app.run_test(size=SIZE):
            assert "No active incident" in text_of(app, "#incident-pane")
            assert "No incident: no timers." in text_of(app, "#sla-board")

    async def test_acknowledge_without_incident_warns_and_writes_nothing(self, make_app, state_file):
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("a")
            await pilot.pause()
            assert [n.severity for n in notices(app)] == ["warning"]
            assert "press d to declare" in notices(app)[0].message
            assert not app.saver.pending()
        assert not state_file.exists() or on_disk(state_file).incidents == ()


class TestDeclareAndAcknowledge:
    async def test_declare_form_saves_title_and_severity(self, make_app, state_file, clock):
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await declare(pilot, "Checkout 500s", "P1")
            (incident,) = on_disk(state_file).incidents
            assert (incident.id, incident.title, incident.severity) == ("INC-1", "Checkout 500s", Severity.P1)
            assert incident.detected_at == clock.now
            pane = text_of(app, "#incident-pane")
            assert "INC-1" in pane
            assert "Checkout 500s" in pane
            assert "P1 Critical" in pane
            assert "Declared INC-1." in [n.message for n in notices(app)]

    async def test_acknowledge_meets_the_acknowledge_timer(self, make_app, desk, state_file, clock):
        desk.declare("Checkout returns 500", Severity.P1)
        clock.advance(minutes=2)
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            assert "Acknowledge" in text_of(app, "#sla-board")
            assert "left" in text_of(app, "#sla-board").splitlines()[1]
            await pilot.press("a")
            await wait_saved(pilot)
            incident = on_disk(state_file).incidents[0]
            assert incident.acknowledged_at == clock.now
            assert kinds_on_disk(state_file, "ack") == ["Acknowledged by alice"]
            assert [r.kind for r in log_rows(app)] == ["declare", "ack"]
            board = text_of(app, "#sla-board").splitlines()
            assert board[1].startswith("Acknowledge  ✔ met 03:02:00")


class TestLogEntry:
    async def test_enter_saves_the_exact_text(self, make_app, desk, state_file):
        desk.declare("Checkout returns 500", Severity.P1)
        text = "api-7f9c: 12% -> 3% [ok]"
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("l")
            await pilot.press(*text)
            await pilot.press("enter")
            await wait_saved(pilot)
            assert kinds_on_disk(state_file, "note") == [text]
            last = log_rows(app)[-1]
            assert (last.kind, last.text, last.pending) == ("note", text, False)
            entry = app.main.query_one("#log-input", Input)
            # The line closes once saved: the next l opens a new one, and is not typed into the old.
            assert entry.value == "" and not entry.display and not entry.has_focus
            await pilot.press("l", *"second", "enter")
            await wait_saved(pilot)
            assert kinds_on_disk(state_file, "note") == [text, "second"]

    async def test_escape_keeps_the_draft(self, make_app, desk, state_file):
        desk.declare("Checkout returns 500", Severity.P1)
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("l", *"half a thought")
            await pilot.press("escape")
            await pilot.pause()
            entry = app.main.query_one("#log-input", Input)
            assert not entry.display
            assert kinds_on_disk(state_file, "note") == []
            await pilot.press("l")
            assert entry.display and entry.has_focus
            assert entry.value == "half a thought"
            await pilot.press(*", finished", "enter")
            await wait_saved(pilot)
            assert kinds_on_disk(state_file, "note") == ["half a thought, finished"]


def burst(app, keys: str | list[str]) -> None:
    """Keys arriving together, as from a fast typist or keystrokes batched over a slow SSH link:
    all are queued to the app before the first is handled (pilot.press waits after each key)."""
    for key in keys:
        character = key if len(key) == 1 else None
        app.post_message(events.Key(_character_to_key(key) if character else key, character))


class TestTypingAhead:
    async def test_text_typed_right_after_l_goes_into_the_entry(self, make_app, desk, state_file):
        desk.declare("Checkout returns 500", Severity.P1)
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            burst(app, [*"lrestarted pods in eu-west-1", "enter"])
            await wait_for(pilot, lambda: kinds_on_disk(state_file, "note") != [])  # the keys act in turn
            await wait_saved(pilot)
            assert isinstance(app.screen, MainScreen)  # no letter was taken for a command
            assert kinds_on_disk(state_file, "note") == ["restarted pods in eu-west-1"]

    async def test_a_filter_typed_right_after_slash_goes_into_the_filter(self, make_app, desk):
        desk.declare("Checkout returns 500", Severity.P1)
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            burst(app, "/kind:declare")
            await wait_for(pilot, lambda: bool(app.main.query("#log-filter")))
            await wait_for(pilot, lambda: app.main.query_one("#log-filter", Input).value == "kind:declare")
            assert isinstance(app.screen, MainScreen)

    async def test_keys_typed_while_the_console_starts_run_once_it_is_open(self, desk, clipboard, state_file):
        desk.declare("Checkout returns 500", Severity.P1)

        class TypedAhead(IncidentConsole):
            def on_mount(self) -> None:  # typed before the screen is drawn; Enter arrives as a newline
                burst(self, [*"lrolled back before the screen came up", "ctrl+j"])

        app = TypedAhead(desk, clipboard=clipboard, verify_on_open=False)
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: kinds_on_disk(state_file, "note") != [])
            assert kinds_on_disk(state_file, "note") == ["rolled back before the screen came up"]
            assert isinstance(app.screen, MainScreen)

    async def test_text_typed_right_after_a_form_key_goes_into_the_form(self, make_app, desk, state_file):
        desk.declare("Checkout returns 500", Severity.P1)
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            burst(app, [*"epayments", "tab", *"auth timeouts", "enter"])
            await wait_for(pilot, lambda: kinds_on_disk(state_file, "escalation") != [])  # the keys act in turn
            await wait_saved(pilot)
            assert kinds_on_disk(state_file, "escalation") == ["Escalated to payments: auth timeouts"]
            assert isinstance(app.screen, MainScreen)


class TestForms:
    async def test_respond_logs_the_runbook_action(self, make_app, desk, state_file):
        desk.declare("Checkout returns 500", Severity.P1)
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await open_form(pilot, "r")
            await choose(pilot, "action", "Rollback")
            await type_into(pilot, "#field-detail", "api to v142")
            await pilot.press("ctrl+s")
            await wait_saved(pilot)
            assert kinds_on_disk(state_file, "action") == ["Rollback: api to v142"]
            assert log_rows(app)[-1].text == "Rollback: api to v142"

    async def test_escalate_logs_to_whom_and_why(self, make_app, desk, state_file):
        desk.declare("Checkout returns 500", Severity.P1)
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await open_form(pilot, "e")
            await pilot.press(*"payments")  # the first field has the focus
            await type_into(pilot, "#field-why", "auth timeouts")
            await pilot.press("enter")  # Enter in an Input saves the form
            await wait_saved(pilot)
            assert kinds_on_disk(state_file, "escalation") == ["Escalated to payments: auth timeouts"]
            assert log_rows(app)[-1].kind == "escalation"

    async def test_escape_keeps_a_form_draft(self, make_app, desk, state_file):
        desk.declare("Checkout returns 500", Severity.P1)
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await open_form(pilot, "e")
            await pilot.press(*"pay", "escape")
            assert not isinstance(app.screen, FormScreen)
            form = await open_form(pilot, "e")
            box = form.query_one("#field-to", Input)
            assert box.has_focus and box.value == "pay"
            await pilot.press(*"ments", "tab", *"auth", "ctrl+s")
            await wait_saved(pilot)
            assert kinds_on_disk(state_file, "escalation") == ["Escalated to payments: auth"]

    async def test_severity_change_needs_and_logs_a_reason(self, make_app, desk, state_file):
        desk.declare("Checkout returns 500", Severity.P2)
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            form = await open_form(pilot, "s")
            await choose(pilot, "severity", "P1")
            await pilot.press("ctrl+s")
            assert app.screen is form
            assert "Reason is required." in str(form.query_one("#error-reason").render())
            await type_into(pilot, "#field-reason", "all regions")
            await pilot.press("ctrl+s")
            await wait_saved(pilot)
            incident = on_disk(state_file).incidents[0]
            assert (incident.severity, incident.peak_severity) == (Severity.P1, Severity.P1)
            assert kinds_on_disk(state_file, "severity") == ["Severity P2 -> P1: all regions"]
            assert "P1 Critical" in text_of(app, "#incident-pane")

    async def test_status_change_is_logged(self, make_app, desk, state_file):
        desk.declare("Checkout returns 500", Severity.P1)
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await open_form(pilot, "u")
            await choose(pilot, "status", "identified")
            await type_into(pilot, "#field-note", "bad deploy")
            await pilot.press("ctrl+s")
            await wait_saved(pilot)
            assert on_disk(state_file).incidents[0].status is Status.IDENTIFIED
            assert kinds_on_disk(state_file, "status") == ["Status: investigating -> identified: bad deploy"]
            assert "Identified" in text_of(app, "#incident-pane")

    async def test_reopening_a_resolved_incident_needs_a_reason(self, make_app, desk, state_file):
        desk.declare("Checkout returns 500", Severity.P1)
        desk.set_status(Status.RESOLVED, note="rolled back; error rate normal")
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            form = await open_form(pilot, "u")
            await choose(pilot, "status", "investigating")
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert app.screen is form
            assert "Reason (required to reopen) is required." in str(form.query_one("#error-note").render())
            assert on_disk(state_file).incidents[0].status is Status.RESOLVED
            await type_into(pilot, "#field-note", "back again")
            await pilot.press("ctrl+s")
            await wait_saved(pilot)
            incident = on_disk(state_file).incidents[0]
            assert (incident.status, incident.resolved_at) == (Status.INVESTIGATING, None)
            assert kinds_on_disk(state_file, "status")[-1] == "Reopened: resolved -> investigating: back again"

    async def test_triage_applies_the_suggested_severity(self, make_app, desk, state_file):
        desk.declare("Checkout returns 500", Severity.P3)
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            form = await open_form(pilot, "t")
            await choose(pilot, "users", "all")
            await choose(pilot, "data_at_risk", "no")
            await choose(pilot, "transactions_failing", "yes")
            await choose(pilot, "workaround", "yes")
            assert "Suggested: P1 Critical" in str(form.query_one("#form-hint").render())
            await pilot.press("ctrl+s")
            await wait_saved(pilot)
            incident = on_disk(state_file).incidents[0]
            assert incident.severity is Severity.P1
            assert incident.triage is not None and incident.triage.transactions_failing
            (triage,) = kinds_on_disk(state_file, "triage")
            assert triage.endswith("-> suggests P1 (all users affected and transactions failing)")
            assert kinds_on_disk(state_file, "severity") == ["Severity P3 -> P1: triage suggested P1"]
            assert "Triage suggests P1 — applied." in [n.message for n in notices(app)]


class TestCopyUpdate:
    @pytest.mark.parametrize("works", [True, False], ids=["system-clipboard", "osc52-only"])
    async def test_copy_logs_the_update_and_meets_the_response_timer(self, make_app, desk, state_file, works):
        desk.declare("Checkout returns 500", Severity.P1, impact="Card payments fail", services=["checkout"])
        fake = FakeClipboard(works=works, detail="no display for a system clipboard")
        app = make_app(clipboard=fake)
        async with app.run_test(size=SIZE) as pilot:
            draft = app.main.query_one(Composer).draft.strip()
            assert "Card payments fail" in draft
            await pilot.press("y")
            await wait_for(pilot, lambda: bool(kinds_on_disk(state_file, "comms")))
            await wait_saved(pilot)
            assert app.clipboard == draft
            assert fake.texts == [draft]
            messages = [n.message for n in notices(app)]
            if works:
                assert any("copied to the clipboard" in m for m in messages), messages
            else:
                assert any("OSC 52" in m and "paste to check" in m for m in messages), messages
                assert any("no display for a system clipboard" in m for m in messages), messages
            assert kinds_on_disk(state_file, "comms") == [draft]
            assert log_rows(app)[-1].kind == "comms"
            first_update = next(line for line in text_of(app, "#sla-board").splitlines() if "First update" in line)
            assert "✔ met" in first_update

    async def test_the_cause_line_shows_for_identified_and_feeds_the_draft(self, make_app, desk):
        desk.declare("Checkout returns 500", Severity.P1)
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            assert not any(box.display for box in app.main.query("#cause"))
            await pilot.press("c")
            await pilot.pause()
            assert not any(box.display for box in app.main.query("#cause"))
        desk.set_status(Status.IDENTIFIED)  # no note: the cause is typed in the composer
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("c")
            await pilot.pause()
            cause = app.main.query_one("#cause", Input)
            assert cause.display and cause.has_focus
            await pilot.press(*"a bad deploy")
            await pilot.pause()
            assert "identified the issue as a bad deploy" in app.main.query_one(Composer).draft

    async def test_the_first_frame_shows_the_draft_and_the_editor_then_takes_it_over(self, desk, clipboard):
        desk.declare("Checkout returns 500", Severity.P1)
        at_first_frame: list[tuple[str, bool]] = []

        class Recording(IncidentConsole):
            def on_ready(self) -> None:  # the first frame has been drawn
                composer = self.main.query_one(Composer)
                previews = composer.query("#draft-preview")
                shown = str(previews.first().render()) if previews else ""
                at_first_frame.append((shown, bool(composer.query("#draft"))))

        app = Recording(desk, clipboard=clipboard, verify_on_open=False)
        async with app.run_test(size=SIZE) as pilot:
            composer = app.main.query_one(Composer)
            await wait_for(pilot, lambda: bool(composer.query("#draft")))
            await pilot.pause()
            area = composer.query_one("#draft", TextArea)
            assert not composer.query("#draft-preview")
            assert "Checkout returns 500" in area.text and not area.disabled
            held = area.text
            area.focus()
            await pilot.pause()
            await pilot.press("end", *" (more soon)")
            await pilot.pause()
            assert "Incident Update (more soon)" in composer.draft and composer.edited
        # The first frame drew the draft as text, the same words the editor then held.
        assert at_first_frame == [(held, False)]

    async def test_a_change_that_lands_while_the_editor_is_made_reaches_the_editor(self, desk, clipboard, monkeypatch):
        desk.declare("Checkout returns 500", Severity.P1)
        app = IncidentConsole(desk, clipboard=clipboard, verify_on_open=False)
        mount = Composer.mount

        def mount_then_change(composer, *widgets, **kwargs):  # type: ignore[no-untyped-def]
            done = mount(composer, *widgets, **kwargs)
            if any(isinstance(widget, TextArea) for widget in widgets):
                # Another process marks the incident identified meanwhile.
                incident = app.snapshot.incidents[0]._replace(status=Status.IDENTIFIED)
                composer._chosen_for = None  # a fresh look at the incident: the template follows its status
                composer.show(incident, desk.policy, desk.clock())
            return done

        monkeypatch.setattr(Composer, "mount", mount_then_change)
        async with app.run_test(size=SIZE) as pilot:
            composer = app.main.query_one(Composer)
            await wait_for(pilot, lambda: bool(composer.query("#draft")))
            await pilot.pause()
            area = composer.query_one("#draft", TextArea)
            assert "identified the issue" in area.text and not composer.edited
            assert composer.template_key == "identified"
            assert composer.query_one("#template").value == "identified"  # type: ignore[attr-defined]


class TestIncidents:
    async def test_n_switches_and_i_picks(self, make_app, desk, clock):
        desk.declare("Checkout returns 500", Severity.P1)
        clock.advance(minutes=1)
        desk.declare("Search is slow", Severity.P3)
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            assert "INC-2" in text_of(app, "#incident-pane")
            await pilot.press("n")
            assert "INC-1" in text_of(app, "#incident-pane")
            assert "Checkout returns 500" in text_of(app, "#incident-pane")
            assert log_rows(app)[0].text.endswith("Checkout returns 500")
            await pilot.press("n")
            assert "INC-2" in text_of(app, "#incident-pane")
            await open_form(pilot, "i")
            await choose(pilot, "incident", "INC-1")
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert not isinstance(app.screen, FormScreen)
            assert "INC-1" in text_of(app, "#incident-pane")
            assert app.incident_id == "INC-1"

    async def test_entries_written_elsewhere_appear(self, make_app, desk, state_file, clock):
        desk.declare("Checkout returns 500", Severity.P1)
        other = Desk(Repository(state_file), author="bob", clock=clock)
        app = make_app(poll_seconds=0.2)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            other.log("bob: rolled back the canary")
            await wait_for(pilot, lambda: any(r.text == "bob: rolled back the canary" for r in log_rows(app)), tries=40)
            assert log_rows(app)[-1].author == "bob"


class TestSaveFailure:
    async def test_failed_save_is_kept_shown_and_retried_once(self, make_app, desk, state_file, monkeypatch):
        desk.declare("Checkout returns 500", Severity.P1)
        monkeypatch.setattr(app_module, "RETRY_SECONDS", 0.2)
        monkeypatch.setattr(storage, "write_atomically", disk_full)
        app = make_app(poll_seconds=0.1)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("l", *"cache flushed", "enter")
            await wait_for(pilot, lambda: any(n.title == "Not saved" for n in notices(app)))
            await pilot.pause()
            row = log_rows(app)[-1]
            assert (row.text, row.pending, row.failed) == ("cache flushed", True, True)
            assert "cache flushed  [not saved" in log_view(app).render_line(len(log_rows(app)) - 1).text
            banner = text_of(app, "#banner")
            assert "NOT SAVED" in banner and "No space left on device" in banner
            assert app.main.query_one("#banner").display
            assert "Not saved" in text_of(app, "#incident-pane")
            assert kinds_on_disk(state_file, "note") == []

            monkeypatch.undo()
            monkeypatch.setattr(app_module, "RETRY_SECONDS", 0.2)
            await wait_saved(pilot)
            await wait_for(pilot, lambda: not log_rows(app)[-1].pending)
            assert kinds_on_disk(state_file, "note") == ["cache flushed"]
            assert not app.main.query_one("#banner").display
            assert [r.text for r in log_rows(app)].count("cache flushed") == 1

    async def test_quit_with_unsaved_change_asks_again(self, make_app, desk, monkeypatch):
        desk.declare("Checkout returns 500", Severity.P1)
        monkeypatch.setattr(storage, "write_atomically", disk_full)
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("l", *"cache flushed", "enter", "escape")
            await wait_for(pilot, lambda: bool(app.saver.problem))
            await pilot.press("q")
            await pilot.pause()
            assert app.is_running
            assert any("Press q again" in n.message for n in notices(app))
            await pilot.press("q")
            await pilot.pause()
            assert [c.description for c in app.unsaved_at_exit] == ["log entry"]
        assert not app.is_running


class TestBreach:
    async def test_breach_while_open_is_logged_once_and_rings(self, make_app, desk, state_file, clock, monkeypatch):
        desk.declare("Checkout returns 500", Severity.P1)
        app = make_app(poll_seconds=0.1)
        rings: list[None] = []
        monkeypatch.setattr(app, "bell", lambda: rings.append(None))
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause(0.3)
            assert kinds_on_disk(state_file, "breach") == []
            clock.advance(minutes=5, seconds=30)
            await wait_for(pilot, lambda: bool(kinds_on_disk(state_file, "breach")))
            await pilot.pause(0.5)  # several more ticks
            await wait_saved(pilot)
            assert kinds_on_disk(state_file, "breach") == ["Acknowledge deadline breached (30s overdue)"]
            assert len(rings) == 1
            assert any("Acknowledge deadline breached" in n.message for n in notices(app))
            assert "OVERDUE" in text_of(app, "#sla-board")

    async def test_breach_before_opening_is_shown_not_announced(self, make_app, desk, state_file, clock, monkeypatch):
        desk.declare("Checkout returns 500", Severity.P1)
        clock.advance(minutes=6)
        app = make_app(poll_seconds=0.1)
        rings: list[None] = []
        monkeypatch.setattr(app, "bell", lambda: rings.append(None))
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause(0.4)
            assert "OVERDUE" in text_of(app, "#sla-board")
            assert rings == []
            assert kinds_on_disk(state_file, "breach") == []


HOSTILE = "[bold]x[/] [@click=app.quit]q[/] [link=https://x]l[/] $var [/0 \x1b[31mred\x07"


class TestUntrustedText:
    async def test_markup_and_control_characters_are_shown_literally(self, make_app, desk, state_file):
        desk.declare(
            HOSTILE, Severity.P1, impact="impact " + HOSTILE, services=["svc" + HOSTILE], commander="cmd " + HOSTILE
        )
        desk.log("note " + HOSTILE)
        # Another tool may write the file without the Desk's cleaning: the screen must still be safe.
        with Repository(state_file).transaction(desk.clock()) as tx:
            tx.append(NewEntry("INC-1", "note", "raw " + HOSTILE, "tool\x1b]0;pwned\x07", desk.clock()))
        app = make_app(verify_on_open=True)
        async with app.run_test(size=(200, 40)) as pilot:  # wide enough for whole log rows
            await pilot.pause()
            assert app.is_running
            shown = visible(HOSTILE)
            assert "[bold]x[/]" in shown and "\x1b" not in shown
            pane = text_of(app, "#incident-pane")
            for expected in (shown, "impact " + shown, "svc" + shown, "cmd " + shown):
                assert expected in pane
            lines = [log_view(app).render_line(y).text for y in range(len(log_rows(app)))]
            assert any(("note " + shown) in line for line in lines), lines
            assert any(("raw " + shown) in line for line in lines), lines
            screen = app.export_screenshot()
            assert "\x1b" not in screen and "\x07" not in screen
            # The draft holds the text as written; its editor draws it visibly (the screenshot above).
            assert "svc" + HOSTILE in app.main.query_one(Composer).draft
            await pilot.click("#incident-pane", offset=(20, 2))
            await pilot.pause()
            assert app.is_running


class TestHelpAndPalette:
    async def test_help_lists_every_key(self, make_app):
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("question_mark")
            await pilot.pause()
            assert isinstance(app.screen, HelpScreen)
            await pilot.pause(0.2)
            cells = [str(c.render()) for c in app.screen.query(".help-key, .help-name")]
            for action in ACTIONS:
                assert key_label(action) in cells, key_label(action)
                assert action.title in cells, action.title
            await pilot.press("escape")
            assert not isinstance(app.screen, HelpScreen)

    async def test_the_footer_shows_the_key_of_every_runbook_action_at_120_columns(self, make_app, desk):
        desk.declare("Checkout returns 500", Severity.P1)
        app = make_app()
        async with app.run_test(size=(120, 35)) as pilot:
            await pilot.pause(0.2)
            footer = screen_lines(app)[-1]
        runbook = ["declare", "acknowledge", "triage", "log_entry", "respond", "escalate", "severity", "status"]
        runbook += ["next_incident", "copy_update", "resolve", "help", "quit"]
        for action in (a for a in ACTIONS if a.action in runbook):
            assert f"{key_label(action)} {action.footer_label or action.title}" in footer, (action.key, footer)

    async def test_command_palette_runs_an_action(self, make_app, desk):
        desk.declare("Checkout returns 500", Severity.P1)
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("ctrl+p")
            await pilot.pause()
            assert isinstance(app.screen, CommandPalette)
            await pilot.press(*"escalate")
            await pilot.pause(0.3)
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, FormScreen) and app.screen.form_title == "Escalate"


class TestSizes:
    async def test_idle_console_does_not_switch_panes(self, make_app, desk, monkeypatch):
        """The tab bar and the pane selection settle after mount instead of switching back and forth."""
        desk.declare("Checkout returns 500", Severity.P1)
        calls: list[int] = []
        select = MainScreen._select_pane

        def spy(screen: MainScreen, number: int) -> None:
            calls.append(number)
            select(screen, number)

        monkeypatch.setattr(MainScreen, "_select_pane", spy)
        app = make_app()
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause(0.5)
            settled = len(calls)
            await pilot.pause(0.5)
            assert len(calls) == settled <= 3
            assert app.main.query_one("#pane-tabs", Tabs).active == "tab-action-log"

    async def test_80x24_shows_tabs_and_still_saves(self, make_app, desk, state_file):
        desk.declare("Checkout returns 500", Severity.P1)
        app = make_app()
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            tabs = app.main.query_one("#pane-tabs", Tabs)
            assert app.main.has_class("-narrow")
            assert tabs.display and tabs.region.height > 0
            assert tabs.active == "tab-action-log"
            assert log_view(app).region.height > 0
            assert app.main.query_one("#incident-pane").region.height == 0
            await pilot.press("l", *"narrow works", "enter", "escape")
            await wait_saved(pilot)
            assert kinds_on_disk(state_file, "note") == ["narrow works"]
            await pilot.press("1")
            await pilot.pause()
            assert tabs.active == "tab-incident-pane"
            assert app.main.query_one("#incident-pane").region.height > 0

    async def test_narrowed_after_start_shows_tabs_on_the_chosen_pane(self, make_app, desk):
        desk.declare("Checkout returns 500", Severity.P1)
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("2")
            await pilot.resize_terminal(80, 24)
            await pilot.pause()
            tabs = app.main.query_one("#pane-tabs", Tabs)
            assert app.main.has_class("-narrow")
            assert tabs.display and tabs.region.height > 0 and tabs.has_focus
            assert tabs.active == "tab-sla-board"
            assert app.main.query_one("#sla-board").region.height > 0
            assert log_view(app).region.height == 0
            await pilot.press("right")
            await pilot.pause()
            assert tabs.active == "tab-action-log"
            assert log_view(app).region.height > 0
            await pilot.resize_terminal(*SIZE)
            await pilot.pause()
            assert not app.main.has_class("-narrow") and not tabs.display
            assert app.main.query_one("#incident-pane").region.height > 0

    async def test_40x12_opens_and_takes_keys(self, make_app, desk, state_file):
        desk.declare("Checkout returns 500", Severity.P1)
        app = make_app()
        async with app.run_test(size=(40, 12)) as pilot:
            await pilot.press("a")
            await wait_saved(pilot)
            await pilot.press("question_mark")
            await pilot.pause()
            await pilot.press("escape", "d")
            await pilot.pause()
            assert isinstance(app.screen, FormScreen)
            await pilot.press("escape")
            assert app.is_running
        assert on_disk(state_file).incidents[0].acknowledged_at is not None


class TestLogView:
    async def test_filter_by_kind_and_clear(self, make_app, desk):
        desk.declare("Checkout returns 500", Severity.P1)
        desk.acknowledge()
        desk.log("first note")
        desk.log("second note")
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            assert len(log_rows(app)) == 4
            await pilot.press("slash", *"kind:ack")
            await pilot.pause()
            assert [r.kind for r in log_rows(app)] == ["ack"]
            assert "filter: kind:ack (1 shown)" in text_of(app, "#log-title")
            await pilot.press(*["backspace"] * len("kind:ack"))
            await pilot.pause()
            assert [r.kind for r in log_rows(app)] == ["declare", "ack", "note", "note"]
            await pilot.press(*"second")
            await pilot.pause()
            assert [r.text for r in log_rows(app)] == ["second note"]

    async def test_z_toggles_local_time(self, make_app, desk):
        desk.declare("Checkout returns 500", Severity.P1)
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            assert log_view(app).local_time is False
            assert "(times UTC)" in text_of(app, "#sla-board")
            await pilot.press("z")
            assert log_view(app).local_time is True
            assert "(local time)" in text_of(app, "#sla-board")
            await pilot.press("z")
            assert log_view(app).local_time is False


def fill_log(desk: Desk, entries: int) -> None:
    """Add ``entries`` notes to INC-1 in one save (a long log, as after a long incident)."""
    incident = desk.incident()
    with desk.repository.transaction(desk.clock()) as tx:
        for number in range(1, entries + 1):
            text = f"note {number} " + "x" * 300
            tx.append(NewEntry(incident.id, "note", text, "bob", incident.detected_at))


async def text_over_the_main_screen(app: IncidentConsole) -> str:
    """Run ``app`` until a screen opens over the main screen; what is drawn then."""
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: not isinstance(app.screen, MainScreen))
        await pilot.pause()
        return "\n".join(screen_lines(app))


class TestLongLog:
    """A long log: the first frame is drawn from its newest part, and the rest is read right after."""

    async def test_the_first_frame_shows_the_newest_entries_then_the_whole_log_is_read(
        self, desk, clipboard, clock, state_file
    ):
        desk.declare("Checkout returns 500", Severity.P1)
        fill_log(desk, 1500)
        os.remove(vouched.record_path(str(state_file)))  # not recorded as checked: read whole after the first frame
        first_frame: list[list[str]] = []

        class Recording(IncidentConsole):
            def on_ready(self) -> None:
                first_frame.append(screen_lines(self))

        opened = Desk(Repository(state_file), author="alice", clock=clock)  # as another process opens it
        app = Recording(opened, clipboard=clipboard, verify_on_open=False)
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: "1501 entries" in text_of(app, "#log-title"))
            assert len(log_rows(app)) == 1501
            assert log_rows(app)[0].kind == "declare"
        shown = "\n".join(first_frame[0])
        assert "reading the rest of the log" in shown
        assert "note 1500 xxx" in shown and "note 1499 xxx" in shown

    async def test_keys_typed_before_the_whole_log_is_read_act_on_the_whole_log(
        self, desk, clipboard, clock, state_file
    ):
        desk.declare("Checkout returns 500", Severity.P1)
        fill_log(desk, 1500)

        class TypedAhead(IncidentConsole):
            def on_mount(self) -> None:  # keys already waiting when the console starts
                burst(self, [*"w"])

        opened = Desk(Repository(state_file), author="alice", clock=clock)
        app = TypedAhead(opened, clipboard=clipboard, verify_on_open=False)
        assert "1501 entries since the incident began" in await text_over_the_main_screen(app)

    async def test_a_handoff_before_the_newest_part_still_opens_the_review(self, desk, clipboard, clock):
        desk.declare("Checkout returns 500", Severity.P1)
        desk.handoff("carol")
        fill_log(desk, 1500)
        carol = Desk(Repository(desk.repository.path), author="carol", clock=clock)
        app = IncidentConsole(carol, clipboard=clipboard, verify_on_open=False)
        assert "1502 entries since the incident began" in await text_over_the_main_screen(app)

    async def test_a_malformed_entry_found_after_the_first_frame_closes_the_console(self, desk, clipboard, state_file):
        desk.declare("Checkout returns 500", Severity.P1)
        fill_log(desk, 1500)
        broken = state_file.read_bytes().replace(b'"5":{"id":5,', b'"5":{"id":"five",', 1)
        assert broken != state_file.read_bytes()
        state_file.write_bytes(broken)
        app = IncidentConsole(Desk(Repository(state_file), author="alice"), clipboard=clipboard, verify_on_open=False)
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: not app.is_running)
        assert app.refused is not None and "malformed log entry" in app.refused
        assert app.return_code == 1
        assert state_file.read_bytes() == broken
