"""Making text that people or programs wrote safe to store and to show on a terminal."""

from __future__ import annotations

# C0 and C1 control characters are shown as visible symbols rather than sent to the terminal:
# an ESC byte in a pasted line must never reach the screen as a control sequence.
_VISIBLE = {code: chr(0x2400 + code) for code in range(0x20)}
_VISIBLE[0x7F] = "\u2421"
_VISIBLE.update({code: "\ufffd" for code in range(0x80, 0xA0)})
_ONE_LINE = dict(_VISIBLE)
_MULTI_LINE = dict(_VISIBLE)
del _MULTI_LINE[0x0A]
del _MULTI_LINE[0x09]


def visible(text: str, *, multiline: bool = False) -> str:
    """Return ``text`` with every control character replaced by a visible stand-in.

    Newlines (and tabs) are kept only when ``multiline`` is true. Bidirectional override
    characters are kept: they are printable and the terminal shows them as text.
    """
    return text.translate(_MULTI_LINE if multiline else _ONE_LINE)


def clean_input(text: str, *, multiline: bool = False) -> str:
    """Normalise text typed or pasted by a person before it is stored.

    Carriage returns become newlines, other control characters become visible stand-ins,
    and surrounding whitespace of a one-line value is trimmed. Nothing else is changed, so
    the stored text is what the person meant to write.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not multiline:
        text = " ".join(text.split("\n")).strip()
    return visible(text, multiline=multiline)
