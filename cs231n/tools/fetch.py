"""Fetch CIFAR-10 safely: the Python side of ``./get_datasets.sh`` (see its ``--help``).

The archive is the official one (its MD5) or a local one whose contents pass the checks of
``cs231n.data_utils``; pooch downloads; only ``cifar-10-batches-py/`` and its seven regular
files are extracted; all work happens in a temporary folder that replaces the data only once
verified; a manifest (sizes, SHA-256) lets a re-run stop at once. A local archive needs only
the standard library (and NumPy to check a non-official one); a download needs pooch.
"""
from __future__ import annotations

import os
import sys

if __name__ == "__main__":
    # Run as a script, Python puts cs231n/tools/ first on sys.path, where a module of the
    # package could shadow a standard one: put the repository root there instead.
    _here = os.path.dirname(os.path.abspath(__file__))
    if sys.path and sys.path[0] and os.path.abspath(sys.path[0]) == _here:
        sys.path[0] = os.path.dirname(os.path.dirname(_here))

import argparse
import bz2
import contextlib
import gzip
import hashlib
import json
import shutil
import signal
import tarfile
import tempfile
import time
import zlib
from pathlib import Path

OFFICIAL_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
OFFICIAL_MD5 = "c58f30108f718f92721af3b95e74349a"
ARCHIVE_NAME = "cifar-10-python.tar.gz"
FOLDER = "cifar-10-batches-py"
#: Equal to ``cs231n.data_utils.MEMBERS`` (a test checks it); repeated because data_utils
#: needs NumPy and an official archive does not.
MEMBERS = tuple(f"data_batch_{i}" for i in range(1, 6)) + ("test_batch", "batches.meta", "readme.html")
BATCHES = MEMBERS[:6]
MANIFEST = ".manifest.json"
TMP_PREFIX = ".cifar-10-tmp-"
LOCK_NAME = ".get_datasets.lock"
#: A batch is about 31 MB: anything far bigger is refused before it can fill the disk.
MAX_MEMBER_BYTES = 128 * 2**20
DEFAULT_DATASETS_DIR = Path(__file__).resolve().parents[2] / "datasets"
CHUNK = 1 << 20
#: tarfile's "data" filter exists from Python 3.12 (backported to 3.8.17, 3.9.17, 3.10.12,
#: 3.11.4); without it member_target alone guards the extraction. set_attrs=False: no
#: owner, mode or time from the archive.
_EXTRACT = {"set_attrs": False, **({"filter": "data"} if hasattr(tarfile, "data_filter") else {})}

OFFLINE_FIX = (
    "Offline or behind a firewall: get cifar-10-python.tar.gz on another machine (or from a "
    "mirror) and run  CIFAR10_ARCHIVE=/path/to/cifar-10-python.tar.gz ./get_datasets.sh  "
    "(or ./get_datasets.sh --archive /path/to/cifar-10-python.tar.gz)."
)
ARCHIVE_FIX = (
    f"Use an intact copy of the official archive: download {OFFICIAL_URL} again "
    "(./get_datasets.sh without CIFAR10_ARCHIVE/--archive), or point CIFAR10_ARCHIVE at a "
    "good copy."
)


class FetchError(Exception):
    """A failure to report as ``error: <what went wrong>`` plus ``fix: <how to fix it>``."""

    def __init__(self, message, fix=""):
        super().__init__(message)
        self.fix = fix


class UsageError(FetchError):  # bad command line or environment: exit status 2
    pass


class _Refused(Exception):  # an archive member that must not be extracted
    pass


def say(message):
    print(f"get_datasets: {message}", flush=True)


def file_digest(path, algorithm):
    h = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(CHUNK), b""):
            h.update(block)
    return h.hexdigest()


def member_target(info):
    """Which of :data:`MEMBERS` a tar member is (``None`` for the folder itself).

    Raises _Refused with the reason for anything else: absolute paths, ``..``, links,
    devices, other directories or files, and oversized files.
    """
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


