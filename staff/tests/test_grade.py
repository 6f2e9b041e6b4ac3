"""The grader (staff/grade) end to end, on a student version built once per session.

Submissions are made from the course's standard solution (course_solution.py), typed
into the release, and from it with the course's classic mistakes put in by string
replacement. Several broken parts share one submission (parts are graded independently,
so each must lose exactly its own points); expected points come from the parts table and
the classification of each change, never from the grader's output.
"""
import csv
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from textwrap import dedent

import numpy as np
import pytest

from staff import release
from staff.grade import grader, parts, report
from staff.grade.grader import GradeConfig, editable_files, grade_submission, prepare
from staff.grade.klass import grade_class
from staff.grade.sandbox import Limits
from staff.grade.similarity import SimilarityConfig
from staff.tests.course_solution import SOLUTIONS
from staff.tests.student_tree import fill, region_keys

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "datasets" / "cifar-10-batches-py"
HAVE_CIFAR = all((DATA / m).is_file() for m in ("data_batch_1", "test_batch"))
FULL = {p.name: p.points for p in parts.AUTOGRADED}
NET = "notebooks/best_net.npz"

# slow: the module grades a dozen submissions and trains one net (seconds: see conftest.py)
pytestmark = [pytest.mark.skipif(not HAVE_CIFAR, reason="CIFAR-10 not found: run ./get_datasets.sh"),
              pytest.mark.slow(seconds=55)]


# ------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def student_version(fresh_release):
    """The clean student version the grader lays submissions over (conftest.py builds it
    once per session)."""
    return fresh_release


