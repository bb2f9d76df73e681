from tests.opportunities.conftest import make_opportunity, officer  # noqa: F401 (shared fixtures)
