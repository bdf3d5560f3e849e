"""The incident picker opens an archive read-only: the console then shows the archive as ``--read-only`` does."""

from __future__ import annotations

from pathlib import Path

from incident_console.desk import Desk
from incident_console.store.repository import Repository
from incident_console.ui.screens.picker import IncidentPicker
from tests.archive_files import FINISHED, OPEN, build, cut
from tests.ui.conftest import SIZE, notices, record_notifications, settle, text_of, type_into


async def test_the_picker_opens_an_archive_read_only(tmp_path: Path, clipboard) -> None:  # type: ignore[no-untyped-def]
    from incident_console.ui.app import IncidentConsole

    work, out = tmp_path / "incidents.json", tmp_path / "archive.json"
    build(work, [FINISHED, OPEN]).archive(str(out), cut())
    archived = out.read_bytes()
    app = IncidentConsole(Desk(Repository(work), author="alice"), clipboard=clipboard, verify_on_open=False)
    record_notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("i")
        await pilot.pause()
        assert isinstance(app.screen, IncidentPicker)
        await pilot.press("ctrl+o")
        await pilot.pause()
        await type_into(pilot, "#field-path", str(out))
        await pilot.press("enter")
        await pilot.pause(0.3)
        assert app.screen is app.main
        assert app.desk.read_only and app.desk.path == str(out)
        assert [i.id for i in app.snapshot.incidents] == ["INC-1"]
        assert "archive.json" in text_of(app, "#topbar") and "read-only view" in text_of(app, "#topbar")
        for key in ("a", "l", *"hello", "enter", "s"):  # no key writes to the archive
            await pilot.press(key)
        await pilot.pause(0.3)
        assert not app.saver.pending()
        await pilot.press("i")  # and back to the working file, which can be changed again
        await pilot.pause()
        await pilot.press("ctrl+o")
        await pilot.pause()
        await type_into(pilot, "#field-path", str(work))
        await pilot.press("enter")
        await pilot.pause(0.3)
        assert app.desk.path == str(work) and not app.desk.read_only and not app.read_only
        assert [i.id for i in app.snapshot.incidents] == ["INC-2"]
    assert out.read_bytes() == archived
    assert any("read-only" in n.message for n in notices(app))


async def test_a_file_that_cannot_be_opened_is_one_sentence(tmp_path: Path, clipboard) -> None:  # type: ignore[no-untyped-def]
    from incident_console.ui.app import IncidentConsole

    work = tmp_path / "incidents.json"
    build(work, [OPEN])
    (tmp_path / "notes.json").write_text('{"something": "else"}')
    app = IncidentConsole(Desk(Repository(work), author="alice"), clipboard=clipboard, verify_on_open=False)
    record_notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for path in (str(tmp_path / "missing.json"), str(tmp_path / "notes.json")):
            await pilot.press("i")
            await pilot.pause()
            await pilot.press("ctrl+o")
            await pilot.pause()
            await type_into(pilot, "#field-path", path)
            await pilot.press("enter")
            await pilot.pause(0.2)
        assert app.desk.path == str(work) and not app.desk.read_only
    errors = [n.message for n in notices(app) if n.severity == "error"]
    assert "missing.json is not a file" in errors[0]
    assert "notes.json is JSON but not a TinyDB file" in errors[1]
