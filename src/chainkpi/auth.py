"""Users and roles for the dashboard: a TOML file analysts edit, passwords as bcrypt hashes.

    [users.ne_head]
    display_name = "新能源链办"
    role = "chain:NE"            # district | analyst | chain:NE | chain:SEMI | chain:EQUIP | chain:MAT
                                 # | office:NE …: a chain office that also hands in its ledgers
    password_hash = "$2b$12$…"   # made by `kpi user add`, never a clear password
    must_change = true           # `kpi user add` sets a temporary password: the user changes
                                 # it at first sign-in (a file without the flag: not temporary)

The file is `$CHAINKPI_HOME/users.toml` (or CHAINKPI_USERS_FILE). What a role may read is
`Scope`: the dashboard's queries take it and filter where the data is read.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from chainkpi.errors import UsageError
from chainkpi.ingest.schema import CHAINS
from chainkpi.settings import Workspace

ROLES = (
    "district",
    "analyst",
    *(f"chain:{code}" for code in CHAINS),
    # A chain's office that hands in its own ledgers on the 数据报送 page (handing_in.md):
    # reads as chain:CODE does, and may hand in only files whose rows are all of its chain.
    *(f"office:{code}" for code in CHAINS),
    # Separated duties (等保 访问控制): manages users, sees no data; reads the audit trail only.
    "admin",
    "auditor",
)
DUTY_ROLES = ("admin", "auditor")
_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


@dataclass(frozen=True)
class Scope:
    """What one signed-in user may read."""

    role: str

    @property
    def chain(self) -> str | None:
        """The one chain whose detail this user sees, or None for all chains."""
        return self.role.split(":", 1)[1] if self.role.startswith(("chain:", "office:")) else None

    @property
    def chains(self) -> tuple[str, ...]:
        """Chain codes whose rows this user may read (ALL = the district aggregate)."""
        if not self.reads_data:
            return ()
        return ("ALL", self.chain) if self.chain else ("ALL", *CHAINS)

    @property
    def reads_data(self) -> bool:
        """False for the separated duties (admin, auditor): no KPI page, no query."""
        return self.role not in DUTY_ROLES

    @property
    def sees_rejected_rows(self) -> bool:
        return self.role == "analyst"

    @property
    def hands_in(self) -> bool:
        """May hand in ledgers on the 数据报送 page: analysts, and a chain's office (its own
        chain's ledgers only); not the district leader or a chain head."""
        return self.role == "analyst" or self.role.startswith("office:")


@dataclass(frozen=True)
class User:
    username: str
    display_name: str
    role: str
    password_hash: str
    email: str | None = None  # for OIDC sign-in (st.login): the address that maps to this user
    disabled: bool = False  # `kpi user disable`: kept in the file, signs nobody in
    # A temporary password (set by an administrator, `kpi user add`): the dashboard shows no
    # data, only the change-password form, until the user has chosen a password of their own.
    must_change: bool = False

    @property
    def scope(self) -> Scope:
        return Scope(self.role)


def users_file(workspace: Workspace | None = None) -> Path:
    configured = os.environ.get("CHAINKPI_USERS_FILE")
    if configured:
        return Path(configured).expanduser()
    return (workspace or Workspace.from_env()).home / "users.toml"


def load_users(path: Path, include_disabled: bool = False) -> dict[str, User]:
    """The users who may sign in (with `include_disabled`, the disabled ones too)."""
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"用户配置文件格式错误 (bad users file) {path}: {exc}") from None
    users = {}
    for name, entry in (data.get("users") or {}).items():
        role = entry.get("role", "")
        if role not in ROLES or not entry.get("password_hash"):
            continue  # an incomplete entry grants nothing
        disabled = entry.get("disabled") is True
        if disabled and not include_disabled:
            continue
        users[name] = User(
            name,
            entry.get("display_name", name),
            role,
            entry["password_hash"],
            entry.get("email"),
            disabled,
            entry.get("must_change") is True,
        )
    return users


def hash_password(password: str) -> str:
    import bcrypt

    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt()).decode("ascii")


def authenticate(users: dict[str, User], username: str, password: str) -> User | None:
    import bcrypt

    user = users.get(username.strip())
    # Check a hash even for an unknown name, so timing does not tell which names exist.
    candidate = user.password_hash if user else "$2b$12$" + "." * 53
    try:
        ok = bcrypt.checkpw(password.encode("utf-8"), candidate.encode("ascii"))
    except ValueError:
        ok = False
    return user if (user and ok) else None


def _toml_string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a TOML basic string is a JSON string


def add_user(
    path: Path,
    username: str,
    role: str,
    password: str,
    display_name: str | None = None,
    *,
    must_change: bool = False,
) -> User:
    """Add a user, or set an existing one's role, name and password. `must_change`: the
    password is temporary (`kpi user add` always: an administrator chose it), to be changed at
    the first sign-in. The demo's and the tests' users are not temporary."""
    if not _NAME.match(username):
        raise UsageError(
            "用户名只能包含字母、数字、下划线和连字符 (username: letters, digits, _ -)"
        )
    if role not in ROLES:
        raise UsageError(f"未知角色 {role}：可选 {', '.join(ROLES)}")
    if len(password) < 8:
        raise UsageError("密码至少 8 位 (password: at least 8 characters)")
    if len(password.encode("utf-8")) > MAX_PASSWORD_BYTES:
        raise UsageError(
            f"密码过长：最多 {MAX_PASSWORD_BYTES} 字节 (password: at most {MAX_PASSWORD_BYTES} bytes)"
        )
    users = load_users(path, include_disabled=True)
    previous = users.get(username)
    users[username] = User(
        username,
        display_name or username,
        role,
        hash_password(password),
        previous.email if previous else None,
        previous.disabled if previous else False,
        must_change,
    )
    _write_users(path, users)
    if previous is not None:
        _end_sessions(username)  # a new password or role: signed-in browsers sign in again
    return users[username]


