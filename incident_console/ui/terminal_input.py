"""Reading the terminal so that a bracketed paste arrives whole, exactly as it was pasted.

Textual's parser reads an ESC inside a paste as the start of a key sequence: the characters after
it leave the paste and arrive as key presses (``A ESC[31mred`` became ``^[31mred`` typed before a
paste of ``A``, and a joiner in 👩‍💻 was dropped as a key that prints nothing). Here the text between
the paste's start and end markers is taken as it is and delivered as one Paste; everything else is
read by Textual's parser as before.
"""

from __future__ import annotations

import os
import selectors
from codecs import getincrementaldecoder
from collections.abc import Generator

from textual import events
from textual._loop import loop_last
from textual._parser import ParseEOF, ParseError, Peek1, Read1, TokenCallback
from textual._xterm_parser import BRACKETED_PASTE_END, BRACKETED_PASTE_START, XTermParser
from textual.drivers.linux_driver import LinuxDriver
from textual.message import Message

_START, _END = BRACKETED_PASTE_START, BRACKETED_PASTE_END


class LiteralPasteParser(XTermParser):
    """Textual's terminal parser, with what a bracketed paste holds passed through untouched."""

    def parse(self, token_callback: TokenCallback) -> Generator[Read1 | Peek1, str, None]:
        def forward(token: Message) -> None:
            # Textual's parser, told the paste has ended, reports an empty one: the paste was sent already.
            if not (isinstance(token, events.Paste) and not token.text):
                token_callback(token)

        inner = super().parse(forward)
        awaiting = next(inner)
        recent = ""
        while True:
            try:
                character = yield awaiting
            except ParseError as exc:  # a timeout (a lone ESC is the Escape key) or the end of input
                try:
                    awaiting = inner.throw(exc)
                except StopIteration:
                    return
                continue
            try:
                awaiting = inner.send(character)
            except StopIteration:
                return
            recent = (recent + character)[-len(_START) :]
            if recent != _START:
                continue
            recent = ""
            pasted: list[str] = []
            while True:
                try:
                    pasted.append((yield self.read1()))
                except ParseEOF:
                    token_callback(events.Paste("".join(pasted).replace("\x00", "")))
                    return
                if len(pasted) >= len(_END) and pasted[-1] == "~" and "".join(pasted[-len(_END) :]) == _END:
                    break
            # NUL is dropped as Textual drops it: no command-line argument can carry one either.
            token_callback(events.Paste("".join(pasted[: -len(_END)]).replace("\x00", "")))
            for end_character in _END:  # Textual's parser is in its paste state: end it
                awaiting = inner.send(end_character)


class LiteralPasteDriver(LinuxDriver):
    """Textual's Linux and macOS driver, reading input with ``LiteralPasteParser``."""

    def run_input_thread(self) -> None:
        # As LinuxDriver.run_input_thread, but for the parser.
        selector = selectors.SelectSelector()
        selector.register(self.fileno, selectors.EVENT_READ)
        fileno = self.fileno
        parser = LiteralPasteParser(self._debug)
        feed, tick = parser.feed, parser.tick
        decode = getincrementaldecoder("utf-8")().decode

        def process(selector_events: list[tuple[selectors.SelectorKey, int]], final: bool = False) -> None:
            for last, (_key, mask) in loop_last(selector_events):
                if mask & selectors.EVENT_READ:
                    data = decode(os.read(fileno, 1024 * 4), final=final and last)
                    if not data:
                        break
                    for event in feed(data):
                        self.process_message(event)
            for event in tick():
                self.process_message(event)

        try:
            while not self.exit_event.is_set():
                process(selector.select(0.1))
            selector.unregister(self.fileno)
            process(selector.select(0.1), final=True)
        finally:
            selector.close()
            try:
                for _event in feed(""):
                    pass
            except (EOFError, ParseError):
                pass
