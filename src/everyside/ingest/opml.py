"""OPML 2.0 import and export of feed subscriptions (defusedxml for the import)."""

from __future__ import annotations

from xml.etree import ElementTree as ET

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException

from everyside.errors import InputError
from everyside.services.feeds import FeedRow


def parse_opml(data: bytes, path: str = "OPML") -> list[tuple[str, str | None]]:
    """(feed URL, title) of every outline with an xmlUrl, nested folders included."""
    try:
        root = SafeET.fromstring(data, forbid_dtd=True)
    except (DefusedXmlException, SafeET.ParseError, ValueError) as e:
        raise InputError(f"not a readable OPML file: {e}", path=path) from e
    if root.tag.lower() != "opml":
        raise InputError(f"root element is <{root.tag}>, expected <opml>", path=path)
    out: list[tuple[str, str | None]] = []
    seen: set[str] = set()
    for node in root.iter("outline"):
        url = (node.get("xmlUrl") or node.get("xmlurl") or "").strip()
        if url and url not in seen:
            seen.add(url)
            out.append((url, node.get("title") or node.get("text") or None))
    return out


def write_opml(feeds: list[FeedRow], title: str = "everyside feeds") -> bytes:
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    body = ET.SubElement(root, "body")
    for f in feeds:
        attrs = {"type": "rss", "text": f.title or f.url, "xmlUrl": f.url}
        if f.title:
            attrs["title"] = f.title
        ET.SubElement(body, "outline", attrs)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"
