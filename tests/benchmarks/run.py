"""All benchmarks: ``python -m tests.benchmarks.run [TITLE ...]`` (``make bench``).

Each section is a module with ``run() -> list[str]``; a module that is not there yet is
skipped with a note. Naming titles runs only those sections.
"""

from __future__ import annotations

import importlib
import sys

SECTIONS: list[tuple[str, str]] = [
    ("Store", "tests.benchmarks.store_bench"),
    ("History", "tests.benchmarks.history_bench"),
    ("Console", "tests.benchmarks.ui_bench"),
    ("Listener", "tests.benchmarks.listener_bench"),
    ("Serve", "tests.benchmarks.serve_bench"),
]


def main(argv: list[str]) -> int:
    wanted = {title.lower() for title in argv}
    for title, module_name in SECTIONS:
        if wanted and title.lower() not in wanted:
            continue
        print(title)
        print("=" * len(title))
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            print(f"(skipped: {module_name} does not exist yet)")
            print()
            continue
        for line in module.run():
            print(line, flush=True)
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
