#!/usr/bin/env python3
"""Build the tampered workbooks and broken keys kept under tests/data (run from the repo root):

    python tests/data/tampered/make_tampered.py

tests/data/keys/committee.key and other.key (passphrase "tally test passphrase", test data only)
are made once and then kept, so the signatures stay the same; everything else is rebuilt from
samples/event.toml and samples/ballots.xlsx. Run it again when the minutes' layout changes:
tests/test_verify.py fails on signed.xlsx until then, which is the point — a layout change
breaks the verification of minutes signed earlier.

manifest.json lists every workbook with the checks that must fail on it (none for signed.xlsx).
Most are edits an attacker with a zip tool and a text editor makes to the signed minutes (issue
#10): each changes what Excel or LibreOffice print, or adds something verification cannot judge.
They are made from the current signed.xlsx, so they follow layout changes.
"""

from __future__ import annotations

import io
import json
import re
import sys
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
TESTS = HERE.parent.parent
sys.path[:0] = [str(TESTS.parent), str(TESTS)]

import openpyxl
from cryptography.hazmat.primitives import serialization
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.styles import Alignment, Font
from sigtools import (
    KEYS,
    PASSPHRASE,
    count_sample,
    edit_cells,
    person_row,
    replace_embedded,
    sample_key,
    set_number_format,
)

from tally.keys import new_key
from tally.sign import EmbeddedSignature, sign_results
from tally.snapshot import read_snapshot

Edit = Callable[[bytes], bytes]


def zip_edit(src: Path, dest: Path, edits: dict[str, Edit], add: dict[str, bytes] | None = None) -> None:
    """Change parts of the package as text, as someone with a zip tool and an editor would."""
    out = io.BytesIO()
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename in edits:
                new = edits[info.filename](data)
                assert new != data, f"edit of {info.filename} changed nothing"
                data = new
            zout.writestr(zipfile.ZipInfo(info.filename, date_time=info.date_time), data)
        for name, data in (add or {}).items():     # fixed times: the same edit gives the same bytes
            zout.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data)
    dest.write_bytes(out.getvalue())


def sub(pattern: str, repl: str, count: int = 1) -> Edit:
    def edit(data: bytes) -> bytes:
        text, n = re.subn(pattern, repl, data.decode("utf-8"), count=count, flags=re.DOTALL)
        assert n, pattern
        return text.encode("utf-8")
    return edit


def chain(*edits: Edit) -> Edit:
    def edit(data: bytes) -> bytes:
        for e in edits:
            data = e(data)
        return data
    return edit


def with_openpyxl(src: Path, dest: Path, change: Callable[[openpyxl.Workbook], None]) -> None:
    """An edit made in a spreadsheet program (openpyxl load and save)."""
    wb = openpyxl.load_workbook(src, rich_text=True)
    change(wb)
    wb.save(dest)


def cell_xml(ref: str) -> str:
    """A regex for the cell `ref` as tally writes it."""
    return rf'<c r="{ref}"(?: [^>]*)?(?:/>|>.*?</c>)'


REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
DRAWING = (b'<xdr:wsDr xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing" '
           b'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"><xdr:absoluteAnchor>'
           b'<xdr:pos x="0" y="0"/><xdr:ext cx="900000" cy="300000"/><xdr:sp><xdr:nvSpPr><xdr:cNvPr id="2" '
           b'name="TextBox 1"/><xdr:cNvSpPr txBox="1"/></xdr:nvSpPr><xdr:spPr><a:prstGeom prst="rect"/>'
           b'<a:solidFill><a:srgbClr val="FFFFFF"/></a:solidFill></xdr:spPr><xdr:txBody><a:bodyPr/><a:p><a:r>'
           b'<a:t>2</a:t></a:r></a:p></xdr:txBody></xdr:sp><xdr:clientData/></xdr:absoluteAnchor></xdr:wsDr>')


