"""Concurrent writers: two headless consoles and two CLI streams append to one file at once."""

from __future__ import annotations

import subprocess
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from incident_console.desk import Desk
from incident_console.domain.model import Severity
from incident_console.store.repository import Repository
from tests.reliability.harness import (
    CHILD_TIMEOUT,
    Result,
    Tally,
    child_env,
    file_ids,
    log_docs,
    run_cli,
    temps_beside,
    trial_file,
    worker,
)


def concurrent_writers(
    workdir: Path, trials: int = 1, *, entries: int = 20, seed: int | None = None, strict: bool = False
) -> Result:
    """Two headless consoles and two streams of ``incident-console log`` processes append to one file at once.

    At the end every entry is there exactly once, the ids are unique and consecutive, the chain verifies.
    """
    tally = Tally(strict)
    switches: list[int] = []
    for trial in range(trials):
        with tally.trial(f"trial {trial}"):
            path = trial_file(workdir, f"concurrent-{trial}")
            folder = path.parent
            Desk(Repository(path), author="parent").declare("Checkout down", Severity.P1)
            token = uuid.uuid4().hex[:6]
            env = child_env(folder)
            consoles = {
                label: worker(
                    "console-append",
                    str(path),
                    str(entries),
                    label,
                    "0.12",  # spread over about as long as the CLI streams take, so the writers overlap
                    env=env,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                )
                for label in (f"console-a-{token}", f"console-b-{token}")
            }
            try:
                for label, process in consoles.items():
                    assert process.stdout is not None
                    line = process.stdout.readline()
                    assert line == b"ready\n", f"{label} did not start: {line!r} {process.stderr.read()[-500:]!r}"

                def cli_stream(label: str, path: Path = path, folder: Path = folder, env: Any = env) -> list[str]:
                    problems = []
                    for number in range(1, entries + 1):
                        done = run_cli(path, "log", f"{label} {number}", workdir=folder, env=env)
                        if done.returncode != 0:
                            problems.append(f"{label} {number}: exit {done.returncode} {done.stderr[-200:]!r}")
                    return problems

                for process in consoles.values():
                    assert process.stdin is not None
                    process.stdin.write(b"go\n")
                    process.stdin.flush()
                with ThreadPoolExecutor(2) as pool:
                    streams = [pool.submit(cli_stream, f"cli-{side}-{token}") for side in ("a", "b")]
                    problems = [p for stream in streams for p in stream.result(timeout=CHILD_TIMEOUT * 4)]
                assert not problems, f"CLI writers failed: {problems[:3]}"
                for label, process in consoles.items():
                    out, err = process.communicate(timeout=CHILD_TIMEOUT)
                    assert process.returncode == 0, f"{label} exited {process.returncode}: {err[-500:]!r} {out!r}"
                    assert out.splitlines()[-1] == f"done {entries}".encode(), f"{label}: {out!r}"
            finally:
                for process in consoles.values():
                    if process.poll() is None:
                        process.kill()
                        process.wait()

            labels = [*consoles, f"cli-a-{token}", f"cli-b-{token}"]
            texts = [doc["text"] for doc in log_docs(path).values()]
            for label in labels:
                for number in range(1, entries + 1):
                    count = texts.count(f"{label} {number}")
                    assert count == 1, f"{label} {number!r} is in the file {count} times"
            ids = file_ids(path)
            assert ids == list(range(1, 4 * entries + 2)), f"ids not unique and consecutive: {ids[:10]}..."
            problem = Repository(path).verify()
            assert problem is None, problem
            assert temps_beside(path) == []
            writers = [
                doc["text"].rsplit(" ", 1)[0] for _, doc in sorted(log_docs(path).items(), key=lambda d: int(d[0]))
            ]
            switches.append(sum(1 for a, b in zip(writers, writers[1:], strict=False) if a != b))
    return tally.result(f"writer changes in id order: {switches}" if switches else "")
