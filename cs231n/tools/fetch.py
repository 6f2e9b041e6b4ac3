"""Fetch CIFAR-10 safely: the Python side of ``./get_datasets.sh`` (see its ``--help``).

pooch downloads and checks the MD5; an archive with another MD5 must pass the content checks of
``cs231n.data_utils``. Only the seven files are extracted, into a temporary folder that replaces
the data once verified; a manifest (sizes, SHA-256) lets a re-run stop at once.
"""
import os
import sys
from pathlib import Path

if __name__ == "__main__" and __spec__ is None:
    # Python put cs231n/tools/ first on sys.path: put the checkout's root there instead, so that
    # cs231n is imported from here and no module of tools/ can shadow a standard one.
    sys.path[0] = str(Path(__file__).resolve().parents[2])

import argparse
import contextlib
import hashlib
import json
import shutil
import signal
import tarfile
import tempfile
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

OFFLINE_FIX = (f"Offline or behind a firewall: get {ARCHIVE_NAME} on another machine (or from a "
               f"mirror) and run  CIFAR10_ARCHIVE=/path/to/{ARCHIVE_NAME} ./get_datasets.sh  "
               f"(or ./get_datasets.sh --archive /path/to/{ARCHIVE_NAME}).")
ARCHIVE_FIX = (f"Use an intact copy of the official archive: download {OFFICIAL_URL} again "
               "(./get_datasets.sh without CIFAR10_ARCHIVE/--archive), or point CIFAR10_ARCHIVE "
               "at a good copy.")
OS_FIX = ("Check the path above (free space, permissions, a file where a folder should be) or set "
          "DATASETS_DIR to another datasets folder, then run ./get_datasets.sh again.")


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
        (not (info.isdir() or info.isreg()), "device, FIFO or other special file"),
        (parts[:1] != [FOLDER], f"outside {FOLDER}/"),
        (info.isdir() and len(parts) > 1, "unexpected directory"),
        (info.isreg() and parts[1:] not in [[m] for m in MEMBERS],
         f"not one of the CIFAR-10 files {', '.join(MEMBERS)}"),
        (info.size > MAX_MEMBER_BYTES, f"{info.size} bytes, far more than any CIFAR-10 file"),
    ]:
        if bad:
            raise _Refused(reason)
    return None if info.isdir() else parts[1]


def extract_safely(archive, out_dir, label):
    """Extract the seven files of ``archive`` into ``out_dir/FOLDER``, or raise FetchError."""
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
                    raise FetchError(f"refusing {label}: member '{info.name}' is unsafe or unexpected: "
                                     f"{e}. Nothing was installed; a genuine CIFAR-10 archive holds "
                                     f"only {FOLDER}/ and its seven files.", ARCHIVE_FIX) from None
            # To the end: a truncated gzip/bzip2/xz fails its trailer check even if the tar is whole.
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
    """Check the files in ``folder`` as ``cs231n.data_utils`` loads them, or raise FetchError."""
    try:
        from cs231n import data_utils as du
    except ImportError as e:
        raise missing_package("NumPy", "checking the contents of CIFAR-10 files", e) from None
    try:
        for name in MEMBERS[:6]:
            du.load_CIFAR_batch(folder / name, dtype="uint8")
    except (du.CIFAR10FormatError, du.CIFAR10NotFoundError) as e:  # named without the temp path
        problem = str(e).replace(f"{folder}{os.sep}", "").replace(du._FETCH_HINT, "").strip()
        raise FetchError(f"{label}: {problem}", ARCHIVE_FIX) from None
    try:  # unsafe globals, truncation, garbage, another layout: all mean a bad file
        names = du.restricted_load(folder / "batches.meta")["label_names"]
        if len(names) != du.NUM_CLASSES or not all(isinstance(n, str) for n in names):
            raise ValueError(f"{len(names)} label names, or not all strings")
    except Exception as e:
        raise FetchError(f"{label}: batches.meta: not a safe CIFAR-10 metadata pickle with ten "
                         f"label names ({type(e).__name__}: {e})", ARCHIVE_FIX) from None


def fingerprint(folder):
    """What the manifest records of the seven files: sizes and SHA-256."""
    return {m: {"size": (folder / m).stat().st_size, "sha256": file_digest(folder / m, "sha256")}
            for m in MEMBERS}


