"""Property: on random files with many incidents, archiving keeps one verifiable chain and leaves the rest alone."""

from __future__ import annotations

import json
import tempfile
from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from incident_console.domain.errors import InputError
from incident_console.store.repository import Repository
from tests.archive_files import FINISHED, OPEN, RESOLVED, build

fates = st.lists(st.sampled_from([OPEN, RESOLVED, FINISHED]), min_size=3, max_size=20)


def _log(path: Path) -> dict[str, dict]:
    return dict(json.loads(path.read_text())["log"]) if path.exists() else {}


@settings(max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(fates=fates, notes=st.integers(0, 4), seed=st.integers(0, 1 << 20), cuts=st.lists(st.floats(0, 1), max_size=3))
def test_archiving_keeps_the_chain_and_the_open_incidents(
    fates: list[str], notes: int, seed: int, cuts: list[float]
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        work, out = Path(folder) / "incidents.json", Path(folder) / "archive" / "old.json"
        desk = build(work, fates, notes=notes, seed=seed, items=seed % 2 == 0)
        before = Repository(work).snapshot()
        stays = {i.id for i in before.incidents if i.is_open or i.postmortem_done_at is None}
        staying_entries = {k: v for k, v in _log(work).items() if v["incident_id"] in stays}
        staying_incidents = {i.id: i for i in before.incidents if i.id in stays}
        everything = {**_log(work)}
        resolved = sorted(i.resolved_at for i in before.incidents if i.resolved_at is not None)
        # Each cut falls among the resolutions: monthly archives, each adding to the same file.
        for fraction in [*cuts, 1.0]:
            if not resolved:
                break
            moment = resolved[min(int(fraction * len(resolved)), len(resolved) - 1)] + timedelta(microseconds=1)
            try:
                desk.archive(str(out), moment)
            except InputError:
                continue  # nothing finished before that cut
            verdict = desk.check_with_archive(str(out))
            assert verdict.problem is None, verdict.problem
            assert Repository(work).verify() is None
            assert Repository(out).verify() is None
        kept, archived = _log(work), _log(out)
        assert {**kept, **archived} == everything and not set(kept) & set(archived)
        assert {k: v for k, v in kept.items() if v["incident_id"] in stays} == staying_entries
        assert not any(v["incident_id"] in stays for v in archived.values())
        assert {i.id: i for i in Repository(work).snapshot().incidents} == staying_incidents
