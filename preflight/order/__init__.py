"""A watched order, start to end (`run_order`, in `_run`), with the seller's pages: the start
page, the live panel, the end page (`SellerPages`). It sits above the watch and the report,
which it puts together."""

from __future__ import annotations

from preflight.order._run import OrderResult, run_order
from preflight.order.pages import SellerPages
from preflight.report.advice import EXIT_CODES

__all__ = ["EXIT_CODES", "OrderResult", "SellerPages", "run_order"]
