"""LibreOffice and poppler, for tests that look at what a person would print.

In CI (env CI set) a missing LibreOffice or poppler fails the test instead of skipping it:
the rendering checks must run for real there.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest


def soffice() -> str:
    """LibreOffice's command (and poppler's pdftotext/pdfinfo beside it)."""
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None or not shutil.which("pdftotext") or not shutil.which("pdfinfo"):
        if os.environ.get("CI"):
            pytest.fail("LibreOffice (soffice) and poppler-utils (pdftotext, pdfinfo) are needed in CI")
        pytest.skip("LibreOffice or poppler-utils not installed")
    return exe


def convert(path: Path, to: str, outdir: Path, profile: Path | None = None) -> Path:
    """`soffice --headless --convert-to TO`, in a private profile so parallel runs do not collide."""
    outdir.mkdir(parents=True, exist_ok=True)
    profile_uri = (profile or outdir / ".lo-profile").resolve().as_uri()
    proc = subprocess.run([soffice(), f"-env:UserInstallation={profile_uri}", "--headless", "--convert-to", to,
                           "--outdir", str(outdir), str(path)], capture_output=True, text=True, timeout=240,
                          check=False)
    result = outdir / (path.stem + "." + to.split(":")[0])
    assert proc.returncode == 0 and result.exists(), proc.stdout + proc.stderr
    return result


def squash(text: str) -> str:
    """Text without any whitespace, for comparing with what pdftotext extracts."""
    return "".join(text.split())


def pdf_pages(pdf: Path) -> list[tuple[str, tuple[float, float]]]:
    """(text, (width, height) in points) of every page. pdftotext sometimes splits a Vietnamese
    syllable ("Sơ n"): compare texts with :func:`squash`."""
    info = subprocess.run(["pdfinfo", "-f", "1", "-l", "9999", str(pdf)], capture_output=True, text=True,
                          check=True).stdout
    sizes = []
    for line in info.splitlines():
        if line.startswith("Page") and "size:" in line:
            w, _, h = line.split("size:")[1].split()[:3]
            sizes.append((float(w), float(h)))
    texts = []
    for n in range(1, len(sizes) + 1):
        texts.append(subprocess.run(["pdftotext", "-f", str(n), "-l", str(n), str(pdf), "-"],
                                    capture_output=True, text=True, check=True).stdout)
    return list(zip(texts, sizes))
