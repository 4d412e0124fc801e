"""The old home of the redaction, kept importable for one release: the README named
`report.privacy` (« privacy.redact() (the one redaction) »). It moved to `preflight.privacy`,
below the watch that uses it too (issue 15); import from there."""

from preflight.privacy import (
    ALWAYS_ALLOWED,
    HIDDEN,
    MIN_KNOWN_IN_TEXT,
    allowed_params,
    decoded,
    mask_locators,
    redact,
    redact_event,
    redact_text,
    redact_url,
    screenshot_masks,
    spellings,
)

__all__ = [
    "ALWAYS_ALLOWED",
    "HIDDEN",
    "MIN_KNOWN_IN_TEXT",
    "allowed_params",
    "decoded",
    "mask_locators",
    "redact",
    "redact_event",
    "redact_text",
    "redact_url",
    "screenshot_masks",
    "spellings",
]
