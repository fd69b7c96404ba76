"""In-memory `ShopPort` over a real sample of the Myntra catalog (test double for the dialogue)."""

from __future__ import annotations

import csv
import gzip
import re
import zlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from bench.dialogue_eval import product_violations
from commerce.catalog.demo import demo_source_path
from commerce.models import (
    BodyMeasurements,
    Cart,
    CartLine,
    EmptyCart,
    FitLabel,
    FitReview,
    InvalidSize,
    NotFound,
    Order,
    OrderLine,
    OrderStatus,
    OutOfStock,
    ProductCard,
    ReturnRequest,
    SearchFilters,
    SearchResult,
    SizeAdvice,
)
from commerce.search import in_department, is_kids_product, word_pattern

CATALOG_CSV = demo_source_path()
"""The shop's own bundled demo catalog (commerce/catalog/data/myntra_products_catalog.csv.gz, in the repo)."""
INR_PER_USD = 83
# first match wins; checked against the product name
CATEGORY_RULES: list[tuple[str, str]] = [
    (r"kurta set|kurta with|salwar|lehenga|sherwani|kurta & |churidar", "ethnic_sets"),
    (r"\bkurtas?\b|\bkurti", "kurtas"),
    (r"\bsaree", "sarees"),
    (r"\bjeans\b", "jeans"),
    (r"t-shirt|tshirt|polo collar", "tshirts"),
    (r"sweatshirt|sweater|hoodie|pullover|cardigan", "sweaters"),
    (r"jacket|blazer|coat\b", "jackets"),
    (r"\bshirt\b", "shirts"),
    (r"\bdress\b|jumpsuit", "dresses"),
    (r"trousers|chinos|joggers|track pants|\bpants\b", "trousers"),
    (r"\bshorts\b", "shorts"),
    (r"\bskirt", "skirts"),
    (r"night suit|nightdress|pyjama|lounge|sleep", "nightwear"),
    (r"\bbra\b|briefs|trunks|boxers|panties|\bvest\b|innerwear", "innerwear"),
    (r"tights|sports bra|tracksuit|leggings", "activewear"),
    (r"sneakers|shoes|loafers|boots", "shoes"),
    (r"sandals|flip-flops|heels|flats|sliders", "sandals"),
    (r"backpack|handbag|bag\b|wallet|clutch|tote", "bags"),
    (r"\bwatch", "watches"),
    (r"earrings|necklace|bracelet|ring\b|bangles|pendant|jewellery", "jewellery"),
    (r"\btop\b|tunic", "tops"),
    (r"belt|sunglasses|cap\b|scarf|socks|tie\b", "accessories"),
]
LETTER_SIZES = ["XS", "S", "M", "L", "XL", "XXL"]
WAIST_SIZES = ["28", "30", "32", "34", "36", "38"]
SHOE_SIZES = ["6", "7", "8", "9", "10", "11"]
ONE_SIZE = ["Onesize"]
OCCASION_WORDS = {
    "wedding": r"wedding|sherwani|lehenga|zari|embellished",
    "party": r"party|sequin|bodycon|embellished",
    "office": r"formal|office|blazer|trousers",
    "casual": r"casual|t-shirt|jeans|sneakers",
    "festive": r"festive|kurta|saree|ethnic",
    "beach": r"beach|flip-flop|shorts|linen",
    "gym": r"sports|running|training|gym|track|active",
}
STYLE_WORDS = [
    "slim fit",
    "regular fit",
    "printed",
    "solid",
    "striped",
    "floral",
    "checked",
    "embroidered",
    "ethnic",
    "formal",
    "skinny fit",
    "relaxed fit",
    "self design",
]
MATERIALS = [
    "cotton",
    "linen",
    "denim",
    "silk",
    "leather",
    "polyester",
    "wool",
    "chiffon",
    "georgette",
    "rayon",
]


def map_category(name: str) -> str | None:
    low = name.lower()
    for pattern, category in CATEGORY_RULES:
        if re.search(pattern, low):
            return category
    return None


