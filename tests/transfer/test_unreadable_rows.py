"""Rows that cannot be read (bytes that are not UTF-8, giant cells) are reported with their
true line and the rest of the file goes in; the report is safe to open in a spreadsheet."""
import csv
import io

import pytest
from sqlalchemy import select

from exchange.extensions import db
from exchange.listings.models import Listing
from tests.transfer.conftest import HEADER, count, read_rejects, row, run, write_file

pytestmark = pytest.mark.usefixtures("app")


def csv_bytes(rows) -> list[bytes]:
    """Each record encoded on its own, so a test can spoil one and know its line."""
    records = []
    for cells in [dict(zip(HEADER, HEADER)), *rows]:
        buffer = io.StringIO()
        csv.DictWriter(buffer, fieldnames=list(HEADER), extrasaction="ignore").writerow(cells)
        records.append(buffer.getvalue().encode("utf-8"))
    return records


def first_line_of(records, index) -> int:
    return 1 + sum(record.count(b"\n") for record in records[:index])


def test_a_byte_that_is_not_utf8_rejects_its_row_only_with_the_true_line(app, tmp_path):
    # multi-line descriptions before the bad row: its line is not its row number
    rows = [row(n, description="Dòng một\nDòng hai\nDòng ba" if n % 3 else "Một dòng")
            for n in range(1, 36)]
    records = csv_bytes(rows)
    bad = 27  # row(27), inside the third batch of ten
    records[bad] = records[bad].replace("Máy sấy".encode(), b"M\xe1y s\xe2y")
    path = tmp_path / "old.csv"
    path.write_bytes(b"".join(records))

    result = run(app, "import-listings", path, "--batch-size", "10")

    assert result.exit_code == 0, result.output
    assert "35 row(s) read" in result.output
    assert "34 were created, 0 updated, 0 unchanged, 1 rejected" in result.output
    [rejected] = read_rejects(tmp_path / "old.rejects.csv")
    line = first_line_of(records, bad)
    assert line > bad + 1  # the descriptions' lines count
    assert rejected["line"] == str(line)
    assert f"line {line} is not UTF-8 text (byte 0xE1" in rejected["reason"]
    assert rejected["external_id"] == "old-27"
    assert count(Listing) == 34
    assert db.session.scalar(select(Listing).where(Listing.external_id == "old-27")) is None
    assert db.session.scalar(select(Listing).where(Listing.external_id == "old-30")) is not None


def test_a_bad_byte_inside_a_multiline_cell_names_its_own_line(app, tmp_path):
    records = csv_bytes([row(1), row(2, description="một\nhai\nba x"), row(3)])
    records[2] = records[2].replace(b"ba x", b"ba \xff")
    path = tmp_path / "old.csv"
    path.write_bytes(b"".join(records))
    result = run(app, "import-listings", path)
    assert "2 were created" in result.output and "1 rejected" in result.output
    [rejected] = read_rejects(tmp_path / "old.rejects.csv")
    assert rejected["line"] == "3"
    assert "line 5 is not UTF-8" in rejected["reason"]


def test_a_cell_over_128_kb_rejects_its_row_and_the_others_go_in(app, tmp_path):
    huge = "Mô tả rất dài. " * 10_000  # ~170 KB, past the csv module's default field limit
    path = write_file(tmp_path / "old.csv", [row(1), row(2, description=huge), row(3)])
    result = run(app, "import-listings", path)
    assert result.exit_code == 0, result.output
    assert "3 row(s) read" in result.output and "2 were created" in result.output
    [rejected] = read_rejects(tmp_path / "old.rejects.csv")
    assert (rejected["line"], rejected["column"]) == ("3", "description")
    assert "longer than 20000 characters" in rejected["reason"]
    assert count(Listing) == 2


def test_a_runaway_cell_is_reported_and_reading_goes_on(app, tmp_path):
    endless = "x" * (1 << 20) + "y"  # beyond the reader's own limit: an unclosed quote
    path = write_file(tmp_path / "old.csv", [row(1), row(2, description=endless), row(3)])
    result = run(app, "import-listings", path)
    assert result.exit_code == 0, result.output
    assert "2 were created" in result.output and "1 rejected" in result.output
    [rejected] = read_rejects(tmp_path / "old.rejects.csv")
    assert rejected["line"] == "3"
    assert "field larger than field limit" in rejected["reason"]
    assert sorted(db.session.scalars(select(Listing.external_id))) == ["old-1", "old-3"]


def test_the_report_escapes_formula_cells_like_the_export(app, tmp_path):
    path = write_file(tmp_path / "old.csv", [
        row(1, kind="=HYPERLINK(\"http://evil.example\",\"x\")", title="+1 máy sấy nông sản",
            summary="-giảm giá", keywords="@SUM(A1)", description="\tthụt lề"),
    ])
    result = run(app, "import-listings", path)
    assert "1 rejected" in result.output
    [rejected] = read_rejects(tmp_path / "old.rejects.csv")
    assert rejected["kind"] == "'=HYPERLINK(\"http://evil.example\",\"x\")"
    assert rejected["title"] == "'+1 máy sấy nông sản"
    assert rejected["summary"] == "'-giảm giá"
    assert rejected["keywords"] == "'@SUM(A1)"
    assert rejected["description"] == "'\tthụt lề"
    assert rejected["reason"].startswith("unknown kind")

    # the report imports again as it is, once fixed: the quotes come off
    fixed = tmp_path / "fixed.csv"
    with open(tmp_path / "old.rejects.csv", encoding="utf-8-sig", newline="") as f:
        report = list(csv.DictReader(f))
    report[0]["kind"] = "offer"
    with open(fixed, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(report[0]))
        writer.writeheader()
        writer.writerows(report)
    assert "1 were created" in run(app, "import-listings", fixed).output
    revision = db.session.scalars(select(Listing)).one().latest_revision
    assert revision.title == "+1 máy sấy nông sản" and revision.keywords == ["@SUM(A1)"]


def test_a_file_without_the_required_columns_leaves_no_report(app, tmp_path):
    path = write_file(tmp_path / "old.csv", [row(1)], header=("external_id", "title"))
    (tmp_path / "old.rejects.csv").write_text("line,column,reason\n9,title,from before\n")
    result = run(app, "import-listings", path)
    assert result.exit_code == 1 and "missing column(s)" in result.output
    assert not (tmp_path / "old.rejects.csv").exists()


def test_a_clean_file_leaves_no_report(app, tmp_path):
    path = write_file(tmp_path / "old.csv", [row(1), row(2)])
    result = run(app, "import-listings", path)
    assert result.exit_code == 0 and "2 were created" in result.output
    assert not (tmp_path / "old.rejects.csv").exists()


def test_a_report_that_cannot_be_written_is_refused_before_importing(app, tmp_path):
    path = write_file(tmp_path / "old.csv", [row(1), row(2, title="")])
    result = run(app, "import-listings", path, "--rejects", tmp_path / "nowhere" / "r.csv")
    assert result.exit_code == 2 and "cannot write" in result.output
    assert count(Listing) == 0
