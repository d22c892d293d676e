"""Writes one bench's section of docs/benchmarks.md, leaving the other sections as they are."""
from pathlib import Path

REPORT = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"


def write_section(start: str, end: str, section: str, path: Path = REPORT) -> Path:
    """Replace the text between the markers `start` and `end` (both included in `section`),
    or append `section` when the file has no such markers yet."""
    path.parent.mkdir(exist_ok=True)
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    if start in text and end in text:
        before, rest = text.split(start, 1)
        text = before + section + rest.split(end, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    path.write_text(text)
    return path
