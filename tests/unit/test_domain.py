"""The domain rules: triage table, policy, config parsing, times, text, and the Desk's rules."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from incident_console.config import load_policy, policy_from_bytes
from incident_console.desk import Desk
from incident_console.domain import ledger, triage
from incident_console.domain.errors import InputError
from incident_console.domain.model import Severity, Status, TriageAnswers, Users, parse_kind
from incident_console.domain.policy import Policy
from incident_console.domain.text import clean_input, escape_json, visible
from incident_console.domain.times import from_text, parse_when, to_text
from incident_console.store.repository import Repository

T0 = datetime(2026, 1, 5, 14, 0, tzinfo=UTC)


def answers(users: str, data: bool = False, failing: bool = False, workaround: bool = True) -> TriageAnswers:
    return TriageAnswers(Users(users), data_at_risk=data, transactions_failing=failing, workaround=workaround)


# --- triage ------------------------------------------------------------------------------------

# One case per row of the rule table in triage.py, in table order.
TABLE_ROWS = [
    (1, answers("few", data=True), Severity.P1),
    (2, answers("all", failing=True, workaround=True), Severity.P1),
    (3, answers("all", workaround=False), Severity.P1),
    (4, answers("all", workaround=True), Severity.P2),
    (5, answers("many", failing=True, workaround=True), Severity.P2),
    (6, answers("many", workaround=False), Severity.P2),
    (7, answers("many", workaround=True), Severity.P3),
    (8, answers("few", workaround=False), Severity.P3),
    (9, answers("few", workaround=True), Severity.P4),
]


@pytest.mark.parametrize(("row", "given", "expected"), TABLE_ROWS, ids=[f"row{r[0]}" for r in TABLE_ROWS])
def test_triage_table_row(row: int, given: TriageAnswers, expected: Severity) -> None:
    severity, rule = triage.suggest(given)
    assert severity is expected
    assert rule == triage.RULES[row - 1].when


def test_triage_rule_table_matches_the_docstring() -> None:
    doc = triage.__doc__ or ""
    rows = [line for line in doc.splitlines() if line.startswith("| ") and line[2].isdigit()]
    assert len(rows) == len(triage.RULES) == 9
    for line, rule in zip(rows, triage.RULES, strict=True):
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        assert cells[1] == rule.when
        assert cells[2] == rule.severity.value


def _reference(a: TriageAnswers) -> Severity:
    """The table in words, written independently of triage.RULES."""
    if a.data_at_risk:
        return Severity.P1
    if a.users is Users.ALL:
        return Severity.P1 if a.transactions_failing or not a.workaround else Severity.P2
    if a.transactions_failing:
        return Severity.P2
    if a.users is Users.MANY:
        return Severity.P3 if a.workaround else Severity.P2
    return Severity.P4 if a.workaround else Severity.P3


@pytest.mark.parametrize(
    ("users", "data", "failing", "workaround"),
    list(itertools.product(list(Users), [False, True], [False, True], [False, True])),
)
def test_triage_every_combination_follows_the_table(users: Users, data: bool, failing: bool, workaround: bool) -> None:
    given = TriageAnswers(users, data, failing, workaround)
    assert triage.suggest(given)[0] is _reference(given)


@pytest.mark.parametrize(
    ("example", "given", "expected"),
    [
        ("payment processing failing", answers("many", failing=True, workaround=False), Severity.P2),
        ("payments failing for a few users", answers("few", failing=True), Severity.P2),
        ("complete outage", answers("all", workaround=False), Severity.P1),
        ("security breach", answers("many", data=True), Severity.P1),
        ("data loss", answers("few", data=True, workaround=True), Severity.P1),
        ("slow response times", answers("many", workaround=True), Severity.P3),
        ("UI glitch, typo", answers("few", workaround=True), Severity.P4),
    ],
)
def test_triage_runbook_examples(example: str, given: TriageAnswers, expected: Severity) -> None:
    assert triage.suggest(given)[0] is expected, example


def test_answers_from_text_reads_yes_no_words() -> None:
    a = triage.answers_from_text(" Many ", "n", "YES", "true")
    assert a == TriageAnswers(Users.MANY, data_at_risk=False, transactions_failing=True, workaround=True)
    assert triage.suggest(a)[0] is Severity.P2


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (("some", "no", "no", "no"), "'some'"),
        (("all", "maybe", "no", "no"), "'maybe'"),
        (("all", "no", "", "no"), "''"),
        (("all", "no", "no", "perhaps"), "'perhaps'"),
    ],
)
def test_answers_from_text_refuses_with_the_input_named(args: tuple[str, str, str, str], named: str) -> None:
    with pytest.raises(InputError) as err:
        triage.answers_from_text(*args)
    assert named in str(err.value)


# --- severities, statuses, kinds -------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [("P1", Severity.P1), ("p2", Severity.P2), (" 3 ", Severity.P3)])
def test_severity_parse(text: str, expected: Severity) -> None:
    assert Severity.parse(text) is expected


@pytest.mark.parametrize("text", ["P9", "P0", "critical", ""])
def test_severity_parse_refuses(text: str) -> None:
    with pytest.raises(InputError, match=repr(text).replace("(", r"\(")):
        Severity.parse(text)


def test_runbook_response_times() -> None:
    assert [s.response_time for s in Severity] == [
        timedelta(minutes=15),
        timedelta(hours=1),
        timedelta(hours=4),
        timedelta(hours=24),
    ]


def test_status_and_kind_parsing() -> None:
    assert Status.parse(" Monitoring ") is Status.MONITORING
    assert parse_kind("COMMS") == "comms"
    with pytest.raises(InputError, match="'done'"):
        Status.parse("done")
    with pytest.raises(InputError, match="'ack'"):
        parse_kind("ack")


# --- policy ------------------------------------------------------------------------------------------


def test_policy_defaults_are_the_runbook() -> None:
    p = Policy()
    assert p.acknowledge == timedelta(minutes=5)
    assert p.triage == timedelta(minutes=10)
    assert p.response == {s: s.response_time for s in Severity}
    assert p.update_every == {Severity.P1: timedelta(minutes=30), Severity.P2: timedelta(minutes=60)}
    assert p.monitoring == timedelta(minutes=30)
    assert p.postmortem == timedelta(hours=48)
    assert p.due_soon_fraction == 0.2


def test_policy_from_mapping_valid_overrides() -> None:
    p = Policy.from_mapping(
        {
            "sla": {
                "acknowledge_minutes": 3,
                "triage_minutes": 7.5,
                "monitoring_minutes": 45,
                "postmortem_hours": 72,
                "response_minutes": {"P1": 10, "p4": 600},
                "update_every_minutes": {"P1": 20, "P2": 0, "P3": 240},
                "due_soon_percent": 25,
            },
            "templates": {},
        }
    )
    assert p.acknowledge == timedelta(minutes=3)
    assert p.triage == timedelta(minutes=7.5)
    assert p.monitoring == timedelta(minutes=45)
    assert p.postmortem == timedelta(hours=72)
    assert p.response[Severity.P1] == timedelta(minutes=10)
    assert p.response[Severity.P2] == timedelta(hours=1)  # untouched
    assert p.response[Severity.P4] == timedelta(hours=10)
    assert p.update_every == {Severity.P1: timedelta(minutes=20), Severity.P3: timedelta(hours=4)}
    assert p.due_soon_fraction == 0.25


def test_policy_from_empty_mapping_is_the_default() -> None:
    assert Policy.from_mapping({}) == Policy()


@pytest.mark.parametrize(
    ("data", "fragments"),
    [
        ({"timers": {}}, ["'timers'"]),
        ({"sla": {"ack_minutes": 5}}, ["sla.ack_minutes"]),
        ({"sla": {"acknowledge_minutes": -5}}, ["sla.acknowledge_minutes", "-5"]),
        ({"sla": {"triage_minutes": 0}}, ["sla.triage_minutes", "0"]),
        ({"sla": {"monitoring_minutes": "30"}}, ["sla.monitoring_minutes", "'30'"]),
        ({"sla": {"postmortem_hours": True}}, ["sla.postmortem_hours", "True"]),
        ({"sla": {"response_minutes": {"P9": 15}}}, ["sla.response_minutes", "P9"]),
        ({"sla": {"response_minutes": {"P1": -1}}}, ["sla.response_minutes.P1", "-1"]),
        ({"sla": {"response_minutes": {"P1": "fast"}}}, ["sla.response_minutes.P1", "'fast'"]),
        ({"sla": {"update_every_minutes": {"P5": 10}}}, ["sla.update_every_minutes", "P5"]),
        ({"sla": {"update_every_minutes": {"P1": -30}}}, ["sla.update_every_minutes.P1", "-30"]),
        ({"sla": {"response_minutes": 15}}, ["sla.response_minutes", "15"]),
        ({"sla": {"due_soon_percent": 100}}, ["sla.due_soon_percent", "100"]),
        ({"sla": {"acknowledge_minutes": float("nan")}}, ["sla.acknowledge_minutes", "nan"]),
        ({"sla": {"postmortem_hours": float("inf")}}, ["sla.postmortem_hours", "inf"]),
        ({"sla": {"monitoring_minutes": 1e300}}, ["sla.monitoring_minutes", "1e+300"]),
        ({"sla": 5}, ["'sla'", "5"]),
    ],
)
def test_policy_from_mapping_refuses_naming_key_and_value(data: dict, fragments: list[str]) -> None:
    with pytest.raises(InputError) as err:
        Policy.from_mapping(data, source="team.toml")
    message = str(err.value)
    assert message.startswith("team.toml: ")
    for fragment in fragments:
        assert fragment in message
    assert "\n" not in message


def test_policy_from_bytes_reads_toml() -> None:
    raw = b"[sla]\nacknowledge_minutes = 2\n[sla.response_minutes]\nP1 = 5\n"
    p = policy_from_bytes(raw, source="/etc/ic.toml")
    assert p.acknowledge == timedelta(minutes=2)
    assert p.response[Severity.P1] == timedelta(minutes=5)


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        (b"[sla\nacknowledge_minutes = 2\n", "not valid TOML"),
        (b"acknowledge_minutes = = 2\n", "not valid TOML"),
        (b"\xff\xfe[sla]\n", "not UTF-8"),
        (b"[sla]\nacknowledge_minutes = nan\n", "sla.acknowledge_minutes = nan"),
        (b"[sla]\nacknowledge_minutes = inf\n", "sla.acknowledge_minutes = inf"),
        (b"[sla]\nackowledge_minutes = 5\n", "sla.ackowledge_minutes"),
    ],
)
def test_policy_from_bytes_refuses_bad_files(raw: bytes, fragment: str) -> None:
    with pytest.raises(InputError) as err:
        policy_from_bytes(raw, source="/etc/ic.toml")
    assert "/etc/ic.toml" in str(err.value)
    assert fragment in str(err.value)


def test_load_policy_explicit_file_must_exist(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    with pytest.raises(InputError, match="does not exist"):
        load_policy(str(missing))
    good = tmp_path / "ok.toml"
    good.write_text("[sla]\ntriage_minutes = 12\n")
    assert load_policy(str(good)).triage == timedelta(minutes=12)


# --- times -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-01-05T13:04:00Z", datetime(2026, 1, 5, 13, 4, tzinfo=UTC)),
        ("2026-01-05t13:04:00z", datetime(2026, 1, 5, 13, 4, tzinfo=UTC)),
        ("2026-01-05T15:04:00+02:00", datetime(2026, 1, 5, 13, 4, tzinfo=UTC)),
        ("2026-01-05T08:04:00-05:00", datetime(2026, 1, 5, 13, 4, tzinfo=UTC)),
        ("-20m", T0 - timedelta(minutes=20)),
        ("-2h", T0 - timedelta(hours=2)),
        ("-90s", T0 - timedelta(seconds=90)),
        ("-1d", T0 - timedelta(days=1)),
        (" - 5 min ", T0 - timedelta(minutes=5)),
        ("now", T0),
        ("NOW", T0),
    ],
)
def test_parse_when_accepts(text: str, expected: datetime) -> None:
    result = parse_when(text, T0)
    assert result == expected
    assert result.utcoffset() == timedelta(0)


def test_parse_when_offset_result_is_utc() -> None:
    result = parse_when("2026-01-05T15:04:00+02:00", T0)
    assert result.tzinfo is UTC
    assert to_text(result) == "2026-01-05T13:04:00Z"


def test_parse_when_now_in_another_zone_comes_back_as_utc() -> None:
    local_now = T0.astimezone(timezone(timedelta(hours=9)))
    assert parse_when("now", local_now).tzinfo is UTC
    assert parse_when("-1h", local_now) == T0 - timedelta(hours=1)


def test_parse_when_refuses_a_time_without_offset() -> None:
    with pytest.raises(InputError) as err:
        parse_when("2026-01-05T13:04:00", T0)
    assert "'2026-01-05T13:04:00'" in str(err.value)
    assert "offset" in str(err.value)


@pytest.mark.parametrize("text", ["yesterday", "20m", "+20m", "-20x", "", "13:04 tomorrow", "2026-13-45T00:00Z"])
def test_parse_when_refuses_garbage_with_a_sentence_naming_it(text: str) -> None:
    with pytest.raises(InputError) as err:
        parse_when(text, T0)
    message = str(err.value)
    assert repr(text) in message
    assert "\n" not in message
    assert message.startswith("time ")


def test_to_text_and_from_text_round_trip() -> None:
    moment = datetime(2026, 1, 5, 13, 4, 5, 123456, tzinfo=UTC)
    assert to_text(moment) == "2026-01-05T13:04:05.123456Z"
    assert from_text(to_text(moment)) == moment
    with pytest.raises(ValueError):
        from_text("2026-01-05T13:04:05")


# --- text ----------------------------------------------------------------------------------------------


def test_clean_input_keeps_escape_sequences_and_visible_shows_them() -> None:
    pasted = "deploy \x1b[31mfailed\x1b[0m \x1b]0;title\x07 done"
    assert clean_input(pasted) == pasted
    shown = visible(pasted)
    assert "\x1b" not in shown and "\x07" not in shown
    assert "\u241b[31mfailed\u241b[0m" in shown
    assert "\u2407" in shown


@pytest.mark.parametrize("code", [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)])
def test_every_control_character_is_stored_and_shown_as_one_visible_character(code: int) -> None:
    for multiline in (False, True):
        cleaned = clean_input(f"a{chr(code)}b", multiline=multiline)
        if code in (0x0A, 0x0D):
            assert cleaned == ("a\nb" if multiline else "a b")
            continue
        assert cleaned == f"a{chr(code)}b"
        shown = visible(cleaned, multiline=multiline)
        if code == 0x09 and multiline:
            assert shown == cleaned
        else:
            assert chr(code) not in shown
            assert len(shown) == 3


@pytest.mark.parametrize(
    "char",
    ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069", "\u200e", "\u200f"]
    + ["\u061c", "\u200b", "\u2060", "\ufeff", "\u2028", "\u2029", "\u00ad", "\U000e0041"],
)
def test_bidi_and_invisible_characters_are_kept_and_shown_as_a_dotted_square(char: str) -> None:
    text = f"abc{char}def"
    assert clean_input(text) == text
    assert visible(text) == "abc\u2b1adef"


@pytest.mark.parametrize(
    "text",
    [
        "👩\u200d💻",
        "❤\ufe0f",
        "1\ufe0f\u20e3",
        "🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f",
        "می\u200cخواهم",
    ],
)
def test_what_emoji_and_scripts_need_is_shown_as_it_is(text: str) -> None:
    assert clean_input(text) == text
    assert visible(text) == text


def test_json_escapes_what_visible_replaces_and_reads_back_the_same() -> None:
    import json

    text = "a\x1b[31m b\x9b31m c\u202eevil\u202c d\x7f e\U000e0041 👩\u200d💻"
    encoded = escape_json(json.dumps({"text": text}, ensure_ascii=False))
    assert "\\u009b" in encoded and "\\u202e" in encoded and "\\u007f" in encoded and "\\udb40\\udc41" in encoded
    assert not any(ch in encoded for ch in "\x1b\x9b\u202e\u202c\x7f\U000e0041")
    assert "👩\u200d💻" in encoded
    assert json.loads(encoded) == {"text": text}


def test_clean_input_one_line_and_multiline() -> None:
    assert clean_input("  first\r\nsecond\rthird  ") == "first second third"
    assert clean_input("line 1\r\nline 2\n\tindented", multiline=True) == "line 1\nline 2\n\tindented"
    assert clean_input("tab\there") == "tab\there"
    assert visible("tab\there") == "tab\u2409here"


@pytest.mark.parametrize(
    "text",
    ["[bold red]boom[/]", "[link=https://x]x[/link]", "**Status:** Investigating", "<b>hi</b> & {x}", "ünïcødé ✓"],
)
def test_clean_input_leaves_markup_and_printable_text_unchanged(text: str) -> None:
    assert clean_input(text) == text
    assert visible(text) == text


# --- ledger ------------------------------------------------------------------------------------------------


def _chain(texts: list[str]) -> list[dict]:
    docs, head = [], ledger.GENESIS
    for n, text in enumerate(texts, start=1):
        doc = {
            "id": n,
            "incident_id": "INC-1",
            "kind": "note",
            "text": text,
            "author": "a",
            "at": "t",
            "recorded_at": "t",
            "details": {},
            "corrects": None,
        }
        doc["hash"] = head = ledger.chain_hash(head, doc)
        docs.append(doc)
    return docs


def test_ledger_detects_edits_and_gaps() -> None:
    docs = _chain(["one", "two", "three"])
    assert ledger.first_break(docs) is None
    edited = [dict(d) for d in docs]
    edited[1]["text"] = "TWO"
    assert ledger.first_break(edited) == (2, "entry 2 does not match its hash (edited, or an entry before it removed)")
    assert ledger.first_break([docs[0], docs[2]])[0] == 3


# --- the Desk's rules -----------------------------------------------------------------------------------


class FakeClock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(T0)


@pytest.fixture
def desk(tmp_path: Path, clock: FakeClock) -> Desk:
    return Desk(Repository(tmp_path / "incidents.json"), author="alice", clock=clock)


def kinds(desk: Desk) -> Counter:
    return Counter(e.kind for e in desk.snapshot().log)


def test_reopen_resolved_needs_a_note(desk: Desk, clock: FakeClock) -> None:
    desk.declare("API down", Severity.P1)
    desk.set_status(Status.MONITORING)
    desk.verify_metrics()
    clock.advance(minutes=30)
    desk.set_status(Status.RESOLVED)
    assert desk.incident().resolved_at == T0 + timedelta(minutes=30)
    before = len(desk.snapshot().log)
    for note in ("", "   ", "\n"):
        with pytest.raises(InputError, match="reopening it needs a reason$") as refused:
            desk.set_status(Status.INVESTIGATING, note=note)
        assert refused.value.wants == "reason"  # each interface says how to give it; the Desk names no flag
    assert len(desk.snapshot().log) == before  # a refused change writes nothing
    assert desk.incident().status is Status.RESOLVED


def test_reopen_with_a_note_clears_resolution(desk: Desk, clock: FakeClock) -> None:
    desk.declare("API down", Severity.P1)
    desk.set_status(Status.RESOLVED, note="false alarm")
    clock.advance(minutes=5)
    reopened = desk.set_status(Status.INVESTIGATING, note="errors are back")
    assert reopened.status is Status.INVESTIGATING
    assert reopened.resolved_at is None
    assert reopened.postmortem_done_at is None
    assert desk.incident().resolved_at is None  # and it was saved
    last = desk.snapshot().log[-1]
    assert last.kind == "status"
    assert last.text == "Reopened: resolved -> investigating: errors are back"
    assert last.details == {"previous": "resolved", "status": "investigating"}
    timers = {t.name: t for t in desk.timers(reopened)}
    assert timers["postmortem"].state.value == "not_applicable"


def test_resolving_before_the_checklist_is_clear_needs_a_note(desk: Desk, clock: FakeClock) -> None:
    desk.declare("API down", Severity.P1)
    with pytest.raises(InputError) as err:
        desk.set_status(Status.RESOLVED)
    assert "metrics have not been verified" in str(err.value)
    assert "monitoring is not complete" in str(err.value)
    desk.set_status(Status.MONITORING)
    desk.verify_metrics()
    clock.advance(minutes=29)
    with pytest.raises(InputError, match="monitoring is not complete"):
        desk.set_status(Status.RESOLVED)
    assert desk.incident().status is Status.MONITORING
    resolved = desk.set_status(Status.RESOLVED, note="customer confirmed")
    assert resolved.status is Status.RESOLVED
    entry = desk.snapshot().log[-1]
    assert entry.text.startswith("Resolved early (override)")
    assert entry.details["override"] is True
    assert len(entry.details["skipped"]) == 1


def test_resolving_after_verify_and_30_minutes_of_monitoring_needs_no_note(desk: Desk, clock: FakeClock) -> None:
    desk.declare("API down", Severity.P1)
    desk.set_status(Status.MONITORING)
    desk.verify_metrics()
    clock.advance(minutes=30)
    desk.set_status(Status.RESOLVED)
    entry = desk.snapshot().log[-1]
    assert entry.text == "Status: monitoring -> resolved"
    assert "override" not in entry.details


def test_same_status_is_refused(desk: Desk) -> None:
    desk.declare("API down", Severity.P1)
    with pytest.raises(InputError, match="already investigating"):
        desk.set_status(Status.INVESTIGATING)


def test_monitoring_since_is_set_and_cleared(desk: Desk, clock: FakeClock) -> None:
    desk.declare("API down", Severity.P1)
    clock.advance(minutes=3)
    assert desk.set_status(Status.MONITORING).monitoring_since == T0 + timedelta(minutes=3)
    assert desk.set_status(Status.IDENTIFIED).monitoring_since is None


@pytest.mark.parametrize("reason", ["", "   ", "\r\n"])
def test_set_severity_requires_a_reason(desk: Desk, reason: str) -> None:
    desk.declare("API down", Severity.P3)
    with pytest.raises(InputError, match="reason"):
        desk.set_severity(Severity.P1, reason)
    assert desk.incident().severity is Severity.P3
    assert kinds(desk)["severity"] == 0


def test_set_severity_logs_previous_and_new(desk: Desk) -> None:
    desk.declare("Slow search", Severity.P3)
    changed = desk.set_severity(Severity.P1, "checkout affected too")
    assert changed.severity is Severity.P1
    last = desk.snapshot().log[-1]
    assert last.kind == "severity"
    assert last.details == {"previous": "P3", "severity": "P1"}
    assert last.text == "Severity P3 -> P1: checkout affected too"
    assert last.author == "alice"
    with pytest.raises(InputError, match="already P1"):
        desk.set_severity(Severity.P1, "again")


def test_highest_severity_tracks_the_peak(desk: Desk) -> None:
    inc = desk.declare("Slow search", Severity.P3)
    assert inc.highest_severity is Severity.P3
    assert desk.set_severity(Severity.P4, "only admins").highest_severity is Severity.P3
    assert desk.set_severity(Severity.P2, "customers too").highest_severity is Severity.P2
    assert desk.set_severity(Severity.P1, "outage").highest_severity is Severity.P1
    lowered = desk.set_severity(Severity.P4, "mitigated")
    assert lowered.severity is Severity.P4
    assert lowered.highest_severity is Severity.P1
    assert lowered.peak_severity is Severity.P1
    assert desk.incident().highest_severity is Severity.P1  # saved


def test_triage_apply_raises_the_peak_and_logs_severity(desk: Desk) -> None:
    desk.declare("Checkout errors", Severity.P4)
    result = desk.triage(answers("all", workaround=False), apply_severity=True)
    assert result.suggested is Severity.P1
    assert result.incident.severity is Severity.P1
    assert result.incident.highest_severity is Severity.P1
    log = desk.snapshot().log
    assert [e.kind for e in log] == ["declare", "triage", "severity"]
    assert log[-1].details == {"previous": "P4", "severity": "P1"}


def test_triage_without_apply_only_suggests(desk: Desk, clock: FakeClock) -> None:
    desk.declare("Checkout errors", Severity.P4)
    clock.advance(minutes=4)
    result = desk.triage(answers("many", failing=True))
    assert result.suggested is Severity.P2 and not result.applied
    assert result.incident.severity is Severity.P4
    assert result.incident.triaged_at == T0 + timedelta(minutes=4)
    clock.advance(minutes=4)
    assert desk.triage(answers("few")).incident.triaged_at == T0 + timedelta(minutes=4)  # the first triage counts
    assert kinds(desk)["severity"] == 0


def test_every_state_change_appends_its_own_entry(desk: Desk, clock: FakeClock) -> None:
    desk.declare("API down", Severity.P3, impact="errors on /api")
    assert kinds(desk) == Counter({"declare": 1})
    steps = [
        (lambda: desk.acknowledge(), "ack"),
        (lambda: desk.triage(answers("many")), "triage"),
        (lambda: desk.set_severity(Severity.P2, "more users"), "severity"),
        (lambda: desk.set_status(Status.IDENTIFIED), "status"),
        (lambda: desk.set_commander("bob"), "commander"),
        (lambda: desk.set_impact("all API calls fail"), "impact"),
        (lambda: desk.escalate("db team", "replica lag"), "escalation"),
        (lambda: desk.respond("Rollback", "deploy 42"), "action"),
        (lambda: desk.record_update("We are investigating."), "comms"),
        (lambda: desk.log("looked at dashboards"), "note"),
        (lambda: desk.record_command(["kubectl", "get", "pods"], clock.now, clock.now, 0), "command"),
        (lambda: desk.set_status(Status.MONITORING), "status"),
        (lambda: desk.verify_metrics(), "checklist"),
        (lambda: desk.set_status(Status.RESOLVED, note="fixed"), "status"),
        (lambda: desk.set_status(Status.INVESTIGATING, note="came back"), "status"),
    ]
    expected = Counter({"declare": 1})
    for step, kind in steps:
        clock.advance(seconds=30)
        before = len(desk.snapshot().log)
        step()
        expected[kind] += 1
        log = desk.snapshot().log
        assert len(log) == before + 1, kind
        assert log[-1].kind == kind
        assert log[-1].author == "alice"
        assert log[-1].recorded_at == clock.now
        assert kinds(desk) == expected
    assert expected["status"] == 4
    assert desk.repository.verify() is None


def test_acknowledge_twice_is_refused(desk: Desk, clock: FakeClock) -> None:
    desk.declare("API down", Severity.P1)
    desk.acknowledge()
    clock.advance(minutes=1)
    with pytest.raises(InputError, match="already acknowledged"):
        desk.acknowledge()
    assert desk.incident().acknowledged_at == T0
    assert kinds(desk)["ack"] == 1


def test_respond_refuses_an_unknown_action(desk: Desk) -> None:
    desk.declare("API down", Severity.P1)
    with pytest.raises(InputError, match="'Nuke'"):
        desk.respond("Nuke", "everything")


def test_log_refuses_a_future_time_and_marks_backfill(desk: Desk) -> None:
    desk.declare("API down", Severity.P1)
    with pytest.raises(InputError, match="future"):
        desk.log("later", at=T0 + timedelta(minutes=1))
    entry = desk.log("restarted api", at=T0 - timedelta(minutes=20))
    assert entry.backfilled
    assert not desk.log("now").backfilled


def test_declare_refuses_empty_title_and_cleans_text(desk: Desk) -> None:
    with pytest.raises(InputError, match="title"):
        desk.declare("  ", Severity.P1)
    inc = desk.declare("API \x1b[2J down", Severity.P1, services=["api", " ", "db\x07"])
    assert inc.title == "API \x1b[2J down"
    assert inc.services == ("api", "db\x07")
    assert inc.commander == "alice"


def test_unknown_incident_names_the_id(desk: Desk) -> None:
    with pytest.raises(InputError, match="no incident yet"):
        desk.incident()
    desk.declare("API down", Severity.P1)
    with pytest.raises(InputError, match="'INC-9'"):
        desk.acknowledge("INC-9")
