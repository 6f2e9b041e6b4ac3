"""The student release (python -m staff.release): synthetic trees, then the real solution tree."""
import ast
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

from staff import release
from cs231n.data_utils import DEFAULT_CIFAR10_DIR, MEMBERS

# slow: it builds a dozen releases and runs each real notebook up to its student code
pytestmark = pytest.mark.slow(seconds=30)

REPO = Path(__file__).resolve().parents[2]
START = "# *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****"
END = "# *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****"

MODULE = f'''"""A small solution module."""
import math

# TODO: define CONSTANT.
{START}
CONSTANT = 42
{END}


def double_everything(values):
    """Double every value of a list, keeping the order.

    Returns a new list.
    """
    out = []
    for v in values:
        # TODO: append twice v to out.
        {START}
        out.append(v * 2 + 0 * len("solution line one that must vanish"))
        {END}
    return out


class Model:
    # TODO: set the class attribute scale.
    {START}
    scale = 3
    {END}

    def loss(self, x):
        """Loss of x."""
        ##########################################
        # TODO: Compute the hinge loss of x. Store it in loss.
        ##########################################
        {START}
        loss = max(0.0, 1.0 - x) * self.scale * math.sqrt(1.0)  # solution two
        {END}
        # TODO: add the constant 0.5 to loss.
        {START}
        loss += 0.5 + 0 * len("solution line three that must vanish")
        {END}
        return loss

    def quoted(self):
        return "{START}"
'''

FILLER = "x = 1\n"


def _outside(text):
    """Lines outside the marked regions (marker lines included) and the region bodies."""
    outside, bodies, body = [], [], None
    for line in text.splitlines():
        if line.strip() == START:
            outside.append(line)
            body = []
        elif line.strip() == END:
            outside.append(line)
            bodies.append(body)
            body = None
        elif body is not None:
            body.append(line)
        else:
            outside.append(line)
    return outside, bodies


def _notebook(cells):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    nb.cells = cells
    return nb


def _code_cell(source, tags=(), count=3, outputs=True):
    cell = nbformat.v4.new_code_cell(source)
    cell.execution_count = count
    if outputs:
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="solution output\n")]
    if tags:
        cell.metadata["tags"] = list(tags)
    cell.metadata["execution"] = {"iopub.execute_input": "2024-01-01T00:00:00Z"}
    cell.metadata["scrolled"] = True
    return cell


def make_tree(root, files):
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def run_release(*args):
    """release.main with stdout/stderr captured by the caller's capsys."""
    return release.main([str(a) for a in args])


@pytest.fixture
def tree(tmp_path):
    nb = _notebook([
        nbformat.v4.new_markdown_cell("# A notebook\nwith a story"),
        _code_cell("import math\nprint(math.pi)", tags=["nbval-ignore-output"]),
        _code_cell(f"for i in range(3):\n    # TODO: set total\n    {START}\n    total = i * 2\n    {END}\nprint('after')",
                   tags=["keep-me"]),
        _code_cell(f"# TODO: set best\n{START}\nbest = 'the sweep solution value'\n{END}"),
        _code_cell(f"%matplotlib inline\n!echo magic\n# TODO: set z\n{START}\nz = 'magic solution'\n{END}\n"),
    ])
    return make_tree(tmp_path / "src", {
        "pkg/__init__.py": "",
        "pkg/mod.py": MODULE,
        "pkg/plain.py": "VALUE = 1\n",
        "notebooks/demo.ipynb": nbformat.writes(nb),
        "README.md": "# Read me\n",
        "datasets/README.md": "data goes here\n",
        "datasets/cifar-10-batches-py/data_batch_1": "not for students\n",
        ".ci/run": "#!/bin/sh\n",
        "staff/benchmarks/bench.py": FILLER,
        "staff/tests/test_release.py": FILLER,
        "tests/test_mod.py": FILLER,
        "staff/release.py": FILLER,
        "staff/_release_templates/collect_submission.py": FILLER,
        "staff/answers.md": "secret\n",
        "docs/STAFF_NOTES.md": "secret\n",
        "docs/guide.md": "public\n",
        ".release-exclude": "# staff\n.ci/\nSTAFF*.md\n",
    })


# --------------------------------------------------------------------------- synthetic trees


