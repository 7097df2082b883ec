"""Backup and restore of a workspace (数据备份恢复, 等保 2.0).

    kpi backup DIR [--include-key]   # DIR must be new or empty
    kpi restore DIR                  # into an empty workspace (CHAINKPI_HOME)

A backup is a folder: the published warehouse (and its checksum), the raw layer, the archive
of handed-in files, users.toml and the audit trail, byte for byte, with `manifest.json` —
every file's path, size and SHA-256. The hashing key (which makes the masked IDs and the
keyed hashes of the raw layer) goes in only with --include-key: without it the backup holds
no secret, and the district keeps the key apart (a restored workspace needs the same key for
new ledgers to match earlier hashes: CHAINKPI_SECRET, or the key file).

Consistency: the backup holds the build lock (no build publishes meanwhile) and a read-only
DuckDB connection to the raw layer (no ingest writes meanwhile; one that runs is waited for
by neither: the backup says so and stops). Sessions and logs are not backed up.

Restore checks every file against the manifest before writing anything, refuses a workspace
that already holds a warehouse, a raw layer, users or an audit trail, and writes files 0600
in folders 0700.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
from pathlib import Path

import duckdb

from chainkpi import __version__
from chainkpi.errors import UsageError, UserError
from chainkpi.files import write_atomically
from chainkpi.settings import Workspace

MANIFEST = "manifest.json"
KEY_NAME = "secret.key"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _members(workspace: Workspace) -> list[Path]:
    """The workspace's files that a backup holds, relative to its home."""
    home = workspace.home
    wanted = [
        workspace.published_db,
        workspace.published_db.with_name(workspace.published_db.name + ".sha256"),
        workspace.raw_db,
        home / "users.toml",
    ]
    found = [path for path in wanted if path.is_file()]
    for folder in (workspace.archive, home / "audit"):
        if folder.is_dir():
            found += sorted(
                path
                for path in folder.rglob("*")
                if path.is_file() and not path.is_symlink() and path.name != ".lock"
            )
    return [path.relative_to(home) for path in found]


def _copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out, source.open("rb") as handle:
        shutil.copyfileobj(handle, out, 1 << 20)
        out.flush()
        os.fsync(out.fileno())


def backup(workspace: Workspace, out: Path, include_key: bool = False) -> dict:
    """Write the backup into `out` (new or empty); return its manifest."""
    from chainkpi.ingest import privacy
    from chainkpi.publish import _BuildLock

    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise UsageError(f"备份目录须为新目录或空目录 (backup folder must be new or empty): {out}")
    if not workspace.home.is_dir():
        raise UserError(f"工作区不存在 (no workspace): {workspace.home}")
    out.mkdir(parents=True, exist_ok=True, mode=0o700)
    with _BuildLock(workspace.warehouse_dir / ".build.lock"):
        raw = None
        if workspace.raw_db.exists():
            try:
                raw = duckdb.connect(str(workspace.raw_db), read_only=True)
            except duckdb.Error:
                raise UserError(
                    "正在导入台账，原始数据层被占用：请在导入结束后再备份 "
                    "(an ingest is writing the raw layer; back up after it)"
                ) from None
        try:
            files = []
            for relative in _members(workspace):
                source = workspace.home / relative
                _copy(source, out / "workspace" / relative)
                files.append(
                    {
                        "path": relative.as_posix(),
                        "bytes": source.stat().st_size,
                        "sha256": _sha256(out / "workspace" / relative),
                    }
                )
        finally:
            if raw is not None:
                raw.close()
    key = None
    if include_key:
        secret = privacy.load_secret()
        target = out / KEY_NAME
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(secret)
        key = {"path": KEY_NAME, "sha256": _sha256(target)}
    manifest = {
        "chainkpi_version": __version__,
        "created_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "workspace": str(workspace.home),
        "files": files,
        "key": key,
    }
    write_atomically(
        out / MANIFEST,
        lambda part: part.write_text(json.dumps(manifest, ensure_ascii=False, indent=2), "utf-8"),
    )
    return manifest


def check(folder: Path) -> dict:
    """The backup's manifest, after checking every file it lists (size and SHA-256) and that
    no listed path leaves the backup; UserError naming the first file that does not hold."""
    folder = Path(folder)
    try:
        manifest = json.loads((folder / MANIFEST).read_text("utf-8"))
        entries = list(manifest["files"])
    except (OSError, ValueError, KeyError, TypeError):
        raise UserError(
            f"不是 chainkpi 备份，或清单已损坏 (no valid {MANIFEST}): {folder}"
        ) from None
    root = (folder / "workspace").resolve()
    listed = [*entries, *([manifest["key"]] if manifest.get("key") else [])]
    for entry in listed:
        base = folder if entry is manifest.get("key") else folder / "workspace"
        path = (base / str(entry["path"])).resolve()
        if entry is not manifest.get("key") and root not in path.parents:
            raise UserError(f"备份清单中的路径越界 (path outside the backup): {entry['path']}")
        if not path.is_file() or path.is_symlink() or _sha256(path) != entry["sha256"]:
            raise UserError(f"备份文件缺失或与清单校验值不符 (missing or changed): {entry['path']}")
    return manifest


def restore(folder: Path, workspace: Workspace) -> dict:
    """Restore the backup into `workspace`, which must hold no data yet."""
    from chainkpi.ingest import privacy

    manifest = check(folder)
    occupied = [
        path
        for path in (
            workspace.published_db,
            workspace.raw_db,
            workspace.home / "users.toml",
            workspace.home / "audit",
        )
        if path.exists()
    ]
    if occupied:
        raise UserError(
            "只能恢复到空工作区，以下已存在 (restore needs an empty workspace): "
            + ", ".join(str(path) for path in occupied)
        )
    key = manifest.get("key")
    if key:
        secret = (Path(folder) / KEY_NAME).read_bytes().strip()
        existing = privacy.secret_file()
        if os.environ.get("CHAINKPI_SECRET"):
            if os.environ["CHAINKPI_SECRET"].encode() != secret:
                raise UserError(
                    "CHAINKPI_SECRET 与备份中的密钥不同 (a different hashing key is set)"
                )
        elif existing.exists():
            if existing.read_bytes().strip() != secret:
                raise UserError(f"已有不同的哈希密钥 (a different hashing key): {existing}")
        else:
            existing.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(existing, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(secret)
    workspace.home.mkdir(parents=True, exist_ok=True, mode=0o700)
    workspace.ensure()
    for entry in manifest["files"]:
        target = workspace.home / entry["path"]
        if target.exists():  # an archived file the empty workspace already had: same name
            continue
        _copy(Path(folder) / "workspace" / entry["path"], target)
    return manifest
