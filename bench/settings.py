"""Settings for the benchmark only: the product's settings with the benchmark's URL module
(baselines B0/B1/B2 next to the product's URLs). Never used by the site itself."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