def test_python_regions_replaced_indentation_kept(tree, tmp_path, capsys):
    out = tmp_path / "student"
    assert run_release(out, "--source", tree) == 0
    src = (tree / "pkg/mod.py").read_text()
    student = (out / "pkg/mod.py").read_text()
    src_outside, src_bodies = _outside(src)
    student_outside, bodies = _outside(student)
    assert student_outside == src_outside  # everything outside the regions is untouched
    assert len(bodies) == len(src_bodies) == 5
    ast.parse(student)

    starts = [line for line in student.splitlines() if line.strip() == START]
    for body, start_line in zip(bodies, starts):
        indent = start_line[: len(start_line) - len(start_line.lstrip())]
        code = [line for line in body if line.strip() and not line.strip().startswith("#")]
        assert code and all(line.startswith(indent) for line in code)
        assert code[0][len(indent)] != " "  # exactly the START marker's indentation
    # module and class level: pass; inside functions: always raise
    assert [line.strip() for line in bodies[0]] == ["# TODO: your code here", "pass"]
    assert [line.strip() for line in bodies[2]] == ["# TODO: your code here", "pass"]
    for i in (1, 3, 4):
        assert bodies[i][0].strip().startswith("raise NotImplementedError(")
    assert "solution" not in "\n".join("\n".join(b) for b in bodies)
    # a marker quoted in a string is no marker: left alone
    assert f'return "{START}"' in student


def test_student_functions_raise_with_what_to_implement(tree, tmp_path):
    out = tmp_path / "student"
    assert run_release(out, "--source", tree) == 0
    namespace = {}
    exec(compile((out / "pkg/mod.py").read_text(), "mod.py", "exec"), namespace)
    assert "CONSTANT" not in namespace  # the module-level region is gone, the import works
    with pytest.raises(NotImplementedError) as info:
        namespace["double_everything"]([1, 2])
    message = str(info.value)
    assert message.startswith("pkg/mod.py:double_everything: implement this part")
    assert "append twice v to out" in message  # the TODO comment above the region
    assert "Returns a new list" not in message
    with pytest.raises(NotImplementedError) as info:
        namespace["Model"]().loss(0.5)
    message = str(info.value)
    assert message.startswith("pkg/mod.py:Model.loss: implement part 1 of 2")
    assert "Compute the hinge loss of x" in message  # the TODO comment above the region
    assert "Store it" not in message  # first sentence only
    assert namespace["Model"]().quoted() == START


def test_notebook_outputs_cleared_tags_kept(tree, tmp_path):
    out = tmp_path / "student"
    assert run_release(out, "--source", tree) == 0
    src = nbformat.read(tree / "notebooks/demo.ipynb", as_version=4)
    nb = nbformat.read(out / "notebooks/demo.ipynb", as_version=4)
    nbformat.validate(nb)
    assert len(nb.cells) == len(src.cells)
    assert [c.get("id") for c in nb.cells] == [c.get("id") for c in src.cells]
    assert nb.cells[0] == src.cells[0]  # markdown untouched
    for cell, orig in zip(nb.cells[1:], src.cells[1:]):
        assert cell.outputs == [] and cell.execution_count is None
        assert "execution" not in cell.metadata
        assert cell.metadata.get("tags") == orig.metadata.get("tags")
        assert cell.metadata["scrolled"] is True
    assert nb.metadata.kernelspec.name == "python3"
    assert "widgets" not in nb.metadata
    assert nb.cells[1].source == src.cells[1].source
    assert nb.cells[2].source == (
        f"for i in range(3):\n    # TODO: set total\n    {START}\n    # TODO: your code here\n"
        f"    pass\n    {END}\nprint('after')"
    )
    assert nb.cells[3].source == f"# TODO: set best\n{START}\n# TODO: your code here\npass\n{END}"
    assert nb.cells[4].source == (
        f"%matplotlib inline\n!echo magic\n# TODO: set z\n{START}\n# TODO: your code here\n"
        f"pass\n{END}\n")
    # the placeholders run: the loop cell prints, nothing raises
    namespace = {}
    exec(nb.cells[2].source, namespace)


def test_colab_badges_from_one_setting(tree, tmp_path, capsys):
    src = nbformat.read(tree / "notebooks/demo.ipynb", as_version=4)
    out = tmp_path / "plain"
    assert run_release(out, "--source", tree, "--no-zip") == 0
    assert "no 'Open in Colab' badges" in capsys.readouterr().out
    assert len(nbformat.read(out / "notebooks/demo.ipynb", as_version=4).cells) == len(src.cells)
    for url, expected in [
        ("https://colab.research.google.com/github/org/a1/blob/main/",
         "https://colab.research.google.com/github/org/a1/blob/main/notebooks/demo.ipynb"),
        ("https://example.org/open?file=/course/{path}", "https://example.org/open?file=/course/notebooks/demo.ipynb"),
    ]:
        out = tmp_path / str(len(url))
        assert run_release(out, "--source", tree, "--no-zip", "--colab-url", url) == 0
        nb = nbformat.read(out / "notebooks/demo.ipynb", as_version=4)
        nbformat.validate(nb)
        assert nb.cells[0].cell_type == "markdown"
        assert nb.cells[0].source == f"[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]({expected})"
        assert [c.source for c in nb.cells[1:3]] == [c.source for c in src.cells[:2]]


