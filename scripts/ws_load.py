"""Websocket load: N signed-in dashboard sessions switching pages, over Streamlit's own protocol.

    .venv/bin/python scripts/ws_load.py --home HOME --sessions 20 --duration 60 --json OUT

No browser: each session is one websocket to `/_stcore/stream` speaking what the browser
speaks (BackMsg `rerun_script` out, ForwardMsg deltas in), so the figures are the server's
alone — what one dashboard process serves, not what a machine running N browsers can draw.

It starts the dashboard (`streamlit run dashboards/app.py`) for the workspace HOME on a free
port of 127.0.0.1 (or uses the server at --url), then:

1. Sign-in, every session at once: connect, run the app (the sign-in form comes back), fill
   the form's two text inputs and press its submit button (the widget ids are read from the
   form's deltas, as the browser does), until the overview has run to its end. The users are
   made for the run in a users file of its own (CHAINKPI_USERS_FILE), one per role (district,
   analyst, each chain office), and the sessions take them in turn.
2. Once every session has signed in, each switches pages (a page other than the one it is on,
   chosen at random; the export page is left out, as a person exports rarely) again and again,
   with no pause between, for --duration seconds. A page is timed from the page switch sent
   until the script_finished message of that run. A switch carries no widget values (as
   the browser's navigation, the page's own choices are kept server-side).

Writes (and prints) {"sessions", "pages", "pages_per_s", "page_p50_s", "page_p95_s",
"signin_p50_s", "signin_p95_s", "errors"} plus a few details. `pages_per_s` is the pages
finished in the switching phase over its length (the last page in flight at the deadline is
waited for). An error is a Streamlit exception on a page, a "corrupt" or "missing warehouse"
message, a sign-in that did not sign in, a run that did not finish in --step-timeout seconds,
or a closed connection. Exit status 0 when there was no error.

Pointed at a running server (--url), the server must know the users: pass them as
--user NAME:PASSWORD (repeatable).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import secrets
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# The server's start and stop are load_test's (scripts/ is on the path when run as a script).
from load_test import _dashboard  # noqa: E402

# The pages a session moves between (url paths of dashboards/app.py's st.navigation).
PAGES = ["overview", "chain", "projects", "leads", "talent", "quality"]
# What the dashboard shows when the published warehouse cannot be read (dashboards/i18n.py).
BAD_WAREHOUSE_WORDS = ("已损坏", "无法读取", "请先运行 kpi build", "corrupt", "No published")


@dataclass
class Session:
    index: int
    username: str
    password: str
    signin_s: float | None = None
    page_s: list[float] = field(default_factory=list)
    page_of: list[str] = field(default_factory=list)  # which page each of page_s was
    page_bytes: list[int] = field(default_factory=list)  # what the browser received for it
    errors: list[str] = field(default_factory=list)


@dataclass
class Run:
    """What one script run sent back."""

    status: str = ""
    text_inputs: list = field(default_factory=list)  # TextInput protos, in order
    submit_ids: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    elements: int = 0
    bytes: int = 0


class Client:
    """One browser tab's worth of the protocol: send a rerun, read until its run finishes."""

    def __init__(self, ws, url: str):
        self.ws = ws
        self.url = url
        self.pages: dict[str, str] = {}  # url path → page script hash (from the navigation)

    @staticmethod
    def _context():
        from streamlit.proto.ClientState_pb2 import ContextInfo

        return ContextInfo(timezone="Asia/Shanghai", timezone_offset=-480, locale="zh-CN")

    async def rerun(self, *, page_hash: str = "", page_name: str = "", widgets=()) -> None:
        from streamlit.proto.BackMsg_pb2 import BackMsg

        msg = BackMsg()
        state = msg.rerun_script
        state.query_string = ""
        state.page_script_hash = page_hash
        state.page_name = page_name
        state.context_info.CopyFrom(self._context())
        state.widget_states.widgets.extend(widgets)
        await self.ws.send(msg.SerializeToString())

    async def finish(self, timeout: float) -> Run:
        """Read ForwardMsgs until a script run ends for good (a run that ends early for a
        rerun, as after the sign-in form's st.rerun, is followed by the next)."""
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        run = Run()
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no script_finished within {timeout:g} s")
            data = await asyncio.wait_for(self.ws.recv(), left)
            run.bytes += len(data)
            msg = ForwardMsg()
            msg.ParseFromString(data)
            kind = msg.WhichOneof("type")
            if kind == "delta":
                self._delta(msg.delta, run)
            elif kind == "navigation":
                # The default page's url path is "" (it is the app's root): named by its own.
                pages = {
                    (p.url_pathname or "overview"): p.page_script_hash
                    for p in msg.navigation.app_pages
                }
                self.pages = pages or self.pages
            elif kind == "page_not_found":
                run.problems.append("page not found")
            elif kind == "script_finished":
                name = ForwardMsg.ScriptFinishedStatus.Name(msg.script_finished)
                if name == "FINISHED_EARLY_FOR_RERUN":  # what counts is the run after it
                    run = Run(bytes=run.bytes)
                    continue
                run.status = name
                if name != "FINISHED_SUCCESSFULLY":
                    run.problems.append(f"script finished: {name}")
                return run

    @staticmethod
    def _delta(delta, run: Run) -> None:
        if delta.WhichOneof("type") != "new_element":
            return
        element = delta.new_element
        run.elements += 1
        kind = element.WhichOneof("type")
        if kind == "text_input":
            run.text_inputs.append(element.text_input)
        elif kind == "button" and element.button.is_form_submitter:
            run.submit_ids.append(element.button.id)
        elif kind == "exception":
            run.problems.append(
                f"exception: {element.exception.type}: {element.exception.message[:200]}"
            )
        elif kind == "alert" and any(w in element.alert.body for w in BAD_WAREHOUSE_WORDS):
            run.problems.append(f"warehouse message: {element.alert.body[:200]}")


