"""Fetch CIFAR-10 safely: the Python side of ``./get_datasets.sh`` (see its ``--help``).

What it guarantees:

- The archive is either the official one (MD5 ``c58f30108f718f92721af3b95e74349a``) or a
  local archive whose contents pass the same checks ``cs231n.data_utils`` makes when it
  loads a batch (seven members; 5 + 1 batches of 10,000 uint8 images of 3,072 values;
  labels 0-9; unpickled with the restricted unpickler, never plain ``pickle``).
- Extraction never trusts the archive's paths: only ``cifar-10-batches-py/`` and its seven
  regular files are accepted (absolute paths, ``..``, links, devices and anything else are
  refused), and each file is written by this module under a name it chose.
- Everything is extracted into a temporary folder inside the datasets folder and renamed
  into place only once complete and verified, so a failure (truncated, corrupt or wrong
  archive, Ctrl-C, full disk) leaves an existing dataset exactly as it was.
- After a verified extraction a small manifest (sizes and SHA-256 of the seven files) is
  written next to the data; a re-run that finds the data matching it does nothing.

Only the standard library is needed, except for the content check of a non-official
archive, which uses NumPy through ``cs231n.data_utils``.
"""
from __future__ import annotations

import os
import sys

if __name__ == "__main__":
    # Run as a script, Python puts cs231n/tools/ first on sys.path, where a module of the
    # package could shadow a standard one. Put the repository root there instead, so that
    # ``cs231n.data_utils`` imports from this checkout.
    _here = os.path.dirname(os.path.abspath(__file__))
    if sys.path and sys.path[0] and os.path.abspath(sys.path[0]) == _here:
        sys.path[0] = os.path.dirname(os.path.dirname(_here))

import argparse
import bz2
import contextlib
import gzip
import hashlib
import http.client
import json
import shutil
import signal
import subprocess
import tarfile
import tempfile
import time
import urllib.error
import urllib.request
import zlib
from pathlib import Path

OFFICIAL_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
OFFICIAL_MD5 = "c58f30108f718f92721af3b95e74349a"
ARCHIVE_NAME = "cifar-10-python.tar.gz"
FOLDER = "cifar-10-batches-py"
#: The seven files of the archive's folder. Equal to ``cs231n.data_utils.MEMBERS`` (a test
#: checks it); repeated here because data_utils needs NumPy and fetching the official
#: archive does not.
MEMBERS = tuple(f"data_batch_{i}" for i in range(1, 6)) + ("test_batch", "batches.meta", "readme.html")
BATCHES = MEMBERS[:6]
MANIFEST = ".manifest.json"
TMP_PREFIX = ".cifar-10-tmp-"
LOCK_NAME = ".get_datasets.lock"
#: A batch is about 31 MB (up to twice that if Python 3 wrote it with protocol 2); anything
#: far bigger is not CIFAR-10 and is refused before it can fill the disk.
MAX_MEMBER_BYTES = 128 * 2**20
DEFAULT_DATASETS_DIR = Path(__file__).resolve().parents[2] / "datasets"
DOWNLOADERS = ("curl", "wget", "python")
CHUNK = 1 << 20

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


class UsageError(FetchError):
    """Bad command line or environment (exit status 2)."""


class NumPyMissing(FetchError):
    """The content check needs NumPy, which this Python cannot import."""


def say(message):
    print(f"get_datasets: {message}", flush=True)


def file_digest(path, algorithm):
    """Hex digest of a file, read in 1 MB chunks."""
    h = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(CHUNK), b""):
            h.update(block)
    return h.hexdigest()


# ----------------------------------------------------------------------------- archive

class _Refused(Exception):
    """An archive member that must not be extracted."""


