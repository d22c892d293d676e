"""Domain errors raised by service functions and shown to users as clear messages."""


class DomainError(Exception):
    """A refused operation; `message` is user-facing and translatable."""

    status_code = 400

    def __init__(self, message, *, code="invalid"):
        super().__init__(str(message))
        self.message = message
        self.code = code


class NotAllowed(DomainError):
    status_code = 403


class Conflict(DomainError):
    status_code = 409


class IllegalTransition(DomainError):
    status_code = 409
