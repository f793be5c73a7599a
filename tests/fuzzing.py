"""Hostile inputs for the fuzzing suite (tests/test_fuzz.py) and the long campaign
(bench/fuzz_campaign.py): mutations of real ballot files and results workbooks, and
hand-built bombs. Every function is deterministic for a given `random.Random`.

The oracle is simple: reading, counting and verifying a mutated file either succeed or
end in a coded TallyError (a FileReport for verify); any other exception is a bug, and
so is a crash, a hang or unbounded memory (the bombs run in a child process).
"""

from __future__ import annotations

import io
import random
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
BALLOTS = DATA / "ballots"
EVENT = BALLOTS / "event.toml"
SEEDS = {
    "xlsx": BALLOTS / "good.xlsx",
    "ods": BALLOTS / "good.ods",
    "csv": BALLOTS / "csv_comma" / "btv.csv",
    "xls": BALLOTS / "good.xls",
}
SIGNED = DATA / "tampered" / "signed.xlsx"
TRUST = DATA / "keys" / "committee.pub"

# Cell contents a hostile or careless sheet may hold.
HOSTILE_TEXT = [
    "=1+1", "+1", "-1", "@SUM(A1)", "\t1", "\r1", "=HYPERLINK(\"http://x\",\"y\")", "#REF!", "#DIV/0!",
    "NaN", "nan", "inf", "-inf", "Infinity", "1e309", "-0", "0x10", "１", "Ⅰ", "²",
    "\u200b1", "1\u200b", "\u200e1", "\u200f3", "\u202eTH", "\ufeff2", "\x00", "\x07", "\x1b[31m",
    "C\u0301", "th\u00c2p", "th\u00caP", "thÊp", "tÝn nhiÖm", "x" * 100_000, "", " ", "\u00a0", "1" * 400,
    "TRUE", "FALSE", "2023-05-31", "31/05/2023", "0", "-", "1.0", "1,0",
]
XML_VALUES = [
    ("n", "NaN"), ("n", "INF"), ("n", "-INF"), ("n", "1e400"), ("n", "1e-400"), ("n", "0x1F"), ("n", ""),
    ("n", "9" * 400), ("b", "1"), ("b", "2"), ("e", "#REF!"), ("e", "#N/A"), ("d", "2023-05-31T00:00:00"),
    ("d", "not a date"), ("s", "999999999"), ("s", "-1"), ("str", "=1"), ("inlineStr", None),
]


# --- byte-level -------------------------------------------------------------------------


def flip_bytes(data: bytes, rng: random.Random) -> bytes:
    buf = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        i = rng.randrange(len(buf))
        buf[i] = rng.randrange(256) if rng.random() < 0.5 else buf[i] ^ (1 << rng.randrange(8))
    return bytes(buf)


def truncate(data: bytes, rng: random.Random) -> bytes:
    return data[: rng.randrange(len(data))]


def splice(data: bytes, rng: random.Random) -> bytes:
    """Copy a random slice of the file over another place (duplicated zip headers and the like)."""
    a, b = sorted(rng.randrange(len(data)) for _ in range(2))
    at = rng.randrange(len(data))
    return data[:at] + data[a:b] + data[at + (b - a):]


# --- zip-level --------------------------------------------------------------------------


