"""schema.org JSON-LD for a page, as markup that cannot end its <script> element."""
import json

from markupsafe import Markup

# inside <script> the HTML parser looks for "</script" and "<!--" whatever the JSON says;
# with <, > and & written as \u escapes the text holds neither, and parses to the same data
_ESCAPES = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026",
            ord("\u2028"): "\\u2028", ord("\u2029"): "\\u2029"}


def json_ld(data: dict) -> Markup:
    """The JSON text of `data` for a <script type="application/ld+json"> element."""
    text = json.dumps(data, ensure_ascii=False, default=str, separators=(",", ":"))
    return Markup(text.translate(_ESCAPES))
