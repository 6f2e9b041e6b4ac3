#!/usr/bin/env python3
"""Zip your work for upload: notebooks/*.ipynb, the nets they saved (notebooks/*.npz and
cs231n/saved/, whole) and cs231n/**/*.py -> cs231n_submission.zip.

    python collect_submission.py            (or ./collect_submission.sh)

Run every notebook from top to bottom and save it before: the graders read its outputs.
The script also warns about parts still to do (a YOUR CODE region that only holds the
placeholder), about marker lines deleted or changed (keep them: grading relies on them),
and about notebooks that were never run or not run from top to bottom in order.

It also renders the notebooks, your written answers included, into one PDF for the
manually graded part (cs231n_notebooks.pdf, next to the zip; upload it to the PDF
assignment), with nbconvert's webpdf exporter and the Chromium installed on this machine
(/usr/bin/chromium, or the CHROMIUM environment variable). Math is typeset offline by the
MathJax of the jupyter-server-mathjax package, long code lines wrap, and a progress bar's
updates show as its last state only. Without a browser it says so and writes
cs231n_notebooks.html instead: print that to PDF from any browser. --no-pdf skips this.
"""
import argparse
import importlib.util
import json
import os
import re
import shutil
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent
START_MARKER = "# *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****"
END_MARKER = "# *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****"
#: Number of YOUR CODE regions in each file as handed out.
EXPECTED_REGIONS: dict = {}  # filled in by staff/release.py
SKIP_DIRS = {"__pycache__", ".ipynb_checkpoints"}
#: what the notebooks save for the graders to re-check (models, chosen settings): zipped whole
SAVED_DIR = "cs231n/saved"
#: the course's notebooks, in the order of the assignment (others follow, sorted)
NOTEBOOK_ORDER = ("knn", "svm", "softmax", "two_layer_net", "features", "FullyConnectedNets")
#: cells a grader needs not read: the Colab setup cell and the release's Colab badge
SETUP_CELL_IDS = ("colab-setup", "colab-badge")
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome")
#: MathJax 2's configuration shipped by jupyter-server-mathjax (nbconvert's default is a CDN)
MATHJAX_CONFIG = "TeX-AMS-MML_HTMLorMML-full,Safe"
#: long code lines and outputs wrap in the PDF instead of running off the page
WRAP_CSS = ("<style>pre, .highlight pre, .jp-OutputArea-output pre "
            "{white-space: pre-wrap !important; overflow-wrap: anywhere;}</style>")
#: MathJax in the PDF: the web font jupyter-server-mathjax ships (MathJax would look for its
#: TeX font, and settle for the system's serif font), no rough preview, and a flag raised once
#: the page is typeset, which the printing waits for
MATHJAX_SETUP = """<script type="text/x-mathjax-config">
MathJax.Hub.Config({"HTML-CSS": {availableFonts: [], preferredFont: null, webFont: "STIX-Web"},
                   "fast-preview": {disabled: true}});
MathJax.Hub.Register.StartupHook("End", function () {
    MathJax.Hub.Queue(["Typeset", MathJax.Hub], function () { window.mathTypeset = true; });
});
</script>"""
#: how long Chromium may take to typeset the math, and then waits for the page to settle (ms)
MATH_TIMEOUT_MS, RENDER_WAIT_MS = 300_000, 500


def collected(rel):
    """Is the relative posix path ``rel`` part of a submission?"""
    parts = rel.split("/")
    if SKIP_DIRS.intersection(parts):
        return False
    notebook = len(parts) == 2 and parts[0] == "notebooks" and rel.endswith((".ipynb", ".npz"))
    saved = rel.startswith(SAVED_DIR + "/")
    return notebook or saved or (parts[0] == "cs231n" and rel.endswith(".py"))


def submission_files(root=ROOT):
    """Sorted paths (relative to root) of the notebooks, what they saved and the package."""
    # the notebooks, the nets and settings they saved (the graders re-check them), the package
    paths = (list((root / "notebooks").glob("*.ipynb")) + list((root / "notebooks").glob("*.npz"))
             + list((root / SAVED_DIR).rglob("*")) + list((root / "cs231n").rglob("*.py")))
    files = [path.relative_to(root).as_posix() for path in paths if path.is_file()]
    return sorted(rel for rel in files if collected(rel))