def tampered_minutes(signed: Path, manifest: dict[str, dict[str, object]]) -> None:
    """Every class of edit issue #10 lists, each kept as a workbook with the checks it fails."""
    snap = read_snapshot(signed)
    names = [n for n in snap.sheets if snap.states[n] == "visible"]
    part = {n: snap.detail[n].part for n in snap.sheets}
    sheet, row, person = person_row(signed, 0, 0)
    fsheet, frow, fperson = person_row(signed, flagged=True)
    p1, pf = part[sheet], part[fsheet]
    low = f"J{frow}"
    low_value = fperson["low"]
    s1 = part[names[0]]
    book = "xl/workbook.xml"
    book_rels = "xl/_rels/workbook.xml.rels"
    types = "[Content_Types].xml"
    # the header row of the persons' table, and the label of a meeting count
    head = next(ref for ref, c in snap.detail[sheet].cells.items() if c.value in ("Họ và tên", "Name"))
    label = next(ref for ref, c in snap.detail[sheet].cells.items()
                 if isinstance(c.value, str) and c.value.startswith("5. "))

    def add(name: str, fails: list[str], what: str) -> None:
        manifest[name] = {"fails": sorted(fails), "what": what}

    def by_zip(name: str, fails: list[str], what: str, edits: dict[str, Edit],
               extra: dict[str, bytes] | None = None) -> None:
        zip_edit(signed, HERE / name, edits, extra)
        add(name, fails, what)

    def by_app(name: str, fails: list[str], what: str, change: Callable[[openpyxl.Workbook], None]) -> None:
        with_openpyxl(signed, HERE / name, change)
        add(name, fails, what)

    # --- read differently from how spreadsheet programs read it (E921) ---
    by_zip("low-count.xlsx", ["tables", "appearance"], f"a low count of {low_value} shown as {low_value // 10}",
           {pf: sub(rf'(<c r="{low}"[^>]*><v>){low_value}</v>', rf"\g<1>{low_value // 10}</v>")})
    by_zip("r-mismatch.xlsx", ["structure", "tables", "appearance"], "a cell whose r names another row than its <row>",
           {p1: sub(rf'<c r="F{row}"', f'<c r="F{row + 1}"')})
    by_zip("lower-case-ref.xlsx", ["structure", "tables", "appearance"], "a lower-case cell reference",
           {p1: sub(rf'<c r="F{row}"', f'<c r="f{row}"')})
    by_zip("inline-with-v.xlsx", ["structure"], "an inline string that also carries a <v>",
           {p1: sub(rf'(<c r="B{row}"[^>]*><is><t>[^<]*</t></is>)', r"\g<1><v>0</v>")})
    by_zip("two-sheetdata.xlsx", ["structure"], "a second <sheetData> with another count",
           {p1: sub(r"</sheetData>", f'</sheetData><sheetData><row r="{row}"><c r="F{row}"><v>0</v></c></row>'
                                      f"</sheetData>")})
    by_zip("duplicate-cell.xlsx", ["structure"], "the same cell twice in a row",
           {p1: sub(rf'(<c r="F{row}"[^>]*><v>[^<]*</v></c>)', rf'\g<1><c r="F{row}" t="n"><v>0</v></c>')})
    by_zip("sheet-in-extlst.xlsx", ["package"], "a <sheet> inside the workbook's extLst",
           {book: sub(r"</workbook>", '<extLst><ext uri="{00000000-0000-0000-0000-000000000001}">'
                                       f'<sheets><sheet xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" name="{names[0]}" sheetId="9" r:id="rId1"/></sheets>'
                                       "</ext></extLst></workbook>")})
    # --- printed but never compared (E922) ---
    by_zip("column-header.xlsx", ["appearance"], "a column header of the table changed",
           {p1: sub(rf'(<c r="{head}"[^>]*><is><t>)[^<]*', r"\g<1>Họ và tên (đã bãi nhiệm)")})
    by_zip("meeting-label.xlsx", ["appearance"], "the label of a meeting count changed",
           {p1: sub(rf'(<c r="{label}"[^>]*><is><t>)[^<]*', r"\g<1>5. Số phiếu không thu về:")})
    by_zip("extra-text.xlsx", ["appearance"], "an extra text cell beside a person",
           {p1: sub(rf'(<row r="{row}"[^>]*>.*?)</row>', r'\g<1><c r="M'
                    + str(row) + r'" t="inlineStr"><is><t>Bãi nhiệm</t></is></c></row>')})
    by_zip("header.xlsx", ["appearance"], "a page header added: BẢN SAO",
           {s1: sub(r"<oddHeader\s*/>|<oddHeader>.*?</oddHeader>", "<oddHeader>&amp;CBẢN SAO</oddHeader>")})
    by_zip("footer-fingerprint.xlsx", ["appearance"], "another fingerprint in the footer",
           {s1: sub(r"SHA-256: [0-9a-f ]+", "SHA-256: 0000 1111 2222 3333 4444 5555 6666 7777 8888 9999 aaaa "
                                             "bbbb cccc dddd eeee ffff")})
    by_zip("footer-1pt.xlsx", ["appearance"], "the footer's fingerprint printed at 1 pt",
           {s1: sub(r"&amp;8 ", "&amp;1 ")})
    by_zip("fabricated-first-sheet.xlsx", ["appearance"], "a fabricated minutes sheet placed first",
           {book: sub(r"<sheets>", '<sheets><sheet xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" name="Biên bản" sheetId="9" state="visible" r:id="rIdX"/>'),
            book_rels: sub(r"</Relationships>", f'<Relationship Id="rIdX" Type="{REL}/worksheet" '
                                                 'Target="/xl/worksheets/sheet99.xml"/></Relationships>'),
            types: sub(r"</Types>", '<Override PartName="/xl/worksheets/sheet99.xml" ContentType="application/'
                                    'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')},
           {"xl/worksheets/sheet99.xml": zipfile.ZipFile(signed).read(p1).replace(
               f"<v>{low_value}</v>".encode(), f"<v>{low_value // 10}</v>".encode())})
    by_zip("new-visible-sheet.xlsx", ["appearance"], "a new visible sheet at the end",
           {book: sub(r"</sheets>", '<sheet xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" name="Ghi chú" sheetId="9" state="visible" r:id="rIdX"/></sheets>'),
            book_rels: sub(r"</Relationships>", f'<Relationship Id="rIdX" Type="{REL}/worksheet" '
                                                 'Target="/xl/worksheets/sheet99.xml"/></Relationships>'),
            types: sub(r"</Types>", '<Override PartName="/xl/worksheets/sheet99.xml" ContentType="application/'
                                    'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')},
           {"xl/worksheets/sheet99.xml": b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
            b'main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>B\xc3\xa3i nhi\xe1\xbb\x87m</t></is></c>'
            b"</row></sheetData></worksheet>"})
    by_zip("print-area.xlsx", ["appearance"], "a print area that leaves out the persons' table",
           {book: sub(r"<definedNames>", '<definedNames><definedName name="_xlnm.Print_Area" localSheetId="0">'
                                          f"'{names[0]}'!$A$1:$L$10</definedName>")})
    by_zip("first-sheet.xlsx", ["appearance"], "another sheet opens first",
           {book: sub(r'activeTab="0"', f'activeTab="{len(names) - 1}"')})
    by_zip("sheet-hidden.xlsx", ["appearance", "display"], "a group's minutes sheet hidden",
           {book: sub(rf'(<sheet\b[^>]*? name="{re.escape(names[1])}" sheetId="\d+") state="visible"',
                      r'\g<1> state="hidden"')})
    # --- appearance (E922) ---
    by_app("font-colour-fill.xlsx", ["appearance"], "a low count in white on white",
           lambda wb: setattr(wb[fsheet][low], "font", Font(name="Times New Roman", size=12, color="FFFFFF")))
    by_app("font-1pt.xlsx", ["appearance"], "a low count in 1 pt",
           lambda wb: setattr(wb[fsheet][low], "font", Font(name="Times New Roman", size=1)))
    rich_small = CellRichText(str(low_value)[:-1], TextBlock(InlineFont(sz=1), str(low_value)[-1]))
    by_app("rich-1pt.xlsx", ["appearance"], f"the low count {low_value} as rich text, its last digit in 1 pt",
           lambda wb: setattr(wb[fsheet][low], "value", rich_small))
    rich_white = CellRichText(str(low_value)[:-1], TextBlock(InlineFont(color="FFFFFF"), str(low_value)[-1]))
    by_app("rich-background.xlsx", ["appearance"], "the low count's last digit in the background colour",
           lambda wb: setattr(wb[fsheet][low], "value", rich_white))
    by_app("leading-newlines.xlsx", ["appearance"], "a name pushed out of its row by leading newlines",
           lambda wb: setattr(wb[sheet][f"B{row}"], "value", "\n\n\n\n" + person["name"]))
    by_app("shrink.xlsx", ["appearance"], "a flagged person's note shrunk to fit",
           lambda wb: setattr(wb[fsheet][f"L{frow}"], "alignment", Alignment(shrink_to_fit=True)))
    by_app("row-height.xlsx", ["appearance"], "a person's row 0.75 pt high",
           lambda wb: setattr(wb[fsheet].row_dimensions[frow], "height", 0.75))
    by_app("column-width.xlsx", ["appearance"], "the low-confidence column 0.01 wide",
           lambda wb: setattr(wb[fsheet].column_dimensions["J"], "width", 0.01))
    by_app("merge.xlsx", ["appearance", "tables"], "a merge that hides the low count under its neighbour",
           lambda wb: wb[fsheet].merge_cells(f"I{frow}:J{frow}"))
    by_zip("hidden-row-on.xlsx", ["appearance", "display"], 'a person\'s row hidden with hidden="on"',
           {pf: sub(rf'<row r="{frow}" ', f'<row r="{frow}" hidden="on" ')})
    by_zip("hidden-row-t.xlsx", ["appearance", "display"], 'a person\'s row hidden with hidden="t"',
           {pf: sub(rf'<row r="{frow}" ', f'<row r="{frow}" hidden="t" ')})
    by_zip("hidden-column-2.xlsx", ["appearance", "display"], 'the low column hidden with hidden="2"',
           {pf: sub(r'(<col [^>]*min="10" max="10")', r'\g<1> hidden="2"')})
    by_zip("zero-height.xlsx", ["appearance"], "every row without a height hidden (zeroHeight)",
           {pf: chain(sub(r"<sheetFormatPr ", '<sheetFormatPr zeroHeight="1" '),
                      sub(rf'<row r="{frow}" ht="[^"]*" customHeight="1"', f'<row r="{frow}"'))})
    by_zip("show-zeros.xlsx", ["appearance"], "zeros printed as empty cells (showZeros=0)",
           {pf: sub(r"<sheetView ", '<sheetView showZeros="0" ')})
    by_zip("orientation.xlsx", ["appearance"], "the page turned to portrait",
           {pf: sub(r'orientation="landscape"', 'orientation="portrait"')})
    by_zip("x14-conditional.xlsx", ["appearance", "display", "package"], "x14 conditional formatting in extLst",
           {pf: sub(r"</worksheet>", '<extLst><ext uri="{78C0D931-6437-407d-A8EE-F0AAD7539E65}" '
                    'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
                    '<x14:conditionalFormattings><x14:conditionalFormatting '
                    'xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main"><x14:cfRule type="expression" '
                    'priority="1" id="{00000000-0000-0000-0000-000000000002}"><xm:f>TRUE</xm:f><x14:dxf><font>'
                    '<color rgb="FFFFFFFF"/></font></x14:dxf></x14:cfRule><xm:sqref>'
                    f"{low}</xm:sqref></x14:conditionalFormatting></x14:conditionalFormattings></ext></extLst>"
                    "</worksheet>")})
    by_zip("conditional.xlsx", ["appearance", "display"], "conditional formatting that whitens the low count",
           {pf: sub(r"(</sheetData>(?:<mergeCells.*?</mergeCells>)?)", rf'\g<1><conditionalFormatting sqref="{low}">'
                    '<cfRule type="expression" dxfId="0" priority="1"><formula>TRUE</formula></cfRule>'
                    "</conditionalFormatting>")})
    drawing_rel = (f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                   f'package/2006/relationships"><Relationship Id="rIdD" Type="{REL}/drawing" '
                   'Target="../drawings/drawing1.xml"/></Relationships>').encode()
    rels_name = pf.replace("worksheets/", "worksheets/_rels/") + ".rels"
    by_zip("drawing.xlsx", ["package"], "a text box over the low count",
           {pf: sub(r"</worksheet>", f'<drawing xmlns:r="{REL}" r:id="rIdD"/></worksheet>'),
            types: sub(r"</Types>", '<Override PartName="/xl/drawings/drawing1.xml" ContentType="application/'
                                    'vnd.openxmlformats-officedocument.drawing+xml"/></Types>')},
           {"xl/drawings/drawing1.xml": DRAWING, rels_name: drawing_rel})
    by_zip("comment-part.xlsx", ["package"], "a comments part and its VML",
           {book_rels: sub(r"</Relationships>", f'<Relationship Id="rIdC" Type="{REL}/comments" '
                                                 'Target="comments1.xml"/></Relationships>')},
           {"xl/comments1.xml": b'<comments xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>'})
    by_zip("macro.xlsx", ["package"], "a VBA project",
           {book_rels: sub(r"</Relationships>", '<Relationship Id="rIdV" Type="http://schemas.microsoft.com/'
                                                 'office/2006/relationships/vbaProject" Target="vbaProject.bin"/>'
                                                 "</Relationships>")},
           {"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0 not really a macro"})
    by_zip("external-link.xlsx", ["package"], "a link to an outside workbook",
           {book_rels: sub(r"</Relationships>", f'<Relationship Id="rIdE" Type="{REL}/externalLink" '
                                                 'Target="https://example.invalid/x.xlsx" TargetMode="External"/>'
                                                 "</Relationships>")})
    by_zip("custom-xml.xlsx", ["package"], "a custom XML part no relationship names",
           {}, {"customXml/item1.xml": b"<r>2</r>"})