def test_files_in_the_release(tree, tmp_path):
    out = tmp_path / "student"
    assert run_release(out, "--source", tree) == 0
    shipped = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert shipped == [
        "README.md", "collect_submission.py", "collect_submission.sh", "datasets/README.md",
        "docs/guide.md", "notebooks/demo.ipynb", "pkg/__init__.py", "pkg/mod.py", "pkg/plain.py",
        "tests/test_mod.py",
    ]
    assert (out / "pkg/plain.py").read_bytes() == (tree / "pkg/plain.py").read_bytes()
    assert os.access(out / "collect_submission.sh", os.X_OK)
    with zipfile.ZipFile(tmp_path / "student.zip") as archive:
        names = archive.namelist()
        assert names == sorted(names) == [f"assignment1/{rel}" for rel in shipped]
        for info in archive.infolist():
            assert info.date_time == (1980, 1, 1, 0, 0, 0)
            mode = (info.external_attr >> 16) & 0o777
            assert mode == (0o755 if info.filename.endswith(".sh") or "collect_submission" in
                            info.filename else 0o644)
            rel = info.filename.split("/", 1)[1]
            assert archive.read(info) == (out / rel).read_bytes()


def _git(tree, *args):
    subprocess.run(["git", "-C", str(tree), *args], check=True, capture_output=True)


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_git_tracked_files_only(tree, tmp_path):
    (tree / ".gitignore").write_text("datasets/*\n!datasets/README.md\nignored.txt\n")
    _git(tree, "init", "-q")
    _git(tree, "add", "-A")
    (tree / "untracked.py").write_text(FILLER)
    (tree / "ignored.txt").write_text("ignored\n")
    (tree / "docs/guide.md").unlink()  # tracked, deleted in the working tree
    assert run_release(tmp_path / "a", "--source", tree, "--no-zip") == 0
    shipped = {p.relative_to(tmp_path / "a").as_posix() for p in (tmp_path / "a").rglob("*")}
    assert ".gitignore" in shipped and "pkg/mod.py" in shipped
    assert not {"untracked.py", "ignored.txt", "docs/guide.md", ".git"} & shipped
    assert not (tmp_path / "a.zip").exists()
    assert run_release(tmp_path / "b", "--source", tree, "--no-zip", "--include-untracked") == 0
    shipped = {p.relative_to(tmp_path / "b").as_posix() for p in (tmp_path / "b").rglob("*")}
    assert "untracked.py" in shipped and "ignored.txt" not in shipped
    assert not any(p.startswith("datasets/cifar") for p in shipped)


def test_deterministic(tree, tmp_path):
    assert run_release(tmp_path / "one", "--source", tree) == 0
    assert run_release(tmp_path / "two", "--source", tree) == 0
    one = {p.relative_to(tmp_path / "one"): p.read_bytes() for p in (tmp_path / "one").rglob("*")
           if p.is_file()}
    two = {p.relative_to(tmp_path / "two"): p.read_bytes() for p in (tmp_path / "two").rglob("*")
           if p.is_file()}
    assert one == two and len(one) == 10
    first_zip = (tmp_path / "one.zip").read_bytes()
    assert first_zip == (tmp_path / "two.zip").read_bytes()
    # and again over the first output, with --force
    assert run_release(tmp_path / "one", "--source", tree, "--force") == 0
    assert (tmp_path / "one.zip").read_bytes() == first_zip


MALFORMED = {
    "end_first": ([FILLER, END, FILLER], 2, "END marker without a matching START"),
    "unterminated": ([FILLER, START, FILLER], 2, "never closed"),
    "nested": ([START, FILLER, START, FILLER, END, END], 3, "cannot be nested"),
    "modified_suffix": ([START.replace("LINE)", "LINE!)"), FILLER, END], 1, "malformed marker"),
    "modified_case": ([FILLER, FILLER, START, FILLER, END.replace("END OF", "End of")], 5,
                      "malformed marker"),
    "after_code": ([f"x = 1  {START}", FILLER, END], 1, "malformed marker"),
    "indent_mismatch": (["if True:\n", f"    {START}", "    x = 1\n", END], 4, "indented differently"),
}


def _lines(parts):
    return "".join(p if p.endswith("\n") else p + "\n" for p in parts)


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_markers_fail_with_file_and_line(case, tree, tmp_path, capsys):
    parts, line, reason = MALFORMED[case]
    (tree / "pkg/broken.py").write_text(_lines(parts))
    out = tmp_path / "student"
    assert run_release(out, "--source", tree) == 1
    err = capsys.readouterr().err
    assert f"pkg/broken.py:{line}: " in err and reason in err
    assert not out.exists() and not (tmp_path / "student.zip").exists()
    assert not list(tmp_path.glob(".student*"))  # no temporary left behind
    assert run_release("--check", "--source", tree) == 1
    assert f"pkg/broken.py:{line}: " in capsys.readouterr().err