def _decompressed(raw):
    """The decompressed stream of a gzip, bzip2 or xz file (``raw`` itself if none)."""
    magic = raw.peek(6)[:6]
    if magic.startswith(b"\xfd7zXZ\x00"):
        import lzma  # optional in some Python builds
        return lzma.LZMAFile(raw)
    return (gzip.GzipFile(fileobj=raw) if magic.startswith(b"\x1f\x8b")
            else bz2.BZ2File(raw) if magic.startswith(b"BZh") else raw)


def extract_safely(archive, out_dir, label):
    """Extract the seven CIFAR-10 files of ``archive`` into ``out_dir/cifar-10-batches-py``.

    Each member passes member_target before tarfile writes it. ``label`` names the archive
    in messages. Raises FetchError if the archive is unreadable, truncated, incomplete or unsafe.
    """
    seen = set()
    try:
        with open(archive, "rb") as raw:
            stream = _decompressed(raw)
            with tarfile.open(fileobj=stream, mode="r|") as tar:  # one pass, like tar xzf
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
                            f"refusing {label}: member '{info.name}' is unsafe or unexpected: "
                            f"{e}. Nothing was installed; a genuine CIFAR-10 archive holds only "
                            f"{FOLDER}/ and its seven files.", ARCHIVE_FIX) from None
            # To the very end: a truncated gzip/bzip2/xz file fails its trailer check here
            # even when the tar part looks complete.
            for _ in iter(lambda: stream.read(CHUNK), b""):
                pass
    except (OSError, tarfile.TarError, EOFError, zlib.error, ValueError, ImportError) as e:
        if isinstance(e, OSError) and e.errno is not None:  # full disk, permissions...
            raise FetchError(f"I/O error while extracting {label}: {e}",
                             "Free some disk space or fix the permissions of the datasets "
                             "folder, then run ./get_datasets.sh again.") from None
        raise FetchError(f"{label} is truncated or corrupt ({type(e).__name__}: {e}).",
                         ARCHIVE_FIX) from None
    missing = [m for m in MEMBERS if m not in seen]
    if missing:
        raise FetchError(f"{label} is incomplete: {FOLDER}/{', '.join(missing)} missing "
                         "(a truncated download, or not a CIFAR-10 archive).", ARCHIVE_FIX)


def check_contents(folder, label):
    """Check the seven CIFAR-10 files in ``folder`` as ``cs231n.data_utils`` loads them.

    Every batch goes through ``load_CIFAR_batch`` (restricted unpickler; 10,000 images of
    3,072 uint8 values, labels 0..9); ``batches.meta`` must unpickle safely to a dict with
    ten label names. Raises FetchError naming the file (``label``: where it comes from).
    """
    try:
        import numpy as np
        from cs231n import data_utils as du
    except ImportError as e:
        raise FetchError(
            f"checking the contents of CIFAR-10 files needs NumPy, which {sys.executable} "
            f"cannot import ({e}).",
            "Activate the project's environment (source scripts/setup_env.sh) or install "
            f"NumPy ({sys.executable} -m pip install numpy), then run ./get_datasets.sh again.",
        ) from None
    try:
        for name in BATCHES:
            du.load_CIFAR_batch(folder / name, dtype=np.uint8)
    except (du.CIFAR10FormatError, du.CIFAR10NotFoundError) as e:
        # Name the file as the user knows it, not by its temporary path.
        problem = str(e).replace(f"{folder}{os.sep}", "").replace(getattr(du, "_FETCH_HINT", ""), "")
        raise FetchError(f"{label}: {problem.strip()}", ARCHIVE_FIX) from None
    try:
        meta = du.restricted_load(folder / "batches.meta")
    except Exception as e:  # unsafe globals, truncation, garbage: all mean a bad file
        raise FetchError(f"{label}: batches.meta: not a safe CIFAR-10 metadata pickle "
                         f"({type(e).__name__}: {e})", ARCHIVE_FIX) from None
    names = meta.get("label_names") if isinstance(meta, dict) else None
    if not (isinstance(names, list) and len(names) == du.NUM_CLASSES
            and all(isinstance(n, str) for n in names)):
        raise FetchError(f"{label}: batches.meta: expected a dict with ten 'label_names'",
                         ARCHIVE_FIX)


