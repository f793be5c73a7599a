"""Scanned files as grey pages: PDF (rendered at :data:`PDF_DPI`), PNG, JPEG and TIFF, multi-page.

Pages come one at a time (a generator), so that a stack of 500 pages never sits in memory.
A page's SHA-256 is that of its decoded grey pixels (height, width, then the bytes), the
same for the same scan whatever the file around it; the file's own SHA-256 is kept too.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final

from ballots.errors import Location, fail
from ballots.i18n import _

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

PDF_DPI: Final = 150          # a scan at 150 dpi already has more detail than the reader uses (5 px/mm)
IMAGE_SUFFIXES: Final = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp")


@dataclass(frozen=True)
class ScanFile:
    path: Path
    display: str
    sha256: str


@dataclass
class ScanPage:
    file: ScanFile
    number: int                      # 1-based within the file
    sha256: str
    image: NDArray[np.uint8]         # grey, 8 bits

    @property
    def where(self) -> str:
        return f"{self.file.display} › {self.number}"


def page_sha256(image: NDArray[np.uint8]) -> str:
    h = hashlib.sha256(f"{image.shape[0]}x{image.shape[1]}:".encode())
    h.update(image.tobytes())
    return h.hexdigest()


def _unreadable(display: str, why: str) -> Exception:
    return fail("E422", _("'{file}' cannot be read as a scan: {why}").format(file=display, why=why),
                _("give PDF, PNG, JPEG or TIFF files as the scanner wrote them"), Location(display))


def open_file(path: Path, display: str) -> tuple[ScanFile, bytes]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise _unreadable(display, exc.strerror or str(exc)) from None
    if not data:
        raise _unreadable(display, _("the file is empty"))
    return ScanFile(path, display, hashlib.sha256(data).hexdigest()), data


def iter_pages(path: Path, display: str) -> Iterator[ScanPage]:
    """Every page of one scanned file, in order."""
    import cv2
    import numpy as np

    file, data = open_file(path, display)
    if data[:5] == b"%PDF-":
        import pypdfium2 as pdfium

        try:
            pdf = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as exc:
            raise _unreadable(display, str(exc)) from None
        try:
            for i in range(len(pdf)):
                page = pdf[i]
                bitmap = page.render(scale=PDF_DPI / 72, grayscale=True)
                image = np.ascontiguousarray(bitmap.to_numpy().reshape(bitmap.height, bitmap.width, -1)[:, :, 0])
                page.close()
                yield ScanPage(file, i + 1, page_sha256(image), image)
        finally:
            pdf.close()
        return
    buffer = np.frombuffer(data, dtype=np.uint8)
    ok, images = cv2.imdecodemulti(buffer, cv2.IMREAD_GRAYSCALE)
    if not ok or not images:
        single = cv2.imdecode(buffer, cv2.IMREAD_GRAYSCALE)
        if single is None:
            raise _unreadable(display, _("not a PDF, PNG, JPEG or TIFF image"))
        images = (single,)
    for i, image in enumerate(images):
        gray = np.ascontiguousarray(image, dtype=np.uint8)
        yield ScanPage(file, i + 1, page_sha256(gray), gray)
