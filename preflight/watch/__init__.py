"""The order watcher: an in-page probe plus what Playwright and CDP report, judged into a verdict."""
