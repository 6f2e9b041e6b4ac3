"""The class grader's similarity report (staff/grade/similarity.py) on generated submissions.

The class: ada types in the course's standard solution (course_solution.py); bob copies
it with the local names renamed and independent statements swapped
(similar_submissions.disguise); cy writes other correct solutions of several parts
(similar_submissions.OTHER_SOLUTIONS, checked here to compute what the standard one
computes) and leaves the rest; dee and eve hand in the untouched student version; fay
copies ada but edited a marker of layers.py, hal deleted a pair of markers of softmax.py;
gus's zip is not a zip. The expected pairs come from how the class was made, never from
the report.
"""
import csv
import shutil
import textwrap
import zipfile
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pytest

from staff.grade import similarity
from staff.grade.__main__ import main
from staff.grade.parts import BY_NAME
from staff.grade.similarity import SimilarityConfig, similarity_report
from staff.release import END_MARKER, START_MARKER
from staff.tests.course_solution import SOLUTIONS
from staff.tests.similar_submissions import OTHER_SOLUTIONS, disguise, rename, write_submission

#: parts of the standard solution long enough to be compared (>= 50 normalised characters
#: that a renamed, reordered copy keeps)
COPIED = ["TwoLayerNet: loss", "TwoLayerNet: backward", "TwoLayerNet: training loop",
          "k-NN: no loops", "SVM: naive loss and gradient", "SVM: vectorised loss and gradient",
          "Softmax: naive loss and gradient", "Softmax: vectorised loss and gradient",
          "Layers: SVM and softmax losses", "Modular nets: ModularTwoLayerNet",
          "Modular nets: FullyConnectedNet", "Update rules: Adam", "k-NN notebook: cross-validation",
          "Features notebook: classifiers on features"]


def _edit_marker(rel, text):
    return text.replace(END_MARKER, "# *****END OF YOUR CODE*****", 1) if rel == "cs231n/layers.py" else text


def _delete_markers(rel, text):
    if rel != "cs231n/classifiers/softmax.py":
        return text
    return text.replace(START_MARKER + "\n", "", 1).replace(END_MARKER + "\n", "", 1)


@pytest.fixture(scope="module")
def klass(fresh_release, tmp_path_factory):
    folder = tmp_path_factory.mktemp("similarity")
    subs = folder / "submissions"
    subs.mkdir()
    write_submission(fresh_release, SOLUTIONS, subs / "ada.zip")
    write_submission(fresh_release, disguise(SOLUTIONS), subs / "bob.zip")
    write_submission(fresh_release, OTHER_SOLUTIONS, subs / "cy.zip")
    write_submission(fresh_release, {}, subs / "dee.zip")
    write_submission(fresh_release, {}, subs / "eve.zip")
    write_submission(fresh_release, SOLUTIONS, subs / "fay.zip", edit=_edit_marker)
    write_submission(fresh_release, disguise(SOLUTIONS), subs / "hal.zip", edit=_delete_markers)
    (subs / "gus.zip").write_bytes(b"%PDF-1.4 not a zip")
    return folder, [(p.stem, p) for p in sorted(subs.glob("*.zip"))]


@pytest.fixture(scope="module")
def report(klass, fresh_release):
    folder, zips = klass
    out = folder / "results"
    out.mkdir()
    with ProcessPoolExecutor(max_workers=2) as executor:  # as grade_class passes its own
        found = similarity_report(zips, out, fresh_release, executor=executor, progress=None)
    with open(out / "similarity.csv") as f:
        rows = list(csv.DictReader(f))
    return found, rows, (out / "similarity.html").read_text()


def _pairs(rows):
    return {(r["part"], r["student_a"], r["student_b"]): float(r["score"]) for r in rows}


def test_a_renamed_and_reordered_copy_is_flagged(report):
    for key, code in disguise(SOLUTIONS).items():  # bob's code: renamed, and reordered where free
        renamed = rename(textwrap.dedent(SOLUTIONS[key])).strip("\n") + "\n"
        assert sorted(code.splitlines()) == sorted(renamed.splitlines()), key
    copied = disguise(SOLUTIONS)["cs231n/classifiers/neural_net.py:TwoLayerNet.loss:3"]
    assert "dscores" not in copied and "grads['b2'] = np.sum(delta, axis=0)\ngrads['W2']" in copied
    pairs = _pairs(report[1])
    for part in COPIED:
        assert pairs.get((part, "ada", "bob"), 0) >= 0.5, part