def member_target(info):
    """Which of :data:`MEMBERS` a tar member is (``None`` for the folder itself).

    Raises _Refused with the reason for anything else: absolute paths, ``..``, links,
    devices, FIFOs, other directories, files outside ``cifar-10-batches-py/`` or not one of
    the seven expected names, and oversized files.
    """
    name = info.name
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        raise _Refused("absolute path")
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise _Refused("path traversal ('..')")
    if info.issym():
        raise _Refused(f"symbolic link (to '{info.linkname}')")
    if info.islnk():
        raise _Refused(f"hard link (to '{info.linkname}')")
    if info.isdev():
        raise _Refused("device or FIFO")
    if not parts or parts[0] != FOLDER:
        raise _Refused(f"outside {FOLDER}/")
    if info.isdir():
        if len(parts) == 1:
            return None
        raise _Refused("unexpected directory")
    if not info.isreg():
        raise _Refused("not a regular file")
    if len(parts) != 2 or parts[1] not in MEMBERS:
        raise _Refused(f"not one of the CIFAR-10 files {', '.join(MEMBERS)}")
    if info.size > MAX_MEMBER_BYTES:
        raise _Refused(f"{info.size} bytes, far more than any CIFAR-10 file")
    return parts[1]


class _HashingReader:
    """A file wrapper that computes the MD5 of what is read through it."""

    def __init__(self, f):
        self.f = f
        self.md5 = hashlib.md5()

    def read(self, n=-1):
        data = self.f.read(n)
        self.md5.update(data)
        return data


def _decompressed(reader, magic):
    """The decompressed stream of a gzip, bzip2 or xz file (``reader`` itself if none)."""
    if magic.startswith(b"\x1f\x8b"):
        return gzip.GzipFile(fileobj=reader, mode="rb")
    if magic.startswith(b"BZh"):
        return bz2.BZ2File(reader)
    if magic.startswith(b"\xfd7zXZ\x00"):
        import lzma  # optional in some Python builds
        return lzma.LZMAFile(reader)
    return reader


def extract_safely(archive, out_dir, label):
    """Extract the seven CIFAR-10 files of ``archive`` into ``out_dir``, refusing anything else.

    Inputs:
    - archive: path of a tar archive (gzip, bzip2, xz or uncompressed).
    - out_dir: an empty folder; receives ``data_batch_1`` ... ``readme.html``.
    - label: how to name the archive in messages.

    Returns a tuple of:
    - files: {file name: {"size": bytes, "sha256": hex digest}} for the seven files.
    - md5: the MD5 of the archive file (computed on the way: it is read only once).
    Raises FetchError if the archive is unreadable, truncated, incomplete or unsafe.
    """
    files = {}
    try:
        with open(archive, "rb") as raw:
            magic = raw.read(6)
            raw.seek(0)
            reader = _HashingReader(raw)
            stream = _decompressed(reader, magic)
            # Stream mode reads the archive once, front to back, like ``tar xzf``.
            with tarfile.open(fileobj=stream, mode="r|") as tar:
                for info in tar:
                    try:
                        name = member_target(info)
                        if name in files:
                            raise _Refused("appears twice")
                    except _Refused as e:
                        raise FetchError(
                            f"refusing {label}: member '{info.name}' is unsafe or unexpected: {e}. "
                            "Nothing was installed; a genuine CIFAR-10 archive holds only "
                            f"{FOLDER}/ and its seven files.",
                            ARCHIVE_FIX,
                        ) from None
                    if name is None:
                        continue
                    src = tar.extractfile(info)
                    h = hashlib.sha256()
                    size = 0
                    # Written by us, under a name we chose: the member's path is never used.
                    with open(out_dir / name, "xb") as dst:
                        for block in iter(lambda: src.read(CHUNK), b""):
                            h.update(block)
                            dst.write(block)
                            size += len(block)
                    if size != info.size:
                        raise EOFError(f"{info.name} ends after {size} of {info.size} bytes")
                    files[name] = {"size": size, "sha256": h.hexdigest()}
                # Read to the very end: a truncated gzip/bzip2/xz file fails its trailer check
                # here even when the tar part looks complete; this also completes the MD5.
                for _ in iter(lambda: stream.read(CHUNK), b""):
                    pass
                for _ in iter(lambda: reader.read(CHUNK), b""):
                    pass
    except FetchError:
        raise
    except ImportError as e:  # lzma missing from this Python
        raise FetchError(f"this Python cannot read {label} ({e}).",
                         "Use the .tar.gz archive.") from None
    except OSError as e:
        if e.errno is not None:  # a real I/O error (full disk, permissions), not bad gzip data
            raise FetchError(f"I/O error while extracting {label}: {e}",
                             "Free some disk space or fix the permissions of the datasets "
                             "folder, then run ./get_datasets.sh again.") from None
        raise _corrupt(label, e) from None
    except (tarfile.TarError, EOFError, zlib.error, ValueError) as e:
        raise _corrupt(label, e) from None
    missing = [m for m in MEMBERS if m not in files]
    if missing:
        raise FetchError(
            f"{label} is incomplete: {FOLDER}/{', '.join(missing)} missing "
            "(a truncated download, or not a CIFAR-10 archive).",
            ARCHIVE_FIX,
        )
    return files, reader.md5.hexdigest()