def _sizes_for(category: str, product_id: int) -> list[str]:
    if category in ("jeans", "trousers"):
        pool = WAIST_SIZES
    elif category in ("shoes", "sandals"):
        pool = SHOE_SIZES
    elif category in ("bags", "watches", "jewellery", "accessories"):
        return ONE_SIZE
    else:
        pool = LETTER_SIZES
    seed = zlib.crc32(str(product_id).encode())
    # the middle sizes are always stocked; each extreme is sold out for about a third of products
    return [size for i, size in enumerate(pool) if 0 < i < len(pool) - 1 or (seed >> i) % 3 != 0]


@dataclass
class StoredProduct:
    card: ProductCard
    occasions: set[str]
    styles: set[str]
    materials: set[str]
    popularity: float


def open_catalog(path: Path = CATALOG_CSV) -> TextIO:
    """The Myntra CSV as text, gzip-compressed (`.gz`) or not."""
    if path.suffix == ".gz":
        return gzip.open(path, "rt", newline="", encoding="utf-8")
    return path.open(newline="", encoding="utf-8")


def load_sample(path: Path = CATALOG_CSV, per_category: int = 12) -> list[StoredProduct]:
    """A few hundred real products: the first `per_category` (by CSV order) of each category × gender."""
    counts: dict[tuple[str, str], int] = defaultdict(int)
    products: list[StoredProduct] = []
    with open_catalog(path) as handle:
        for row in csv.DictReader(handle):
            category = map_category(row["Product_Name"])
            colour = (row.get("Primary_Color") or "").strip().lower() or None
            if category is None or colour is None:
                continue
            gender = row["Gender"].strip().lower()
            gender = {"unisex kids": "unisex"}.get(gender, gender)
            key = (category, gender)
            if counts[key] >= per_category:
                continue
            counts[key] += 1
            pid = int(row["Product_ID"])
            text = f"{row['Product_Name']} {row['Description']}".lower()
            card = ProductCard(
                id=pid,
                name=row["Product_Name"].strip(),
                brand=row["Product_Brand"].strip(),
                price_cents=round(int(row["Price"]) * 100 / INR_PER_USD),
                colour=colour,
                category=category,
                gender=gender,
                description=row["Description"][:300],
                sizes_available=_sizes_for(category, pid),
            )
            products.append(
                StoredProduct(
                    card=card,
                    occasions={o for o, rx in OCCASION_WORDS.items() if re.search(rx, text)},
                    styles={s for s in STYLE_WORDS if s in text},
                    materials={m for m in MATERIALS if m in text},
                    popularity=float(int(row["Num_Images"] or 0)),
                )
            )
    return products


RELAX_ORDER = ["material", "style", "occasion", "age_group", "brand", "size", "colour", "price_min", "price_max"]
_RELAX_FIELD = {"price_min": "price_min_cents", "price_max": "price_max_cents"}
_LIST_FORM: dict[str, dict[str, list[str]]] = {"colour": {"colours": []}, "brand": {"brands": []}}


def matches(p: StoredProduct, f: SearchFilters) -> bool:
    """The shop's filters, as the scripted evaluation checks them (`product_violations`), plus tags."""
    c = p.card
    if (f.category is not None and c.category != f.category) or (
            f.gender is not None and not in_department(f.gender, c.gender or "", c.name)):
        return False  # the cheap checks first: most of the sample fails them
    if f.gender is None and f.age_group is not None:
        if is_kids_product(c.gender or "", c.name) != (f.age_group == "kids"):
            return False
    return (
        not product_violations(c, f)
        and (f.occasion is None or f.occasion in p.occasions)
        and (f.style is None or f.style in p.styles or re.search(word_pattern([f.style], whole=True), c.name.lower()))
        and (f.material is None or f.material in p.materials)
        and p.card.id not in f.exclude_ids
    )


UNPAID = frozenset({OrderStatus.created, OrderStatus.awaiting_payment, OrderStatus.cancelled})


