"""Japanese-aware text normalisation and tokenisation for full-text search.

Both SQLite FTS5 (``tokenize='unicode61'``) and PostgreSQL (``to_tsvector('simple', …)``)
index the *output* of :func:`index_text`, a space-separated stream of plain ASCII
words, so neither database ever tokenises Japanese itself and both behave identically.

Pipeline
--------
1. :func:`normalize` (NFKC, casefold, hiragana → katakana, long-vowel/dash variants
   after kana → ``ー``, whitespace collapsed).
2. The normalised text is cut into *segments* (:func:`segments`):

   * a **CJK run** is a maximal run of kanji / kana / ``ー 々 〆 〇 〻``;
   * a **word** is a maximal run of ASCII digits, or of other (non-CJK) letters
     and digits; letters and digits are separate words (``R5`` → ``r``, ``5``)
     and digits split CJK runs (``令和5年度`` → ``令和`` ``5`` ``年度``);
   * everything else (spaces, punctuation, symbols) only separates segments.

Token design (one stream, no unigram column)
--------------------------------------------
* A CJK run ``c1 c2 … cn`` emits its character bigrams ``b(c1,c2) … b(cn-1,cn)``
  followed by one **run-end token** ``b(cn,$)``.  Token spelling is
  ``"b%05x%05x" % (ord(c1), ord(c2))``, with ``00000`` standing for ``$``:
  ``保育`` → ``b04fdd080b2``, run end after ``育`` → ``b080b200000``.
  Every character of a run is therefore the *first* character of exactly one token,
  so a 1-character query ``保`` is the prefix query ``b04fdd*`` (FTS5) /
  ``'b04fdd':*`` (PostgreSQL); give the FTS5 table ``prefix='6'`` to index it.
* The run-end token is the run boundary: within a run, the bigram ``b(x,y)`` is always
  followed by a bigram starting with ``y`` *of the same run*; at the end it is
  followed by ``b(y,$)``, which no query bigram ever equals.  So a bigram phrase can
  never continue into the next run: ``避難所`` (``b(避難) b(難所)``) does not match
  ``指定避難。難所は`` (``… b(避難) b(難$) b(難所) …``).
* A word is emitted as itself when it is ASCII (``aed``, ``2024``); a non-ASCII word
  (``café``, ``мир``) becomes ``"x" + "%06x"`` per code point.  Collision-free:
  ASCII words are purely alphabetic or purely numeric, while every ``b…``/``x…``
  token mixes a letter with digits (the first hex digit of a code point
  ≤ U+3FFFF / ≤ U+10FFFF is a digit).
* Tokens are ``[0-9a-z]+``: single tokens for FTS5 unicode61 and for PostgreSQL's
  default parser, with nothing to escape.  Adjacent segments produce adjacent tokens.

Query semantics (:func:`query_tokens`, :func:`matches_substring`)
------------------------------------------------------------------
A term is cut into segments the same way and must match a *sequence of adjacent
text segments* (separators between segments are ignored, e.g. ``AED設置`` matches
``AED 設置場所``):

* a term that is a single CJK run matches iff it is a substring of some CJK run of
  the text, i.e. iff ``normalize(term)`` is a substring of ``normalize(text)``;
* a word matches whole words only (``AED`` matches ``AED設置``, ``AE`` does not);
* in a multi-segment term, the first CJK run must be a *suffix* of its text run,
  the last CJK run a *prefix*, inner runs and all words must be equal
  (``和5年`` matches ``令和5年度``).

Query tokens: the bigrams of each run, plus the run-end token for every run that is
not the last segment of the term; a trailing 1-character run becomes a prefix token
(written ``"b04fdd*"``).  Rendered as an FTS5 phrase ``"t1 t2 …"`` (``"…"*`` for a
prefix) or a PostgreSQL ``t1 <-> t2 <-> …`` tsquery.

Known limit: PostgreSQL clamps tsvector positions at 16383, so phrase matches in the
tail of extremely long texts (> ~16k tokens ≈ characters) can be missed there; use
:func:`matches_substring` to re-check if that matters.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from itertools import pairwise
from typing import Final

__all__ = [
    "PREFIX_MARK",
    "Segment",
    "index_text",
    "index_tokens",
    "is_cjk",
    "matches_substring",
    "normalize",
    "query_tokens",
    "segments",
]

PREFIX_MARK: Final = "*"
"""Suffix of a query token that must be matched as a prefix (1-char trailing CJK run)."""

_RUN_END: Final = 0  # code point standing for "end of run" in the second half of a bigram
_LONG_VOWEL: Final = "ー"

# Dash-like characters that, after kana, are meant as the long-vowel mark ー.
# (ｰ, －, ﹣ and ‑ are already mapped by NFKC to ー, -, - and ‐ respectively.)
_DASHES: Final = frozenset(
    "-"  # U+002D hyphen-minus (e.g. ｾﾝﾀ- typed on a half-width keyboard)
    "\u2010\u2012\u2013\u2014\u2015"  # ‐ ‒ – — ―
    "\u2043\u2212"  # ⁃ hyphen bullet, − minus sign
    "\u2500\u2501"  # ─ ━ box-drawing lines, often misused as ー
    "\u2e3a\u2e3b"  # ⸺ ⸻ two/three-em dashes
    "\u30fc"  # ー itself
)

# Extra single characters that belong to CJK runs besides the blocks in _CJK_RANGES.
_CJK_EXTRA: Final = frozenset("\u3005\u3006\u3007\u303b")  # 々 〆 〇 〻


_CJK_RANGES: Final[tuple[tuple[int, int], ...]] = (
    (0x3041, 0x309F),  # hiragana incl. combining (han)dakuten and ゝゞゟ
    (0x30A1, 0x30FA),  # katakana letters (ァ … ヺ); ・ U+30FB is punctuation
    (0x30FC, 0x30FF),  # ー ヽ ヾ ヿ
    (0x31F0, 0x31FF),  # katakana phonetic extensions (small ㇰ …)
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0x1B000, 0x1B16F),  # kana supplement / extended-A (hentaigana)
    (0x20000, 0x3FFFF),  # CJK extensions B … H (planes 2 and 3)
)


def _char_class(ranges: tuple[tuple[int, int], ...], extra: str) -> str:
    """Body of a regex character class for *ranges* plus the characters *extra*."""
    return "".join(f"{chr(lo)}-{chr(hi)}" for lo, hi in ranges) + re.escape(extra)


_CJK_CLASS: Final = _char_class(_CJK_RANGES, "".join(sorted(_CJK_EXTRA)))
# Kana (after hiragana folding) incl. ー; ・ U+30FB excluded, it is punctuation.
_KANA_CLASS: Final = _char_class(((0x3041, 0x30FA), (0x30FC, 0x30FF), (0x31F0, 0x31FF)), "")
_DASH_CLASS: Final = re.escape("".join(sorted(_DASHES)))

# One alternative per segment kind: CJK run | ASCII digits | other letters/digits.
# In a str pattern \w is "isalnum() or _", so [^\W_0-9<cjk>] = other letters/digits.
_SEGMENT_RE: Final = re.compile(f"([{_CJK_CLASS}]+)|[0-9]+|[^\\W_0-9{_CJK_CLASS}]+")
# A dash run right after kana and not in front of an ASCII letter/digit.
_KANA_DASH_RE: Final = re.compile(f"(?<=[{_KANA_CLASS}])[{_DASH_CLASS}]+(?![0-9A-Za-z])")
_CJK_RE: Final = re.compile(f"[{_CJK_CLASS}]")

# ぁ…ゖ → ァ…ヶ and the iteration marks ゝゞ → ヽヾ (a fixed offset of 0x60).
_HIRA_TO_KATA: Final = {cp: cp + 0x60 for cp in [*range(0x3041, 0x3097), 0x309D, 0x309E]}


def is_cjk(ch: str) -> bool:
    """True if *ch* is part of a CJK run (kanji, kana, ー, 々, 〆, 〇, 〻)."""
    return _CJK_RE.fullmatch(ch) is not None


def _long_vowels(m: re.Match[str]) -> str:
    # Only the dashes up to the lookahead point: "サ--2" → "サー-2".
    return _LONG_VOWEL * len(m.group())


def normalize(text: str) -> str:
    """Normalise *text* for search; index and query sides both go through this."""
    # NFKC: full-width ＡＥＤ → AED, ５ → 5, half-width ｶﾀｶﾅ → カタカナ, U+3000 → space.
    s = unicodedata.normalize("NFKC", text)
    # casefold (stronger lower()); NFKC again because casefolding can denormalise.
    s = unicodedata.normalize("NFKC", s.casefold())
    # Hiragana → katakana so that ほいく == ホイク (the iteration marks ゝゞ → ヽヾ too).
    s = s.translate(_HIRA_TO_KATA)
    # Dash variants right after kana become ー (サ-ビス, ｾﾝﾀ-, コ—ヒ—); a dash in front
    # of an ASCII letter/digit stays a hyphen (テスト-2, e-Gov keeps its '-').
    s = _KANA_DASH_RE.sub(_long_vowels, s)
    # Collapse every whitespace run to one ASCII space and trim the ends.
    return " ".join(s.split())


@dataclass(frozen=True, slots=True)
class Segment:
    """A CJK run (``cjk=True``) or a word of normalised text."""

    text: str
    cjk: bool


def segments(normalized: str) -> list[Segment]:
    """Cut already-normalised text into CJK runs and words (see module docstring)."""
    return [Segment(m.group(), m.group(1) is not None) for m in _SEGMENT_RE.finditer(normalized)]


# Five hex digits per code point, memoised: the formatting dominated the token loop.
_HEX5: dict[str, str] = {}


def _hex5(ch: str) -> str:
    code = _HEX5.get(ch)
    if code is None:
        code = f"{ord(ch):05x}"
        if len(_HEX5) < 200_000:  # bounded: there are fewer CJK code points than that
            _HEX5[ch] = code
    return code


def _bigram(first: str, second: int) -> str:
    return f"b{_hex5(first)}{second:05x}"


def _word_token(word: str) -> str:
    if word.isascii():
        return word
    return "x" + "".join(f"{ord(ch):06x}" for ch in word)


def _run_bigrams(run: str) -> list[str]:
    codes = [_hex5(ch) for ch in run]
    return ["b" + a + b for a, b in pairwise(codes)]


def index_tokens(text: str) -> list[str]:
    """The index token stream of *text* (normalised here), in text order."""
    tokens: list[str] = []
    for seg in segments(normalize(text)):
        if seg.cjk:
            tokens.extend(_run_bigrams(seg.text))
            tokens.append(_bigram(seg.text[-1], _RUN_END))
        else:
            tokens.append(_word_token(seg.text))
    return tokens


def index_text(text: str) -> str:
    """:func:`index_tokens` joined with spaces: store this in the FTS5 / tsvector column."""
    return " ".join(index_tokens(text))


def query_tokens(term: str) -> list[str]:
    """Tokens that must occur as one phrase (adjacent, in order) for *term* to match.

    The last token may end in ``*`` (:data:`PREFIX_MARK`): it then matches any token
    starting with the part before the ``*`` (a trailing 1-character CJK run).
    An empty list means the term has nothing searchable (e.g. only punctuation).
    """
    segs = segments(normalize(term))
    tokens: list[str] = []
    for k, seg in enumerate(segs):
        last = k == len(segs) - 1
        if not seg.cjk:
            tokens.append(_word_token(seg.text))
            continue
        tokens.extend(_run_bigrams(seg.text))
        if not last:
            tokens.append(_bigram(seg.text[-1], _RUN_END))  # run must end here in the text
        elif len(seg.text) == 1:
            tokens.append(f"b{ord(seg.text):05x}{PREFIX_MARK}")  # any token starting with it
    return tokens


def _segment_matches(term: Segment, text: Segment, *, first: bool, last: bool) -> bool:
    if term.cjk != text.cjk:
        return False
    if not term.cjk:
        return term.text == text.text
    if first and last:
        return term.text in text.text
    if first:
        return text.text.endswith(term.text)
    if last:
        return text.text.startswith(term.text)
    return term.text == text.text


def matches_substring(term: str, text: str) -> bool:
    """Ground truth for what the index matches: does *term* occur in *text*?

    Pure CJK terms: ``normalize(term) in normalize(text)``; words match whole words;
    mixed terms follow the segment rules in the module docstring.  A term without
    searchable characters matches everything (like the empty substring).
    """
    t_segs = segments(normalize(term))
    if not t_segs:
        return True
    s_segs = segments(normalize(text))
    n = len(t_segs)
    for i in range(len(s_segs) - n + 1):
        if all(
            _segment_matches(t_segs[k], s_segs[i + k], first=k == 0, last=k == n - 1)
            for k in range(n)
        ):
            return True
    return False
