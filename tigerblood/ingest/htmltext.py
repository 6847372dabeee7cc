"""Plain text and links out of the small HTML fragments platforms send (Mastodon posts, X sources).

Mastodon sends post bodies and bios as sanitized HTML and X sends the posting client as an anchor;
features compare text and links, not markup, so adapters store the text a reader sees and the
links' targets. The stdlib parser is enough: the fragments are already sanitized by the server, and
we only read them, never render them.

>>> html_to_text('<p>Hi <a href="https://x.org/a" rel="nofollow">x.org/a</a></p><p>bye<br>now</p>')
('Hi x.org/a\\n\\nbye\\nnow', ['https://x.org/a'])
>>> anchor_text('<a href="http://twitter.com/download/iphone">Twitter for iPhone</a>')
'Twitter for iPhone'
"""

from __future__ import annotations

from html.parser import HTMLParser

_NOT_LINKS = frozenset({"mention", "hashtag"})


class _Fragment(HTMLParser):
    """Collects visible text and the targets of ordinary links (not @mentions or #hashtags)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append("\n")
        elif tag == "p" and self.parts:
            self.parts.append("\n\n")
        elif tag == "a":
            values = {name: value or "" for name, value in attrs}
            classes = set(values.get("class", "").split())
            rels = set(values.get("rel", "").split())
            href = values.get("href", "").strip()
            if href and not (classes & _NOT_LINKS) and "tag" not in rels and href not in self.links:
                self.links.append(href)

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_to_text(fragment: str) -> tuple[str, list[str]]:
    """The visible text of an HTML fragment (paragraphs and ``<br>`` as newlines) and its links."""
    parser = _Fragment()
    parser.feed(fragment)
    parser.close()
    return "".join(parser.parts).strip(), parser.links


def anchor_text(fragment: str) -> str:
    """The text of a (possibly) HTML fragment: an X ``source`` anchor gives the client's name."""
    if "<" not in fragment:
        return fragment.strip()
    return html_to_text(fragment)[0]
