"""The console application: wires a Desk, a clock, the save queue and the clipboard to the main screen."""

from __future__ import annotations

import gc
import os
from collections.abc import Callable
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

from textual import events, on
from textual.app import App
from textual.driver import Driver
from textual.reactive import reactive
from textual.screen import Screen

from ..clipboard import BrowserClipboard, PyperclipClipboard, SystemClipboard
from ..desk import Desk
from ..domain.errors import FileProblem, InputError
from ..domain.model import Snapshot
from ..domain.pending import PendingEntry
from ..domain.text import visible
from .commands import ConsoleCommands
from .console_protocol import Console
from .copying import Copier
from .key_order import InOrder
from .refusals import console_words
from .saver import Change, Saver
from .screens.main import MainScreen
from .team import Team

RETRY_SECONDS = 3.0


def _settle_collector() -> None:
    """Collect the young generations, then set what survives aside from full collections.

    What survives a save is the log, which lives as long as the console; a full collection that
    walked it again would stall a frame by 20 ms or more with 50,000 entries.
    """
    gc.collect(1)
    gc.freeze()


class IncidentConsole(App[None]):
    """The incident console. All state is in the Desk's file; this holds only what is on screen."""

    CSS_PATH = Path(__file__).with_name("app.tcss")  # absolute, so subclasses elsewhere find it
    TITLE = "incident-console"
    COMMANDS = {ConsoleCommands}  # Textual's own commands too, after the runbook's
    ENABLE_COMMAND_PALETTE = True

    # The file's state as last read. Set from the save queue's messages, the reload and the opening;
    # the main screen watches it and redraws. Never compared: a 50,000-entry log is not walked to
    # find out whether it changed.
    snapshot: reactive[Snapshot] = reactive(Snapshot, always_update=True, init=False)

    def __init__(
        self,
        desk: Desk,
        *,
        incident_id: str | None = None,
        clipboard: SystemClipboard | None = None,
        poll_seconds: float = 1.0,
        verify_on_open: bool = True,
        served: bool = False,
        ask_name: bool = False,
    ) -> None:
        super().__init__()
        self.desk = desk
        self.clock = desk.clock
        # Served to a browser: the server's clipboard is not the person's, so only OSC 52 is used.
        self.system_clipboard = clipboard or (BrowserClipboard() if served else PyperclipClipboard())
        self.copier = Copier(self, self.system_clipboard)
        self.incident_id = incident_id
        self.drafts: dict[str, dict[str, str]] = {}
        self.chain_problem: str | None = None
        self.read_only = False
        self.saver = Saver(self._start_save_thread, self.post_message, lambda: desk.held(self.incident_id))
        # Breaches already announced (incident, timer, deadline); those overdue at the first tick are
        # shown but not announced, nor logged.
        self._breaches_seen: set[tuple[str, str, str]] = set()
        self._ticked = False
        self._poll_seconds = poll_seconds
        self._verify_on_open = verify_on_open
        self._since_retry = 0.0
        self.unsaved_at_exit: list[Change] = []
        # The Desk the console was opened on, once another file is shown (``open_read_only``).
        self._home: Desk | None = None
        # Set when the rest of a long log, read after the first frame, is refused: the console closes
        # and the command line prints it.
        self.refused: str | None = None
        # Keys and pastes from the terminal act one at a time, in the order they were typed. Those that
        # arrive before the console has finished opening (typed while it starts, or while the rest of a
        # long log is read just after the first frame) wait for it.
        self.keys = InOrder(self)
        self._opened = False
        desk.on_lock_wait(self.saver.waiting_for_lock)
        self.team = Team(
            self,
            desk,
            redraw=lambda: self.main.refresh_state(),
            on_named=self._named,
            changed=self.file_changed,
            reload=lambda: self.run_worker(
                self._reload, thread=True, group="reload", exclusive=True, exit_on_error=False
            ),
            served=served,
            ask_name=ask_name,
        )

    def get_driver_class(self) -> type[Driver]:
        driver = super().get_driver_class()
        if driver.__name__ == "LinuxDriver":  # a terminal on Linux or macOS: pastes arrive as pasted
            from .terminal_input import LiteralPasteDriver

            return LiteralPasteDriver
        return driver

    def get_default_screen(self) -> Screen[Any]:
        return MainScreen()

    async def on_event(self, event: events.Event) -> None:
        if self.keys.take(event):
            return  # sent on when its turn comes
        if isinstance(event, events.Ready):
            # The first frame is drawn: now the slower parts it did not need (the rest of a long
            # log, the draft's editor).
            self.call_later(self._finish_opening)
            self.call_later(self.main.make_editor)
        await super().on_event(event)

    def on_mount(self) -> None:
        # A long log: the first frame is drawn from the entries of the open incidents and the one asked
        # for, the others read when looked at (or, on a file not recorded as checked, from the newest
        # part of the log, and the rest read right after).
        self.snapshot = self.desk.newest(self.incident_id)
        # Should no first frame come (a terminal without a size), opening finishes all the same.
        self.set_timer(2.0, self._finish_opening)
        # The loaded log is long-lived: keep the collector from rescanning it on every gen-2 pass,
        # which otherwise shows up as 100 ms stalls with tens of thousands of entries.
        gc.freeze()
        self.read_only = not self.desk.writable()
        self.set_interval(self._poll_seconds, self.tick, name="clock")
        self.team.start()
        if self._verify_on_open:
            # After the first frame: checking the chain of a long log should not delay the screen.
            self.set_timer(0.5, lambda: self.run_worker(self._verify, thread=True, group="verify", exit_on_error=False))

    def _finish_opening(self) -> None:
        """After the first frame: the whole log (unless it already is), then the keys that waited."""
        if self._opened:
            return
        self._opened = True
        if not self.snapshot.whole:
            try:
                snapshot = self.desk.snapshot()
            except FileProblem as exc:
                self.refused = str(exc)
                self.exit(return_code=1)
                return
            self.show_snapshot(snapshot)
        # An Enter typed before the console had the terminal: until a program switches to raw input,
        # the terminal turns the carriage return into a newline (ctrl+j).
        self.keys.replace_held(
            [
                events.Key("enter", "\r") if isinstance(e, events.Key) and e.key == "ctrl+j" else e
                for e in self.keys.held
            ]
        )
        self.main.review_if_handed_to_me()
        self.keys.start()

    @property
    def main(self) -> MainScreen:
        screen = self.screen_stack[0]
        assert isinstance(screen, MainScreen)
        return screen

    # the clock

    def tick(self) -> None:
        """Once a second: pick up other processes' writes, retry failed saves, redraw the timers, log
        the breaches that just happened."""
        if not self.is_running:
            return  # shutting down: the screen's widgets may already be gone
        if self.file_changed():
            self.run_worker(self._reload, thread=True, group="reload", exclusive=True, exit_on_error=False)
        if self.saver.problem and self.saver.pending():
            self._since_retry += self._poll_seconds
            if self._since_retry >= RETRY_SECONDS:
                self._since_retry = 0.0
                self.saver.kick()
        now = self.clock()
        self.main.tick(now)
        self._log_breaches(now)
        self._ticked = True

    def file_changed(self) -> bool:
        """Whether the state shown is behind the file: another process wrote it, or another thread
        here read or saved a later state than the one on screen."""
        try:
            return self.desk.changed_on_disk(self.snapshot)
        except FileProblem:
            return False

    def _log_breaches(self, now: datetime) -> None:
        """A deadline of the incident on screen that passes while the console is open rings once,
        tells, and is logged once (by the Desk, through the save queue: the tick never writes)."""
        incident = self.main.incident
        if incident is None:
            return
        due = self.desk.due_breaches(incident, self.desk.timers(incident, self.snapshot, now))
        fresh = []
        for timer in due:
            key = (incident.id, timer.name, timer.due_at.isoformat() if timer.due_at else "")
            if key not in self._breaches_seen:
                self._breaches_seen.add(key)
                fresh.append(timer)
        if not fresh or not self._ticked:
            return  # already overdue when the console opened: shown, not announced
        for timer in fresh:
            self.bell()
            self.notify(f"{incident.id}: {timer.title} deadline breached.", severity="error", markup=False)
        titles = ", ".join(timer.title for timer in fresh)
        self.submit(f"log the {titles} breach", partial(self.desk.record_due_breaches, incident.id, fresh))

    def _named(self) -> None:
        """The person at a served tab said who they are: the header shows them, a handoff to them is reviewed."""
        self.main.refresh_state()
        self.main.review_if_handed_to_me()

    def _reload(self) -> None:
        try:
            snapshot = self.desk.held(self.incident_id)
        except FileProblem as exc:
            self.call_from_thread(self.notify, visible(str(exc)), severity="error", markup=False)
            return
        self.call_from_thread(self.show_snapshot, snapshot)

    def _verify(self) -> None:
        try:
            problem = self.desk.verify()
        except FileProblem as exc:
            problem = str(exc)
        if problem:
            self.call_from_thread(self._chain_broken, problem)

    def _chain_broken(self, problem: str) -> None:
        self.chain_problem = problem
        self.main.refresh_state()

    def show_snapshot(self, snapshot: Snapshot) -> None:
        """Show a state read off the UI thread, unless a later one is shown already (a save's)."""
        if snapshot.generation < self.snapshot.generation:
            return
        self.snapshot = snapshot  # the main screen redraws
        _settle_collector()

    # saving

    def submit(
        self,
        description: str,
        run: Callable[[], Any],
        *,
        entry: PendingEntry | None = None,
        on_done: Callable[[Any], object] | None = None,
    ) -> None:
        """Queue a change for the Desk; the screen shows it at once and the disk catches up."""
        if self.desk.read_only:  # a read-only view: nothing is queued, and it says so
            self.notify(f"This is a read-only view: {description} is left to those editing.", markup=False)
            return
        if self.read_only:
            self.notify(f"{self.desk.path} is read-only: {description} was not saved.", severity="error", markup=False)
        self.saver.submit(Change(description, run, entry=entry, on_done=on_done))
        self.main.refresh_state()

    def _start_save_thread(self, drain: Callable[[], None]) -> None:
        self.call_later(lambda: self.run_worker(drain, thread=True, group="save", exit_on_error=False))

    @on(Saver.Waiting)
    def _waiting_for_lock(self) -> None:
        self.main.refresh_state()  # the change stays pending, and the banner says why

    @on(Saver.Saved)
    def _saved(self, message: Saver.Saved) -> None:
        outcome = message.outcome
        with self.batch_update():
            # The new state first, for what the change's own follow-up reads (a form's checks, a
            # list); the screens redraw after it (so a declared incident is shown, not announced).
            if outcome.snapshot is not None and outcome.snapshot.generation >= self.snapshot.generation:
                self.set_reactive(IncidentConsole.snapshot, outcome.snapshot)
            if outcome.refused:
                refused = console_words(visible(outcome.refused), outcome.wants, outcome.change.description)
                self.notify(refused, title=outcome.change.description, severity="warning", markup=False)
            elif outcome.failed:
                self.notify(
                    f"{visible(outcome.failed)} — kept, retrying every {RETRY_SECONDS:.0f} s.",
                    title="Not saved",
                    severity="error",
                    markup=False,
                )
            elif outcome.change.on_done is not None:
                outcome.change.on_done(outcome.result)
            self.mutate_reactive(IncidentConsole.snapshot)
        if not (outcome.refused or outcome.failed):
            _settle_collector()

    def open_read_only(self, path: str) -> str | None:
        """Show another state file (an archive) read-only, as ``--read-only`` does; None, or why not.

        The Desk opens it; the console keeps its clock and author, and nothing it shows can be changed.
        Naming the file the console was opened on goes back to it, as it was opened."""
        if self.saver.pending():
            return "Changes are still being saved; open the file once they are."
        target = os.path.abspath(os.path.expanduser(path))
        if not os.path.isfile(target):
            return f"{path} is not a file."
        home = self._home = self._home or self.desk
        try:
            if os.path.realpath(target) == os.path.realpath(home.path):
                desk = home  # back to the file the console was opened on, as it was opened
            else:
                desk = Desk.open(target, author=self.desk.author, clock=self.clock, read_only=True)
            snapshot = desk.snapshot()
        except (FileProblem, InputError) as exc:
            return visible(str(exc))
        self.desk = desk
        self.team.follow(desk)
        self.saver = Saver(self._start_save_thread, self.post_message, desk.snapshot)
        desk.on_lock_wait(self.saver.waiting_for_lock)
        self.read_only = not desk.writable()
        self.chain_problem = None
        self.incident_id = None
        self.show_snapshot(snapshot)
        self.main.refresh_state()
        self.run_worker(self._verify, thread=True, group="verify", exit_on_error=False)
        return None

    def action_quit(self) -> None:  # type: ignore[override]
        pending = self.saver.pending()
        if pending and not self.unsaved_at_exit:
            self.unsaved_at_exit = pending
            self.notify(
                f"{len(pending)} change(s) not saved yet ({self.saver.problem or 'saving'}). "
                "Press q again to quit: they will be printed to the terminal so nothing is lost.",
                severity="warning",
                markup=False,
                timeout=10,
            )
            return
        self.unsaved_at_exit = self.saver.pending()
        # A save still waiting for the lock gives up, so it cannot land after the changes are printed.
        self.desk.stop_waiting()
        self.exit()


def _is_a_console(app: IncidentConsole) -> Console:
    """What the screens are given (mypy checks that the app is what they are typed against)."""
    return app
