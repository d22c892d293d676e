"""Bench: the costliest image upload the exchange accepts, in time and peak memory.

    .venv/bin/python -m bench.images

Each case runs in a fresh process, so its peak resident memory (getrusage) is its own:
decompression bombs that are small files with huge dimensions (PNG compresses a blank
picture 1000:1), through the verification of exchange/listings/files.py as it is now and
through the steps it took before the pixel budgets (kept below as the reference).
"""
import io
import json
import os
import resource
import struct
import subprocess
import sys
import tempfile
import time
import warnings
import zlib
from pathlib import Path

from bench.report import write_section

ROOT = Path(__file__).resolve().parents[1]
MARK_START = "<!-- bench:images:start -->"
MARK_END = "<!-- bench:images:end -->"


def blank_png(width: int, height: int, path: Path) -> Path:
    """A valid RGBA PNG of transparent pixels, compressed row by row (never in memory)."""
    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    packer = zlib.compressobj(9)
    row = b"\x00" * (1 + width * 4)
    idat = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    path.write_bytes(b"\x89PNG\r\n\x1a\n"
                     + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0))
                     + chunk(b"IDAT", idat) + chunk(b"IEND", b""))
    return path


def photo_jpeg(width: int, height: int, path: Path) -> Path:
    from PIL import Image
    Image.radial_gradient("L").resize((width, height)).convert("RGB").save(path, "JPEG",
                                                                           quality=85)
    return path


# --- the verification before the pixel budgets (40 MP per image, 8 images per request) ---

def legacy_prepare_image(data: bytes):
    from PIL import Image, ImageOps
    max_pixels = 40_000_000
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        with Image.open(io.BytesIO(data), formats=("JPEG", "PNG", "WEBP")) as image:
            fmt = image.format
            if image.size[0] * image.size[1] > max_pixels:
                raise ValueError("too many pixels")
            image.load()
            upright = ImageOps.exif_transpose(image)
            if upright.mode not in ("RGB", "RGBA", "L", "LA"):
                upright = upright.convert("RGB")
            clean = Image.new(upright.mode, upright.size)
            clean.paste(upright)
    if max(clean.size) > 2560:
        clean.thumbnail((2560, 2560))
    out = io.BytesIO()
    clean.save(out, "PNG" if fmt == "PNG" else "JPEG", optimize=True)
    thumb = clean.copy()
    thumb.thumbnail((480, 480))
    thumb.convert("RGB").save(io.BytesIO(), "JPEG", quality=80, optimize=True)
    return out.getvalue()


class Part:
    def __init__(self, data, filename):
        self.stream = io.BytesIO(data)
        self.filename = filename


def _status_mb(field: str) -> float | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _reset_peak() -> float:
    """The resident set now, with the kernel's peak (VmHWM) reset to it: getrusage's
    maxrss would also carry the parent's peak, which Linux keeps across exec."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass
    return _status_mb("VmRSS") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _peak_mb() -> float:
    return _status_mb("VmHWM") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(verifier: str, path: str, copies: int) -> dict:
    """Run in a child process: verify `copies` uploads of the file as one request."""
    sys.path.insert(0, str(ROOT))
    from config import Config
    from exchange import create_app
    from exchange.listings import files
    app = create_app(Config, SQLALCHEMY_DATABASE_URI="sqlite://")
    data = Path(path).read_bytes()
    with app.app_context():
        baseline = _reset_peak()
        started = time.perf_counter()
        try:
            if verifier == "legacy":
                for _ in range(copies):
                    legacy_prepare_image(data)
            else:
                files.prepare_images([Part(data, f"{n}.png") for n in range(copies)])
            outcome = "accepted"
        except (ValueError, files.UploadError) as exc:
            outcome = f"refused ({getattr(exc, 'code', 'too many pixels')})"
        seconds = time.perf_counter() - started
    return {"seconds": seconds, "baseline_mb": baseline, "peak_mb": _peak_mb(),
            "outcome": outcome}


def run_case(verifier: str, path: Path, copies: int) -> dict:
    result = subprocess.run(
        [sys.executable, "-m", "bench.images", "--measure", verifier, str(path), str(copies)],
        cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def write_report(rows: list, figures: dict) -> Path:
    lines = "\n".join(
        f"| {label} | {verifier} | {size} | {outcome} | {r['seconds']:.2f} s | "
        f"{r['baseline_mb']:.0f} → {r['peak_mb']:.0f} MB |"
        for label, verifier, size, outcome, r in rows)
    section = f"""{MARK_START}
