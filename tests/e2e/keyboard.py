"""Keyboard helpers for the browser tests: reaching a control with Tab, and
waiting for the focus a page's script moves once it has loaded."""


def tab_to(page, selector: str, limit: int = 80) -> None:
    """Press Tab until the element matching `selector` has the focus."""
    for _ in range(limit):
        if page.evaluate("s => document.activeElement?.matches(s) ?? false", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} cannot be reached with the Tab key")


def wait_for_focus(page, element_id: str, timeout: float = 5000) -> None:
    """Wait until the element with `element_id` has the focus.

    The scripts that move the focus (forms.js, focus.js) run at the end of the
    page: an element can be in the document before they have run, so asserting
    at once races them. A focus that never arrives fails with what had it."""
    try:
        page.wait_for_function(
            "id => document.activeElement?.id === id", arg=element_id, timeout=timeout
        )
    except Exception as error:  # playwright's TimeoutError
        held = page.evaluate("document.activeElement?.id || document.activeElement?.tagName")
        raise AssertionError(f"#{element_id} never took the focus ({held} has it)") from error