def _sign_in_states(run: Run, username: str, password: str):
    from streamlit.proto.TextInput_pb2 import TextInput
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    password_inputs = [w for w in run.text_inputs if w.type == TextInput.Type.PASSWORD]
    name_inputs = [w for w in run.text_inputs if w.type != TextInput.Type.PASSWORD]
    if not (password_inputs and name_inputs and run.submit_ids):
        raise RuntimeError("no sign-in form on the first run")
    return [
        WidgetState(id=name_inputs[0].id, string_value=username),
        WidgetState(id=password_inputs[0].id, string_value=password),
        WidgetState(id=run.submit_ids[0], trigger_value=True),
    ]


async def _connect(url: str):
    import websockets

    ws_url = url.replace("http://", "ws://", 1).rstrip("/") + "/_stcore/stream"
    return await websockets.connect(
        ws_url, subprotocols=["streamlit"], max_size=None, open_timeout=60, ping_interval=None
    )


async def _sign_in(session: Session, url: str, timeout: float) -> Client:
    started = time.perf_counter()
    ws = await _connect(url)
    client = Client(ws, url)
    await client.rerun()
    form = await client.finish(timeout)
    await client.rerun(widgets=_sign_in_states(form, session.username, session.password))
    run = await client.finish(timeout)
    if run.text_inputs or run.problems or "overview" not in client.pages:
        why = "the form again" if run.text_inputs else run.problems[:2] or sorted(client.pages)
        raise RuntimeError(f"sign-in did not reach the overview: {why}")
    session.signin_s = time.perf_counter() - started
    return client


async def _switch_pages(
    session: Session, client: Client, deadline: float, rng: random.Random, timeout: float
) -> None:
    current = "overview"
    while time.monotonic() < deadline:
        targets = [p for p in PAGES if p != current and p in client.pages]
        if not targets:
            raise RuntimeError(f"no page to switch to: the navigation lists {sorted(client.pages)}")
        target = rng.choice(targets)
        started = time.perf_counter()
        await client.rerun(page_hash=client.pages[target], page_name=target)
        run = await client.finish(timeout)
        session.page_s.append(time.perf_counter() - started)
        session.page_of.append(target)
        session.page_bytes.append(run.bytes)
        if run.text_inputs:
            run.problems.append("signed out: the sign-in form came back")
        session.errors.extend(f"{current} → {target}: {p}" for p in run.problems)
        current = target


async def _session(session, url, signed_in, go, state, args) -> None:
    rng = random.Random(args.seed * 1000 + session.index)
    client = None
    where = "sign-in"
    try:
        client = await _sign_in(session, url, args.step_timeout)
        signed_in.release()
        await go.wait()
        where = "pages"
        await _switch_pages(session, client, state["deadline"], rng, args.step_timeout)
    except Exception as exc:  # a run that did not finish, a closed connection, …
        session.errors.append(f"{where}: {type(exc).__name__}: {str(exc)[:300]}")
        if where == "sign-in":
            signed_in.release()
    finally:
        if client is not None:
            with contextlib.suppress(Exception):
                await client.ws.close()


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))], 3)


