"""Item image files under `home/images/<item id>/`, written so a crash never leaves half an item.

An item's files are written into a hidden temporary folder and renamed into place in one step
(an atomic rename on the same file system), so a folder named after an item is always complete.
A folder without a database row is an orphan: a crash between the rename and the row's commit,
or a database that is not this folder's (lost, or a mistyped URL). An original photo is the one
thing nothing else holds, so no repair ever deletes one: orphans (and interrupted writes that
hold an original) are moved to `home/quarantine/`, from where `doctor --adopt` brings them back.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Mapping
from pathlib import Path, PurePosixPath

IMAGES = "images"
QUARANTINE = "quarantine"
# The files of an item folder (core/photos/item_builder.py writes them; an import checks for them).
ORIGINAL = "original"  # + the photo's own extension: the bytes are kept exactly as uploaded
CUTOUT = "cutout.png"  # transparent PNG for display
THUMBNAIL = "thumbnail.png"
_TMP_PREFIX = ".tmp-"


def holds_original(path: Path) -> bool:
    """Whether a file is, or a folder contains, an original photo (at any depth)."""
    if path.is_file():
        return path.name.startswith(ORIGINAL) or path.name.startswith(
            f"{_TMP_PREFIX}{ORIGINAL}")
    return path.is_dir() and any(holds_original(child) for child in path.iterdir())


class ImageFiles:
    """The images folder of one home. Paths handed out are relative to the home (POSIX form)."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.root = home / IMAGES
        self.quarantine_root = home / QUARANTINE

    def relative(self, item_id: str, filename: str) -> str:
        return str(PurePosixPath(IMAGES, item_id, filename))

    def absolute(self, relative: str) -> Path:
        return self.home / PurePosixPath(relative)

    def folder(self, item_id: str) -> Path:
        return self.root / item_id

    def write_item(self, item_id: str, files: Mapping[str, bytes]) -> dict[str, str]:
        """Write all of an item's files at once; returns filename -> relative path."""
        target = self.folder(item_id)
        if target.exists():
            raise FileExistsError(f"{target} already exists")
        tmp = self.root / f"{_TMP_PREFIX}{item_id}-{uuid.uuid4().hex[:8]}"
        tmp.mkdir(parents=True)
        try:
            for name, data in files.items():
                (tmp / name).write_bytes(data)
            tmp.rename(target)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return {name: self.relative(item_id, name) for name in files}

    def replace_files(self, item_id: str, files: Mapping[str, bytes]) -> dict[str, str]:
        """Overwrite some files of an existing item, each by write-to-temp then rename."""
        folder = self.folder(item_id)
        for name, data in files.items():
            tmp = folder / f"{_TMP_PREFIX}{name}"
            tmp.write_bytes(data)
            tmp.replace(folder / name)
        return {name: self.relative(item_id, name) for name in files}

    def delete_item(self, item_id: str) -> None:
        """Remove an item's folder: only for an item the person deleted, or files this very
        call wrote and failed to commit. Anything else goes to `quarantine`."""
        shutil.rmtree(self.folder(item_id), ignore_errors=True)

    def quarantine(self, path: Path) -> Path:
        """Move a file or folder out of `images/` into `quarantine/` (never deleted); returns
        where it went. A name already taken there gets a numbered suffix."""
        self.quarantine_root.mkdir(parents=True, exist_ok=True)
        name = path.name.removeprefix(_TMP_PREFIX) if path.parent == self.root else (
            f"{path.parent.name}-{path.name.removeprefix(_TMP_PREFIX)}")
        target = self.quarantine_root / name
        n = 1
        while target.exists():
            n += 1
            target = self.quarantine_root / f"{name}-{n}"
        path.rename(target)
        return target

    def quarantined(self) -> list[Path]:
        """What `quarantine` has set aside, oldest name first."""
        if not self.quarantine_root.is_dir():
            return []
        return sorted(self.quarantine_root.iterdir())

    def set_aside(self, path: Path) -> str:
        """Clear a leftover or orphan out of the images folder: quarantined when it holds an
        original, removed otherwise (a half-written cut-out or thumbnail). Says which."""
        if holds_original(path):
            return f"moved to {self.quarantine(path).relative_to(self.home)}"
        self.remove(path)
        return "removed"

    def item_folders(self) -> set[str]:
        """Names of complete item folders on disk."""
        if not self.root.is_dir():
            return set()
        return {
            p.name for p in self.root.iterdir() if p.is_dir() and not p.name.startswith(_TMP_PREFIX)
        }

    def leftovers(self) -> list[Path]:
        """Temporary files and folders left by an interrupted write."""
        if not self.root.is_dir():
            return []
        found = [p for p in self.root.iterdir() if p.name.startswith(_TMP_PREFIX)]
        for folder in self.root.iterdir():
            if folder.is_dir() and not folder.name.startswith(_TMP_PREFIX):
                found.extend(p for p in folder.iterdir() if p.name.startswith(_TMP_PREFIX))
        return found

    @staticmethod
    def remove(path: Path) -> None:
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