def main() -> None:
    KEYS.mkdir(parents=True, exist_ok=True)
    for name in ("committee", "other"):
        if not (KEYS / f"{name}.key").exists():
            new_key(KEYS / name, PASSPHRASE)
    good = (KEYS / "committee.key").read_bytes()
    body = good.splitlines()
    (KEYS / "truncated.key").write_bytes(b"\n".join(body[: len(body) // 2]) + b"\n")
    # Damage the DER structure (the first base64 characters hold its SEQUENCE header). Damage inside
    # the encrypted bytes cannot be told from a wrong passphrase: PKCS#8 encryption has no MAC.
    (KEYS / "corrupt.key").write_bytes(b"\n".join([body[0], b"AAAAAAAA" + body[1][8:], *body[2:]]) + b"\n")
    (KEYS / "not-a-key.pub").write_text("Ban kiểm phiếu: khóa công khai sẽ gửi sau.\n", encoding="utf-8")

    committee, other = sample_key("committee"), sample_key("other")
    manifest: dict[str, dict[str, object]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        base = count_sample(work / "a")
        sign_results(base, committee, name="Ngô Văn Bình, Trưởng ban")
        signed = HERE / "signed.xlsx"
        signed.write_bytes(base.read_bytes())
        manifest["signed.xlsx"] = {"fails": None, "what": "the untouched, signed minutes"}

        sheet, row, person = person_row(signed, 0, 0)
        flagged_sheet, flagged_row, _ = person_row(signed, flagged=True)
        edits = {
            "count.xlsx": ({(sheet, f"F{row}"): person["high"] + 1}, "a count (high confidence) raised by one"),
            "percentage.xlsx": ({(sheet, f"G{row}"): "99,00%"}, "a percentage changed"),
            "name.xlsx": ({(sheet, f"B{row}"): person["name"] + " Jr"}, "a name changed"),
            "position.xlsx": ({(sheet, f"C{row}"): "Bí thư Đảng ủy"}, "a position changed"),
            "flag.xlsx": ({(flagged_sheet, f"L{flagged_row}"): None}, "a flagged person's consequence removed"),
        }
        for name, (cells, what) in edits.items():
            edit_cells(signed, HERE / name, cells)
            manifest[name] = {"fails": ["appearance", "tables"], "what": what,
                              "cells": [f"{sh} › {ref}" for sh, ref in sorted(cells)]}
        set_number_format(signed, HERE / "number-format.xlsx", sheet, f"F{row}", f'"{person["high"] + 5}"')
        manifest["number-format.xlsx"] = {"fails": ["appearance", "display"],
                                          "what": "a count shown through a number format"}

        tampered_minutes(signed, manifest)

        replace_embedded(signed, HERE / "unsigned.xlsx", signatures=[])
        manifest["unsigned.xlsx"] = {"fails": ["signers"], "what": "the signature removed"}

        other_xlsx = count_sample(work / "b", title="Lấy phiếu tín nhiệm giữa nhiệm kỳ 2020-2025 (đợt 2)")
        sign_results(other_xlsx, committee)
        other_json = other_xlsx.with_suffix(".json").read_bytes()
        pub = committee.key.public_key().public_bytes(serialization.Encoding.DER,
                                                      serialization.PublicFormat.SubjectPublicKeyInfo)
        replace_embedded(signed, HERE / "other-event.xlsx", results_json=other_json,
                         signatures=[EmbeddedSignature("ed25519", pub, committee.sign(other_json))])
        manifest["other-event.xlsx"] = {"fails": ["appearance", "tables"],
                                        "what": "another event's signed results.json swapped in"}

        untrusted = count_sample(work / "c")
        sign_results(untrusted, other)
        (HERE / "untrusted.xlsx").write_bytes(untrusted.read_bytes())
        manifest["untrusted.xlsx"] = {"fails": ["signers"], "what": "signed with a key that is not trusted"}
    (HERE / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n",
                                        encoding="utf-8")
    print(f"wrote {len(manifest)} workbooks to {HERE}")


if __name__ == "__main__":
    main()
