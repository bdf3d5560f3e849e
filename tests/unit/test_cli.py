"""Every command through a real ``python -m incident_console`` process.

Each test has its own state file in ``tmp_path`` and its own environment (no user config is
read, the author is alice), so the tests share nothing and may run in parallel.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from incident_console.desk import Desk
from incident_console.domain.model import Severity
from incident_console.domain.sla import TIMER_NAMES
from incident_console.store.repository import Repository

TIMER_KEYS = {"name", "state", "due_at", "remaining_s", "met_at", "ended_by"}


class Cli:
    def __init__(self, tmp_path: Path) -> None:
        self.tmp = tmp_path
        self.file = tmp_path / "incidents.json"
        env = {k: v for k, v in os.environ.items() if not k.startswith("INCIDENT_CONSOLE_")}
        env.update(
            INCIDENT_CONSOLE_USER="alice",
            XDG_CONFIG_HOME=str(tmp_path / "config"),
            XDG_DATA_HOME=str(tmp_path / "data"),
            HOME=str(tmp_path),
        )
        self.env = env

    def __call__(
        self, *args: str, file: bool = True, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        argv = [sys.executable, "-m", "incident_console"]
        if file:
            argv += ["--file", str(self.file)]
        return subprocess.run(
            [*argv, *args],
            capture_output=True,
            text=True,
            cwd=self.tmp,
            env={**self.env, **(env or {})},
            timeout=30,
        )

    def ok(self, *args: str, **kwargs: Any) -> str:
        result = self(*args, **kwargs)
        assert result.returncode == 0, (result.returncode, result.stdout, result.stderr)
        assert result.stderr == ""
        return result.stdout

    def fails(self, code: int, *args: str, **kwargs: Any) -> str:
        """Run a command that must fail: the exit status, one line on stderr, no traceback."""
        result = self(*args, **kwargs)
        assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
        lines = result.stderr.splitlines()
        assert len(lines) == 1, result.stderr
        assert lines[0].strip()
        assert result.stderr.endswith("\n")
        assert "Traceback" not in result.stderr + result.stdout
        return lines[0]

    def show(self, *args: str) -> dict[str, Any]:
        return json.loads(self.ok("show", "--json", "--lines", "1000", *args))

    def declare(self, title: str = "Checkout errors", severity: str = "P3", **options: Any) -> str:
        """Set up an incident in-process (``new`` itself is tested through the command line)."""
        desk = Desk(Repository(self.file), author="alice")
        return desk.declare(title, Severity.parse(severity), **options).id

    def raw(self) -> dict[str, Any]:
        """The state file as JSON, read without starting a process."""
        return json.loads(self.file.read_text()) if self.file.exists() else {}

    def log_kinds(self) -> list[str]:
        log = self.raw().get("log", {})
        return [log[key]["kind"] for key in sorted(log, key=int)]


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path)


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


def timers_of(shown: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {t["name"]: t for t in shown["timers"]}


# --- new, list, show --------------------------------------------------------------------------------


def test_new_prints_the_next_id(cli: Cli) -> None:
    assert cli.ok("new", "API down", "--severity", "P1") == "INC-1\n"
    assert cli.ok("new", "Search slow", "--severity", "p3") == "INC-2\n"
    assert cli.file.exists()


def test_new_with_every_option(cli: Cli) -> None:
    out = cli.ok(
        "new",
        "Payments failing",
        "--severity",
        "2",
        "--impact",
        "cards declined",
        "--service",
        "payments",
        "--service",
        "checkout",
        "--commander",
        "carol",
        "--started-at",
        "-30m",
        "--detected-at",
        "-10m",
    )
    assert out == "INC-1\n"
    incident = cli.show()["incident"]
    assert incident["severity"] == "P2"
    assert incident["impact"] == "cards declined"
    assert incident["services"] == ["payments", "checkout"]
    assert incident["commander"] == "carol"
    detected, declared = moment(incident["detected_at"]), moment(incident["declared_at"])
    assert abs((declared - detected) - timedelta(minutes=10)) < timedelta(seconds=5)
    assert abs((detected - moment(incident["started_at"])) - timedelta(minutes=20)) < timedelta(seconds=5)


@pytest.mark.parametrize(
    "args",
    [
        ["new", "API down", "--severity", "P9"],
        ["new", "API down"],
        ["new", "   ", "--severity", "P1"],
        ["new", "API down", "--severity", "P1", "--detected-at", "2099-01-01T00:00:00Z"],
        ["new", "API down", "--severity", "P1", "--detected-at", "-10m", "--started-at", "-5m"],
        ["new", "API down", "--severity", "P1", "--detected-at", "2026-01-05T13:04:00"],
        ["new", "API down", "--severity", "P1", "--started-at", "yesterday"],
    ],
)
def test_new_refuses_bad_input(cli: Cli, args: list[str]) -> None:
    cli.fails(2, *args)
    assert not cli.raw().get("incidents")


def test_list_text_and_json(cli: Cli) -> None:
    assert cli.ok("list") == f"No incidents in {cli.file}\n"
    assert json.loads(cli.ok("list", "--json")) == {"incidents": []}
    cli.declare("API down", "P1")
    cli.declare("Search slow", "P3")
    lines = cli.ok("list").splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("INC-1") and "P1" in lines[0] and "investigating" in lines[0]
    assert lines[0].endswith("API down")
    assert lines[1].startswith("INC-2") and lines[1].endswith("Search slow")
    data = json.loads(cli.ok("list", "--json"))
    assert [(i["id"], i["severity"], i["title"]) for i in data["incidents"]] == [
        ("INC-1", "P1", "API down"),
        ("INC-2", "P3", "Search slow"),
    ]


def test_show_text(cli: Cli) -> None:
    assert "No incidents in" in cli.ok("show")
    cli.declare("API down", "P1", impact="all requests fail")
    out = cli.ok("show")
    assert out.startswith("INC-1  P1 (Service down, data loss)  investigating\n")
    assert "  API down\n" in out
    assert "impact: all requests fail" in out
    assert "commander: alice" in out
    for title in ("Acknowledge", "Triage", "First update", "Next update", "Monitoring", "Post-mortem"):
        assert title in out
    assert "left  due" in out
    assert "Log (last 1 of 1)" in out
    assert "declare" in out


def test_show_json_shape(cli: Cli) -> None:
    cli.declare("API down", "P1")
    shown = cli.show()
    assert set(shown) == {"incident", "timers", "log", "clock_problems", "head", "alerts"}
    assert shown["alerts"] == []
    assert shown["incident"]["id"] == "INC-1"
    assert [t["name"] for t in shown["timers"]] == list(TIMER_NAMES)
    for timer in shown["timers"]:
        assert set(timer) == TIMER_KEYS
    timers = timers_of(shown)
    ack = timers["acknowledge"]
    assert ack["state"] == "pending"
    assert moment(ack["due_at"]) == moment(shown["incident"]["detected_at"]) + timedelta(minutes=5)
    assert 0 < ack["remaining_s"] <= 300
    assert ack["met_at"] is None
    assert timers["next_update"] == {
        "name": "next_update",
        "state": "not_applicable",
        "due_at": None,
        "remaining_s": None,
        "met_at": None,
        "ended_by": None,
    }
    [declared] = shown["log"]
    assert declared["kind"] == "declare"
    assert declared["author"] == "alice"
    assert declared["backfilled"] is False
    assert len(declared["hash"]) == 64


def test_show_lines_limits_the_log(cli: Cli) -> None:
    cli.declare("API down", "P1")
    cli.ok("log", "one")
    cli.ok("log", "two")
    shown = json.loads(cli.ok("show", "--json", "--lines", "1"))
    assert [e["text"] for e in shown["log"]] == ["two"]
    text = cli.ok("show", "--lines", "0")
    assert "Log (last 0 of 3)" in text
    assert "two" not in text


def test_show_json_lines_zero_prints_no_entries(cli: Cli) -> None:
    cli.declare("API down", "P1")
    cli.ok("log", "one")
    shown = json.loads(cli.ok("show", "--json", "--lines", "0"))
    assert shown["log"] == []


def test_show_json_without_incidents_fails(cli: Cli) -> None:
    assert "no incident" in cli.fails(2, "show", "--json")


# --- log ---------------------------------------------------------------------------------------------


def test_log_kinds(cli: Cli) -> None:
    cli.declare("API down", "P1")
    assert cli.ok("log", "looked at dashboards") == "INC-1 #2\n"
    assert cli.ok("log", "--kind", "action", "drained node 3") == "INC-1 #3\n"
    assert cli.ok("log", "--kind", "comms", "We are investigating.\nMore soon.") == "INC-1 #4\n"
    shown = cli.show()
    assert [e["kind"] for e in shown["log"]] == ["declare", "note", "action", "comms"]
    assert shown["log"][-1]["text"] == "We are investigating.\nMore soon."
    timers = timers_of(shown)
    assert timers["response"]["state"] == "met"
    assert timers["response"]["met_at"] == shown["log"][-1]["at"]
    assert timers["next_update"]["state"] == "pending"


def test_log_at_backfills(cli: Cli) -> None:
    cli.declare("API down", "P1", detected_at=datetime.now(UTC) - timedelta(hours=1))
    cli.ok("log", "restarted api", "--at", "-20m")
    cli.ok("log", "now entry", "--at", "now")
    back, now_entry = cli.show()["log"][-2:]
    assert back["backfilled"] is True
    gap = moment(back["recorded_at"]) - moment(back["at"])
    assert timedelta(minutes=19, seconds=55) < gap < timedelta(minutes=20, seconds=5)
    assert now_entry["backfilled"] is False
    assert "backfilled, written" in cli.ok("show")


def test_log_at_with_iso_offset(cli: Cli) -> None:
    cli.declare("API down", "P1")
    when = (datetime.now().astimezone() - timedelta(hours=1)).replace(microsecond=0)
    cli.ok("log", "earlier", "--at", when.isoformat())
    entry = cli.show()["log"][-1]
    assert moment(entry["at"]) == when
    assert entry["at"].endswith("Z")


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["log", "x", "--at", "2026-01-05T13:04:00"], "offset"),
        (["log", "x", "--at", "soon"], "'soon'"),
        (["log", "x", "--at", "2099-01-01T00:00:00Z"], "future"),
        (["log", "x", "--kind", "ack"], "'ack'"),
        (["log", "x", "--corrects", "99"], "99"),
        (["log", "   "], "empty"),
        (["log"], "text"),
    ],
)
def test_log_refuses_bad_input(cli: Cli, args: list[str], fragment: str) -> None:
    cli.declare("API down", "P1")
    assert fragment in cli.fails(2, *args)
    assert cli.log_kinds() == ["declare"]


def test_log_corrects_an_earlier_entry(cli: Cli) -> None:
    cli.declare("API down", "P1")
    cli.ok("log", "rolled back v41")
    cli.ok("log", "--kind", "correction", "--corrects", "2", "it was v42")
    assert cli.show()["log"][-1]["corrects"] == 2


# --- ack, triage, severity, status ---------------------------------------------------------------------


def test_ack_once(cli: Cli) -> None:
    cli.declare("API down", "P1")
    assert cli.ok("ack") == "INC-1 acknowledged\n"
    assert "already acknowledged" in cli.fails(2, "ack")
    shown = cli.show()
    assert timers_of(shown)["acknowledge"]["state"] == "met"
    assert [e["kind"] for e in shown["log"]].count("ack") == 1


def test_triage_suggests_and_applies(cli: Cli) -> None:
    cli.declare("Payments failing", "P3")
    answers = ["--users", "many", "--data-at-risk", "no", "--transactions-failing", "yes", "--workaround", "yes"]
    assert cli.ok("triage", *answers) == "P2 suggested (use --apply to set it): transactions failing\n"
    assert cli.show()["incident"]["severity"] == "P3"
    assert cli.ok("triage", *answers, "--apply") == "P2 applied: transactions failing\n"
    shown = cli.show()
    assert shown["incident"]["severity"] == "P2"
    assert shown["incident"]["triage"]["transactions_failing"] is True
    assert timers_of(shown)["triage"]["state"] == "met"
    assert [e["kind"] for e in shown["log"]] == ["declare", "triage", "triage", "severity"]


def test_triage_json(cli: Cli) -> None:
    cli.declare("Outage", "P3")
    out = cli.ok(
        "triage",
        "--users",
        "all",
        "--data-at-risk",
        "no",
        "--transactions-failing",
        "no",
        "--workaround",
        "no",
        "--json",
        "--apply",
    )
    assert json.loads(out) == {
        "incident": "INC-1",
        "suggested": "P1",
        "rule": "all users affected and no workaround",
        "applied": True,
        "severity": "P1",
    }


@pytest.mark.parametrize(
    "answers",
    [
        ["--users", "some", "--data-at-risk", "no", "--transactions-failing", "no", "--workaround", "no"],
        ["--users", "all", "--data-at-risk", "maybe", "--transactions-failing", "no", "--workaround", "no"],
        ["--users", "all", "--data-at-risk", "no", "--transactions-failing", "", "--workaround", "no"],
        ["--users", "all", "--data-at-risk", "no", "--transactions-failing", "no"],
    ],
)
def test_triage_refuses_bad_answers(cli: Cli, answers: list[str]) -> None:
    cli.declare()
    cli.fails(2, "triage", *answers)
    assert cli.raw()["incidents"]["1"]["triage"] is None


def test_severity_change(cli: Cli) -> None:
    cli.declare("Search slow", "P3")
    assert cli.ok("severity", "P1", "--reason", "checkout down too") == "INC-1 is now P1\n"
    shown = cli.show()
    assert shown["incident"]["severity"] == "P1"
    assert shown["incident"]["highest_severity"] == "P1"
    entry = shown["log"][-1]
    assert entry["kind"] == "severity"
    assert entry["details"] == {"previous": "P3", "severity": "P1"}
    assert "checkout down too" in entry["text"]


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["severity", "P1"], "--reason"),
        (["severity", "P9", "--reason", "x"], "'P9'"),
        (["severity", "P1", "--reason", "  "], "reason"),
        (["severity", "P3", "--reason", "same"], "already P3"),
    ],
)
def test_severity_refuses(cli: Cli, args: list[str], fragment: str) -> None:
    cli.declare("Search slow", "P3")
    assert fragment in cli.fails(2, *args)
    assert cli.raw()["incidents"]["1"]["severity"] == "P3"


def test_status_through_resolution_and_reopen(cli: Cli) -> None:
    cli.declare("API down", "P1")
    assert cli.ok("status", "identified") == "INC-1 is now identified\n"
    assert cli.ok("status", "monitoring") == "INC-1 is now monitoring\n"
    assert timers_of(cli.show())["monitoring"]["state"] == "pending"
    assert "cannot be resolved yet" in cli.fails(2, "status", "resolved")
    assert cli.ok("status", "resolved", "--note", "customer confirmed") == "INC-1 is now resolved\n"
    shown = cli.show()
    assert shown["incident"]["resolved_at"] is not None
    timers = timers_of(shown)
    assert timers["monitoring"]["state"] == "breached"  # resolved well inside the 30-minute watch
    assert timers["postmortem"]["state"] == "pending"

    assert cli.fails(2, "status", "investigating").endswith("needs a reason: give it with --reason TEXT")
    assert "already resolved" in cli.fails(2, "status", "resolved")
    assert "'done'" in cli.fails(2, "status", "done")
    assert cli.ok("status", "investigating", "--reason", "errors are back") == "INC-1 is now investigating\n"
    shown = cli.show()
    assert shown["incident"]["resolved_at"] is None
    assert shown["log"][-1]["text"] == "Reopened: resolved -> investigating: errors are back"
    assert [e["kind"] for e in shown["log"]].count("status") == 4


# --- commander, escalate, respond ----------------------------------------------------------------------


def test_commander(cli: Cli) -> None:
    cli.declare("API down", "P1")
    assert cli.ok("commander", "bob") == "INC-1 commander: bob\n"
    shown = cli.show()
    assert shown["incident"]["commander"] == "bob"
    assert shown["log"][-1]["details"] == {"previous": "alice", "commander": "bob"}
    cli.fails(2, "commander", " ")


def test_escalate(cli: Cli) -> None:
    cli.declare("API down", "P1")
    assert cli.ok("escalate", "db team", "--why", "replica lag") == "INC-1 #2\n"
    entry = cli.show()["log"][-1]
    assert entry["kind"] == "escalation"
    assert entry["text"] == "Escalated to db team: replica lag"
    assert entry["details"] == {"to": "db team"}
    assert "--why" in cli.fails(2, "escalate", "db team")


def test_respond(cli: Cli) -> None:
    cli.declare("API down", "P1")
    assert cli.ok("respond", "Rollback", "deploy 42") == "INC-1 #2\n"
    assert cli.ok("respond", "Disable feature flag", "new-checkout") == "INC-1 #3\n"
    log = cli.show()["log"]
    assert [(e["kind"], e["text"], e["details"]) for e in log[1:]] == [
        ("action", "Rollback: deploy 42", {"action": "Rollback"}),
        ("action", "Disable feature flag: new-checkout", {"action": "Disable feature flag"}),
    ]
    assert "'Nuke'" in cli.fails(2, "respond", "Nuke", "everything")
    cli.fails(2, "respond", "Rollback", "")
    assert cli.log_kinds() == ["declare", "action", "action"]


# --- run ----------------------------------------------------------------------------------------------------


def test_run_passes_output_and_exit_status_through(cli: Cli) -> None:
    cli.declare("API down", "P1")
    result = cli("run", "--", "sh", "-c", "echo out; echo err >&2; exit 3")
    assert result.returncode == 3
    assert result.stdout == "out\n"
    assert result.stderr == "err\n"
    entry = cli.show()["log"][-1]
    assert entry["kind"] == "command"
    assert entry["details"]["exit_status"] == 3
    assert entry["details"]["argv"] == ["sh", "-c", "echo out; echo err >&2; exit 3"]
    assert entry["text"].startswith("$ sh -c 'echo out; echo err >&2; exit 3' -> exit 3")
    assert moment(entry["details"]["started_at"]) <= moment(entry["details"]["ended_at"])


def test_run_success(cli: Cli) -> None:
    cli.declare("API down", "P1")
    assert cli.ok("run", "--", "echo", "hello", "--file", "x") == "hello --file x\n"
    assert cli.show()["log"][-1]["details"]["exit_status"] == 0


def test_run_killed_by_a_signal(cli: Cli) -> None:
    cli.declare("API down", "P1")
    result = cli("run", "--", "sh", "-c", "kill -TERM $$")
    assert result.returncode == 128 + 15
    assert cli.show()["log"][-1]["kind"] == "command"


def test_run_missing_command_is_127_and_logged(cli: Cli) -> None:
    cli.declare("API down", "P1")
    line = cli.fails(127, "run", "--", "no-such-command-xyz", "--flag")
    assert "'no-such-command-xyz'" in line and "not found" in line
    entry = cli.show()["log"][-1]
    assert entry["kind"] == "command"
    assert entry["details"]["exit_status"] == 127


def test_run_not_executable_is_126_and_logged(cli: Cli) -> None:
    cli.declare("API down", "P1")
    script = cli.tmp / "fix.sh"
    script.write_text("#!/bin/sh\necho fixed\n")
    script.chmod(0o644)
    line = cli.fails(126, "run", "--", str(script))
    assert "not executable" in line
    assert cli.show()["log"][-1]["details"]["exit_status"] == 126


def test_run_interrupted_by_ctrl_c_is_still_logged(cli: Cli) -> None:
    cli.declare("API down", "P1")
    started = cli.tmp / "started"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "incident_console",
            "--file",
            str(cli.file),
            "run",
            "--",
            "sh",
            "-c",
            f"touch {started}; sleep 20",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=cli.tmp,
        env=cli.env,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 15
        while not started.exists() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert started.exists(), process.communicate(timeout=15) if process.poll() is not None else "not started"
        os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C at the terminal does
        _, err = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert process.returncode == 130
    assert "Traceback" not in err
    entry = cli.show()["log"][-1]
    assert entry["kind"] == "command"
    assert entry["details"]["exit_status"] in (-signal.SIGINT, 128 + signal.SIGINT)


def test_run_refuses_without_command_or_incident(cli: Cli) -> None:
    marker = cli.tmp / "ran"
    assert "no incident" in cli.fails(2, "run", "--", "touch", str(marker))
    assert not marker.exists()
    cli.declare("API down", "P1")
    cli.fails(2, "run")
    cli.fails(2, "run", "--")
    assert cli.log_kinds() == ["declare"]


# --- where, verify ---------------------------------------------------------------------------------------------


def test_where_prints_the_path(cli: Cli) -> None:
    assert cli.ok("where") == f"{cli.file}\n"
    assert not cli.file.exists()
    other = cli.tmp / "from-env.json"
    assert cli.ok("where", file=False, env={"INCIDENT_CONSOLE_FILE": str(other)}) == f"{other}\n"
    # --file wins over the environment.
    assert cli.ok("where", env={"INCIDENT_CONSOLE_FILE": str(other)}) == f"{cli.file}\n"
    # Without either, the user data folder.
    default = cli.ok("where", file=False).strip()
    assert default.endswith("incidents.json")
    assert Path(default).is_absolute()


def test_where_after_the_command(cli: Cli) -> None:
    assert cli.ok("where", "--file", "rel/state.json", file=False) == f"{cli.tmp / 'rel' / 'state.json'}\n"


def test_environment_file_is_used_by_other_commands(cli: Cli) -> None:
    other = cli.tmp / "from-env.json"
    env = {"INCIDENT_CONSOLE_FILE": str(other)}
    assert cli.ok("new", "API down", "--severity", "P1", file=False, env=env) == "INC-1\n"
    assert other.exists() and not cli.file.exists()
    assert "API down" in cli.ok("list", file=False, env=env)


def test_verify_intact_then_edited(cli: Cli) -> None:
    cli.declare("API down", "P1")
    cli.ok("log", "restarted api")
    cli.ok("ack")
    assert cli.ok("verify").startswith(f"{cli.file}: intact (3 entries")

    data = json.loads(cli.file.read_text())
    data["log"]["2"]["text"] = "did nothing"
    cli.file.write_text(json.dumps(data))
    line = cli.fails(1, "verify")
    assert "entry 2" in line
    assert str(cli.file) in line


def test_verify_detects_a_removed_last_entry(cli: Cli) -> None:
    cli.declare("API down", "P1")
    cli.ok("log", "restarted api")
    data = json.loads(cli.file.read_text())
    del data["log"]["2"]
    cli.file.write_text(json.dumps(data))
    assert "removed" in cli.fails(1, "verify")


# --- update, checklist, handoff, postmortem, action, export -----------------------------------------------------


def test_update_renders_prints_and_logs_as_sent(cli: Cli) -> None:
    cli.declare("API down", "P1", impact="all requests fail")
    result = cli("update", "initial")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "We're investigating reports of all requests fail. More updates to follow.\n"
    assert result.stderr == "incident-console: logged as sent (INC-1 #2)\n"
    shown = cli.show()
    entry = shown["log"][-1]
    assert entry["kind"] == "comms"
    assert entry["details"]["template"] == "initial"
    assert timers_of(shown)["response"]["state"] == "met"
    result = cli("update", "identified", "--cause", "a bad deploy")
    assert result.stdout == "We've identified the issue as a bad deploy. Working on a fix.\n"
    assert "'nope'" in cli.fails(2, "update", "nope")
    assert cli.log_kinds() == ["declare", "comms", "comms"]


def test_update_that_needs_a_cause_refuses_without_one(cli: Cli) -> None:
    cli.declare("API down", "P1")
    assert "--cause" in cli.fails(2, "update", "identified")
    assert cli.log_kinds() == ["declare"]


def test_identified_takes_the_cause_from_the_status_change(cli: Cli) -> None:
    cli.declare("API down", "P1", impact="all requests fail")
    cli.ok("status", "identified", "--note", "a bad deploy of api")
    result = cli("update", "identified")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "We've identified the issue as a bad deploy of api. Working on a fix.\n"
    result = cli("update", "identified", "--cause", "a full disk")
    assert result.stdout == "We've identified the issue as a full disk. Working on a fix.\n"


def test_update_still_holding_a_placeholder_is_refused_unless_forced(cli: Cli) -> None:
    cli.declare("API down", "P1")  # no impact: the update would say [Description of user impact]
    for args in (("update", "update", "--copy"), ("update", "update")):
        message = cli.fails(2, *args)
        assert "[Description of user impact]" in message and "--force" in message
    assert cli.log_kinds() == ["declare"]
    result = cli("update", "update", "--force")
    assert result.returncode == 0, result.stderr
    assert "**Impact:** [Description of user impact]" in result.stdout
    assert cli.log_kinds() == ["declare", "comms"]


def test_checklist_shows_and_ticks_verify(cli: Cli) -> None:
    cli.declare("API down", "P1")
    lines = cli.ok("checklist").splitlines()
    assert len(lines) == 4
    assert all(line.startswith("[ ] ") for line in lines)
    lines = cli.ok("checklist", "verify", "--note", "dashboards green").splitlines()
    assert lines[0].startswith("[x] Verify")
    assert all(line.startswith("[ ] ") for line in lines[1:])
    entry = cli.show()["log"][-1]
    assert entry["kind"] == "checklist"
    assert "dashboards green" in entry["text"]
    cli.fails(2, "checklist", "monitor")


def test_handoff_prints_a_briefing_and_hands_over(cli: Cli) -> None:
    cli.declare("API down", "P1")
    out = cli.ok("handoff", "--to", "bob")
    assert out.startswith("# Handoff: INC-1")
    assert "**From:** alice  **To:** bob" in out
    shown = cli.show()
    assert shown["incident"]["commander"] == "bob"
    assert shown["log"][-1]["kind"] == "handoff"
    assert "--to" in cli.fails(2, "handoff")
    cli.fails(2, "handoff", "--to", " ")


def test_postmortem_sections_complete_and_out(cli: Cli) -> None:
    cli.declare("API down", "P1")
    assert "not resolved yet" in cli.fails(2, "postmortem", "--complete")
    assert "--section" in cli.fails(2, "postmortem", "--text", "orphan")
    assert "--text" in cli.fails(2, "postmortem", "--section", "summary")
    cli.fails(2, "postmortem", "--section", "nonsense", "--text", "x")
    assert cli.ok("postmortem", "--section", "summary", "--text", "The API was down for 20 minutes.") == ""
    cli.ok("status", "resolved", "--note", "fixed by rollback")
    refusal = cli.fails(2, "postmortem", "--complete")
    assert "still has TODO sections: Root Cause, Impact, What Went Well, What Went Wrong, Lessons Learned" in refusal
    assert refusal.endswith("give it with --reason TEXT")
    assert timers_of(cli.show())["postmortem"]["state"] == "pending"
    assert "--reason goes with --complete" in cli.fails(2, "postmortem", "--reason", "x")
    assert cli.ok("postmortem", "--complete", "--reason", "the review meeting is next week") == ""
    assert "already complete" in cli.fails(2, "postmortem", "--complete")
    target = cli.tmp / "pm.md"
    assert cli.ok("postmortem", "--out", str(target)) == f"wrote {target}\n"
    markdown = target.read_text()
    assert markdown.startswith("# Incident Post-Mortem")
    assert "The API was down for 20 minutes." in markdown
    assert cli.ok("postmortem") == markdown + "\n"
    assert timers_of(cli.show())["postmortem"]["state"] == "met"


def test_action_items(cli: Cli) -> None:
    cli.declare("API down", "P1")
    assert cli.ok("action", "add", "Add an alert on 5xx", "--owner", "bob", "--due", "2026-12-01") == "#1\n"
    assert "'tomorrow'" in cli.fails(2, "action", "add", "x", "--due", "tomorrow")
    cli.fails(2, "action", "add")
    assert cli.ok("action", "list") == "[ ] #1   INC-1   Add an alert on 5xx  (bob, 2026-12-01)\n"
    [item] = json.loads(cli.ok("action", "list", "--json"))["action_items"]
    assert (item["id"], item["owner"], item["due"], item["done_at"]) == (1, "bob", "2026-12-01", None)
    assert cli.ok("action", "done", "#1") == "#1 done\n"
    assert "already done" in cli.fails(2, "action", "done", "1")
    assert "'abc'" in cli.fails(2, "action", "done", "abc")
    assert "99" in cli.fails(2, "action", "done", "99")
    cli.fails(2, "action", "frobnicate")
    assert cli.log_kinds() == ["declare", "action_item", "action_item"]


def test_export_and_verify_another_file(cli: Cli) -> None:
    cli.declare("API down", "P1")
    cli.ok("log", "restarted api")
    copy = cli.tmp / "copy.json"
    assert cli.ok("export", "--out", str(copy)).startswith(f"exported 2 entries to {copy}\nLog head: ")
    assert cli.ok("verify", str(copy)).startswith(f"{copy}: intact (2 entries")
    data = json.loads(copy.read_text())
    data["log"]["1"]["author"] = "mallory"
    copy.write_text(json.dumps(data))
    assert "entry 1" in cli.fails(1, "verify", str(copy))
    assert cli.ok("verify").startswith(f"{cli.file}: intact")  # the original is untouched
    assert "does not exist" in cli.fails(1, "verify", str(cli.tmp / "missing.json"))
    cli.fails(2, "export")


# --- --incident, --as, --config, bad files ----------------------------------------------------------------------


def test_incident_option_picks_an_incident(cli: Cli) -> None:
    cli.declare("API down", "P1")
    cli.declare("Search slow", "P3")
    assert cli.ok("log", "for the newest") == "INC-2 #3\n"
    assert cli.ok("log", "for the first", "--incident", "INC-1") == "INC-1 #4\n"
    assert cli.ok("--incident", "inc-1", "ack", file=True) == "INC-1 acknowledged\n"
    assert cli.show("--incident", "INC-1")["incident"]["acknowledged_at"] is not None
    assert cli.show()["incident"]["id"] == "INC-2"
    line = cli.fails(2, "log", "x", "--incident", "INC-9")
    assert "'INC-9'" in line and "INC-1, INC-2" in line
    cli.fails(2, "show", "--incident", "INC-9")


def test_most_recent_open_incident_is_the_default(cli: Cli) -> None:
    cli.declare("API down", "P1")
    cli.declare("Search slow", "P3")
    cli.ok("status", "resolved", "--note", "duplicate")  # INC-2
    assert cli.ok("ack") == "INC-1 acknowledged\n"


def test_as_sets_the_author(cli: Cli) -> None:
    cli.declare("API down", "P1")
    cli.ok("log", "by bob", "--as", "bob")
    cli.ok("--as", "carol", "log", "by carol")
    cli.ok("log", "by dave", env={"INCIDENT_CONSOLE_USER": "dave"})
    authors = [e["author"] for e in cli.show()["log"]]
    assert authors == ["alice", "bob", "carol", "dave"]


def test_config_file_changes_the_policy(cli: Cli) -> None:
    config = cli.tmp / "policy.toml"
    config.write_text("[sla]\nacknowledge_minutes = 2\n")
    cli.declare("API down", "P1")
    shown = json.loads(cli.ok("show", "--json", "--config", str(config)))
    ack = timers_of(shown)["acknowledge"]
    assert moment(ack["due_at"]) == moment(shown["incident"]["detected_at"]) + timedelta(minutes=2)
    # The default config location (under XDG_CONFIG_HOME) is read when present.
    default = cli.tmp / "config" / "incident-console" / "config.toml"
    default.parent.mkdir(parents=True)
    default.write_text("[sla]\nacknowledge_minutes = 3\n")
    ack = timers_of(cli.show())["acknowledge"]
    assert moment(ack["due_at"]) == moment(shown["incident"]["detected_at"]) + timedelta(minutes=3)


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (None, "does not exist"),
        ("[sla\n", "not valid TOML"),
        ("[sla]\nacknowledge_minutes = -1\n", "sla.acknowledge_minutes = -1"),
        ("[sla]\nacknowledge_minutes = nan\n", "sla.acknowledge_minutes = nan"),
        ("[sla]\nwhatever = 1\n", "sla.whatever"),
    ],
)
def test_bad_config_is_refused(cli: Cli, content: str | None, fragment: str) -> None:
    config = cli.tmp / "policy.toml"
    if content is not None:
        config.write_text(content)
    assert fragment in cli.fails(2, "list", "--config", str(config))


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ('{"people": {"1": {"name": "x"}}}', "not an incident-console file"),
        ("{not json", "not valid JSON"),
        ("[1, 2]", "not a TinyDB file"),
        ("", "empty"),
    ],
)
def test_a_file_that_is_not_ours_is_refused_and_left_alone(cli: Cli, content: str, fragment: str) -> None:
    cli.file.write_text(content)
    assert fragment in cli.fails(1, "list")
    assert fragment in cli.fails(1, "new", "API down", "--severity", "P1")
    assert cli.file.read_text() == content


def test_reader_going_away_is_not_an_error(cli: Cli) -> None:
    desk = Desk(Repository(cli.file), author="alice")
    for n in range(250):  # well over a pipe buffer of `list` output
        desk.declare(f"Incident {n} with a title long enough to fill the pipe quickly", Severity.P4)
    process = subprocess.Popen(
        [sys.executable, "-m", "incident_console", "--file", str(cli.file), "list"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=cli.tmp,
        env=cli.env,
    )
    assert process.stdout is not None
    process.stdout.readline()  # like `| head -1`
    process.stdout.close()
    _, err = process.communicate(timeout=30)
    assert process.returncode == 0
    assert err == ""


def test_usage_errors_are_one_line(cli: Cli) -> None:
    assert "invalid choice" in cli.fails(2, "frobnicate")
    cli.fails(2, "list", "--bogus")
    cli.fails(2, "show", "--lines", "many")


def test_without_a_command_the_console_opens_with_the_common_options() -> None:
    from incident_console.cli import build_parser, parser_wanted

    argv = ["--file", "x.json", "--as", "alice", "--incident", "INC-2"]
    assert parser_wanted(argv) == ""  # no command's parser is built to open the console
    args = build_parser(parser_wanted(argv)).parse_args(argv)
    assert (args.command, args.file, args.author, args.incident) == (None, "x.json", "alice", "INC-2")
    assert parser_wanted(["--file", "log"]) == ""  # the file is called "log": not a command
    assert parser_wanted(["--file", "x.json", "log", "text"]) == "log"
    assert parser_wanted(["lgo"]) is None and parser_wanted(["--help"]) is None  # answered with every command


def test_help_works(cli: Cli) -> None:
    out = cli.ok("--help")
    for command in ("new", "list", "show", "log", "ack", "triage", "severity", "status", "run", "where", "verify"):
        assert command in out


def test_handoff_notes_go_into_the_briefing_and_the_log(cli: Cli) -> None:
    cli.declare("API down", "P1")
    out = cli.ok("handoff", "--to", "bob", "--notes", "ask db-oncall about replica lag\n**retry** the failover")
    threads = out.split("## What I would do next / open threads\n")[1].split("\n## ")[0]
    assert threads.splitlines() == ["ask db-oncall about replica lag\\", "\\*\\*retry\\*\\* the failover"]
    entry = cli.show()["log"][-1]
    assert entry["kind"] == "handoff"
    assert "ask db-oncall about replica lag\n**retry** the failover" in entry["text"]
    assert entry["details"]["notes"] == "ask db-oncall about replica lag\n**retry** the failover"