@pytest.mark.parametrize("case", ["end_first", "unterminated", "nested", "modified_suffix"])
def test_malformed_notebook_markers_name_the_cell(case, tree, tmp_path, capsys):
    parts, line, reason = MALFORMED[case]
    nb = _notebook([nbformat.v4.new_markdown_cell("text"), _code_cell("x = 1"),
                    _code_cell(_lines(parts).rstrip("\n"))])
    (tree / "notebooks/bad.ipynb").write_text(nbformat.writes(nb))
    assert run_release(tmp_path / "student", "--source", tree) == 1
    err = capsys.readouterr().err
    assert f"notebooks/bad.ipynb:cell[2]:{line}: " in err and reason in err
    assert not (tmp_path / "student").exists()


def test_region_spanning_two_cells_is_unterminated(tree, tmp_path, capsys):
    nb = _notebook([_code_cell(f"{START}\nx = 1"), _code_cell(f"y = 2\n{END}")])
    (tree / "notebooks/bad.ipynb").write_text(nbformat.writes(nb))
    assert run_release("--check", "--source", tree) == 1
    err = capsys.readouterr().err
    assert "notebooks/bad.ipynb:cell[0]:1: START marker never closed" in err
    assert "notebooks/bad.ipynb:cell[1]:2: END marker without a matching START" in err


def test_all_errors_reported_at_once(tree, capsys):
    (tree / "pkg/a.py").write_text(_lines([END]))
    (tree / "pkg/b.py").write_text(_lines([FILLER, START]))
    assert run_release("--check", "--source", tree) == 1
    err = capsys.readouterr().err
    assert "pkg/a.py:1: END marker" in err and "pkg/b.py:2: START marker never closed" in err


def test_region_that_breaks_python_fails(tree, tmp_path, capsys):
    # the START marker is less indented than the code: the placeholder would end the if-block
    (tree / "pkg/broken.py").write_text(_lines(
        ["def f():\n", "    if True:\n", f"    {START}", "        x = 1\n", f"    {END}",
         "    return 1\n"]))
    assert run_release(tmp_path / "student", "--source", tree) == 1
    assert "pkg/broken.py:" in capsys.readouterr().err


def test_failed_release_leaves_outdir_as_it_was(tree, tmp_path, capsys):
    out = tmp_path / "student"
    assert run_release(out, "--source", tree) == 0
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    (tree / "pkg/broken.py").write_text(_lines([START]))
    assert run_release(out, "--source", tree, "--force") == 1
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


def test_refuses_unsafe_or_non_empty_outdir(tree, tmp_path, capsys):
    listing = sorted(p for p in tree.rglob("*"))
    for outdir in (tree, tree / "build", tree / "pkg", tree.parent):
        assert run_release(outdir, "--source", tree, "--force") == 1
        assert "refusing" in capsys.readouterr().err
    assert sorted(p for p in tree.rglob("*")) == listing  # the source tree is intact
    out = tmp_path / "student"
    out.mkdir()
    (out / "mine.txt").write_text("keep me")
    assert run_release(out, "--source", tree) == 1
    assert "not empty" in capsys.readouterr().err
    assert (out / "mine.txt").read_text() == "keep me"
    assert run_release(out, "--source", tree, "--force") == 0
    assert not (out / "mine.txt").exists() and (out / "pkg/mod.py").is_file()


def test_exclude_patterns():
    assert release.matches(".ci/run", ".ci/")
    assert release.matches("benchmarks/x/y.py", "benchmarks/")
    assert not release.matches("benchmarks", "benchmarks/")  # a file, not a folder
    assert release.matches("docs/STAFF_NOTES.md", "STAFF*.md")
    assert release.matches("a/staff/b.txt", "staff")
    assert release.matches("cs231n/x/notes.txt", "cs231n/*.txt")
    assert not release.matches("notes/cs231n/x.txt", "cs231n/*.txt")
    assert not release.matches("mystaff/b.txt", "staff/")


