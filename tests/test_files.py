"""write_atomically (issue 20, item 7: export temporary files): an unguessable partial name
made exclusively, so a symlink planted where the old predictable name was is not followed."""

from __future__ import annotations

import os

import pytest

from chainkpi.files import write_atomically


def test_a_link_planted_at_the_old_predictable_name_is_not_followed(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    target = tmp_path / "out" / "kpi_progress_2026Q3.csv"
    target.parent.mkdir()
    planted = target.with_name(f".{target.name}.{os.getpid()}.partial")
    planted.symlink_to(victim)
    write_atomically(target, lambda part: part.write_text("new figures"))
    assert victim.read_text() == "keep me"
    assert target.read_text() == "new figures" and not target.is_symlink()
    assert oct(target.stat().st_mode & 0o777) == "0o600"
    leftovers = [p.name for p in target.parent.iterdir() if p.name.endswith(".partial")]
    assert leftovers == [planted.name]  # the planted link, untouched


def test_nothing_half_written_stays_after_a_failed_write(tmp_path):
    target = tmp_path / "a.xlsx"

    def fail(part):
        part.write_text("half")
        raise OSError("disk full")

    with pytest.raises(OSError):
        write_atomically(target, fail)
    assert list(tmp_path.iterdir()) == []
