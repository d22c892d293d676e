"""Listings, their revisions (all content lives in revisions) and their files."""
from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from exchange.core.panelstate import GLOBAL, track_for_panels
from exchange.extensions import db
from exchange.timeutil import UTCDateTime, utcnow


class Kind(StrEnum):
    OFFER = "offer"
    REQUEST = "request"


class Status(StrEnum):
    DRAFT = "draft"
    PENDING_REVIEW = "pending_review"
    PUBLISHED = "published"
    CHANGES_REQUESTED = "changes_requested"
    REJECTED = "rejected"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"
    SUSPENDED = "suspended"


class RevisionStatus(StrEnum):
    DRAFT = "draft"
    PENDING = "pending"
    APPROVED = "approved"
    CHANGES_REQUESTED = "changes_requested"
    REJECTED = "rejected"
    SUPERSEDED = "superseded"
    WITHDRAWN = "withdrawn"


class Listing(db.Model):
    """Identity and state of an offer or request; what it says is in its revisions."""

    __tablename__ = "listings"
    __table_args__ = (Index("ix_listings_status_published_at", "status", "published_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    kind: Mapped[Kind] = mapped_column(String(10))
    status: Mapped[Status] = mapped_column(String(20), default=Status.DRAFT)
    # the revision the public sees; None until the first approval
    approved_revision_id: Mapped[int | None] = mapped_column(
        ForeignKey("listing_revisions.id", use_alter=True), index=True
    )
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    featured_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # days from posting to the first approved expiry, kept at the first renewal (renewals
    # move the expiry, so it could not be worked out again afterwards)
    lifetime_days: Mapped[int | None] = mapped_column()
    # the confidentiality agreement a requester accepts before asking for the confidential
    # parts: "none", "default" (the business's text, else the exchange's template) or
    # "custom" (agreement_text); not reviewed content, so it lives on the listing
    agreement_mode: Mapped[str] = mapped_column(String(10), default="none")
    agreement_text: Mapped[str | None] = mapped_column(Text)
    external_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    business = relationship("Business", lazy="joined")
    created_by = relationship("Member")
    approved_revision: Mapped["Revision | None"] = relationship(
        foreign_keys=[approved_revision_id], post_update=True
    )
    revisions: Mapped[list["Revision"]] = relationship(
        back_populates="listing",
        foreign_keys="Revision.listing_id",
        order_by="Revision.number",
    )

    @property
    def latest_revision(self) -> "Revision":
        return self.revisions[-1]

    @property
    def pending_revision(self) -> "Revision | None":
        latest = self.latest_revision if self.revisions else None
        if latest is not None and latest.id != self.approved_revision_id:
            return latest
        return None

    @property
    def public_revision(self) -> "Revision | None":
        return self.approved_revision if self.status == Status.PUBLISHED else None

    @property
    def is_public(self) -> bool:
        rev = self.approved_revision
        return (
            self.status == Status.PUBLISHED
            and rev is not None
            and (rev.expires_at is None or rev.expires_at > utcnow())
        )

    @property
    def is_featured(self) -> bool:
        return self.featured_until is not None and self.featured_until > utcnow()

    def set_agreement(self, mode: str, text: str | None) -> None:
        """The owner's choice of agreement (not reviewed: it binds requesters only)."""
        self.agreement_mode = mode if mode in ("none", "default", "custom") else "none"
        self.agreement_text = ((text or "").strip() or None) if mode == "custom" else None

    def __repr__(self):
        return f"<Listing {self.id} {self.kind} {self.status}>"


class Revision(db.Model):
    """One version of a listing's content, reviewed on its own."""

    __tablename__ = "listing_revisions"
    # the statistics' "version in force at a date" and its content, read from these narrow
    # indexes alone (index-only scans) instead of the wide revision rows
    __table_args__ = (
        Index("ix_listing_revisions_in_force", "listing_id", "status", "decided_at", "id"),
        Index("ix_listing_revisions_stats_content", "id", "sector", "province", "category",
              "expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id"), index=True)
    number: Mapped[int] = mapped_column(default=1)
    status: Mapped[RevisionStatus] = mapped_column(String(20), default=RevisionStatus.DRAFT)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))

    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(40))
    sector: Mapped[str] = mapped_column(String(40))
    province: Mapped[str] = mapped_column(String(40))
    trl: Mapped[int | None] = mapped_column()
    ip_status: Mapped[str] = mapped_column(String(30), default="none")
    transfer_modes: Mapped[list] = mapped_column(JSON, default=list)
    price_vnd: Mapped[int | None] = mapped_column(BigInteger)
    budget_min_vnd: Mapped[int | None] = mapped_column(BigInteger)
    budget_max_vnd: Mapped[int | None] = mapped_column(BigInteger)
    price_negotiable: Mapped[bool] = mapped_column(default=False)
    quantity: Mapped[int | None] = mapped_column()
    unit: Mapped[str | None] = mapped_column(String(20))
    keywords: Mapped[list] = mapped_column(JSON, default=list)
    # staged disclosure: the description is shown only to granted businesses, and an
    # anonymous version hides the business's identity until a grant
    description_confidential: Mapped[bool] = mapped_column(default=False)
    is_anonymous: Mapped[bool] = mapped_column(default=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # requests only: proposals are accepted until then (None: until the request expires)
    proposals_close_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str | None] = mapped_column(Text)

    listing: Mapped[Listing] = relationship(back_populates="revisions", foreign_keys=[listing_id])
    author = relationship("Member", foreign_keys=[author_id])
    files: Mapped[list["RevisionFile"]] = relationship(
        back_populates="revision", order_by="RevisionFile.position", cascade="all, delete-orphan"
    )

    CONTENT_FIELDS = (
        "title", "summary", "description", "category", "sector", "province", "trl",
        "ip_status", "transfer_modes", "price_vnd", "budget_min_vnd", "budget_max_vnd",
        "price_negotiable", "quantity", "unit", "keywords", "expires_at", "proposals_close_at",
        "description_confidential", "is_anonymous",
    )

    def content(self) -> dict:
        return {name: getattr(self, name) for name in self.CONTENT_FIELDS}

    @property
    def images(self) -> list["RevisionFile"]:
        return [f for f in self.files if f.kind == "image"]

    @property
    def attachments(self) -> list["RevisionFile"]:
        return [f for f in self.files if f.kind == "pdf"]

    @property
    def public_files(self) -> list["RevisionFile"]:
        """What everyone may see of this version's files (the non-confidential ones)."""
        return [f for f in self.files if not f.is_confidential]

    @property
    def has_confidential_parts(self) -> bool:
        return (self.description_confidential and bool(self.description)) or any(
            f.is_confidential for f in self.files)


