from django.apps import apps
from django.db import models

MONEY_WORDS = ("price", "balance", "debited", "amount", "sum")


def test_no_model_field_is_a_float():
    floats = [
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.FloatField)
    ]
    assert floats == []


def test_every_money_field_of_ours_is_decimal():
    money = {}
    for app in ("purchases", "inventory"):
        for model in apps.get_app_config(app).get_models():
            for field in model._meta.concrete_fields:
                if any(word in field.name for word in MONEY_WORDS):
                    money[f"{model._meta.label}.{field.name}"] = type(field).__name__
    assert money  # the purchase and item prices at least
    assert set(money.values()) == {"DecimalField"}, money