def write_manifest(folder, source):
    manifest = {"format": 1, "source": source, "files": fingerprint(folder)}
    (folder / "manifest.tmp").write_text(json.dumps(manifest, indent=1) + "\n")
    os.replace(folder / "manifest.tmp", folder / MANIFEST)  # never half a manifest


def existing_problem(dest):
    """What is wrong with ``dest``, or None. A folder without a manifest is checked, then adopted."""
    if not dest.is_dir():
        return "it is not a folder"
    missing = [m for m in MEMBERS if not (dest / m).is_file()]
    if missing:
        return f"{', '.join(missing)} missing"
    if (dest / MANIFEST).exists():
        try:  # 180 MB to hash: a fraction of a second
            recorded = json.loads((dest / MANIFEST).read_text())["files"]
            changed = [f"{m} ({now['size']} bytes, {recorded[m]['size']} when verified)"
                       for m, now in fingerprint(dest).items() if now != recorded[m]]
        except (ValueError, KeyError, TypeError) as e:
            return f"its manifest is unreadable ({type(e).__name__}: {e})"
        return f"{', '.join(changed)}: changed since it was verified (SHA-256)" if changed else None
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
    """Download ``url`` into ``work`` (pooch keeps a file only once its MD5 is right)."""
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


def install(archive, work, dest, expected_md5, label):
    """Extract ``archive`` into the temporary folder ``work``, verify it, swap it into ``dest``."""
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
        done = f"(archive MD5 {md5}: NOT the official one, but its contents passed the checks)"
    write_manifest(new, source)
    # The swap: Ctrl-C and the stop signals wait (POSIX) until both renames are done.
    posix = hasattr(signal, "pthread_sigmask")
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, *_STOP_SIGNALS}) if posix else None
    try:
        if os.path.lexists(dest):
            os.rename(dest, work / "previous")  # removed with ``work``
        os.rename(new, dest)
    except BaseException:
        if os.path.lexists(work / "previous") and not os.path.lexists(dest):
            os.rename(work / "previous", dest)
        raise
    finally:
        if posix:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
    say(f"done: CIFAR-10 is in {dest} {done}")


@contextlib.contextmanager
def _locked(datasets):
    """One get_datasets.sh at a time per datasets folder (POSIX advisory lock)."""
    with open(datasets / ".get_datasets.lock", "a") as f:
        try:
            import fcntl
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except ImportError:  # not POSIX: no locking
            pass
        except BlockingIOError:
            say(f"another ./get_datasets.sh is working on {datasets}; waiting for it")
            fcntl.flock(f, fcntl.LOCK_EX)
        yield


def run(args, datasets):
    """Make ``datasets/cifar-10-batches-py`` hold a verified CIFAR-10."""
    dest = datasets / FOLDER
    expected_md5 = os.environ.get("CIFAR10_MD5", "").strip().lower() or OFFICIAL_MD5
    if len(expected_md5) != 32 or any(c not in "0123456789abcdef" for c in expected_md5):
        raise FetchError(f"CIFAR10_MD5={expected_md5!r} is not an MD5 (32 hex digits)",
                         "Unset CIFAR10_MD5 to expect the official MD5, or set it to the archive's.", 2)
    for stale in datasets.glob(TMP_PREFIX + "*"):  # of a killed run (we hold the lock)
        shutil.rmtree(stale, ignore_errors=True)
    if args.force and os.path.lexists(dest):
        say(f"--force: extracting again (the current {dest} stays until the new copy is verified)")
    elif os.path.lexists(dest):
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
            problem = "is not a file" if path.exists() else "does not exist"
            raise FetchError(f"the archive {path} ({origin}) {problem}.", f"Point CIFAR10_ARCHIVE or "
                             f"--archive at {ARCHIVE_NAME} itself (a relative path is taken from the "
                             f"current folder), or unset it to download {OFFICIAL_URL}.")
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
    usage = "./get_datasets.sh [--archive PATH] [--force] [--help]"  # the script prints the help
    parser = argparse.ArgumentParser("get_datasets", usage, add_help=False)
    parser.add_argument("--archive", metavar="PATH")
    parser.add_argument("--force", action="store_true")
    args = parser.parse_args(argv)  # a usage error exits with status 2
    try:
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
        print("get_datasets: interrupted; temporary files removed and any existing dataset left as "
              "it was (a partial download is not kept: the next run starts it again)", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
