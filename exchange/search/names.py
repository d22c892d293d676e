"""Business names split into their distinctive part and legal-form words, and province names.

Nearly every Vietnamese business is a "Công ty TNHH Thương mại và Dịch vụ …": searching the
whole name made `tn`, `cong ty` or `thuong mai` match every listing. Only the distinctive part
("Hải Âu") is searched; the legal-form words are kept beside it, displayed but never searched.
"""
import re
import unicodedata

from exchange import taxonomy

# spelled as Vietnamese writes them, lower case; a word typed without diacritics matches the
# folded spelling ("Cong ty"), a word with diacritics only its own ("Cơ khí" is no "Co.")
LEGAL_PHRASES = (
    "công ty", "cty", "tổng công ty", "trách nhiệm hữu hạn", "tnhh", "cổ phần", "cp",
    "thương mại", "tm", "dịch vụ", "dv", "xuất nhập khẩu", "xnk", "xuất khẩu", "nhập khẩu",
    "sản xuất", "sx", "đầu tư", "phát triển", "tập đoàn", "một thành viên", "mtv",
    "hai thành viên", "doanh nghiệp tư nhân", "dntn", "doanh nghiệp", "chi nhánh",
    "liên doanh", "jsc", "jsco", "co", "ltd", "llc", "inc", "corp", "corporation", "company",
    "limited", "group", "joint stock", "trading", "services", "service", "import export",
    "investment", "development", "production", "manufacturing",
    # connectors left between the words above ("Thương mại và Dịch vụ")
    "và", "&", "-", "and",
)
_PHRASES = sorted((tuple(p.split()) for p in LEGAL_PHRASES), key=len, reverse=True)
# what a buyer types in front of a name ("cong ty Hai Au", "tnhh thuong mai máy khoan"):
# Vietnamese legal forms and the generic trade words of business names, not the English
# words above ("manufacturing line" is a real search)
QUERY_PHRASES = (
    "công ty", "cty", "tổng công ty", "trách nhiệm hữu hạn", "tnhh", "cổ phần",
    "thương mại", "dịch vụ", "xuất nhập khẩu", "một thành viên", "mtv", "doanh nghiệp tư nhân",
    "dntn", "jsc", "ltd",
)
_QUERY_PHRASES = sorted((tuple(p.split()) for p in QUERY_PHRASES), key=len, reverse=True)
_EDGE = re.compile(r"^[^\w&]+|[^\w&]+$")


def _same(word: str, legal: str) -> bool:
    word = _EDGE.sub("", unicodedata.normalize("NFC", word).lower()) or word
    return word == legal or (word.isascii() and word == taxonomy.fold(legal))


def split_business_name(name: str, phrases=_PHRASES) -> tuple[str, str]:
    """(distinctive part, legal-form words) of a business name, each in its own spelling."""
    words = (name or "").split()
    distinctive: list[str] = []
    legal: list[str] = []
    position = 0
    while position < len(words):
        for phrase in phrases:
            span = words[position:position + len(phrase)]
            if len(span) == len(phrase) and all(map(_same, span, phrase)):
                legal.extend(words[position:position + len(phrase)])
                position += len(phrase)
                break
        else:
            distinctive.append(words[position])
            position += 1
    return _tidy(distinctive), _tidy(legal)


def query_words(q: str) -> str:
    """A query without the legal-form words typed in front of what is sought: they are in no
    searched attribute, so they would only crowd the words that are. A query of such words
    alone is left as typed (it then finds what names them in its own text)."""
    distinctive, legal = split_business_name(q, _QUERY_PHRASES)
    return distinctive if distinctive and legal else q


def _tidy(words: list[str]) -> str:
    return " ".join(_EDGE.sub("", word) or word for word in words).strip()


def province_names(code: str | None) -> list[str]:
    """Every name a buyer may type for a province: current (vi, en) and pre-2025 names."""
    province = taxonomy.by_code(taxonomy.PROVINCES, code) if code else None
    if province is None:
        return []
    names = [re.sub(r"^TP\.?\s*", "", province.vi), province.en]
    for vi_name, ascii_name in getattr(province, "former", ()):
        names += [vi_name, ascii_name]
    return list(dict.fromkeys(names))
