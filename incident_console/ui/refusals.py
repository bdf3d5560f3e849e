"""A refusal from the Desk in the console's words: what to fill in, and where, by field or key.

The Desk's sentences name no command-line flag; the console has none, so it names its own way.
"""

from __future__ import annotations

# By (change, what the refusal wants); a change not listed falls back to what is wanted alone.
_WHERE: dict[tuple[str, str], str] = {
    ("status change", "reason"): "write it in the Reason field of the status form (u)",
    ("severity change", "reason"): "write it in the Reason field of the severity form (s)",
    ("resolve", "reason"): "write it in the Reason field (r on the Resolve checklist)",
    ("post-mortem complete", "reason"): "press m again and write the reason",
}
_ANY: dict[str, str] = {
    "reason": "write it in the form's Reason field",
    "to": "write who takes over in the Hand over to field (h)",
    "cause": "write it in the cause line of the composer (4)",
    "incident": "press d to declare one",
    "started_at": "check the Impact started field (d)",
}


def console_words(message: str, wants: str, change: str = "") -> str:
    """``message`` with how to put it right in the console, when the refusal says what it wants."""
    where = _WHERE.get((change, wants)) or _ANY.get(wants)
    return f"{message}: {where}" if where else message
