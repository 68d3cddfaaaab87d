"""What the articles app adds to /healthz (config.views.healthz): the sentence encoder's state."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.utils import timezone

from config.views import DEGRADED, OK

from .models import Article

logger = logging.getLogger(__name__)

# The encoder is judged by the articles the workers stored lately (the web process never loads
# it): degraded when it failed on at least half of the newest ENCODER_SAMPLE of the last day.
ENCODER_SAMPLE = 20
ENCODER_WINDOW = timedelta(days=1)


def encoder_status() -> dict[str, object]:
    """The sentence encoder as the ingest workers found it: articles still get stored and
    clustered on their words without it, but cross-language joins are lost."""
    checked, failed = Article.objects.encoder_failures(
        since=timezone.now() - ENCODER_WINDOW, limit=ENCODER_SAMPLE
    )
    broken = failed > 0 and 2 * failed >= checked
    if broken:
        logger.error("healthz: the sentence encoder failed on %d of the last %d articles", failed, checked)
    return {"status": DEGRADED if broken else OK, "articles": checked, "failed": failed}
