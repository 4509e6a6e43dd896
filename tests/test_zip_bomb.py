"""A workbook that would inflate far beyond any real list is refused before it is read."""

from __future__ import annotations

import io
import zipfile

import pytest

from parsers.ice_workbook import WorkbookError, parse_workbook
from tests.support.tracker import publish, run_cli, sheet
from tests.support.workbooks import row, workbook


def bomb(padding_mb: int) -> bytes:
    """A real workbook whose sheet carries `padding_mb` MB of blank space: tiny compressed."""
    source = zipfile.ZipFile(io.BytesIO(workbook([row()])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename != "xl/worksheets/sheet1.xml":
                target.writestr(info.filename, data)
                continue
            head, tail = data.split(b"<sheetData>", 1)
            with target.open(info.filename, "w", force_zip64=True) as sheet_file:
                sheet_file.write(head + b"<sheetData>")
                for _ in range(padding_mb):
                    sheet_file.write(b" " * 2**20)
                sheet_file.write(tail)
    return out.getvalue()


@pytest.mark.parametrize(("padding_mb", "reason"), [(120, "would inflate to 120 MB"), (5, "inflates")])
def test_a_zip_bomb_is_refused_with_a_reason_before_its_sheet_is_read(padding_mb, reason):
    data = bomb(padding_mb)
    assert len(data) < 2**20
    with pytest.raises(WorkbookError, match=f"refused: .*{reason}.*zip bomb"):
        parse_workbook(data, "participating")


def test_a_zip_bomb_on_ices_page_is_refused_and_the_store_keeps_the_last_good_list(mirror, tracker_env):
    publish(mirror, sheet("20250519_024922_participating"))
    assert run_cli(tracker_env, "once", "--only", "ice").returncode == 0
    publish(mirror, bomb(120), participating_name="participatingAgencies06072025am.xlsx")
    result = run_cli(tracker_env, "once", "--only", "ice")
    assert result.returncode == 1
    assert "zip bomb" in result.stdout
    exported = run_cli(tracker_env, "export", "--format", "csv")
    assert len(exported.stdout.splitlines()) == 1 + 571


def test_hyperlinks_after_megabytes_of_rows_are_still_read():
    rows = [row(agency=f"Town {i} " + "Police Department " * 60) for i in range(1_500)]
    rows.append(row(agency="Ocala Police Department", moa="MOA", moa_link="https://www.ice.gov/doclib/ocala.pdf"))
    data = workbook(rows)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.getinfo("xl/worksheets/sheet1.xml").file_size > 2**20  # read in more than one chunk
    parsed = parse_workbook(data, "participating")
    assert parsed.records[-1].moa_url == "https://www.ice.gov/doclib/ocala.pdf"
