"""Keys and pastes act in the order they were typed, one at a time, whatever the machine's load.

Textual hands each key to the focused widget's own queue as it arrives and goes on to the next
key at once. Keys that arrive together (a fast typist, keystrokes batched over a slow SSH link,
a busy machine that reads the terminal late) can then overtake each other: a binding such as
ctrl+s or Enter checked by the app acts before the letters queued ahead of it have reached the
field, and a key that opens a form is followed by letters sent to the widget that had the focus
before the form was there.

``InOrder`` holds the terminal's keys and pastes in one queue and lets the next one go only when
the one before it has been handled: every message it caused, on every screen, has been
processed, and any screen it opened is mounted and focused.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Iterator
from typing import Any

from textual import events
from textual.app import App
from textual.message_pump import MessagePump

# Enough for any chain of messages one key starts (open a form, mount it, focus its field).
_MAX_ROUNDS = 40
# Only stops a key from waiting for ever on a widget that never goes quiet; no key takes this long.
_ROUND_TIMEOUT_S = 10.0


class InOrder:
    """The app's terminal input, released one event at a time."""

    def __init__(self, app: App[Any]) -> None:
        self._app = app
        self._waiting: deque[events.Event] = deque()
        self._released: set[int] = set()
        self._wake = asyncio.Event()
        self._started = False
        # An event the app is handling now, let through as it arrived because nothing was before it.
        self._in_hand = False
        self._idle = True  # no event sent in turn is being handled

    def take(self, event: events.Event) -> bool:
        """Called with every event the app receives; True when the event is held to be sent in turn."""
        if not isinstance(event, (events.Key, events.Paste)) or event.is_forwarded:
            return False
        if id(event) in self._released:
            self._released.discard(id(event))
            return False  # its turn: the app handles it as usual
        self._wake.set()
        if self._started and not self._waiting and not self._in_hand and self._idle:
            # Nothing ahead of it: handled now, as it arrived; the next waits until it is done.
            self._in_hand = True
            return False
        self._waiting.append(event)
        return True

    @property
    def held(self) -> list[events.Event]:
        """What is waiting, oldest first (before ``start``, everything typed so far)."""
        return list(self._waiting)

    def replace_held(self, events_: list[events.Event]) -> None:
        self._waiting = deque(events_)

    def start(self) -> None:
        """Begin sending what was held, then every later event as its turn comes (until the app exits,
        which cancels its workers)."""
        if not self._started:
            self._started = True
            self._app.run_worker(self._send_in_turn(), name="keys in order", group="keys", exit_on_error=False)

    async def _send_in_turn(self) -> None:
        app = self._app
        while True:
            if self._in_hand:
                self._idle = False
                await self._handled()
                self._in_hand = False
                self._idle = True
                continue
            if not self._waiting:
                self._wake.clear()
                await self._wake.wait()
                continue
            event = self._waiting.popleft()
            self._released.add(id(event))
            self._idle = False
            if not app.post_message(event):
                self._released.discard(id(event))
                return  # the app is closing
            await self._handled()
            self._idle = True

    async def _handled(self) -> None:
        """Wait until every message pump of the app and its screens has nothing left to do."""
        app = self._app
        for _ in range(_MAX_ROUNDS):
            stack = list(app.screen_stack)
            if not await _each_pump_done(list(_pumps(app))):
                return  # a pump that never goes quiet: let the next key go rather than hold every key
            if not app.is_running:
                return
            if list(app.screen_stack) == stack and not any(_busy(pump) for pump in _pumps(app)):
                return


async def _each_pump_done(pumps: list[MessagePump]) -> bool:
    """Wait until each pump has processed what it held when called; False on the time-out."""
    done = asyncio.Event()
    remaining = 0

    def one_done() -> None:
        nonlocal remaining
        remaining -= 1
        if remaining == 0:
            done.set()

    for pump in pumps:
        if pump.call_later(one_done):
            remaining += 1
    if not remaining:
        return True
    try:
        await asyncio.wait_for(done.wait(), _ROUND_TIMEOUT_S)
    except TimeoutError:
        return False
    return True


def _pumps(app: App[Any]) -> Iterator[MessagePump]:
    yield app
    for screen in app.screen_stack:
        yield from screen.walk_children(with_self=True)


def _busy(pump: MessagePump) -> bool:
    if not pump._message_queue.empty() or pump._next_callbacks:
        return True
    callbacks = getattr(pump, "_callbacks", None)  # a screen's callbacks waiting for its next refresh
    return bool(callbacks) and isinstance(callbacks, list)