def test_collect_submission(tree, tmp_path):
    out = tmp_path / "student"
    assert run_release(out, "--source", tree, "--no-zip") == 0
    (out / "cs231n/classifiers").mkdir(parents=True)
    (out / "cs231n/classifiers/x.py").write_text(_lines([START, "    raise NotImplementedError('a')", END]))
    (out / "cs231n/notes.txt").write_text("not collected")
    (out / "cs231n/__pycache__").mkdir()
    (out / "cs231n/__pycache__/x.py").write_text("")
    # what the notebooks save for the graders: cs231n/saved/ goes in whole
    (out / "cs231n/saved").mkdir()
    (out / "cs231n/saved/best_fc_net.npz").write_bytes(b"PK\x03\x04 a net")
    (out / "cs231n/saved/settings.json").write_text('{"lr": 0.001}')
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHON")}

    def collect():
        done = subprocess.run(["sh", str(out / "collect_submission.sh"), "--no-pdf"], cwd=tmp_path,
                              capture_output=True, text=True, check=True, env=env)
        with zipfile.ZipFile(out / "cs231n_submission.zip") as archive:
            return archive.namelist(), done.stderr

    # no .venv: the system's python3 zips, and the student is told how to get one
    names, err = collect()
    assert "no .venv here" in err and "source scripts/setup_env.sh" in err
    # with the project's .venv, the wrapper runs it, whatever the shell has activated
    venv_python = out / ".venv/bin/python"
    venv_python.parent.mkdir(parents=True)
    venv_python.write_text(f'#!/bin/sh\ntouch "{tmp_path}/venv-used"\nexec "{sys.executable}" "$@"\n')
    venv_python.chmod(0o755)
    names, err = collect()
    assert (tmp_path / "venv-used").exists() and "no .venv" not in err
    assert names == ["cs231n/classifiers/x.py", "cs231n/saved/best_fc_net.npz",
                     "cs231n/saved/settings.json", "notebooks/demo.ipynb"]
    assert "cs231n/classifiers/x.py: 1 part(s) still to implement" in err
    assert "notebooks/demo.ipynb: 3 part(s) still to implement" in err
    assert "notebooks/demo.ipynb: the notebook has no outputs" in err
    # the student does the work and runs the notebook
    (out / "cs231n/classifiers/x.py").write_text(_lines([START, "    y = 2", END]))
    nb = nbformat.read(out / "notebooks/demo.ipynb", as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.source = cell.source.replace("pass", "total = 1")
            cell.execution_count = 1
    nbformat.write(nb, out / "notebooks/demo.ipynb")
    names, err = collect()
    assert err == ""
    # deleting a marker line is flagged (the release recorded 2 regions in the notebook)
    nb.cells[3].source = nb.cells[3].source.replace(START + "\n", "")
    nbformat.write(nb, out / "notebooks/demo.ipynb")
    names, err = collect()
    assert "notebooks/demo.ipynb: YOUR CODE marker lines were deleted or changed" in err
    (out / "notebooks/demo.ipynb").unlink()
    names, err = collect()
    assert "notebooks/demo.ipynb" not in names and "notebooks/demo.ipynb: missing" in err


def test_command_line_module(tree, tmp_path):
    done = subprocess.run([sys.executable, "-m", "staff.release", "--check", "--source", str(tree)],
                          capture_output=True, text=True, cwd=REPO)
    assert done.returncode == 0, done.stderr
    assert "markers OK: 8 regions in 2 files" in done.stdout
    done = subprocess.run([sys.executable, "-m", "staff.release", "--source", str(tree)],
                          capture_output=True, text=True, cwd=REPO)
    assert done.returncode == 2 and "OUTDIR is required" in done.stderr


# --------------------------------------------------------------------------- the real tree


def _marked_files(root):
    found = []
    for rel in release.release_paths(root, include_untracked=True):
        if rel.endswith((".py", ".ipynb")) and START in (root / rel).read_text(encoding="utf-8"):
            found.append(rel)
    return found


REAL_MARKED = _marked_files(REPO)
needs_markers = pytest.mark.skipif(
    not REAL_MARKED, reason="the solution tree has no YOUR CODE markers yet: nothing to release"
)


def _solution_lines(text, is_notebook):
    """Distinctive solution lines: inside regions, > 25 characters, not comments, and not
    also present outside the regions of the same file."""
    sources = [text]
    if is_notebook:
        sources = [c.source for c in nbformat.reads(text, as_version=4).cells if c.cell_type == "code"]
    inside, outside = set(), set()
    for source in sources:
        out_lines, bodies = _outside(source)
        outside.update(line.strip() for line in out_lines)
        inside.update(line.strip() for body in bodies for line in body)
    return {
        line for line in inside - outside if len(line) > 25 and not line.startswith("#")
    }


@pytest.fixture(scope="module")
def student_tree(tmp_path_factory):
    if not REAL_MARKED:
        pytest.skip("the solution tree has no YOUR CODE markers yet: nothing to release")
    out = tmp_path_factory.mktemp("release") / "student"
    done = subprocess.run(
        [sys.executable, "-m", "staff.release", str(out), "--include-untracked"],
        capture_output=True, text=True, cwd=REPO,
    )
    assert done.returncode == 0, done.stderr
    return out


@needs_markers
def test_real_tree_markers_balanced():
    done = subprocess.run(
        [sys.executable, "-m", "staff.release", "--check", "--include-untracked"],
        capture_output=True, text=True, cwd=REPO,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("markers OK")


def test_real_tree_issue_markers_present():
    """The issue lists what students write: each of those modules has marked regions."""
    if not REAL_MARKED:
        pytest.skip("the solution tree has no YOUR CODE markers yet")
    expected = [
        "cs231n/classifiers/neural_net.py", "cs231n/classifiers/k_nearest_neighbor.py",
        "cs231n/classifiers/linear_svm.py", "cs231n/classifiers/softmax.py",
        "cs231n/classifiers/linear_classifier.py",
    ]
    present = [rel for rel in expected if (REPO / rel).is_file()]
    assert set(present) <= set(REAL_MARKED)


def test_real_release_contents(student_tree):
    shipped = {p.relative_to(student_tree).as_posix() for p in student_tree.rglob("*")
               if p.is_file()}
    assert {"collect_submission.py", "collect_submission.sh", "cs231n/__init__.py"} <= shipped
    assert not {"staff/release.py", "tests/test_release.py", ".release-exclude"} & shipped
    assert not any(p.startswith((".ci/", "benchmarks/", "staff/_release_templates/", ".git/",
                                 ".venv/", "build/")) for p in shipped)
    assert [p for p in shipped if p.startswith("datasets/")] == (
        ["datasets/README.md"] if (REPO / "datasets/README.md").is_file() else [])
    assert not any("__pycache__" in p or p.endswith(".pyc") for p in shipped)
    assert (student_tree.parent / "student.zip").is_file()


def test_real_release_no_solution_line_survives(student_tree):
    checked = 0
    for rel in REAL_MARKED:
        text = (REPO / rel).read_text(encoding="utf-8")
        student = (student_tree / rel).read_text(encoding="utf-8")
        if rel.endswith(".ipynb"):
            student = "\n".join(c.source for c in nbformat.reads(student, as_version=4).cells)
        for line in _solution_lines(text, rel.endswith(".ipynb")):
            assert line not in student, f"{rel}: solution line survived: {line!r}"
            checked += 1
    assert checked > 0


def _python(student_tree, code):
    env = dict(os.environ, PYTHONPATH=str(student_tree))
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=student_tree, env=env)


def test_real_release_package_imports(student_tree):
    # every module of the student package imports, from the student tree (not the solution)
    code = (
        "import importlib, pkgutil, cs231n\n"
        f"assert cs231n.__file__.startswith({str(student_tree)!r}), cs231n.__file__\n"
        "names = [m.name for m in pkgutil.walk_packages(cs231n.__path__, 'cs231n.')]\n"
        "for name in names:\n"
        "    importlib.import_module(name)\n"
        "import cs231n.classifiers\n"
        "print(len(names))\n"
    )
    done = _python(student_tree, code)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) >= 3


