"""Load test: concurrent dashboard sessions while `kpi build --force` republishes underneath.

    .venv/bin/python scripts/load_test.py --sessions 15 --duration 150 --home DIR [--json OUT]

Starts the dashboard (`streamlit run dashboards/app.py`) for the workspace DIR on a free port
of 127.0.0.1 — the only address it sends traffic to — and opens N sessions in one headless
chromium (a browser context each, so N Streamlit sessions). Each signs in, waits for the
overview, then until the time is up switches quarter or page with a short pause between
(like a person reading), timing each step from the click to the page's new content being
rendered (the new title shown, no element stale, the script run finished). Meanwhile
`kpi build --force` runs again and again against the same workspace, so every publish swaps
the warehouse under the readers.

It stops by itself: after --duration seconds, or later if fewer than --min-builds builds have
finished by then, or later while a session has done fewer than --min-steps steps (never later
than --duration + --build-grace either way: a slow machine's sessions get their steps in
without a throughput floor that depends on its speed). A build still running then is
interrupted (safe: a killed build publishes nothing). The sessions are closed, and the
dashboard's resident memory is read before it is stopped. --no-builds runs no builds at all:
the dashboard's own baseline.

Prints a JSON summary: sessions held (signed in, every step rendered, none failed), page
times (p50/p95/max, ms), errors (a Streamlit exception shown, a "corrupt" or "missing
warehouse" message, a step that did not render, an HTTP 5xx, an uncaught page error — with
samples), builds completed/failed, and the dashboard's RSS after the sessions closed and its
peak. Exit status 0 when there was no error, every session held and no build failed, else 1.

DIR must hold a built workspace (`kpi build` has run); the sign-in user is made for the run
in a users file of its own (CHAINKPI_USERS_FILE), so the workspace's users.toml is not read
or changed. Needs chromium (/usr/bin/chromium, scripts/install_browser.sh) and Playwright.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
# Pages a session moves between (url path, the navigation label in Chinese).
PAGES = [
    ("overview", "总览"),
    ("chain", "产业链"),
    ("projects", "项目"),
    ("leads", "招商线索"),
    ("talent", "人才"),
    ("quality", "数据质量"),
]
# What the dashboard shows when the published warehouse cannot be read (dashboards/i18n.py).
BAD_WAREHOUSE_WORDS = ("已损坏", "无法读取", "请先运行 kpi build", "corrupt", "No published")

RENDERED_JS = """
([path, title, previous]) => {
  const main = document.querySelector('[data-testid="stMain"]');
  if (!main) return false;
  if (path && !window.location.pathname.replace(/\\/$/, '').endsWith('/' + path)
      && !(path === 'overview' && /\\/$|\\/overview$/.test(window.location.pathname))) return false;
  if (document.querySelector('[data-testid="stStatusWidget"]')) return false;
  if (main.querySelector('[data-stale="true"]')) return false;
  const h1 = main.querySelector('h1');
  // Rendered with an error or a message instead of a title: the caller reports it.
  if (main.querySelector('[data-testid="stException"]')) return true;
  if (!h1) return !!main.querySelector('[data-testid="stAlert"], [data-testid="stAlertContainer"]');
  const text = h1.innerText;
  if (title && !text.includes(title)) return false;
  if (previous !== null && text === previous) return false;
  return true;
}
"""


@dataclass
class Session:
    index: int
    signed_in: bool = False
    steps: int = 0
    failed: bool = False
    first_load_ms: float | None = None
    step_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _rss_mb(pid: int) -> dict[str, float]:
    """VmRSS (now) and VmHWM (peak) of a process, in MiB."""
    values = {}
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = round(int(rest.split()[0]) / 1024, 1)
    return {"rss_mb": values.get("VmRSS"), "peak_rss_mb": values.get("VmHWM")}


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))], 1)


def _times(values: list[float]) -> dict:
    return {
        "count": len(values),
        "p50_ms": _percentile(values, 0.50),
        "p95_ms": _percentile(values, 0.95),
        "max_ms": round(max(values), 1) if values else None,
        "mean_ms": round(statistics.fmean(values), 1) if values else None,
    }


def _make_user(folder: Path) -> tuple[Path, str, str]:
    from chainkpi import auth

    password = secrets.token_urlsafe(12)
    path = folder / "users.toml"
    auth.add_user(path, "loadtest", "analyst", password, "load test")
    return path, "loadtest", password


@contextlib.contextmanager
def _dashboard(home: Path, users_file: Path, log: Path, timeout: float = 90):
    port = _free_port()
    env = {
        **os.environ,
        "CHAINKPI_HOME": str(home),
        "CHAINKPI_USERS_FILE": str(users_file),
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
    }
    command = [
        sys.executable, "-m", "streamlit", "run", "dashboards/app.py",
        "--server.port", str(port), "--server.address", "127.0.0.1",
        "--server.headless", "true", "--server.fileWatcherType", "none",
    ]  # fmt: skip
    with log.open("wb") as out:
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the dashboard did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.3)
        yield url, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


async def _wait_rendered(page, path, title, previous, timeout_ms) -> None:
    await page.wait_for_function(
        RENDERED_JS, arg=[path, title, previous], timeout=timeout_ms, polling=50
    )


async def _check_page(page, session: Session, where: str) -> None:
    main = page.locator('[data-testid="stMain"]')
    if await main.locator('[data-testid="stException"]').count():
        text = await main.locator('[data-testid="stException"]').first.inner_text()
        session.errors.append(f"{where}: Streamlit exception: {text[:300]}")
    alerts = main.locator('[data-testid="stAlertContainer"]')
    for i in range(await alerts.count()):
        text = await alerts.nth(i).inner_text()
        if any(word in text for word in BAD_WAREHOUSE_WORDS):
            session.errors.append(f"{where}: warehouse message: {text[:300]}")


async def _h1(page) -> str | None:
    h1 = page.locator('[data-testid="stMain"] h1').first
    return await h1.inner_text() if await h1.count() else None


async def _open_filters(page) -> None:
    """Unfold the page's 筛选 section (collapsed so a phone opens on the figures)."""
    section = page.locator('[data-testid="stExpander"]').filter(has_text="筛选").first
    if not await section.count():
        return
    details = section.locator("details").first
    if await details.count() and await details.get_attribute("open") is None:
        await section.locator("summary").first.click()
        await page.wait_for_timeout(300)


