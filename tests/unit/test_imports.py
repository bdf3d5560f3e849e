"""Import boundaries: the domain is pure, and the command line never loads textual."""

from __future__ import annotations

import ast
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import incident_console.domain as domain_package

DOMAIN_DIR = Path(domain_package.__file__).parent
DOMAIN_MODULES = sorted(f"incident_console.domain.{m.name}" for m in pkgutil.iter_modules([str(DOMAIN_DIR)]))
HEAVY = ("textual", "tinydb", "rich", "filelock", "platformdirs", "pyperclip")


def loaded_after(script: str, tmp_path: Path) -> dict:
    """Run ``script`` in a fresh interpreter; it must print one JSON object as its last line."""
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={
            "PATH": "/usr/bin:/bin",
            "INCIDENT_CONSOLE_USER": "alice",
            "XDG_CONFIG_HOME": str(tmp_path),
            "PYTHONPATH": str(DOMAIN_DIR.parents[1]),  # this checkout, not whichever one is installed
        },
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


REPORT = f"import json, sys; print(json.dumps({{m: m in sys.modules for m in {HEAVY!r}}}))"


def test_domain_modules_are_found() -> None:
    assert {"ledger", "model", "policy", "sla", "text", "times", "triage", "errors"} <= {
        name.rsplit(".", 1)[1] for name in DOMAIN_MODULES
    }


def test_domain_imports_no_ui_or_storage_library(tmp_path: Path) -> None:
    imports = "; ".join(f"import {name}" for name in DOMAIN_MODULES)
    loaded = loaded_after(f"{imports}; {REPORT}", tmp_path)
    assert loaded == {name: False for name in HEAVY}


@pytest.mark.parametrize("module", ["incident_console.cli", "incident_console.desk", "incident_console.config"])
def test_cli_and_desk_do_not_import_textual(module: str, tmp_path: Path) -> None:
    loaded = loaded_after(f"import {module}; {REPORT}", tmp_path)
    assert loaded["textual"] is False


@pytest.mark.parametrize(
    ("command", "expected_status"),
    [(["list"], 0), (["new", "API down", "--severity", "P1"], 0), (["show", "--json"], 2), (["verify"], 0)],
)
def test_running_a_cli_command_does_not_import_textual(
    command: list[str], expected_status: int, tmp_path: Path
) -> None:
    state = tmp_path / "incidents.json"
    script = (
        "import sys, json\n"
        "from incident_console.cli import main\n"
        f"status = main({[*command, '--file', str(state)]!r})\n"
        "sys.stdout.flush()\n"
        "print(json.dumps({'status': status, 'textual': 'textual' in sys.modules}))\n"
    )
    loaded = loaded_after(script, tmp_path)
    assert loaded["status"] == expected_status
    assert loaded["textual"] is False


def test_python_m_incident_console_list_does_not_import_textual(tmp_path: Path) -> None:
    """The real entry point, with an exit hook reporting what was loaded."""
    state = tmp_path / "incidents.json"
    script = (
        "import atexit, runpy, sys\n"
        "atexit.register(lambda: print('TEXTUAL', 'textual' in sys.modules))\n"
        f"sys.argv = ['incident_console', 'list', '--file', {str(state)!r}]\n"
        "runpy.run_module('incident_console', run_name='__main__', alter_sys=True)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={
            "PATH": "/usr/bin:/bin",
            "INCIDENT_CONSOLE_USER": "alice",
            "XDG_CONFIG_HOME": str(tmp_path),
            "PYTHONPATH": str(DOMAIN_DIR.parents[1]),  # this checkout, not whichever one is installed
        },
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "No incidents in" in result.stdout
    assert result.stdout.strip().splitlines()[-1] == "TEXTUAL False"


# --- static checks on the domain's source ---------------------------------------------------------

ALLOWED_DOMAIN_IMPORTS = {
    "__future__",
    "collections",
    "dataclasses",
    "datetime",
    "enum",
    "hashlib",
    "_sha256",
    "json",
    "math",
    "types",
    "re",
    "typing",
}
CLOCK_READS = {"now", "utcnow", "today", "time", "monotonic", "perf_counter", "time_ns", "monotonic_ns"}


def _domain_sources() -> list[tuple[str, ast.Module]]:
    return [(p.name, ast.parse(p.read_text(), filename=str(p))) for p in sorted(DOMAIN_DIR.glob("*.py"))]


def _imported_roots() -> list[tuple[str, set[str], str]]:
    """(file, top-level packages, statement) for every absolute import in the domain."""
    found = []
    for name, tree in _domain_sources():
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found.append((name, {alias.name.split(".")[0] for alias in node.names}, ast.unparse(node)))
            elif isinstance(node, ast.ImportFrom) and not node.level:
                found.append((name, {(node.module or "").split(".")[0]}, ast.unparse(node)))
    return found


def test_domain_imports_only_the_standard_library_and_itself() -> None:
    for name, roots, statement in _imported_roots():
        assert roots <= ALLOWED_DOMAIN_IMPORTS, f"{name}: {statement}"
    for name, tree in _domain_sources():
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level:
                # Relative: must stay inside the domain package.
                assert node.level == 1, f"{name} imports from outside the domain: {ast.unparse(node)}"


def test_domain_never_reads_the_clock() -> None:
    for name, tree in _domain_sources():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                assert node.func.attr not in CLOCK_READS, f"{name} reads the clock: {ast.unparse(node)}"


@pytest.mark.parametrize("module", ["incident_console.cli", "incident_console.desk", "incident_console.desk.detect"])
def test_only_the_listener_imports_aiohttp(module: str, tmp_path: Path) -> None:
    loaded = loaded_after(
        f"import {module}; import json, sys; print(json.dumps({{'aiohttp': 'aiohttp' in sys.modules}}))", tmp_path
    )
    assert loaded == {"aiohttp": False}