async def _load(url: str, users: list[tuple[str, str]], args, cpu_seconds=None) -> dict:
    sessions = [
        Session(i, *users[i % len(users)]) for i in range(args.sessions)
    ]  # fmt: skip
    signed_in = asyncio.Semaphore(0)
    go = asyncio.Event()
    state: dict = {}
    started = time.monotonic()
    tasks = [asyncio.ensure_future(_session(s, url, signed_in, go, state, args)) for s in sessions]
    for _ in sessions:
        await signed_in.acquire()
    signin_phase = time.monotonic() - started
    phase_start = time.monotonic()
    cpu_start = cpu_seconds() if cpu_seconds else None
    state["deadline"] = phase_start + args.duration
    go.set()
    await asyncio.gather(*tasks)
    elapsed = time.monotonic() - phase_start
    cpu = cpu_seconds() - cpu_start if cpu_seconds else None
    pages = [s for session in sessions for s in session.page_s]
    signins = [s.signin_s for s in sessions if s.signin_s is not None]
    errors = [e for s in sessions for e in s.errors]
    return {
        "sessions": args.sessions,
        "pages": len(pages),
        "pages_per_s": round(len(pages) / elapsed, 2) if elapsed > 0 else None,
        "page_p50_s": _percentile(pages, 0.50),
        "page_p95_s": _percentile(pages, 0.95),
        "signin_p50_s": _percentile(signins, 0.50),
        "signin_p95_s": _percentile(signins, 0.95),
        "errors": len(errors),
        "error_samples": errors[:10],
        "signed_in": len(signins),
        "signin_phase_s": round(signin_phase, 2),
        "switching_s": round(elapsed, 2),
        "page_max_s": round(max(pages), 3) if pages else None,
        "pages_per_session": [len(s.page_s) for s in sessions],
        "page_p50_s_by_page": {
            page: _percentile(
                [
                    t
                    for s in sessions
                    for t, p in zip(s.page_s, s.page_of, strict=True)
                    if p == page
                ],
                0.5,
            )
            for page in PAGES
        },
        "page_kb_by_page": {
            page: _percentile(
                [
                    b / 1024
                    for s in sessions
                    for b, p in zip(s.page_bytes, s.page_of, strict=True)
                    if p == page
                ],
                0.5,
            )
            for page in PAGES
        },
        # The server's own CPU time per page while the sessions switched pages: steadier than
        # the times above on a machine shared with other work.
        "server_cpu_ms_per_page": round(1000 * cpu / len(pages), 1) if cpu and pages else None,
        "cpus": os.cpu_count(),
    }


def _cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far (/proc/PID/stat), seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _peak_rss_mb(pid: int) -> float | None:
    """The server's peak resident memory (VmHWM), MiB."""
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    return None


def _make_users(folder: Path) -> tuple[Path, list[tuple[str, str]]]:
    """One user per role that reads the pages (district, analyst, each chain office), in a
    users file of the run's own."""
    from chainkpi import auth

    path = folder / "users.toml"
    users = []
    readers = [r for r in auth.ROLES if r in ("district", "analyst") or r.startswith("chain:")]
    for n, role in enumerate(readers):
        name, password = f"wsload{n}", secrets.token_urlsafe(12)
        auth.add_user(path, name, role, password, f"ws load {role}")
        users.append((name, password))
    return path, users


def run(args: argparse.Namespace) -> dict:
    if args.url:
        users = [tuple(u.split(":", 1)) for u in args.user]
        if not users or any(len(u) != 2 for u in users):
            raise SystemExit("ws_load: with --url, give the users as --user NAME:PASSWORD")
        return asyncio.run(_load(args.url, users, args))
    home = args.home.resolve()
    if not (home / "warehouse" / "chainkpi.duckdb").exists():
        raise SystemExit(f"ws_load: no published warehouse in {home}: run kpi build first")
    scratch = Path(tempfile.mkdtemp(prefix="chainkpi_wsload_"))
    users_file, users = _make_users(scratch)
    with _dashboard(home, users_file, scratch / "dashboard.log") as (url, proc):
        summary = asyncio.run(_load(url, users, args, lambda: _cpu_seconds(proc.pid)))
        summary["server_peak_rss_mb"] = _peak_rss_mb(proc.pid)
    summary["server_tracebacks"] = (
        (scratch / "dashboard.log").read_text(errors="replace").count("Traceback")
    )
    return summary


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, help="a built CHAINKPI_HOME (starts its dashboard)")
    parser.add_argument("--url", help="a running dashboard instead (with --user)")
    parser.add_argument("--user", action="append", default=[], help="NAME:PASSWORD, with --url")
    parser.add_argument("--sessions", type=int, default=20, help="concurrent sessions")
    parser.add_argument("--duration", type=float, default=60, help="seconds of page switching")
    parser.add_argument("--step-timeout", type=float, default=120, help="seconds per run")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", type=Path, help="also write the summary to this file")
    args = parser.parse_args(argv)
    if (args.home is None) == (args.url is None):
        parser.error("give --home (start a dashboard) or --url (use a running one)")
    if args.sessions < 1 or args.duration <= 0:
        parser.error("--sessions must be ≥ 1 and --duration > 0")
    return args


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    summary = run(args)
    text = json.dumps(summary, ensure_ascii=False, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    return 0 if summary["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
