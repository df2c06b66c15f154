"""Reading a feed's raw .txt members from a zip or a directory, and the digest over them."""

from __future__ import annotations

import hashlib
import os
import zipfile
import zlib
from pathlib import Path, PurePosixPath

from routing.gtfs.findings import InvalidFeed
from routing.gtfs.schema import CALENDAR_TABLES, REQUIRED_TABLES

# A guard against zip bombs; the largest real feeds we expect are a few hundred MB.
MAX_UNCOMPRESSED_BYTES = 4 * 1024**3
_ROOT_MARKERS = frozenset(f"{name}.txt" for name in REQUIRED_TABLES + CALENDAR_TABLES)


def _choose_root(paths: list[str]) -> str | None:
    """The folder holding the feed: the one with most GTFS files, the shallowest on a tie.

    Publishers often zip the folder rather than its contents, so the files may sit one level down.
    """
    folders: dict[str, int] = {}
    for p in paths:
        posix = PurePosixPath(p)
        folder = str(posix.parent)
        folders[folder] = folders.get(folder, 0) + (posix.name in _ROOT_MARKERS)
    if not folders:
        return None
    return max(folders, key=lambda f: (folders[f], -f.count("/") - (f != ".")))


def _is_junk(path: str) -> bool:
    parts = PurePosixPath(path).parts
    return any(part.startswith(("__MACOSX", ".")) for part in parts)


def _zip_members(path: Path) -> dict[str, bytes]:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise InvalidFeed(
            f"{path} is neither a directory nor a readable zip archive ({exc})") from exc
    with archive:
        infos = [
            i for i in archive.infolist()
            if not i.is_dir() and i.filename.lower().endswith(".txt") and not _is_junk(i.filename)
        ]
        if sum(i.file_size for i in infos) > MAX_UNCOMPRESSED_BYTES:
            raise InvalidFeed(f"{path} unpacks to more than {MAX_UNCOMPRESSED_BYTES} bytes")
        root = _choose_root([i.filename for i in infos])
        members: dict[str, bytes] = {}
        for info in infos:
            if str(PurePosixPath(info.filename).parent) != root:
                continue
            try:
                members[PurePosixPath(info.filename).name] = archive.read(info)
            except (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError,
                    OSError) as exc:
                raise InvalidFeed(f"{path}: member {info.filename} is corrupt ({exc})") from exc
    return members


def _directory_members(path: Path) -> dict[str, bytes]:
    found = [
        p.relative_to(path).as_posix()
        for pattern in ("*.txt", "*/*.txt")
        for p in path.glob(pattern)
        if p.is_file() and not _is_junk(p.relative_to(path).as_posix())
    ]
    root = _choose_root(found)
    members: dict[str, bytes] = {}
    for rel in found:
        if str(PurePosixPath(rel).parent) == root:
            try:
                members[PurePosixPath(rel).name] = (path / rel).read_bytes()
            except OSError as exc:
                raise InvalidFeed(f"{path}: cannot read {rel} ({exc})") from exc
    return members


def read_members(path: str | os.PathLike) -> dict[str, bytes]:
    """The feed's .txt files by base name; FileNotFoundError or InvalidFeed if there is no feed."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"GTFS feed not found: {path}")
    members = _directory_members(path) if path.is_dir() else _zip_members(path)
    if not members:
        raise InvalidFeed(f"{path} contains no GTFS .txt files")
    return members


def digest_members(members: dict[str, bytes]) -> str:
    """sha256 over (name, length, bytes) of the members in name order; lengths avoid ambiguity."""
    h = hashlib.sha256()
    for name in sorted(members):
        data = members[name]
        encoded = name.encode("utf-8")
        h.update(len(encoded).to_bytes(8, "big"))
        h.update(encoded)
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
    return h.hexdigest()


def feed_digest(path: str | os.PathLike) -> str:
    """Digest of a feed's .txt files; a zip and the same files unzipped give the same value."""
    return digest_members(read_members(path))
