#!/usr/bin/env python3
"""Build the tampered workbooks and broken keys kept under tests/data (run from the repo root):

    python tests/data/tampered/make_tampered.py

tests/data/keys/committee.key and other.key (passphrase "tally test passphrase", test data only)
are made once and then kept, so the signatures stay the same; everything else is rebuilt from
samples/event.toml and samples/ballots.xlsx. Run it again when the minutes' layout changes:
tests/test_verify.py fails on signed.xlsx until then, which is the point — a layout change
breaks the verification of minutes signed earlier.

manifest.json lists every workbook with the check that must fail on it (none for signed.xlsx).
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
TESTS = HERE.parent.parent
sys.path[:0] = [str(TESTS.parent), str(TESTS)]

from cryptography.hazmat.primitives import serialization
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
    manifest: dict[str, dict[str, str | None]] = {}
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
            manifest[name] = {"fails": "tables", "what": what}
        set_number_format(signed, HERE / "number-format.xlsx", sheet, f"F{row}", f'"{person["high"] + 5}"')
        manifest["number-format.xlsx"] = {"fails": "display", "what": "a count shown through a number format"}

        replace_embedded(signed, HERE / "unsigned.xlsx", signatures=[])
        manifest["unsigned.xlsx"] = {"fails": "signers", "what": "the signature removed"}

        other_xlsx = count_sample(work / "b", title="Lấy phiếu tín nhiệm giữa nhiệm kỳ 2020-2025 (đợt 2)")
        sign_results(other_xlsx, committee)
        other_json = other_xlsx.with_suffix(".json").read_bytes()
        pub = committee.key.public_key().public_bytes(serialization.Encoding.DER,
                                                      serialization.PublicFormat.SubjectPublicKeyInfo)
        replace_embedded(signed, HERE / "other-event.xlsx", results_json=other_json,
                         signatures=[EmbeddedSignature("ed25519", pub, committee.sign(other_json))])
        manifest["other-event.xlsx"] = {"fails": "tables",
                                        "what": "another event's signed results.json swapped in"}

        untrusted = count_sample(work / "c")
        sign_results(untrusted, other)
        (HERE / "untrusted.xlsx").write_bytes(untrusted.read_bytes())
        manifest["untrusted.xlsx"] = {"fails": "signers", "what": "signed with a key that is not trusted"}
    (HERE / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n",
                                        encoding="utf-8")
    print(f"wrote {len(manifest)} workbooks to {HERE}")


if __name__ == "__main__":
    main()
