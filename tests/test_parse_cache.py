"""dbt's saved parse is reused only by the project files it was made from (publish.py).

A model renamed together with its unit tests (fct_leads → dim_leads) failed to compile when
dbt's partial parse started from a parse saved before the rename: after an upgrade, every
build failed until the cache was deleted by hand. Real files in a temporary workspace.
"""

from __future__ import annotations

from chainkpi import publish
from chainkpi.settings import Workspace


def _workspace(tmp_path, monkeypatch):
    monkeypatch.setenv("CHAINKPI_DBT_PARSE_CACHE", str(tmp_path / "cache" / "parse.msgpack"))
    return Workspace(tmp_path / "home")


def _write_state(path, content: bytes, fingerprint: str | None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    if fingerprint is not None:
        path.with_name(path.name + ".project").write_text(fingerprint, "ascii")


def test_a_parse_saved_from_other_project_files_is_dropped_before_the_build(tmp_path, monkeypatch):
    workspace = _workspace(tmp_path, monkeypatch)
    saved = publish._parse_state(workspace)
    _write_state(saved, b"old parse", "0" * 64)
    publish._seed_parse_state(workspace)
    assert not saved.exists()


def test_a_parse_saved_without_a_fingerprint_is_dropped(tmp_path, monkeypatch):
    workspace = _workspace(tmp_path, monkeypatch)
    saved = publish._parse_state(workspace)
    _write_state(saved, b"parse from an older chainkpi", None)
    publish._seed_parse_state(workspace)
    assert not saved.exists()


def test_the_shared_cache_seeds_a_new_workspace_only_when_made_from_these_files(
    tmp_path, monkeypatch
):
    workspace = _workspace(tmp_path, monkeypatch)
    cache, saved = publish.parse_cache(), publish._parse_state(workspace)
    _write_state(cache, b"parse of another version", "f" * 64)
    publish._seed_parse_state(workspace)
    assert not saved.exists()

    _write_state(cache, b"parse of these files", publish.project_fingerprint())
    publish._seed_parse_state(workspace)
    assert saved.read_bytes() == b"parse of these files"


def test_a_saved_parse_of_these_files_is_kept_and_shared(tmp_path, monkeypatch):
    workspace = _workspace(tmp_path, monkeypatch)
    saved = publish._parse_state(workspace)
    fingerprint = publish.project_fingerprint()
    _write_state(saved, b"this project's parse", fingerprint)
    assert publish._seed_parse_state(workspace) == fingerprint
    assert saved.read_bytes() == b"this project's parse"
    publish._save_parse_state(workspace, fingerprint)
    assert publish.parse_cache().read_bytes() == b"this project's parse"
    assert publish._state_is_current(publish.parse_cache(), fingerprint)
