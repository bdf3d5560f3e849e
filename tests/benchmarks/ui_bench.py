"""Console benchmarks: first frame, key press to frame, idle CPU and memory, beside a bare Textual app.

Every figure is measured in the same run as its baseline; nothing here passes or fails.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.benchmarks.store_bench import build_file

FRAME_RUNS = 9
KEY_PRESSES = 40
IDLE_SECONDS = 10.0


def _child(*args: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-m", "tests.benchmarks.ui_child", *args],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def first_frame(path: Path) -> list[str]:
    # Taking turns, so a machine that slows down or speeds up meanwhile weighs on both alike.
    bare: list[dict[str, float]] = []
    ours: list[dict[str, float]] = []
    for _ in range(FRAME_RUNS):
        bare.append(_child("bare"))
        ours.append(_child("console", str(path)))
    bare_s = statistics.median(r["first_frame_s"] for r in bare)
    ours_s = statistics.median(r["first_frame_s"] for r in ours)
    bare_kib = statistics.median(r["peak_kib"] for r in bare)
    ours_kib = statistics.median(r["peak_kib"] for r in ours)
    return [
        f"First frame, process start to first drawn frame (median of {FRAME_RUNS}, taking turns, 120x35, headless;",
        "the console opened as `incident-console --file FILE` opens it):",
        f"  bare Textual app (Header, Static, Footer)   {bare_s * 1000:7.0f} ms",
        f"  console with a 10,000-entry log              {ours_s * 1000:7.0f} ms   ratio {ours_s / bare_s:.2f}x"
        "   (target <= 1.5x)",
        "Peak memory at the first frame (max RSS):",
        f"  bare Textual app                             {bare_kib / 1024:7.1f} MiB",
        f"  console with a 10,000-entry log              {ours_kib / 1024:7.1f} MiB   ratio {ours_kib / bare_kib:.2f}x"
        "   (target <= 1.5x)",
    ]


def idle_cpu(path: Path) -> list[str]:
    bare = _child("bare", "--idle", str(IDLE_SECONDS))
    ours = _child("console", str(path), "--idle", str(IDLE_SECONDS))
    return [
        f"Idle CPU over {IDLE_SECONDS:.0f} s, once settled after the first frame (timers ticking each second):",
        f"  bare Textual app                             {100 * bare['idle_cpu_s'] / IDLE_SECONDS:6.2f} % of a core",
        f"  console with a 10,000-entry log              {100 * ours['idle_cpu_s'] / IDLE_SECONDS:6.2f} % of a core"
        "   (target <= 1%)",
        "Peak memory at the end of that run (the draft editor made after the first frame, the log's hash chain",
        "checked, every timer ticking):",
        f"  bare Textual app                             {bare['peak_kib'] / 1024:7.1f} MiB",
        f"  console with a 10,000-entry log              {ours['peak_kib'] / 1024:7.1f} MiB"
        f"   ratio {ours['peak_kib'] / bare['peak_kib']:.2f}x   (target <= 1.5x)",
    ]


async def _key_to_frame(path: Path) -> list[float]:
    """Seconds from a key press to the first frame that shows its entry.

    The app's display hook records when each frame is handed to the terminal (headless, the
    frame is composed and then not written); the figure is that moment minus the moment the
    key was sent.
    """
    from incident_console.clipboard import CopyOutcome
    from incident_console.desk import Desk
    from incident_console.store.repository import Repository
    from incident_console.ui.app import IncidentConsole
    from incident_console.ui.widgets.action_log import ActionLog

    class NoClipboard:
        def copy(self, text: str) -> CopyOutcome:
            return CopyOutcome(False, "benchmark")

    app = IncidentConsole(Desk(Repository(path), author="bench"), clipboard=NoClipboard(), verify_on_open=False)
    frames: list[tuple[float, int]] = []
    timings: list[float] = []
    async with app.run_test(size=(120, 35)) as pilot:
        log = app.screen.query_one(ActionLog)
        display = app._display

        def recording_display(screen, renderable):  # type: ignore[no-untyped-def]
            if renderable is not None:
                frames.append((time.perf_counter(), len(log.view.rows)))
            display(screen, renderable)

        app._display = recording_display  # type: ignore[method-assign]
        await pilot.pause()
        for number in range(KEY_PRESSES):
            await pilot.press("l")  # the line closes once saved: each entry opens it again
            log.query_one("#log-input").value = f"benchmark entry {number}"  # type: ignore[attr-defined]
            before = len(log.view.rows)
            await pilot.pause()
            started = time.perf_counter()
            await pilot.press("enter")
            for _ in range(200):
                shown = [t for t, rows in frames if t >= started and rows > before]
                if shown:
                    timings.append(shown[0] - started)
                    break
                await pilot.pause(0.005)
            else:
                raise AssertionError("the entry never reached the screen")
            for _ in range(400):  # let the save finish before the next key, as a person would
                if not app.saver.pending():
                    break
                await pilot.pause(0.01)
            await pilot.pause(0.05)
    return timings


def key_to_frame(folder: Path) -> list[str]:
    lines = [f"Key press (Enter in the log line) to the first frame showing the entry ({KEY_PRESSES} presses):"]
    for size in (10_000, 50_000):
        path = folder / f"keys-{size}.json"
        build_file(path, size)
        timings = sorted(asyncio.run(_key_to_frame(path)))
        median = statistics.median(timings) * 1000
        p95 = timings[int(0.95 * (len(timings) - 1))] * 1000
        lines.append(
            f"  {size:>6,} entries   median {median:6.1f} ms   p95 {p95:6.1f} ms"
            "   (target median <= 17 ms, p95 <= 33 ms)"
        )
    return lines


def run() -> list[str]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = folder / "ten-thousand.json"
        build_file(path, 10_000)
        lines = first_frame(path)
        lines += idle_cpu(path)
        lines += key_to_frame(folder)
    return lines


if __name__ == "__main__":
    for line in run():
        print(line)
