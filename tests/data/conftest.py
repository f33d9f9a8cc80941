import pytest


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory):
    """One TFDS data directory for the session: each offline dataset is prepared once."""
    return str(tmp_path_factory.mktemp("tensorflow_datasets"))
