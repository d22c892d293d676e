"""Demo businesses, members and staff for `flask exchange seed-demo`."""
from sqlalchemy import func, select
from stdnum.vn import mst

from exchange.accounts.models import Business, Member, Role
from exchange.extensions import db
from exchange.timeutil import utcnow

DEMO_PASSWORD = "demo-Password-1"

# name, 9-digit tax code stem, province, sector, member name, email, website
BUSINESSES = (
    ("Công ty TNHH Cơ khí Hưng Thịnh", "010234567", "ha_noi", "mechanical_engineering",
     "Nguyễn Văn Hùng", "hung@cokhihungthinh.vn", "https://cokhihungthinh.vn"),
    ("Công ty CP Nông sản Sạch Mekong", "180345678", "can_tho", "agriculture",
     "Trần Thị Mai", "mai@nongsanmekong.vn", "https://nongsanmekong.vn"),
    ("Công ty TNHH Thiết bị Năng lượng Mặt Trời Phương Nam", "030456789", "ho_chi_minh",
     "energy", "Lê Minh Tuấn", "tuan@nangluongphuongnam.vn", "https://nangluongphuongnam.vn"),
    ("Viện Công nghệ Sinh học Ứng dụng Lâm Đồng", "580567890", "lam_dong", "biotechnology",
     "Phạm Thu Hà", "ha@sinhhoclamdong.vn", "https://sinhhoclamdong.vn"),
    ("Công ty CP Môi trường Xanh Hải Phòng", "020678901", "hai_phong", "environment",
     "Vũ Đức Anh", "anh@moitruongxanh.vn", "https://moitruongxanh.vn"),
    ("Công ty TNHH Tự động hóa Đà Nẵng", "040789012", "da_nang", "electronics_automation",
     "Hoàng Quốc Bảo", "bao@tudonghoadanang.vn", "https://tudonghoadanang.vn"),
    ("Công ty CP Phần mềm Sông Hồng", "010890123", "ha_noi", "ict",
     "Đặng Thị Lan", "lan@phanmemsonghong.vn", "https://phanmemsonghong.vn"),
    ("Hợp tác xã Nấm Phú Thọ", "260901234", "phu_tho", "agriculture",
     "Bùi Văn Sơn", "son@namphutho.vn", ""),
    ("Công ty TNHH Chế biến Thực phẩm Tây Nguyên", "600112345", "dak_lak", "food_processing",
     "Ngô Thị Hạnh", "hanh@thucphamtaynguyen.vn", "https://thucphamtaynguyen.vn"),
    ("Công ty CP Vật liệu Xây dựng Bắc Ninh", "230223456", "bac_ninh", "construction_materials",
     "Đỗ Mạnh Cường", "cuong@vlxdbacninh.vn", "https://vlxdbacninh.vn"),
    ("Công ty TNHH Thiết bị Y tế Huế", "330334567", "hue", "health_medical",
     "Phan Thị Thu", "thu@thietbiytehue.vn", "https://thietbiytehue.vn"),
    ("Công ty CP Hóa chất Đồng Nai", "360445678", "dong_nai", "chemistry_materials",
     "Lý Văn Phúc", "phuc@hoachatdongnai.vn", "https://hoachatdongnai.vn"),
)

STAFF = (
    ("moderator@sangiaodich.vn", "Kiểm duyệt viên Nguyễn Thị Thanh", Role.MODERATOR),
    ("moderator2@sangiaodich.vn", "Kiểm duyệt viên Trần Văn Long", Role.MODERATOR),
    ("admin@sangiaodich.vn", "Quản trị viên Sàn", Role.ADMIN),
)


def tax_code(stem: str) -> str:
    return stem + mst.calc_check_digit(stem)


def _member(email, full_name, business=None, role=Role.MEMBER) -> Member:
    member = db.session.scalar(select(Member).where(Member.email == email))
    if member is None:
        member = Member(email=email, full_name=full_name, business=business, role=role,
                        email_verified_at=utcnow())
        member.set_password(DEMO_PASSWORD)
        db.session.add(member)
    return member


def seed_people(only_if_empty=False) -> dict | None:
    """Create (or find) the demo businesses and staff; returns them for the listing seeder."""
    if only_if_empty and db.session.scalar(select(func.count()).select_from(Business)):
        return None
    businesses, members = [], []
    for index, (name, stem, province, sector, person, email, website) in enumerate(BUSINESSES):
        code = tax_code(stem)
        business = db.session.scalar(select(Business).where(Business.tax_code == code))
        if business is None:
            business = Business(name=name, tax_code=code, province=province, sector=sector,
                                website=website, phone=f"0912 345 {600 + index:03d}",
                                address=f"Số {10 + index} đường Trần Hưng Đạo",
                                is_verified=index % 4 != 3)
            db.session.add(business)
        businesses.append(business)
        members.append(_member(email, person, business))
    staff = [_member(email, name, role=role) for email, name, role in STAFF]
    db.session.flush()
    return {"businesses": businesses, "members": members, "moderator": staff[0],
            "staff": staff}
