"""全国地方公共団体コード: six digits, the last a check digit over the first five."""

from __future__ import annotations

import re

# e-Stat standard area code URIs: this prefix + the first five digits of a code.
ESTAT_SAC = "http://data.e-stat.go.jp/lod/sac/C"

_CODE = re.compile(r"[0-9]{6}")
_FIRST5 = re.compile(r"[0-9]{5}")


def lg_check_digit(first5: str) -> int:
    """c = (11 - (6*d1 + 5*d2 + 4*d3 + 3*d4 + 2*d5) % 11) % 10 (MIC's rule)."""
    if not _FIRST5.fullmatch(first5):
        raise ValueError(f"expected 5 ASCII digits, got {first5!r}")
    weighted = sum(int(d) * w for d, w in zip(first5, (6, 5, 4, 3, 2), strict=True))
    return (11 - weighted % 11) % 10


def is_valid_lg_code(code: str) -> bool:
    """6 ASCII digits whose last digit is the check digit of the first five."""
    # re's [0-9] (not \d, str.isdigit) refuses full-width and other Unicode digits.
    return bool(_CODE.fullmatch(code)) and lg_check_digit(code[:5]) == int(code[5])
