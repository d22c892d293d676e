"""The JSON-LD helper: any text stays inside its <script> element and parses back."""
import json
import re

from exchange.core.jsonld import json_ld, json_ld_text

HOSTILE = ['</script><script>alert(1)</script>', "<!--<script>", "a & b > c",
           '"><img src=x onerror=alert(1)>', "\u2028line\u2029", "</SCRIPT >"]


def test_hostile_text_cannot_end_the_script_element_and_reads_back_unchanged():
    data = {"@type": "Product", "name": "".join(HOSTILE), "list": HOSTILE}
    html = str(json_ld(data))
    assert html.startswith('<script type="application/ld+json">')
    inner = html[len('<script type="application/ld+json">'):-len("</script>")]
    assert not re.search(r"[<>&]", inner)
    assert "</script" not in inner.lower() and "<!--" not in inner
    assert json.loads(inner) == data
    assert json.loads(json_ld_text(data)) == data
