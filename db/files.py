"""Item image files under `home/images/<item id>/`, written so a crash never leaves half an item.

An item's files are written into a hidden temporary folder and renamed into place in one step
(an atomic rename on the same file system), so a folder named after an item is always complete.
A folder without a database row is an orphan from a crash between the rename and the row's
commit; reconciliation deletes it.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Mapping
from pathlib import Path, PurePosixPath

IMAGES = "images"
# The files of an item folder (core/item_builder.py writes them; an import checks for them).
ORIGINAL = "original"  # + the photo's own extension: the bytes are kept exactly as uploaded
CUTOUT = "cutout.png"  # transparent PNG for display
THUMBNAIL = "thumbnail.png"
_TMP_PREFIX = ".tmp-"


class ImageFiles:
    """The images folder of one home. Paths handed out are relative to the home (POSIX form)."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.root = home / IMAGES

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
        shutil.rmtree(self.folder(item_id), ignore_errors=True)

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