@pytest.fixture(scope="session")
def tmp_root():
    """Where the grader's temporary folders go: checked empty after each grading. (Outside
    pytest's own temporary folder, which the sandbox's user may not enter.)"""
    folder = Path(tempfile.mkdtemp(prefix="cs231n-grade-test-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def config(student_version, tmp_root):
    return prepare(GradeConfig(student_version=student_version, cifar_dir=DATA, tmp_root=tmp_root,
                               limits=Limits(per_test_seconds=5, total_seconds=150)))


def _solution_files(student_version, tmp_path_factory, solutions):
    tree = tmp_path_factory.mktemp("grade-filled") / "t"
    shutil.copytree(student_version, tree)
    fill(tree, solutions)
    return {rel: (tree / rel).read_bytes() for rel in editable_files(tree) if (tree / rel).is_file()}


@pytest.fixture(scope="session")
def solved(student_version, tmp_path_factory):
    return _solution_files(student_version, tmp_path_factory, SOLUTIONS)


#: The test's stand-in for the notebook's final net (cheaper: 300 units, 2,500 steps), and
#: where it is kept between sessions (build/ is not in git): only its training is cached,
#: its accuracy is measured again in every session.
NET_SETTINGS = dict(hidden=300, num_iters=2500, batch_size=200, learning_rate=1.5e-3,
                    learning_rate_decay=0.95, reg=0.25, seed=1)
NET_CACHE = ROOT / "build" / "grading-tests" / (
    "net-" + hashlib.sha256(json.dumps(NET_SETTINGS, sort_keys=True).encode()).hexdigest()[:12] + ".npz")


@pytest.fixture(scope="session")
def trained_net():
    """A net trained on CIFAR-10 the way the notebook does, and its test accuracy computed
    here with the staff's own TwoLayerNet (independently of the grader)."""
    from cs231n.classifiers.neural_net import TwoLayerNet
    from cs231n.data_utils import get_CIFAR10_data

    data = get_CIFAR10_data(num_training=49000, num_validation=1000, num_test=1000,
                            cifar10_dir=DATA)
    if NET_CACHE.is_file():
        net = TwoLayerNet.load(NET_CACHE)
    else:
        settings = dict(NET_SETTINGS)
        net = TwoLayerNet(3072, settings.pop("hidden"), 10, seed=0, dtype=np.float32)
        args = (data["X_train"], data["y_train"], data["X_val"], data["y_val"])
        try:
            from cs231n.tools.fast import train
            train(net, *args, **settings)
        except ImportError:
            net.train(*args, **settings)
        NET_CACHE.parent.mkdir(parents=True, exist_ok=True)
        tmp = NET_CACHE.with_suffix(".tmp.npz")
        net.save(tmp)
        os.replace(tmp, NET_CACHE)
    accuracy = float(np.mean(net.predict(data["X_test"]) == data["y_test"]))
    buffer = io.BytesIO()
    np.savez(buffer, **net.params)  # as TwoLayerNet.save does
    return buffer.getvalue(), accuracy


def make_zip(path, files, raw=()):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for rel, data in sorted(files.items()):
            archive.writestr(rel, data)
        for info, data in raw:
            archive.writestr(info, data)
    return path


def mutate(solutions, key, old, new, count=1):
    """``solutions`` with ``old`` replaced by ``new`` in region ``key`` (exactly ``count`` times)."""
    code = solutions[key]
    assert code.count(old) == count, (key, old)
    return {**solutions, key: code.replace(old, new)}


def tree_digest(folder):
    h = hashlib.sha256()
    for path in sorted(Path(folder).rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            h.update(path.relative_to(folder).as_posix().encode() + path.read_bytes())
    return h.hexdigest()


def part_scores(results):
    scores = dict.fromkeys(FULL, 0.0)
    for test in results["tests"]:
        scores[test["tags"][0]] += test["score"]
    return scores


def assert_left_clean(tmp_root):
    assert list(Path(tmp_root).iterdir()) == [], "the grader left temporary files behind"
    ps = subprocess.run(["ps", "-u", "65534", "-o", "pid=,stat=,args="], capture_output=True,
                        text=True).stdout
    running = [line for line in ps.splitlines() if line.split()[1:2] != ["Z"]]
    assert running == [], f"processes of the sandbox user still running: {running}"


# ------------------------------------------------------------------------- parts and release


def test_every_region_belongs_to_exactly_one_part(student_version):
    keys = region_keys(student_version)
    owners = {key: [p.name for p in parts.PARTS if key in p.regions] for key in keys}
    assert {k: v for k, v in owners.items() if len(v) != 1} == {}
    assert sorted(r for p in parts.PARTS for r in p.regions) == sorted(keys)


def test_release_ships_no_hidden_tests_and_no_grading_code(student_version):
    files = [p for p in student_version.rglob("*") if p.is_file()]
    names = {p.relative_to(student_version).as_posix() for p in files}
    assert not [n for n in names if n.startswith(("staff/", "hidden_tests/")) or "grading" in n]
    hidden_names = [line.split("def ", 1)[1].split("(")[0]
                    for path in (ROOT / "staff" / "hidden_tests").glob("test_*.py")
                    for line in path.read_text().splitlines() if line.startswith("def test_")]
    assert len(hidden_names) > 20
    for path in files:
        text = path.read_bytes().decode("utf-8", "replace")
        assert "staff.grade" not in text and "hidden_tests" not in text, path
        assert not [n for n in hidden_names if f"def {n}(" in text], path


def test_graded_tests_add_up_to_the_parts_table(config):
    inventory = config.inventory
    assert sum(item["points"] for item in inventory) == parts.TOTAL_POINTS
    assert {item["part"] for item in inventory} == set(FULL)
    public = [item for item in inventory if item["nodeid"].startswith("tests/")]
    assert len(public) >= 8 and all(not report.is_hidden(i["nodeid"]) for i in public)
    # the grader refuses a table and markers that disagree
    with pytest.raises(grader.SetupError, match="TwoLayerNet: backward"):
        grader.check_inventory([i for i in inventory if "test_gradients" not in i["nodeid"]])
    assert grader.START_MARKER == release.START_MARKER


# ------------------------------------------------------------------------- one submission


def test_staff_solution_gets_full_marks(solved, trained_net, student_version, tmp_path, tmp_root):
    npz, accuracy = trained_net
    # The stand-in net reaches about 0.49 here, near the course's 0.48: on another faithful
    # copy of CIFAR-10 it may fall just short. Then its part (and only its part) scores 0,
    # as the accuracy computed here, independently of the grader, says it must.
    net_part = "Two-layer net: the final net"
    expected = dict(FULL, **({} if accuracy >= 0.48 else {net_part: 0.0}))
    zip_path = make_zip(tmp_path / "solution.zip", {**solved, NET: npz})
    out = tmp_path / "out"
    start = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "staff.grade", str(zip_path), "--out", str(out),
         "--student-version", str(student_version), "--cifar", str(DATA)],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
        env={**os.environ, "TMPDIR": str(tmp_root)})
    seconds = time.monotonic() - start
    assert done.returncode == 0, done.stdout + done.stderr
    results = json.loads((out / "results.json").read_text())
    assert results["score"] == sum(expected.values()), json.dumps(
        [t for t in results["tests"] if t["score"] < t["max_score"]], indent=1)
    assert part_scores(results) == expected
    for test in results["tests"]:
        assert set(test) >= {"name", "score", "max_score", "visibility", "output"}
        assert test["visibility"] in ("visible", "after_published", "hidden", "after_due_date")
    best = [t for t in results["tests"] if t["tags"] == [net_part]]
    assert f"{accuracy:.3f}" in best[0]["output"] and best[0]["visibility"] == "visible"
    feedback = (out / "feedback.md").read_text()
    total = sum(expected.values())
    assert f"**Autograded total: {total:g} / {parts.TOTAL_POINTS:g} points.**" in feedback
    if expected == FULL:
        assert "failed" not in feedback.replace("(failed)", "")
    assert_left_clean(tmp_root)
    print(f"graded the staff solution in {seconds:.1f} s")


def _check_hidden_outputs_reveal_nothing(results):
    for test in results["tests"]:
        if test["name"].split(": ")[-1].startswith("hidden test"):
            text = test["output"]
            for leak in ("assert", "np.testing", "Mismatch", "DESIRED", "ACTUAL", "Traceback",
                         "def test", "_reference", "expected", "hidden_tests/"):
                assert leak not in text, (test["name"], text)


def _check_graded(results, feedback, broken, messages=()):
    expected = {name: (0.0 if name in broken else float(points)) for name, points in FULL.items()}
    assert part_scores(results) == expected
    assert results["score"] == sum(expected.values())
    for name in broken:
        assert f"## {name}: 0 / {FULL[name]:g} (failed)" in feedback, name
    for name in set(FULL) - set(broken):
        assert f"## {name}: {FULL[name]:g} / {FULL[name]:g} (all passed)" in feedback, name
    for name, words in messages:
        outputs = [t["output"] for t in results["tests"] if t["tags"] == [name]]
        assert any(words in o for o in outputs), (name, words, outputs)
    _check_hidden_outputs_reveal_nothing(results)


def test_classic_mistakes_each_lose_exactly_their_part(student_version, config, tmp_path,
                                                       tmp_path_factory, tmp_root):
    nn, svm = "cs231n/classifiers/neural_net.py", "cs231n/classifiers/linear_svm.py"
    s = SOLUTIONS
    # forgetting / N in the two-layer net's data loss
    s = mutate(s, f"{nn}:TwoLayerNet.loss:2", "np.sum(correct_logprobs) / N", "np.sum(correct_logprobs)")
    # no reg term in the gradients
    s = mutate(s, f"{nn}:TwoLayerNet.loss:3", "grads['W2'] += reg * W2\n", "")
    s = mutate(s, f"{nn}:TwoLayerNet.loss:3", "grads['W1'] += reg * W1\n", "")
    # softmax normalised over the wrong axis
    s = mutate(s, "cs231n/classifiers/softmax.py:softmax_loss_vectorized:1",
               "np.sum(np.exp(scores), axis=1, keepdims=True)", "np.sum(np.exp(scores), axis=0, keepdims=True)")
    # k-NN distances without the square root
    s = mutate(s, "cs231n/classifiers/k_nearest_neighbor.py:KNearestNeighbor.compute_distances_no_loops:1",
               "np.sqrt(np.maximum(test_sq + train_sq - 2 * cross, 0))", "np.maximum(test_sq + train_sq - 2 * cross, 0)")
    # the SVM gradient counting the correct class among the positive margins
    s = mutate(s, f"{svm}:svm_loss_vectorized:1", "binary = (margins > 0).astype(X.dtype)",
               "binary = (scores - correct_class_scores + 1 > 0).astype(X.dtype)")
    files = _solution_files(student_version, tmp_path_factory, s)
    rng = np.random.default_rng(0)  # a net that was never trained: chance accuracy
    weak = io.BytesIO()
    np.savez(weak, W1=1e-4 * rng.standard_normal((3072, 20)), b1=np.zeros(20),
             W2=1e-4 * rng.standard_normal((20, 10)), b2=np.zeros(10))
    zip_path = make_zip(tmp_path / "mistakes.zip", {**files, NET: weak.getvalue()})
    grade_submission(zip_path, tmp_path / "out", config)
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    feedback = (tmp_path / "out" / "feedback.md").read_text()
    _check_graded(results, feedback, broken={
        "TwoLayerNet: loss", "TwoLayerNet: backward", "Softmax: vectorised loss and gradient",
        "k-NN: no loops", "SVM: vectorised loss and gradient", "Two-layer net: the final net"},
        messages=[("TwoLayerNet: backward", "wrong result"),
                  ("Two-layer net: the final net", "below the course's threshold of 0.48")])
    assert_left_clean(tmp_root)


def test_hostile_submission_is_graded_and_leaves_the_machine_as_it_was(
        student_version, config, tmp_path, tmp_path_factory, tmp_root):
    nn, optim = "cs231n/classifiers/neural_net.py", "cs231n/optim.py"
    from staff.grade.sandbox import isolation_prefix

    # files the submission tries to write outside its folder (only where the sandbox runs
    # as another user: elsewhere the OS would let it, which the grader's README says)
    outside = [student_version / "PWNED", ROOT / "PWNED", Path.home() / "PWNED"] \
        if "nobody" in isolation_prefix()[1] else []
    s = mutate(SOLUTIONS, f"{nn}:TwoLayerNet.loss:3", "dhidden[a1 <= 0] = 0", "dhidden[dhidden <= 0] = 0")
    s = {**s,
         # hangs
         f"{optim}:adam:1": "while True:\n    pass\n" + dedent(s[f"{optim}:adam:1"]),
         # raises
         "cs231n/layers.py:relu_forward:1": "raise ValueError('boom')",
         # exhausts memory
         f"{optim}:rmsprop:1": "big = np.ones(50 * 2**30 // 8)\n" + dedent(s[f"{optim}:rmsprop:1"]),
         # writes outside its folder, then prints a gigabyte
         f"{optim}:sgd_momentum:1": "".join(
             f"try:\n    open({str(p)!r}, 'w').write('x')\nexcept OSError:\n    pass\n" for p in outside)
         + "for _ in range(1024):\n    print('x' * 2**20)\n" + dedent(s[f"{optim}:sgd_momentum:1"])}
    files = _solution_files(student_version, tmp_path_factory, s)
    # edits tests and grading files: ignored, the grader uses its own
    files["tests/test_optim.py"] = b"def test_nothing():\n    pass\n"
    files["hidden_tests/test_hidden_optim.py"] = b"def test_nothing():\n    pass\n"
    files["conftest.py"] = (b"import pytest\n@pytest.hookimpl(hookwrapper=True)\n"
                            b"def pytest_runtest_makereport(item, call):\n"
                            b"    outcome = yield\n    outcome.get_result().outcome = 'passed'\n")
    zip_path = make_zip(tmp_path / "hostile.zip", files)  # and no saved net
    before = tree_digest(student_version), tree_digest(ROOT / "staff" / "hidden_tests")
    start = time.monotonic()
    grade_submission(zip_path, tmp_path / "out", config)
    seconds = time.monotonic() - start
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    feedback = (tmp_path / "out" / "feedback.md").read_text()
    _check_graded(results, feedback, broken={
        "TwoLayerNet: backward", "Update rules: Adam", "Update rules: RMSProp",
        "Update rules: SGD with momentum", "Two-layer net: the final net", "Layers: ReLU"},
        messages=[("Update rules: Adam", "time limit"), ("Update rules: RMSProp", "memory"),
                  ("Layers: ReLU", "your code raised ValueError (in cs231n/layers.py, line"),
                  ("Update rules: SGD with momentum", "output"),
                  ("Two-layer net: the final net", "notebooks/best_net.npz is not in the submission")])
    assert "Ignored: conftest.py, hidden_tests/test_hidden_optim.py, tests/test_optim.py" in feedback
    assert (tree_digest(student_version), tree_digest(ROOT / "staff" / "hidden_tests")) == before
    assert not [p for p in outside if p.exists()]
    assert seconds < 120
    assert_left_clean(tmp_root)


def test_code_that_defeats_the_timeout_or_kills_pytest_costs_only_its_tests(
        student_version, solved, config, tmp_path, tmp_path_factory, tmp_root):
    """Past pytest's own handling: SIGALRM blocked in a loop (the grader's watchdog stops
    it) and os._exit (the run dies); the run goes on without the test each time."""
    lin = "cs231n/classifiers/linear_classifier.py:LinearClassifier.predict:1"
    knn = "cs231n/classifiers/k_nearest_neighbor.py:KNearestNeighbor.compute_distances_two_loops:1"
    # The loop sleeps rather than spins: the watchdog goes by wall time, and spinning would
    # take a core from the rest of the suite for the watchdog's 12.5 s.
    s = {**SOLUTIONS,
         lin: "import signal, time\nsignal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})\n"
              "while True:\n    time.sleep(0.1)\n",
         knn: "import os\nos._exit(3)\n"}
    files = _solution_files(student_version, tmp_path_factory, s)
    grade_submission(make_zip(tmp_path / "s.zip", files), tmp_path / "out", config)
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    expected = dict(FULL, **{"k-NN: two loops": 0, "Two-layer net: the final net": 0,
                             "Linear classifier: SGD and predict": FULL["Linear classifier: SGD and predict"] - 1})
    assert part_scores(results) == {k: float(v) for k, v in expected.items()}
    outputs = {t["tags"][0]: t["output"] for t in results["tests"] if t["score"] < t["max_score"]}
    assert "the limit per test" in outputs["Linear classifier: SGD and predict"]
    assert "the test process died" in outputs["k-NN: two loops"]
    assert_left_clean(tmp_root)


def test_sandbox_has_no_network_even_below_python(tmp_path, tmp_root):
    """A test in the sandbox connects with the C-level socket (past the plugin's Python
    block) to a server of this process on 127.0.0.1: it must not get through."""
    import socket

    from staff.grade.sandbox import isolation_prefix, run_pytest

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]
    work = Path(tempfile.mkdtemp(dir=tmp_root))
    tree = work / "tree"
    (tree / "cs231n").mkdir(parents=True)
    (tree / "cs231n" / "__init__.py").write_text("")
    (tree / "test_net.py").write_text(
        "import _socket, pytest\n"
        "@pytest.mark.points(1)\n"
        "def test_connect():\n"
        "    s = _socket.socket()\n"
        "    s.settimeout(5)\n"
        f"    s.connect(('127.0.0.1', {port}))\n")
    plugin = work / "grading"
    plugin.mkdir()
    shutil.copyfile(grader.PLUGIN, plugin / "grading_plugin.py")
    try:
        run = run_pytest(work, tree, ["test_net.py::test_connect"], Limits(), plugin)
    finally:
        shutil.rmtree(work)
    (entry,) = run.report["tests"]
    if "no network" not in isolation_prefix()[1]:
        pytest.skip(f"no network namespace here ({isolation_prefix()[1]})")
    assert entry["outcome"] == "failed" and "Errno" in entry["call"]["crash"]["message"], entry
    server.settimeout(0.5)
    with pytest.raises(socket.timeout):
        server.accept()  # nothing got through
    server.close()