async def _switch_quarter(page, rng: random.Random, timeout_ms: int) -> str | None:
    await _open_filters(page)
    picker = page.locator('[data-testid="stSelectbox"]').filter(has_text="季度").first
    if not await picker.count():
        return None
    current = await picker.inner_text()
    await picker.click()
    options = page.get_by_role("option")
    await options.first.wait_for(timeout=timeout_ms)
    names = [n for n in await options.all_inner_texts() if n.strip() and n.strip() not in current]
    if not names:
        await page.keyboard.press("Escape")
        return None
    choice = rng.choice(names).strip()
    await page.get_by_role("option", name=choice, exact=True).click()
    return choice


async def _run_session(
    session: Session, browser, url, user, password, keep_going, args, rng: random.Random
) -> None:
    context = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = await context.new_page()
    page.set_default_timeout(args.step_timeout * 1000)
    timeout_ms = int(args.step_timeout * 1000)
    page.on("pageerror", lambda exc: session.errors.append(f"page error: {str(exc)[:300]}"))
    page.on(
        "response",
        lambda r: r.status >= 500 and session.errors.append(f"HTTP {r.status} {r.url}"),
    )
    where = "sign-in"
    try:
        started = time.perf_counter()
        await page.goto(f"{url}/", timeout=timeout_ms)
        await page.wait_for_selector('[data-testid="stForm"]')
        await page.get_by_label("用户名").fill(user)
        await page.get_by_label("密码").fill(password)
        await page.get_by_role("button", name="登录").click()
        await page.wait_for_selector('[data-testid="stMetric"]')
        await _wait_rendered(page, None, None, None, timeout_ms)
        session.first_load_ms = (time.perf_counter() - started) * 1000
        session.signed_in = True
        await _check_page(page, session, "overview")
        current = "overview"
        while not session.failed and keep_going(session):
            await asyncio.sleep(rng.uniform(0.5 * args.think, 1.5 * args.think))
            previous = await _h1(page)
            if current == "overview" and rng.random() < 0.5:
                where = "overview: quarter"
                started = time.perf_counter()
                choice = await _switch_quarter(page, rng, timeout_ms)
                if choice is None:
                    continue
                await _wait_rendered(page, "overview", choice, None, timeout_ms)
            else:
                target, label = rng.choice([p for p in PAGES if p[0] != current])
                where = f"{current} → {target}"
                started = time.perf_counter()
                await (
                    page.locator('[data-testid="stSidebarNav"]')
                    .get_by_text(label, exact=True)
                    .click()
                )
                await _wait_rendered(page, target, None, previous, timeout_ms)
                current = target
            session.step_ms.append((time.perf_counter() - started) * 1000)
            session.steps += 1
            await _check_page(page, session, where)
            if session.errors:
                session.failed = True
    except Exception as exc:  # a step that did not render in time, a closed page, …
        session.failed = True
        session.errors.append(f"{where}: {type(exc).__name__}: {str(exc).splitlines()[0][:300]}")
    finally:
        await context.close()


async def _build_loop(home: Path, state: dict, stop: asyncio.Event) -> None:
    kpi = str(Path(sys.executable).with_name("kpi"))
    env = {**os.environ, "CHAINKPI_HOME": str(home)}
    while not stop.is_set():
        started = time.perf_counter()
        proc = await asyncio.create_subprocess_exec(
            kpi, "build", "--force", "--quiet",
            env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            start_new_session=True,
        )  # fmt: skip
        waiter = asyncio.ensure_future(proc.communicate())
        stopper = asyncio.ensure_future(stop.wait())
        await asyncio.wait({waiter, stopper}, return_when=asyncio.FIRST_COMPLETED)
        if not waiter.done():  # time is up: interrupt this build (a killed build publishes nothing)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            await waiter
            state["builds_interrupted"] += 1
            break
        stopper.cancel()
        _, stderr = waiter.result()
        if proc.returncode == 0:
            state["builds_completed"] += 1
            state["build_seconds"].append(round(time.perf_counter() - started, 1))
        else:
            state["builds_failed"] += 1
            state["build_errors"].append(stderr.decode(errors="replace").strip()[-500:])