def _regions(lines):
    """Bodies (lists of lines) of the YOUR CODE regions, and whether the markers pair up."""
    bodies, body, ok = [], None, True
    for line in lines:
        if line.strip() == START_MARKER:
            ok = ok and body is None
            body = []
        elif line.strip() == END_MARKER:
            if body is None:
                ok = False
            else:
                bodies.append(body)
                body = None
        elif body is not None:
            body.append(line)
    return bodies, ok and body is None


def _unfinished(body):
    code = [line.strip() for line in body if line.strip() and not line.strip().startswith("#")]
    return code == ["pass"] or (bool(code) and code[0].startswith("raise NotImplementedError("))


def check(root, rel):
    """Warnings about one file of the submission."""
    if not rel.endswith((".py", ".ipynb")):
        return []
    text = (root / rel).read_text(encoding="utf-8")
    warnings, bodies, ok, executed = [], [], True, True
    if rel.endswith(".ipynb"):
        cells = [c for c in json.loads(text).get("cells", []) if c.get("cell_type") == "code"]
        executed = any(c.get("execution_count") for c in cells) or not cells
        for cell in cells:
            source = cell.get("source", "")
            source = "".join(source) if isinstance(source, list) else source
            cell_bodies, cell_ok = _regions(source.splitlines())
            bodies += cell_bodies
            ok = ok and cell_ok
    else:
        bodies, ok = _regions(text.splitlines())
    todo = sum(_unfinished(body) for body in bodies)
    if todo:
        warnings.append(f"{rel}: {todo} part(s) still to implement")
    expected = EXPECTED_REGIONS.get(rel)
    if not ok or (expected is not None and len(bodies) != expected):
        warnings.append(
            f"{rel}: YOUR CODE marker lines were deleted or changed "
            f"({len(bodies)} regions, {expected} handed out); please restore them"
        )
    if not executed:
        warnings.append(f"{rel}: the notebook has no outputs: run it and save it")
    elif rel.endswith(".ipynb"):
        problem = run_order_problem(cells)
        if problem:
            warnings.append(f"{rel}: not run from top to bottom in order ({problem}): "
                            "use Kernel > Restart & Run All, then save it")
    return warnings


def run_order_problem(cells):
    """Why the code cells were not run from top to bottom in order, or None."""
    last = None
    for index, cell in enumerate(cells):
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else source
        if not source.strip():
            continue
        count = cell.get("execution_count")
        if count is None:
            return f"code cell {index + 1} was not run"
        if last is not None and count < last[1]:
            return f"code cell {index + 1} ran before code cell {last[0] + 1} above it"
        last = (index, count)
    return None


def _chromium():
    path = os.environ.get("CHROMIUM")
    if path:
        return path if Path(path).is_file() else None
    for name in CHROMIUM_CANDIDATES:
        found = shutil.which(name)  # a name on PATH, or an absolute path as it is
        if found:
            return found
    return None


def _last_state(text):
    """Stream text as a terminal shows it: of each line, what follows its last carriage return
    (a text progress bar redraws itself with them); lines left blank by that are dropped."""
    lines = []
    for line in text.split("\n"):
        shown = line.rsplit("\r", 1)[-1]
        if shown.strip() or "\r" not in line:
            lines.append(shown)
    return "\n".join(lines)


def _one_notebook(paths):
    """The notebooks as one, each under a heading naming it, without their Colab setup cells;
    progress bars at their last state."""
    import nbformat

    def key(path):
        stem = path.stem
        return (NOTEBOOK_ORDER.index(stem) if stem in NOTEBOOK_ORDER else len(NOTEBOOK_ORDER), stem)

    merged = nbformat.v4.new_notebook()
    for path in sorted(paths, key=key):
        nb = nbformat.read(path, as_version=4)
        merged.metadata = merged.metadata or nb.metadata
        merged.cells.append(nbformat.v4.new_markdown_cell(f"# {path.name}"))
        for cell in nb.cells:
            if cell.get("id") in SETUP_CELL_IDS:
                continue
            if "id" in cell:  # unique in the merged notebook
                cell["id"] = f"{path.stem}-{cell['id']}"[-64:]
            for output in cell.get("outputs", []):
                if output.get("output_type") == "stream":
                    output["text"] = _last_state(output.get("text", ""))
            merged.cells.append(cell)
    return merged


