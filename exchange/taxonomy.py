"""Exchange taxonomies (kinds, categories, sectors, provinces, ...) as bilingual data."""
import re
import unicodedata
from dataclasses import dataclass
from typing import Iterable

DEFAULT_LOCALE = "vi"


def _current_language() -> str:
    """Language of the current Flask-Babel locale, or 'vi' outside a request/app."""
    try:
        from flask_babel import get_locale

        locale = get_locale()
    except Exception:  # no flask_babel, no app/request context, babel not set up
        return DEFAULT_LOCALE
    if locale is None:
        return DEFAULT_LOCALE
    return getattr(locale, "language", None) or str(locale).split("_")[0] or DEFAULT_LOCALE


def _language(locale) -> str:
    if locale is None:
        return _current_language()
    return str(locale).replace("-", "_").split("_")[0].lower() or DEFAULT_LOCALE


@dataclass(frozen=True)
class Term:
    code: str  # stable ascii slug, e.g. "food_processing"
    vi: str
    en: str

    def label(self, locale: str | None = None) -> str:
        """Label in ``locale`` ('vi'/'en'); None means the current Flask-Babel locale."""
        return self.en if _language(locale) == "en" else self.vi


@dataclass(frozen=True)
class Province(Term):
    # pre-2025 units merged into this one: (vi name, ascii name)
    former: tuple[tuple[str, str], ...] = ()


# --------------------------------------------------------------------------
# Text folding
# --------------------------------------------------------------------------

_WS = re.compile(r"\s+")
_PUNCT = re.compile(r"[\W_]+")


def fold(text: str) -> str:
    """Lowercase, strip Vietnamese diacritics (đ -> d) and collapse whitespace."""
    text = unicodedata.normalize("NFD", text or "")
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.replace("đ", "d").replace("Đ", "D").lower()
    return _WS.sub(" ", text).strip()


def _key(text: str) -> str:
    """Comparison key: folded, with punctuation/underscores treated as spaces."""
    return _PUNCT.sub(" ", fold(text)).strip()


# --------------------------------------------------------------------------
# Taxonomies
# --------------------------------------------------------------------------

KINDS: tuple[Term, ...] = (
    Term("offer", "Chào bán", "Offer"),
    Term("request", "Chào mua", "Request"),
)

CATEGORIES: tuple[Term, ...] = (
    Term("technology", "Công nghệ", "Technology"),
    Term("equipment", "Thiết bị", "Equipment"),
    Term("service", "Dịch vụ", "Service"),
    Term("intellectual_property", "Sở hữu trí tuệ", "Intellectual property"),
)

SECTORS: tuple[Term, ...] = (
    Term("agriculture", "Nông nghiệp", "Agriculture"),
    Term("food_processing", "Chế biến thực phẩm", "Food processing"),
    Term("mechanical_engineering", "Cơ khí chế tạo", "Mechanical engineering"),
    Term("electronics_automation", "Điện tử & tự động hóa", "Electronics & automation"),
    Term("ict", "Công nghệ thông tin", "Information & communication technology"),
    Term("biotechnology", "Công nghệ sinh học", "Biotechnology"),
    Term("chemistry_materials", "Hóa chất & vật liệu", "Chemicals & materials"),
    Term("energy", "Năng lượng", "Energy"),
    Term("environment", "Môi trường", "Environment"),
    Term("construction_materials", "Vật liệu xây dựng", "Construction materials"),
    Term("health_medical", "Y tế & thiết bị y tế", "Health & medical devices"),
    Term("other", "Khác", "Other"),
)

IP_STATUSES: tuple[Term, ...] = (
    Term("none", "Chưa đăng ký bảo hộ", "Not protected"),
    Term("patent_pending", "Đang chờ cấp bằng sáng chế", "Patent pending"),
    Term("patented", "Đã được cấp bằng sáng chế", "Patented"),
    Term("utility_solution", "Giải pháp hữu ích", "Utility solution"),
    Term("know_how", "Bí quyết kỹ thuật", "Know-how"),
)

TRANSFER_MODES: tuple[Term, ...] = (
    Term("sale", "Mua bán", "Sale"),
    Term("licence", "Chuyển giao quyền sử dụng", "Licence"),
    Term("joint_venture", "Liên doanh, liên kết", "Joint venture"),
    Term("technical_assistance", "Hỗ trợ kỹ thuật", "Technical assistance"),
    Term("turnkey", "Chìa khóa trao tay", "Turnkey"),
)

UNITS: tuple[Term, ...] = (
    Term("piece", "chiếc", "piece"),
    Term("set", "bộ", "set"),
    Term("line", "dây chuyền", "production line"),
    Term("system", "hệ thống", "system"),
    Term("package", "gói", "package"),
    Term("tonne", "tấn", "tonne"),
    Term("kg", "kg", "kg"),
    Term("litre", "lít", "litre"),
    Term("m2", "m²", "m²"),
    Term("m3", "m³", "m³"),
    Term("licence", "giấy phép", "licence"),
)

