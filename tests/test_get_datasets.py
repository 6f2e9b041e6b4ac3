"""./get_datasets.sh (and cs231n/tools/fetch.py behind it) on archives the tests build themselves.

Every run goes to a temporary DATASETS_DIR (the real datasets/ folder is never touched),
with CIFAR10_URL pointing at a closed local port unless a test serves the archive itself,
so nothing here can reach the internet.
"""
import contextlib
import hashlib
import http.server
import io
import os
import pickle
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "get_datasets.sh"
FOLDER = "cifar-10-batches-py"
TRAIN = [f"data_batch_{i}" for i in range(1, 6)]
BATCHES = TRAIN + ["test_batch"]
MEMBERS = BATCHES + ["batches.meta", "readme.html"]
OFFICIAL_MD5 = "c58f30108f718f92721af3b95e74349a"
N, D = 10_000, 3072
CLASS_NAMES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse",
               "ship", "truck"]
ENV_VARS = ("DATASETS_DIR", "CIFAR10_ARCHIVE", "CIFAR10_URL", "CIFAR10_MD5", "CIFAR10_DIR")


# ----------------------------------------------------------------------------- helpers

def md5(path):
    return hashlib.md5(Path(path).read_bytes()).hexdigest()


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def labels_of(batch_index):
    """The labels the fake batch number ``batch_index`` (0..5) carries."""
    return [(j + batch_index) % 10 for j in range(N)]


def batch_bytes(batch_index, n=N, dtype=np.uint8, labels=None):
    """A fake batch: a dict like the official ones, pickled with protocol 4 (the pixels as raw
    bytes, which load 8 times faster than Python 3's protocol 2); compresses well."""
    row = (np.arange(D) * (batch_index + 1)) % 256
    data = np.tile(row, (n, 1)).astype(dtype)
    data[:, 0] = np.arange(n) % 256  # images differ
    if labels is None:
        labels = labels_of(batch_index)[:n]
    batch = {"batch_label": f"fake batch {batch_index}", "labels": labels, "data": data,
             "filenames": [f"img_{batch_index}_{j}.png" for j in range(n)]}
    return pickle.dumps(batch, protocol=4)


def tarinfo(name, kind="file", data=b"", target=""):
    info = tarfile.TarInfo(name)
    info.mtime = 1_600_000_000
    if kind == "file":
        info.size = len(data)
    elif kind == "dir":
        info.type, info.mode = tarfile.DIRTYPE, 0o755
    elif kind == "symlink":
        info.type, info.linkname = tarfile.SYMTYPE, target
    elif kind == "hardlink":
        info.type, info.linkname = tarfile.LNKTYPE, target
    elif kind == "chardev":
        info.type, info.devmajor, info.devminor = tarfile.CHRTYPE, 1, 3
    return info


def build_archive(path, entries, mode="w:gz"):
    """Write a tar.gz (compresslevel 1) of ``entries``: (name, Path or bytes) or TarInfo."""
    with tarfile.open(path, mode, **({"compresslevel": 1} if mode == "w:gz" else {})) as tar:
        for entry in entries:
            if isinstance(entry, tarfile.TarInfo):
                tar.addfile(entry)
                continue
            name, source = entry
            data = source.read_bytes() if isinstance(source, Path) else source
            tar.addfile(tarinfo(name, data=data), io.BytesIO(data))
    return path


def member_entries(sources, skip=(), replace=None):
    """Archive entries for the folder and its members (``replace``: name -> new bytes)."""
    replace = replace or {}
    entries = [tarinfo(FOLDER, "dir")]
    for name in MEMBERS:
        if name not in skip:
            entries.append((f"{FOLDER}/{name}", replace.get(name, sources[name])))
    return entries


def snapshot(folder):
    """Everything about a folder's files that a re-extraction or an edit would change."""
    return {p.name: (p.stat().st_ino, p.stat().st_mtime_ns, p.stat().st_size, sha256(p))
            for p in sorted(Path(folder).iterdir())}


def leftovers(datasets):
    """Names in a datasets folder besides the data folder and the lock file."""
    return sorted(p.name for p in Path(datasets).iterdir()
                  if p.name not in (FOLDER, ".get_datasets.lock"))


