"""Fetch CIFAR-10 safely: the Python side of ``./get_datasets.sh`` (see its ``--help``).

pooch downloads and checks the MD5; an archive with another MD5 is accepted only if its contents
pass the checks of ``cs231n.data_utils`` (which need NumPy). Only ``cifar-10-batches-py/`` and its
seven files are extracted, into a temporary folder that replaces the data once verified; a
manifest (sizes, SHA-256) lets a re-run stop at once.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

if __name__ == "__main__" and __spec__ is None:
    # Run as a script: import cs231n from this checkout, and let no module of cs231n/tools/
    # (first on sys.path) shadow a standard one.
    sys.path[0] = str(Path(__file__).resolve().parents[2])

import argparse
import contextlib
import hashlib
import json
import shutil
import signal
import tarfile
import tempfile
import time
import zlib

OFFICIAL_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
OFFICIAL_MD5 = "c58f30108f718f92721af3b95e74349a"
ARCHIVE_NAME = "cifar-10-python.tar.gz"
FOLDER = "cifar-10-batches-py"
# Equal to cs231n.data_utils.MEMBERS (a test checks it): data_utils needs NumPy, we need not.
MEMBERS = tuple(f"data_batch_{i}" for i in range(1, 6)) + ("test_batch", "batches.meta", "readme.html")
MANIFEST = ".manifest.json"
TMP_PREFIX = ".cifar-10-tmp-"
MAX_MEMBER_BYTES = 128 * 2**20  # a batch is 31 MB: refuse what could fill the disk
DEFAULT_DATASETS_DIR = Path(__file__).resolve().parents[2] / "datasets"
CHUNK = 1 << 20
# tarfile's "data" filter (Python 3.12, backported to 3.8.17+) is a second guard behind
# member_target where the Python has it. set_attrs=False: no owner, mode or time from the archive.
_EXTRACT = {"set_attrs": False, **({"filter": "data"} if hasattr(tarfile, "data_filter") else {})}
# Stop signals besides Ctrl-C, turned into KeyboardInterrupt so that the clean-up runs.
_STOP_SIGNALS = [getattr(signal, s) for s in ("SIGTERM", "SIGHUP") if hasattr(signal, s)]

OFFLINE_FIX = (
    f"Offline or behind a firewall: get {ARCHIVE_NAME} on another machine (or from a mirror) "
    f"and run  CIFAR10_ARCHIVE=/path/to/{ARCHIVE_NAME} ./get_datasets.sh  "
    f"(or ./get_datasets.sh --archive /path/to/{ARCHIVE_NAME})."
)
ARCHIVE_FIX = (
    f"Use an intact copy of the official archive: download {OFFICIAL_URL} again "
    "(./get_datasets.sh without CIFAR10_ARCHIVE/--archive), or point CIFAR10_ARCHIVE at a good copy."
)
OS_FIX = ("Free some disk space or fix the permissions of the path above (DATASETS_DIR picks "
          "another datasets folder), then run ./get_datasets.sh again.")


class FetchError(Exception):
    """Reported as ``error: <message>`` and ``fix: <fix>``; ``status``: the exit status."""

    def __init__(self, message, fix, status=1):
        super().__init__(message)
        self.fix, self.status = fix, status


class _Refused(Exception):  # an archive member that must not be extracted
    pass


def say(message):
    print(f"get_datasets: {message}", flush=True)


def missing_package(package, task, error, fix=""):
    return FetchError(f"{task} needs {package}, which {sys.executable} cannot import ({error}).",
                      "Activate the project's environment (source scripts/setup_env.sh) or install "
                      f"{package} ({sys.executable} -m pip install {package.lower()}), then run "
                      f"./get_datasets.sh again. {fix}".strip())


def file_digest(path, algorithm):
    h = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(CHUNK), b""):
            h.update(block)
    return h.hexdigest()


def member_target(info):
    """Which of MEMBERS a tar member is (None for the folder); raises _Refused for anything else."""
    parts = [p for p in info.name.split("/") if p not in ("", ".")]
    for bad, reason in [
        (info.name.startswith("/") or info.name[1:2] == ":", "absolute path"),
        (".." in parts, "path traversal ('..')"),
        (info.issym(), f"symbolic link (to '{info.linkname}')"),
        (info.islnk(), f"hard link (to '{info.linkname}')"),
        (info.isdev(), "device or FIFO"),
        (parts[:1] != [FOLDER], f"outside {FOLDER}/"),
        (info.isdir() and len(parts) > 1, "unexpected directory"),
        (not (info.isdir() or info.isreg()), "not a regular file"),
        (info.isreg() and parts[1:] not in [[m] for m in MEMBERS],
         f"not one of the CIFAR-10 files {', '.join(MEMBERS)}"),
        (info.size > MAX_MEMBER_BYTES, f"{info.size} bytes, far more than any CIFAR-10 file"),
    ]:
        if bad:
            raise _Refused(reason)
    return None if info.isdir() else parts[1]


def extract_safely(archive, out_dir, label):
    """Extract the seven files of ``archive`` (``label`` in messages) into ``out_dir/FOLDER``.
    Raises FetchError if the archive is unreadable, truncated, incomplete or unsafe."""
    seen = set()
    try:
        with tarfile.open(archive, "r:*") as tar:  # gzip, bzip2, xz or plain
            for info in tar:
                try:
                    name = member_target(info)
                    if name in seen:
                        raise _Refused("appears twice")
                    if name is not None:
                        tar.extract(info, out_dir, **_EXTRACT)
                        seen.add(name)
                except (_Refused, getattr(tarfile, "FilterError", _Refused)) as e:
                    raise FetchError(
                        f"refusing {label}: member '{info.name}' is unsafe or unexpected: {e}. "
                        f"Nothing was installed; a genuine CIFAR-10 archive holds only {FOLDER}/ "
                        "and its seven files.", ARCHIVE_FIX) from None
            # To the end: a truncated gzip/bzip2/xz file fails its trailer check even if its tar is whole.
            for _ in iter(lambda: tar.fileobj.read(CHUNK), b""):
                pass
    except (OSError, tarfile.TarError, EOFError, zlib.error, ValueError) as e:
        if isinstance(e, OSError) and e.errno is not None:
            raise  # full disk, permissions...: not the archive's fault
        raise FetchError(f"{label} is truncated or corrupt ({type(e).__name__}: {e}).",
                         ARCHIVE_FIX) from None
    missing = [m for m in MEMBERS if m not in seen]
    if missing:
        raise FetchError(f"{label} is incomplete: {FOLDER}/{', '.join(missing)} missing "
                         "(a truncated download, or not a CIFAR-10 archive).", ARCHIVE_FIX)


def check_contents(folder, label):
    """Check the files in ``folder`` (from ``label``) as ``cs231n.data_utils`` loads them: safe
    pickles, 10,000 images of 3,072 uint8 values and labels 0-9 per batch, ten label names."""
    try:
        from cs231n import data_utils as du
    except ImportError as e:
        raise missing_package("NumPy", "checking the contents of CIFAR-10 files", e) from None
    try:
        for name in MEMBERS[:6]:
            du.load_CIFAR_batch(folder / name, dtype="uint8")
    except (du.CIFAR10FormatError, du.CIFAR10NotFoundError) as e:
        # Name the file as the user knows it, not by its temporary path.
        problem = str(e).replace(f"{folder}{os.sep}", "").replace(du._FETCH_HINT, "").strip()
        raise FetchError(f"{label}: {problem}", ARCHIVE_FIX) from None
    try:
        meta = du.restricted_load(folder / "batches.meta")
    except Exception as e:  # unsafe globals, truncation, garbage: all mean a bad file
        raise FetchError(f"{label}: batches.meta: not a safe CIFAR-10 metadata pickle "
                         f"({type(e).__name__}: {e})", ARCHIVE_FIX) from None
    names = meta.get("label_names") if isinstance(meta, dict) else None
    if not (isinstance(names, list) and len(names) == du.NUM_CLASSES
            and all(isinstance(n, str) for n in names)):
        raise FetchError(f"{label}: batches.meta: expected a dict with ten 'label_names'", ARCHIVE_FIX)


def write_manifest(folder, source):
    """Record the sizes and SHA-256 of the seven files (written atomically)."""
    files = {m: {"size": (folder / m).stat().st_size, "sha256": file_digest(folder / m, "sha256")}
             for m in MEMBERS}
    (folder / "manifest.tmp").write_text(json.dumps(
        {"format": 1, "source": source, "written": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
         "files": files}, indent=1) + "\n")
    os.replace(folder / "manifest.tmp", folder / MANIFEST)


def existing_problem(dest):
    """None if ``dest`` holds a valid dataset, else what is wrong with it. Without a manifest
    its contents are checked once and a manifest is written (the folder is adopted)."""
    if not dest.is_dir():
        return "it is not a folder"
    missing = [m for m in MEMBERS if not (dest / m).is_file()]
    if missing:
        return f"{', '.join(missing)} missing"
    if (dest / MANIFEST).exists():
        try:
            files = json.loads((dest / MANIFEST).read_text())["files"]
            expected = {m: (int(files[m]["size"]), str(files[m]["sha256"])) for m in MEMBERS}
        except (OSError, ValueError, KeyError, TypeError) as e:
            return f"its manifest is unreadable ({type(e).__name__}: {e})"
        for name, (size, sha256) in expected.items():  # 180 MB: a fraction of a second
            if (dest / name).stat().st_size != size:
                return f"{name} has {(dest / name).stat().st_size} bytes, the manifest says {size}"
            if file_digest(dest / name, "sha256") != sha256:
                return f"{name} differs from the copy that was verified (SHA-256 mismatch)"
        return None
    say(f"{dest} has no manifest yet: checking its contents")
    try:
        check_contents(dest, str(dest))
    except FetchError as e:  # also a Python without NumPy: a fresh copy of the official one
        return str(e)
    try:
        write_manifest(dest, "existing folder, contents checked by get_datasets.sh")
        say(f"contents check passed; wrote {dest / MANIFEST} so later runs are quick")
    except OSError as e:  # e.g. a read-only folder: still valid
        say(f"contents check passed (could not write a manifest: {e})")
    return None


def download(url, work, expected_md5):
    """Download ``url`` into ``work``; returns the file's path. pooch renames its temporary file
    only once the MD5 is right, and deletes a wrong or partial one."""
    if not url.lower().startswith(("https://", "http://", "ftp://")):
        raise FetchError(f"CIFAR10_URL={url!r}: expected an https://, http:// or ftp:// URL.",
                         f"For a file on this machine use CIFAR10_ARCHIVE=/path/to/{ARCHIVE_NAME}.", 2)
    try:
        import pooch
    except ImportError as e:
        raise missing_package("pooch", "downloading", e, OFFLINE_FIX) from None
    pooch.get_logger().setLevel("WARNING")  # we say what happens, without temporary paths
    say(f"downloading {url}")
    try:
        return Path(pooch.retrieve(url, known_hash=f"md5:{expected_md5}", fname=ARCHIVE_NAME,
                                   path=work, progressbar=sys.stderr.isatty()))
    except ValueError as e:  # a wrong MD5
        raise FetchError(f"the download from {url} is corrupt or not the CIFAR-10 archive: {e}",
                         f"Run ./get_datasets.sh again to download it afresh. {OFFLINE_FIX}") from None
    except OSError as e:  # requests' errors are OSErrors too
        raise FetchError(f"could not download {url} ({type(e).__name__}: {e}).", OFFLINE_FIX) from None


@contextlib.contextmanager
def _signals_blocked():
    """Hold off Ctrl-C and the stop signals while the dataset folder is swapped (POSIX)."""
    block = hasattr(signal, "pthread_sigmask")
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, *_STOP_SIGNALS}) if block else None
    try:
        yield
    finally:
        if block:
            signal.pthread_sigmask(signal.SIG_SETMASK, old)


def install(archive, work, dest, expected_md5, label):
    """Extract and verify ``archive`` in the temporary folder ``work``, then swap it into ``dest``.
    An archive without ``expected_md5`` has its contents checked."""
    md5 = file_digest(archive, "md5")
    say(f"extracting {label} into a temporary folder")
    extract_safely(archive, work, label)
    new = work / FOLDER
    if md5 == expected_md5:
        say(f"{label} has the expected MD5 {md5}")
        source, done = f"archive with the expected MD5 {md5}", f"(archive MD5 {md5} verified)"
    else:
        say(f"NOTE: {label} has MD5 {md5}, which is NOT the official CIFAR-10 checksum {expected_md5}; "
            "checking its contents (restricted unpickler; shapes, dtype, label range)")
        check_contents(new, label)
        source = f"archive with MD5 {md5} (not the official one), contents checked"
        done = (f"from an archive that is NOT the official one (MD5 {md5}) but whose contents passed "
                "the checks: 5 training and 1 test batch of 10,000 images of 3,072 uint8, labels 0-9")
    write_manifest(new, source)
    with _signals_blocked():
        if dest.exists() or dest.is_symlink():
            os.rename(dest, work / "previous")  # removed with ``work``
            try:
                os.rename(new, dest)
            except BaseException:
                os.rename(work / "previous", dest)
                raise
        else:
            os.rename(new, dest)
    say(f"done: CIFAR-10 is in {dest} {done}")


@contextlib.contextmanager
def _locked(datasets):
    """One get_datasets.sh at a time per datasets folder (POSIX advisory lock)."""
    try:
        import fcntl
    except ImportError:  # not POSIX: no locking
        yield
        return
    with open(datasets / ".get_datasets.lock", "a") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            say(f"another ./get_datasets.sh is working on {datasets}; waiting for it")
            fcntl.flock(f, fcntl.LOCK_EX)
        yield


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # our error format and exit status, not argparse's
        raise FetchError(message, "See ./get_datasets.sh --help", 2)


def run(args, datasets):
    """Make ``datasets/cifar-10-batches-py`` hold a verified CIFAR-10."""
    dest = datasets / FOLDER
    expected_md5 = os.environ.get("CIFAR10_MD5", "").strip().lower() or OFFICIAL_MD5
    if len(expected_md5) != 32 or any(c not in "0123456789abcdef" for c in expected_md5):
        raise FetchError(f"CIFAR10_MD5={expected_md5!r} is not an MD5 (32 hex digits)",
                         "Unset CIFAR10_MD5 to expect the official MD5, or set it to the archive's.", 2)
    for stale in datasets.glob(TMP_PREFIX + "*"):  # of a killed run (we hold the lock)
        shutil.rmtree(stale, ignore_errors=True)
    if args.force and (dest.exists() or dest.is_symlink()):
        say(f"--force: extracting again (the current {dest} stays until the new copy is verified)")
    elif dest.exists() or dest.is_symlink():
        problem = existing_problem(dest)
        if problem is None:
            say(f"CIFAR-10 is already in {dest} and verified; nothing to do (--force extracts it again)")
            return
        say(f"{dest} is not a valid CIFAR-10 ({problem}); fetching a fresh copy "
            "(the current folder stays until the new copy is verified)")

    archive = args.archive or os.environ.get("CIFAR10_ARCHIVE", "").strip() or None
    origin = "--archive" if args.archive else "CIFAR10_ARCHIVE"
    if archive is None and (datasets / ARCHIVE_NAME).is_file():
        archive, origin = str(datasets / ARCHIVE_NAME), "found in the datasets folder"
    if archive is not None:
        path = Path(archive).expanduser()
        if not path.is_file():
            raise FetchError(f"the archive {path} ({origin}) "
                             + ("is not a file." if path.exists() else "does not exist."),
                             f"Point CIFAR10_ARCHIVE / --archive at {ARCHIVE_NAME} itself (a relative "
                             f"path is taken from the current folder), or unset it to download "
                             f"from {OFFICIAL_URL}.")
        label = f"the archive {path}"
        say(f"using {label} ({origin}); it is only read, never moved or deleted")
    # The download, the extraction and a replaced dataset all stay in ``work`` until the end.
    work = Path(tempfile.mkdtemp(prefix=TMP_PREFIX, dir=datasets))
    try:
        if archive is None:
            url = os.environ.get("CIFAR10_URL", "").strip() or OFFICIAL_URL
            path, label = download(url, work, expected_md5), f"the download from {url}"
        install(path, work, dest, expected_md5, label)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main(argv=None):
    """Entry point of ``./get_datasets.sh``: returns 0 (done or nothing to do), 1, 2 or 130."""
    parser = _Parser(prog="get_datasets.sh", add_help=False)
    parser.add_argument("--archive", metavar="PATH")
    parser.add_argument("--force", action="store_true")
    try:
        args = parser.parse_args(sys.argv[1:] if argv is None else argv)
        datasets = Path(os.environ.get("DATASETS_DIR", "").strip() or DEFAULT_DATASETS_DIR)
        datasets = datasets.expanduser().absolute()
        datasets.mkdir(parents=True, exist_ok=True)
        old = {s: signal.signal(s, signal.default_int_handler) for s in _STOP_SIGNALS}
        try:
            with _locked(datasets):
                run(args, datasets)
        finally:
            for s, handler in old.items():
                signal.signal(s, handler)
    except (FetchError, OSError) as e:
        print(f"get_datasets: error: {e}", file=sys.stderr)
        print(f"get_datasets: fix: {getattr(e, 'fix', OS_FIX)}", file=sys.stderr)
        return getattr(e, "status", 1)
    except KeyboardInterrupt:
        print("get_datasets: interrupted; temporary files removed and any existing dataset left "
              "as it was (a partial download is not kept: the next run starts it again)",
              file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
