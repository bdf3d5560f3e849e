"""Where the state and config files are looked for."""

from __future__ import annotations

from pathlib import Path

import platformdirs
import pytest

from incident_console.store.locations import config_file, state_file


@pytest.mark.parametrize("xdg", ["", "/tmp/xdg-config", "  "])
def test_default_config_is_where_platformdirs_puts_it(xdg: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("INCIDENT_CONSOLE_CONFIG", raising=False)
    if xdg:
        monkeypatch.setenv("XDG_CONFIG_HOME", xdg)
    else:
        monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    expected = Path(platformdirs.user_config_dir("incident-console", appauthor=False)) / "config.toml"
    assert Path(config_file()) == expected


def test_named_files_win_over_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INCIDENT_CONSOLE_FILE", str(tmp_path / "env.json"))
    monkeypatch.setenv("INCIDENT_CONSOLE_CONFIG", str(tmp_path / "env.toml"))
    assert Path(state_file()) == tmp_path / "env.json"
    assert Path(state_file(str(tmp_path / "arg.json"))) == tmp_path / "arg.json"
    assert Path(config_file()) == tmp_path / "env.toml"
    assert Path(config_file(str(tmp_path / "arg.toml"))) == tmp_path / "arg.toml"


def test_default_state_file_is_in_the_user_data_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("INCIDENT_CONSOLE_FILE", raising=False)
    expected = Path(platformdirs.user_data_dir("incident-console", appauthor=False)) / "incidents.json"
    assert Path(state_file()) == expected
