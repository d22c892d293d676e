"""Forms of the review queue: claim, decision, suspension."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from exchange.moderation.services import REASON_MAX

DECISION_CHOICES = [
    SelectChoice("approve", _l("Approve")),
    SelectChoice("request_changes", _l("Request changes")),
    SelectChoice("reject", _l("Reject")),
]
# reasons moderators give again and again; the chosen text is sent to the owner
COMMON_REASONS = {
    "incomplete": _l("The description is incomplete: add the technical specifications, "
                     "capacity and what exactly is offered or needed."),
    "wrong_classification": _l("The category, sector or province does not match the content."),
    "contact_in_text": _l("Contact details (phone, email, links) belong in your business "
                          "profile, not in the listing text."),
    "duplicate": _l("This duplicates another listing of your business."),
    "out_of_scope": _l("This is not a technology, equipment, service or intellectual property "
                       "offer or request."),
    "images": _l("The images are missing, unreadable or unrelated to the listing."),
    "misleading": _l("The listing contains misleading or prohibited content."),
    "unverifiable_business": _l("The business name and tax code could not be verified in the "
                                "national business register."),
}
SUSPEND_REASONS = ("misleading", "duplicate", "contact_in_text", "out_of_scope")


def reason_choices(keys=None):
    keys = keys or COMMON_REASONS.keys()
    return [SelectChoice("", _l("— choose a common reason or write your own —"))] + [
        SelectChoice(key, COMMON_REASONS[key]) for key in keys
    ]


class _ReasonMixin:
    def full_reason(self) -> str:
        """The common reason chosen (if any) followed by the moderator's own words."""
        parts = []
        if self.common_reason.data in COMMON_REASONS:
            parts.append(str(COMMON_REASONS[self.common_reason.data]))
        if (self.reason.data or "").strip():
            parts.append(self.reason.data.strip())
        return "\n".join(parts)


class ClaimForm(FlaskForm):
    pass


class DecisionForm(_ReasonMixin, FlaskForm):
    # the service gives the clear message for an unknown value
    decision = RadioField(_l("Decision"), choices=DECISION_CHOICES, validate_choice=False)
    common_reason = SelectField(_l("Common reason"), choices=reason_choices(),
                                validate_choice=False, validators=[Optional()])
    reason = TextAreaField(_l("Reason for the owner"),
                           validators=[Optional(), Length(max=REASON_MAX)],
                           description=_l("Required unless you approve. The owner reads it."))


class SuspendForm(_ReasonMixin, FlaskForm):
    common_reason = SelectField(_l("Common reason"), choices=reason_choices(SUSPEND_REASONS),
                                validate_choice=False, validators=[Optional()])
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=REASON_MAX)])


class RestoreForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=REASON_MAX)])

    def full_reason(self) -> str:
        return (self.reason.data or "").strip()
