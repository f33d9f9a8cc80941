"""Input pipelines (TFDS + Grain), the offline datasets, and device prefetching."""

from jaxgan.data.pipeline import (
    CATALOG_HELP,
    OFFLINE_DATASETS,
    Pipeline,
    default_data_dir,
    load_source,
    make_pipeline,
)
from jaxgan.data.prefetch import DevicePrefetcher

__all__ = [
    "CATALOG_HELP",
    "DevicePrefetcher",
    "OFFLINE_DATASETS",
    "Pipeline",
    "default_data_dir",
    "load_source",
    "make_pipeline",
]
