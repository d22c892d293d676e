"""schema.org JSON-LD for pages: the data as a <script> block no text inside can break out of."""
import json

from markupsafe import Markup

# inside <script>, the HTML parser ends the element at "</script" and treats "<!--" specially
# whatever the JSON says; with <, > and & written as JSON escapes no text can do either, and
# U+2028/2029 are escaped for old JavaScript parsers that read the block
_ESCAPES = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026",
            0x2028: "\\u2028", 0x2029: "\\u2029"}


def json_ld_text(data) -> str:
    """`data` as JSON with every character that means something to HTML escaped."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True, default=str).translate(_ESCAPES)


def json_ld(data) -> Markup:
    """A complete <script type="application/ld+json"> element for a template."""
    return Markup('<script type="application/ld+json">%s</script>') % Markup(json_ld_text(data))
