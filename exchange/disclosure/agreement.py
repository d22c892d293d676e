"""The confidentiality agreement a requester accepts: which text applies, and its version."""
import hashlib

# The exchange's template, in both languages in one text so that both parties read the same
# words whatever language either of them uses. Owners replace it per listing or per business.
DEFAULT_TEMPLATE = """THỎA THUẬN BẢO MẬT / CONFIDENTIALITY AGREEMENT

1. Bên nhận cam kết chỉ sử dụng thông tin mật (mô tả chi tiết, tài liệu, hình ảnh) của tin \
đăng này để đánh giá khả năng hợp tác, chuyển giao công nghệ với bên cung cấp.
2. Bên nhận không tiết lộ, sao chép hay chuyển thông tin mật cho bên thứ ba khi chưa có sự \
đồng ý bằng văn bản của bên cung cấp, trừ nhân sự trực tiếp tham gia đánh giá và có cùng \
nghĩa vụ bảo mật.
3. Nghĩa vụ bảo mật có hiệu lực 03 năm kể từ ngày chấp nhận. Khi được yêu cầu, bên nhận \
hủy hoặc trả lại mọi tài liệu đã nhận.
4. Thỏa thuận không áp dụng cho thông tin đã được công bố công khai hoặc bên nhận đã có \
hợp pháp trước đó.

1. The recipient shall use the confidential information of this listing (detailed \
description, documents, images) only to evaluate a cooperation or technology transfer with \
the provider.
2. The recipient shall not disclose, copy or pass on the confidential information to any \
third party without the provider's written consent, except to staff directly involved in \
the evaluation who are bound by the same obligation.
3. This obligation lasts three (3) years from acceptance. On request, the recipient shall \
destroy or return every document received.
4. This agreement does not cover information that is public or was lawfully held by the \
recipient before.
"""

MODES = ("none", "default", "custom")


def agreement_for(listing) -> str | None:
    """The text a requester must accept for this listing, or None when there is none."""
    mode = listing.agreement_mode or "none"
    if mode == "custom" and (listing.agreement_text or "").strip():
        return listing.agreement_text.strip()
    if mode in ("default", "custom"):
        own = (listing.business.agreement_text or "").strip() if listing.business else ""
        return own or DEFAULT_TEMPLATE
    return None


def text_version(text: str) -> str:
    """The version of an agreement text: its SHA-256, over the text as shown."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