def _corrupt(label, e):
    return FetchError(f"{label} is truncated or corrupt ({type(e).__name__}: {e}).", ARCHIVE_FIX)


# ----------------------------------------------------------------------------- contents

def _data_utils():
    """Import cs231n.data_utils (needs NumPy) or explain how to get NumPy."""
    try:
        from cs231n import data_utils
    except ImportError as e:
        raise NumPyMissing(
            "checking the contents of CIFAR-10 files needs NumPy, which "
            f"{sys.executable} cannot import ({e}).",
            "Activate the project's environment (source scripts/setup_env.sh) or install "
            f"NumPy ({sys.executable} -m pip install numpy), then run ./get_datasets.sh again.",
        ) from None
    return data_utils


def check_contents(folder, label):
    """Check the seven CIFAR-10 files in ``folder`` like ``cs231n.data_utils`` loads them.

    Every batch goes through the restricted unpickler and the batch checks of
    ``load_CIFAR_batch`` (10,000 images of 3,072 uint8 values, labels 0..9); ``batches.meta``
    must unpickle safely to a dict with ten label names. Raises FetchError naming the file
    and the problem; ``label`` says where the files come from.
    """
    du = _data_utils()
    import numpy as np  # importable: data_utils needs it

    hint = getattr(du, "_FETCH_HINT", None)
    missing = [m for m in MEMBERS if not (folder / m).is_file()]
    if missing:
        raise FetchError(f"{label}: {', '.join(missing)} missing.", ARCHIVE_FIX)
    for name in BATCHES:
        try:
            du.load_CIFAR_batch(folder / name, dtype=np.uint8)
        except (du.CIFAR10FormatError, du.CIFAR10NotFoundError) as e:
            # Name the file as the user knows it, not by its temporary path.
            problem = str(e).replace(str(folder / name), name)
            if hint:
                problem = problem.replace(hint, "").strip()
            raise FetchError(f"{label}: {problem}", ARCHIVE_FIX) from None
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


# ----------------------------------------------------------------------------- manifest

def write_manifest(folder, files, source):
    """Record sizes and SHA-256 of the seven files (written atomically)."""
    manifest = {
        "format": 1,
        "source": source,
        "written": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "files": {name: files[name] for name in MEMBERS},
    }
    tmp = folder / (MANIFEST + ".tmp")
    tmp.write_text(json.dumps(manifest, indent=1) + "\n")
    os.replace(tmp, folder / MANIFEST)


def manifest_problem(folder):
    """None if ``folder`` matches its manifest, else what does not match."""
    try:
        files = json.loads((folder / MANIFEST).read_text())["files"]
        expected = {name: (int(files[name]["size"]), str(files[name]["sha256"])) for name in MEMBERS}
    except (OSError, ValueError, KeyError, TypeError) as e:
        return f"its manifest is unreadable ({type(e).__name__}: {e})"
    for name, (size, sha256) in expected.items():
        path = folder / name
        if not path.is_file():
            return f"{name} is missing"
        if path.stat().st_size != size:
            return f"{name} has {path.stat().st_size} bytes, the manifest says {size}"
    # Sizes first (free), then content: SHA-256 of the 180 MB takes a fraction of a second.
    for name, (size, sha256) in expected.items():
        if file_digest(folder / name, "sha256") != sha256:
            return f"{name} differs from the copy that was verified (SHA-256 mismatch)"
    return None


