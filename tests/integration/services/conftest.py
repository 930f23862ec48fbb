import pytest

from .evidence import mocked_providers


@pytest.fixture
def api(settings):
    """Provider answers given by the test through `responses`, shaped like the vendor pages."""
    with mocked_providers(settings) as mock:
        yield mock
