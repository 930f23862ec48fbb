"""`is_outcome_unknown` is the buy task's own rule (Provider.buy_outcome_unknown), not the transport's flag
alone: an undocumented refusal code may have bought, a request never sent did not."""

from purchases.providers import PROVIDERS, Rejected, Timeout, Unavailable, is_outcome_unknown


def test_an_undocumented_code_is_unknown_a_documented_refusal_is_not():
    assert is_outcome_unknown(Rejected("what?", provider="skinsback", code=99))
    assert not is_outcome_unknown(Rejected("insufficient_funds", provider="skinsback", code=5))
    assert is_outcome_unknown(Rejected("new_word", provider="skinify", code="new_word"))
    assert not is_outcome_unknown(
        Rejected("insufficient_funds", provider="skinify", code="insufficient_funds")
    )


def test_never_sent_is_known_and_a_lost_answer_is_unknown():
    never_sent = Unavailable("could not connect", provider="skinsback")
    never_sent.not_sent = True
    assert not is_outcome_unknown(never_sent)
    assert is_outcome_unknown(Timeout("no answer", provider="skinsback"))


def test_the_same_rule_as_the_buy_task():
    for code, cls in PROVIDERS.items():
        err = Rejected("x", provider=code, code=12345)
        assert is_outcome_unknown(err) is cls.buy_outcome_unknown(err)
    assert not is_outcome_unknown(ValueError("not a provider error"))
