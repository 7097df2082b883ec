"""`kpi serve --tls-cert --tls-key` (issue 20, transport): the dashboard answers over HTTPS
with Streamlit's own SSL options, and a visitor is shown no error details (config). A real
server process and a self-signed certificate made with openssl."""

from __future__ import annotations

import os
import shutil
import socket
import ssl
import subprocess
import sys
import time
import tomllib
import urllib.request
from pathlib import Path

import pytest

from chainkpi.settings import PROJECT_ROOT

KPI = str(Path(sys.executable).with_name("kpi"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_project_config_hides_error_details_and_keeps_xsrf_on():
    config = tomllib.loads((PROJECT_ROOT / ".streamlit" / "config.toml").read_text())
    assert config["client"]["showErrorDetails"] == "none"
    assert config["server"]["enableXsrfProtection"] is True
    assert config["browser"]["gatherUsageStats"] is False


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")
def test_kpi_serve_answers_over_https(tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=localhost", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    port = _free_port()
    env = {**os.environ, "CHAINKPI_HOME": str(tmp_path / "home")}
    server = subprocess.Popen(
        [KPI, "serve", "--port", str(port), "--address", "127.0.0.1",
         "--tls-cert", str(cert), "--tls-key", str(key)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    context = ssl.create_default_context(cafile=str(cert))
    context.check_hostname = False
    try:
        deadline, status = time.monotonic() + 120, None
        while time.monotonic() < deadline and status is None:
            try:
                with urllib.request.urlopen(
                    f"https://127.0.0.1:{port}/_stcore/health", context=context, timeout=5
                ) as answer:
                    status = answer.status
            except OSError:
                time.sleep(0.5)
        assert status == 200
        with pytest.raises(OSError):  # plain HTTP is not served
            urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=5)
    finally:
        server.terminate()
        server.wait(30)


def test_a_certificate_without_its_key_is_a_usage_error(tmp_path):
    done = subprocess.run([KPI, "serve", "--tls-cert", str(tmp_path / "c.pem")],
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode == 2 and "--tls-key" in done.stderr