STUDENT_CALLS = {
    "cs231n/classifiers/neural_net.py": (
        "import numpy as np\n"
        "from cs231n.classifiers.neural_net import TwoLayerNet\n"
        "X = np.random.default_rng(0).standard_normal((5, 4))\n"
        "TwoLayerNet(4, 10, 3, std=1e-1).loss(X, np.array([0, 1, 2, 2, 1]))\n"
    ),
    "cs231n/classifiers/linear_svm.py": (
        "import numpy as np\n"
        "from cs231n.classifiers.linear_svm import svm_loss_naive\n"
        "rng = np.random.default_rng(0)\n"
        "svm_loss_naive(rng.standard_normal((4, 3)), rng.standard_normal((5, 4)),"
        " np.array([0, 1, 2, 2, 1]), 0.1)\n"
    ),
    "cs231n/classifiers/softmax.py": (
        "import numpy as np\n"
        "from cs231n.classifiers.softmax import softmax_loss_vectorized\n"
        "rng = np.random.default_rng(0)\n"
        "softmax_loss_vectorized(rng.standard_normal((4, 3)), rng.standard_normal((5, 4)),"
        " np.array([0, 1, 2, 2, 1]), 0.1)\n"
    ),
}


@pytest.mark.parametrize("rel", sorted(STUDENT_CALLS))
def test_real_release_student_function_raises(student_tree, rel):
    if rel not in REAL_MARKED:
        pytest.skip(f"{rel} is not in the solution tree or has no markers yet")
    wrapped = (
        "try:\n" + "".join(f"    {line}\n" for line in STUDENT_CALLS[rel].splitlines())
        + "except NotImplementedError as exc:\n    print(exc)\nelse:\n    raise SystemExit('no error')\n"
    )
    done = _python(student_tree, wrapped)
    assert done.returncode == 0, done.stdout + done.stderr
    message = done.stdout.strip()
    assert message.startswith(f"{rel}:") and "implement" in message
    assert "see the docstring" in message
    # ...and the same call works in the solution tree
    solution = subprocess.run([sys.executable, "-c", STUDENT_CALLS[rel]], capture_output=True,
                              text=True, cwd=REPO, env=dict(os.environ, PYTHONPATH=str(REPO)))
    assert solution.returncode == 0, solution.stderr


