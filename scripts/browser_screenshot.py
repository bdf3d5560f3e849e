"""Write screenshots/browser.png: the demo incident served by `incident-console serve`, in headless chromium.

Part of ``make screenshots``. Where chromium or its driver is missing it says so and writes nothing.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.serve.browser import Tab, browser, missing_browser, serve  # noqa: E402
from tests.serve.conftest import demo_file  # noqa: E402

OUT = ROOT / "screenshots" / "browser.png"
WIDTH, HEIGHT = 1280, 860


def main() -> int:
    if (reason := missing_browser()) is not None:
        print(f"screenshots/browser.png not written: {reason}")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        served = serve(demo_file(Path(tmp), hostile=False))
        try:
            with browser(WIDTH, HEIGHT) as driver:
                colleague = Tab(driver, served.url(**{"as": "bob"}))
                colleague.wait_for("Checkout API returning 502s")
                tab = Tab(driver, served.url(**{"as": "alice"}))
                tab.wait_for(lambda text: "also here: bob" in text and "? Help" in text)
                time.sleep(0.5)  # the last frame drawn on the canvas
                OUT.parent.mkdir(exist_ok=True)
                driver.save_screenshot(str(OUT))
        finally:
            served.stop()
    print(f"wrote {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
