"""Matching skins across providers: the names the vendors' examples and the sandbox catalogs use."""

import pytest

from purchases.skins import skin_key, skin_name_key


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("AK-47 | Redline (Field-Tested)", "ak-47 | redline (field-tested)"),
        ("AK-47 | Redline (Field-Tested)", "AK-47  |  Redline (Field Tested)"),
        ("AK-47 | Redline (Field-Tested)", "AK-47 | Redline ( field-tested )"),
        ("★ Karambit | Doppler (Factory New)", "Karambit | Doppler (Factory New)"),
        ("★ Karambit | Doppler (Factory New)", "★ Karambit | Doppler (Factory new)"),
        ("StatTrak™ AK-47 | Redline (Minimal Wear)", "StatTrak AK-47 | Redline (Minimal Wear)"),
        ("Taunt: RazorFlip!", "taunt: razorflip!"),
        ("'The Doctor' Romanov | Sabre", "'The Doctor' Romanov | Sabre"),
        ("AK-47 | Redline (Well-Worn)", "AK-47 | Redline (Well Worn)"),
        ("\uff2barambit | Doppler", "Karambit | Doppler"),  # a full-width K (NFKC)
    ],
)
def test_the_same_skin_however_it_is_written(one, other):
    assert skin_name_key(one) == skin_name_key(other)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("AK-47 | Redline (Field-Tested)", "AK-47 | Redline (Factory New)"),  # the wear is the skin
        ("StatTrak™ AK-47 | Redline (Field-Tested)", "AK-47 | Redline (Field-Tested)"),
        ("Souvenir AWP | Dragon Lore (Field-Tested)", "AWP | Dragon Lore (Field-Tested)"),
        ("AK-47 | Redline", "AK-47 | Redline (Field-Tested)"),
    ],
)
def test_different_skins_stay_apart(one, other):
    assert skin_name_key(one) != skin_name_key(other)


def test_the_game_is_part_of_the_key_under_our_ids():
    assert skin_key("AK-47 | Redline (Field-Tested)", "csgo") == skin_key(
        "AK-47 | Redline (Field-Tested)", "cs2"
    )
    assert skin_key("Cloth", "rust") != skin_key("Cloth", "dota2")