@dataclass
class MemoryShop:
    """Implements `voice_server.conversation.dialogue.port.ShopPort` in memory. Offline payments -> awaiting_payment."""

    products: list[StoredProduct]
    payment_status: OrderStatus = OrderStatus.awaiting_payment
    carts: dict[int | None, dict[tuple[int, str | None], int]] = field(default_factory=dict)
    orders: dict[int | None, list[Order]] = field(default_factory=dict)
    profiles: dict[int | None, BodyMeasurements] = field(default_factory=dict)
    preferences: dict[int | None, dict] = field(default_factory=dict)
    placed_keys: dict[tuple[int | None, str], Order] = field(default_factory=dict)
    returns: list[ReturnRequest] = field(default_factory=list)
    fit_reviews: list[FitReview] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    count_cap: int | None = None  # like Postgres search: stop counting matches here
    units_left: dict[tuple[int, str | None], int] = field(default_factory=dict)
    """Units of (product, size) in stock where a test sets them; any number elsewhere."""

    def __post_init__(self) -> None:
        self.by_id = {p.card.id: p for p in self.products}

    async def search(
        self, filters: SearchFilters, *, user_id: int | None, limit: int, offset: int
    ) -> SearchResult:
        self.calls.append("search")
        relaxed: list[str] = []
        current = filters
        hits = [p for p in self.products if matches(p, current)]
        for name in RELAX_ORDER:
            if hits:
                break
            field_name = _RELAX_FIELD.get(name, name)
            if getattr(current, field_name) is None and not any(
                    getattr(current, k) for k in _LIST_FORM.get(name, {})):
                continue
            current = current.model_copy(update={field_name: None, **_LIST_FORM.get(name, {})})
            relaxed.append(name)
            hits = [p for p in self.products if matches(p, current)]
        hits.sort(key=lambda p: (-p.popularity, p.card.price_cents, p.card.id))
        if current.sort is not None:
            hits.sort(key=lambda p: p.card.price_cents, reverse=current.sort == "price_desc")
        capped = self.count_cap is not None and len(hits) >= self.count_cap
        return SearchResult(
            products=[p.card for p in hits[offset : offset + limit]],
            total=min(len(hits), self.count_cap) if self.count_cap is not None else len(hits),
            total_is_lower_bound=capped,
            relaxed=relaxed if hits else [],
        )

    async def get_product(self, product_id: int, *, user_id: int | None) -> ProductCard:
        if product_id not in self.by_id:
            raise NotFound("no such product", product_id=product_id)
        return self.by_id[product_id].card

    async def get_products(self, product_ids: list[int], *, user_id: int | None) -> list[ProductCard]:
        return [self.by_id[i].card for i in product_ids if i in self.by_id]

    async def similar(self, product_id: int, *, user_id: int | None, limit: int) -> list[ProductCard]:
        base = await self.get_product(product_id, user_id=user_id)
        same = [
            p.card
            for p in self.products
            if p.card.category == base.category and p.card.gender == base.gender and p.card.id != base.id
        ]
        same.sort(key=lambda c: abs(c.price_cents - base.price_cents))
        return same[:limit]

    async def size_advice(self, user_id: int | None, product_id: int) -> SizeAdvice | None:
        body = self.profiles.get(user_id)
        card = await self.get_product(product_id, user_id=user_id)
        if body is None or body.height_cm is None:
            return None
        ladder = card.sizes_available
        index = min(len(ladder) - 1, max(0, int((body.height_cm - 150) / 10)))
        return SizeAdvice(
            size=ladder[index], confidence=0.7, reason="Based on your height and weight.", basis=["chart"]
        )

    def _cart(self, user_id: int | None) -> Cart:
        lines = []
        for (pid, size), qty in self.carts.get(user_id, {}).items():
            card = self.by_id[pid].card
            lines.append(
                CartLine(
                    product_id=pid,
                    name=card.name,
                    brand=card.brand,
                    size=size,
                    quantity=qty,
                    unit_price_cents=card.price_cents,
                    line_total_cents=qty * card.price_cents,
                )
            )
        subtotal = sum(line.line_total_cents for line in lines)
        shipping = 0 if subtotal >= 5000 or not lines else 499
        return Cart(
            id=1,
            lines=lines,
            subtotal_cents=subtotal,
            shipping_cents=shipping,
            total_cents=subtotal + shipping,
        )

    async def add_to_cart(
        self, user_id: int | None, product_id: int, size: str | None, quantity: int
    ) -> Cart:
        card = await self.get_product(product_id, user_id=user_id)
        if card.sizes_available and size not in card.sizes_available:
            raise InvalidSize("size not offered", size=size)
        if not card.sizes_available:
            raise OutOfStock("out of stock")
        cart = self.carts.setdefault(user_id, {})
        if (product_id, size) in self.units_left:
            left = self.units_left[(product_id, size)] - cart.get((product_id, size), 0)
            if left < quantity:
                raise OutOfStock("not enough left", available=max(left, 0), size=size)
        cart[(product_id, size)] = cart.get((product_id, size), 0) + quantity
        return self._cart(user_id)

    async def remove_from_cart(self, user_id: int | None, product_id: int, size: str | None) -> Cart:
        cart = self.carts.setdefault(user_id, {})
        for key in [k for k in cart if k[0] == product_id and (size is None or k[1] == size)]:
            del cart[key]
        return self._cart(user_id)

    async def set_quantity(self, user_id: int | None, product_id: int, size: str | None, quantity: int) -> Cart:
        cart = self.carts.setdefault(user_id, {})
        left = self.units_left.get((product_id, size), quantity)
        if left < quantity:
            raise OutOfStock("not enough left", available=max(left, 0), size=size)
        if quantity <= 0:
            cart.pop((product_id, size), None)
        else:
            cart[(product_id, size)] = quantity
        return self._cart(user_id)

    async def get_cart(self, user_id: int | None) -> Cart:
        return self._cart(user_id)

    async def quote_checkout(self, user_id: int | None) -> Cart:
        cart = self._cart(user_id)
        if not cart.lines:
            raise EmptyCart("cart is empty")
        return cart

    async def place_order(self, user_id: int | None, idempotency_key: str) -> Order:
        self.calls.append("place_order")
        if (user_id, idempotency_key) in self.placed_keys:
            return self.placed_keys[(user_id, idempotency_key)]
        cart = await self.quote_checkout(user_id)
        order = Order(
            id=1000 + sum(len(v) for v in self.orders.values()) + 1,
            status=self.payment_status,
            lines=[
                OrderLine(
                    product_id=ln.product_id,
                    name=ln.name,
                    size=ln.size,
                    quantity=ln.quantity,
                    unit_price_cents=ln.unit_price_cents,
                )
                for ln in cart.lines
            ],
            total_cents=cart.total_cents,
            payment_provider="offline",
            created_at=datetime.now(UTC),
        )
        self.orders.setdefault(user_id, []).insert(0, order)
        self.placed_keys[(user_id, idempotency_key)] = order
        self.carts[user_id] = {}
        return order

    async def order_status(self, user_id: int | None, order_id: int | None) -> list[Order]:
        orders = self.orders.get(user_id, [])
        if order_id is not None:
            orders = [o for o in orders if o.id == order_id]
        return list(orders)

    async def start_return(
        self,
        user_id: int | None,
        order_id: int | None,
        product_id: int | None,
        reason: str | None,
        fit_feedback: FitLabel | None,
    ) -> ReturnRequest:
        orders = await self.order_status(user_id, order_id)
        if product_id is not None:
            orders = [o for o in orders if any(line.product_id == product_id for line in o.lines)] or orders
        if not orders:
            raise NotFound("no order to return")
        request = ReturnRequest(
            id=len(self.returns) + 1,
            order_id=orders[0].id,
            status="requested",
            reason=reason,
            fit_feedback=fit_feedback,
        )
        self.returns.append(request)
        return request

    async def review_fit(
        self, user_id: int | None, product_id: int | None, category: str | None, fit: FitLabel
    ) -> FitReview:
        bought = [o for o in await self.order_status(user_id, None) if o.status not in UNPAID]
        lines = [line for order in bought for line in order.lines
                 if (product_id is None or line.product_id == product_id)
                 and (category is None or self.by_id[line.product_id].card.category == category)]
        if not lines:
            raise NotFound("nothing bought to review")
        review = FitReview(product_id=lines[0].product_id, name=lines[0].name, size=lines[0].size or "onesize",
                           fit=fit)
        self.fit_reviews.append(review)
        return review

    async def update_profile(
        self, user_id: int | None, measurements: BodyMeasurements | None, preferences: dict | None
    ) -> None:
        if measurements is not None:
            old = self.profiles.get(user_id)
            merged = {
                **(old.model_dump(exclude_none=True) if old else {}),
                **measurements.model_dump(exclude_none=True),
            }
            self.profiles[user_id] = BodyMeasurements(**merged)
        if preferences:
            self.preferences.setdefault(user_id, {}).update(preferences)