class StoredFile(db.Model):
    """A verified upload, stored once under its content hash."""

    __tablename__ = "stored_files"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    content_type: Mapped[str] = mapped_column(String(50))
    size: Mapped[int] = mapped_column(BigInteger)
    width: Mapped[int | None] = mapped_column()
    height: Mapped[int | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RevisionFile(db.Model):
    """An image or PDF attached to one revision (copied onto the next revision)."""

    __tablename__ = "revision_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("listing_revisions.id"), index=True)
    sha256: Mapped[str] = mapped_column(ForeignKey("stored_files.sha256"))
    kind: Mapped[str] = mapped_column(String(10))  # "image" | "pdf"
    filename: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(default=0)
    # served only to the owner, staff and businesses granted access (staged disclosure)
    is_confidential: Mapped[bool] = mapped_column(default=False)

    revision: Mapped[Revision] = relationship(back_populates="files")
    stored: Mapped[StoredFile] = relationship(lazy="joined")


# a listing's own page, kept for its owner (and a business granted access) while their
# versions hold (`pagecache.keep_for_member`), shows its status, its revisions and files
def _business_of_listing(listing_id) -> tuple[int]:
    listing = db.session.get(Listing, listing_id) if listing_id else None
    return (listing.business_id if listing is not None else GLOBAL,)


def _business_of_revision(revision_id) -> tuple[int]:
    revision = db.session.get(Revision, revision_id) if revision_id else None
    return _business_of_listing(revision.listing_id) if revision is not None else (GLOBAL,)


track_for_panels(Listing, lambda listing: (listing.business_id,))
track_for_panels(Revision, lambda revision: _business_of_listing(revision.listing_id))
track_for_panels(RevisionFile, lambda file: _business_of_revision(file.revision_id))
