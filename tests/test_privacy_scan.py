"""Personal data, end to end: the clear names, ID numbers and phones of the hires ledgers are
found nowhere the real commands write, except in the archive of handed-in files (inputs.md).

The ledgers go through the real `kpi ingest --report`, `kpi build` and `kpi export` (every
chain and one chain, Chinese and English) as subprocesses, in a sandbox folder that is also
their working directory and their $HOME, so a file written anywhere unexpected is scanned
too. The hashing key comes from a key file the ingest makes itself (CHAINKPI_SECRET unset).

Not covered here: Great Expectations' result objects. The ingest hands GX the personal
columns already masked (ingest/pipeline.py) and does not persist GX results; when a
validation log is added, add it to SCANNED below.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import duckdb
import pytest

from chainkpi.settings import PROJECT_ROOT
from tests.ledgers import rows_of, write_csv, write_xlsx
from tests.real_shapes import CONTACTS, PREPARER, PREPARER_PHONE, Sheet, spec_ledger, write_book
from tests.test_build import AS_OF

KPI = str(Path(sys.executable).with_name("kpi"))

# (name, given name, ID number as written in the ledger, phone as written in the ledger)
LOADED = [
    ("欧阳明月", "明月", "11010519491231002X", "13912345678"),
    ("钱星辰", "星辰", "340104198807155432", "138 0013 8000"),
    ("孙悦然", "悦然", "44030519991212001x", "+86 186-2233-4455"),  # lower-case x as written
]
# In rows rejected because of *another* column (an unknown degree; a key used twice).
REJECTED_ROWS = [
    ("赵子龙", "子龙", "510104198003030031", "177 6655 4433"),
    ("周若溪", "若溪", "32010219850505123X", "15011112222"),
    ("郑雨桐", "雨桐", "320102198505051246", "15033334444"),
]
# In files rejected whole (a required column missing; a name that tells no dataset).
REJECTED_FILES = [
    ("吴天佑", "天佑", "42010619770707777X", "18699990000"),
    ("冯青竹", "青竹", "120101196612120019", "13600001111"),
]
# In a real-shaped hires ledger with no 引进编号 column (keys derived by a keyed hash).
LOADED_WITHOUT_ID = [
    ("诸葛青云", "青云", "330106199001011234", "133 4444 5555"),
    ("上官婉清", "婉清", "", "15155556666"),  # no ID number: keyed by name, employer, date
]
PEOPLE = LOADED + REJECTED_ROWS + REJECTED_FILES + LOADED_WITHOUT_ID
# Names and phones outside the records: footers (填报人：… 联系电话：…) and the contact
# columns under a group header (项目业主单位 / 联系人 | 联系电话).
HIRES_PREPARER = ("慕容雪", "18877776666")
FOOTERS = [(PREPARER, PREPARER_PHONE), HIRES_PREPARER, *CONTACTS]


def clear_forms(name: str, given: str, id_number: str, phone: str) -> list[str]:
    """Every form in which a person's data would be recognisable."""
    digits = "".join(ch for ch in phone if ch.isdigit())[-11:]
    return [
        name,
        given,
        id_number,
        id_number.upper(),
        id_number.lower(),
        id_number[:17],  # the digits without the check character
        id_number[4:14],  # the part the mask hides (region … birth date … sequence)
        phone,
        digits,
        f"{digits[:3]} {digits[3:7]} {digits[7:]}",
        f"{digits[:3]}-{digits[3:7]}-{digits[7:]}",
    ]


FORMS = sorted(
    {form for person in PEOPLE for form in clear_forms(*person) if form}
    | {
        form
        for name, phone in FOOTERS
        for form in (name, phone, f"{phone[:3]}-{phone[3:7]}-{phone[7:]}")
    }
)


def _hire(person: tuple[str, str, str, str], **changes: str) -> dict[str, str]:
    name, _given, id_number, phone = person
    return {"姓名": name, "身份证号": id_number, "联系电话": phone, **changes}


