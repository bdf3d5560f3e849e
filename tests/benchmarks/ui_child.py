"""A console run in its own process for the benchmarks: ``python -m tests.benchmarks.ui_child MODE [FILE]``.

MODE ``bare`` is a bare Textual app (Header, Footer, one Static); ``console`` is the incident
console on FILE, opened through the command line as ``incident-console --file FILE`` opens it.
With ``--idle SECONDS`` the app settles for a few seconds after its first frame, then stays up
that long and reports the CPU time it used meanwhile. It prints one JSON line: seconds from
process start to the first frame, peak memory (KiB), and idle CPU seconds.
"""

from __future__ import annotations

import time

STARTED = time.perf_counter()

import argparse  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
from typing import Any  # noqa: E402

from textual.app import App, ComposeResult  # noqa: E402
from textual.widgets import Footer, Header, Static  # noqa: E402

result: dict[str, float] = {}
SETTLE_SECONDS = 3.0


def first_frame(app: App[None], idle: float) -> None:
    result["first_frame_s"] = time.perf_counter() - STARTED
    if idle <= 0:
        app.exit()
        return
    cpu_start = 0.0

    def start() -> None:
        nonlocal cpu_start
        cpu_start = time.process_time()
        app.set_timer(idle, done)

    def done() -> None:
        result["idle_cpu_s"] = time.process_time() - cpu_start
        result["idle_s"] = idle
        app.exit()

    # Steady state: after the start-up work (the console checks the log's hash chain once,
    # in the background, half a second after the first frame).
    app.set_timer(SETTLE_SECONDS, start)


class Bare(App[None]):
    def __init__(self, idle: float) -> None:
        super().__init__()
        self.idle = idle

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("incident-console")
        yield Footer()

    def on_ready(self) -> None:
        first_frame(self, self.idle)


def console(path: str, idle: float) -> None:
    """Open the console the way ``incident-console --file PATH`` does (the command line's own steps:
    settings, the file checked before the screen opens), headless and measured."""
    import os

    from incident_console import cli
    from incident_console.clipboard import CopyOutcome
    from incident_console.ui import app as app_module

    class NoClipboard:
        def copy(self, text: str) -> CopyOutcome:
            return CopyOutcome(False, "benchmark")

    class Measured(app_module.IncidentConsole):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, clipboard=NoClipboard(), **kwargs)

        def on_ready(self) -> None:
            first_frame(self, idle)

        def run(self, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
            super().run(headless=True, size=(120, 35))

    os.environ["INCIDENT_CONSOLE_CONFIG"] = os.path.join(os.path.dirname(path), "no-config.toml")
    app_module.IncidentConsole = Measured  # type: ignore[misc]
    status = cli.main(["--file", path, "--as", "bench"])
    if status:
        raise SystemExit(status)


def peak_kib() -> float:
    """This process's peak resident memory. VmHWM belongs to the process's own memory map; ru_maxrss
    would also count the parent's memory at fork time (Linux keeps it across exec)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return float(line.split()[1])
    except OSError:
        pass
    return float(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["bare", "console"])
    parser.add_argument("file", nargs="?")
    parser.add_argument("--idle", type=float, default=0.0)
    args = parser.parse_args()
    if args.mode == "bare":
        Bare(args.idle).run(headless=True, size=(120, 35))
    else:
        console(args.file, args.idle)
    result["peak_kib"] = peak_kib()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