def set_disabled(path: Path, username: str, disabled: bool) -> User:
    """`kpi user disable|enable`: the entry stays; a disabled user's sessions end."""
    users = load_users(path, include_disabled=True)
    if username not in users:
        raise UsageError(f"没有用户 {username} (no such user)")
    user = users[username] = dataclasses.replace(users[username], disabled=disabled)
    _write_users(path, users)
    if disabled:
        _end_sessions(username)
    return user


def remove_user(path: Path, username: str) -> User:
    """`kpi user remove`: the entry goes, and the user's sessions end."""
    users = load_users(path, include_disabled=True)
    if username not in users:
        raise UsageError(f"没有用户 {username} (no such user)")
    removed = users.pop(username)
    _write_users(path, users)
    _end_sessions(username)
    return removed


class PasswordRejected(UsageError):
    """A password change refused: `problems` says why, each in Chinese."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("；".join(problems))
        self.problems = problems


def change_password(path: Path, username: str, current: str, new: str) -> User:
    """The user's own change of password (the dashboard's 修改密码 form): `current` must be
    the password in users.toml, `new` must hold the policy of `kpi user add` and differ from
    `current`. The password is then no longer temporary. Raises PasswordRejected (why, in
    Chinese; `problems[0] == WRONG_CURRENT` for a wrong current password)."""
    users = load_users(path, include_disabled=True)
    user = users.get(username)
    if user is None or user.disabled or authenticate(users, username, current) is None:
        raise PasswordRejected([WRONG_CURRENT])
    problems = password_problems(username, new)
    if new == current:
        problems.append("不得与当前密码相同")
    if problems:
        raise PasswordRejected(problems)
    users[username] = changed = dataclasses.replace(
        user, password_hash=hash_password(new), must_change=False
    )
    _write_users(path, users)
    return changed


WRONG_CURRENT = "当前密码不正确"

# bcrypt reads the first 72 bytes of a password: a longer one is refused, not cut short.
MAX_PASSWORD_BYTES = 72
MIN_POLICY_LENGTH = 10


def password_problems(username: str, password: str) -> list[str]:
    """The password policy of `kpi user add` (等保 身份鉴别): at least 10 characters, three of
    the four classes (lower case, upper case, digits, other), not containing the user name.
    Each broken rule in Chinese; empty when the password holds."""
    problems = []
    if len(password) < MIN_POLICY_LENGTH:
        problems.append(f"至少 {MIN_POLICY_LENGTH} 个字符")
    classes = [
        any(c.islower() for c in password),
        any(c.isupper() for c in password),
        any(c.isdigit() for c in password),
        any(not c.isalnum() for c in password),
    ]
    if sum(classes) < 3:
        problems.append("须包含小写字母、大写字母、数字、其他符号中的至少三类")
    if username and username.lower() in password.lower():
        problems.append("不得包含用户名")
    if len(password.encode("utf-8")) > MAX_PASSWORD_BYTES:
        problems.append(f"最多 {MAX_PASSWORD_BYTES} 字节")
    return problems


def _write_users(path: Path, users: dict[str, User]) -> None:
    lines = [
        "# chainkpi dashboard users — edit roles here; add users with `kpi user add`.",
        "# Roles: district (all chains), analyst (all + rejected rows, hands in ledgers),",
        "# chain:NE|SEMI|EQUIP|MAT (one chain), office:NE|… (one chain, hands in its ledgers),",
        "# admin (the users page, no data), auditor (the audit page, no data).",
        "",
    ]
    for user in users.values():
        lines += [
            f"[users.{user.username}]",
            f"display_name = {_toml_string(user.display_name)}",
            f"role = {_toml_string(user.role)}",
            f"password_hash = {_toml_string(user.password_hash)}",
        ]
        if user.email:
            lines.append(f"email = {_toml_string(user.email)}")
        if user.disabled:
            lines.append("disabled = true")
        if user.must_change:
            lines.append("must_change = true")
        lines.append("")
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines))
    os.replace(temporary, path)


def _end_sessions(username: str) -> None:
    from chainkpi.sessions import SessionStore, store_path

    store = store_path()
    if store.exists():
        SessionStore(store).revoke_user(username)


# Demo users, written by `kpi demo` when no users file exists (documented in the README).
DEMO_USERS = (
    ("district", "district", "区领导（演示）", "demo-district"),
    ("analyst", "analyst", "数据分析员（演示）", "demo-analyst"),
    ("ne_head", "chain:NE", "新能源链办（演示）", "demo-ne-head"),
    ("semi_head", "chain:SEMI", "半导体链办（演示）", "demo-semi-head"),
)


def ensure_demo_users(path: Path) -> bool:
    if path.exists():
        return False
    for username, role, display, password in DEMO_USERS:
        add_user(path, username, role, password, display)
    return True