def _members(data: bytes) -> list[tuple[zipfile.ZipInfo, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return [(i, zf.read(i)) for i in zf.infolist()]


def _pack(members: list[tuple[str, bytes]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, body in members:
            zf.writestr(zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0)), body, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def drop_member(data: bytes, rng: random.Random) -> bytes:
    members = [(i.filename, b) for i, b in _members(data)]
    del members[rng.randrange(len(members))]
    return _pack(members)


def rename_member(data: bytes, rng: random.Random) -> bytes:
    members = [(i.filename, b) for i, b in _members(data)]
    k = rng.randrange(len(members))
    name = members[k][0]
    choice = rng.randrange(4)
    if choice == 0:
        name = name.upper()
    elif choice == 1:
        name = name.replace(".xml", ".bak")
    elif choice == 2:
        name = "/" + name
    else:
        name = name.replace("/", "\\")
    members[k] = (name, members[k][1])
    return _pack(members)


def duplicate_member(data: bytes, rng: random.Random) -> bytes:
    members = [(i.filename, b) for i, b in _members(data)]
    k = rng.randrange(len(members))
    members.insert(rng.randrange(len(members) + 1), (members[k][0], flip_bytes(members[k][1], rng)))
    return _pack(members)


def mutate_member_xml(data: bytes, rng: random.Random) -> bytes:
    """Flip bytes inside one member's XML and pack it again (the CRC then matches)."""
    members = [(i.filename, b) for i, b in _members(data)]
    xml = [k for k, (n, _b) in enumerate(members) if n.endswith((".xml", ".rels"))]
    k = rng.choice(xml)
    name, body = members[k]
    members[k] = (name, flip_bytes(body, rng) if rng.random() < 0.5 else truncate(body, rng))
    return _pack(members)


def _sheet_member(members: list[tuple[str, bytes]]) -> int:
    for k, (name, _b) in enumerate(members):
        if name.startswith("xl/worksheets/") or name == "content.xml":
            return k
    return 0


def hostile_cell_xml(data: bytes, rng: random.Random) -> bytes:
    """Rewrite one cell of an xlsx sheet as a hostile value, reference or type."""
    members = [(i.filename, b) for i, b in _members(data)]
    k = _sheet_member(members)
    name, body = members[k]
    text = body.decode("utf-8", "replace")
    cells = list(re.finditer(r"<c r=\"([A-Z]+)(\d+)\"[^>]*?(?:/>|>.*?</c>)", text, flags=re.DOTALL))
    if not cells:
        return data
    m = rng.choice(cells)
    ref = f"{m.group(1)}{m.group(2)}"
    choice = rng.randrange(6)
    if choice == 0:
        kind, value = rng.choice(XML_VALUES)
        cell = (f'<c r="{ref}" t="inlineStr"><is><t>{_xml_text(rng.choice(HOSTILE_TEXT))}</t></is></c>'
                if value is None else f'<c r="{ref}" t="{kind}"><v>{value}</v></c>')
    elif choice == 1:
        cell = f'<c r="{ref}"><f>SUM(A1:A3)</f><v>{rng.choice(["1", "NaN", "#REF!", ""])}</v></c>'
    elif choice == 2:
        far = rng.choice(["XFD1048576", "A1048576", "XFD1", "ZZZ99", "A0", "A99999999999", "a1", "1A", ""])
        cell = f'<c r="{far}"><v>1</v></c>'
    elif choice == 3:
        cell = f'<c r="{ref}" t="s"><v>{rng.choice(["-1", "99999", "1.5", "x"])}</v></c>'
    elif choice == 4:
        cell = f'<c r="{ref}" t="inlineStr"><is><t>{_xml_text(rng.choice(HOSTILE_TEXT))}</t></is></c>'
    else:
        cell = f"<c><v>{rng.randint(-5, 5)}</v></c>"
    text = text[: m.start()] + cell + text[m.end():]
    if rng.random() < 0.3:
        text = text.replace("<sheetData>", '<dimension ref="A1:XFD1048576"/><sheetData>', 1)
    if rng.random() < 0.3:
        text = text.replace("</sheetData>", '</sheetData><mergeCells count="1"><mergeCell ref="A2:C3"/></mergeCells>', 1)
    if rng.random() < 0.3:
        text = re.sub(r'<row r="2"', '<row r="2" hidden="1"', text, count=1)
    members[k] = (name, text.encode("utf-8"))
    return _pack(members)


def _xml_text(value: str) -> str:
    from xml.sax.saxutils import escape

    return escape(re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "", value))


def hostile_csv(data: bytes, rng: random.Random) -> bytes:
    """Replace one CSV field with a hostile value (or add a wide or odd line)."""
    text = data.decode("utf-8-sig")
    lines = text.splitlines()
    choice = rng.randrange(4)
    if choice == 0 and len(lines) > 1:
        i = rng.randrange(1, len(lines))
        cells = lines[i].split(",")
        j = rng.randrange(len(cells))
        value = rng.choice(HOSTILE_TEXT).replace('"', '""')
        cells[j] = f'"{value}"'
        lines[i] = ",".join(cells)
    elif choice == 1:
        lines.append("," * rng.choice([1, 100, 20_000]))
    elif choice == 2:
        lines.insert(rng.randrange(len(lines) + 1), '"unterminated' + "\n" * rng.randint(0, 3))
    else:
        lines[0] = lines[0] + "," + rng.choice(HOSTILE_TEXT).replace(",", " ")
    return ("\n".join(lines) + "\n").encode("utf-8")


Mutator = Callable[[bytes, random.Random], bytes]
BYTE_MUTATORS: dict[str, Mutator] = {"flip": flip_bytes, "truncate": truncate, "splice": splice}
ZIP_MUTATORS: dict[str, Mutator] = {
    "drop": drop_member, "rename": rename_member, "duplicate": duplicate_member, "xml": mutate_member_xml,
}


def mutators_for(kind: str) -> dict[str, Mutator]:
    out = dict(BYTE_MUTATORS)
    if kind in ("xlsx", "ods", "results"):
        out.update(ZIP_MUTATORS)
    if kind in ("xlsx", "results"):
        out["cell"] = hostile_cell_xml
    if kind == "csv":
        out["csv"] = hostile_csv
    return out


def mutate(data: bytes, kind: str, rng: random.Random) -> tuple[str, bytes]:
    """One random mutation (sometimes two in a row) of a file of `kind`."""
    names = []
    for _ in range(1 if rng.random() < 0.8 else 2):
        table = mutators_for(kind)
        name = rng.choice(sorted(table))
        try:
            data = table[name](data, rng)
        except Exception:  # noqa: BLE001 - a mutant of a mutant may not be a zip any more
            data = flip_bytes(data, rng) if data else b"\x00"
            name += "!flip"
        names.append(name)
        if not data:
            data = b"\x00"
    return "+".join(names), data


# --- bombs --------------------------------------------------------------------------------

_CT = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
       'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
       'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/'
       'workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
       '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
       'officedocument.spreadsheetml.worksheet+xml"/></Types>')
_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
         '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
         '2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
_WB_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
_HEAD = ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
         'spreadsheetml/2006/main">')
