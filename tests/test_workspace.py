"""`make lab`: the learner's own copy, and JupyterLab serving the course."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from conftest import ROOT

from mlinterview import workspace


def test_populate_copies_new_notebooks_and_never_overwrites_work(tmp_path):
    shutil.copy2(ROOT / "nbgrader_config.py", tmp_path / "nbgrader_config.py")
    shutil.copytree(ROOT / "release", tmp_path / "release")
    first = workspace.populate(tmp_path, tmp_path / "mywork")
    assert first, "nothing copied"
    mine = first[0]
    mine.write_text("my answers", encoding="utf-8")
    assert workspace.populate(tmp_path, tmp_path / "mywork") == []
    assert mine.read_text(encoding="utf-8") == "my answers"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.nbgrader
def test_jupyterlab_serves_the_release_notebooks_with_nbgrader_enabled(tmp_path):
    port, token = _free_port(), "course-smoke-test"
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path), "PATH":
           f"{os.path.dirname(sys.executable)}{os.pathsep}{os.environ.get('PATH', '')}"}
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={ROOT}",
         *(["--allow-root"] if os.geteuid() == 0 else [])],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=ROOT)
    try:
        url = f"http://127.0.0.1:{port}/api/contents/release/m00_interview_method/interview_method.ipynb"
        deadline = time.monotonic() + 60
        while True:
            try:
                req = urllib.request.Request(url, headers={"Authorization": f"token {token}"})
                with urllib.request.urlopen(req, timeout=5) as resp:
                    body = json.load(resp)
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise AssertionError(server.stderr.read().decode()[-2000:] if server.poll()
                                         is not None else "JupyterLab did not answer in 60 s") from None
                time.sleep(0.5)
        assert body["type"] == "notebook" and body["content"]["cells"]
        req = urllib.request.Request(f"http://127.0.0.1:{port}/formgrader/api/assignments",
                                     headers={"Authorization": f"token {token}"})
        with urllib.request.urlopen(req, timeout=30) as resp:
            assert resp.status == 200  # nbgrader's formgrader extension is loaded
    finally:
        server.terminate()
        server.wait(timeout=30)
