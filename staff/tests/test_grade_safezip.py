"""staff.grade.safezip and staff.grade.report on their own (no sandbox, no release)."""
import stat
import struct
import zipfile

import pytest

from staff.grade import parts, report
from staff.grade.safezip import Refused, ZipLimits, read_submission


def _zip(path, entries):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in entries:
            archive.writestr(info, data)
    return path


def _info(name, mode=None):
    info = zipfile.ZipInfo(name)
    info.compress_type = zipfile.ZIP_DEFLATED
    if mode is not None:
        info.create_system = 3
        info.external_attr = mode << 16
    return info


def test_a_normal_submission_is_read_and_its_top_folder_dropped(tmp_path):
    path = _zip(tmp_path / "a.zip", [(_info("assignment1/cs231n/layers.py", stat.S_IFREG | 0o644), b"x = 1\n"),
                                     (_info("assignment1/notebooks/knn.ipynb"), b"{}"),
                                     (_info("assignment1/notebooks/"), b"")])
    assert read_submission(path) == {"cs231n/layers.py": b"x = 1\n", "notebooks/knn.ipynb": b"{}"}
    flat = _zip(tmp_path / "b.zip", [(_info("cs231n/layers.py"), b"x"), (_info("cs231n/optim.py"), b"y")])
    assert set(read_submission(flat)) == {"cs231n/layers.py", "cs231n/optim.py"}


@pytest.mark.parametrize("name, words", [
    ("../x.py", "'..'"), ("cs231n/../../x.py", "'..'"), ("/etc/x.py", "absolute path"),
    ("C:/x.py", "absolute path"), ("cs231n\\..\\x.py", "backslash")])
def test_unsafe_names_are_refused(tmp_path, name, words):
    with pytest.raises(Refused, match=words.replace("\\", "\\\\")):
        read_submission(_zip(tmp_path / "z.zip", [(_info(name), b"x")]))


@pytest.mark.parametrize("mode, words", [
    (stat.S_IFLNK | 0o777, "symbolic link"), (stat.S_IFCHR | 0o644, "device file"),
    (stat.S_IFBLK | 0o644, "device file"), (stat.S_IFIFO | 0o644, "FIFO")])
def test_links_and_special_files_are_refused(tmp_path, mode, words):
    with pytest.raises(Refused, match=words):
        read_submission(_zip(tmp_path / "z.zip", [(_info("cs231n/layers.py", mode), b"/etc/passwd")]))


def test_too_many_files_and_too_many_bytes_are_refused(tmp_path):
    many = _zip(tmp_path / "many.zip", [(_info(f"cs231n/m{i}.py"), b"x") for i in range(11)])
    with pytest.raises(Refused, match="11 entries"):
        read_submission(many, ZipLimits(max_files=10))
    big = _zip(tmp_path / "big.zip", [(_info(f"cs231n/m{i}.py"), bytes(range(256)) * 40) for i in range(3)])
    with pytest.raises(Refused, match="uncompressed in all"):
        read_submission(big, ZipLimits(max_total_bytes=25_000))
    with pytest.raises(Refused, match="allowed for one file"):
        read_submission(big, ZipLimits(max_file_bytes=10_000))


def test_a_compression_bomb_is_refused(tmp_path):
    bomb = _zip(tmp_path / "bomb.zip", [(_info("cs231n/layers.py"), b"\0" * (5 * 2**20))])
    with pytest.raises(Refused, match="compression bomb"):
        read_submission(bomb)


def test_a_zip_that_lies_about_its_sizes_is_refused(tmp_path):
    path = _zip(tmp_path / "lie.zip", [(_info("cs231n/layers.py"), b"\0" * 100_000)])
    data = bytearray(path.read_bytes())
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = data.index(signature)
        data[at + offset:at + offset + 4] = struct.pack("<I", 10)  # declares 10 bytes
    path.write_bytes(bytes(data))
    # never more than the declared bytes are decompressed; the mismatch is refused
    with pytest.raises(Refused, match="more than it declares|damaged entry"):
        read_submission(path)


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04 truncated", b"%PDF-1.4"])
def test_not_a_zip_is_refused(tmp_path, content):
    path = tmp_path / "s.zip"
    path.write_bytes(content)
    with pytest.raises(Refused, match="not a zip file"):
        read_submission(path)


def test_hidden_failures_name_the_kind_of_failure_only():
    inventory = [{"nodeid": "hidden_tests/test_x.py::test_a", "part": "Layers: ReLU", "points": 2.0,
                  "visibility": None},
                 {"nodeid": "tests/test_x.py::test_b", "part": "Layers: ReLU", "points": 1.0,
                  "visibility": None}]
    longrepr = ("def test_a():\n>   np.testing.assert_allclose(out, [1.5, 2.5])\nE   AssertionError: "
                "Not equal to tolerance\nE   DESIRED: array([1.5, 2.5])")
    entries = {"tests": [
        {"nodeid": "hidden_tests/test_x.py::test_a", "outcome": "failed",
         "call": {"outcome": "failed", "longrepr": longrepr,
                  "crash": {"message": "AssertionError: Not equal to tolerance"}}},
        {"nodeid": "tests/test_x.py::test_b", "outcome": "failed",
         "call": {"outcome": "failed", "longrepr": longrepr,
                  "crash": {"message": "AssertionError: Not equal to tolerance"}}}]}
    grade = report.grade_from_report(inventory, entries)
    hidden, public = grade.tests
    assert hidden.score == public.score == 0
    assert hidden.output == "Failed: your code gives a wrong result."
    assert "DESIRED" in public.output and hidden.visibility == "after_published"
    md = report.feedback_md(grade)
    assert "## Layers: ReLU: 0 / 3 (failed)" in md and "1.5" not in md.split("`tests/")[0]
    results = report.results_json(grade)
    assert results["tests"][0]["name"] == "Layers: ReLU: hidden test 1"
    assert results["score"] == 0


def test_not_implemented_is_zero_points_with_the_part_named():
    inventory = [{"nodeid": "hidden_tests/t.py::a", "part": "Update rules: Adam", "points": 1.0,
                  "visibility": None}]
    entry = {"nodeid": "hidden_tests/t.py::a", "outcome": "skipped",
             "call": {"outcome": "skipped",
                      "longrepr": "('cs231n/optim.py', 140, 'Skipped: not implemented yet: "
                                  "cs231n/optim.py:adam: implement this part: the Adam update')"}}
    grade = report.grade_from_report(inventory, {"tests": [entry]})
    assert grade.tests[0].score == 0 and grade.tests[0].status == "not implemented"
    assert "cs231n/optim.py:adam: implement this part" in grade.tests[0].output


def test_parts_table_is_consistent():
    names = [p.name for p in parts.PARTS]
    assert len(names) == len(set(names))
    regions = [r for p in parts.PARTS for r in p.regions]
    assert len(regions) == len(set(regions))
    assert all(p.points > 0 for p in parts.AUTOGRADED) and all(p.points == 0 for p in parts.PARTS if p.manual)