HEADER_ROW = ('<row r="1"><c r="A1" t="inlineStr"><is><t>Số phiếu</t></is></c><c r="B1" t="inlineStr"><is><t>p01'
              '</t></is></c><c r="C1" t="inlineStr"><is><t>p02</t></is></c><c r="D1" t="inlineStr"><is><t>p03</t>'
              '</is></c></row>')
BALLOT_ROW = '<row r="2"><c r="A2"><v>1</v></c><c r="B2"><v>1</v></c><c r="C2"><v>2</v></c><c r="D2"><v>3</v></c></row>'


def workbook(sheet_xml: str | bytes, sheets: tuple[str, ...] = ("btv",), extra: dict[str, bytes] | None = None) -> bytes:
    """A minimal xlsx whose sheets all share `sheet_xml` (bytes are written as they are)."""
    body = sheet_xml.encode("utf-8") if isinstance(sheet_xml, str) else sheet_xml
    sheet_tags = "".join(f'<sheet name="{n}" sheetId="{i}" r:id="rId{i}"/>' for i, n in enumerate(sheets, start=1))
    rels = "".join(f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                   f'relationships/worksheet" Target="worksheets/sheet{i}.xml"/>' for i in range(1, len(sheets) + 1))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", _CT)
        zf.writestr("_rels/.rels", _RELS)
        zf.writestr("xl/workbook.xml", '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.'
                    'openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/'
                    f'officeDocument/2006/relationships"><sheets>{sheet_tags}</sheets></workbook>')
        zf.writestr("xl/_rels/workbook.xml.rels", '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns='
                    f'"http://schemas.openxmlformats.org/package/2006/relationships">{rels}</Relationships>')
        for i in range(1, len(sheets) + 1):
            zf.writestr(f"xl/worksheets/sheet{i}.xml", body)
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    return out.getvalue()


def sheet(rows: str, before: str = "") -> str:
    return f"{_HEAD}{before}<sheetData>{HEADER_ROW}{BALLOT_ROW}{rows}</sheetData></worksheet>"