@pytest.mark.parametrize("kind", ["traversal", "absolute", "symlink", "bomb", "not a zip"])
def test_malformed_zips_are_refused_with_a_clear_message(kind, solved, config, tmp_path, tmp_root):
    path = tmp_path / "bad.zip"
    if kind == "not a zip":
        path.write_bytes(b"%PDF-1.4 this is not a zip")
    else:
        info = zipfile.ZipInfo({"traversal": "../../escaped.py", "absolute": "/tmp/escaped.py",
                                "symlink": "cs231n/layers.py", "bomb": "notebooks/knn.ipynb"}[kind])
        data = b"x"
        if kind == "symlink":
            info.create_system = 3
            info.external_attr = (0o120777) << 16
            data = b"/etc/passwd"
        if kind == "bomb":
            data = b"\0" * (15 * 2**20)  # under the size limit per file, but 1000 to 1
        info.compress_type = zipfile.ZIP_DEFLATED
        make_zip(path, {k: v for k, v in solved.items() if k != info.filename}, raw=[(info, data)])
    grade = grade_submission(path, tmp_path / "out", config)
    words = {"traversal": "'..'", "absolute": "absolute path", "symlink": "symbolic link",
             "bomb": "compression bomb", "not a zip": "not a zip file"}[kind]
    assert grade.refused and words in grade.refused
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert results["score"] == 0 and words in results["output"] and results["tests"] == []
    assert "could not be graded" in (tmp_path / "out" / "feedback.md").read_text()
    assert not (tmp_path.parent / "escaped.py").exists() and not Path("/tmp/escaped.py").exists()
    assert_left_clean(tmp_root)


