"""Let pytest explain failed assertions inside the scenario modules too."""

import pytest

pytest.register_assert_rewrite(
    "tests.reliability.harness", "tests.reliability.scenarios", "tests.reliability.planted", "tests.reliability.locks"
)