def existing_problem(dest):
    """None if ``dest`` holds a valid dataset (adopting it with a manifest), else the problem."""
    if not dest.is_dir():
        return "it is not a folder"
    if (dest / MANIFEST).exists():
        return manifest_problem(dest)
    missing = [m for m in MEMBERS if not (dest / m).is_file()]
    if missing:
        return f"{', '.join(missing)} missing"
    say(f"{dest} has no manifest yet: checking its contents")
    try:
        check_contents(dest, str(dest))
    except NumPyMissing as e:
        raise NumPyMissing(str(e), e.fix + " Or run ./get_datasets.sh --force to replace the "
                           "folder with a fresh copy of the official archive.") from None
    except FetchError as e:
        return str(e)
    files = {m: {"size": (dest / m).stat().st_size, "sha256": file_digest(dest / m, "sha256")}
             for m in MEMBERS}
    try:
        write_manifest(dest, files, "existing folder, contents checked by get_datasets.sh")
        say(f"contents check passed; wrote {dest / MANIFEST} so later runs are quick")
    except OSError as e:
        say(f"contents check passed (could not write a manifest: {e})")
    return None


# ----------------------------------------------------------------------------- install

@contextlib.contextmanager
def _signals_blocked():
    """Hold off Ctrl-C/TERM/HUP for the two renames that swap the dataset folder."""
    sigs = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}
    old = signal.pthread_sigmask(signal.SIG_BLOCK, sigs)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def install(archive, datasets, expected_md5, label):
    """Extract and verify ``archive`` in a temporary folder, then move it into place.

    Inputs:
    - archive: path of the archive (only read).
    - datasets: the datasets folder; receives ``cifar-10-batches-py/``.
    - expected_md5: the official MD5; an archive without it has its contents checked.
    - label: how to name the archive in messages.

    Returns the archive's MD5.
    """
    dest = datasets / FOLDER
    tmp = Path(tempfile.mkdtemp(prefix=TMP_PREFIX, dir=datasets))
    try:
        new = tmp / FOLDER
        new.mkdir()
        say(f"extracting {label} into a temporary folder")
        files, md5 = extract_safely(archive, new, label)
        if md5 == expected_md5:
            say(f"{label} has the expected MD5 {md5}")
            source = f"archive with the expected MD5 {md5}"
        else:
            say(f"NOTE: {label} has MD5 {md5}, which is NOT the official CIFAR-10 checksum "
                f"{expected_md5}. It is accepted only if its contents pass the checks.")
            say("checking the contents (restricted unpickler; shapes, dtype, label range)")
            check_contents(new, label)
            source = f"archive with MD5 {md5} (not the official one), contents checked"
        write_manifest(new, files, source)
        with _signals_blocked():
            if dest.exists() or dest.is_symlink():
                old = tmp / "previous"
                os.rename(dest, old)
                try:
                    os.rename(new, dest)
                except BaseException:
                    os.rename(old, dest)
                    raise
            else:
                os.rename(new, dest)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)  # also removes the replaced folder
    return md5


# ----------------------------------------------------------------------------- download

_CURL_ERRORS = {6: "could not resolve the host name", 7: "could not connect to the server",
                22: "the server returned an HTTP error", 28: "the connection timed out",
                35: "TLS handshake failed", 56: "the connection was interrupted",
                60: "the server's certificate could not be verified"}
_WGET_ERRORS = {4: "network failure", 5: "TLS/certificate verification failed",
                8: "the server returned an error"}