# ------------------------------------------------------------------------- a whole class


def test_class_grading_is_resumable_and_runs_on_a_dask_cluster(
        student_version, solved, trained_net, config, tmp_path, tmp_root):
    subs = tmp_path / "submissions"
    subs.mkdir()
    make_zip(subs / "ada.zip", {**solved, NET: trained_net[0]})
    fresh = {rel: (student_version / rel).read_bytes() for rel in editable_files(student_version)
             if (student_version / rel).is_file()}
    make_zip(subs / "bob.zip", fresh)  # nothing done yet
    (subs / "eve.zip").write_bytes(b"not a zip")
    out = tmp_path / "results"
    said = []
    rows = grade_class(subs, out, config, jobs=2, progress=said.append,
                       similarity=SimilarityConfig())
    by_name = {row["student"]: row for row in rows}
    assert by_name["ada"]["total"] == parts.TOTAL_POINTS
    assert by_name["bob"]["total"] == 0 and by_name["bob"]["status"] == "graded"
    assert by_name["eve"]["status"] == "refused"
    with open(out / "grades.csv") as f:
        table = list(csv.DictReader(f))
    assert [r["student"] for r in table] == ["ada", "bob", "eve"]
    assert float(table[0]["TwoLayerNet: backward"]) == FULL["TwoLayerNet: backward"]
    assert float(table[1]["TwoLayerNet: backward"]) == 0
    # the similarity report: bob's skeleton compares as empty, eve's zip is listed
    assert (out / "similarity.csv").read_text().splitlines()[1:] == []
    page = (out / "similarity.html").read_text()
    assert "It changes no grade" in page and "eve" in page and "not a zip file" in page
    feedback = (out / "bob" / "feedback.md").read_text()
    assert "Not implemented yet" in feedback or "not implemented yet" in feedback
    # re-running skips what is graded; an interrupted run (a folder missing) resumes
    stamp = (out / "ada" / "results.json").stat().st_mtime_ns
    said.clear()
    grade_class(subs, out, config, jobs=2, progress=said.append)
    assert said[0] == "3 submissions: 3 already graded, 0 to grade"
    assert (out / "ada" / "results.json").stat().st_mtime_ns == stamp
    shutil.rmtree(out / "bob")
    said.clear()
    grade_class(subs, out, config, jobs=2, progress=said.append)
    assert said[0] == "3 submissions: 2 already graded, 1 to grade"
    assert (out / "bob" / "results.json").is_file()
    # a Dask cluster on this machine, through its concurrent.futures executor
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, host="127.0.0.1",
                      dashboard_address=None, processes=True) as cluster, Client(cluster) as client:
        # ada2 hands in ada's zip: graded already (same hash), compared on the cluster
        (subs / "ada2.zip").write_bytes((subs / "ada.zip").read_bytes())
        shutil.copytree(out / "ada", tmp_path / "dask" / "ada2")
        dask_rows = grade_class(subs, tmp_path / "dask", config, executor=client.get_executor(),
                                progress=None, similarity=SimilarityConfig())
    dask_rows = [r for r in dask_rows if r["student"] != "ada2"]
    flagged = (tmp_path / "dask" / "similarity.csv").read_text()  # hashed in other processes
    assert "TwoLayerNet: backward,ada,ada2,1.000" in flagged
    assert [(r["student"], r["total"], r["status"]) for r in dask_rows] == \
        [(r["student"], r["total"], r["status"]) for r in rows]
    assert_left_clean(tmp_root)


