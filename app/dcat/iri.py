"""Every IRI the catalogue writes is made here: by `mint` (our own IRIs and vocabulary codes)
or by `iri` (absolute IRIs taken from data, such as a landing page or a licence URI).

Both guarantee what every RDF syntax we write needs: no character IRIREF forbids in
N-Triples/Turtle (`<`, `>`, `"`, `{`, `}`, `|`, `\\`, `^`, `` ` ``, space and the other
control characters, DEL) ever reaches a writer raw; they are percent-encoded as UTF-8
(RFC 3987 §3.1). `mint` also escapes `/`, `?`, `#` and `%` inside a key, so a hostile id or
name can neither reach another resource's IRI nor end the IRI and start a new triple.
"""

from __future__ import annotations

import re


class Iri(str):
    """An absolute IRI, already made safe for every syntax (made by `mint` or `iri`)."""

    __slots__ = ()


# Schemes we emit. A whitelist keeps scheme names from colliding with the JSON-LD prefixes.
_SCHEME = re.compile(r"^(?:https?|mailto|urn|ftp|ftps|tag):", re.IGNORECASE)
# Characters IRIREF forbids in N-Triples/Turtle, plus what RFC 3987 keeps out of an IRI or
# parsers read as line ends or spaces (DEL, C1 controls, Unicode spaces, line and paragraph
# separators, bidi controls, BOM, surrogates, private use, non-characters): percent-encoded.
_FORBIDDEN = (  # a regex character-class body (raw: the escapes are the regex's)
    r'\x00-\x20<>"{}|^`\\\x7f-\xa0\u1680\u180e\u2000-\u200f\u2028-\u202f\u205f-\u206f'
    r"\u3000\ud800-\udfff\ue000-\uf8ff\ufdd0-\ufdef\ufeff\ufff0-\uffff"
)
_UNSAFE = re.compile(f"[{_FORBIDDEN}]")
# Inside one key (a path segment or a fragment) the delimiters must not act as such either.
_UNSAFE_IN_KEY = re.compile(f"[{_FORBIDDEN}/?#%]")


def _percent(match: re.Match[str]) -> str:
    # surrogatepass: a lone surrogate (never valid text) still becomes inert bytes
    return "".join(f"%{b:02X}" for b in match.group().encode("utf-8", "surrogatepass"))


def _escaped(text: str, unsafe: re.Pattern[str]) -> str:
    return unsafe.sub(_percent, text) if unsafe.search(text) else text


def mint(prefix: str, key: str = "", *, fragment: str = "") -> Iri:
    """`prefix` + `key` [+ `#fragment`]: one of our IRIs (`{base}/dataset/{id}`) or a
    vocabulary code (`{namespace}{code}`).

    `prefix` is code-made (our base URI, a namespace); it is escaped like any IRI all the
    same. `key` and `fragment` are data: escaped as single segments. Examples:
    mint("http://x/dataset/", "a b") == "http://x/dataset/a%20b";
    mint("http://x/dataset/1", fragment="contact") == "http://x/dataset/1#contact".
    """
    out = _escaped(prefix, _UNSAFE) + _escaped(key, _UNSAFE_IN_KEY)
    if fragment:
        out += "#" + _escaped(fragment, _UNSAFE_IN_KEY)
    return Iri(out)


def iri(value: str | None) -> Iri | None:
    """The IRI for a user-supplied URL, or None when it is not an absolute IRI we can emit.

    Spaces, quotes, angle brackets and the like are percent-encoded; relative references and
    unknown schemes are refused, since an RDF document must not gain a base-dependent meaning.
    """
    if not value:
        return None
    text = value.strip()
    # Fast path for the common case (the export calls this for every URL).
    fast = text.startswith(("https://", "http://")) and len(text) > 8
    if not fast and (not _SCHEME.match(text) or len(text) <= text.index(":") + 1):
        return None
    return Iri(_escaped(text, _UNSAFE))