def _default_sigint():
    """In the child before it runs the script: Ctrl-C's default action. A process started in
    the background by a non-interactive shell (nohup, some CI runners) inherits SIGINT as
    ignored, and bash cannot trap a signal ignored when it started."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def closed_url():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/cifar-10-python.tar.gz"


def script_env(datasets, env=None):
    e = {k: v for k, v in os.environ.items() if k not in ENV_VARS}
    # The scripts' python3 must be this test's Python (the venv's, with NumPy).
    e["PATH"] = os.path.dirname(sys.executable) + os.pathsep + e.get("PATH", "")
    e["DATASETS_DIR"] = str(datasets)
    e["CIFAR10_URL"] = closed_url()  # never the internet, even by mistake
    e.update(env or {})
    return e


def run_script(datasets, *args, env=None, cwd=None):
    """Run get_datasets.sh from a folder outside the repository; returns the CompletedProcess."""
    cwd = cwd or Path(datasets).parent
    proc = subprocess.run(["bash", str(SCRIPT), *map(str, args)], env=script_env(datasets, env),
                          cwd=cwd, capture_output=True, text=True, timeout=600)
    proc.output = proc.stdout + proc.stderr
    return proc


def overwrite(path, data):
    """Replace a file's bytes without writing through a hard link to the shared template."""
    path.unlink()
    path.write_bytes(data)


def assert_holds(folder, sources):
    """``folder`` holds exactly the seven source files, byte for byte."""
    for name in MEMBERS:
        assert (folder / name).read_bytes() == sources[name], name


@contextlib.contextmanager
def http_server(payload, stall_after=None, drop_after=None):
    """Serve ``payload`` on 127.0.0.1 in a thread.

    With ``stall_after``, responses send that many bytes and then hang until ``release``
    is set; with ``drop_after``, they close the connection after that many bytes. ``log``
    records the Range header of every request (None without one).
    """
    log = []
    release = threading.Event()

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            log.append(self.headers.get("Range"))
            self.send_response(200)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if stall_after is not None and not release.is_set():
                self.wfile.write(payload[:stall_after])
                self.wfile.flush()
                release.wait(120)
                return
            self.wfile.write(payload[:drop_after])

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield SimpleNamespace(url=f"http://127.0.0.1:{server.server_address[1]}/cifar-10-python.tar.gz",
                              log=log, release=release)
    finally:
        release.set()
        server.shutdown()
        server.server_close()


# ----------------------------------------------------------------------------- fixtures

@pytest.fixture(scope="session")
def sources(tmp_path_factory):
    """The seven files of a fake CIFAR-10 with the real structure (name -> bytes)."""
    files = {name: batch_bytes(i) for i, name in enumerate(BATCHES)}
    files["batches.meta"] = pickle.dumps(
        {"num_cases_per_batch": N, "label_names": CLASS_NAMES, "num_vis": D}, protocol=4)
    files["readme.html"] = b"<p>fake CIFAR-10 for the tests</p>\n"
    return files


@pytest.fixture(scope="session")
def good_archive(tmp_path_factory, sources):
    """A well-formed CIFAR-10 archive whose MD5 is not the official one."""
    return build_archive(tmp_path_factory.mktemp("archives") / "cifar-10-python.tar.gz",
                         member_entries(sources))


@pytest.fixture(scope="session")
def small_sources():
    """Seven small files (not valid batches): for download tests, with CIFAR10_MD5 set to
    the archive's MD5 so it counts as official and is not content-checked. readme.html is
    2 MB of random bytes so that a download can be interrupted half-way."""
    files = {name: f"small {name}\n".encode() for name in MEMBERS}
    files["readme.html"] = np.random.default_rng(0).integers(0, 256, 2 << 20, dtype=np.uint8).tobytes()
    return files


@pytest.fixture(scope="session")
def small_archive(tmp_path_factory, small_sources):
    path = build_archive(tmp_path_factory.mktemp("small") / "cifar-10-python.tar.gz",
                         member_entries(small_sources))
    return SimpleNamespace(path=path, data=path.read_bytes(), md5=md5(path))