# ------------------------------------------------------------------------- Gradescope


def test_gradescope_autograder_in_a_laid_out_folder(student_version, solved, tmp_path, tmp_root):
    from staff.grade.gradescope import build_autograder

    ag_zip = build_autograder(tmp_path / "autograder.zip", student_version)
    root = tmp_path / "autograder"
    with zipfile.ZipFile(ag_zip) as archive:
        names = archive.namelist()
        assert {"setup.sh", "run_autograder", "requirements.txt"} <= set(names)
        archive.extractall(root / "source")
    setup = (root / "source" / "setup.sh").read_text()
    assert '/venv/bin/pip" install -r requirements.txt' in setup and "AUTOGRADER_ROOT" in setup
    assert "pytest-timeout" in (root / "source" / "requirements.txt").read_text()
    # Gradescope unpacks the student's upload into /autograder/submission
    for rel, data in solved.items():
        target = root / "submission" / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    run = root / "source" / "run_autograder"
    run.chmod(0o755)
    done = subprocess.run([str(run)], capture_output=True, text=True, timeout=600, cwd=tmp_path,
                          env={"PATH": os.environ["PATH"], "AUTOGRADER_ROOT": str(root),
                               "PYTHON": sys.executable, "CIFAR10_DIR": str(DATA),
                               "TMPDIR": str(tmp_root)})
    assert done.returncode == 0, done.stdout + done.stderr
    results = json.loads((root / "results" / "results.json").read_text())
    expected = dict(FULL, **{"Two-layer net: the final net": 0.0})  # no saved net uploaded
    assert part_scores(results) == {k: float(v) for k, v in expected.items()}
    assert_left_clean(tmp_root)