def write_ledgers(folder: Path) -> list[Path]:
    """The files an office hands in: two that load (with rejected rows), two rejected whole."""
    loaded_csv = write_csv(
        folder / "talent_hires_2025Q2.csv",
        rows_of(
            "talent_hires",
            _hire(LOADED[0], 引进编号="H001"),
            _hire(LOADED[1], 引进编号="H002", 所属产业链="NE", 学历="博士"),
            _hire(REJECTED_ROWS[0], 引进编号="H003", 学历="院士"),  # not a degree: row rejected
            _hire(REJECTED_ROWS[1], 引进编号="H004"),  # H004 twice: both rows rejected
            _hire(REJECTED_ROWS[2], 引进编号="H004"),
        ),
        encoding="gb18030",
    )
    loaded_xlsx = write_xlsx(
        folder / "南澳区人才引进台账2025年6月.xlsx",
        rows_of("talent_hires", _hire(LOADED[2], 引进编号="H101", 所属产业链="SEMI")),
        title_rows=["南澳区人才引进台账（2025年6月）"],
    )
    no_degree = rows_of("talent_hires", _hire(REJECTED_FILES[0], 引进编号="H201"))
    missing_column = write_csv(
        folder / "talent_hires_missing_degree.csv",
        [{k: v for k, v in row.items() if k != "学历"} for row in no_degree],
    )
    unknown_dataset = write_csv(
        folder / "名单.csv", rows_of("talent_hires", _hire(REJECTED_FILES[1], 引进编号="H301"))
    )
    # Something for the KPIs to count besides the hires.
    projects = write_csv(folder / "projects_2025.csv", rows_of("projects", count=2))
    # Real shapes: a WPS .xls with contact columns and a footer; hires without an ID column.
    real_projects = write_book(
        folder / "南澳区新能源产业链项目储备库2025年6月.xls", [spec_ledger()]
    )
    header = ["序号", "姓名", "身份证号码", "手机号码", "最高学历", "引进单位", "入职时间"]
    rows = [["南澳区新能源产业链人才引进台账（2025年6月）"], header]
    for i, (name, _, id_number, phone) in enumerate(LOADED_WITHOUT_ID, start=1):
        rows.append(
            [i, name, id_number or None, phone, "博士研究生", "某某新能源有限公司", "2025.5"]
        )
    rows.append([f"填报人：{HIRES_PREPARER[0]}    联系电话：{HIRES_PREPARER[1]}"])
    no_id_hires = write_book(
        folder / "南澳区新能源产业链人才引进2025年6月.xlsx", [Sheet("新能源", rows, [(0, 0, 0, 6)])]
    )
    return [loaded_csv, loaded_xlsx, missing_column, unknown_dataset, projects, real_projects,
            no_id_hires]  # fmt: skip


def table_text(db_path: Path) -> str:
    """Every value of every column of every table (and view) in a DuckDB file, as text."""
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        tables = con.execute(
            "select table_catalog, table_schema, table_name from information_schema.tables"
        ).fetchall()
        assert tables, f"no tables in {db_path}"
        chunks = []
        for catalog, schema, table in tables:
            for row in con.execute(f'select * from "{catalog}"."{schema}"."{table}"').fetchall():
                chunks.append("\t".join("" if v is None else str(v) for v in row))
        return "\n".join(chunks)
    finally:
        con.close()