@pytest.fixture(scope="session")
def installed_template(tmp_path_factory, good_archive, sources):
    """A datasets folder filled by the script from the good archive (done once)."""
    datasets = tmp_path_factory.mktemp("template") / "datasets"
    proc = run_script(datasets, "--archive", good_archive)
    assert proc.returncode == 0, proc.output
    assert_holds(datasets / FOLDER, sources)
    yield datasets
    shutil.rmtree(datasets)  # 180 MB: do not leave it in pytest's kept temporary folders


@pytest.fixture(scope="session")
def installed_snapshot(installed_template):
    """snapshot() of the template, which every ``installed`` copy shares (hard links)."""
    return snapshot(installed_template / FOLDER)


@pytest.fixture
def installed(tmp_path, installed_template):
    """A fresh datasets folder already holding a verified dataset (hard-linked: cheap)."""
    datasets = tmp_path / "datasets"
    shutil.copytree(installed_template, datasets, copy_function=os.link)
    return datasets


@pytest.fixture
def empty(tmp_path):
    return tmp_path / "datasets"


# ----------------------------------------------------------------------------- basics

def test_script_is_executable_bash():
    assert os.access(SCRIPT, os.X_OK)
    assert SCRIPT.read_text().startswith("#!/usr/bin/env bash\n")


def test_help_explains_the_options(tmp_path):
    proc = subprocess.run(["bash", str(SCRIPT), "--help"], cwd=tmp_path, capture_output=True,
                          text=True, env=script_env(tmp_path / "datasets"))
    assert proc.returncode == 0, proc.stderr
    for word in ("--archive", "--force", "CIFAR10_ARCHIVE", "DATASETS_DIR", "CIFAR10_URL",
                 "CIFAR10_MD5", OFFICIAL_MD5, "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"):
        assert word in proc.stdout, word
    assert not (tmp_path / "datasets").exists()  # --help does nothing else


def test_unknown_option_is_a_usage_error(empty):
    proc = run_script(empty, "--frobnicate")
    assert proc.returncode == 2
    assert "--frobnicate" in proc.stderr and "--help" in proc.stderr


def test_member_list_matches_data_utils():
    from cs231n import data_utils
    from cs231n.tools import fetch
    assert tuple(fetch.MEMBERS) == tuple(data_utils.MEMBERS) == tuple(MEMBERS)
    assert fetch.OFFICIAL_MD5 == OFFICIAL_MD5
    assert fetch.DEFAULT_DATASETS_DIR == ROOT / "datasets"


# ----------------------------------------------------------------------------- local archives

def test_unofficial_archive_is_accepted_after_content_check(tmp_path, good_archive, sources):
    datasets = tmp_path / "datasets"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    archive_md5 = md5(good_archive)
    # A relative archive path is taken from the caller's folder, not the script's.
    relative = os.path.relpath(good_archive, elsewhere)
    proc = run_script(datasets, env={"CIFAR10_ARCHIVE": relative}, cwd=elsewhere)
    assert proc.returncode == 0, proc.output
    assert "NOT the official" in proc.output and archive_md5 in proc.output
    assert_holds(datasets / FOLDER, sources)
    assert leftovers(datasets) == []  # no temporary folder, no archive copy
    assert md5(good_archive) == archive_md5  # the user's archive is still there, unchanged

    from cs231n.data_utils import load_CIFAR10
    Xtr, Ytr, Xte, Yte = load_CIFAR10(datasets / FOLDER, dtype=np.uint8)
    assert Xtr.shape == (50_000, 32, 32, 3) and Xte.shape == (10_000, 32, 32, 3)
    assert Ytr.tolist() == sum((labels_of(i) for i in range(5)), [])
    assert Yte.tolist() == labels_of(5)
    shutil.rmtree(datasets)


def test_archive_option_wins_over_environment(tmp_path, small_archive, small_sources):
    datasets = tmp_path / "datasets"
    proc = run_script(datasets, "--archive", small_archive.path,
                      env={"CIFAR10_ARCHIVE": str(tmp_path / "nowhere.tar.gz"),
                           "CIFAR10_MD5": small_archive.md5})
    assert proc.returncode == 0, proc.output
    assert f"has the expected MD5 {small_archive.md5}" in proc.output
    assert "NOT the official" not in proc.output
    assert_holds(datasets / FOLDER, small_sources)
    assert small_archive.path.exists()