# ------------------------------------------------------------------------- the student's side


def _run_collect(tree, *args, env=None):
    return subprocess.run([sys.executable, "collect_submission.py", *args], cwd=tree,
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, **(env or {})})


def _executed(nb_path, counts):
    nb = json.loads(nb_path.read_text())
    cells = [c for c in nb["cells"] if c["cell_type"] == "code" and "".join(c["source"]).strip()]
    for cell, count in zip(cells, counts(len(cells))):
        cell["execution_count"] = count
    nb_path.write_text(json.dumps(nb))


def test_collect_submission_warns_about_notebooks_not_run_in_order(student_version, tmp_path):
    tree = tmp_path / "a1"
    shutil.copytree(student_version, tree)
    _executed(tree / "notebooks/knn.ipynb", lambda n: list(range(1, n + 1)))
    _executed(tree / "notebooks/svm.ipynb", lambda n: [3, 1] + list(range(4, n + 2)))
    _executed(tree / "notebooks/softmax.ipynb", lambda n: list(range(1, n)) + [None])
    done = _run_collect(tree, "--no-pdf")
    assert done.returncode == 0, done.stderr
    err = done.stderr
    assert "notebooks/knn.ipynb: not run from top to bottom" not in err
    assert "notebooks/svm.ipynb: not run from top to bottom in order (code cell 2 ran before " \
           "code cell 1 above it)" in err
    assert re.search(r"notebooks/softmax.ipynb: not run from top to bottom in order \(code cell "
                     r"\d+ was not run\)", err)
    assert "notebooks/two_layer_net.ipynb: the notebook has no outputs" in err
    with zipfile.ZipFile(tree / "cs231n_submission.zip") as archive:
        assert "notebooks/svm.ipynb" in archive.namelist()
    assert not (tree / "cs231n_notebooks.pdf").exists()