# Technology Readiness Levels: (level, vi, en)
TRL_LEVELS: tuple[tuple[int, str, str], ...] = (
    (1, "Nguyên lý cơ bản", "Basic principles observed"),
    (2, "Hình thành khái niệm công nghệ", "Technology concept formulated"),
    (3, "Chứng minh khái niệm bằng thực nghiệm", "Experimental proof of concept"),
    (4, "Thẩm định trong phòng thí nghiệm", "Technology validated in lab"),
    (5, "Thẩm định trong môi trường liên quan", "Technology validated in relevant environment"),
    (6, "Trình diễn trong môi trường liên quan", "Technology demonstrated in relevant environment"),
    (7, "Trình diễn mẫu thử trong môi trường vận hành", "Prototype demonstrated in operational environment"),
    (8, "Hệ thống hoàn chỉnh và được kiểm chứng", "System complete and qualified"),
    (9, "Đã chứng minh trong vận hành thực tế", "Proven in operational environment"),
)

_CITY_PREFIX = re.compile(r"^(tp|thanh pho|tinh|city of)\s+")
_CITY_SUFFIX = re.compile(r"\s+(city|province)$")


def _place_key(text: str) -> str:
    """Comparison key for place names: drops "TP.", "Tỉnh", "... City", "... Province"."""
    key = _key(text)
    key = _CITY_PREFIX.sub("", key)
    return _CITY_SUFFIX.sub("", key)


# The 34 provincial-level units in force since 1 July 2025
# (Resolution 202/2025/QH15): 6 centrally-run cities and 28 provinces.
PROVINCES: tuple[Province, ...] = tuple(
    sorted(
        (
            Province("an_giang", "An Giang", "An Giang", (("Kiên Giang", "Kien Giang"),)),
            Province("bac_ninh", "Bắc Ninh", "Bac Ninh", (("Bắc Giang", "Bac Giang"),)),
            Province("ca_mau", "Cà Mau", "Ca Mau", (("Bạc Liêu", "Bac Lieu"),)),
            Province(
                "can_tho", "Cần Thơ", "Can Tho",
                (("Sóc Trăng", "Soc Trang"), ("Hậu Giang", "Hau Giang")),
            ),
            Province("cao_bang", "Cao Bằng", "Cao Bang"),
            Province("da_nang", "Đà Nẵng", "Da Nang", (("Quảng Nam", "Quang Nam"),)),
            Province("dak_lak", "Đắk Lắk", "Dak Lak", (("Phú Yên", "Phu Yen"),)),
            Province("dien_bien", "Điện Biên", "Dien Bien"),
            Province("dong_nai", "Đồng Nai", "Dong Nai", (("Bình Phước", "Binh Phuoc"),)),
            Province("dong_thap", "Đồng Tháp", "Dong Thap", (("Tiền Giang", "Tien Giang"),)),
            Province("gia_lai", "Gia Lai", "Gia Lai", (("Bình Định", "Binh Dinh"),)),
            Province("ha_noi", "Hà Nội", "Hanoi"),
            Province("ha_tinh", "Hà Tĩnh", "Ha Tinh"),
            Province("hai_phong", "Hải Phòng", "Hai Phong", (("Hải Dương", "Hai Duong"),)),
            Province(
                "ho_chi_minh", "TP. Hồ Chí Minh", "Ho Chi Minh City",
                (("Bình Dương", "Binh Duong"), ("Bà Rịa - Vũng Tàu", "Ba Ria - Vung Tau")),
            ),
            Province("hue", "Huế", "Hue"),
            Province("hung_yen", "Hưng Yên", "Hung Yen", (("Thái Bình", "Thai Binh"),)),
            Province("khanh_hoa", "Khánh Hòa", "Khanh Hoa", (("Ninh Thuận", "Ninh Thuan"),)),
            Province("lai_chau", "Lai Châu", "Lai Chau"),
            Province(
                "lam_dong", "Lâm Đồng", "Lam Dong",
                (("Đắk Nông", "Dak Nong"), ("Bình Thuận", "Binh Thuan")),
            ),
            Province("lang_son", "Lạng Sơn", "Lang Son"),
            Province("lao_cai", "Lào Cai", "Lao Cai", (("Yên Bái", "Yen Bai"),)),
            Province("nghe_an", "Nghệ An", "Nghe An"),
            Province(
                "ninh_binh", "Ninh Bình", "Ninh Binh",
                (("Hà Nam", "Ha Nam"), ("Nam Định", "Nam Dinh")),
            ),
            Province(
                "phu_tho", "Phú Thọ", "Phu Tho",
                (("Vĩnh Phúc", "Vinh Phuc"), ("Hòa Bình", "Hoa Binh")),
            ),
            Province("quang_ngai", "Quảng Ngãi", "Quang Ngai", (("Kon Tum", "Kon Tum"),)),
            Province("quang_ninh", "Quảng Ninh", "Quang Ninh"),
            Province("quang_tri", "Quảng Trị", "Quang Tri", (("Quảng Bình", "Quang Binh"),)),
            Province("son_la", "Sơn La", "Son La"),
            Province("tay_ninh", "Tây Ninh", "Tay Ninh", (("Long An", "Long An"),)),
            Province("thai_nguyen", "Thái Nguyên", "Thai Nguyen", (("Bắc Kạn", "Bac Kan"),)),
            Province("thanh_hoa", "Thanh Hóa", "Thanh Hoa"),
            Province("tuyen_quang", "Tuyên Quang", "Tuyen Quang", (("Hà Giang", "Ha Giang"),)),
            Province(
                "vinh_long", "Vĩnh Long", "Vinh Long",
                (("Bến Tre", "Ben Tre"), ("Trà Vinh", "Tra Vinh")),
            ),
        ),
        # Alphabetical by Vietnamese name, ignoring the "TP." prefix.
        key=lambda p: _place_key(p.vi),
    )
)

