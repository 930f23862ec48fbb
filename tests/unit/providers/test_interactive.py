from purchases.providers import get_provider


def test_interactive_clients_fail_fast_and_never_retry(settings):
    settings.PROVIDER_INTERACTIVE_TIMEOUT = (1.0, 4.0)
    background = get_provider("skinsback").transport
    interactive = get_provider("skinsback", interactive=True).transport
    assert background.read_retries == settings.PROVIDER_READ_RETRIES
    assert background.timeout == (settings.PROVIDER_CONNECT_TIMEOUT, settings.PROVIDER_READ_TIMEOUT)
    assert interactive.timeout == (1.0, 4.0)
    assert interactive.read_retries == 0


def test_an_explicit_timeout_wins_over_the_setting():
    client = get_provider("skinify", interactive=True, timeout=(0.5, 1.5))
    assert client.transport.timeout == (0.5, 1.5)
    assert client.transport.read_retries == 0
