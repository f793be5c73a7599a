"""Reading scanned paper ballots (`tally scan`): the PDF form of :mod:`tally.ballot_pdf`, back.

- :mod:`tally.scan.pages` opens the scans (PDF, PNG, JPEG, TIFF; multi-page) as grey pages;
- :mod:`tally.scan.reader` registers each page on its corner markers, reads its QR code,
  scores every box against the blank form and decides marked / empty / doubtful;
- :mod:`tally.scan.entry` writes the entry workbook (the `tally template` format) and the
  evidence folder, and reads back what awaits review.

Needs the ``scan`` extra (OpenCV, NumPy, pypdfium2, zxing-cpp, reportlab): :func:`require`
says what to install when it is missing.
"""

from __future__ import annotations

from typing import Final

from ballots.errors import fail
from ballots.i18n import _

SCAN_EXTRA: Final = 'pip install "tally-votes[scan]"'


def require() -> None:
    """E421 unless the scan extra is installed."""
    missing = []
    for module in ("cv2", "numpy", "pypdfium2", "zxingcpp", "reportlab"):
        try:
            __import__(module)
        except ImportError:
            missing.append(module)
    if missing:
        raise fail("E421", _("scanning needs the optional scan support, which is not installed (missing: {modules})")
                   .format(modules=", ".join(missing)),
                   _("install it with: {command}").format(command=SCAN_EXTRA))