def _run(code, **names):
    scope = {"np": np, **names}
    exec(textwrap.dedent(code), scope)
    return scope


def test_the_other_solutions_compute_what_the_standard_one_does():
    rng = np.random.default_rng(0)
    X, W, y, reg = rng.standard_normal((7, 5)), rng.standard_normal((5, 3)), rng.integers(0, 3, 7), 0.3
    for key in ("cs231n/classifiers/linear_svm.py:svm_loss_naive:1",
                "cs231n/classifiers/softmax.py:softmax_loss_naive:1",
                "cs231n/classifiers/softmax.py:softmax_loss_vectorized:1"):
        ours, theirs = (_run(code[key], X=X, W=W, y=y, reg=reg, loss=0.0, dW=np.zeros_like(W))
                        for code in (SOLUTIONS, OTHER_SOLUTIONS))
        np.testing.assert_allclose(theirs["loss"], ours["loss"], rtol=1e-10, err_msg=key)
        np.testing.assert_allclose(theirs["dW"], ours["dW"], rtol=1e-10, err_msg=key)
    knn = "cs231n/classifiers/k_nearest_neighbor.py:KNearestNeighbor.compute_distances_no_loops:1"
    ours, theirs = (_run(code[knn], X=X, X_train=X[::-1] + 1, dists=None)
                    for code in (SOLUTIONS, OTHER_SOLUTIONS))
    np.testing.assert_allclose(theirs["dists"], ours["dists"], rtol=1e-10)
    net = dict(X=X, y=y, W1=W, b1=rng.standard_normal(3), W2=rng.standard_normal((3, 4)),
               b2=rng.standard_normal(4), N=7, reg=reg)
    y4 = rng.integers(0, 4, 7)
    results = []
    for code in (SOLUTIONS, OTHER_SOLUTIONS):
        scope = {**net, "y": y4, "grads": {}}
        for k in (1, 2, 3):
            scope = _run(code[f"cs231n/classifiers/neural_net.py:TwoLayerNet.loss:{k}"], **scope)
            if k == 1:
                scores = scope["scores"].copy()  # (the standard loss shifts them in place)
        results.append((scores, scope))
    np.testing.assert_allclose(results[1][0], results[0][0], rtol=1e-10)
    results = [scope for _, scope in results]
    np.testing.assert_allclose(results[1]["loss"], results[0]["loss"], rtol=1e-10)
    for name in ("W1", "b1", "W2", "b2"):
        np.testing.assert_allclose(results[1]["grads"][name], results[0]["grads"][name], rtol=1e-10)
    config = dict(learning_rate=1e-2, beta1=0.9, beta2=0.999, epsilon=1e-8, m=np.ones(3) * 0.1,
                  v=np.ones(3) * 0.2, t=4)
    ours, theirs = (_run(code["cs231n/optim.py:adam:1"], w=W[0, :3], dw=W[1, :3],
                         config={k: np.copy(v) if isinstance(v, np.ndarray) else v
                                 for k, v in config.items()})
                    for code in (SOLUTIONS, OTHER_SOLUTIONS))
    np.testing.assert_allclose(theirs["next_w"], ours["next_w"], rtol=1e-10)


def test_independent_solutions_are_not_flagged(report):
    assert [r for r in report[1] if "cy" in (r["student_a"], r["student_b"])] == []
    # ... and they were compared: cy's parts have code
    assert all(report[0].compared[BY_NAME[part].name][0] >= 3 for part in
               ("Softmax: vectorised loss and gradient", "TwoLayerNet: backward"))


def test_untouched_skeletons_compare_as_empty(report, fresh_release):
    assert [r for r in report[1] if {"dee", "eve"} & {r["student_a"], r["student_b"]}] == []
    where = similarity.layout(fresh_release)
    files = {rel: (fresh_release / rel).read_bytes() for rel in where.keys}
    regions, problems = similarity.read_regions(files, where.keys)
    assert problems == [] and len(regions) == sum(len(k) for k in where.keys.values())
    assert all(similarity.is_skeleton(code) for code in regions.values())
    assert similarity.documents(regions) == {}
    assert not similarity.is_skeleton("pass\nloss = 0\n")


