"""The `kpi` command: a thin layer over functions that tests call directly.

User mistakes (chainkpi.errors.UserError) and the environment's refusals (OSError: a disk
full, a read-only or missing folder, no permission) become one clear line on stderr and a
non-zero exit; anything else is a bug and traces back.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from pathlib import Path

from chainkpi.errors import UserError
from chainkpi.settings import Workspace, disable_telemetry


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2, as for every usage error
        self.exit(2, f"kpi: {message} (see kpi --help)\n")


def _date(text: str):
    import datetime as dt

    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text}") from None


def _quarter(text: str) -> int:
    value = text.strip().upper().removeprefix("Q")
    if value not in {"1", "2", "3", "4"}:
        raise argparse.ArgumentTypeError(f"quarter must be 1, 2, 3 or 4: {text}")
    return int(value)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="kpi", description="产业链双招双引 KPI 数据仓库 (chainkpi)")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    ingest = commands.add_parser("ingest", help="校验并导入台账 (validate and load ledgers)")
    ingest.add_argument("paths", nargs="*", type=Path, help="files or folders (default: the inbox)")
    ingest.add_argument("--report", type=Path, help="also write the report as JSON to this file")
    ingest.add_argument("--quiet", "-q", action="store_true", help="print the total line only")
    ingest.add_argument(
        "--returns",
        type=Path,
        help="write a {stem}_退回修改.xlsx here for every file with rejected rows or rejected whole",
    )

    template = commands.add_parser(
        "template", help="写出导入模板 (the district's import templates)"
    )
    template.add_argument("dataset", help="projects, chain_gaps, leads, talent_catalogue, "
                          "talent_hires, leader_projects, or all")  # fmt: skip
    template.add_argument("--out", type=Path, required=True, help="folder to write into")

    build = commands.add_parser("build", help="运行 dbt 构建并原子发布数据仓库 (build and publish)")
    build.add_argument("--force", action="store_true", help="rebuild even if nothing changed")
    build.add_argument(
        "--as-of", type=_date, help="measure stage durations at this date (default today)"
    )
    build.add_argument(
        "--unit-tests",
        action="store_true",
        help="also run dbt's unit tests of the SQL logic (CI; while changing a model)",
    )
    build.add_argument("--quiet", "-q", action="store_true", help="print the result line only")

    export = commands.add_parser("export", help="写出季度目标跟踪报表 (quarterly export)")
    export.add_argument("--year", type=int, required=True)
    export.add_argument("--quarter", type=_quarter, required=True, help="1-4 (Q3 also accepted)")
    export.add_argument("--out", type=Path, required=True, help="folder to write into")
    export.add_argument("--chain", help="only this chain (NE, SEMI, EQUIP, MAT)")
    export.add_argument("--lang", choices=["zh", "en"], default="zh", help="header language")

    bulletin = commands.add_parser(
        "bulletin", help="写出月度通报 (the monthly bulletin: ranking, xlsx and PDF)"
    )
    bulletin.add_argument("--year", type=int, required=True)
    bulletin.add_argument("--month", type=int, required=True, help="1-12")
    bulletin.add_argument("--out", type=Path, required=True, help="folder to write into")

    brief = commands.add_parser(
        "brief", help="写出产业链党委会议材料 (a chain committee's quarterly brief, PDF)"
    )
    brief.add_argument("--chain", required=True, help="NE, SEMI, EQUIP or MAT")
    brief.add_argument("--year", type=int, required=True)
    brief.add_argument("--quarter", type=_quarter, required=True, help="1-4 (Q3 also accepted)")
    brief.add_argument("--out", type=Path, required=True, help="folder to write into")

    backtest = commands.add_parser(
        "backtest", help="达成概率回测 (Brier score of probability_to_meet against the baseline)"
    )
    backtest.add_argument("--year", type=int, required=True, help="a year that is over")

    user = commands.add_parser("user", help="看板用户管理 (dashboard users)")
    user_commands = user.add_subparsers(dest="user_command", required=True, parser_class=_Parser)
    user_add = user_commands.add_parser("add", help="add or update a user")
    user_add.add_argument("username")
    user_add.add_argument(
        "--role", required=True, help="district | analyst | chain:NE|SEMI|EQUIP|MAT"
    )
    user_add.add_argument("--name", help="display name")
    user_add.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    user_commands.add_parser(
        "list", help="list users, roles, last sign-in and lock state (never passwords)"
    )
    for action, text in (
        ("disable", "keep the user, sign nobody in as it"),
        ("enable", "allow a disabled user again"),
        ("remove", "delete the user"),
    ):
        user_commands.add_parser(action, help=text).add_argument("username")

    commands.add_parser("docs", help="生成 dbt 文档与血缘图 (dbt docs, one offline HTML file)")

    backup = commands.add_parser("backup", help="备份工作区 (back up the workspace)")
    backup.add_argument("out", type=Path, help="a new or empty folder")
    backup.add_argument(
        "--include-key", action="store_true", help="also the hashing key (keep the backup safe)"
    )
    restore = commands.add_parser("restore", help="从备份恢复到空工作区 (restore a backup)")
    restore.add_argument("folder", type=Path)

    archive = commands.add_parser("archive", help="归档的台账原件 (the archive of handed-in files)")
    archive_commands = archive.add_subparsers(
        dest="archive_command", required=True, parser_class=_Parser
    )
    purge = archive_commands.add_parser(
        "purge", help="remove handed-in files older than the district's limit"
    )
    purge.add_argument("--older-than", type=float, required=True, metavar="YEARS")
    purge.add_argument("--dry-run", action="store_true", help="list what would go")

    audit = commands.add_parser("audit", help="审计记录 (the audit trail)")
    audit_commands = audit.add_subparsers(dest="audit_command", required=True, parser_class=_Parser)
    audit_show = audit_commands.add_parser("show", help="list records (oldest first)")
    audit_show.add_argument("--user", help="only this user's records")
    audit_show.add_argument("--since", type=_date, help="only records from this day (YYYY-MM-DD)")
    audit_commands.add_parser("verify", help="check the hash chain (exit 1 when broken)")
    audit_archive = audit_commands.add_parser(
        "archive", help="move records older than a day (at least 180 days ago) to audit/archive"
    )
    audit_archive.add_argument("--before", type=_date, required=True, help="YYYY-MM-DD")

    serve = commands.add_parser("serve", help="启动看板 (start the dashboard)")
    serve.add_argument("--port", type=int, help="port (default: Streamlit's, 8501)")
    serve.add_argument("--address", help="address to listen on (default: Streamlit's)")
    serve.add_argument("--tls-cert", type=Path, help="HTTPS: the certificate (PEM)")
    serve.add_argument("--tls-key", type=Path, help="HTTPS: its private key (PEM)")

    demo = commands.add_parser("demo", help="生成演示台账、导入并构建 (the newcomer's command)")
    demo.add_argument("--scale", type=float, default=1.0)
    demo.add_argument("--seed", type=int, default=20241)
    demo.add_argument("--no-serve", action="store_true", help="stop after building")
    return parser


def cmd_ingest(args: argparse.Namespace) -> int:
    from chainkpi.ingest import worker

    worker.start()  # GX loads in its own process while this one imports and reads
    from chainkpi.ingest.pipeline import ingest
    from chainkpi.ingest.summary import file_lines, total_line

    def on_start(count: int) -> None:
        if not args.quiet:
            print(
                f"导入 {count} 个文件… (loading validation rules: Great Expectations)", flush=True
            )

    def progress(report) -> None:
        if not args.quiet:
            print("\n".join(file_lines(report)), flush=True)

    if args.report and args.report.is_dir():
        from chainkpi.errors import UsageError

        raise UsageError(f"--report 需要一个文件路径，而不是文件夹: {args.report}")
    if args.report:
        # Before ingesting: a report that cannot be written is refused with nothing loaded.
        args.report.parent.mkdir(parents=True, exist_ok=True)
    returns = getattr(args, "returns", None)
    if returns and returns.exists() and not returns.is_dir():
        from chainkpi.errors import UsageError

        raise UsageError(f"--returns 需要一个文件夹: {returns}")
    result = ingest(
        args.paths or None,
        Workspace.from_env(),
        progress=progress,
        on_start=on_start,
        returns=returns,
    )
    for path in result.returns:
        if not args.quiet:
            print(f"退回修改 → {path}")
    if args.report:
        args.report.write_text(
            json.dumps(result.to_json(), ensure_ascii=False, indent=2), encoding="utf-8"
        )
    print(total_line(result))
    return result.exit_code


def cmd_template(args: argparse.Namespace) -> int:
    from chainkpi.ingest.templates import write_templates

    for path in write_templates(args.dataset, args.out):
        print(f"已写出 {path}")
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    from chainkpi.publish import build

    workspace = Workspace.from_env()
    if not args.quiet:
        print("构建数据仓库 (dbt build)…", flush=True)
    echo = None if args.quiet else (lambda line: print("  " + line, flush=True))
    result = build(
        workspace, force=args.force, as_of=args.as_of, echo=echo, unit_tests=args.unit_tests
    )
    if result.skipped:
        print(
            f"数据与模型均无变化，已发布的数据仓库仍是最新的 (nothing changed; kept {result.path})"
        )
        return 0
    counts = ", ".join(f"{k} {v}" for k, v in sorted(result.counts.items()))
    print(
        f"已发布 {result.path}（{result.seconds:.1f} 秒，其中 dbt {result.dbt_seconds:.1f} 秒；{counts}）"
    )
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from chainkpi import audit
    from chainkpi.export import write_export

    workspace = Workspace.from_env()
    paths = write_export(
        workspace, args.year, args.quarter, args.out, chain=args.chain, lang=args.lang
    )
    audit.record(
        "export",
        workspace=workspace,
        year=args.year,
        quarter=args.quarter,
        chain=args.chain,
        files=[path.name for path in paths],
    )
    for path in paths:
        print(f"已写出 {path}")
    return 0


def cmd_bulletin(args: argparse.Namespace) -> int:
    from chainkpi import audit
    from chainkpi.bulletin.monthly import write_bulletin

    workspace = Workspace.from_env()
    paths = write_bulletin(workspace, args.year, args.month, args.out)
    audit.record(
        "bulletin",
        workspace=workspace,
        year=args.year,
        month=args.month,
        files=[path.name for path in paths],
    )
    for path in paths:
        print(f"已写出 {path}")
    return 0


def cmd_backtest(args: argparse.Namespace) -> int:
    from chainkpi import forecast

    workspace = Workspace.from_env()
    print(forecast.report(forecast.backtest(workspace.published_db, args.year)))
    return 0


def cmd_brief(args: argparse.Namespace) -> int:
    from chainkpi import audit
    from chainkpi.bulletin.brief import write_brief

    workspace = Workspace.from_env()
    path = write_brief(workspace, args.chain, args.year, args.quarter, args.out)
    audit.record(
        "brief",
        workspace=workspace,
        chain=args.chain.upper(),
        year=args.year,
        quarter=args.quarter,
        files=[path.name],
    )
    print(f"已写出 {path}")
    return 0


def cmd_user(args: argparse.Namespace) -> int:
    from chainkpi import audit, auth

    workspace = Workspace.from_env()
    path = auth.users_file(workspace)
    if args.user_command == "list":
        return _list_users(workspace, path)
    if args.user_command in ("disable", "enable", "remove"):
        if args.user_command == "remove":
            user = auth.remove_user(path, args.username)
        else:
            user = auth.set_disabled(path, args.username, args.user_command == "disable")
        audit.record(f"user_{args.user_command}", workspace=workspace, username=user.username)
        done = {"disable": "已停用", "enable": "已启用", "remove": "已删除"}[args.user_command]
        print(f"{done}用户 {user.username}（{user.role}）")
        return 0
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        import getpass

        password = getpass.getpass("密码 (password): ")
        if getpass.getpass("再输一次 (again): ") != password:
            from chainkpi.errors import UsageError

            raise UsageError("两次输入的密码不一致 (passwords differ)")
    problems = auth.password_problems(args.username, password)
    if problems:
        from chainkpi.errors import UsageError

        raise UsageError("密码不符合要求 (password policy)：" + "；".join(problems))
    existed = args.username in auth.load_users(path, include_disabled=True)
    # The administrator chose this password: temporary, changed by the user at first sign-in.
    user = auth.add_user(path, args.username, args.role, password, args.name, must_change=True)
    audit.record(
        "user_change" if existed else "user_add",
        workspace=workspace,
        username=user.username,
        role=user.role,
        temporary_password=True,
    )
    print(f"已保存用户 {user.username}（{user.role}）→ {path}")
    print("这是临时密码：用户首次登录看板时须修改 (temporary: changed at first sign-in)")
    return 0


def _list_users(workspace: Workspace, path: Path) -> int:
    import datetime as dt

    from chainkpi import auth
    from chainkpi.lockout import Lockout

    guard = Lockout.for_workspace(workspace)
    print("用户\t角色\t名称\t状态\t最近登录 (user, role, name, state, last sign-in)")

    def when(seconds: float | None) -> str:
        if seconds is None:
            return "-"
        return dt.datetime.fromtimestamp(seconds, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")

    for user in auth.load_users(path, include_disabled=True).values():
        until = guard.locked_until(user.username, "")
        state = "已停用 disabled" if user.disabled else "正常 active"
        if user.must_change and not user.disabled:
            state += "，待改临时密码 (temporary password)"
        if until is not None:
            state = f"锁定至 {when(until)} (locked)"
        last = when(guard.last_signin(user.username))
        print(f"{user.username}\t{user.role}\t{user.display_name}\t{state}\t{last}")
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    from chainkpi import audit
    from chainkpi.backup import backup

    workspace = Workspace.from_env()
    manifest = backup(workspace, args.out, include_key=args.include_key)
    total = sum(entry["bytes"] for entry in manifest["files"])
    audit.record(
        "backup",
        workspace=workspace,
        folder=str(args.out),
        files=len(manifest["files"]),
        bytes=total,
        include_key=args.include_key,
    )
    key = "，含哈希密钥 (key included)" if args.include_key else "，不含哈希密钥 (no key)"
    print(f"已备份 {len(manifest['files'])} 个文件（{total:,} 字节{key}）→ {args.out}")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from chainkpi import audit
    from chainkpi.backup import restore

    workspace = Workspace.from_env()
    manifest = restore(args.folder, workspace)
    audit.record(
        "restore",
        workspace=workspace,
        folder=str(args.folder),
        files=len(manifest["files"]),
        created_at=manifest.get("created_at"),
    )
    print(f"已恢复 {len(manifest['files'])} 个文件 → {workspace.home}；请运行 kpi build")
    return 0


def cmd_archive(args: argparse.Namespace) -> int:
    from chainkpi import audit
    from chainkpi.ingest.summary import printable
    from chainkpi.retention import purge

    workspace = Workspace.from_env()
    purged = purge(workspace, args.older_than, dry_run=args.dry_run)
    for item in purged:
        print(printable(f"  {item.ingested_at:%Y-%m-%d}  {item.sha256[:12]}  {item.file_name}"))
    if args.dry_run:
        print(f"将删除 {len(purged)} 个归档原件（试运行，未删除）(dry run)")
        return 0
    audit.record(
        "archive_purge",
        workspace=workspace,
        older_than_years=args.older_than,
        files=[{"name": item.file_name, "sha256": item.sha256} for item in purged],
    )
    print(f"已删除 {len(purged)} 个超过 {args.older_than:g} 年的归档原件；数据仓库中的数据不变")
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    from chainkpi import audit

    workspace = Workspace.from_env()
    if args.audit_command == "verify":
        verdict = audit.verify(workspace)
        if verdict.ok:
            print(
                f"审计记录完整：{verdict.records} 条，哈希链无断点 (intact: {verdict.records} records)"
            )
            return 0
        print(
            f"审计记录被篡改：第 {verdict.first_bad} 条（{verdict.where}）— {verdict.reason} "
            f"(tampered: record {verdict.first_bad} at {verdict.where})"
        )
        return 1
    if args.audit_command == "archive":
        moved = audit.archive(args.before, workspace)
        audit.record("audit_archive", workspace=workspace, before=str(args.before), records=moved)
        print(f"已归档 {moved} 条审计记录 → {audit.folder(workspace) / 'archive'}")
        return 0
    from chainkpi.ingest.summary import printable

    for entry in audit.records(workspace, user=args.user, since=args.since):
        details = json.dumps(entry.get("details", {}), ensure_ascii=False, sort_keys=True)
        fields = (entry.get("seq"), entry.get("at"), entry.get("user"), entry.get("event"), details)
        print("\t".join(printable(field) for field in fields))  # fields escaped, tabs kept
    return 0


def cmd_docs(args: argparse.Namespace) -> int:
    from chainkpi.publish import generate_docs

    print(f"文档已生成 (dbt docs) → {generate_docs(Workspace.from_env())}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import os
    import subprocess

    from chainkpi.settings import PROJECT_ROOT

    workspace = Workspace.from_env()
    if not workspace.published_db.exists():
        print(f"提示：还没有发布的数据仓库，看板将提示先运行 kpi build ({workspace.published_db})")
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        # app.py behind chainkpi's middleware: downloads need the session, no framing.
        str(PROJECT_ROOT / "dashboards" / "server.py"),
    ]
    if args.port:
        command += ["--server.port", str(args.port)]
    if args.address:
        command += ["--server.address", args.address]
    tls_cert, tls_key = getattr(args, "tls_cert", None), getattr(args, "tls_key", None)
    if bool(tls_cert) != bool(tls_key):
        from chainkpi.errors import UsageError

        raise UsageError("--tls-cert 与 --tls-key 须同时给出 (give both)")
    if tls_cert:
        for path in (tls_cert, tls_key):
            if not path.is_file():
                from chainkpi.errors import UsageError

                raise UsageError(f"找不到证书文件 (no such file): {path}")
        # Streamlit's own HTTPS; a district usually terminates TLS at its reverse proxy
        # (docs/serving.md), which is what Streamlit recommends for production.
        command += [
            "--server.sslCertFile", str(tls_cert.resolve()),
            "--server.sslKeyFile", str(tls_key.resolve()),
        ]  # fmt: skip
    env = {**os.environ, "CHAINKPI_HOME": str(workspace.home)}
    # From the project root, so that its .streamlit/config.toml (telemetry off) applies.
    try:
        return subprocess.call(command, cwd=PROJECT_ROOT, env=env)
    except KeyboardInterrupt:
        return 0


def cmd_demo(args: argparse.Namespace) -> int:
    import shutil

    from chainkpi import demo
    from chainkpi.ingest import worker

    worker.start()  # GX loads in its own process while the ledgers are written
    workspace = Workspace.from_env()
    workspace.ensure()
    # The demo ledgers get a folder of their own in the inbox, made anew each time (their
    # names carry dates up to today); an office's real files beside it are never touched.
    demo_inbox = workspace.inbox / "demo"
    shutil.rmtree(demo_inbox, ignore_errors=True)
    written = demo.generate_detailed(demo_inbox, scale=args.scale, seed=args.seed).files
    from chainkpi import auth

    if auth.ensure_demo_users(auth.users_file(workspace)):
        print("已创建演示用户 (demo users, see README): district / analyst / ne_head / semi_head")
    months = demo.by_period(written)
    print(
        f"演示台账已生成 {len(written)} 个文件 → {demo_inbox}；按月份逐期导入 {len(months)} 期 "
        f"({months[0][0]} … {months[-1][0]}), as the offices hand them in month by month"
    )
    code = 0
    late, withheld = _demo_submissions(months, {f.path: f.dataset for f in written})
    for month, paths in months:
        on_time = [path for path in paths if path != late and path not in withheld]
        code = max(code, _ingest_month(workspace, month, on_time, _handed_in(month, 3)))
        if late in paths:
            code = max(code, _ingest_month(workspace, month, [late], _handed_in(month, 12)))
    for path in withheld:
        path.unlink()
        print(f"  演示：{path.name} 未报送（报送情况：缺报或未到期）")
    if code != 0:
        return code
    code = cmd_build(argparse.Namespace(force=False, as_of=None, quiet=False, unit_tests=False))
    if code != 0:
        return code
    from chainkpi.export import latest_complete_quarter

    year, quarter = latest_complete_quarter(workspace)
    out = workspace.exports / f"{year}Q{quarter}"
    cmd_export(argparse.Namespace(year=year, quarter=quarter, out=out, chain=None, lang="zh"))
    print(f"季度报表 ({year}年第{quarter}季度) → {out}")
    if args.no_serve:
        print("看板：.venv/bin/kpi serve")
        return 0
    return cmd_serve(argparse.Namespace(port=None, address=None))


def _handed_in(month: str, day: int) -> dt.datetime:
    """When the demo's office hands in a month's ledger: on `day` of the month after, 09:00
    (not after now: this month's ledgers are handed in today)."""
    year, number = (int(part) for part in month.split("-"))
    after = dt.date(year + number // 12, number % 12 + 1, day)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    return min(dt.datetime.combine(after, dt.time(9)), now)


def _demo_submissions(
    months: list[tuple[str, list[Path]]], datasets: dict[Path, str]
) -> tuple[Path | None, list[Path]]:
    """The demo's 报送情况 shows every colour (handing_in.md). Of the last month whose due day
    (the 5th after it) has passed, one office's project ledger is handed in late (on the
    12th) and another office's never; of the newest month, not yet due, one office has not
    handed in its project ledger yet. Everything else comes on the 3rd of the month after."""
    today = dt.date.today()

    def projects(paths: list[Path]) -> list[Path]:
        return [path for path in paths if datasets.get(path) == "projects"]

    due = [paths for month, paths in months if _handed_in(month, 5).date() < today]
    late, withheld = None, []
    if due:
        late, *others = projects(due[-1]) or [None]
        withheld += others[:1]
    if months and _handed_in(months[-1][0], 5).date() >= today:
        withheld += projects(months[-1][1])[:1]
    return late, withheld


def _ingest_month(
    workspace: Workspace, month: str, paths: list[Path], handed_in: dt.datetime | None = None
) -> int:
    """One month's demo ledgers, one ingest run: a line for the month, and each file's own
    lines only where something was rejected (the planted bad rows)."""
    from chainkpi.ingest.pipeline import ingest
    from chainkpi.ingest.summary import file_lines, total_line

    if not paths:
        return 0
    result = ingest(paths, workspace, ingested_at=handed_in)
    print(f"  {month}  {total_line(result)}", flush=True)
    for report in result.files:
        if report.status == "rejected" or report.rejected_rows:
            print("\n".join("    " + line for line in file_lines(report)), flush=True)
    return result.exit_code


COMMANDS = {
    "ingest": cmd_ingest,
    "template": cmd_template,
    "build": cmd_build,
    "export": cmd_export,
    "bulletin": cmd_bulletin,
    "brief": cmd_brief,
    "backtest": cmd_backtest,
    "docs": cmd_docs,
    "audit": cmd_audit,
    "archive": cmd_archive,
    "backup": cmd_backup,
    "restore": cmd_restore,
    "user": cmd_user,
    "serve": cmd_serve,
    "demo": cmd_demo,
}


def _os_error_line(exc: OSError) -> str:
    """`No space left on device: /data/warehouse/…` — what the system said, and where."""
    reason = exc.strerror or str(exc) or type(exc).__name__
    where = ", ".join(str(name) for name in (exc.filename, exc.filename2) if name is not None)
    return f"无法读写文件 (file system error): {reason}" + (f": {where}" if where else "")


def main(argv: list[str] | None = None) -> int:
    import logging

    disable_telemetry()
    # Everything the workspace gets — warehouse, raw layer (masked values, keyed hashes),
    # logs, dbt's target, exports — is the owner's alone: folders 0700, files 0600.
    os.umask(0o077)
    # A log handler that cannot write (a full disk) must not print its own traceback over the
    # command's one-line error; the failure itself still surfaces as that error.
    logging.raiseExceptions = False
    args = _parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except UserError as exc:
        print(f"kpi {args.command}: {exc}", file=sys.stderr)
        return exc.exit_code
    except OSError as exc:
        print(f"kpi {args.command}: {_os_error_line(exc)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"kpi {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
