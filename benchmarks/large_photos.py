"""Peak memory of loading very large photos (`core.photos.images.load_image`), as a table.

    .venv/bin/python benchmarks/large_photos.py [--sizes 48,200] [--keep DIR]

Each photo is a real garment photo (tests/fixtures/colours/) enlarged to the size measured, so
it compresses like a photo rather than like a flat test pattern; JPEG quality 90, PNG
compression level 1, HEIC quality 80 (pillow-heif/x265; encoding a 48 MP HEIC takes about a
minute, so 200 MP HEIC is left out). Every load runs in a fresh Python process that first loads
a small photo of the same format (codecs and imports are warm) and then reports:

- peak RSS growth: the process's peak resident memory during the load (Linux VmHWM, reset just
  before it via /proc/self/clear_refs) minus its resident memory then (the file's bytes already
  read): what the machine must have free for one upload;
- tracemalloc peak: Python-level allocations only (Pillow's pixel buffers are C allocations and
  are not seen by tracemalloc; numpy's are);
- the RGB size of the photo at full resolution, for comparison.

Settings: max_side 2048 and max_pixels 200 MP (the defaults).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SOURCE = ROOT / "tests" / "fixtures" / "colours" / "0090ca2c-e8c8-43f6-b764-e48e0e954006.jpg"
SIDES = {48: (8000, 6000), 200: (16000, 12500)}  # megapixels -> (width, height)
FORMATS = {"JPEG": ("jpg", {"quality": 90}), "PNG": ("png", {"compress_level": 1}),
           "HEIF": ("heic", {"quality": 80})}
LIMITS = {"max_pixels": 200_000_000, "max_side": 2048}


def _status_mb(field: str) -> float | None:
    """VmRSS / VmHWM of this process from /proc (Linux), in MB; None elsewhere."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _reset_peak() -> float:
    """Start a fresh peak-RSS count at the present RSS; returns that RSS (MB). Linux resets
    VmHWM on `echo 5 > /proc/self/clear_refs`; ru_maxrss cannot be reset (and on Linux carries
    over from the parent process across exec), so it is only the fallback."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return _status_mb("VmRSS") or 0.0
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _peak_mb() -> float:
    hwm = _status_mb("VmHWM")
    return hwm if hwm is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(path: Path) -> None:
    """Measure one load in this (fresh) process and print the numbers as JSON."""
    from PIL import Image

    from core.photos.images import image_bytes, load_image

    warm = Image.open(SOURCE).convert("RGB")
    fmt = {"jpg": "JPEG", "png": "PNG", "heic": "HEIF"}[path.suffix[1:]]
    load_image(image_bytes(warm, fmt), f"warm.{path.suffix}", **LIMITS)
    data = path.read_bytes()
    before = _reset_peak()
    tracemalloc.start()
    started = time.perf_counter()
    loaded = load_image(data, path.name, **LIMITS)
    seconds = time.perf_counter() - started
    traced = tracemalloc.get_traced_memory()[1] / 2**20
    print(json.dumps({"rss_growth_mb": _peak_mb() - before, "traced_mb": traced,
                      "seconds": seconds, "size": list(loaded.original_size),
                      "out": list(loaded.image.size), "file_mb": len(data) / 2**20}))


def make(folder: Path, megapixels: int, fmt: str) -> Path:
    """The test photo of this size and format (made once; reused with --keep)."""
    import pillow_heif
    from PIL import Image

    pillow_heif.register_heif_opener()
    suffix, options = FORMATS[fmt]
    path = folder / f"photo-{megapixels}mp.{suffix}"
    if not path.exists():
        with Image.open(SOURCE) as small:
            big = small.convert("RGB").resize(SIDES[megapixels], Image.Resampling.BILINEAR)
        big.save(path, format=fmt, **options)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="48,200", help="megapixels to measure: 48, 200")
    parser.add_argument("--keep", type=Path, help="folder to keep the generated photos in")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    cases = [(mp, fmt) for mp in map(int, args.sizes.split(",")) for fmt in FORMATS
             if not (mp > 48 and fmt == "HEIF")]
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        print("| photo | file MB | loaded as | peak RSS growth MB | full-size RGB MB | "
              "tracemalloc peak MB | seconds |")
        print("| --- | --- | --- | --- | --- | --- | --- |")
        for megapixels, fmt in cases:
            path = make(folder, megapixels, fmt)
            run = subprocess.run([sys.executable, __file__, "--child", str(path)],
                                 capture_output=True, text=True, check=True)
            got = json.loads(run.stdout.strip().splitlines()[-1])
            width, height = got["size"]
            print(f"| {fmt} {width}x{height} ({width * height / 1e6:.0f} MP) | "
                  f"{got['file_mb']:.1f} | {got['out'][0]}x{got['out'][1]} | "
                  f"{got['rss_growth_mb']:.0f} | {width * height * 3 / 2**20:.0f} | "
                  f"{got['traced_mb']:.1f} | {got['seconds']:.2f} |")


if __name__ == "__main__":
    main()
