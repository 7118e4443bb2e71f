"""Domain services: the rules of the product, apart from the web views."""


class DomainError(Exception):
    """A refusal the user should read: a stable `code` and a translatable message."""

    def __init__(self, code: str, message):
        super().__init__(code)
        self.code = code
        self.message = message