REAL_NOTEBOOKS = sorted(
    rel for rel in release.release_paths(REPO, include_untracked=True)
    if rel.startswith("notebooks/") and rel.endswith(".ipynb")
)


def test_real_release_notebooks_valid(student_tree):
    if not REAL_NOTEBOOKS:
        pytest.skip("no notebooks in the solution tree yet")
    for rel in REAL_NOTEBOOKS:
        nb = nbformat.read(student_tree / rel, as_version=4)
        nbformat.validate(nb)
        src = nbformat.read(REPO / rel, as_version=4)
        assert len(nb.cells) == len(src.cells)
        for cell, orig in zip(nb.cells, src.cells):
            assert cell.metadata.get("tags") == orig.metadata.get("tags")
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None


def run_until_student_code(source_nb, student_nb, student_root):
    """Execute the student notebook's code cells in order, until the first one that held
    markers in the source notebook or raises NotImplementedError; any other error fails.

    Returns (number of cells run, why it stopped or None if it ran to the end).
    The caller sets PYTHONPATH so that the kernel imports the student package.
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    src = nbformat.read(source_nb, as_version=4)
    marked = {i for i, c in enumerate(src.cells) if c.cell_type == "code" and START in c.source}
    nb = nbformat.read(student_nb, as_version=4)
    client = NotebookClient(nb, kernel_name="python3", timeout=600,
                            resources={"metadata": {"path": str(Path(student_nb).parent)}})
    ran, stopped_by = 0, None
    with client.setup_kernel():
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            if index in marked:
                stopped_by = f"cell {index} holds student code"
                break
            try:
                client.execute_cell(cell, index)
            except CellExecutionError as exc:
                if exc.ename == "CIFAR10NotFoundError" and not _have_cifar():
                    return ran, f"cell {index} needs CIFAR-10"
                assert exc.ename == "NotImplementedError", (
                    f"{student_nb}: cell {index} failed before any student code:\n{exc}")
                stopped_by = f"cell {index} raised NotImplementedError"
                break
            ran += 1
            if ran == 1:  # the kernel imports the student package, not the solution
                probe = nbformat.v4.new_code_cell(
                    "import cs231n, os; print(os.path.realpath(cs231n.__file__))")
                client.execute_cell(probe, index)  # (nbclient stores it at that index)
                nb.cells[index] = cell
                printed = "".join(o.get("text", "") for o in probe.outputs).strip()
                assert printed.startswith(str(Path(student_root).resolve())), printed
    return ran, stopped_by


def _have_cifar():
    return all((DEFAULT_CIFAR10_DIR / member).is_file() for member in MEMBERS)


def _kernel_env(monkeypatch, student_root):
    monkeypatch.setenv("PYTHONPATH", str(student_root))
    monkeypatch.setenv("CIFAR10_DIR", str(DEFAULT_CIFAR10_DIR))
    monkeypatch.setenv("MPLBACKEND", "Agg")


def test_notebook_runner_stops_at_student_code(tree, tmp_path, monkeypatch):
    """The helper used on the real notebooks, on a synthetic one."""
    make_tree(tree, {
        "cs231n/__init__.py": "",
        "cs231n/fun.py": f"def f():\n    \"\"\"Return 1.\"\"\"\n    # TODO: return 1\n    {START}\n"
                         f"    return 1\n    {END}\n",
    })
    nb = _notebook([
        nbformat.v4.new_markdown_cell("intro"),
        _code_cell("import cs231n.fun\nvalue = 41"),
        _code_cell("print(value + 1)"),
        _code_cell("cs231n.fun.f()"),  # no marker here, but calls student code
        _code_cell(f"# TODO: set best\n{START}\nbest = 1\n{END}"),
    ])
    (tree / "notebooks/demo.ipynb").write_text(nbformat.writes(nb))
    out = tmp_path / "student"
    assert run_release(out, "--source", tree, "--no-zip") == 0
    _kernel_env(monkeypatch, out)
    ran, stopped_by = run_until_student_code(tree / "notebooks/demo.ipynb",
                                             out / "notebooks/demo.ipynb", out)
    assert (ran, stopped_by) == (2, "cell 3 raised NotImplementedError")
    # a cell that fails for another reason before the student code is reported
    nb.cells[2].source = "print(undefined_name)"
    (out / "notebooks/demo.ipynb").write_text(nbformat.writes(nb))
    with pytest.raises(AssertionError, match="cell 2 failed before any student code"):
        run_until_student_code(tree / "notebooks/demo.ipynb", out / "notebooks/demo.ipynb", out)


@pytest.mark.parametrize(
    "rel",
    REAL_NOTEBOOKS
    or [pytest.param("notebooks/two_layer_net.ipynb", marks=pytest.mark.skip(reason="no notebooks yet"))],
)
def test_real_release_notebook_runs_up_to_student_code(student_tree, rel, monkeypatch):
    """Cells run in order until the first one that held markers or raises NotImplementedError;
    everything before it must run cleanly."""
    _kernel_env(monkeypatch, student_tree)
    ran, stopped_by = run_until_student_code(REPO / rel, student_tree / rel, student_tree)
    if stopped_by and stopped_by.endswith("needs CIFAR-10"):
        pytest.skip(f"{rel}: {stopped_by} ({ran} cells ran before it), not found in "
                    f"{DEFAULT_CIFAR10_DIR}: run ./get_datasets.sh")
    assert stopped_by is not None, f"{rel}: no student code reached"
    if "two_layer_net" in rel:
        assert ran >= 1, f"{rel}: no cell ran before the student code ({stopped_by})"


# --------------------------------------------------------------------------- what --check reports


def _check_messages(tree, capsys):
    assert run_release("--check", "--source", tree) == 1
    return capsys.readouterr().err


def test_check_reports_a_region_without_todo(tree, capsys):
    text = (tree / "pkg/mod.py").read_text().replace("        # TODO: append twice v to out.\n", "")
    (tree / "pkg/mod.py").write_text(text)
    err = _check_messages(tree, capsys)
    assert "pkg/mod.py:17: no TODO comment above this START marker" in err


def test_check_reports_a_name_only_the_region_defines(tree, capsys):
    code = (f"def f(x):\n    # TODO: set y\n    {START}\n    y = 2 * x\n    z = y\n    {END}\n"
            "    return y + z\n")
    make_tree(tree, {"pkg/names.py": code})
    err = _check_messages(tree, capsys)
    # y is read after the region but only the region sets it: the student version would
    # raise NameError there instead of NotImplementedError; declaring "y = None" fixes it.
    assert "pkg/names.py:7: 'y' is used here but only the region at pkg/names.py:3" in err
    assert "'z'" in err
    make_tree(tree, {"pkg/names.py": code.replace("    # TODO", "    y = z = None\n    # TODO")})
    assert run_release("--check", "--source", tree) == 0


def _markdown_notebook(*sources):
    return nbformat.writes(_notebook([nbformat.v4.new_markdown_cell(s) for s in sources]))


def test_answers_are_blanked_and_unmarked_answers_refused(tree, tmp_path, capsys):
    answer = ("**Inline Question 1**\n\nWhy?\n\n$\\color{blue}{\\textit Your Answer:}$\n\n"
              f"{release.ANSWER_START}\nBecause of the secret answer.\n{release.ANSWER_END}\n")
    diagnosis = nbformat.v4.new_markdown_cell("The loss falls linearly: the secret diagnosis.")
    diagnosis.metadata["tags"] = ["solution"]
    nb = _notebook([nbformat.v4.new_markdown_cell(answer), diagnosis])
    make_tree(tree, {"notebooks/answers.ipynb": nbformat.writes(nb)})
    out = tmp_path / "student"
    assert run_release(out, "--source", tree, "--no-zip") == 0
    student = nbformat.read(out / "notebooks/answers.ipynb", as_version=4)
    assert "secret" not in student.cells[0].source and "secret" not in student.cells[1].source
    assert release.ANSWER_BLANK in student.cells[0].source
    assert "Why?" in student.cells[0].source  # the question stays
    assert student.cells[1].source == release.SOLUTION_BLANK
    # an answer written without markers would ship: refused
    make_tree(tree, {"notebooks/answers.ipynb": _markdown_notebook(
        "**Inline Question 1**\n\nWhy?\n\n**Your Answer:** the secret answer.")})
    err = _check_messages(tree, capsys)
    assert "cell[0]:1: this cell has a 'Your Answer' that is not marked" in err
    # a question with nowhere to answer
    make_tree(tree, {"notebooks/answers.ipynb": _markdown_notebook(
        "**Inline Question 1**\n\nWhy?", "## Next section")})
    err = _check_messages(tree, capsys)
    assert "an inline question with no 'Your Answer'" in err
