"""Input pipelines (TFDS + Grain) and the offline datasets."""

from jaxgan.data.pipeline import (
    CATALOG_HELP,
    OFFLINE_DATASETS,
    Pipeline,
    default_data_dir,
    load_source,
    make_pipeline,
)

__all__ = [
    "CATALOG_HELP",
    "OFFLINE_DATASETS",
    "Pipeline",
    "default_data_dir",
    "load_source",
    "make_pipeline",
]