def _local_mathjax():
    """file:// URL of the MathJax shipped by jupyter-server-mathjax, or None."""
    spec = importlib.util.find_spec("jupyter_server_mathjax")  # (importing it needs a server)
    if spec is None or not spec.submodule_search_locations:
        return None
    script = Path(list(spec.submodule_search_locations)[0]) / "static" / "MathJax.js"
    return f"{script.as_uri()}?config={MATHJAX_CONFIG}" if script.is_file() else None


def _with_css(html, extra=""):
    return re.sub("</head>", lambda _: WRAP_CSS + extra + "</head>", html, count=1)


def render_pdf(root, notebooks, pdf_path):
    """Render ``notebooks`` into one PDF (or HTML without a browser). Returns a message."""
    try:
        import nbconvert  # noqa: F401
        import nbformat  # noqa: F401
    except ImportError:
        return (f"nbconvert is not installed in {sys.executable}: no PDF written. Run "
                "'source scripts/setup_env.sh' once (it makes .venv, with nbconvert), then "
                "./collect_submission.sh again")
    mathjax = _local_mathjax()
    if not notebooks:
        return "no notebooks to render"
    merged = _one_notebook([root / rel for rel in notebooks])
    chromium = _chromium()
    if chromium:
        try:
            from nbconvert import WebPDFExporter
            from playwright.async_api import BrowserType, Page

            if mathjax is None:
                raise RuntimeError("jupyter-server-mathjax is not installed: the math would not "
                                   "be typeset (pip install jupyter-server-mathjax)")

            class Exporter(WebPDFExporter):
                def run_playwright(self, html):
                    return super().run_playwright(_with_css(html, MATHJAX_SETUP))

            launch, wait = BrowserType.launch, Page.wait_for_timeout

            async def launch_installed(self, *args, **kwargs):  # the machine's own Chromium
                kwargs.setdefault("executable_path", chromium)
                return await launch(self, *args, **kwargs)

            async def wait_for_math(self, timeout):  # the exporter's pause before printing
                await self.wait_for_function("!window.MathJax || window.mathTypeset === true",
                                             timeout=MATH_TIMEOUT_MS)
                await wait(self, timeout)

            BrowserType.launch, Page.wait_for_timeout = launch_installed, wait_for_math
            try:
                exporter = Exporter(disable_sandbox=True, mathjax_url=mathjax,
                                    page_render_timeout=RENDER_WAIT_MS,
                                    browser_args=["--allow-file-access-from-files"])
                data, _ = exporter.from_notebook_node(merged)
            finally:
                BrowserType.launch, Page.wait_for_timeout = launch, wait
            pdf_path.write_bytes(data)
            return f"wrote {pdf_path}: upload it to the PDF assignment"
        except Exception as exc:  # noqa: BLE001 - fall back to HTML whatever went wrong
            reason = f"rendering with {chromium} failed ({type(exc).__name__}: {exc})"
    else:
        reason = "no Chromium found (install it, or set CHROMIUM to its path)"
    from nbconvert import HTMLExporter

    html_path = pdf_path.with_suffix(".html")
    body, _ = HTMLExporter().from_notebook_node(merged)  # MathJax from the web, for any browser
    html_path.write_text(_with_css(body), encoding="utf-8")
    return (f"{reason}: wrote {html_path} instead; open it in a browser and print it to "
            "PDF for the PDF assignment")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", default=str(ROOT / "cs231n_submission.zip"),
                        help="zip to write (default: cs231n_submission.zip next to this script)")
    parser.add_argument("--pdf", default=str(ROOT / "cs231n_notebooks.pdf"),
                        help="PDF of the notebooks to write (default: cs231n_notebooks.pdf)")
    parser.add_argument("--no-pdf", action="store_true", help="do not render the notebooks")
    args = parser.parse_args(argv)
    files = submission_files(ROOT)
    if not files:
        print(f"error: no notebooks/*.ipynb nor cs231n/**/*.py under {ROOT}", file=sys.stderr)
        return 1
    warnings = []
    for rel in sorted(set(filter(collected, EXPECTED_REGIONS)) - set(files)):
        warnings.append(f"{rel}: missing")
    for rel in files:
        warnings += check(ROOT, rel)
    with zipfile.ZipFile(args.output, "w", zipfile.ZIP_DEFLATED) as archive:
        for rel in files:
            info = zipfile.ZipInfo(rel, date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, (ROOT / rel).read_bytes())
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(f"wrote {args.output} ({len(files)} files). Upload it.")
    if not args.no_pdf:
        print(render_pdf(ROOT, [rel for rel in files if rel.endswith(".ipynb")], Path(args.pdf)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