def test_edited_or_deleted_markers_are_listed_and_that_file_not_compared(report):
    found, rows, _ = report
    reasons = dict(found.not_compared)
    assert "markers edited" in reasons["fay"] and "cs231n/layers.py" in reasons["fay"]
    assert "cs231n/classifiers/softmax.py: 1 regions where the student version has 2" in reasons["hal"]
    pairs = _pairs(rows)
    assert not [p for p in pairs if "fay" in p and p[0].startswith("Layers:")]
    assert not [p for p in pairs if "hal" in p and p[0].startswith("Softmax:")]
    # their other files are compared as usual
    assert pairs[("TwoLayerNet: backward", "ada", "fay")] == 1.0
    assert pairs[("SVM: naive loss and gradient", "bob", "hal")] == 1.0


def test_an_unreadable_zip_is_listed_with_its_reason(report):
    assert "not a zip file" in dict(report[0].not_compared)["gus"]


def test_page_says_evidence_not_verdict_and_shows_the_matches(report):
    found, rows, page = report
    assert "Evidence, never a verdict" in page and "It changes no grade" in page
    assert page.count("class=pair ") == page.count("class=pair") == len(rows) == len(found.matches)
    assert "<mark>" in page and "not a zip file" in page and "markers edited" in page
    assert list(rows[0]) == ["part", "student_a", "student_b", "score", "share_a", "share_b",
                             "matched_chars"]


def test_reference_solutions_are_compared_with_students_only(klass, fresh_release, tmp_path):
    folder, zips = klass
    refs = tmp_path / "found-online"
    write_submission(fresh_release, OTHER_SOLUTIONS, tmp_path / "web.zip")
    with zipfile.ZipFile(tmp_path / "web.zip") as archive:
        archive.extractall(refs / "web")
    shutil.copytree(refs / "web", refs / "mirror")  # two copies of one outside solution
    found = similarity_report(zips, tmp_path, fresh_release, SimilarityConfig(reference=refs),
                              progress=None)
    pairs = {(m.part, m.a, m.b) for m in found.matches}
    assert ("Softmax: vectorised loss and gradient", "cy", "reference:web") in pairs
    assert ("TwoLayerNet: backward", "cy", "reference:mirror") in pairs
    assert not [p for p in pairs if p[1].startswith("reference:")]  # never reference to reference
    notes = [reason for name, reason in found.not_compared if name.startswith("reference:")]
    assert notes == []
    # the same pairs among the students as without references, on the inline executor
    assert {p for p in pairs if "reference:" not in p[2]} == \
        {(r["part"], r["student_a"], r["student_b"]) for r in _report_rows(folder)}


def _report_rows(folder):
    with open(folder / "results" / "similarity.csv") as f:
        return list(csv.DictReader(f))


def test_command_line_compares_by_default(monkeypatch, fresh_release, tmp_path):
    seen = []
    monkeypatch.setattr("staff.grade.klass.grade_class",
                        lambda *args, **kwargs: seen.append(kwargs["similarity"]) or [])
    (tmp_path / "subs").mkdir()
    (tmp_path / "refs").mkdir()
    common = [str(tmp_path / "subs"), "--student-version", str(fresh_release)]
    assert main(common) == 0 and seen[-1] == SimilarityConfig()
    assert main(common + ["--no-similarity"]) == 0 and seen[-1] is None
    assert main(common + ["--reference", str(tmp_path / "refs"), "--similarity-threshold", "0.8"]) == 0
    assert seen[-1] == SimilarityConfig(reference=tmp_path / "refs", threshold=0.8)
    with pytest.raises(SystemExit):
        main([str(tmp_path / "one.zip"), "--reference", str(tmp_path / "refs")])
    with pytest.raises(SystemExit):
        main(common + ["--reference", str(tmp_path / "nowhere")])
    assert len(seen) == 3


def test_a_part_split_over_several_tasks_finds_the_same_pairs(klass, report, fresh_release,
                                                             tmp_path, monkeypatch):
    folder, zips = klass
    monkeypatch.setattr(similarity, "PAIRS_PER_TASK", 4)  # 8 students: 7 tasks per part
    found = similarity_report(zips, tmp_path, fresh_release, progress=None)
    assert {(m.part, m.a, m.b, round(m.score, 3)) for m in found.matches} == \
        {(r["part"], r["student_a"], r["student_b"], float(r["score"])) for r in _report_rows(folder)}
    assert found.compared == report[0].compared
