"""notebooks/interactive.ipynb as a Voilà app, driven in Debian's Chromium through Playwright.

Starts Voilà on 127.0.0.1 at a free port, opens the app, moves the learning-rate slider
with the keyboard and checks that the status line and the plot are redrawn, then pushes the
learning rate to its maximum and checks the divergence message. Voilà (and its kernels) are
stopped in the fixture's finalizer whatever happens.

Without CIFAR-10 in datasets/ the app runs on synthetic CIFAR-shaped data
(CS231N_EXPLORER_DATA=synthetic), so the test does not need the dataset.
Screenshots go to pytest's tmp directory; their paths are printed (pytest -s shows them).
"""
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from cs231n.data_utils import DEFAULT_CIFAR10_DIR, MEMBERS
from cs231n.tools.widgets import DATA_ENV_VAR

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parent.parent
NOTEBOOK = REPO / "notebooks" / "interactive.ipynb"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
STARTUP_TIMEOUT = 120  # seconds for Voilà to answer
RENDER_TIMEOUT_MS = 180_000  # kernel start, data loading and the first training, on a busy CI box
UPDATE_TIMEOUT_MS = 90_000  # one retrain after a slider move


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children(pid):
    """PIDs of the live processes whose parent is ``pid`` (Voilà's kernels run in their own
    sessions, so killing Voilà's process group does not reach them)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:  # fields: state, ppid, ...
            found.append(int(stat.parent.name))
    return found


def _stop(proc):
    """Stop Voilà (SIGTERM lets it shut its kernels down), then anything it left behind."""
    kernels = _children(proc.pid)
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
    for pid in kernels:
        try:
            os.killpg(pid, signal.SIGKILL)  # a kernel leads its own process group
        except (ProcessLookupError, PermissionError):
            pass


@pytest.fixture(scope="module")
def voila_url(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)")
    pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")
    pytest.importorskip("voila", reason="voila is not installed (pip install voila)")

    env = dict(os.environ)
    if not all((DEFAULT_CIFAR10_DIR / m).is_file() for m in MEMBERS):
        env[DATA_ENV_VAR] = "synthetic"  # the app itself, not the data, is under test here
    port = _free_port()
    log_path = tmp_path_factory.mktemp("voila") / "voila.log"
    log = open(log_path, "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "voila", "--no-browser", f"--port={port}", "--Voila.ip=127.0.0.1",
         "--Voila.port_retries=0", str(NOTEBOOK)],
        cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while True:
            if proc.poll() is not None:
                pytest.fail(f"Voilà exited with code {proc.returncode}:\n{log_path.read_text()}")
            try:  # any HTTP answer will do; "/" itself would start a kernel for nothing
                urllib.request.urlopen(url + "voila/static/", timeout=5).close()
                break
            except urllib.error.HTTPError:
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"Voilà did not answer on {url} within {STARTUP_TIMEOUT} s:\n"
                            f"{log_path.read_text()}")
            time.sleep(0.5)
        yield url
    finally:
        _stop(proc)
        log.close()


@pytest.fixture(scope="module")
def page(voila_url):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1100})
            page.goto(voila_url, timeout=RENDER_TIMEOUT_MS)
            yield page
        finally:
            browser.close()


def _status(page):
    return page.locator(".explorer-status").inner_text()


def _wait_for_status(page, *needles, not_equal=None):
    """Wait until the status line contains every needle (and differs from ``not_equal``)."""
    page.wait_for_function(
        """([needles, old]) => {
            const el = document.querySelector('.explorer-status');
            if (!el) return false;
            const text = el.innerText;
            return needles.every(n => text.includes(n)) && text !== old;
        }""",
        arg=[list(needles), not_equal], timeout=UPDATE_TIMEOUT_MS)
    return _status(page)


def test_learning_rate_slider_redraws_text_and_plot(page, tmp_path_factory):
    handle = page.locator(".explorer-lr-slider .noUi-handle")
    handle.wait_for(timeout=RENDER_TIMEOUT_MS)
    plot = page.locator("img.explorer-plot")
    first = _wait_for_status(page, "learning rate 1.0e-03", "final val acc")
    plot.wait_for(timeout=UPDATE_TIMEOUT_MS)
    first_src = plot.get_attribute("src")
    first_pixels = plot.screenshot()
    readout = page.locator(".explorer-lr-slider .widget-readout")
    assert float(handle.get_attribute("aria-valuenow")) == pytest.approx(-3.0)  # log10(1e-3)
    assert readout.inner_text() == "1.0e-3"

    # One step right on the keyboard: a quarter decade, 1e-3 -> 10**-2.75 = 1.8e-3.
    handle.focus()
    page.keyboard.press("ArrowRight")
    second = _wait_for_status(page, "learning rate 1.8e-03", "final val acc", not_equal=first)
    assert float(handle.get_attribute("aria-valuenow")) == pytest.approx(-2.75, abs=0.05)
    assert readout.inner_text() == "1.8e-3"
    assert "diverged" not in second
    page.wait_for_function("old => document.querySelector('img.explorer-plot').src !== old",
                           arg=first_src, timeout=UPDATE_TIMEOUT_MS)
    assert plot.screenshot() != first_pixels  # the picture itself changed, not just its URL
    shots = tmp_path_factory.mktemp("screenshots")
    page.screenshot(path=shots / "interactive_lr_1.8e-3.png", full_page=True)

    # End: the largest learning rate, 1e-1, which diverges; the app says so in words.
    second_src = plot.get_attribute("src")
    page.keyboard.press("End")
    third = _wait_for_status(page, "learning rate 1.0e-01", "diverged at iteration", not_equal=second)
    assert "Traceback" not in page.inner_text("body")
    page.wait_for_function("old => document.querySelector('img.explorer-plot').src !== old",
                           arg=second_src, timeout=UPDATE_TIMEOUT_MS)
    page.screenshot(path=shots / "interactive_diverged.png", full_page=True)
    print(f"\nscreenshots: {shots}\n  {second}\n  {third}")

    # Code cells are stripped: the app shows controls and outputs, not the source.
    assert "TrainingExplorer(" not in page.inner_text("body")