#: a code line longer than the page is wide: it must wrap, not run off the page
LONG_LINE = "x = 1  # " + " ".join(f"w{i}" for i in range(90)) + " LINE_END"


def _with_progress_and_long_line(nb_path):
    """Give the notebook a run cell whose code has LONG_LINE and whose output is a text
    progress bar redrawn eleven times with carriage returns (what tqdm writes)."""
    nb = json.loads(nb_path.read_text())
    bar = "".join(f"\rsweep: {10 * i:3d}%|{'#' * i:10s}| {i}/10" for i in range(11))
    nb["cells"].insert(2, {"cell_type": "code", "execution_count": 1, "id": "progress",
                           "metadata": {}, "source": LONG_LINE, "outputs": [
                               {"output_type": "stream", "name": "stderr", "text": bar + "\n"}]})
    nb_path.write_text(json.dumps(nb))


def test_collect_submission_without_a_browser_says_so_and_writes_html(student_version, tmp_path):
    tree = tmp_path / "a1"
    shutil.copytree(student_version, tree)
    _with_progress_and_long_line(tree / "notebooks/knn.ipynb")
    done = _run_collect(tree, env={"CHROMIUM": str(tmp_path / "no-such-browser")})
    assert done.returncode == 0, done.stderr
    assert "no Chromium found" in done.stdout and "cs231n_notebooks.html instead" in done.stdout
    html = (tree / "cs231n_notebooks.html").read_text()
    headings = re.findall(r'<h1 id="([\w.]+\.ipynb)">', html)
    assert headings[:6] == ["knn.ipynb", "svm.ipynb", "softmax.ipynb", "two_layer_net.ipynb",
                            "features.ipynb", "FullyConnectedNets.ipynb"]  # the course's order
    assert "Your Answer" in html  # the inline answers are in it
    assert not (tree / "cs231n_notebooks.pdf").exists()
    # the progress bar at its last state only, and code that wraps
    assert html.count("sweep: ") == 1 and "sweep: 100%|##########| 10/10" in html
    assert "white-space: pre-wrap" in html