def test_archive_in_datasets_folder_is_used_and_kept(empty, small_archive, small_sources):
    empty.mkdir()
    placed = empty / "cifar-10-python.tar.gz"
    shutil.copyfile(small_archive.path, placed)
    proc = run_script(empty, env={"CIFAR10_MD5": small_archive.md5})  # no network needed
    assert proc.returncode == 0, proc.output
    assert_holds(empty / FOLDER, small_sources)
    assert placed.read_bytes() == small_archive.data


def test_rerun_with_data_present_does_nothing(installed, installed_snapshot, good_archive):
    before = installed_snapshot
    for env in ({"CIFAR10_ARCHIVE": str(good_archive)}, {}):  # {}: would download, but need not
        proc = run_script(installed, env=env)
        assert proc.returncode == 0, proc.output
        assert "nothing to do" in proc.output
        assert "extracting" not in proc.output
        assert snapshot(installed / FOLDER) == before  # same inodes and mtimes: not re-extracted


# Replacing a dataset: the small archive (made "official" with CIFAR10_MD5) keeps these quick.

def test_force_extracts_again(installed, small_archive, small_sources):
    proc = run_script(installed, "--force", "--archive", small_archive.path,
                      env={"CIFAR10_MD5": small_archive.md5})
    assert proc.returncode == 0, proc.output
    assert "extracting" in proc.output
    assert_holds(installed / FOLDER, small_sources)
    assert leftovers(installed) == []


def test_folder_without_manifest_is_checked_and_adopted(installed):
    (installed / FOLDER / ".manifest.json").unlink()
    before = snapshot(installed / FOLDER)
    proc = run_script(installed)  # no archive and no network: must not need either
    assert proc.returncode == 0, proc.output
    assert "checking its contents" in proc.output and "nothing to do" in proc.output
    after = snapshot(installed / FOLDER)
    assert after.pop(".manifest.json")
    assert after == before
    proc = run_script(installed)
    assert proc.returncode == 0 and "checking its contents" not in proc.output


def test_damaged_folder_without_manifest_is_replaced(installed, sources, small_archive, small_sources):
    folder = installed / FOLDER
    (folder / ".manifest.json").unlink()
    overwrite(folder / "test_batch", sources["test_batch"][:1000])
    proc = run_script(installed, env={"CIFAR10_ARCHIVE": str(small_archive.path),
                                      "CIFAR10_MD5": small_archive.md5})
    assert proc.returncode == 0, proc.output
    assert "not a valid CIFAR-10" in proc.output and "test_batch" in proc.output
    assert_holds(folder, small_sources)


@pytest.mark.parametrize("change", ["one byte", "shorter"])
def test_data_changed_after_extraction_is_detected_and_replaced(installed, small_archive,
                                                                small_sources, change):
    path = installed / FOLDER / "data_batch_4"
    data = bytearray(path.read_bytes())
    if change == "one byte":
        data[-100] ^= 0xFF  # same size, one byte different
    else:
        del data[-100:]
    overwrite(path, bytes(data))
    proc = run_script(installed, env={"CIFAR10_ARCHIVE": str(small_archive.path),
                                      "CIFAR10_MD5": small_archive.md5})
    assert proc.returncode == 0, proc.output
    assert "data_batch_4" in proc.output
    assert ("SHA-256" if change == "one byte" else "bytes") in proc.output
    assert_holds(installed / FOLDER, small_sources)


