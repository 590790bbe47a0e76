"""Cleaning of user-supplied text: HTML is stripped, never stored or rendered."""

from __future__ import annotations

import re
import unicodedata
from html.parser import HTMLParser

_SKIP_CONTENT = {"script", "style"}
_BLOCK = {"p", "br", "li", "ul", "ol", "div", "tr", "h1", "h2", "h3", "h4", "h5", "h6"}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_CONTENT:
            self._skipping += 1
        elif tag in _BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_CONTENT and self._skipping:
            self._skipping -= 1
        elif tag in _BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def strip_html(text: str) -> str:
    """Plain text of `text`: tags removed (script/style with their content), entities decoded."""
    if "<" not in text and "&" not in text:
        return text
    parser = _TextExtractor()
    parser.feed(text)
    parser.close()
    return "".join(parser.parts)


def clean_text(text: str, *, multiline: bool = False) -> str:
    """Strip HTML and control characters; single-line fields get their whitespace collapsed."""
    plain = _CONTROL.sub("", strip_html(text))
    if multiline:
        lines = [line.rstrip() for line in plain.replace("\r\n", "\n").split("\n")]
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return re.sub(r"\s+", " ", plain).strip()


def clean_tag(text: str) -> str:
    """A keyword as users typed it (Japanese kept), width-normalised, no HTML."""
    return clean_text(unicodedata.normalize("NFKC", text))
