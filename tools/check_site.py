"""Open the built documentation site in a real headless browser (Debian's chromium) and check
that a person would see it: the home page and an API page render (screenshots, and the text
they must show in the rendered DOM), and search finds "ndcg" both in the search index and on
the rendered search results page. The site is served from 127.0.0.1 only.

Usage: ``python tools/check_site.py [SITE_DIR] [OUT_DIR]`` (defaults: site, site-check). The
screenshots land in OUT_DIR (kept by CI as the build's artifact).
"""

from __future__ import annotations

import base64
import contextlib
import functools
import http.server
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

PAGES = {
    # name: (path, what the rendered page must show: a JavaScript condition)
    "home": ("", "document.body.innerText.includes('The mathematics of ranking, exact and fast.')"),
    "api-metrics": (
        "api/metrics/",
        "document.getElementById('rankwise.metrics.ndcg') &&"
        " document.body.innerText.includes('Normalised discounted cumulative gain')",
    ),
}
QUERY = "ndcg"


def fail(message: str) -> None:
    raise SystemExit(f"check_site: {message}")


def browser() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if path := shutil.which(name):
            return path
    fail("no chromium on PATH (Debian: apt-get install chromium)")
    raise AssertionError


class Browser:
    """Headless chromium driven through the DevTools protocol over a pipe
    (``--remote-debugging-pipe``: JSON messages separated by NUL on file descriptors 3 and 4),
    so that the checks can wait for what scripts render (the search runs in a web worker)
    with nothing but the standard library."""

    def __init__(self) -> None:
        self.profile = tempfile.TemporaryDirectory()
        to_child, self._send_fd = os.pipe()
        self._recv_fd, from_child = os.pipe()

        def pipes_as_fds_3_and_4() -> None:
            a, b = os.dup(to_child), os.dup(from_child)
            os.dup2(a, 3)
            os.dup2(b, 4)

        self.process = subprocess.Popen(
            [
                browser(),
                "--headless",
                "--no-sandbox",  # CI runs as root
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--hide-scrollbars",
                "--no-first-run",
                f"--user-data-dir={self.profile.name}",
                "--window-size=1280,900",
                "--remote-debugging-pipe",
                "about:blank",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            close_fds=False,
            preexec_fn=pipes_as_fds_3_and_4,
        )
        os.close(to_child)
        os.close(from_child)
        self._buffer = b""
        self._next_id = 0
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)[
            "sessionId"
        ]

    def call(self, method: str, session: str | None = None, **params: object) -> dict:
        self._next_id += 1
        message: dict[str, object] = {"id": self._next_id, "method": method, "params": params}
        if session is not None:
            message["sessionId"] = session
        os.write(self._send_fd, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            while b"\0" in self._buffer:
                raw, self._buffer = self._buffer.split(b"\0", 1)
                reply = json.loads(raw)
                if reply.get("id") == self._next_id:
                    if "error" in reply:
                        fail(f"{method}: {reply['error']}")
                    return dict(reply.get("result", {}))
            chunk = os.read(self._recv_fd, 1 << 16)
            if not chunk:
                fail(f"chromium exited during {method}")
            self._buffer += chunk
        fail(f"no answer from chromium to {method} in 60 s")
        raise AssertionError

    def evaluate(self, expression: str) -> object:
        result = self.call(
            "Runtime.evaluate", self.session, expression=expression, returnByValue=True
        )
        return result.get("result", {}).get("value")

    def open(self, url: str, ready: str = "true", timeout: float = 30) -> None:
        """Load `url` and wait until the JavaScript expression `ready` is true."""
        self.call("Page.navigate", self.session, url=url)
        deadline = time.monotonic() + timeout
        condition = f"document.readyState === 'complete' && Boolean({ready})"
        while not self.evaluate(condition):
            if time.monotonic() > deadline:
                fail(f"{url}: not ready after {timeout} s ({ready})")
            time.sleep(0.2)

    def screenshot(self, path: Path) -> None:
        data = self.call("Page.captureScreenshot", self.session, format="png")["data"]
        path.write_bytes(base64.b64decode(str(data)))
        check_not_blank(path)

    def close(self) -> None:
        with contextlib.suppress(SystemExit):  # chromium may close the pipe first
            self.call("Browser.close")
        self.process.wait(timeout=30)
        os.close(self._send_fd)
        os.close(self._recv_fd)
        self.profile.cleanup()


def check_not_blank(path: Path) -> None:
    if not path.exists() or path.stat().st_size < 10_000:
        fail(f"{path}: no screenshot, or an empty one")
    try:
        from PIL import Image
    except ImportError:
        return
    with Image.open(path) as image:
        colours = image.convert("RGB").getcolors(maxcolors=1 << 20)
    if colours is not None and len(colours) < 50:
        fail(f"{path} is nearly blank ({len(colours)} colours)")


def index_hits(site: Path, query: str) -> list[str]:
    index = json.loads((site / "search" / "search_index.json").read_text())
    return [d["location"] for d in index["docs"] if query in (d["title"] + d["text"]).lower()]


def main(site: Path, out: Path) -> None:
    if not (site / "index.html").exists():
        fail(f"{site}/index.html does not exist: build the site first (mkdocs build --strict)")
    out.mkdir(parents=True, exist_ok=True)
    hits = index_hits(site, QUERY)
    if not hits:
        fail(f"the search index has no entry for {QUERY!r}")
    print(f"search index: {len(hits)} entries contain {QUERY!r}, e.g. {hits[:3]}")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(site.resolve()))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    chromium = Browser()
    try:
        for name, (path, condition) in PAGES.items():
            chromium.open(base + path, condition)
            chromium.screenshot(out / f"{name}.png")
            print(f"{name}: {base + path} renders; screenshot {out / (name + '.png')}")
        # Material's search runs in the browser (a web worker over search_index.json);
        # ?q= opens the search box with the query typed in.
        url = f"{base}?q={QUERY}"
        chromium.open(url, "document.querySelector('.md-search-result__item')")
        shown = chromium.evaluate(
            "[document.querySelector('.md-search-result__meta').innerText,"
            " document.querySelector('.md-search-result__item').innerText]"
        )
        assert isinstance(shown, list)
        if QUERY not in str(shown[1]).lower():
            fail(f"the first search result for {QUERY!r} does not mention it: {shown[1]!r}")
        chromium.screenshot(out / "search.png")
        print(f"search page: {shown[0]!r} for {QUERY!r}; screenshot {out / 'search.png'}")
    finally:
        chromium.close()
        server.shutdown()


if __name__ == "__main__":
    main(
        Path(sys.argv[1] if len(sys.argv) > 1 else "site"),
        Path(sys.argv[2] if len(sys.argv) > 2 else "site-check"),
    )
