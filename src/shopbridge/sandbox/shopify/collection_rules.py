"""Smart collections: which products a ``ruleSet`` holds, as Shopify documents it (FIDELITY.md).

``CollectionRuleSet.appliedDisjunctively``: true, a product must match at least one rule; false, all of
them. The sandbox models the text columns ``TITLE``, ``TYPE`` (the product type), ``VENDOR`` and
``TAG``. Shopify's help centre ("Conditions for automated collections"): a title, type or vendor
condition is not case-sensitive; "is equal to" matches the whole value, "is not equal to" anything
else, "starts with", "ends with", "contains" and "does not contain" as named, and a contains / does not
contain value must be at least 3 characters long and must not start or end with spaces. A tag
condition is "is equal to" (the product has the tag) or "is not equal to" (it has not). Other columns
(prices, weights, inventory, categories, metafields) and relations are refused with a user error
rather than answered wrongly.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

__all__ = ["COLUMNS", "matches_rule_set", "rule_errors"]

Record = dict[str, Any]

TEXT_RELATIONS = ("EQUALS", "NOT_EQUALS", "STARTS_WITH", "ENDS_WITH", "CONTAINS", "NOT_CONTAINS")
TAG_RELATIONS = ("EQUALS", "NOT_EQUALS")
COLUMNS: Mapping[str, tuple[str, ...]] = {
    "TITLE": TEXT_RELATIONS,
    "TYPE": TEXT_RELATIONS,
    "VENDOR": TEXT_RELATIONS,
    "TAG": TAG_RELATIONS,
}
MIN_CONTAINS = 3

_TEXT: Mapping[str, Callable[[Record], str]] = {
    "TITLE": lambda p: str(p.get("title") or ""),
    "TYPE": lambda p: str(p.get("product_type") or ""),
    "VENDOR": lambda p: str(p.get("vendor") or ""),
}
_COMPARE: Mapping[str, Callable[[str, str], bool]] = {
    "EQUALS": lambda have, want: have == want,
    "NOT_EQUALS": lambda have, want: have != want,
    "STARTS_WITH": lambda have, want: have.startswith(want),
    "ENDS_WITH": lambda have, want: have.endswith(want),
    "CONTAINS": lambda have, want: want in have,
    "NOT_CONTAINS": lambda have, want: want not in have,
}


def rule_errors(rules: Sequence[Mapping[str, Any]]) -> list[tuple[list[str], str]]:
    """(field path, message) for each rule the sandbox cannot evaluate faithfully."""
    errors: list[tuple[list[str], str]] = []
    for n, rule in enumerate(rules):
        path = ["ruleSet", "rules", str(n)]
        column, relation, condition = rule["column"], rule["relation"], str(rule["condition"])
        allowed = COLUMNS.get(column)
        if allowed is None:
            errors.append(
                ([*path, "column"], f"The {column} column is not modelled by the shopbridge sandbox")
            )
        elif relation not in allowed:
            errors.append(([*path, "relation"], f"{relation} is not a relation of the {column} column"))
        elif relation in ("CONTAINS", "NOT_CONTAINS") and (
            len(condition) < MIN_CONTAINS or condition != condition.strip()
        ):
            message = "Condition must be at least 3 characters and can't start or end with spaces"
            errors.append(([*path, "condition"], message))
    return errors


def matches_rule_set(product: Record, rule_set: Mapping[str, Any]) -> bool:
    """Does ``product`` (a sandbox product record) belong to a smart collection with ``rule_set``?"""
    results = [_matches(product, rule) for rule in rule_set.get("rules") or ()]
    if not results:
        return False
    return any(results) if rule_set.get("appliedDisjunctively") else all(results)


def _matches(product: Record, rule: Mapping[str, Any]) -> bool:
    column, relation = rule["column"], rule["relation"]
    want = str(rule["condition"]).lower()
    if column == "TAG":
        has_tag = want in {str(tag).lower() for tag in product.get("tags") or ()}
        return has_tag if relation == "EQUALS" else not has_tag
    return _COMPARE[relation](_TEXT[column](product).lower(), want)
