"""The one rule for text people or programs wrote: stored as written, shown so it cannot act on a terminal.

Text is kept exactly as it came in (only line breaks are normalised), whichever way it came: a
command-line argument, a line typed or pasted in the console, a form field, the composer, a
post-mortem section. Every output draws it through ``visible()``, which replaces each character
that could drive the terminal, reorder the text around it or hide text with a visible stand-in:

- C0 controls (ESC, BEL, ...) and DEL: the control pictures ␛, ␇, ..., ␡;
- C1 controls (U+0080-U+009F, e.g. U+009B, an 8-bit CSI): ``�``;
- bidirectional controls (U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069) and invisible
  characters that can hide or disguise text (zero-width space U+200B, soft hyphen U+00AD, word
  joiner and invisible operators U+2060-U+2064, the deprecated format characters U+206A-U+206F,
  U+FEFF, the interlinear annotation marks U+FFF9-U+FFFB, the line and paragraph separators
  U+2028-U+2029, the Hangul fillers and U+180E, the musical format characters U+1D173-U+1D17A,
  and tag characters U+E0000-U+E007F outside an emoji flag): ``⬚``.

What emoji and scripts need is left alone: the zero-width joiner U+200D (👩‍💻), the non-joiner
U+200C, variation selectors, and the tag characters of a flag such as 🏴󠁧󠁢󠁳󠁣󠁴󠁿. Each character
is replaced by exactly one character, so positions in the text and in what is shown are the same.
"""

from __future__ import annotations

import re

CONTROL_PICTURE_DEL = "\u2421"
C1_STAND_IN = "\ufffd"
FORMAT_STAND_IN = "\u2b1a"  # DOTTED SQUARE: how Unicode's charts draw an invisible format character

_FORMAT_RANGES = (
    (0x00AD, 0x00AD),
    (0x061C, 0x061C),
    (0x115F, 0x1160),
    (0x180E, 0x180E),
    (0x200B, 0x200B),
    (0x200E, 0x200F),
    (0x2028, 0x202E),
    (0x2060, 0x2064),
    (0x2066, 0x206F),
    (0x3164, 0x3164),
    (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0),
    (0xFFF9, 0xFFFB),
    (0x1D173, 0x1D17A),
)
FORMAT_CODES = frozenset(code for low, high in _FORMAT_RANGES for code in range(low, high + 1))
C1_CODES = frozenset(range(0x80, 0xA0))

_VISIBLE: dict[int, str] = {code: chr(0x2400 + code) for code in range(0x20)}
_VISIBLE[0x7F] = CONTROL_PICTURE_DEL
_VISIBLE.update({code: C1_STAND_IN for code in C1_CODES})
_VISIBLE.update({code: FORMAT_STAND_IN for code in FORMAT_CODES})
_ONE_LINE = dict(_VISIBLE)
_MULTI_LINE = dict(_VISIBLE)
del _MULTI_LINE[0x0A]
del _MULTI_LINE[0x09]

# Tag characters spell the region of a subdivision flag (🏴 + tags + CANCEL TAG); anywhere else they
# are invisible text.
_TAGS = re.compile("(\U0001f3f4[\U000e0020-\U000e007e]+\U000e007f)|[\U000e0000-\U000e007f]")
# What visible() replaces (tags wherever they are) and json.dumps leaves as it is: JSON escapes C0
# controls in strings itself, and the newlines and spaces between its values are its own.
_UNSAFE = re.compile(
    "[\x7f-\x9f"
    + "".join(re.escape(chr(low)) + "-" + re.escape(chr(high)) for low, high in _FORMAT_RANGES)
    + "\U000e0000-\U000e007f]"
)
_TRIM = " \t\n\r\u00a0\u1680\u202f\u205f\u3000" + "".join(map(chr, range(0x2000, 0x200B)))
_LINE_BREAK = re.compile("\r\n|\r")


def _tag(match: re.Match[str]) -> str:
    return match.group(1) or FORMAT_STAND_IN


def visible(text: str, *, multiline: bool = False) -> str:
    """Return ``text`` with every character that could act on the terminal, reorder the text or hide
    text replaced by a visible stand-in, one character for one (see the module's docstring).

    Newlines (and tabs) are kept only when ``multiline`` is true.
    """
    shown = text.translate(_MULTI_LINE if multiline else _ONE_LINE)
    if shown and max(shown) >= "\U000e0000":
        shown = _TAGS.sub(_tag, shown)
    return shown


def escape_json(encoded: str) -> str:
    """JSON text (from ``json.dumps``) with every character ``visible()`` would replace written as a
    ``\\u`` escape: a terminal showing the JSON never receives them, and it decodes to the same text."""
    return _UNSAFE.sub(lambda m: "".join(f"\\u{unit:04x}" for unit in _utf16(m.group())), encoded)


def _utf16(char: str) -> tuple[int, ...]:
    code = ord(char)
    if code < 0x10000:
        return (code,)
    code -= 0x10000
    return (0xD800 + (code >> 10), 0xDC00 + (code & 0x3FF))


def clean_input(text: str, *, multiline: bool = False) -> str:
    """Text typed or pasted by a person, as it is stored: exactly as written but for line breaks.

    Carriage returns become newlines; a one-line value has its lines joined by spaces and the
    spaces around it trimmed. Control and format characters are kept (outputs show them with
    ``visible()``), so what is stored is what the person wrote.
    """
    text = _LINE_BREAK.sub("\n", text)
    if not multiline:
        text = " ".join(text.split("\n")).strip(_TRIM)
    return text