@pytest.mark.browser
@pytest.mark.skipif(not Path("/usr/bin/chromium").is_file(), reason="Debian's chromium is missing")
def test_collect_submission_renders_one_pdf_with_chromium(student_version, tmp_path):
    """The PDF as a grader reads it: math typeset offline, code wrapped, one progress line."""
    pytest.importorskip("jupyter_server_mathjax", reason="jupyter-server-mathjax is missing")
    tree = tmp_path / "a1"
    shutil.copytree(student_version, tree)
    for path in (tree / "notebooks").glob("*.ipynb"):  # one notebook is enough (and quicker)
        if path.name != "softmax.ipynb":
            path.unlink()
    _with_progress_and_long_line(tree / "notebooks/softmax.ipynb")
    done = _run_collect(tree, env={"CHROMIUM": "/usr/bin/chromium"})
    assert done.returncode == 0, done.stderr
    assert "wrote" in done.stdout and "cs231n_notebooks.pdf" in done.stdout, done.stdout
    pdf = (tree / "cs231n_notebooks.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page") + pdf.count(b"/Type/Page") > 1
    # MathJax typeset the math (in its own STIX fonts), with no network to fetch it from
    assert b"STIXMathJax_Main" in pdf
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is missing: the PDF's text is not checked")
    text = subprocess.run(["pdftotext", "-layout", str(tree / "cs231n_notebooks.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout
    assert "cross-entropy" in text and "$" not in text and "\\log" not in text  # no raw TeX
    assert "LINE_END" in text  # the long line wrapped: its end is on the page
    assert text.count("sweep: ") == 1 and "sweep: 100%" in text