def write_manifest(folder, source):
    """Record sizes and SHA-256 of the seven files (written atomically)."""
    files = {m: {"size": (folder / m).stat().st_size, "sha256": file_digest(folder / m, "sha256")}
             for m in MEMBERS}
    manifest = {"format": 1, "source": source, "written": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "files": files}
    (folder / (MANIFEST + ".tmp")).write_text(json.dumps(manifest, indent=1) + "\n")
    os.replace(folder / (MANIFEST + ".tmp"), folder / MANIFEST)


def existing_problem(dest):
    """None if ``dest`` holds a valid dataset, else what is wrong with it.

    With a manifest, the files must match it; without one, their contents are checked once
    and a manifest is written (the folder is adopted).
    """
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
    except OSError as e:
        say(f"contents check passed (could not write a manifest: {e})")
    return None


def download(url, work, expected_md5):
    """Download ``url`` into the folder ``work`` with pooch. Returns the archive's path.

    pooch writes a temporary file, checks its MD5 and only then renames it; a wrong or
    partial file is deleted. An interrupted download is not resumed.
    """
    if "://" not in url or url.split("://")[0].lower() not in ("http", "https", "ftp"):
        raise UsageError(f"CIFAR10_URL={url!r}: expected an https://, http:// or ftp:// URL.",
                         f"For a file on this machine use CIFAR10_ARCHIVE=/path/to/{ARCHIVE_NAME}.")
    try:
        import pooch
    except ImportError as e:
        raise FetchError(f"downloading needs pooch, which {sys.executable} cannot import ({e}).",
                         "Activate the project's environment (source scripts/setup_env.sh) or "
                         f"install pooch ({sys.executable} -m pip install pooch), then run "
                         f"./get_datasets.sh again. {OFFLINE_FIX}") from None
    pooch.get_logger().setLevel("WARNING")  # we say what happens, without temporary paths
    say(f"downloading {url}")
    try:
        path = pooch.retrieve(url, known_hash=f"md5:{expected_md5}", fname=ARCHIVE_NAME,
                              path=work, progressbar=sys.stderr.isatty())
    except ValueError as e:  # a wrong MD5
        raise FetchError(f"the download from {url} is corrupt or not the CIFAR-10 archive: {e}",
                         f"Run ./get_datasets.sh again to download it afresh. {OFFLINE_FIX}") from None
    except OSError as e:  # requests' errors are OSErrors too
        raise FetchError(f"could not download {url} ({type(e).__name__}: {e}).", OFFLINE_FIX) from None
    say(f"download complete, MD5 {expected_md5} as expected")
    return Path(path)


@contextlib.contextmanager
def _signals_blocked():
    """Hold off Ctrl-C/TERM/HUP for the two renames that swap the dataset folder (POSIX)."""
    sigs = {signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGHUP", signal.SIGTERM)}
    old = signal.pthread_sigmask(signal.SIG_BLOCK, sigs) if hasattr(signal, "pthread_sigmask") else None
    try:
        yield
    finally:
        if old is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, old)


def install(archive, work, dest, expected_md5, label):
    """Extract and verify ``archive`` in the temporary folder ``work``, then swap it into ``dest``.

    An archive without ``expected_md5`` has its contents checked. Returns the archive's MD5.
    """
    md5 = file_digest(archive, "md5")
    say(f"extracting {label} into a temporary folder")
    extract_safely(archive, work, label)
    new = work / FOLDER
    if md5 == expected_md5:
        say(f"{label} has the expected MD5 {md5}")
        source = f"archive with the expected MD5 {md5}"
    else:
        say(f"NOTE: {label} has MD5 {md5}, which is NOT the official CIFAR-10 checksum "
            f"{expected_md5}. It is accepted only if its contents pass the checks.")
        say("checking the contents (restricted unpickler; shapes, dtype, label range)")
        check_contents(new, label)
        source = f"archive with MD5 {md5} (not the official one), contents checked"
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
    return md5


@contextlib.contextmanager
def _locked(datasets):
    """One get_datasets.sh at a time per datasets folder (POSIX advisory lock)."""
    try:
        import fcntl
    except ImportError:  # not POSIX: no locking
        yield
        return
    with open(datasets / LOCK_NAME, "a") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            say(f"another ./get_datasets.sh is working on {datasets}; waiting for it")
            fcntl.flock(f, fcntl.LOCK_EX)
        yield


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt(signal.Signals(signum).name)