def _run_tool(tool, url, part, quiet):
    """Download ``url`` into ``part``, resuming it. Returns (ok, detail, resume_refused)."""
    if tool == "python":
        return _download_python(url, part, quiet)
    if tool == "curl":
        cmd = ["curl", "--fail", "--location", "--retry", "2", "--connect-timeout", "30",
               "--speed-limit", "1024", "--speed-time", "60", "--continue-at", "-",
               "--output", str(part), "--write-out", "%{http_code}"]
        cmd += ["--silent", "--show-error"] if quiet else ["--progress-bar"]
    else:
        cmd = ["wget", "--tries=3", "--timeout=60", "--continue", "-O", str(part)]
        cmd += ["--no-verbose"] if quiet else ["--quiet", "--show-progress"]
    proc = subprocess.run(cmd + [url], stdout=subprocess.PIPE, text=True)
    if proc.returncode == 0:
        return True, "", False
    if tool == "curl":
        code = proc.stdout.strip()[-3:]
        # 33: the server ignores byte ranges; 416: the .part is not a prefix of the file.
        refused = proc.returncode == 33 or code == "416"
        reason = _CURL_ERRORS.get(proc.returncode, "see the message above")
        if code not in ("", "000"):
            reason += f", HTTP status {code}"
        return False, f"curl exit status {proc.returncode}: {reason}", refused
    reason = _WGET_ERRORS.get(proc.returncode, "see the message above")
    return False, f"wget exit status {proc.returncode}: {reason}", False


def _download_python(url, part, quiet):
    """The fallback downloader (urllib), with HTTP Range resume."""
    start = part.stat().st_size if part.exists() else 0
    request = urllib.request.Request(url, headers={"User-Agent": "cs231n-get_datasets"})
    if start:
        request.add_header("Range", f"bytes={start}-")
    try:
        with urllib.request.urlopen(request, timeout=60) as resp:
            status = getattr(resp, "status", None)  # None for file:// URLs
            resumed = (start and status == 206
                       and resp.headers.get("Content-Range", "").startswith(f"bytes {start}-"))
            length = resp.headers.get("Content-Length")
            total = (int(length) if length and length.isdigit() else 0) + (start if resumed else 0)
            done = start if resumed else 0
            next_report = done + total // 10 if total else float("inf")
            # A server that ignores Range sends the whole file: start the .part again.
            read = getattr(resp, "read1", resp.read)  # read1: write what has arrived so far
            with open(part, "ab" if resumed else "wb") as out:
                for block in iter(lambda: read(CHUNK), b""):
                    out.write(block)
                    done += len(block)
                    if not quiet and done >= next_report:
                        print(f"  {done / 2**20:.0f} of {total / 2**20:.0f} MB", file=sys.stderr)
                        next_report += total // 10
    except urllib.error.HTTPError as e:
        return False, f"HTTP error {e.code} {e.reason}", e.code == 416
    except (urllib.error.URLError, http.client.HTTPException, OSError) as e:
        reason = getattr(e, "reason", e)
        return False, f"{type(e).__name__}: {reason}", False
    return True, "", False


def choose_downloader():
    wanted = os.environ.get("CIFAR10_DOWNLOADER", "").strip().lower()
    if wanted:
        if wanted not in DOWNLOADERS:
            raise UsageError(f"CIFAR10_DOWNLOADER={wanted!r}: expected one of {', '.join(DOWNLOADERS)}")
        if wanted != "python" and shutil.which(wanted) is None:
            raise UsageError(f"CIFAR10_DOWNLOADER={wanted} but {wanted} is not installed")
        return wanted
    return next(t for t in DOWNLOADERS if t == "python" or shutil.which(t))


def download(url, part, expected_md5):
    """Download ``url`` into ``part`` (resuming it) and check its MD5. Returns ``part``.

    A download whose MD5 is wrong is deleted (resuming it could never fix it); one that
    fails half-way is kept for the next run to resume.
    """
    if part.exists() and part.stat().st_size:
        if file_digest(part, "md5") == expected_md5:
            say(f"{part} is a complete download from an earlier run; using it")
            return part
    tool = choose_downloader()
    quiet = not sys.stderr.isatty()
    start = part.stat().st_size if part.exists() else 0
    say(f"downloading {url} with {tool}"
        + (f", resuming the {start:,} bytes in {part}" if start else f" into {part}"))
    ok, detail, refused = _run_tool(tool, url, part, quiet)
    if not ok and start and part.exists() and file_digest(part, "md5") == expected_md5:
        ok = True  # the .part was already complete (the server answered 416)
    elif not ok and refused:
        say(f"could not resume ({detail}); downloading again from the start")
        part.unlink()
        ok, detail, refused = _run_tool(tool, url, part, quiet)
    if not ok:
        if part.exists() and part.stat().st_size == 0:
            part.unlink()
        kept = part.exists()
        raise FetchError(
            f"could not download {url} ({detail})."
            + (f" The partial download is kept in {part}." if kept else ""),
            ("Run ./get_datasets.sh again to resume it once the network is back. " if kept else "")
            + OFFLINE_FIX,
        )
    md5 = file_digest(part, "md5")
    if md5 != expected_md5:
        part.unlink()
        raise FetchError(
            f"the download from {url} has MD5 {md5}, not the expected {expected_md5}: it is "
            "corrupt or not the CIFAR-10 archive, so it was deleted.",
            "Run ./get_datasets.sh again to download it afresh. " + OFFLINE_FIX,
        )
    say(f"download complete, MD5 {md5} as expected")
    return part


