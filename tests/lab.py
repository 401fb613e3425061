"""JupyterLab on loopback, driven through Debian's Chromium with Playwright, for tests/test_browser.py.

`JupyterLab` is the server (its own port, token, settings and runtime folder); `LabPage` is the
application in one browser tab, used the way a student uses it: menus, clicks and keys. Checks
on what a run produced live in test_browser.py; this module only drives and reads.
"""
import io
import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
# Headless, no sandbox (we may be root), and nothing that talks to the network on its own.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
VIEWPORT = {"width": 1280, "height": 900}

# User settings for reproducible runs: no question about (or fetching of) Jupyter news, and every
# cell drawn as soon as the notebook opens. By default JupyterLab draws cells in idle time, and a
# page that is rarely idle (kernels starting on two cores) took from 2 s to 30 s to open the same
# notebook.
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings":
        {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}

# Loaded into every page: one reader of the open notebook's DOM, shared by all the waits below.
# Only top-level outputs count (an Output widget holds output areas of its own).
PAGE_HELPERS = """
window.backpropLab = {
  panel() {
    return document.querySelector('#jp-main-dock-panel .jp-NotebookPanel:not(.lm-mod-hidden)');
  },
  kernelStatus() {
    const item = [...document.querySelectorAll('.jp-StatusBar-TextItem')]
      .map(e => e.textContent).find(text => / \\| /.test(text));
    return item ? item.split(' | ').pop() : null;
  },
  cells() {
    const panel = this.panel();
    if (!panel) return [];
    return [...panel.querySelectorAll('.jp-Notebook .jp-Cell')].map(cell => {
      const outputs = [...cell.querySelectorAll(
        '.jp-Cell-outputArea > .jp-OutputArea-child > .jp-OutputArea-output')];
      const prompt = (cell.querySelector('.jp-InputPrompt') || {}).textContent || '';
      const count = /\\[(\\d+)\\]/.exec(prompt);
      return {
        code: cell.classList.contains('jp-CodeCell'),
        running: prompt.includes('*'),
        count: count ? Number(count[1]) : null,
        outputs: outputs.map(o => ({
          image: o.dataset.mimeType === 'image/png' && !!o.querySelector(':scope > img'),
          // a widget's view, not its text fallback, a placeholder or an error in its place
          widget: !!o.querySelector(':scope > .jupyter-widgets')
                  && !/Loading widget|Error displaying widget/.test(o.innerText),
          text: o.innerText.slice(0, 300),
        })),
      };
    });
  },
  // Before a run: watch for a cell prompt turning into [*], the sign that the run has begun
  // (a run whose requests the kernel aborts shows nothing else).
  arm() {
    const panel = this.panel();
    const running = () => [...panel.querySelectorAll('.jp-InputPrompt')].some(p => p.textContent.includes('*'));
    this.started = false;
    this.observer = new MutationObserver(() => {
      if (running()) { this.started = true; this.observer.disconnect(); }
    });
    this.observer.observe(panel, {subtree: true, childList: true, characterData: true});
  },
  // After arm(): true once that run has begun and is over (idle kernel, nothing queued).
  runFinished() {
    return this.started && this.kernelStatus() === 'Idle' && !this.cells().some(c => c.running);
  },
};
"""


