"""Write SVG screenshots of the console on the demo incident into screenshots/ (``make screenshots``)."""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from incident_console.clipboard import CopyOutcome  # noqa: E402
from incident_console.demo import build_demo  # noqa: E402
from incident_console.desk import Desk  # noqa: E402
from incident_console.ui.app import IncidentConsole  # noqa: E402

OUT = ROOT / "screenshots"


class NoClipboard:
    def copy(self, text: str) -> CopyOutcome:
        return CopyOutcome(False, "screenshot")


class FixedSaveTime(Desk):
    """The demo's Desk with the file's save time held still, so the header reads the same on every run."""

    saved: datetime | None = None

    def saved_at(self) -> datetime | None:
        return self.saved


async def shoot(path: Path, name: str, size: tuple[int, int], keys: list[str], clock) -> None:  # type: ignore[no-untyped-def]
    desk = FixedSaveTime.with_defaults(path, author="alice", clock=clock)
    desk.saved = clock()
    app = IncidentConsole(desk, clipboard=NoClipboard(), verify_on_open=False)
    async with app.run_test(size=size) as pilot:
        # What the console does right after its first frame (the draft's editor) is done first.
        while not app.main.query("#draft"):
            await pilot.pause(0.05)
        for key in keys:
            await pilot.press(key)
            await pilot.pause()
        await pilot.pause(0.3)
        app.save_screenshot(str(OUT / f"{name}.svg"))
    print(f"wrote screenshots/{name}.svg")


async def main() -> None:
    OUT.mkdir(exist_ok=True)
    here = os.getcwd()
    with tempfile.TemporaryDirectory() as tmp:
        # The files are named relative to the temporary folder, so the top bar (and the screenshots)
        # show the same path on every run.
        os.chdir(tmp)
        try:
            await shoot_all()
        finally:
            os.chdir(here)


async def shoot_all() -> None:
    demo = Path("demo.json")
    clock = build_demo(demo)
    await shoot(demo, "console-120x35", (120, 35), [], clock)
    await shoot(demo, "console-80x24", (80, 24), [], clock)
    await shoot(demo, "help", (120, 35), ["question_mark"], clock)
    await shoot(demo, "resolve-checklist", (120, 35), ["x"], clock)
    await shoot(demo, "postmortem", (120, 35), ["p"], clock)
    await shoot(Path("empty.json"), "empty", (120, 35), [], clock)


if __name__ == "__main__":
    asyncio.run(main())
