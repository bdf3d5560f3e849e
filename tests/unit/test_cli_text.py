"""Text through the command line: stored as written, shown with controls visible in every output, JSON
escaped and exact; text over a limit refused with one sentence and exit status 2, the file unchanged."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from incident_console.domain import limits
from incident_console.store.repository import Repository

HOSTILE = "pay \x1b[31mred\x1b[0m 👩\u200d💻 \x9b2J \u202eevil\u202c \u2066x\u2069 \u200bend"
SHOWN = "pay ␛[31mred␛[0m 👩\u200d💻 \ufffd2J \u2b1aevil\u2b1a \u2b1ax\u2b1a \u2b1aend"
NEVER_PRINTED = ("\x1b[31m", "\x9b", "\u202e", "\u202c", "\u2066", "\u2069", "\u200b")


class Cli:
    def __init__(self, tmp_path: Path) -> None:
        self.file = tmp_path / "incidents.json"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("INCIDENT_CONSOLE_")}
        self.env.update(INCIDENT_CONSOLE_USER="alice", XDG_CONFIG_HOME=str(tmp_path / "config"), HOME=str(tmp_path))
        self.cwd = tmp_path

    def __call__(
        self, *args: str, stdin: bytes = b"", env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "incident_console", "--file", str(self.file), *args],
            input=stdin,
            capture_output=True,
            cwd=self.cwd,
            env={**self.env, **(env or {})},
            timeout=60,
        )

    def ok(self, *args: str, **kwargs) -> str:
        done = self(*args, **kwargs)
        assert done.returncode == 0, done.stderr
        return done.stdout.decode()


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path)


def printed_raw(output: str) -> list[str]:
    return [raw for raw in NEVER_PRINTED if raw in output]


def test_text_from_arguments_and_stdin_is_stored_as_written(cli: Cli) -> None:
    cli.ok("new", HOSTILE, "--severity", "P1", "--impact", "impact " + HOSTILE, "--service", "svc " + HOSTILE)
    cli.ok("log", "note " + HOSTILE)
    cli.ok("log", "-", stdin=("piped " + HOSTILE + "\n").encode())
    cli.ok("postmortem", "--section", "summary", "--text", "-", stdin=("line 1\n" + HOSTILE).encode())
    snapshot = Repository(cli.file).snapshot()
    incident = snapshot.incidents[0]
    assert incident.title == HOSTILE
    assert incident.impact == "impact " + HOSTILE
    assert incident.services == ("svc " + HOSTILE,)
    assert [e.text for e in snapshot.log if e.kind == "note"] == ["note " + HOSTILE, "piped " + HOSTILE]
    assert incident.postmortem["summary"] == "line 1\n" + HOSTILE


def test_show_list_and_the_reports_print_controls_as_visible_characters(cli: Cli) -> None:
    cli.ok("new", HOSTILE, "--severity", "P1", "--service", "svc " + HOSTILE)
    cli.ok("log", "note " + HOSTILE)
    cli.ok("action", "add", "item " + HOSTILE, "--owner", "bob")
    cli.ok("postmortem", "--section", "summary", "--text", "summary " + HOSTILE)
    outputs = {
        "show": cli.ok("show"),
        "list": cli.ok("list"),
        "action list": cli.ok("action", "list"),
        "postmortem": cli.ok("postmortem"),
        "handoff": cli.ok("handoff", "--to", "bob"),
    }
    for name, output in outputs.items():
        assert not printed_raw(output), f"{name} printed {printed_raw(output)}"
    assert SHOWN in outputs["show"] and "note " + SHOWN in outputs["show"]
    assert SHOWN in outputs["list"]
    assert "item " + SHOWN in outputs["action list"]
    assert "summary " + SHOWN in outputs["postmortem"]


def test_json_output_escapes_controls_and_reads_back_exactly(cli: Cli) -> None:
    cli.ok("new", HOSTILE, "--severity", "P1")
    cli.ok("log", "note " + HOSTILE)
    cli.ok("action", "add", "item " + HOSTILE)
    read_back = {
        ("show", "--json"): lambda data: [data["incident"]["title"], data["log"][-2]["text"]],
        ("list", "--json"): lambda data: [data["incidents"][0]["title"]],
        ("action", "list", "--json"): lambda data: [data["action_items"][0]["text"]],
    }
    expected = {
        ("show", "--json"): [HOSTILE, "note " + HOSTILE],
        ("list", "--json"): [HOSTILE],
        ("action", "list", "--json"): ["item " + HOSTILE],
    }
    for args, texts in read_back.items():
        output = cli.ok(*args)
        assert not printed_raw(output), f"{args} printed {printed_raw(output)}"
        assert "\\u009b" in output and "\\u202e" in output and "\\u001b" in output
        assert "👩\u200d💻" in output  # the joiner stays as it is
        assert texts(json.loads(output)) == expected[args]


@pytest.mark.parametrize(
    ("args", "sentence"),
    [
        (("new", "t" * 201, "--severity", "P1"), "the incident title is 201 characters long; the limit is 200"),
        (("new", "ok", "--severity", "P1", "--impact", "i" * 1001), "the impact is 1,001 characters long"),
        (("new", "ok", "--severity", "P1", "--service", "s" * 101), "a service name is 101 characters long"),
        (("new", "ok", "--severity", "P1", *["--service", "s"] * 21), "21 services are named; the limit is 20"),
        (("new", "ok", "--severity", "P1", "--as", "n" * 101), "the author's name (--as) is 101 characters long"),
        (("log", "e" * 10_001), "the log entry is 10,001 characters long; the limit is 10,000"),
        (("severity", "P2", "--reason", "r" * 2001), "the reason for the severity change is 2,001 characters"),
        (("escalate", "w" * 101, "--why", "x"), "who the incident is escalated to is 101 characters long"),
        (("action", "add", "a" * 501), "the action item is 501 characters long; the limit is 500"),
        (("handoff", "--to", "h" * 101), "who takes over is 101 characters long"),
        (("postmortem", "--section", "summary", "--text", "p" * 20_001), "Summary section is 20,001 characters"),
    ],
)
def test_text_over_a_limit_is_refused_with_one_sentence_and_the_file_is_unchanged(
    cli: Cli, args: tuple[str, ...], sentence: str
) -> None:
    if args[0] != "new":
        cli.ok("new", "Checkout down", "--severity", "P1")
    before = cli.file.read_bytes() if cli.file.exists() else None
    done = cli(*args)
    assert done.returncode == 2
    stderr = done.stderr.decode()
    assert sentence in stderr
    assert stderr.count("\n") == 1 and "Traceback" not in stderr
    assert (cli.file.read_bytes() if cli.file.exists() else None) == before


def test_run_refuses_a_command_line_too_long_to_log_before_running_it(cli: Cli, tmp_path: Path) -> None:
    cli.ok("new", "Checkout down", "--severity", "P1")
    marker = tmp_path / "ran"
    done = cli("run", "--", sys.executable, "-c", f"open({str(marker)!r}, 'w')", "x" * limits.COMMAND_LINE)
    assert done.returncode == 2
    assert b"the command line is" in done.stderr and b"the limit is 9,900" in done.stderr
    assert not marker.exists()


def test_the_state_file_itself_shows_no_raw_control_when_printed_and_reads_back_exactly(tmp_path: Path) -> None:
    cli = Cli(tmp_path)
    assert cli("new", "Checkout down", "--severity", "P2").returncode == 0
    assert cli("log", HOSTILE).returncode == 0
    raw = cli.file.read_bytes().decode("utf-8")
    assert not [c for c in NEVER_PRINTED if c in raw]  # `cat incidents.json` sends none of them to the terminal
    assert "👩\u200d💻" in raw  # an emoji's joiner is no control
    assert [e.text for e in Repository(cli.file).snapshot().log if e.kind == "note"] == [HOSTILE]
    assert cli("verify").returncode == 0