def file_text(path: Path) -> str:
    """A file's bytes as text; a zip (xlsx) as the text of every member, unzipped."""
    data = path.read_bytes()
    if data[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(path) as archive:
            data = b"\n".join(archive.read(member) for member in archive.namelist())
    text = data.decode("utf-8", errors="replace")
    for encoding in ("utf-16-le", "gb18030"):  # in case anything re-encoded a ledger's text
        text += "\n" + data.decode(encoding, errors="ignore")
    return text


def leaks(text: str) -> list[str]:
    return [form for form in FORMS if form in text]


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> dict:
    """The sandbox after ingest, build and four exports, with each command's output."""
    sandbox = tmp_path_factory.mktemp("privacy")
    handed_in = sandbox / "handed_in"
    home = sandbox / "home"
    user_home = sandbox / "user_home"  # $HOME, outside the project
    cwd = sandbox / "cwd"
    for folder in (user_home, cwd):
        folder.mkdir()
    ledgers = write_ledgers(handed_in)
    secret_file = user_home / ".config" / "chainkpi" / "secret.key"
    env = {
        **os.environ,
        "CHAINKPI_HOME": str(home),
        "CHAINKPI_SECRET_FILE": str(secret_file),
        "HOME": str(user_home),
    }
    env.pop("CHAINKPI_SECRET", None)
    env.pop("CHAINKPI_USERS_FILE", None)
    report = sandbox / "report" / "ingest.json"
    commands = [
        ["ingest", str(handed_in), "--report", str(report)],
        ["build", "--as-of", AS_OF.isoformat()],
    ]
    for chain in (None, "NE"):
        for lang in ("zh", "en"):
            out = sandbox / "exports" / f"{chain or 'all'}_{lang}"
            commands.append(
                ["export", "--year", "2025", "--quarter", "2", "--out", str(out), "--lang", lang]
                + (["--chain", chain] if chain else [])
            )
    # A backup of the workspace (issue 20): scanned too, all but its copy of the archive.
    commands.append(["backup", str(sandbox / "backup")])
    outputs = []
    for command in commands:
        done = subprocess.run(
            [KPI, *command], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
        )
        # The ingest exits 1: two files are rejected whole, as they should be.
        expected = 1 if command[0] == "ingest" else 0
        assert done.returncode == expected, (command, done.stdout[-2000:], done.stderr[-2000:])
        outputs.append((command, done.stdout, done.stderr))
    return {
        "sandbox": sandbox,
        "home": home,
        "handed_in": handed_in,
        "ledgers": ledgers,
        "secret_file": secret_file,
        "report": report,
        "outputs": outputs,
    }


def test_the_run_did_what_the_scan_assumes(run):
    """The scan below is only meaningful if the personal data went through every path."""
    import json

    report = {entry["file"]: entry for entry in json.loads(run["report"].read_text("utf-8"))}
    assert report["talent_hires_2025Q2.csv"]["status"] == "loaded"
    assert report["talent_hires_2025Q2.csv"]["rows_loaded"] == 2
    assert {r["row"] for r in report["talent_hires_2025Q2.csv"]["rejected_rows"]} == {4, 5, 6}
    assert report["南澳区人才引进台账2025年6月.xlsx"]["rows_loaded"] == 1
    assert report["talent_hires_missing_degree.csv"]["status"] == "rejected"
    assert report["名单.csv"]["status"] == "rejected"
    real = report["南澳区新能源产业链项目储备库2025年6月.xls"]
    assert (real["rows_loaded"], real["interpretation"]["sheets"][0]["skipped_rows"]["note"]) == (
        3,
        2,
    )
    no_id = report["南澳区新能源产业链人才引进2025年6月.xlsx"]
    assert no_id["rows_loaded"] == 2 and no_id["interpretation"]["derived_key"]
    exported = sorted(p.name for p in (run["sandbox"] / "exports").rglob("*") if p.is_file())
    assert len(exported) == 8 and sum(name.endswith(".xlsx") for name in exported) == 4
    assert (run["home"] / "logs" / "dbt" / "dbt.log").exists()
    assert list((run["home"] / "dbt" / "target").glob("*.json"))
    # Masks are what is kept (the lower-case x as the canonical upper case).
    raw = table_text(run["home"] / "warehouse" / "raw_layer.duckdb")
    for mask in ("欧*", "1101**********002X", "138****8000", "4403**********001X", "186****4455"):
        assert mask in raw


def test_no_table_of_the_published_warehouse_or_the_raw_layer_holds_personal_data(run):
    warehouse = run["home"] / "warehouse"
    for db in ("chainkpi.duckdb", "raw_layer.duckdb"):
        assert leaks(table_text(warehouse / db)) == [], db


def test_no_file_outside_the_archive_holds_personal_data(run):
    """Exports (CSV, and the xlsx unzipped), logs (dbt's too), the report, dbt's target
    artifacts, the warehouse files' bytes — every file the commands wrote, wherever."""
    archive = run["home"] / "archive"
    backed_up_archive = run["sandbox"] / "backup" / "workspace" / "archive"  # the same, copied
    scanned = [
        path
        for path in run["sandbox"].rglob("*")
        if path.is_file()
        and not path.is_relative_to(archive)
        and not path.is_relative_to(backed_up_archive)
        and not path.is_relative_to(run["handed_in"])
    ]
    names = {str(p.relative_to(run["sandbox"])) for p in scanned}
    for expected in ("report/ingest.json", "home/logs/ingest.jsonl", "home/logs/dbt/dbt.log",
                     "home/dbt/target/run_results.json", "home/dbt/target/manifest.json",
                     "exports/NE_en/target_tracking_2025Q2_NE.xlsx",
                     "exports/all_zh/kpi_progress_2025Q2.csv",
                     # the audit trail (ingest, build, exports, backup) and the backup
                     "home/audit/trail.jsonl", "backup/manifest.json",
                     "backup/workspace/audit/trail.jsonl",
                     "backup/workspace/warehouse/raw_layer.duckdb"):  # fmt: skip
        assert expected in names
    found = {str(p.relative_to(run["sandbox"])): leaks(file_text(p)) for p in scanned}
    assert {where: forms for where, forms in found.items() if forms} == {}


def test_no_command_prints_personal_data(run):
    for command, stdout, stderr in run["outputs"]:
        assert leaks(stdout + stderr) == [], command


def test_nothing_is_written_into_the_project(run):
    started = min(p.stat().st_mtime for p in run["ledgers"])
    for folder in ("target", "logs", "gx"):
        base = PROJECT_ROOT / folder
        recent = [p for p in base.rglob("*") if p.is_file() and p.stat().st_mtime >= started]
        assert {str(p): leaks(file_text(p)) for p in recent if leaks(file_text(p))} == {}


def test_the_archive_keeps_every_handed_in_file_in_clear_for_its_owner_alone(run):
    archive = run["home"] / "archive"
    archived = {p.read_bytes(): p for p in archive.rglob("*") if p.is_file()}
    for ledger in run["ledgers"]:
        assert ledger.read_bytes() in archived, f"{ledger.name} not archived byte for byte"
    # The clear data is there (this is the one place it stays) …
    assert "欧阳明月" in file_text(archived[run["ledgers"][0].read_bytes()])
    # … readable by its owner alone: the archive folder is the barrier, each file and the
    # folder that holds it are owner-only too.
    assert _mode(archive) == 0o700
    for path in archive.rglob("*"):
        if path.is_file():
            assert _mode(path) == 0o600, path
            assert _mode(path.parent) == 0o700, path.parent


def test_every_folder_in_the_archive_is_owner_only(run):
    """The `archive/<xx>/` shard folders too: a copy of one (cp -a, a backup) must not come
    out readable by everyone."""
    archive = run["home"] / "archive"
    folders = [archive, *(p for p in archive.rglob("*") if p.is_dir())]
    assert {str(p.relative_to(archive)): oct(_mode(p)) for p in folders if _mode(p) != 0o700} == {}


def test_the_hash_key_was_made_outside_the_project_owner_only_and_is_the_one_used(run, monkeypatch):
    from chainkpi.ingest.privacy import secret_file

    key_file = run["secret_file"]
    assert key_file.exists() and not key_file.resolve().is_relative_to(PROJECT_ROOT)
    assert _mode(key_file) == 0o600 and _mode(key_file.parent) == 0o700
    key = key_file.read_bytes().strip()
    assert len(key) == 64
    expected = hmac.new(key, "name:钱星辰".encode(), hashlib.sha256).hexdigest()
    con = duckdb.connect(str(run["home"] / "warehouse" / "raw_layer.duckdb"), read_only=True)
    try:
        hashes = {h for (h,) in con.execute("select name_hash from raw.talent_hires").fetchall()}
    finally:
        con.close()
    assert expected in hashes
    # The default location is the user's config folder, never the repository.
    monkeypatch.delenv("CHAINKPI_SECRET_FILE", raising=False)
    assert secret_file() == Path("~/.config/chainkpi/secret.key").expanduser()
    assert not secret_file().is_relative_to(PROJECT_ROOT)


TRICKY_VALUES = [
    "44030519900101123X",
    "44030519900101123x",
    "4403 0519 9001 0112 3X",
    "４４０３０５１９９００１０１１２３Ｘ",
    "+86 138-0013-8000",
    "8613800138000",
    "13800138000",
    "138 0013 8000",
    "(0755)8888-1234",
    "张三",
    "欧阳娜娜",
    "A",
    "",
    "12",
    "_-_",
    "ß",
    "١٢٣٤٥٦٧٨٩",
    '=HYPERLINK("x")',
    "张三",
    None,
]


@pytest.mark.parametrize("kind", ["name", "id_number", "phone"])
def test_masks_and_hashes_of_a_column_equal_those_of_each_value(kind):
    """The vectorised forms the ingest uses give exactly mask() and keyed_hash() per value."""
    import pyarrow as pa

    from chainkpi.ingest import privacy

    values = pa.array(TRICKY_VALUES, type=pa.large_string())
    assert privacy.mask_array(kind, values).to_pylist() == [
        privacy.mask(kind, v) for v in TRICKY_VALUES
    ]
    for key in (b"k" * 32, b"a key longer than one SHA-256 block " * 3):
        assert privacy.hash_array(key, kind, values).to_pylist() == [
            privacy.keyed_hash(key, kind, v) for v in TRICKY_VALUES
        ]


def test_the_hashed_form_keeps_letters_and_digits_and_drops_the_country_code():
    """canonical() itself, pinned: the same person written three ways hashes once."""
    from chainkpi.ingest.privacy import canonical

    assert {
        canonical("phone", v) for v in ("+86 138-0013-8000", "8613800138000", "138 0013 8000")
    } == {"13800138000"}
    assert canonical("id_number", "4403 0519 9001 0112 3x") == "44030519900101123X"
    assert canonical("name", " 张 三") == " 张 三"
