"""Read a submission zip without trusting it.

:func:`read_submission` returns ``{relative posix path: bytes}`` for the regular files of
the zip, or raises :class:`Refused` with a message a student understands, for:

- not a zip file (or a damaged one);
- an entry with an absolute path, a drive letter, a backslash or a ``..`` component;
- a symlink, a device file, a FIFO or a socket (from the Unix mode bits of the entry);
- more than ``max_files`` entries, a file over ``max_file_bytes``, more than
  ``max_total_bytes`` in all, and compression bombs: an entry whose compression ratio is
  over ``max_ratio``. Sizes are enforced while decompressing, not only as the zip declares
  them, so a zip that lies about its sizes is refused too.

Nothing is written to disk here. A single top folder wrapping everything (``assignment1/``,
as the release's zip has it) is removed.
"""
from __future__ import annotations

import stat
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath


class Refused(Exception):
    """The submission cannot be graded; ``str(exc)`` says why, for the student."""


@dataclass(frozen=True)
class ZipLimits:
    max_files: int = 300
    max_file_bytes: int = 50 * 2**20  # a float64 net of 1,000 hidden units is 25 MB
    max_total_bytes: int = 100 * 2**20
    max_ratio: float = 200.0  # uncompressed / compressed, for entries over 1 MiB
    min_ratio_check_bytes: int = 2**20


def _check_name(name):
    if "\\" in name or "\x00" in name:
        raise Refused(f"{name!r}: a file name with a backslash or a NUL byte")
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        raise Refused(f"{name!r}: an absolute path; the zip must hold relative paths only")
    parts = PurePosixPath(name).parts
    if ".." in parts:
        raise Refused(f"{name!r}: a path with '..', which would leave the submission folder")
    return "/".join(p for p in parts if p not in ("", "."))


def _check_type(info):
    mode = info.external_attr >> 16
    if info.create_system == 3 and mode:  # Unix mode bits present
        kind = stat.S_IFMT(mode)
        if kind == stat.S_IFLNK:
            raise Refused(f"{info.filename!r}: a symbolic link; submit regular files only")
        if kind in (stat.S_IFCHR, stat.S_IFBLK, stat.S_IFIFO, stat.S_IFSOCK):
            raise Refused(f"{info.filename!r}: a device file, FIFO or socket; submit regular files only")


def read_submission(path, limits=ZipLimits()):
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise Refused(f"not a zip file ({exc}); upload the cs231n_submission.zip that "
                      "collect_submission.sh writes") from None
    with archive:
        infos = archive.infolist()
        if len(infos) > limits.max_files:
            raise Refused(f"{len(infos)} entries in the zip: more than the {limits.max_files} allowed")
        files, total = {}, 0
        for info in infos:
            name = _check_name(info.filename)
            _check_type(info)
            if info.is_dir() or not name:
                continue
            if info.flag_bits & 0x1:
                raise Refused(f"{info.filename!r}: an encrypted entry")
            if info.file_size > limits.max_file_bytes:
                raise Refused(f"{info.filename!r}: {info.file_size} bytes, over the "
                              f"{limits.max_file_bytes} allowed for one file")
            if (info.file_size > limits.min_ratio_check_bytes
                    and info.file_size > limits.max_ratio * max(info.compress_size, 1)):
                raise Refused(f"{info.filename!r}: compressed {info.file_size / max(info.compress_size, 1):.0f} "
                              "to 1, a compression bomb")
            total += info.file_size
            if total > limits.max_total_bytes:
                raise Refused(f"more than {limits.max_total_bytes} bytes uncompressed in all")
            data = _read_capped(archive, info, limits)
            if name in files:
                raise Refused(f"{name!r} appears twice in the zip")
            files[name] = data
    return _strip_top_folder(files)


def _read_capped(archive, info, limits):
    """The entry's bytes, stopping as soon as it grows past what it declared or the caps."""
    cap = min(info.file_size, limits.max_file_bytes)
    chunks, size = [], 0
    try:
        with archive.open(info) as f:
            while True:
                chunk = f.read(1 << 16)
                if not chunk:
                    break
                size += len(chunk)
                if size > cap:
                    raise Refused(f"{info.filename!r}: decompresses to more than it declares "
                                  "(a compression bomb or a damaged zip)")
                chunks.append(chunk)
    except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError, ValueError) as exc:
        raise Refused(f"{info.filename!r}: damaged entry ({exc})") from None
    return b"".join(chunks)


def _strip_top_folder(files):
    tops = {name.split("/", 1)[0] for name in files}
    if len(tops) == 1 and all("/" in name for name in files):
        top = tops.pop()
        if top not in ("cs231n", "notebooks"):
            return {name.split("/", 1)[1]: data for name, data in files.items()}
    return files
