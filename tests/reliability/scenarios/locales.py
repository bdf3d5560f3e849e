"""Locale and machine scenarios: a C locale, non-ASCII text, and files read under other time zones."""

from __future__ import annotations

import json
from pathlib import Path

from incident_console.domain.text import escape_json
from incident_console.store.repository import Repository
from tests.reliability.harness import (
    Result,
    Tally,
    child_env,
    json_times,
    one_line_error,
    run_cli,
)

TITLE_TEXT = "Café down 🔥 naïve — שלום עולם"
NOTE_TEXT = "Ürün ☕ مرحبا 日本語 \u202eRTL\u202c 👩‍💻 ok"
C_NOTE_TEXT = "from a C locale: é ☃ 👍"


def locale_roundtrip(workdir: Path, trials: int = 1, *, seed: int | None = None, strict: bool = False) -> Result:
    """A file written under LC_ALL=C.UTF-8 with non-ASCII text, read and appended to under LC_ALL=C with
    UTF-8 mode off: no crash, the text round-trips byte-exact, the chain verifies. A file written under
    TZ=Asia/Tokyo reads the same under TZ=America/Los_Angeles."""
    tally = Tally(strict)
    for trial in range(trials):
        folder = workdir / f"locale-{trial}"
        folder.mkdir(parents=True)
        with tally.trial(f"trial {trial}: C locale"):
            path = folder / "incidents.json"
            utf8 = child_env(folder, LC_ALL="C.UTF-8", LANG="C.UTF-8")
            plain_c = child_env(folder, LC_ALL="C", LANG="C", PYTHONUTF8="0", PYTHONIOENCODING=None)
            for args in (("new", TITLE_TEXT, "--severity", "P2", "--impact", NOTE_TEXT), ("log", NOTE_TEXT)):
                done = run_cli(path, *args, workdir=folder, env=utf8)
                assert done.returncode == 0, done.stderr
            for args in (("show",), ("list",), ("handoff", "--to", "bob"), ("postmortem",), ("log", C_NOTE_TEXT)):
                done = run_cli(path, *args, workdir=folder, env=plain_c)
                err = done.stderr.decode("utf-8", "replace")
                assert done.returncode == 0, f"`{args[0]}` under LC_ALL=C: exit {done.returncode}: {err}"
                assert "Traceback" not in err
            done = run_cli(path, "show", "--json", workdir=folder, env=plain_c)
            assert done.returncode == 0, done.stderr
            shown = json.loads(done.stdout)
            assert shown["incident"]["title"] == TITLE_TEXT, shown["incident"]["title"]
            assert [e["text"] for e in shown["log"] if e["kind"] == "note"] == [NOTE_TEXT, C_NOTE_TEXT]
            raw = path.read_bytes()
            for text in (TITLE_TEXT, NOTE_TEXT, C_NOTE_TEXT):
                # As UTF-8, not \u escapes; only characters that could drive a terminal are escaped.
                stored = escape_json(text).encode("utf-8")
                assert stored in raw, f"{text!r} is not in the file as UTF-8"
            done = run_cli(path, "verify", workdir=folder, env=plain_c)
            assert done.returncode == 0, done.stderr
            assert Repository(path).verify() is None

        with tally.trial(f"trial {trial}: time zones"):
            path = folder / "tokyo.json"
            tokyo = child_env(folder, TZ="Asia/Tokyo")
            steps = (
                ("new", "Login fails", "--severity", "P1", "--started-at", "2026-11-27T10:00+09:00",
                 "--detected-at", "2026-11-27T10:05+09:00"),
                ("ack",),
                ("log", "backfilled in Tokyo", "--at", "2026-11-27T10:30:00+09:00"),
                ("log", "relative in Tokyo", "--at", "-90m"),
            )  # fmt: skip
            for args in steps:
                done = run_cli(path, *args, workdir=folder, env=tokyo)
                assert done.returncode == 0, done.stderr
            shows = {}
            for zone in ("Asia/Tokyo", "America/Los_Angeles"):
                done = run_cli(path, "show", "--json", workdir=folder, env=child_env(folder, TZ=zone))
                assert done.returncode == 0, done.stderr
                shows[zone] = json_times(json.loads(done.stdout))
            assert shows["Asia/Tokyo"] == shows["America/Los_Angeles"], "show --json differs between time zones"
            incident = shows["Asia/Tokyo"]["incident"]
            assert incident["detected_at"] == "2026-11-27T01:05:00Z", incident["detected_at"]
            assert incident["started_at"] == "2026-11-27T01:00:00Z", incident["started_at"]
            backfilled = next(e for e in shows["Asia/Tokyo"]["log"] if e["text"] == "backfilled in Tokyo")
            assert backfilled["at"] == "2026-11-27T01:30:00Z", backfilled
            # An offset that puts the moment outside the calendar in UTC: refused like any bad time.
            before = path.read_bytes()
            for edge in ("0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"):
                done = run_cli(path, "log", "edge", "--at", edge, workdir=folder, env=tokyo)
                one_line_error(done.stderr, status=done.returncode)
                assert done.returncode == 2 and path.read_bytes() == before, f"--at {edge}: exit {done.returncode}"
    return tally.result()
