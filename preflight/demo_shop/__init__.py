"""The local demo shop: the ACN boutique on `127.0.0.1`, the SFR order site on `localhost`.

It is the embedded default target of `preflight serve-demo` and the test oracle: its truth API
(`GET /__truth/orders`) says, for every order, whether it stayed attributed to the ACN session
and, if not, what ended it.

    from preflight.demo_shop import DemoShop
    with DemoShop(port=0) as shop:
        print(shop.link(offer="fibre", mode="spa"), shop.orders())
"""

from __future__ import annotations

from preflight.demo_shop.app import create_app
from preflight.demo_shop.server import DemoShop

# The fields the shop reads when an edit is committed (`change`), not at each keystroke: a value
# filled from script never fires `change` on Firefox, so a driver must type them (or send it).
# The multi-page form copies the e-mail on `change`; the single-page app's is lazy (v-model.lazy).
CHANGE_BOUND = ("#email",)

__all__ = ["CHANGE_BOUND", "DemoShop", "create_app"]
