"""Vietnamese typed with the legacy 8-bit fonts (TCVN3/ABC ".VnTime", VNI-Windows "VNI-Times").

Before Unicode, Vietnamese offices typed with fonts that draw Vietnamese letters in place
of Latin-1 ones; the file holds Latin-1 text. Opened anywhere else, "Nguyễn Văn An"
typed in .VnTime reads "NguyÔn V¨n An", and in VNI-Times "Nguyeãn Vaên An". Such text
is decoded here to Unicode NFC.

Tables: TCVN 5712:1993 "VN3" (the ABC code table), lowercase letters at 0xA1-0xFF, and
the VNI-Windows key codes (a base letter followed by a mark character); checked against
the public tables of the X.Org lcUniConv `tcvn.h` (TCVN-5712) and of the
duydev/vietnamese-conversion project (`src/charsets.ts`), and against the test strings
in tests/test_legacy.py.

Decoding never guesses on its own: a text is decoded only when it matches nothing as it
is, and the decoded form is used only when it matches (ballots.validate).
"""

from __future__ import annotations

import unicodedata

# TCVN3 (ABC): byte -> letter. The five tones of each vowel come in the order
# grave, hook, tilde, acute, dot below.
_TCVN3_TONED = {
    "a": (0xB5, 0xB6, 0xB7, 0xB8, 0xB9), "ă": (0xBB, 0xBC, 0xBD, 0xBE, 0xC6), "â": (0xC7, 0xC8, 0xC9, 0xCA, 0xCB),
    "e": (0xCC, 0xCE, 0xCF, 0xD0, 0xD1), "ê": (0xD2, 0xD3, 0xD4, 0xD5, 0xD6), "i": (0xD7, 0xD8, 0xDC, 0xDD, 0xDE),
    "o": (0xDF, 0xE1, 0xE2, 0xE3, 0xE4), "ô": (0xE5, 0xE6, 0xE7, 0xE8, 0xE9), "ơ": (0xEA, 0xEB, 0xEC, 0xED, 0xEE),
    "u": (0xEF, 0xF1, 0xF2, 0xF3, 0xF4), "ư": (0xF5, 0xF6, 0xF7, 0xF8, 0xF9), "y": (0xFA, 0xFB, 0xFC, 0xFD, 0xFE),
}
_TONES = ("\u0300", "\u0309", "\u0303", "\u0301", "\u0323")    # grave, hook, tilde, acute, dot below
TCVN3: dict[str, str] = {
    chr(0xA1): "Ă", chr(0xA2): "Â", chr(0xA3): "Ê", chr(0xA4): "Ô", chr(0xA5): "Ơ", chr(0xA6): "Ư", chr(0xA7): "Đ",
    chr(0xA8): "ă", chr(0xA9): "â", chr(0xAA): "ê", chr(0xAB): "ô", chr(0xAC): "ơ", chr(0xAD): "ư", chr(0xAE): "đ",
}
for _base, _codes in _TCVN3_TONED.items():
    for _code, _tone in zip(_codes, _TONES):
        TCVN3[chr(_code)] = unicodedata.normalize("NFC", _base + _tone)

# VNI-Windows: marks typed after a vowel (lowercase forms; capitals use the capital Latin-1
# letter of the same key, handled by case-folding first).
_VNI_MARKS = {
    "ø": "\u0300", "ù": "\u0301", "û": "\u0309", "õ": "\u0303", "ï": "\u0323",       # the five tones
    "â": "\u0302", "ê": "\u0306",                                                      # circumflex, breve (ă)
    "à": "\u0302\u0300", "á": "\u0302\u0301", "å": "\u0302\u0309", "ã": "\u0302\u0303", "ä": "\u0302\u0323",
    "è": "\u0306\u0300", "é": "\u0306\u0301", "ú": "\u0306\u0309", "ü": "\u0306\u0303", "ë": "\u0306\u0323",
}
_VNI_LETTERS = {"ô": "ơ", "ö": "ư", "ñ": "đ", "ì": "ì", "í": "í", "æ": "ỉ", "ó": "ĩ", "ò": "ị", "î": "ỵ"}
_VOWELS = set("aeiouyơư")
# Characters that Vietnamese Unicode text never holds but TCVN3 text nearly always does.
_TCVN3_SIGNS = {chr(c) for c in range(0xA1, 0xC0)} | {"Ë", "Ì", "Î", "Ï", "Ð", "Ñ", "Ö", "×", "Ø", "Þ", "ß",
                                                          "å", "æ", "ç", "ë", "î", "ñ", "ö", "÷", "ø", "þ"}


def decode_tcvn3(text: str) -> str:
    return unicodedata.normalize("NFC", "".join(TCVN3.get(c, c) for c in text))


def decode_vni(text: str) -> str:
    """VNI-Windows text to Unicode; case is kept from the base letter."""
    out: list[str] = []
    for ch in text:
        low = ch.lower()
        if out and low in _VNI_MARKS and out[-1].lower() in _VOWELS:
            marks = _VNI_MARKS[low]
            prev = out.pop()
            if low in ("â", "ê") or marks[0] in "\u0302\u0306":
                # a circumflex on a, e, o; a breve only on a
                if prev.lower() not in ("a", "e", "o") or (marks[0] == "\u0306" and prev.lower() != "a"):
                    out.append(prev)
                    out.append(ch)
                    continue
            out.append(unicodedata.normalize("NFC", prev + marks))
            continue
        if low in _VNI_LETTERS:
            letter = _VNI_LETTERS[low]
            out.append(letter.upper() if ch.isupper() else letter)
            continue
        out.append(ch)
    return unicodedata.normalize("NFC", "".join(out))


def has_latin1_letters(text: str) -> bool:
    return any(0xA0 < ord(c) <= 0xFF for c in text)


def decodings(text: str) -> list[tuple[str, str]]:
    """(encoding, decoded text) for each legacy encoding that changes `text`; TCVN3 first
    when the text carries its signs. Empty for plain ASCII or text beyond Latin-1."""
    if not has_latin1_letters(text) or any(ord(c) > 0xFF for c in text):
        return []
    out: list[tuple[str, str]] = []
    tcvn = decode_tcvn3(text)
    vni = decode_vni(text)
    order = [("TCVN3", tcvn), ("VNI", vni)]
    if not any(c in _TCVN3_SIGNS for c in text):
        order.reverse()
    for name, decoded in order:
        if decoded != text and all(d != decoded for _n, d in out):
            out.append((name, decoded))
    return out