# ----------------------------------------------------------------------------- main

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

    # Stale temporary folders of a killed run (we hold the lock, so none is in use).
    for stale in datasets.glob(TMP_PREFIX + "*"):
        shutil.rmtree(stale, ignore_errors=True)

    if dest.exists() or dest.is_symlink():
        if args.force:
            say(f"--force: extracting again (the current {dest} stays until the new copy is verified)")
        else:
            problem = existing_problem(dest)
            if problem is None:
                say(f"CIFAR-10 is already in {dest} and verified; nothing to do "
                    "(--force extracts it again)")
                return 0
            say(f"{dest} is not a valid CIFAR-10 ({problem}); fetching a fresh copy "
                "(the current folder stays until the new copy is verified)")

    archive = args.archive or os.environ.get("CIFAR10_ARCHIVE", "").strip() or None
    origin = "--archive" if args.archive else "CIFAR10_ARCHIVE"
    if archive is None and (datasets / ARCHIVE_NAME).is_file():
        archive, origin = str(datasets / ARCHIVE_NAME), "found in the datasets folder"
    downloaded = None
    if archive is not None:
        path = Path(archive).expanduser()
        if not path.exists():
            raise FetchError(f"the archive {path} ({origin}) does not exist.",
                             "Check the path (relative paths are taken from the current "
                             "folder), or unset CIFAR10_ARCHIVE to download from "
                             f"{OFFICIAL_URL}.")
        if not path.is_file():
            raise FetchError(f"the archive {path} ({origin}) is not a file.",
                             "Point CIFAR10_ARCHIVE / --archive at cifar-10-python.tar.gz itself.")
        label = f"the archive {path}"
        say(f"using {label} ({origin}); it is only read, never moved or deleted")
    else:
        url = os.environ.get("CIFAR10_URL", "").strip() or OFFICIAL_URL
        path = downloaded = download(url, datasets / (ARCHIVE_NAME + ".part"), expected_md5)
        label = f"the download {path}"

    md5 = install(path, datasets, expected_md5, label)
    if downloaded is not None:
        downloaded.unlink()  # the data is in place; the 163 MB archive is not needed
    if md5 == expected_md5:
        say(f"done: CIFAR-10 is in {dest} (archive MD5 {md5} verified)")
    else:
        say(f"done: CIFAR-10 is in {dest}. The archive is NOT the official one (MD5 {md5}), "
            "but its contents passed the checks: five training batches and one test batch of "
            "10,000 images, 3,072 uint8 values each, labels 0-9")
    return 0


def main(argv=None):
    """Entry point of ``./get_datasets.sh``: returns 0 (done or nothing to do), 1 or 2."""
    try:
        args = _parse_args(sys.argv[1:] if argv is None else argv)
        datasets = Path(os.environ.get("DATASETS_DIR", "").strip() or DEFAULT_DATASETS_DIR)
        datasets = datasets.expanduser().absolute()
        try:
            datasets.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise FetchError(f"cannot create the datasets folder {datasets}: {e}",
                             "Set DATASETS_DIR to a writable folder.") from None
        old = {s: signal.signal(s, _raise_interrupt) for s in (signal.SIGTERM, signal.SIGHUP)}
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
        print("get_datasets: interrupted; temporary files removed and any existing dataset "
              "left as it was (a partial download, if any, is kept as "
              f"{ARCHIVE_NAME}.part and resumed next time)", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