async def _main(args: argparse.Namespace) -> dict:
    from playwright.async_api import async_playwright

    home = args.home.resolve()
    if not (home / "warehouse" / "chainkpi.duckdb").exists():
        raise SystemExit(f"load_test: no published warehouse in {home}: run kpi build first")
    scratch = Path(tempfile.mkdtemp(prefix="chainkpi_load_"))
    users_file, user, password = _make_user(scratch)
    sessions = [Session(i) for i in range(args.sessions)]
    state = {"builds_completed": 0, "builds_failed": 0, "builds_interrupted": 0,
             "build_seconds": [], "build_errors": []}  # fmt: skip
    with _dashboard(home, users_file, scratch / "dashboard.log") as (url, proc):
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            started = time.monotonic()
            hard_stop = started + args.duration + args.build_grace

            def keep_going(session: Session) -> bool:
                now = time.monotonic()
                if now >= hard_stop:
                    return False
                if now < started + args.duration or session.steps < args.min_steps:
                    return True
                return not args.no_builds and state["builds_completed"] < args.min_builds

            stop_builds = asyncio.Event()
            builds = asyncio.ensure_future(
                _build_loop(home, state, stop_builds) if not args.no_builds else stop_builds.wait()
            )
            rngs = [random.Random(args.seed * 1000 + s.index) for s in sessions]
            tasks = []
            for session, rng in zip(sessions, rngs, strict=True):
                run = _run_session(session, browser, url, user, password, keep_going, args, rng)
                tasks.append(asyncio.ensure_future(run))
                await asyncio.sleep(args.ramp / max(1, args.sessions))
            await asyncio.gather(*tasks)
            elapsed = time.monotonic() - started
            stop_builds.set()
            await builds
            await browser.close()
        await asyncio.sleep(3)  # let the server drop the closed sessions
        memory = _rss_mb(proc.pid)
        server_log = (scratch / "dashboard.log").read_text(errors="replace")
    errors = [e for s in sessions for e in s.errors]
    held = sum(1 for s in sessions if s.signed_in and s.steps > 0 and not s.failed)
    return {
        "sessions": args.sessions,
        "sessions_held": held,
        "duration_s": round(elapsed, 1),
        "steps": sum(s.steps for s in sessions),
        "steps_per_session": [s.steps for s in sessions],
        "page_time": _times([ms for s in sessions for ms in s.step_ms]),
        "first_load": _times([s.first_load_ms for s in sessions if s.first_load_ms]),
        "errors": len(errors),
        "error_samples": errors[:10],
        "server_tracebacks": server_log.count("Traceback"),
        "builds_completed": state["builds_completed"],
        "builds_failed": state["builds_failed"],
        "builds_interrupted": state["builds_interrupted"],
        "build_seconds": state["build_seconds"],
        "build_errors": state["build_errors"][:3],
        "dashboard_rss_mb_after": memory["rss_mb"],
        "dashboard_peak_rss_mb": memory["peak_rss_mb"],
        "cpus": os.cpu_count(),
    }


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=10, help="concurrent dashboard sessions")
    parser.add_argument("--duration", type=float, default=120, help="seconds of load")
    parser.add_argument("--home", type=Path, required=True, help="a built CHAINKPI_HOME")
    parser.add_argument("--min-builds", type=int, default=1,
                        help="keep the load on until this many builds have finished")  # fmt: skip
    parser.add_argument("--build-grace", type=float, default=180,
                        help="at most this many seconds past --duration for --min-builds")  # fmt: skip
    parser.add_argument("--min-steps", type=int, default=0,
                        help="keep each session on until it has done this many steps")  # fmt: skip
    parser.add_argument("--no-builds", action="store_true",
                        help="no builds meanwhile: the dashboard's own baseline")  # fmt: skip
    parser.add_argument("--think", type=float, default=1.5, help="mean pause between steps (s)")
    parser.add_argument("--ramp", type=float, default=5, help="seconds over which sessions start")
    parser.add_argument("--step-timeout", type=float, default=60, help="seconds per step")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", type=Path, help="also write the summary to this file")
    args = parser.parse_args(argv)
    if args.sessions < 1 or args.duration <= 0 or args.min_steps < 0:
        parser.error("--sessions must be ≥ 1, --duration > 0 and --min-steps ≥ 0")
    return args


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    summary = asyncio.run(_main(args))
    text = json.dumps(summary, ensure_ascii=False, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    ok = (
        summary["errors"] == 0
        and summary["sessions_held"] == summary["sessions"]
        and summary["builds_failed"] == 0
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
