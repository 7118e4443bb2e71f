"""Domain services: the rules of the product, apart from the web views."""

import enum


class DomainError(Exception):
    """A refusal the user should read: a code from the class's own `Code` enum and a
    translatable message. `status` is the HTTP status a page or the API answers with:
    chosen by the class, never by comparing codes."""

    class Code(enum.StrEnum):
        """Each subclass lists its codes here."""

    status = 409  # understood, and refused by the rules

    def __init__(self, code, message):
        code = self.Code(code)  # a code the class does not list fails at once, loudly
        super().__init__(code)
        self.code = code
        self.message = message


class NotFound(DomainError):
    """What was asked for (by id, token or number) does not exist here: another event's
    registration, a withdrawn link. Pages and the API answer 404."""

    class Code(enum.StrEnum):
        NOT_FOUND = "not_found"

    status = 404

    def __init__(self, message):
        super().__init__(self.Code.NOT_FOUND, message)


class Throttled(DomainError):
    """Too many attempts in a short time (logins, unknown ticket codes): 429."""

    class Code(enum.StrEnum):
        THROTTLED = "throttled"

    status = 429

    def __init__(self, message):
        super().__init__(self.Code.THROTTLED, message)