# Common informal spellings accepted by resolve() (matched with _place_key).
_PROVINCE_ALIASES: dict[str, tuple[str, ...]] = {
    "ho_chi_minh": ("HCM", "TPHCM", "TP HCM", "HCMC", "Sài Gòn", "Saigon"),
    "ha_noi": ("Ha Noi City",),
    "hue": ("Thừa Thiên Huế", "Thua Thien Hue"),
}


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------

def by_code(terms: Iterable[Term], code: str | None) -> Term | None:
    """The term with exactly this code, or None."""
    for term in terms:
        if term.code == code:
            return term
    return None


def codes(terms: Iterable[Term]) -> tuple[str, ...]:
    return tuple(term.code for term in terms)


def choices(terms: Iterable[Term], locale: str | None = None) -> list[tuple[str, str]]:
    """(code, label) pairs for WTForms SelectField choices."""
    language = _language(locale)
    return [(term.code, term.label(language)) for term in terms]


def label(terms: Iterable[Term], code: str, locale: str | None = None) -> str:
    """Label for ``code``; the code itself when it is unknown."""
    term = by_code(terms, code)
    return term.label(locale) if term is not None else code


def resolve(terms: Iterable[Term], value: str | None) -> Term | None:
    """Find a term by code, vi label or en label (diacritic/case-insensitive).

    Provinces also match their pre-2025 former names (and a few common
    aliases), returning the current province.
    """
    if value is None:
        return None
    terms = tuple(terms)
    wanted = _key(str(value))
    if not wanted:
        return None
    for term in terms:
        if wanted in (_key(term.code), _key(term.vi), _key(term.en)):
            return term

    provinces = [t for t in terms if isinstance(t, Province)]
    if not provinces:
        return None
    wanted = _place_key(str(value))
    for province in provinces:
        names = (province.code, province.vi, province.en)
        names += _PROVINCE_ALIASES.get(province.code, ())
        if wanted in {_place_key(name) for name in names}:
            return province
    for province in provinces:
        for vi_name, ascii_name in province.former:
            if wanted in (_place_key(vi_name), _place_key(ascii_name)):
                return province
    return None


def _bare_name(name: str) -> str:
    """Province name without the "TP." prefix."""
    return re.sub(r"^TP\.?\s*", "", name).strip()


def province_synonyms() -> dict[str, list[str]]:
    """Meilisearch synonyms linking merged provinces and their former units, both ways."""
    synonyms: dict[str, list[str]] = {}

    def add(key: str, values: Iterable[str]) -> None:
        bucket = synonyms.setdefault(key, [])
        for value in values:
            if value != key and value not in bucket:
                bucket.append(value)

    for province in PROVINCES:
        if not province.former:
            continue
        bare = _bare_name(province.vi)
        current = list(dict.fromkeys((bare.lower(), fold(bare))))
        former = list(
            dict.fromkeys(
                form
                for vi_name, ascii_name in province.former
                for form in (vi_name.lower(), ascii_name.lower(), fold(vi_name))
            )
        )
        for name in current:
            add(name, former)
        for name in former:
            add(name, current)
    return synonyms


__all__ = [
    "Term",
    "Province",
    "KINDS",
    "CATEGORIES",
    "SECTORS",
    "IP_STATUSES",
    "TRANSFER_MODES",
    "UNITS",
    "PROVINCES",
    "TRL_LEVELS",
    "by_code",
    "codes",
    "choices",
    "label",
    "fold",
    "resolve",
    "province_synonyms",
]