def zip_bomb(gib: float = 1.0) -> bytes:
    """A workbook whose sheet inflates to `gib` GiB of spaces (about 1 MB per GiB on disk)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", _CT)
        zf.writestr("_rels/.rels", _RELS)
        zf.writestr("xl/workbook.xml", '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.'
                    'openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/'
                    'officeDocument/2006/relationships"><sheets><sheet name="btv" sheetId="1" r:id="rId1"/>'
                    '</sheets></workbook>')
        zf.writestr("xl/_rels/workbook.xml.rels", _WB_RELS)
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            fh.write((_HEAD + "<sheetData>" + HEADER_ROW).encode())
            block = b" " * (1 << 24)
            for _ in range(int(gib * 64)):
                fh.write(block)
            fh.write(b"</sheetData></worksheet>")
    return out.getvalue()


def lying_zip_bomb() -> bytes:
    """A zip bomb whose headers declare a small size for the member that inflates to 1 GiB."""
    data = bytearray(zip_bomb(1.0))
    # the sheet's sizes in its local header and central directory: set them to 4,096 bytes
    name = b"xl/worksheets/sheet1.xml"
    for sig in (b"PK\x03\x04", b"PK\x01\x02"):
        start = 0
        while (i := data.find(sig, start)) >= 0:
            start = i + 4
            fixed = 30 if sig == b"PK\x03\x04" else 46
            n = int.from_bytes(data[i + (26 if fixed == 30 else 28): i + (28 if fixed == 30 else 30)], "little")
            if bytes(data[i + fixed: i + fixed + n]) != name:
                continue
            size_at = i + (22 if fixed == 30 else 24)
            if data[size_at: size_at + 4] != b"\xff\xff\xff\xff":
                data[size_at: size_at + 4] = (4096).to_bytes(4, "little")
    return bytes(data)


def entity_bomb() -> bytes:
    lol = '<!ENTITY l0 "lollollollollollollollollollol">' + "".join(
        f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    xml = (f'<?xml version="1.0"?><!DOCTYPE worksheet [{lol}]>' + _HEAD[_HEAD.index("<worksheet"):]
           + "<sheetData>" + HEADER_ROW + '<row r="2"><c r="A2"><v>1</v></c><c r="B2" t="inlineStr"><is><t>&l9;'
           "</t></is></c></row></sheetData></worksheet>")
    return workbook(xml)


def external_entity() -> bytes:
    xml = ('<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
           + _HEAD[_HEAD.index("<worksheet"):] + "<sheetData>" + HEADER_ROW
           + '<row r="2"><c r="A2"><v>1</v></c><c r="B2" t="inlineStr"><is><t>&x;</t></is></c></row>'
           "</sheetData></worksheet>")
    return workbook(xml)


def ods(body: str) -> bytes:
    content = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:'
               'opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body>'
               f'<office:spreadsheet><table:table table:name="btv">{body}</table:table></office:spreadsheet>'
               "</office:body></office:document-content>")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("content.xml", content)
    return out.getvalue()


def _ods_cell(value: str | int, repeat: int = 1) -> str:
    rep = f' table:number-columns-repeated="{repeat}"' if repeat > 1 else ""
    if isinstance(value, int):
        return f'<table:table-cell office:value-type="float" office:value="{value}"{rep}><text:p>{value}</text:p></table:table-cell>'
    return f'<table:table-cell office:value-type="string"{rep}><text:p>{value}</text:p></table:table-cell>'


ODS_HEADER = "<table:table-row>" + "".join(_ods_cell(v) for v in ("Số phiếu", "p01", "p02", "p03")) + "</table:table-row>"


def ods_bomb() -> bytes:
    """Two rows on disk; 1,048,000 rows × 16,384 columns once the repeats are expanded."""
    return ods(ODS_HEADER + '<table:table-row table:number-rows-repeated="1048000">' + _ods_cell(1, 16384)
               + "</table:table-row>")


def ods_million_rows() -> bytes:
    return ods(ODS_HEADER + '<table:table-row table:number-rows-repeated="1000000">' + _ods_cell(1)
               + "</table:table-row>")


def mimetype_bomb() -> bytes:
    """An .ods whose 'mimetype' member inflates to 1 GiB."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        with zf.open("mimetype", "w", force_zip64=True) as fh:
            fh.write(b"application/vnd.oasis.opendocument.spreadsheet")
            block = b" " * (1 << 24)
            for _ in range(64):
                fh.write(block)
        zf.writestr("content.xml", "<x/>")
    return out.getvalue()


def many_members(n: int = 200_000) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("xl/workbook.xml", "<workbook/>")
        for i in range(n):
            zf.writestr(zipfile.ZipInfo(f"{i}"), b"")
    return out.getvalue()


BOMBS: dict[str, Callable[[], bytes]] = {
    "zip_bomb_1gib.xlsx": lambda: zip_bomb(1.0),
    "lying_zip_bomb.xlsx": lying_zip_bomb,
    "entity_bomb.xlsx": entity_bomb,
    "external_entity.xlsx": external_entity,
    "far_cell.xlsx": lambda: workbook(sheet('<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')),
    "huge_dimension.xlsx": lambda: workbook(sheet("", before='<dimension ref="A1:XFD1048576"/>')),
    "cell_row_far.xlsx": lambda: workbook(sheet('<row r="3"><c r="A1048000"><v>1</v></c></row>')),
    "million_empty_rows.xlsx": lambda: workbook(sheet("".join(f'<row r="{i}"/>' for i in range(3, 1_000_003)))),
    "million_blank_cells.xlsx": lambda: workbook(sheet("".join(
        f'<row r="{i}"><c r="A{i}" t="inlineStr"><is><t></t></is></c></row>' for i in range(3, 1_000_003)))),
    "no_refs_wide.xlsx": lambda: workbook(sheet("<row>" + "<c><v>1</v></c>" * 20_000 + "</row>"
                                                + "".join(f'<row r="{i}"><c r="A{i}"><v>1</v></c></row>'
                                                          for i in range(5, 400)))),
    "ods_bomb.ods": ods_bomb,
    "ods_million_rows.ods": ods_million_rows,
    "mimetype_bomb.ods": mimetype_bomb,
    "many_members.xlsx": many_members,
    "wide_csv.csv": lambda: ("Số phiếu,p01,p02,p03\n" + "1" + "," * 6_000_000 + "\n").encode(),
    "long_csv.csv": lambda: ("Số phiếu,p01,p02,p03\n" + "\n" * 1_200_000).encode(),
}
