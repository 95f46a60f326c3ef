"""JSON from input files, parsed so that nothing in it can take a run down later.

Python's parser accepts what no output can hold or what breaks later steps: a lone
surrogate escape (`"\\ud800"`: valid JSON grammar, not a Unicode character; UTF-8 writers
refuse it), nesting deep enough to exhaust the recursion limit (here, or in a writer that
recurses), and integers longer than `sys.get_int_max_str_digits()`. `loads` raises
`BadJson` (with the ledger reason) for each; `json.JSONDecodeError` stays what it is.
NaN and the infinities are read (JSON does not have them; `record.dumps` writes them as
the strings "NaN", "Infinity", "-Infinity").
"""

from __future__ import annotations

import json
import re
from typing import Any

#: JSON values nested deeper than this are refused (`invalid_json`).
MAX_DEPTH = 100
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


class BadJson(ValueError):
    """JSON that parses but cannot be a record: `reason` is its ledger reason."""

    def __init__(self, reason: str, message: str, detail: dict[str, Any]) -> None:
        super().__init__(message)
        self.reason, self.detail = reason, detail


def loads(text: str) -> Any:
    """`json.loads(text)`, refusing what `BadJson` describes."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        raise
    except RecursionError:
        raise _too_deep() from None
    except ValueError as e:  # an integer of more than sys.get_int_max_str_digits() digits
        raise BadJson("invalid_json", f"invalid JSON: {e}", {}) from None
    problem = _problem(value, text)
    if problem == "depth":
        raise _too_deep()
    if problem is not None:
        raise BadJson("decode_error", f"a JSON escape of a lone surrogate ({problem}), "
                                      "not a Unicode character", {"surrogate": problem})
    return value


def _too_deep() -> BadJson:
    return BadJson("invalid_json", f"JSON nested deeper than {MAX_DEPTH} levels", {"max_depth": MAX_DEPTH})


def _problem(value: Any, text: str) -> str | None:
    """'depth' for a value nested deeper than MAX_DEPTH, the escape of a lone surrogate in a
    string or key, or None. The walk runs only when the text could hold either, so a plain
    record costs two counts and a substring test."""
    deep = text.count("[") + text.count("{") > MAX_DEPTH
    surrogate = "\\u" in text and _SURROGATE_ESCAPE.search(text) is not None
    if not deep and not surrogate:
        return None
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if surrogate and not item.isascii():
                bad = next((c for c in item if "\ud800" <= c <= "\udfff"), None)
                if bad is not None:
                    return f"\\u{ord(bad):04x}"
            continue
        if isinstance(item, dict):
            children: Any = [*item.keys(), *item.values()]
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > MAX_DEPTH:
            return "depth"
        stack.extend((child, depth + 1) for child in children)
    return None
