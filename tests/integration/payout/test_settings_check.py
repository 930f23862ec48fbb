"""A payout setting that is not an amount (or not a positive number of hours) is a system check error at
start, not an exception at the first buy."""

import pytest

from purchases.checks import check_payout_settings


def test_the_defaults_pass():
    assert check_payout_settings() == []


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PAYOUT_LIMIT_PER_BATCH_USD", "abc"),
        ("PAYOUT_APPROVAL_ABOVE_USD", "-1"),
        ("PAYOUT_LIMIT_PER_OPERATOR_DAY_USD", "NaN"),
        ("PAYOUT_APPROVAL_EXPIRES_HOURS", 0),
    ],
)
def test_a_bad_value_is_named(settings, name, value):
    setattr(settings, name, value)
    errors = check_payout_settings()
    assert len(errors) == 1 and name in errors[0].msg