def free_port():
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class JupyterLab:
    """A JupyterLab server on loopback serving `root`, with all its state under `scratch`."""

    def __init__(self, root, scratch):
        self.root, self.scratch = Path(root), Path(scratch)
        self.port, self.token = free_port(), secrets.token_hex(16)
        self.url = f"http://127.0.0.1:{self.port}"
        self.runtime = self.scratch / "runtime"
        self.log = self.scratch / "jupyterlab.log"
        self.process = None

    def start(self, timeout=60):
        """Start the server and wait until its REST API answers; returns self."""
        settings = self.scratch / "settings"
        for name, values in LAB_SETTINGS.items():
            (settings / name).parent.mkdir(parents=True, exist_ok=True)
            (settings / name).write_text(json.dumps(values))
        # The user's own Jupyter config, settings and saved workspaces must not change the run.
        env = {**os.environ, "JUPYTER_CONFIG_DIR": str(self.scratch / "config"),
               "JUPYTER_RUNTIME_DIR": str(self.runtime), "JUPYTERLAB_SETTINGS_DIR": str(settings),
               "JUPYTERLAB_WORKSPACES_DIR": str(self.scratch / "workspaces")}
        command = [str(Path(sys.executable).parent / "jupyter"), "lab", "--no-browser",
                   "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={self.port}", "--ServerApp.port_retries=0",
                   f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={self.root}"]
        if os.geteuid() == 0:  # CI runs as root; jupyter_server refuses that unless told
            command.append("--allow-root")
        with open(self.log, "w") as log:
            self.process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"JupyterLab exited with {self.process.returncode}:\n{self.log.read_text()[-3000:]}")
            try:
                self.api("GET", "/api/status")
                return self
            except OSError:
                time.sleep(0.2)  # the server is still starting: nothing in the page to wait on yet
        raise RuntimeError(f"JupyterLab did not answer within {timeout} s:\n{self.log.read_text()[-3000:]}")

    def stop(self):
        """Stop the server (and with it any kernel still running)."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def api(self, method, path, body=None):
        """One REST call with the token; returns the decoded JSON answer (None when empty)."""
        request = urllib.request.Request(self.url + path, method=method,
                                         data=None if body is None else json.dumps(body).encode(),
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=10) as answer:
            body = answer.read()
        return json.loads(body) if body else None

    def run_in_new_kernel(self, code, folder="", timeout=30):
        """Start a kernel as the server would for a notebook in `folder`, run `code`, return stdout.

        Talking to the kernel of an open notebook instead slowed JupyterLab down for the rest of
        the session: it gets every message of that kernel, this conversation included.
        """
        from jupyter_client import BlockingKernelClient

        kernel = self.api("POST", "/api/kernels", {"name": "python3", "path": str(folder)})
        client = BlockingKernelClient()
        client.load_connection_file(str(self.runtime / f"kernel-{kernel['id']}.json"))
        client.start_channels()
        printed = []
        try:
            client.wait_for_ready(timeout=timeout)
            reply = client.execute_interactive(
                code, timeout=timeout, output_hook=lambda msg: printed.append(msg["content"].get("text", "")))
        finally:
            client.stop_channels()
            self.api("DELETE", f"/api/kernels/{kernel['id']}")
        assert reply["content"]["status"] == "ok", reply["content"]
        return "".join(printed)

    def shut_down_kernels(self):
        """Shut down every kernel of the server (a failed test may have left one running)."""
        for kernel in self.api("GET", "/api/kernels"):
            self.api("DELETE", f"/api/kernels/{kernel['id']}")


class LabPage:
    """JupyterLab in one browser tab, with at most one notebook open at a time."""

    def __init__(self, page, lab):
        self.page, self.lab = page, lab

    def start(self):
        """Load the application once, with a fresh workspace."""
        self.page.add_init_script(PAGE_HELPERS)
        self.page.goto(f"{self.lab.url}/lab?reset&token={self.lab.token}")
        self.page.wait_for_selector(".jp-SideBar.jp-mod-left .lm-TabBar-tab", timeout=60_000)
        return self

    def fold_left_sidebar(self):
        """Close the file browser (opening a file shows it again): more width for the notebook."""
        open_tab = self.page.locator(".jp-SideBar.jp-mod-left .lm-TabBar-tab.lm-mod-current")
        if open_tab.count():
            open_tab.click()
            open_tab.wait_for(state="detached")

    def command(self, menu, command):
        """Click `menu` in the menu bar, then its item that runs `command` (JupyterLab's command id)."""
        self.page.click(f".lm-MenuBar-itemLabel:text-is('{menu}')")
        self.page.click(f".lm-Menu-item[data-command='{command}']")

    def open(self, path, cells):
        """File > Open from Path; wait until all `cells` cells are shown and the kernel is idle."""
        self.command("File", "filebrowser:open-path")
        self.page.fill(".jp-Dialog input", str(path))
        self.page.keyboard.press("Enter")
        self.page.wait_for_function(
            "n => backpropLab.cells().length === n && backpropLab.kernelStatus() === 'Idle'",
            arg=cells, timeout=60_000, polling=200)
        self.fold_left_sidebar()

    def cells(self):
        """Each cell of the open notebook as the page shows it (see PAGE_HELPERS)."""
        return self.page.evaluate("backpropLab.cells()")

    def run(self, command, timeout=120):
        """Run menu > `command`, and wait until the run it starts is over."""
        self.page.evaluate("backpropLab.arm()")
        self.command("Run", command)
        self.page.wait_for_function("backpropLab.runFinished()", timeout=timeout * 1000, polling=200)

    def run_all_past_errors(self, timeout=120):
        """Run All; where an error stopped it, go on from the first cell not run, as a student would.

        A round can also come back with nothing run: right after an error the kernel still aborts
        the requests that reach it. Then the same cell is simply tried again.
        """
        self.run("runmenu:run-all", timeout)
        cells = self.cells()
        for _ in range(2 * len(cells)):
            unrun = [i for i, c in enumerate(cells) if c["code"] and c["count"] is None]
            if not unrun:
                return
            self.select(unrun[0])
            self.run("notebook:run-all-below", timeout)
            cells = self.cells()
        raise AssertionError(f"cells {unrun} never ran")

    def cell(self, index):
        """Cell `index` of the open notebook."""
        return self.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell").nth(index)

    def select(self, index):
        """Make cell `index` the active cell (command mode): a click on its input prompt."""
        self.cell(index).locator(".jp-InputPrompt").click()

    def output(self, index, k):
        """The k-th output of cell `index` (outputs of an Output widget inside it do not count)."""
        return self.cell(index).locator(".jp-Cell-outputArea > .jp-OutputArea-child > .jp-OutputArea-output").nth(k)

    def wait_for_widgets(self, places, timeout=15):
        """Wait until the outputs at `places` ([cell, output] pairs) all show a widget; the caller
        checks the outcome, so running out of time is not an error here."""
        from playwright.sync_api import TimeoutError

        try:
            self.page.wait_for_function(
                "places => { const cells = backpropLab.cells();"
                " return places.every(([i, k]) => (cells[i].outputs[k] || {}).widget); }",
                arg=places, timeout=timeout * 1000, polling=200)
        except TimeoutError:
            pass

    def cut_labels(self, index, k):
        """The labels of the widget in output k of cell `index` that do not fit their box (JupyterLab
        cuts them short with an ellipsis)."""
        return self.output(index, k).evaluate(
            "view => [...view.querySelectorAll('.widget-label')]"
            ".filter(label => label.scrollWidth > label.clientWidth).map(label => label.textContent)")

    def widget_reacts(self, index, k, timeout=30):
        """Move the first slider of the widget in output k of cell `index` one step (arrow key, as
        a student can); True once its pictures have changed (or appeared) and are there."""
        from playwright.sync_api import TimeoutError

        view = self.output(index, k)
        pictures = "view => [...view.querySelectorAll('img')].map(img => img.src).join()"
        before = view.evaluate(pictures)
        view.locator(".noUi-handle").first.press("ArrowRight")
        try:
            self.page.wait_for_function(f"([view, before]) => ({pictures})(view) !== before",
                                        arg=[view.element_handle(), before], timeout=timeout * 1000, polling=200)
        except TimeoutError:
            return False
        return bool(view.evaluate(pictures))

    def save(self):
        """File > Save, and wait until the tab no longer shows unsaved changes. On a loaded
        machine the menu click can be lost (the tab stays dirty, nothing is written): once, after
        30 s, File > Save is asked again."""
        from playwright.sync_api import TimeoutError

        saved = "#jp-main-dock-panel .lm-TabBar-tab.jp-mod-current:not(.jp-mod-dirty)"
        self.command("File", "docmanager:save")
        try:
            self.page.wait_for_selector(saved, timeout=30_000)
        except TimeoutError:
            self.command("File", "docmanager:save")
            self.page.wait_for_selector(saved)

    def screenshot(self, path):
        """The whole open notebook as one picture, stitched from one screenshot per screenful.

        The window keeps its size (a window resized to the notebook's height left JupyterLab
        drawing the next notebook ten times slower). Cells below have only an estimated height
        until they come into view, so the notebook's length is read again after every scroll.
        """
        from PIL import Image

        scroll_to = """async top => {
          const outer = backpropLab.panel().querySelector('.jp-WindowedPanel-outer');
          outer.scrollTop = top;
          await new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)));
          return [outer.scrollTop, outer.querySelector('.jp-WindowedPanel-viewport').offsetHeight];
        }"""
        outer = self.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-WindowedPanel-outer").bounding_box()
        # The top pixels lie under the toolbar's shadow: leave them out of every screenful.
        shadow = 4
        box = {**outer, "y": outer["y"] + shadow, "height": int(outer["height"]) - shadow}
        tiles, top, length = [], 0, 1
        while top < length:
            top, length = self.page.evaluate(scroll_to, top)
            tiles.append((top + shadow, self.page.screenshot(clip=box)))
            top += box["height"]
        picture = Image.new("RGB", (int(box["width"]), min(length, tiles[-1][0] + box["height"])), "white")
        for offset, png in tiles:
            picture.paste(Image.open(io.BytesIO(png)), (0, offset))
        picture.save(path)

    def close(self):
        """File > Close and Shut Down, confirmed (the notebook was saved: nothing else to ask)."""
        self.command("File", "filemenu:close-and-cleanup")
        self.page.click(".jp-Dialog .jp-mod-accept")
        self.page.wait_for_function("() => !backpropLab.panel()", polling=200)