@pytest.mark.parametrize("kind", ["half", "no-gzip-trailer", "garbage"])
def test_truncated_or_corrupt_archive_leaves_dataset_untouched(tmp_path, installed, installed_snapshot, good_archive, kind):
    data = good_archive.read_bytes()
    broken = tmp_path / "broken.tar.gz"
    broken.write_bytes({"half": data[: len(data) // 2], "no-gzip-trailer": data[:-8],
                        "garbage": b"<html>404 Not Found</html>\n" * 100}[kind])
    before = installed_snapshot
    proc = run_script(installed, "--force", env={"CIFAR10_ARCHIVE": str(broken)})
    assert proc.returncode == 1, proc.output
    assert "truncated or corrupt" in proc.stderr and "fix:" in proc.stderr
    assert snapshot(installed / FOLDER) == before
    assert leftovers(installed) == []
    assert broken.exists()


def test_truncated_archive_into_empty_folder_creates_nothing(tmp_path, empty, small_archive):
    data = small_archive.data
    broken = tmp_path / "broken.tar.gz"
    broken.write_bytes(data[: len(data) * 3 // 4])
    proc = run_script(empty, "--archive", broken)
    assert proc.returncode == 1
    assert "truncated or corrupt" in proc.stderr
    assert leftovers(empty) == [] and not (empty / FOLDER).exists()


def _malicious_pickle(marker):
    class Exploit:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))
    return pickle.dumps({"data": Exploit(), "labels": [0] * N}, protocol=4)


BAD_CONTENTS = {
    # name: (member, replacement bytes or factory, words the message must contain)
    "9999 images": ("data_batch_3", lambda m: batch_bytes(2, n=N - 1), ["data_batch_3", "9999"]),
    "label 10": ("data_batch_2", lambda m: batch_bytes(1, labels=[10] + labels_of(1)[1:]),
                 ["data_batch_2", "0..9"]),
    "uint16 data": ("data_batch_5", lambda m: batch_bytes(4, dtype=np.uint16),
                    ["data_batch_5", "uint16"]),
    "code in pickle": ("data_batch_1", _malicious_pickle, ["data_batch_1", "refusing to load global"]),
    "bad meta": ("batches.meta", lambda m: pickle.dumps(["airplane"], protocol=4), ["batches.meta"]),
}


@pytest.mark.parametrize("case", sorted(BAD_CONTENTS))
def test_unofficial_archive_with_bad_contents_is_refused(tmp_path, installed, installed_snapshot, sources, case):
    member, make, words = BAD_CONTENTS[case]
    marker = tmp_path / "pwned"
    archive = build_archive(tmp_path / "bad.tar.gz",
                            member_entries(sources, replace={member: make(marker)}))
    before = installed_snapshot
    proc = run_script(installed, "--force", "--archive", archive)
    assert proc.returncode == 1, proc.output
    assert "NOT the official" in proc.output
    for word in words:
        assert word in proc.stderr, (word, proc.stderr)
    assert str(tmp_path / "datasets" / ".cifar-10-tmp") not in proc.stderr  # names the member, not a temp path
    assert not marker.exists()
    assert snapshot(installed / FOLDER) == before
    assert leftovers(installed) == []


@pytest.mark.parametrize("missing", ["test_batch", "readme.html", "data_batch_5"])
def test_archive_missing_a_member_is_refused(tmp_path, empty, small_sources, missing):
    archive = build_archive(tmp_path / "bad.tar.gz", member_entries(small_sources, skip=[missing]))
    proc = run_script(empty, "--archive", archive)
    assert proc.returncode == 1
    assert "incomplete" in proc.stderr and missing in proc.stderr
    assert leftovers(empty) == [] and not (empty / FOLDER).exists()


UNSAFE = {
    # name: (entry factory given tmp_path, words the message must contain)
    "traversal": (lambda t: ("../evil", b"evil"), ["../evil", "path traversal"]),
    "inner traversal": (lambda t: (f"{FOLDER}/../../evil", b"evil"), ["path traversal"]),
    "absolute": (lambda t: (str(t / "evil"), b"evil"), ["absolute path"]),
    "symlink": (lambda t: tarinfo(f"{FOLDER}/test_batch", "symlink", target="/etc/passwd"),
                ["symbolic link", "/etc/passwd"]),
    "hardlink": (lambda t: tarinfo(f"{FOLDER}/test_batch", "hardlink", target=f"{FOLDER}/data_batch_1"),
                 ["hard link"]),
    "device": (lambda t: tarinfo(f"{FOLDER}/test_batch", "chardev"), ["device"]),
    "outside folder": (lambda t: ("other/evil", b"evil"), ["outside cifar-10-batches-py/"]),
    "unexpected name": (lambda t: (f"{FOLDER}/evil.sh", b"evil"), ["evil.sh"]),
    "subfolder": (lambda t: tarinfo(f"{FOLDER}/sub", "dir"), ["unexpected directory"]),
    "duplicate": (lambda t: (f"{FOLDER}/data_batch_1", b"evil"), ["appears twice"]),
}


@pytest.mark.parametrize("case", sorted(UNSAFE))
def test_unsafe_member_is_refused(tmp_path, installed, installed_snapshot, sources, case):
    make, words = UNSAFE[case]
    entry = make(tmp_path)
    # Good members before and after the bad one: those already written must be cleaned up.
    entries = member_entries(sources)[:2] + [entry, (f"{FOLDER}/batches.meta", sources["batches.meta"])]
    archive = build_archive(tmp_path / "unsafe.tar.gz", entries)
    with tarfile.open(archive) as tar:  # the archive really holds the unsafe name
        name = entry.name if isinstance(entry, tarfile.TarInfo) else entry[0]
        assert name in tar.getnames()
    before = installed_snapshot
    proc = run_script(installed, "--force", env={"CIFAR10_ARCHIVE": str(archive)})
    assert proc.returncode == 1, proc.output
    assert "refusing" in proc.stderr
    for word in words:
        assert word in proc.stderr, (word, proc.stderr)
    assert snapshot(installed / FOLDER) == before
    assert leftovers(installed) == []
    assert not any(p.name == "evil" for p in tmp_path.rglob("evil"))


@pytest.mark.skipif(not hasattr(tarfile, "data_filter"), reason="this Python has no tarfile data filter")
@pytest.mark.parametrize("case", ["traversal", "absolute", "symlink"])
def test_data_filter_guards_even_without_the_member_check(tmp_path, monkeypatch, case):
    """The second guard: with member_target accepting everything, tarfile's filter refuses
    the traversal and the link, and writes an absolute name inside the folder."""
    from cs231n.tools import fetch
    monkeypatch.setattr(fetch, "member_target", lambda info: info.name)
    evil = tmp_path / "evil"
    archive = build_archive(tmp_path / "unsafe.tar.gz", [UNSAFE[case][0](tmp_path)])
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(fetch.FetchError, match="incomplete" if case == "absolute" else "refusing"):
        fetch.extract_safely(archive, out, "the test archive")
    assert not evil.exists()
    inside = [p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()]
    assert inside == ([str(evil).lstrip("/")] if case == "absolute" else [])


def test_missing_archive_path_is_a_clear_error(tmp_path, empty):
    missing = tmp_path / "nowhere" / "cifar-10-python.tar.gz"
    proc = run_script(empty, env={"CIFAR10_ARCHIVE": str(missing)})
    assert proc.returncode == 1
    assert str(missing) in proc.stderr and "does not exist" in proc.stderr
    proc = run_script(empty, "--archive", tmp_path)  # a folder, not a file
    assert proc.returncode == 1 and "not a file" in proc.stderr
    assert not (empty / FOLDER).exists()


def test_stale_temporary_folder_is_removed(empty, small_archive):
    stale = empty / ".cifar-10-tmp-killed" / FOLDER
    stale.mkdir(parents=True)
    (stale / "data_batch_1").write_bytes(b"half written")
    proc = run_script(empty, "--archive", small_archive.path, env={"CIFAR10_MD5": small_archive.md5})
    assert proc.returncode == 0, proc.output
    assert leftovers(empty) == []


@pytest.mark.parametrize("mode", ["w:bz2", "w:xz", "w"])
def test_other_compressions_and_plain_tar(tmp_path, empty, small_sources, mode):
    archive = build_archive(tmp_path / "archive.tar", member_entries(small_sources), mode)
    proc = run_script(empty, "--archive", archive, env={"CIFAR10_MD5": md5(archive)})
    assert proc.returncode == 0, proc.output
    assert_holds(empty / FOLDER, small_sources)


@pytest.mark.parametrize("mode", ["w:bz2", "w:xz", "w"])
def test_other_compressions_truncated(tmp_path, empty, small_sources, mode):
    archive = build_archive(tmp_path / "archive.tar", member_entries(small_sources), mode)
    data = archive.read_bytes()
    # (Cutting the end of a plain tar only removes zero padding: cut into the data there.)
    archive.write_bytes(data[: len(data) // 2] if mode == "w" else data[:-600])
    proc = run_script(empty, "--archive", archive, env={"CIFAR10_MD5": md5(archive)})
    assert proc.returncode == 1
    assert "truncated or corrupt" in proc.stderr or "incomplete" in proc.stderr
    assert not (empty / FOLDER).exists()


def test_without_numpy_unofficial_archive_says_how_to_install_it(tmp_path, empty, good_archive,
                                                                 small_archive, small_sources):
    fake = tmp_path / "no_numpy" / "numpy"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("raise ImportError('No module named numpy (test)')\n")
    env = {"PYTHONPATH": str(fake.parent)}
    proc = run_script(empty, "--archive", good_archive, env=env)
    assert proc.returncode == 1
    assert "NumPy" in proc.stderr and "pip install numpy" in proc.stderr
    assert not (empty / FOLDER).exists()
    # An archive with the expected MD5 needs no NumPy at all.
    proc = run_script(empty, "--archive", small_archive.path,
                      env={**env, "CIFAR10_MD5": small_archive.md5})
    assert proc.returncode == 0, proc.output
    assert_holds(empty / FOLDER, small_sources)


# ----------------------------------------------------------------------------- downloads

def test_no_network_names_the_offline_option(empty):
    proc = run_script(empty)
    assert proc.returncode == 1
    assert "could not download" in proc.stderr
    assert "CIFAR10_ARCHIVE=" in proc.stderr
    assert leftovers(empty) == [] and not (empty / FOLDER).exists()


def test_download_from_local_server(empty, small_archive, small_sources):
    with http_server(small_archive.data) as server:
        proc = run_script(empty, env={"CIFAR10_URL": server.url, "CIFAR10_MD5": small_archive.md5})
    assert proc.returncode == 0, proc.output
    assert server.log == [None]  # one plain request
    assert f"has the expected MD5 {small_archive.md5}" in proc.output
    assert "NOT the official" not in proc.output
    assert_holds(empty / FOLDER, small_sources)
    assert leftovers(empty) == []  # the downloaded archive is gone


def test_file_url_points_to_the_archive_option(empty, small_archive):
    proc = run_script(empty, env={"CIFAR10_URL": small_archive.path.as_uri()})
    assert proc.returncode == 2
    assert "file://" in proc.stderr and "CIFAR10_ARCHIVE=" in proc.stderr
    assert leftovers(empty) == [] and not (empty / FOLDER).exists()


def test_connection_dropped_mid_download_leaves_dataset_untouched(installed, installed_snapshot, small_archive):
    before = installed_snapshot
    with http_server(small_archive.data, drop_after=len(small_archive.data) // 2) as server:
        proc = run_script(installed, "--force", env={"CIFAR10_URL": server.url,
                                                     "CIFAR10_MD5": small_archive.md5})
    assert proc.returncode == 1
    assert "could not download" in proc.stderr and "CIFAR10_ARCHIVE=" in proc.stderr
    assert snapshot(installed / FOLDER) == before
    assert leftovers(installed) == []


def test_download_with_wrong_md5_leaves_dataset_untouched(installed, installed_snapshot, small_archive):
    before = installed_snapshot
    with http_server(small_archive.data) as server:
        proc = run_script(installed, "--force", env={"CIFAR10_URL": server.url})  # official MD5 expected
    assert proc.returncode == 1
    assert OFFICIAL_MD5 in proc.stderr and small_archive.md5 in proc.stderr
    assert "corrupt or not the CIFAR-10 archive" in proc.stderr
    assert snapshot(installed / FOLDER) == before
    assert leftovers(installed) == []


def test_without_pooch_download_says_how_to_install_it(tmp_path, empty, small_archive, small_sources):
    fake = tmp_path / "no_pooch" / "pooch"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("raise ImportError('No module named pooch (test)')\n")
    env = {"PYTHONPATH": str(fake.parent)}
    proc = run_script(empty, env=env)
    assert proc.returncode == 1
    assert "needs pooch" in proc.stderr and "pip install pooch" in proc.stderr
    assert "CIFAR10_ARCHIVE=" in proc.stderr
    assert leftovers(empty) == [] and not (empty / FOLDER).exists()
    # A local archive needs no pooch.
    proc = run_script(empty, "--archive", small_archive.path, env={**env, "CIFAR10_MD5": small_archive.md5})
    assert proc.returncode == 0, proc.output
    assert_holds(empty / FOLDER, small_sources)


def test_interrupted_download_leaves_nothing_and_runs_again(installed, installed_snapshot, small_archive,
                                                           small_sources):
    """pooch does not resume: Ctrl-C removes the partial file, and the next run starts afresh."""
    before = installed_snapshot
    with http_server(small_archive.data, stall_after=len(small_archive.data) // 2) as server:
        env = script_env(installed, {"CIFAR10_URL": server.url, "CIFAR10_MD5": small_archive.md5})
        proc = subprocess.Popen(["bash", str(SCRIPT), "--force"], env=env, cwd=installed.parent,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                start_new_session=True, preexec_fn=_default_sigint)
        try:
            deadline = time.monotonic() + 120
            while not any(p.stat().st_size > 100_000 for p in installed.glob(".cifar-10-tmp-*/*")
                          if p.is_file()):
                assert proc.poll() is None, proc.stdout.read()
                assert time.monotonic() < deadline, "the download never started"
                time.sleep(0.05)
            os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C: the whole foreground group
            output, _ = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        assert proc.returncode == 130, output
        assert "interrupted" in output and "not kept" in output
        assert snapshot(installed / FOLDER) == before
        assert leftovers(installed) == []

        server.release.set()
        server.log.clear()
        proc = run_script(installed, "--force", env={"CIFAR10_URL": server.url,
                                                     "CIFAR10_MD5": small_archive.md5})
    assert proc.returncode == 0, proc.output
    assert server.log == [None]  # from the start
    assert_holds(installed / FOLDER, small_sources)
    assert leftovers(installed) == []


@pytest.mark.parametrize("how", ["KeyboardInterrupt", "SIGTERM"])
def test_interruption_during_extraction_leaves_dataset_untouched(installed, installed_snapshot, small_archive,
                                                                 monkeypatch, how):
    """In-process, so the interruption lands deterministically between extraction and swap."""
    from cs231n.tools import fetch

    def interrupt(folder, label):
        assert (folder / "test_batch").exists()  # extracted, not yet in place
        if how == "SIGTERM":
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(30)  # the handler raises long before this ends
        raise KeyboardInterrupt

    monkeypatch.setattr(fetch, "check_contents", interrupt)
    for var in ENV_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("DATASETS_DIR", str(installed))
    monkeypatch.setenv("CIFAR10_ARCHIVE", str(small_archive.path))  # not "official": checked
    before = installed_snapshot

    def not_handled(signum, frame):  # fetch.main should have replaced this while it runs
        raise AssertionError("fetch.main did not handle SIGTERM")

    previous = signal.signal(signal.SIGTERM, not_handled)
    try:
        assert fetch.main(["--force"]) == 130
        assert signal.getsignal(signal.SIGTERM) is not_handled  # restored afterwards
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert snapshot(installed / FOLDER) == before
    assert leftovers(installed) == []


# ----------------------------------------------------------------------------- real archive

@pytest.mark.cifar
def test_real_archive_from_cifar10_archive(tmp_path):
    archive = os.environ.get("CIFAR10_ARCHIVE")
    if not archive or not Path(archive).is_file():
        pytest.skip("set CIFAR10_ARCHIVE to a cifar-10-python.tar.gz to run this test "
                    "(CI uses ../shared/datasets/cifar-10-python.tar.gz; see ./get_datasets.sh --help)")
    datasets = tmp_path / "datasets"
    proc = run_script(datasets, env={"CIFAR10_ARCHIVE": archive})
    assert proc.returncode == 0, proc.output
    if md5(archive) != OFFICIAL_MD5:
        assert "NOT the official" in proc.output
    from cs231n.data_utils import load_CIFAR10
    Xtr, Ytr, Xte, Yte = load_CIFAR10(datasets / FOLDER, dtype=np.uint8)
    assert Xtr.shape == (50_000, 32, 32, 3) and Xte.shape == (10_000, 32, 32, 3)
    assert np.bincount(Ytr).tolist() == [5000] * 10 and np.bincount(Yte).tolist() == [1000] * 10
    proc = run_script(datasets, env={"CIFAR10_ARCHIVE": archive})
    assert proc.returncode == 0 and "nothing to do" in proc.output
    shutil.rmtree(datasets)