## Image verification: the worst upload accepted

Decompression bombs (small files with huge dimensions: a blank RGBA PNG compresses about
1000:1) through `prepare_images()`, each case in a fresh process on {figures['cpus']} CPU(s),
{figures['when']}, 1-minute load average {figures['load']:.1f} at the start (the machine is
shared: compare the rows with each other). Memory is the process's resident set before the
verification and its peak during it (VmHWM, reset before each run). "Before" is the
verification as it was before the pixel budgets (40 MP per image, any 8 images per
request; its steps are kept in `bench/images.py`); "now" uses the defaults
`IMAGE_MAX_PIXELS={figures['image_budget']:,}` and
`IMAGE_REQUEST_MAX_PIXELS={figures['request_budget']:,}`. The last row is what a member
legitimately sends: eight 12-megapixel phone photos.

| upload | verifier | file | outcome | time | memory |
|---|---|---|---|---|---|
{lines}

Now the costliest accepted request is a form of PNGs at the per-image budget, as many as
the request budget allows: about what eight phone photos cost, and one image at a time in
memory. A larger PNG is refused from its header, before any pixel is decoded; a large JPEG
is decoded at a reduced scale (1/2, 1/4 or 1/8).
{MARK_END}"""
    return write_section(MARK_START, MARK_END, section)


def main() -> dict:
    sys.path.insert(0, str(ROOT))
    from exchange.listings.files import DEFAULT_IMAGE_PIXELS, DEFAULT_REQUEST_PIXELS
    workdir = Path(tempfile.mkdtemp(prefix="exchange-bench-images-"))
    side = int(DEFAULT_IMAGE_PIXELS ** 0.5)
    per_request = DEFAULT_REQUEST_PIXELS // (side * side)
    bomb = blank_png(6300, 6300, workdir / "bomb.png")
    budget = blank_png(side, side, workdir / "budget.png")
    phone = photo_jpeg(8000, 6000, workdir / "phone.jpg")
    photo = photo_jpeg(4032, 3024, workdir / "photo.jpg")

    def size(path):
        return f"{path.stat().st_size / 1024:,.0f} KB"

    cases = [
        ("one 6300×6300 PNG (39.7 MP)", "before", bomb, 1),
        ("eight 6300×6300 PNGs in one form", "before", bomb, 8),
        ("one 6300×6300 PNG (39.7 MP)", "now", bomb, 1),
        ("eight 6300×6300 PNGs in one form", "now", bomb, 8),
        (f"one {side}×{side} PNG (the per-image budget)", "now", budget, 1),
        (f"{per_request} {side}×{side} PNGs in one form (the request budget)", "now", budget,
         per_request),
        (f"{per_request + 1} {side}×{side} PNGs in one form", "now", budget, per_request + 1),
        ("one 8000×6000 JPEG (48 MP phone photo)", "before", phone, 1),
        ("one 8000×6000 JPEG (48 MP phone photo)", "now", phone, 1),
        ("eight 4032×3024 JPEGs (12 MP phone photos) in one form", "now", photo, 8),
    ]
    rows = []
    load = os.getloadavg()[0]
    for label, verifier, path, copies in cases:
        print(f"{verifier}: {label}…", flush=True)
        result = run_case("legacy" if verifier == "before" else "current", path, copies)
        rows.append((label, verifier, size(path), result["outcome"], result))
        print(f"  {result['outcome']}, {result['seconds']:.2f} s, "
              f"{result['baseline_mb']:.0f} → {result['peak_mb']:.0f} MB", flush=True)
    figures = {"cpus": os.cpu_count(), "when": time.strftime("%Y-%m-%d"), "load": load,
               "image_budget": DEFAULT_IMAGE_PIXELS, "request_budget": DEFAULT_REQUEST_PIXELS}
    print(f"written to {write_report(rows, figures)}")
    return {"rows": [(label, verifier, r) for label, verifier, _size, _o, r in rows]}


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--measure":
        print(json.dumps(measure(sys.argv[2], sys.argv[3], int(sys.argv[4]))))
    else:
        main()