def _parse_args(argv):
    parser = argparse.ArgumentParser(prog="get_datasets.sh", add_help=False)
    parser.add_argument("--archive", metavar="PATH")
    parser.add_argument("--force", action="store_true")

    def fail(message):
        raise UsageError(message, "See ./get_datasets.sh --help")

    parser.error = fail
    return parser.parse_args(argv)


def run(args, datasets):
    """Make ``datasets/cifar-10-batches-py`` hold a verified CIFAR-10. Returns the exit status."""
    dest = datasets / FOLDER
    expected_md5 = os.environ.get("CIFAR10_MD5", "").strip().lower() or OFFICIAL_MD5
    if len(expected_md5) != 32 or any(c not in "0123456789abcdef" for c in expected_md5):
        raise UsageError(f"CIFAR10_MD5={expected_md5!r} is not an MD5 (32 hex digits)")

    for stale in datasets.glob(TMP_PREFIX + "*"):  # of a killed run (we hold the lock)
        shutil.rmtree(stale, ignore_errors=True)
    if dest.exists() or dest.is_symlink():
        problem = None if args.force else existing_problem(dest)
        if args.force:
            say(f"--force: extracting again (the current {dest} stays until the new copy is verified)")
        elif problem is None:
            say(f"CIFAR-10 is already in {dest} and verified; nothing to do (--force extracts it again)")
            return 0
        else:
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
                             "Point CIFAR10_ARCHIVE / --archive at cifar-10-python.tar.gz itself "
                             "(a relative path is taken from the current folder), or unset it "
                             f"to download from {OFFICIAL_URL}.")
        label = f"the archive {path}"
        say(f"using {label} ({origin}); it is only read, never moved or deleted")

    # The download, the extraction and a replaced dataset all stay in ``work`` until the end.
    work = Path(tempfile.mkdtemp(prefix=TMP_PREFIX, dir=datasets))
    try:
        if archive is None:
            url = os.environ.get("CIFAR10_URL", "").strip() or OFFICIAL_URL
            path, label = download(url, work, expected_md5), f"the download from {url}"
        md5 = install(path, work, dest, expected_md5, label)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if md5 == expected_md5:
        say(f"done: CIFAR-10 is in {dest} (archive MD5 {md5} verified)")
    else:
        say(f"done: CIFAR-10 is in {dest}. The archive is NOT the official one (MD5 {md5}), "
            "but its contents passed the checks: five training batches and one test batch of "
            "10,000 images, 3,072 uint8 values each, labels 0-9")
    return 0


def main(argv=None):
    """Entry point of ``./get_datasets.sh``: returns 0 (done or nothing to do), 1, 2 or 130."""
    try:
        args = _parse_args(sys.argv[1:] if argv is None else argv)
        datasets = Path(os.environ.get("DATASETS_DIR", "").strip() or DEFAULT_DATASETS_DIR)
        datasets = datasets.expanduser().absolute()
        try:
            datasets.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise FetchError(f"cannot create the datasets folder {datasets}: {e}",
                             "Set DATASETS_DIR to a writable folder.") from None
        sigs = [getattr(signal, s) for s in ("SIGTERM", "SIGHUP") if hasattr(signal, s)]
        old = {s: signal.signal(s, _raise_interrupt) for s in sigs}
        try:
            with _locked(datasets):
                return run(args, datasets)
        finally:
            for s, handler in old.items():
                signal.signal(s, handler)
    except FetchError as e:
        print(f"get_datasets: error: {e}", file=sys.stderr)
        if e.fix:
            print(f"get_datasets: fix: {e.fix}", file=sys.stderr)
        return 2 if isinstance(e, UsageError) else 1
    except OSError as e:  # e.g. a read-only datasets folder
        print(f"get_datasets: error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("get_datasets: interrupted; temporary files removed and any existing dataset left "
              "as it was (a partial download is not kept: the next run starts it again)",
              file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
