"""The command-line package: it reaches the state file only through the Desk, and completes in every shell."""

from __future__ import annotations

import ast
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import incident_console.cli as cli_package
from incident_console.cli import PROG, load_all, main

CLI_DIR = Path(cli_package.__file__).parent


def _imports(path: Path) -> list[str]:
    """The modules ``path`` imports, relative ones made absolute."""
    package = ["incident_console", *path.relative_to(CLI_DIR.parent).parent.parts]
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, node.module] if node.module else base)
            found += [module] + [f"{module}.{alias.name}" for alias in node.names]
    return found


def test_the_cli_package_has_its_modules() -> None:
    assert {"registry.py", "parser.py", "json_out.py", "render.py", "console.py"} <= {
        p.name for p in CLI_DIR.glob("*.py")
    }


@pytest.mark.parametrize("path", sorted(CLI_DIR.rglob("*.py")), ids=lambda p: str(p.relative_to(CLI_DIR)))
def test_the_cli_imports_nothing_from_the_store(path: Path) -> None:
    store = [
        name
        for name in _imports(path)
        if name == "incident_console.store" or name.startswith("incident_console.store.")
    ]
    assert store == [], f"{path.name} imports {store}"


# How each shell's script offers a command after ``incident-console``.
OFFERED = {
    "bash": lambda script, name: name in re.search(r"_subparsers=\(([^)]*)\)", script).group(1).split(),
    "zsh": lambda script, name: re.search(rf"^\s*{name}:'", script, re.M) is not None,
    "fish": lambda script, name: f" -a {name} -d " in script,
}


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_names_every_command(shell: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["completion", shell]) == 0
    script = capsys.readouterr().out
    missing = [name for name in load_all() if not OFFERED[shell](script, name)]
    assert missing == []
    assert ("-l severity" if shell == "fish" else "--severity") in script  # and the commands' options


def test_bash_accepts_the_bash_completion(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    if shutil.which("bash") is None:
        pytest.skip("no bash here")
    assert main(["completion", "bash"]) == 0
    script = tmp_path / "incident-console.bash"
    script.write_text(capsys.readouterr().out)
    assert subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True).returncode == 0
    # Sourced, it registers the completion function for the command.
    done = subprocess.run(
        ["bash", "-c", f"source {script} && complete -p incident-console"], capture_output=True, text=True
    )
    assert done.returncode == 0 and "incident-console" in done.stdout


def test_fish_completion_offers_a_commands_choices(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["completion", "fish"]) == 0
    script = capsys.readouterr().out
    assert "__fish_seen_subcommand_from checklist' -a 'verify'" in script
    assert "-l severity -r" in script


def test_completion_json_carries_the_script(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["completion", "zsh", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["shell"] == "zsh" and "#compdef incident-console" in data["script"]


def test_an_unknown_shell_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["completion", "powershell"])
    assert stopped.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_fish_completes_the_commands_and_their_options(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    if shutil.which("fish") is None:
        pytest.skip("fish is not installed (.ci/run installs it)")
    assert main(["completion", "fish"]) == 0
    script = tmp_path / f"{PROG}.fish"
    script.write_text(capsys.readouterr().out)

    def offered(line: str) -> list[str]:
        done = subprocess.run(
            ["fish", "--no-config", "-c", f"source {script}; complete -C {line!r}"], capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        return [row.split("\t")[0] for row in done.stdout.splitlines()]

    assert sorted(offered(f"{PROG} ")) == sorted(load_all())  # what Tab offers after the program's name
    assert "--incident" in offered(f"{PROG} log --")


def test_zsh_accepts_the_zsh_completion(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    if shutil.which("zsh") is None:
        pytest.skip("zsh is not installed (.ci/run installs it)")
    assert main(["completion", "zsh"]) == 0
    script = tmp_path / f"_{PROG}"
    script.write_text(capsys.readouterr().out)
    assert subprocess.run(["zsh", "-n", str(script)], capture_output=True, text=True).returncode == 0
    # Loaded by compinit from a folder on $fpath, it defines the completion for the command.
    done = subprocess.run(
        [
            "zsh",
            "-f",
            "-c",
            f"fpath=({tmp_path} $fpath); autoload -U compinit; compinit -u; print -r -- $_comps[{PROG}]",
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0 and done.stdout.strip() == f"_{PROG}", done.stdout + done.stderr


def test_read_only_before_a_command_refuses_the_change_and_leaves_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = tmp_path / "incidents.json"
    assert main(["--file", str(state), "new", "Checkout down", "--severity", "P2"]) == 0
    before = state.read_bytes()
    capsys.readouterr()
    assert main(["--file", str(state), "--read-only", "log", "restarted pods"]) == 2
    assert capsys.readouterr().err.strip() == f"{PROG}: This is a read-only view: nothing was changed."
    assert state.read_bytes() == before
    assert main(["--file", str(state), "--read-only", "show"]) == 0  # reading still works
    assert "Checkout down" in capsys.readouterr().out


def test_each_command_is_found_in_the_module_named_for_it() -> None:
    """A run of one command imports only the module ``MODULES`` names for it: that module must be
    the one that registers it, and every registered command must be named there."""
    from incident_console.cli.commands import MODULES

    table = load_all()
    assert list(table) == list(MODULES)
    assert {name: entry.run.__module__.rsplit(".", 1)[1] for name, entry in table.items()} == MODULES


def test_one_command_starts_without_the_other_command_modules(tmp_path: Path) -> None:
    """An alert hook's ``log`` imports its own command module only."""
    code = (
        "import sys\n"
        "from incident_console.cli import main\n"
        "status = main(['log', 'checked', '--file', sys.argv[1]])\n"
        "loaded = sorted(m.rsplit('.', 1)[1] for m in sys.modules if m.startswith('incident_console.cli.commands.'))\n"
        "print(status, loaded, 'dataclasses' in sys.modules, 'threading' in sys.modules)\n"
    )
    state = tmp_path / "state.json"
    assert main(["new", "Checkout errors", "--severity", "P2", "--file", str(state)]) == 0
    result = subprocess.run([sys.executable, "-c", code, str(state)], capture_output=True, text=True, check=True)
    assert result.stdout.strip().splitlines()[-1] == "0 ['_common', 'respond'] False False"
