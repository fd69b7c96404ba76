"""Dialogue policy: given state and understanding, call the shop and produce a speakable turn."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from commerce import currencies
from commerce.catalog import taxonomy, vocabulary
from commerce.charges import FREE_SHIPPING_FROM_CENTS, SHIPPING_CENTS
from commerce.models import (
    BodyMeasurements,
    Cart,
    CartLine,
    Conflict,
    EmptyCart,
    InvalidSize,
    NotFound,
    Order,
    OrderStatus,
    OutOfStock,
    ProductCard,
    SearchFilters,
    SearchResult,
    ShopError,
    SizeAdvice,
)
from commerce.sizing.charts import ALPHA_SIZES, kids_letter_for_age, letter_for_dress_size, waist_for_letter
from voice_server.conversation.dialogue import replies as say
from voice_server.conversation.dialogue.nlu import RuleBasedUnderstander
from voice_server.conversation.dialogue.port import ShopPort
from voice_server.conversation.dialogue.references import (
    at_ordinal,
    keep_shown,
    match_size,
    recall,
    recalled_list,
    resolve_many,
    resolve_one,
)
from voice_server.conversation.dialogue.state import (
    LAST_LINE,
    CartSummary,
    DialogueState,
    LineRef,
    PendingConfirmation,
    ShownProduct,
    line_key,
)
from voice_server.conversation.dialogue.understanding import Intent, Slots, Understander, Understanding
from voice_server.conversation.dialogue.vocabulary import Vocabulary

PAGE_SIZE = 3
MAX_SEEN_LIST = 30  # a list this short, seen to its end, may go on past its soft tags ("a few different ones")
# Units of each currency per US dollar (the catalog's INR prices were converted at 83, docs/catalog.md);
# the server passes `Settings.currency_rates`.
DEFAULT_CURRENCY_RATES = currencies.DEFAULT_RATES
LARGE_BUDGET_CENTS = 100_000  # a bare "5k": no garment here costs a thousand dollars (the dearest is about 700)
CURRENCY_NAMES = currencies.SPOKEN_NAMES
FILTER_FIELDS: dict[str, str] = {
    "category": "category",
    "colour": "colour",
    "gender": "gender",
    "brand": "brand",
    "size": "size",
    "price_min": "price_min_cents",
    "price_max": "price_max_cents",
    "occasion": "occasion",
    "style": "style",
    "material": "material",
    "age_group": "age_group",
    "sort": "sort",
}
RELAX_NAMES: dict[str, str] = {v: k for k, v in FILTER_FIELDS.items()}
STATUS_WORDS: dict[str, str] = {
    OrderStatus.created: "being prepared",
    OrderStatus.awaiting_payment: "recorded and awaiting payment",
    OrderStatus.paid: "paid and being packed",
    OrderStatus.fulfilled: "shipped",
    OrderStatus.cancelled: "cancelled",
    OrderStatus.return_requested: "waiting for your return",
    OrderStatus.returned: "partly returned and refunded",
    OrderStatus.refunded: "refunded",
}


class TurnResult(BaseModel):
    """What one turn produces: speech, structured payload for screens, and the next state."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    reply_text: str
    intent: str
    slots: dict[str, Any] = Field(default_factory=dict)
    products: list[ProductCard] = Field(default_factory=list)
    cart: Cart | None = None
    payload: dict[str, Any] = Field(default_factory=dict)
    new_state: DialogueState
    end_conversation: bool = False
    confidence: float = 1.0


def search_size(size: str | None) -> str | None:
    """'32x34' searches as waist 32 (stock is per waist); other labels unchanged."""
    if size and "x" in size and size.split("x")[0].isdigit():
        return size.split("x")[0]
    return size


def product_payload(card: ProductCard) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": card.id,
        "name": card.name,
        "brand": card.brand,
        "price_cents": card.price_cents,
        "price": f"{card.price_cents / 100:.2f}",
        "currency": card.currency,
        "colour": card.colour,
        "category": card.category,
        "gender": card.gender,
        "sizes": list(card.sizes_available),
    }
    if card.recommended_size is not None:
        data["recommended_size"] = card.recommended_size.model_dump()
    if card.return_risk is not None:
        data["return_risk"] = card.return_risk.model_dump()
    return data


class _Turn:
    """Mutable scratch for building one TurnResult."""

    def __init__(self, state: DialogueState, understanding: Understanding) -> None:
        self.state = state.model_copy(deep=True)
        self.u = understanding
        self.reply = ""
        self.products: list[ProductCard] = []
        self.cart: Cart | None = None
        self.payload: dict[str, Any] = {}
        self.end = False
        self.mention_ends: list[int] = []
        self.pending_end: int | None = None


Handler = Callable[["DialogueEngine", _Turn], Awaitable[None]]


def _remember_kind_owners(state: DialogueState, steps: list[Understanding]) -> None:
    """Kinds asked for several people in one breath ("a kurta for my husband and a saree for my mum"),
    each with its department, for the turn that takes one of them up later ("kurta first")."""
    owned: dict[str, str] = {s.slots.product_type: s.slots.gender for s in steps
             if s.intent == Intent.search and s.slots.product_type and s.slots.gender}
    if len(owned) > 1 and len(set(owned.values())) > 1:
        state.kind_owners = owned


def _owner_of_kind(state: DialogueState, step: Understanding) -> Understanding:
    """A search for a kind asked for someone earlier, saying nobody now: for that someone."""
    gender = state.kind_owners.get(step.slots.product_type or "")
    if step.intent != Intent.search or gender is None or step.slots.gender is not None:
        return step
    return step.model_copy(update={"slots": step.slots.model_copy(update={"gender": gender})})


class DialogueEngine:
    """The shopping conversation: `await engine.handle(state, text)` -> TurnResult."""

    def __init__(self, shop: ShopPort, vocab: Vocabulary, understander: Understander | None = None, *,
                 currency_rates: dict[str, float] | None = None, large_budget_currency: str | None = "INR",
                 spoken_reply_chars: int = say.SPOKEN_REPLY_CHARS) -> None:
        self.shop = shop
        self.vocab = vocab
        self.understander: Understander = understander or RuleBasedUnderstander()
        self.currency_rates = dict(DEFAULT_CURRENCY_RATES if currency_rates is None else currency_rates)
        self.large_budget_currency = large_budget_currency or None
        self.spoken_reply_chars = spoken_reply_chars

    async def handle(self, state: DialogueState, text: str) -> TurnResult:
        understanding = await self.understander.understand(text, state, self.vocab)
        return await self.respond(state, understanding)

    async def respond(self, state: DialogueState, understanding: Understanding) -> TurnResult:
        turn = _Turn(state, understanding)
        previous_pending = turn.state.pending
        replies: list[str] = []
        steps = [understanding, *understanding.then]
        _remember_kind_owners(turn.state, steps)
        for i, step in enumerate(steps):
            if i > 0 and step.intent == Intent.checkout and turn.state.pending is not None and turn.state.pending.kind in (
                    "choose_size", "choose_product"):
                break  # "add the first one and check out", and it needs a size: the question first
            step, note = self._in_dollars(step, turn.state)
            if step.slots.reference and step.intent in _PICKS and (
                    index := recalled_list(turn.state, step.slots.category, step.slots.name_any,
                                           step.slots.earlier)) is not None:
                recall(turn.state, index)  # "and the first suit in medium": from the list of suits shown before
            if step.intent == Intent.search and step.slots.earlier and (
                    index := recalled_list(turn.state, step.slots.category, step.slots.name_any)) is not None:
                recall(turn.state, index)  # "oh sorry, the sneakers, I meant for women": that search, corrected
                step = step.model_copy(update={"intent": Intent.refine})
            step = _owner_of_kind(turn.state, step)
            turn.u = step
            turn.reply = ""
            if step.slots.gender and step.slots.gender != turn.state.filters.gender:
                turn.state.child_age = step.slots.child_age  # someone else now: their age, if said
            elif step.slots.child_age:
                turn.state.child_age = step.slots.child_age
            turn.state.shopper_gender = step.slots.shopper_gender or turn.state.shopper_gender
            turn.state.home_currency = step.slots.home_currency or turn.state.home_currency
            if note:
                replies.append(note)
            handler = _HANDLERS.get(step.intent, DialogueEngine._unknown)
            try:
                await handler(self, turn)
            except ShopError as error:
                turn.reply = self._shop_error_reply(error)
            if any(later.intent in _CART_CHANGES for later in steps[i + 1:]):
                turn.reply = _without_cart_sentence(turn.reply)  # the cart is said once, at the end
            if replies and turn.mention_ends and turn.products:
                offset = len(" ".join(replies)) + 1
                turn.mention_ends = [offset + end for end in turn.mention_ends]
            replies.append(turn.reply)
        turn.u = understanding
        turn.reply = " ".join(r for r in replies if r)
        if not turn.reply:  # every turn is answered, even one whose steps all had nothing to say
            await self._unknown(turn)
        if turn.cart is None and turn.state.cart.item_count > 0:
            turn.cart = await self.shop.get_cart(turn.state.user_id)  # every turn reports the cart it leaves
        if turn.state.pending is previous_pending and understanding.intent not in (
            Intent.help,
            Intent.unknown,
        ):
            turn.state.pending = None  # any other answer moves on from the question
        new_state = turn.state
        new_state.turn += 1
        new_state.last_intent = understanding.intent.value
        new_state.last_reply = turn.reply
        for shown, end in zip(new_state.shown, turn.mention_ends, strict=False):
            shown.spoken_end = end
        if new_state.pending is not None and turn.pending_end is not None:
            new_state.pending.spoken_end = turn.pending_end
        if turn.cart is not None:
            new_state.cart = CartSummary(item_count=turn.cart.item_count, total_cents=turn.cart.total_cents,
                                         product_ids=[line.product_id for line in turn.cart.lines])
            turn.payload["cart"] = turn.cart.model_dump(mode="json")
        if turn.products:
            turn.payload["products"] = [product_payload(p) for p in turn.products]
        if new_state.pending is not None:
            turn.payload["pending"] = new_state.pending.model_dump(mode="json", exclude={"spoken_end"})
        return TurnResult(
            reply_text=turn.reply,
            intent=understanding.intent.value,
            slots=understanding.slots.as_dict(),
            products=turn.products,
            cart=turn.cart,
            payload=turn.payload,
            new_state=new_state,
            end_conversation=turn.end,
            confidence=understanding.confidence,
        )

    def _in_dollars(self, u: Understanding, state: DialogueState) -> tuple[Understanding, str]:
        """A budget said in another currency, converted at the configured rate, and the sentence
        that says so ("3000 rupees is about 36 dollars."); unknown currencies are said to be. A bare
        amount after a budget in rupees is in rupees too when that is at least a dollar ("i can
        stretch to four thousand"; "under 50" stays dollars). A bare amount no price in the shop comes
        near ("anything under 5k", at least `LARGE_BUDGET_CENTS`) is in `large_budget_currency`."""
        slots = u.slots
        said = [v for v in (slots.price_min, slots.price_max) if v is not None]
        if slots.currency is None and said and state.currency is not None and (
                (earlier := self.currency_rates.get(state.currency)) and min(said) / earlier >= 100):
            slots = slots.model_copy(update={"currency": state.currency})
            u = u.model_copy(update={"slots": slots})
        elif slots.currency is None and said and self.large_budget_currency and min(said) >= LARGE_BUDGET_CENTS:
            slots = slots.model_copy(update={"currency": self.large_budget_currency})
            u = u.model_copy(update={"slots": slots})
        if slots.currency == "USD":
            state.currency = None  # dollars said: the currency of an earlier budget no longer applies
        if slots.currency in (None, "USD"):
            return u.model_copy(update={"slots": slots.model_copy(update={"currency": None})}), ""
        state.currency = slots.currency
        rate = self.currency_rates.get(slots.currency)
        name = CURRENCY_NAMES.get(slots.currency, slots.currency)
        if not rate:
            cleared = slots.model_copy(update={"price_min": None, "price_max": None, "currency": None})
            return u.model_copy(update={"slots": cleared}), f"Sorry, I can't convert {name} yet; prices are in dollars."
        bounds = [v for v in (slots.price_min, slots.price_max) if v is not None]
        converted = {k: round(v / rate) for k in ("price_min", "price_max") if (v := getattr(slots, k)) is not None}
        spoken = " to ".join(f"{v // 100:,}" for v in bounds)
        dollars = " to ".join(say.speak_price(round(v / rate)) for v in bounds)
        note = f"{spoken} {name} is about {dollars}."
        return u.model_copy(update={"slots": slots.model_copy(update={**converted, "currency": None})}), note

    def note_interrupted(self, state: DialogueState, heard_text: str) -> DialogueState:
        """Barge-in: keep only what the shopper actually heard of the last reply."""
        return note_interrupted(state, heard_text)

    # ----- search family -----
    async def _search(self, turn: _Turn) -> None:
        slots = turn.u.slots
        previous = turn.state.filters
        # "add the first dress … and sandals to go with it"; the son's after his backpacks were unisex ones
        asked = turn.state.asked_gender if slots.age_group != "adults" else None  # not "and a jacket for me"
        gender = asked or previous.gender or _department_of(turn.state)
        base = SearchFilters(gender=gender) if slots.gender is None else SearchFilters()
        kept = set(slots.keep or [])  # "a t-shirt for his sister, same budget"
        # Said for the kind before, kept for the next one of the same person unless it costs what is said now:
        # "fifty dirhams limit … a wallet?", then "socks got?"; "no black, it's a wedding", then "tops also"
        same_person = not kept and slots.gender in (None, previous.gender)
        carried: dict[str, Any] = {}
        if same_person and slots.price_min is None and slots.price_max is None and slots.price_trend is None and (
                previous.price_min_cents is not None or previous.price_max_cents is not None):
            carried.update(price_min_cents=None, price_max_cents=None)
        if same_person and previous.colour_none:
            carried["colour_none"] = []
        if "price" in kept or "price_max_cents" in carried:
            base = base.model_copy(update={"price_min_cents": previous.price_min_cents,
                                           "price_max_cents": previous.price_max_cents})
        if "colour" in kept:
            base = base.model_copy(update={"colour": previous.colour, "colours": previous.colours})
        if ("colour_none" in kept and slots.gender is None and not (slots.colours or slots.colour)) or (
                "colour_none" in carried):
            base = base.model_copy(update={"colour_none": previous.colour_none})
        carried_gender = slots.gender is None and gender is not None and bool(slots.category or slots.product_type)
        await self._run_search(turn, _merge(base, slots, turn.state), offset=0, carried_gender=carried_gender,
                               carried=carried)
        if slots.topic in _SHOP_ANSWERS and slots.topic != "service":  # "grey school trousers, and do you deliver to the uk?"
            turn.reply = f"{turn.reply} {_SHOP_ANSWERS[slots.topic]}"

    async def _refine(self, turn: _Turn) -> None:
        trend = turn.u.slots.price_trend
        protect = {"price_max"} if trend == "cheaper" else {"price_min"} if trend == "pricier" else set()
        if protect:  # cheaper white sneakers are white: none left means these are the cheapest
            protect |= {"colour", "material", "brand", "style"}  # cheaper formal shoes are formal too
        filters = _merge(turn.state.filters, turn.u.slots, turn.state)
        prices = [p.price_cents for p in turn.state.shown]
        wider = None  # nothing under the cheapest shown: under the dearest shown, if they differ
        if trend == "cheaper" and turn.u.slots.price_max is None and len(set(prices)) > 1:
            wider = filters.model_copy(update={"price_max_cents": max(prices) - 1})
        elif trend == "pricier" and turn.u.slots.price_min is None and len(set(prices)) > 1:
            wider = filters.model_copy(update={"price_min_cents": min(prices) + 1})
        # "any in a nine and a half?" when there are none: the same list as before, not one without the budget
        unsized = filters.model_copy(update={"size": turn.state.filters.size}) if (
            turn.u.slots.size and turn.state.shown and filters.size != turn.state.filters.size) else None
        await self._run_search(turn, filters, offset=0, protect=protect, wider=wider, unsized=unsized)

    async def _more(self, turn: _Turn) -> None:
        state = turn.state
        target = resolve_one(turn.u.slots.reference, state) if turn.u.slots.reference else None
        if target is not None:
            similar = await self.shop.similar(target.id, user_id=state.user_id, limit=PAGE_SIZE)
            if not similar:
                turn.reply = "I don't have anything similar to that one right now."
                return
            keep_shown(state)
            self._show(turn, similar, total=len(similar), offset=0)
            same_kind = state.filters.category == target.category
            # "more like the third one", then "anything cheaper": still the girls' dresses, not any dresses
            state.filters = SearchFilters(category=target.category, name_any=state.filters.name_any if same_kind else [],
                                          gender=state.filters.gender if same_kind else None)
            intro = "Here are similar ones. "
            listing, ends = say.product_list(similar, self.spoken_reply_chars - len(intro))
            turn.reply = self._with_listing(turn, intro, listing, ends, "")
            return
        if not state.shown and state.filters == SearchFilters():
            turn.reply = "Tell me what you're looking for first, like a white shirt or running shoes."
            return
        if turn.u.slots.page == "back":  # "go back", "the previous ones": the page before, or the list before
            if state.offset > 0:
                await self._run_search(turn, state.filters, offset=max(0, state.offset - PAGE_SIZE), going_back=True)
            elif state.earlier:
                await self._run_search(turn, state.earlier[0].filters, offset=state.earlier[0].offset, going_back=True)
            else:
                turn.reply = "That's the first of them. Want to see more, or something else?"
            return
        offset = state.offset + len(state.shown)
        if offset >= state.total_results:
            if await self._beyond_the_tags(turn):
                return
            turn.reply = "That's everything I have for that. Want to change the colour, price or size?"
            return
        await self._run_search(turn, state.filters, offset=offset)

    async def _beyond_the_tags(self, turn: _Turn) -> bool:
        """"Show me a few different ones" at the end of a short list for an occasion: the others of
        the kind, not tagged for it (the tags are sparse), if there are any."""
        state, narrow = turn.state, turn.state.filters
        wider = narrow.model_copy(update={"occasion": None, "name_prefer": None})
        if wider == narrow or state.total_results > MAX_SEEN_LIST:
            return False
        seen = await self.shop.search(narrow, user_id=state.user_id, limit=MAX_SEEN_LIST, offset=0)
        wider = wider.model_copy(update={"exclude_ids": [p.id for p in seen.products]})
        others = await self.shop.search(wider, user_id=state.user_id, limit=1, offset=0)
        if not others.products or set(others.relaxed) & _SAID_FILTERS:
            return False
        await self._run_search(turn, wider, offset=0)
        turn.reply = f"Those were all the {say.describe_filters(narrow)}. {turn.reply}"
        return True

    async def _run_search(
        self, turn: _Turn, filters: SearchFilters, offset: int, protect: set[str] | None = None,
        carried_gender: bool = False, wider: SearchFilters | None = None, carried: dict[str, Any] | None = None,
        going_back: bool = False, unsized: SearchFilters | None = None,
    ) -> None:
        """Search and speak; if the shop had to drop a `protect`ed filter, search the `wider` filters
        instead, or keep the current results.
        A `carried_gender` (the department of earlier turns, not said now) is dropped when the shop
        has nothing of the new kind there ("track pants for my husband", then "sports bras for me");
        the `carried` limits (said for the earlier kind: field → its unset value) are dropped first when
        they would cost anything said now."""
        state = turn.state
        asked_instead = ""  # what was asked, when a wider search answers it (a child's, in grown-ups' sizes)
        result = await self.shop.search(filters, user_id=state.user_id, limit=PAGE_SIZE, offset=offset)
        if unsized is not None and "size" in result.relaxed and set(result.relaxed) - {"size", "age_group"}:
            # a size none has: drop only the size (the `unsized` filters), not what the shopper said before it
            other = await self.shop.search(unsized, user_id=state.user_id, limit=PAGE_SIZE, offset=offset)
            if other.products and not set(other.relaxed) & _SAID_FILTERS:
                asked_instead, filters, result = say.describe_filters(filters), unsized, other
        if filters.style == "formal" and offset == 0 and result.total < PAGE_SIZE and not result.relaxed:
            # "formal trousers, women's": few are named formal; the plain ones, those named so first
            plain = filters.model_copy(update={"style": None, "name_prefer": filters.name_prefer or "formal", "name_any": (
                filters.name_any or (list(_FORMAL_NAMES[filters.category]) if filters.category in _FORMAL_NAMES else []))})
            other = await self.shop.search(plain, user_id=state.user_id, limit=PAGE_SIZE, offset=offset)
            if other.total > result.total and not set(other.relaxed) & _SAID_FILTERS:
                filters, result = plain, other
        if carried and (not result.products or set(result.relaxed) & _SAID_FILTERS):
            unbounded = filters.model_copy(update=carried)
            other = await self.shop.search(unbounded, user_id=state.user_id, limit=PAGE_SIZE, offset=offset)
            if other.products and not set(other.relaxed) & _SAID_FILTERS:
                filters, result = unbounded, other
        sibling = _SIBLING_CATEGORY.get(filters.category or "")
        if sibling is not None and (set(result.relaxed) & _SAID_FILTERS or not result.products):
            # "white kurtas for a boy": none alone, but kurtas sold with pyjamas are kurtas too;
            # "a running top for my dad": men's tops are sold as t-shirts
            category, stems = sibling
            wider_kind = filters.model_copy(update={"category": category, "name_any": list(stems)})
            other = await self.shop.search(wider_kind, user_id=state.user_id, limit=PAGE_SIZE, offset=offset)
            if other.products and not set(other.relaxed) & _SAID_FILTERS:
                filters, result = wider_kind, other
        kid = filters.gender if filters.gender in vocabulary.KID_GENDERS else None
        if not result.products and kid:  # "a backpack for school too" for the niece: no girls' backpacks, so unisex
            wider_kind = filters.model_copy(update={"gender": "unisex", "age_group": None})
            other = await self.shop.search(wider_kind, user_id=state.user_id, limit=PAGE_SIZE, offset=offset)
            if other.products:
                asked_instead, filters, result = say.describe_filters(filters), wider_kind, other
        if (not result.products and filters.name_any and filters.category in _ONE_GARMENT_CATEGORIES and not carried_gender
                and not (filters.colour or filters.colours or filters.brand or filters.brands or filters.size
                         or filters.price_max_cents or filters.price_min_cents)):
            # "a women's rain jacket", "flip flops for him, he's six": none of that kind, but the nearest, the
            # others of its category in the same department (a boy's sandals before a man's flip flops)
            closest = filters.model_copy(update={"name_any": [], "name_prefer": None})
            other = await self.shop.search(closest, user_id=state.user_id, limit=PAGE_SIZE, offset=offset)
            if other.products and not set(other.relaxed) & _SAID_FILTERS:
                asked_instead, filters, result = say.describe_filters(filters), closest, other
        if not result.products and kid:
            # "a watch for him, he's thirteen": men's next; failing that (unless the boy was only the last
            # search's), any
            adults = () if carried_gender and not turn.u.slots.child_age else (vocabulary.ADULT_OF[kid],)
            for wider_gender in (*adults, *(() if carried_gender else (None,))):
                wider_kind = filters.model_copy(update={"gender": wider_gender, "age_group": None})
                other = await self.shop.search(wider_kind, user_id=state.user_id, limit=PAGE_SIZE, offset=offset)
                if other.products:
                    asked_instead, filters, result = say.describe_filters(filters), wider_kind, other
                    break
        if carried_gender and not result.products:  # someone else's, and then not their budget either
            filters = filters.model_copy(update={"gender": None, "age_group": "adults", **(carried or {})})
            result = await self.shop.search(filters, user_id=state.user_id, limit=PAGE_SIZE, offset=offset)
        result = result.model_copy(update={"relaxed": _relaxed_names(result.relaxed)})
        if protect and set(result.relaxed) & protect and wider is not None:
            await self._run_search(turn, wider, offset, protect)
            return
        wanted = say.describe_filters(filters)
        if protect and set(result.relaxed) & protect:
            which = "cheapest" if "price_max" in protect else "most expensive"
            turn.reply = f"Those are already the {which} {say.describe_filters(state.filters)} I have."
            return
        effective = _without(filters, result.relaxed)
        keep_shown(state)
        widened_from = kid if kid is not None and effective.gender != kid else None
        state.asked_gender = widened_from or (state.asked_gender if effective.gender == state.filters.gender else None)
        state.filters = effective
        if not result.products:
            state.shown, state.offset, state.total_results, state.focus_id = [], 0, 0, None
            turn.reply = f"Sorry, I couldn't find any {wanted}. Try a different colour, size or budget?"
            return
        self._show(turn, result.products, total=result.total, offset=offset)
        if asked_instead or set(result.relaxed) - {"age_group", "name_prefer"}:  # defaults and preferences are not worth a word
            intro = f"Sorry, I couldn't find {asked_instead or wanted}, but here are {say.describe_filters(effective)}. "
        elif going_back:
            intro = "Here are the ones from before. "
        elif offset > 0:
            intro = "Here's one more. " if len(result.products) == 1 else f"Here are {len(result.products)} more. "
        elif result.tag_matches is not None and filters.occasion:  # few for the occasion: those first
            untagged = say.describe_filters(filters.model_copy(update={"occasion": None}))
            first = "one" if result.tag_matches == 1 else str(result.tag_matches)
            found = f"over {result.total}" if result.total_is_lower_bound else str(result.total)
            intro = f"I found {found} {untagged}, the first {first} {say.occasion_phrase(filters.occasion)}. "
        else:
            found = f"over {result.total}" if result.total_is_lower_bound else str(result.total)
            intro = f"I found {found} {wanted}. "  # says back what was understood
            if result.total == 1:
                intro = f"I found one {say.one_of(filters)}. "
        if filters.sort and offset == 0 and result.total > 1:
            intro = f"{intro.rstrip(' .')}, {say.SORT_WORDS[filters.sort]} first. "
        # Spoken short: the count and the first products that fit; the full cards go to the screen.
        listing, ends = say.product_list(result.products, self.spoken_reply_chars - len(intro))
        turn.reply = self._with_listing(turn, intro, listing, ends, "")
        # "what's your cheapest …", then "ja, that one": the one answer said aloud (a plain list still asks which)
        state.named_id = state.shown[0].id if len(ends) == 1 and state.shown and filters.sort else None

    def _show(self, turn: _Turn, products: list[ProductCard], *, total: int, offset: int) -> None:
        state = turn.state
        state.shown = [ShownProduct.from_card(p) for p in products[:PAGE_SIZE]]
        state.offset, state.total_results = offset, total
        state.focus_id = state.shown[0].id if len(state.shown) == 1 else None
        turn.products = list(products[:PAGE_SIZE])

    @staticmethod
    def _with_listing(turn: _Turn, intro: str, listing: str, ends: list[int], outro: str) -> str:
        turn.mention_ends = [len(intro) + end for end in ends]
        return f"{intro}{listing}{outro}".strip()

    # ----- product level -----
    async def _target(self, turn: _Turn, for_intent: Intent) -> ShownProduct | None:
        target = resolve_one(turn.u.slots.reference, turn.state)
        if target is None and turn.u.slots.reference == "focus":
            target = turn.state.shown_by_id(turn.state.named_id)  # "ja, that one": the one the reply named
        if target is None and turn.state.pending is not None and turn.state.pending.product_id is not None:
            target = turn.state.shown_by_id(turn.state.pending.product_id)
        if target is not None:
            return target
        if not turn.state.shown:
            turn.reply = "Let's find something first. What are you looking for?"
        elif turn.u.slots.reference and turn.u.slots.reference.startswith(("colour:", "brand:")):
            what = turn.u.slots.reference.split(":", 1)[1]
            turn.reply = (
                f"None of the ones I showed is {what}. Which one do you mean: the {self._ordinals(turn)}?"
            )
        else:
            shown = turn.state.shown
            if len(shown) == 1:
                turn.reply = f"Sorry, I showed only one, {say.mention(shown[0], with_price=False)}. Do you mean that one?"
            elif turn.u.slots.reference and turn.u.slots.reference.startswith("ordinal:"):  # "the fifth", 3 shown
                turn.reply = f"Sorry, I showed only {say.COUNT_WORDS[len(shown)]}. Which one do you mean: the {self._ordinals(turn)}?"
            else:
                turn.reply = f"Which one do you mean: the {self._ordinals(turn)}?"
            turn.state.pending = PendingConfirmation(
                kind="choose_product", for_intent=for_intent.value, quantity=turn.u.slots.quantity or 1,
                product_id=shown[0].id if len(shown) == 1 else None,  # "do you mean that one?" … "perfect, add that"
            )
        return None

    @staticmethod
    def _ordinals(turn: _Turn) -> str:
        return say.speak_list(list(say.ORDINAL_WORDS[: len(turn.state.shown)]))

    async def _cart_line_named(self, turn: _Turn) -> CartLine | None:
        """"How much is the jacket again", with socks on screen: the one cart line of the kind named."""
        kind = vocabulary.PRODUCT_TYPES.get(turn.u.slots.product_type or "")
        if kind is None or turn.u.slots.reference not in (None, "focus") or not turn.state.cart.item_count or any(
                _is_kind(kind, p.name, p.brand) for p in turn.state.shown):
            return None
        lines = [ln for ln in (await self.shop.get_cart(turn.state.user_id)).lines if _is_kind(kind, ln.name, ln.brand)]
        return lines[0] if len(lines) == 1 else None

    async def _details(self, turn: _Turn) -> None:
        only_one = ""
        ref = turn.u.slots.reference or ""
        if len(turn.state.shown) == 1 and re.fullmatch(r"ordinal:(?:[2-9]|\d\d)", ref):
            # "how much is the third one" with one shown: that one, said so (a question costs nothing to answer)
            turn.u = turn.u.model_copy(update={"slots": turn.u.slots.model_copy(update={"reference": "ordinal:1"})})
            only_one = "I showed only one. "
        if (in_cart := await self._cart_line_named(turn)) is not None:
            product_id = in_cart.product_id
        else:
            if turn.u.slots.reference in (None, "focus") and turn.state.focus_id is None and len(turn.state.shown) > 1:
                # "which one would you recommend", "is it warm enough": the best match for what was asked is the first
                turn.u = turn.u.model_copy(update={"slots": turn.u.slots.model_copy(update={"reference": "ordinal:1"})})
            if (target := await self._target(turn, Intent.product_details)) is None:
                return
            product_id = target.id
        card = await self.shop.get_product(product_id, user_id=turn.state.user_id)  # with fit notes for the shopper
        turn.state.focus_id = card.id
        turn.products = [card]
        shown_ids = [p.id for p in turn.state.shown]
        if card.id in shown_ids:  # the list stays on screen, this one in focus
            cards = {c.id: c for c in await self.shop.get_products(shown_ids, user_id=turn.state.user_id)}
            cards[card.id] = card
            turn.products = [cards[i] for i in shown_ids if i in cards]
            turn.payload["focus_id"] = card.id
        parts = [f"{only_one}This is the {say.mention(card)}."]
        if turn.u.slots.topic == "material":
            parts.append(say.material_sentence(card, turn.u.slots.material))
        elif turn.u.slots.topic == "feature":
            parts.append(say.feature_sentence(card, turn.u.slots.feature or ""))
        elif turn.u.slots.topic == "includes":
            parts.append(say.includes_sentence(card, turn.u.slots.feature))
        elif turn.u.slots.topic == "department":
            parts.append(say.department_sentence(card))
        elif turn.u.slots.topic == "care":
            parts.append("I don't know how to wash it, sorry: the listing has no care instructions.")
        elif (cut := turn.u.slots.style) and not turn.u.slots.colour:  # "is that one high waisted"
            parts.append(say.style_sentence(card, cut))
        elif (asked := turn.u.slots.colour) and not card.colour:
            parts.append(f"The listing doesn't give its colour, so I can't promise {asked}.")
        elif asked and card.colour and asked.lower() not in card.colour.lower():
            parts.append(f"It only comes in {card.colour}, sorry, not in {asked}.")  # "does it come in purple"
        elif card.colour:
            parts.append(f"{'Yes, it' if turn.u.slots.colour else 'It'}'s {card.colour}.")
        parts.append(_stock_sentence(card.sizes_available, turn.u.slots.size))
        if also := self._also_in(turn, card.price_cents):
            parts.insert(1, also.strip())
        if card.recommended_size is not None:
            parts.append(f"I'd suggest {say.speak_size(card.recommended_size.size)} for you.")
        if card.return_risk is not None and card.return_risk.level == "high" and card.return_risk.mitigation:
            parts.append(card.return_risk.mitigation)
        turn.reply = " ".join(parts)

    async def _compare(self, turn: _Turn) -> None:
        picked = resolve_many(turn.u.slots.reference, turn.state) if turn.u.slots.reference else []
        if len(picked) < 2:
            picked = turn.state.shown[:2] if len(picked) == 0 else picked
        if len(picked) < 2:
            turn.reply = "I need two products to compare. Search for something first?"
            return
        a, b = picked[0], picked[1]
        turn.state.compared_ids = [a.id, b.id]
        listed = [await self.shop.get_product(p.id, user_id=turn.state.user_id) for p in turn.state.shown]
        cards = [listed[turn.state.shown.index(p)] for p in (a, b)]
        turn.products = listed  # the list stays on screen: "add the third" after comparing the first and third is its third
        ia, ib = turn.state.shown.index(a), turn.state.shown.index(b)
        first, second = say.ORDINAL_WORDS[ia], say.ORDINAL_WORDS[ib]
        text = f"The {first} is the {say.mention(cards[0])}. The {second} is the {say.mention(cards[1])}."
        diff = cards[0].price_cents - cards[1].price_cents
        if diff:
            cheaper = second if diff > 0 else first
            text += f" The {cheaper} is {say.speak_price(abs(diff))} cheaper."
        if cards[0].sizes_available != cards[1].sizes_available:
            count_a, count_b = len(cards[0].sizes_available), len(cards[1].sizes_available)
            text += f" The {first} comes in {count_a} sizes, the {second} in {count_b}."
        turn.reply = text

    async def _size_advice(self, turn: _Turn) -> None:
        slots, state = turn.u.slots, turn.state
        if slots.measurements:
            await self.shop.update_profile(state.user_id, BodyMeasurements(**slots.measurements), None)
        if slots.reference is None and state.focus_id is None and len(state.shown) > 1:
            # "do those run small?", "what size should I get?": the products just shown share a size chart
            turn.u = turn.u.model_copy(update={"slots": slots.model_copy(update={"reference": "ordinal:1"})})
        target = await self._target(turn, Intent.size_advice)
        if target is None:
            return
        turn.state.focus_id = target.id
        if not slots.measurements and state.child_age:  # "what size for a ten year old": kids' sizes go by age
            size, sentence = await self._size_for_child(target, state)
            if sentence:
                turn.state.advised_size = size
                turn.reply = sentence.strip()
                return
        advice = await self.shop.size_advice(turn.state.user_id, target.id)
        if advice is None:
            turn.reply = (
                "I don't know your measurements yet. Tell me your height and weight, "
                "like five foot six and 60 kilos, and I'll pick a size."
            )
            return
        turn.payload["size_advice"] = advice.model_dump()
        turn.state.advised_size = advice.size
        turn.reply = self._advice_sentence(advice, target)

    @staticmethod
    def _advice_sentence(advice: SizeAdvice, target: ShownProduct) -> str:
        # The served fit model's reason names the size and says why in one sentence ("I'd go with a medium: ...").
        spoken = say.speak_size(advice.size)
        product = say.short_name(target.name, target.brand)  # the shopper knows which one: no brand
        if spoken.lower() in advice.reason.lower():  # the fit model's sentence names the size and says why
            text = f"For the {product}, {advice.reason}"
        else:
            text = f"For the {product}, I'd go with {spoken}. {advice.reason}".strip()
        if advice.runner_up and advice.guessing:
            text += f" If you're between sizes, {say.speak_size(advice.runner_up)} is the other option."
        return text

    # ----- cart -----
    async def _add(self, turn: _Turn) -> None:
        slots, state = turn.u.slots, turn.state
        several = resolve_many(slots.reference, state) if slots.reference and "," in slots.reference else []
        ordinals = (slots.reference or "").removeprefix("ordinal:") if (slots.reference or "").startswith("ordinal:") else ""
        asked = ordinals.split(",") if several and ordinals else []
        beyond = [int(n) for n in asked if int(n) > len(state.shown)]  # "the first one and the fourth one" of three
        if len(several) > 1 or (several and beyond):  # "add both of them in medium", "the first two"
            replies = []
            for product in several:
                one = slots.model_copy(update={"reference": f"ordinal:{state.shown.index(product) + 1}"})
                turn.u = turn.u.model_copy(update={"slots": one})
                await self._add_one(turn)
                replies.append(turn.reply)
            replies = [*map(_without_cart_sentence, replies[:-1]), replies[-1]]  # the cart said once, at the end
            if beyond:
                replies.append(f"I showed only {say.COUNT_WORDS[len(state.shown)]}, so there is no "
                               f"{say.speak_list([say.ORDINAL_WORDS[n - 1] if n <= len(say.ORDINAL_WORDS) else f'number {n}' for n in beyond])} one.")
            turn.reply = " ".join(r for r in replies if r)
            return
        await self._add_one(turn)

    async def _add_one(self, turn: _Turn) -> None:
        slots, state = turn.u.slots, turn.state
        pending = state.pending if state.pending and state.pending.kind in ("choose_size", "choose_product") else None
        target = None
        if slots.reference is None and pending is not None and pending.product_id is not None:
            target = state.shown_by_id(pending.product_id)
        if target is None:
            target = await self._target(turn, Intent.add_to_cart)
        if target is None:
            return
        quantity = slots.quantity or (pending.quantity if pending else 1)
        state.focus_id = target.id
        sizes = target.sizes_available
        if not sizes:
            card = await self.shop.get_product(target.id, user_id=state.user_id)
            sizes = list(card.sizes_available)
        size, said_as, picked = None, "", False
        wanted = slots.size or (state.advised_size if state.last_intent in ("size_advice", "set_profile") else None)
        if wanted is None and state.filters.size and target in state.shown:
            wanted = state.filters.size  # "shoes for the trail, I'm a nine", then "the second pair": a nine
        if sizes and not _one_size(sizes):
            size = match_size(wanted, sizes)
            if size is None and wanted and slots.size_else and (size := match_size(slots.size_else, sizes)):
                said_as = f"There's no {say.speak_size(wanted)} in stock. "  # "medium, or a large if there's none"
            if size is None and wanted in ALPHA_SIZES and all(s.isdigit() for s in sizes):
                # "the third pair in medium" of waist-sized trousers: the waist a medium is cut for
                card = await self.shop.get_product(target.id, user_id=state.user_id)
                size = match_size(waist_for_letter(wanted, card.gender or "men", among=sizes), sizes)
                said_as = f"A {say.speak_size(wanted)} is about a {size} waist. " if size else ""
            if size is None and wanted is None and state.child_age and all(s in ALPHA_SIZES for s in sizes):
                size, said_as = await self._size_for_child(target, state)
                picked = size is not None
            if size is None:
                spoken = say.speak_list([say.speak_size(s) for s in sizes])
                if said_as:
                    turn.reply = f"{said_as}Which size would you like: {spoken}?"
                elif slots.size:
                    missing = say.speak_size(slots.size)
                    turn.reply = f"Sorry, {missing} isn't in stock. Which size would you like: {spoken}?"
                else:
                    turn.reply = f"Which size would you like: {spoken}?"
                turn.state.pending = PendingConfirmation(
                    kind="choose_size", product_id=target.id, quantity=quantity, options=list(sizes)
                )
                turn.pending_end = len(turn.reply)
                return
        elif sizes:
            size = sizes[0]
        size_text = f" in {say.speak_size(size)}" if size and not _one_size(sizes) else ""
        verb = "Added"
        try:
            cart = await self.shop.add_to_cart(state.user_id, target.id, size, quantity)
        except (OutOfStock, InvalidSize) as error:
            available = error.details.get("available")
            if not (isinstance(available, int) and 0 < available < quantity):
                turn.reply = (
                    f"Sorry, the {say.mention(target, with_price=False)} just sold out in {say.speak_size(size)}."
                )
                return
            # fewer left than asked: add those (as a shop's cart caps the quantity) and say so
            said_as += f"Only {available} {'was' if available == 1 else 'were'} left{size_text}, so "
            verb, size_text, quantity = "I added", "", available
            try:
                cart = await self.shop.add_to_cart(state.user_id, target.id, size, quantity)
            except (OutOfStock, InvalidSize):  # gone between the two calls
                turn.reply = f"Sorry, the {say.mention(target, with_price=False)} just sold out."
                return
        turn.cart = cart
        turn.state.pending = None
        turn.state.last_line = LineRef(product_id=target.id, size=size, quantity=quantity, size_picked=picked)
        if turn.u.slots.for_whom:  # "the small's for chloe": a later "change chloe's" names this line
            turn.state.line_owners[line_key(target.id, size)] = turn.u.slots.for_whom
        amount = "" if quantity == 1 else f"{quantity} of "
        turn.reply = (f"{said_as}{verb} {amount}the {say.mention(target, with_price=False)}{size_text}. "
                      f"{say.cart_sentence(cart)}")

    async def _size_for_child(self, target: ShownProduct, state: DialogueState) -> tuple[str | None, str]:
        """A kids' product, the child's age known: the letter size for that age when it is in stock,
        with a sentence saying so (or that it is not); (None, "") for an adult's product."""
        card = await self.shop.get_product(target.id, user_id=state.user_id)
        letter = kids_letter_for_age(state.child_age or 0)
        if card.gender not in vocabulary.KID_GENDERS or letter is None:
            return None, ""
        usual = f"{say.a_or_an(str(state.child_age)).capitalize()} year old usually wears a {say.speak_size(letter)}"
        in_stock = letter in card.sizes_available
        return (letter, f"{usual}. ") if in_stock else (None, f"{usual}, which isn't in stock. ")

    async def _remove(self, turn: _Turn) -> None:
        state, slots = turn.state, turn.u.slots
        cart = await self.shop.get_cart(state.user_id)
        if not cart.lines:
            turn.cart = cart
            turn.reply = "Your cart is already empty."
            return
        kept = _lines_kept(cart, slots, state)
        if kept is not None:
            if 0 < len(kept) < len(cart.lines):
                left = cart
                for gone in cart.lines:
                    if gone not in kept:
                        left = await self.shop.remove_from_cart(state.user_id, gone.product_id, gone.size)
                turn.cart = left
                turn.reply = f"Done, I kept only {say.cart_lines(left)}. {say.cart_sentence(left)}"
                return
        line, target = None, resolve_one(slots.reference, state) if slots.reference else None
        kind = vocabulary.PRODUCT_TYPES.get(slots.product_type or "")
        if slots.reference:
            if target is not None and slots.reference == "focus" and kind is not None and not _is_kind(
                    kind, target.name, target.brand) and any(_is_kind(kind, ln.name, ln.brand) for ln in cart.lines):
                target = None  # "take the belt out" with the wallet in focus: the belt
            if target is not None:  # of its lines, the one in the size said ("remove mine": the medium)
                of_product = [ln for ln in cart.lines if ln.product_id == target.id]
                in_size = [ln for ln in cart.lines if slots.size and (ln.size or "").upper() == slots.size.upper()]
                line = next((ln for ln in of_product if ln in in_size), None)
                if line is None and slots.reference == "focus" and len(in_size) == 1:
                    line = in_size[0]  # "the small one, remove it" with the husband's xl kurta in focus: the small
                line = line or (of_product[0] if of_product else None)
        if (line is None and kind is None and target is not None and slots.reference and slots.reference.startswith("ordinal:")
                and "," not in slots.reference and not any(ln.product_id == target.id for ln in cart.lines)):
            # "remove the first one i added", the first on screen not in the cart: the cart's first line
            line = at_ordinal(list(cart.lines), int(slots.reference.removeprefix("ordinal:")))
        if slots.reference == LAST_LINE and (last := state.last_line) is not None:
            line = next((ln for ln in cart.lines if ln.product_id == last.product_id and ln.size == last.size), None)
        if line is None and kind is not None and slots.reference and slots.reference.startswith("ordinal:"):
            of_kind = [ln for ln in cart.lines if _is_kind(kind, ln.name, ln.brand)]  # "the second pair of earrings"
            line = at_ordinal(of_kind, int(slots.reference.removeprefix("ordinal:").split(",")[0]))
        if line is None and slots.reference and slots.reference.startswith(("colour:", "brand:")):
            said = slots.reference.split(":", 1)[1]  # "take the white one out" when the white one is no longer shown
            named = [ln for ln in cart.lines if _line_mentions(ln.name, ln.brand, said)]
            line = named[0] if len(named) == 1 else None
        kind_in_cart = slots.category is not None and any(_line_mentions(ln.name, ln.brand, slots.category) for ln in cart.lines)
        if line is None and slots.size and slots.reference is None and not (kind_in_cart or slots.brand or slots.colour):
            # "take out the xl"; "he'll wear a sherwani, so remove his one, the xl": no sherwani in the cart, the xl
            of_size = [ln for ln in cart.lines if (ln.size or "").upper() == slots.size.upper()]
            line = of_size[0] if len(of_size) == 1 else None
        if line is None and slots.gender and slots.reference is None:  # "take the men's pair out"
            line = _line_of_department(cart, slots.gender)
        if line is None:
            words = [w for w in (slots.colour, slots.brand, slots.category) if w]
            if words:
                candidates = [
                    ln for ln in cart.lines if all(_line_mentions(ln.name, ln.brand, w) for w in words)
                ]
                if len(candidates) > 1 and slots.size:  # "take the medium jeans back out"
                    candidates = [ln for ln in candidates if (ln.size or "").upper() == slots.size.upper()]
                if kind is not None and len(candidates) != 1:  # "take the chinos out": the type's own words
                    candidates = [ln for ln in cart.lines if kind.stems and kind.matches(ln.name)]
                line = candidates[0] if len(candidates) == 1 else None
                if not candidates and slots.category and not any(
                        _line_mentions(ln.name, ln.brand, slots.category) for ln in cart.lines):
                    # "remove the jeans" when no jeans made it into the cart: nothing else goes
                    turn.cart = cart
                    kind_said = say.describe_filters(SearchFilters(category=slots.category))
                    turn.reply = f"There are no {kind_said} in your cart. You have {say.cart_lines(cart)}."
                    return
        if line is None and len(cart.lines) == 1:
            line = cart.lines[0]
        if line is None and slots.reference is None and state.focus_id is not None:
            line = next((ln for ln in cart.lines if ln.product_id == state.focus_id), None)
        if line is None:
            turn.cart = cart
            turn.reply = f"Which item should I remove? You have {say.cart_lines(cart)}."
            return
        cart = await self.shop.remove_from_cart(state.user_id, line.product_id, line.size)
        state.line_owners.pop(line_key(line.product_id, line.size), None)
        turn.cart = cart
        removed = f"Removed the {line.brand} {say.short_name(line.name, line.brand)}. "
        if state.pending is not None and state.pending.kind == "checkout" and cart.lines:
            # "before you place it, take the belt out": the order still waits, for the new total
            self._ask_to_place(turn, await self.shop.quote_checkout(state.user_id), prefix=removed)
            return
        turn.reply = f"{removed}{say.cart_sentence(cart)}"

    async def _update_line(self, turn: _Turn) -> None:
        """"Make that a large" / "actually make it two": change the line just added, the line of the
        product named ("change the third one to large", "make the shirt a large"), or the only one."""
        state, slots = turn.state, turn.u.slots
        cart = await self.shop.get_cart(state.user_id)
        picked = resolve_many(slots.reference, state) if slots.reference and "," in slots.reference else []
        lines = [ln for p in picked for ln in cart.lines if ln.product_id == p.id]
        if picked and len(lines) < len(picked) == len(cart.lines):
            lines = list(cart.lines)  # "change both of them to large" of a cart of two, one of them from an earlier list
        if len(lines) > 1 and len(lines) == len(picked):
            replies = []  # "change both to xl": each line named
            for one in lines:
                state.last_line = LineRef(product_id=one.product_id, size=one.size, quantity=one.quantity)
                turn.u = turn.u.model_copy(update={"slots": slots.model_copy(update={
                    "reference": None, "product_type": None, "gender": None})})
                await self._update_line(turn)
                replies.append(_without_cart_sentence(turn.reply))
            turn.u = turn.u.model_copy(update={"slots": slots})
            turn.reply = " ".join([*replies, say.cart_sentence(turn.cart)]) if turn.cart else " ".join(replies)
            return
        ref = state.last_line
        line = next((ln for ln in cart.lines if ref and ln.product_id == ref.product_id and ln.size == ref.size), None)
        named = resolve_one(slots.reference, state) if slots.reference else None  # "change the third one to large"
        if named is not None and len(on_line := [ln for ln in cart.lines if ln.product_id == named.id]) == 1:
            line = on_line[0]
        elif slots.reference and slots.reference.startswith("colour:"):  # "knock the black ones down to two"
            colour = slots.reference.removeprefix("colour:")
            of_colour = [ln for ln in cart.lines if re.search(rf"\b{re.escape(colour)}\b", ln.name.lower())]
            line = of_colour[0] if len(of_colour) == 1 else None
        if slots.gender and slots.reference is None and not slots.from_size:  # "make hers a seven": her department's
            line = _line_of_department(cart, slots.gender)
        if slots.from_size:  # "change dev's one": of the lines (of the product named), the one in his size
            of_size = [ln for ln in cart.lines if (ln.size or "").upper() == slots.from_size.upper()
                       and (named is None or ln.product_id == named.id)]
            if len(of_size) > 1 and ref is not None:  # of several products in that size, the one just added
                of_size = [ln for ln in of_size if ln.product_id == ref.product_id] or of_size
            line = of_size[0] if len(of_size) == 1 else None
        kind = vocabulary.PRODUCT_TYPES.get(slots.product_type or "")
        of_kind = [ln for ln in cart.lines if _is_kind(kind, ln.name, ln.brand)] if kind is not None else []
        if kind is not None and (of_kind or slots.reference != "focus"):  # "make the shirt a large": that line
            line = of_kind[0] if len(of_kind) == 1 else None  # not "swap it to a large, I layer a jumper under"
        elif line is None and len(cart.lines) == 1:
            line = cart.lines[0]
        if line is None:
            turn.cart = cart
            turn.reply = (f"Which item should I change? You have {say.cart_lines(cart)}." if cart.lines
                          else "Your cart is empty. What can I find for you?")
            return
        name = f"{line.brand} {say.short_name(line.name, line.brand)}"
        size = None
        if slots.size:
            card = await self.shop.get_product(line.product_id, user_id=state.user_id)
            size = match_size(slots.size, list(card.sizes_available))
            if size is None:
                turn.cart = cart
                sizes = say.speak_list([say.speak_size(x) for x in card.sizes_available])
                turn.reply = f"Sorry, the {name} isn't in stock in {say.speak_size(slots.size)}. It comes in {sizes}."
                return
        if slots.quantity_change is not None:
            await self._change_units(turn, cart, line, size, slots.quantity_change)
            return
        if size is not None and not (size == line.size and slots.quantity):  # "four of those, all medium"
            if size != line.size:  # the new size added first: one out of stock leaves the line as it was
                await self.shop.add_to_cart(state.user_id, line.product_id, size, slots.quantity or line.quantity)
                cart = await self.shop.remove_from_cart(state.user_id, line.product_id, line.size)
            state.last_line = LineRef(product_id=line.product_id, size=size, quantity=slots.quantity or line.quantity)
            if (whose := state.line_owners.pop(line_key(line.product_id, line.size), None)) is not None:
                state.line_owners[line_key(line.product_id, size)] = whose
            turn.reply = f"Done, the {name} is now in {say.speak_size(size)}. {say.cart_sentence(cart)}"
        else:
            cart, quantity, done = await self._set_units(turn, line, slots.quantity or 1)
            state.last_line = LineRef(product_id=line.product_id, size=line.size, quantity=quantity)
            turn.reply = f"{done} {quantity} of the {name}. {say.cart_sentence(cart)}"
        turn.cart = cart

    async def _set_units(self, turn: _Turn, line: CartLine, quantity: int) -> tuple[Cart, int, str]:
        """``quantity`` units on ``line``, or as many as are left when fewer are (a shop's cart caps the
        quantity, as an add does): the cart, the units now on the line and how to say it ("Done," or "Only 1
        was left in medium, so that's")."""
        user_id = turn.state.user_id
        try:
            return await self.shop.set_quantity(user_id, line.product_id, line.size, quantity), quantity, "Done,"
        except OutOfStock as error:
            available = error.details.get("available")
            if not (isinstance(available, int) and 0 < available < quantity):
                raise
        cart = await self.shop.set_quantity(user_id, line.product_id, line.size, available)
        was = "was" if available == 1 else "were"
        size = "" if not line.size or _one_size([line.size]) else f" in {say.speak_size(line.size)}"
        return cart, available, f"Only {available} {was} left{size}, so that's"

    async def _change_units(self, turn: _Turn, cart: Cart, line: CartLine, size: str | None, change: int) -> None:
        """"One less large": ``change`` units more (negative: fewer) on ``line``; with another ``size``, those
        units moved to a line in that size ("change one of the mediums to a small"), added there first so that
        a size gone out of stock changes nothing."""
        state, name = turn.state, f"{line.brand} {say.short_name(line.name, line.brand)}"
        moved = min(-change, line.quantity) if size is not None and size != line.size else 0
        if moved and size is not None:
            cart = await self.shop.add_to_cart(state.user_id, line.product_id, size, moved)
        left = line.quantity - moved if moved else line.quantity + change
        done = "Done,"
        if left > 0:
            cart, left, done = await self._set_units(turn, line, left)
        else:
            cart = await self.shop.remove_from_cart(state.user_id, line.product_id, line.size)
            state.line_owners.pop(line_key(line.product_id, line.size), None)
        if moved and size is not None:
            state.last_line = LineRef(product_id=line.product_id, size=size, quantity=moved)
            units = "one" if moved == 1 else str(moved)
            turn.reply = f"Done, {units} of the {name} is now in {say.speak_size(size)}. {say.cart_sentence(cart)}"
        elif left > 0:
            state.last_line = LineRef(product_id=line.product_id, size=line.size, quantity=left)
            turn.reply = f"{done} {left} of the {name} in {say.speak_size(line.size)}. {say.cart_sentence(cart)}"
        else:
            state.last_line = None
            turn.reply = f"Removed the {name} in {say.speak_size(line.size)}. {say.cart_sentence(cart)}"
        turn.cart = cart

    async def _clear_cart(self, turn: _Turn) -> None:
        cart = await self.shop.get_cart(turn.state.user_id)
        for line in cart.lines:
            cart = await self.shop.remove_from_cart(turn.state.user_id, line.product_id, line.size)
        turn.cart = cart
        turn.state.last_line = None
        turn.state.line_owners = {}
        turn.reply = "Your cart is empty now. It's all still here to find whenever you're ready."

    async def _out_of_scope(self, turn: _Turn) -> None:
        if turn.u.slots.gender is not None and turn.state.filters.gender is None:
            # "swimmers for my grandson, he's five", then "some shorts": still for him
            turn.state.filters = turn.state.filters.model_copy(update={"gender": turn.u.slots.gender})
        if turn.u.slots.topic in _SHOP_ANSWERS:
            turn.reply = _SHOP_ANSWERS[turn.u.slots.topic]
            return
        turn.reply = (
            "Sorry, that's not something we sell or do: I'm a fashion shop assistant. I can find clothes, "
            "shoes, bags, watches and jewellery, advise on size and check you out. What are you looking for?"
        )

    async def _view_cart(self, turn: _Turn) -> None:
        cart = await self.shop.get_cart(turn.state.user_id)
        turn.cart = cart
        if not cart.lines:
            turn.reply = "Your cart is empty. What can I find for you?"
            return
        noun = "item" if cart.item_count == 1 else "items"
        turn.reply = (
            f"You have {cart.item_count} {noun} in your cart: {say.cart_lines(cart)}. "
            f"That's {say.speak_price(cart.total_cents)} in total.{self._also_in(turn, cart.total_cents)}"
        )

    def _also_in(self, turn: _Turn, cents: int) -> str:
        """" That's about 3,200 Kenyan shillings.": a price asked in another currency, at the configured rate."""
        code = turn.u.slots.in_currency
        rate = self.currency_rates.get(code or "")
        if code is None or not rate:
            return ""
        amount = cents / 100 * rate
        spoken = f"{round(amount):,}" if amount >= 100 else f"{amount:.2f}"
        return f" That's about {spoken} {CURRENCY_NAMES.get(code, code)}."

    async def _checkout(self, turn: _Turn) -> None:
        state = turn.state
        try:
            cart = await self.shop.quote_checkout(state.user_id)
        except EmptyCart:
            turn.reply = "Your cart is empty, so there's nothing to check out yet."
            return
        turn.cart = cart
        self._ask_to_place(turn, cart)  # even "place the order": the total is read back for a yes first

    def _ask_to_place(self, turn: _Turn, cart: Cart, prefix: str = "") -> None:
        count = cart.item_count
        noun = "item" if count == 1 else "items"
        total = say.speak_price(cart.total_cents)
        turn.reply = f"{prefix}Your total is {total} for {count} {noun}. Shall I place the order?"
        turn.pending_end = len(turn.reply)
        turn.state.pending = PendingConfirmation(
            kind="checkout",
            total_cents=cart.total_cents,
            item_count=count,
            idempotency_key=f"{turn.state.conversation_id}:{turn.state.turn}",
        )

    async def _confirm(self, turn: _Turn) -> None:
        pending = turn.state.pending
        if pending is None:
            turn.reply = "There's nothing waiting for a yes right now. What would you like to do?"
            return
        if pending.kind == "choose_size":
            turn.reply = (
                f"Which size would you like: {say.speak_list([say.speak_size(s) for s in pending.options])}?"
            )
            turn.pending_end = len(turn.reply)
            turn.state.pending = pending.model_copy()
            return
        if pending.kind == "choose_product" and len(turn.state.shown) == 1:  # "do you mean that one?" "yes"
            intent = Intent(pending.for_intent or "product_details")
            slots = turn.u.slots.model_copy(update={"reference": "ordinal:1", "quantity": pending.quantity})
            turn.u = turn.u.model_copy(update={"intent": intent, "slots": slots})
            turn.state.pending = None
            await _HANDLERS[intent](self, turn)
            return
        if pending.kind == "choose_product":
            turn.reply = f"Which one do you mean: the {self._ordinals(turn)}?"
            turn.state.pending = pending.model_copy()
            return
        cart = await self.shop.quote_checkout(turn.state.user_id)
        if cart.total_cents != pending.total_cents or cart.item_count != pending.item_count:
            turn.cart = cart
            self._ask_to_place(turn, cart, prefix="Your cart changed. ")
            return
        order = await self.shop.place_order(turn.state.user_id, pending.idempotency_key or "")
        turn.state.pending = None
        turn.state.last_order_id = order.id
        turn.state.cart = CartSummary()
        turn.payload["order"] = order.model_dump(mode="json")
        turn.reply = _order_placed_sentence(order)

    async def _decline(self, turn: _Turn) -> None:
        pending = turn.state.pending
        turn.state.pending = None
        if pending is not None and pending.kind == "checkout":
            turn.reply = "Okay, I'll hold off on checkout. Your cart is saved."
        else:
            turn.reply = "No problem. Anything else I can help with?"

    # ----- after-sales -----
    async def _order_status(self, turn: _Turn) -> None:
        orders = await self.shop.order_status(turn.state.user_id, turn.u.slots.order_id)
        if not orders:
            turn.reply = "I couldn't find any orders for you."
            return
        order = orders[0]
        turn.payload["orders"] = [o.model_dump(mode="json") for o in orders[:3]]
        items = sum(line.quantity for line in order.lines)
        turn.reply = (
            f"Order {order.id}, {items} item{'s' if items != 1 else ''} "
            f"for {say.speak_price(order.total_cents)}, "
            f"is {STATUS_WORDS.get(order.status, order.status.value)}."
        )
        if len(orders) > 1 and turn.u.slots.order_id is None:
            turn.reply += f" You have {len(orders)} orders in total."

    async def _return(self, turn: _Turn) -> None:
        slots, state = turn.u.slots, turn.state
        product = resolve_one(slots.reference, state) if slots.reference else None
        try:
            request = await self.shop.start_return(
                state.user_id,
                slots.order_id or None,
                product.id if product else None,
                slots.reason,
                slots.fit_feedback,
            )
        except NotFound:
            turn.reply = "I couldn't find an order to return. Which order number is it?"
            return
        except Conflict:
            turn.reply = "That has already been returned, so there's nothing more to send back."
            return
        turn.payload["return"] = request.model_dump(mode="json")
        text = f"I've started a return for order {request.order_id}."
        if slots.fit_feedback == "small":
            text += " Sorry it was too small; next time I'll suggest a size up."
        elif slots.fit_feedback == "large":
            text += " Sorry it was too big; next time I'll suggest a size down."
        elif slots.reason:
            text += f" I've noted the reason: {slots.reason}."
        else:
            text += " Can you tell me why you're returning it?"
        turn.reply = text + " Once it's back with us, your refund is issued."

    async def _fit_review(self, turn: _Turn) -> None:
        slots, state = turn.u.slots, turn.state
        product = resolve_one(slots.reference, state) if slots.reference else None
        fit = slots.fit_feedback or "fit"
        try:
            review = await self.shop.review_fit(state.user_id, product.id if product else None,
                                                None if product else slots.category, fit)
        except NotFound:
            turn.reply = "I couldn't find that in your orders. Which item do you mean?"
            return
        turn.payload["fit_review"] = review.model_dump(mode="json")
        turn.reply = f"Thanks, I've noted that the {review.name} in size {review.size} " + {
            "small": "runs small. Next time I'll suggest a size up.",
            "large": "runs large. Next time I'll suggest a size down.",
            "fit": "fits well. I'll keep recommending that size.",
        }[fit]

    async def _set_profile(self, turn: _Turn) -> None:
        slots, state = turn.u.slots, turn.state
        measurements = BodyMeasurements(**slots.measurements) if slots.measurements else None
        preferences = {
            k: v for k, v in {"size": slots.size, "brand": slots.brand, "colour": slots.colour}.items() if v
        }
        await self.shop.update_profile(state.user_id, measurements, preferences or None)
        said: list[str] = []
        if measurements is not None:
            if measurements.height_cm:
                said.append(f"height {round(measurements.height_cm)} centimetres")
            if measurements.weight_kg:
                said.append(f"weight {round(measurements.weight_kg)} kilos")
            for name in ("chest", "waist", "hips"):
                value = getattr(measurements, f"{name}_cm")
                if value:
                    said.append(f"{name} {round(value)} centimetres")
        if slots.size:
            said.append(f"usual size {say.speak_size(slots.size)}")
        if slots.brand:
            said.append(f"favourite brand {slots.brand}")
        turn.reply = f"Got it, I've saved your {say.speak_list(said, 'and')}." if said else "Okay, noted."
        focus = state.shown_by_id(state.focus_id)
        if focus is not None and measurements is not None:
            advice = await self.shop.size_advice(state.user_id, focus.id)
            if advice is not None:
                turn.payload["size_advice"] = advice.model_dump()
                state.advised_size = advice.size
                turn.reply += " " + self._advice_sentence(advice, focus)

    # ----- small talk -----
    async def _greeting(self, turn: _Turn) -> None:
        turn.reply = "Hi, I'm Style Shepherd. What are you shopping for today?"

    async def _help(self, turn: _Turn) -> None:
        turn.reply = (
            "I can find clothes and shoes, like black jeans under 40 dollars, tell you which size to get, "
            "add things to your cart, check out, and track or return orders. What would you like?"
        )

    async def _goodbye(self, turn: _Turn) -> None:
        turn.reply = "Thanks for shopping with Style Shepherd. Bye!"
        turn.end = True

    async def _unknown(self, turn: _Turn) -> None:
        turn.reply = (
            "Sorry, I didn't catch that. You can say things like: show me white sneakers under 60 dollars."
        )

    @staticmethod
    def _shop_error_reply(error: ShopError) -> str:
        if isinstance(error, NotFound):
            return "Sorry, I can't find that one any more. Want me to search again?"
        if isinstance(error, EmptyCart):
            return "Your cart is empty."
        return f"Sorry, that didn't work: {error.message}"


_NAMED_DEPARTMENT_RE = re.compile(r"\b(women|men|girls|boys|unisex)\b")


def _department_of(state: DialogueState) -> str | None:
    """The department of the product just put in the cart ("MISH Women Navy Maxi Dress"; a suit from a list of
    men's suits, though no name says so), if any: not one the shopper could not tell from a mixed list."""
    line = state.last_line
    if line is None:
        return None
    for product in state.shown:
        if product.id == line.product_id:
            m = _NAMED_DEPARTMENT_RE.search(product.name.lower())
            listed = {p.gender for p in state.shown}
            department = m.group(1) if m else product.gender if len(listed) == 1 else None
            return department if department != "unisex" else None
    return None


def _one_size(sizes: list[str]) -> bool:
    return len(sizes) == 1 and sizes[0].lower().replace(" ", "") in (
        "onesize",
        "os",
        "free",
        "freesize",
        "std",
    )


def _lines_kept(cart: Cart, slots: Slots, state: DialogueState) -> list[CartLine] | None:
    """The lines that stay when the others go ("drop everything except the jacket", "just keep the third
    one", "keep only the jeans"), or None when the request names none to keep."""
    if slots.keep_only and slots.reference and (target := resolve_one(slots.reference, state)) is not None:
        return [ln for ln in cart.lines if ln.product_id == target.id]
    if slots.keep_only and (kind := vocabulary.PRODUCT_TYPES.get(slots.product_type or "")) is not None:
        return [ln for ln in cart.lines if _is_kind(kind, ln.name, ln.brand)]
    if slots.exclude_words and not slots.reference:
        return [ln for ln in cart.lines if any(re.search(rf"(?<![a-z]){re.escape(w)}", ln.name.lower())
                                               for w in slots.exclude_words)]
    return None


def _without_cart_sentence(reply: str) -> str:
    return _CART_SENTENCE.sub("", reply).strip()


def _is_kind(kind: vocabulary.ProductType, name: str, brand: str) -> bool:
    """Whether a product is of the type named: by its name stems, or by the category its name files under."""
    if kind.stems:
        return kind.matches(name)
    return taxonomy.categorize(name, brand) == kind.category


def _line_of_department(cart: Cart, gender: str) -> CartLine | None:
    """The one cart line from ``gender``'s department ("hers": the women's pair), else from its kids' or
    grown-ups' counterpart ("his" of a boy's sweater); None when there is no single one."""
    for department in (gender, vocabulary.KID_OF.get(gender), vocabulary.ADULT_OF.get(gender)):
        of_department = [ln for ln in cart.lines if department and re.search(_DEPARTMENT_WORDS[department], ln.name.lower())]
        if of_department:
            return of_department[0] if len(of_department) == 1 else None
    return None


_DEPARTMENT_WORDS = {"men": r"\b(?:men|mens|man)\b", "women": r"\b(?:women|womens|woman|ladies)\b",
                     "boys": r"\b(?:boys?|boy's)\b", "girls": r"\b(?:girls?|girl's)\b", "unisex": r"\bunisex\b"}


def _line_mentions(name: str, brand: str, word: str) -> bool:
    from voice_server.conversation.dialogue.lexicon import CATEGORY_SYNONYMS

    text = f"{brand} {name}".lower().replace("-", "")
    if word.lower() in text:
        return True
    synonyms = [k for k, v in CATEGORY_SYNONYMS.items() if v == word]
    return any(s.replace(" ", "") in text.replace(" ", "") for s in synonyms)


def _merge(base: SearchFilters, slots: Slots, state: DialogueState) -> SearchFilters:
    if slots.gender is None and slots.age_group == "adults" and base.gender in vocabulary.KID_GENDERS:
        base = base.model_copy(update={"gender": None})  # "a shirt for myself" after the baby's things
    update: dict[str, Any] = {}
    for slot_name, field in FILTER_FIELDS.items():
        value = getattr(slots, slot_name)
        if value is not None:
            update[field] = search_size(value) if slot_name == "size" else value
    if slots.size is not None:  # a size said alone drops the others said before it
        update["also_sizes"] = [search_size(s) or s for s in slots.also_sizes or []]
    if slots.price_trend is not None:
        anchor = state.shown_by_id(state.focus_id)
        prices = [anchor.price_cents] if anchor else [p.price_cents for p in state.shown]
        if prices and slots.price_trend == "cheaper":
            # "anything cheaper, like under 20": below the dearest shown and within the budget; else below the cheapest
            update["price_max_cents"] = max(min(prices) - 1 if slots.price_max is None else
                                            min(slots.price_max, max(prices) - 1), 0)
            if slots.price_min is None:  # "cheaper ones" after "between 120 and 160 francs": the floor goes too
                update["price_min_cents"] = None
        elif prices:
            update["price_min_cents"] = max(prices) + 1
            if base.price_max_cents is not None and base.price_max_cents <= update["price_min_cents"]:
                update["price_max_cents"] = None
    update.update(_meaning_update(base, slots))
    merged = base.model_copy(update={**update, "exclude_ids": []})
    if merged.size and merged.size.isdigit() and merged.category and (
            merged.gender == "women" or (merged.gender is None and merged.age_group == "adults")) and (
            letter := letter_for_dress_size(int(merged.size), merged.category)):
        merged = merged.model_copy(update={"size": letter})  # "a dress for myself, I'm a size twelve": a medium
    if merged.gender is not None:
        merged = merged.model_copy(update={"age_group": None})
    elif merged.age_group is None:  # no department said: an adult's, unless nothing else matches
        merged = merged.model_copy(update={"age_group": "adults"})
    if (
        merged.price_min_cents is not None
        and merged.price_max_cents is not None
        and merged.price_min_cents >= merged.price_max_cents
        and (slots.price_min is None or slots.price_max is None)
    ):  # the bound said now wins: "under 50", then "what have you got over a hundred"; "about 20", then "15 tops"
        said_min = slots.price_min is not None and slots.price_max is None and slots.price_trend is None
        stale = "price_max_cents" if said_min else "price_min_cents"
        merged = merged.model_copy(update={stale: None})
    return merged


_SHADE_EXCLUDES: dict[str, tuple[str, ...]] = {
    # "brighter", "lighter colours": neither the dull nor the dark ones (maroon is no brighter than navy)
    "darker": vocabulary.LIGHT_COLOURS, "brighter": tuple(dict.fromkeys([*vocabulary.DULL_COLOURS, *vocabulary.DARK_COLOURS])),
    "muted": vocabulary.BRIGHT_COLOURS,
}
_CLEARS: dict[str, dict[str, Any]] = {
    "brand": {"brand": None, "brands": []},
    "colour": {"colour": None, "colours": []},
    "price": {"price_min_cents": None, "price_max_cents": None},
    "gender": {"gender": None},
}


def _meaning_update(base: SearchFilters, slots: Slots) -> dict[str, Any]:
    """Filters for what a request means beyond single slots: the product type's name stems,
    several colours or brands, exclusions (kept for the rest of the search), relative shade and
    formality, lifted filters. Positive words replace; exclusions add up, and a later positive
    word wins over an earlier exclusion of it."""
    update: dict[str, Any] = {}
    for name in slots.clear or []:
        update.update(_CLEARS[name])
    if slots.category is not None or slots.name_any:  # no category: alternatives from several
        kind = vocabulary.PRODUCT_TYPES.get(slots.product_type or "")
        stems = slots.name_any if slots.name_any is not None else (list(kind.stems) if kind else [])
        if slots.name_any is None and not stems and slots.category == base.category and base.name_any:
            stems = base.name_any  # "handbags", then "she has three lavie bags": still handbags
        update["name_any"] = list(stems)
        update["name_prefer"] = slots.name_prefer
        if slots.category is None:  # "mojaris or juttis", "anarkali ones": a kind sold in several categories
            update["category"] = None
    colours = list(slots.colours or ([slots.colour] if slots.colour else []))
    colour_none = [c for c in base.colour_none if c not in colours]
    colour_none += list(slots.exclude_colours or [])
    if slots.shade:
        colour_none += [c for c in _SHADE_EXCLUDES[slots.shade] if c not in colours]
        if not colours and slots.shade != "muted":  # "beige or khaki", then "something darker": neither of those
            colour_none += [*base.colours, *([base.colour] if base.colour else [])]
    if colours:
        update["colours"] = [c for c in colours if c not in colour_none]
        update["colour"] = slots.colour if slots.colour not in colour_none else None
    elif colour_none != base.colour_none:
        kept = [c for c in base.colours if c not in colour_none]
        update["colours"] = kept
        if base.colour and base.colour in colour_none:
            update["colour"] = kept[0] if kept else None
    update["colour_none"] = list(dict.fromkeys(colour_none))
    brand_none = [*base.brand_none, *(slots.exclude_brands or [])]
    if slots.brands:
        update["brands"] = list(slots.brands)
    elif slots.brand:
        update["brands"] = []
    if slots.exclude_brands:
        if base.brand in brand_none and not slots.brand:
            update["brand"] = None
        update["brands"] = [b for b in update.get("brands", base.brands) if b not in brand_none]
    update["brand_none"] = brand_none
    name_none = list(base.name_none)
    if slots.style and not slots.formality:  # "so stripes are grand, show me the striped ones": wanted again now
        name_none = [w for w in name_none if not slots.style.startswith(w)]
    if slots.formality == "more":
        name_none = [w for w in name_none if w != "formal"] + ["casual"]
    elif slots.formality == "less":
        name_none = [w for w in name_none if w != "casual"] + ["formal"]
    name_none += list(slots.exclude_words or [])
    if slots.name_any:
        name_none = [w for w in name_none if w not in slots.name_any]
    name_any = update.get("name_any", base.name_any)
    if name_any and any(w in name_none for w in name_any):
        update["name_any"] = [w for w in name_any if w not in name_none]
    update["name_none"] = list(dict.fromkeys(name_none))
    return update


# what the formal things of a category are named, when few are named "formal" (not palazzos or cargos)
_FORMAL_NAMES: dict[str, tuple[str, ...]] = {"trousers": ("trouser", "pant", "slack")}

_SHOP_ANSWERS: dict[str, str] = {
    "service": "Sorry, I can't do that: no gift wrapping, notes, engraving, printing, alterations or holds, "
               "and nothing outside fashion. I can find clothes, shoes and accessories and check you out.",
    "delivery": f"Delivery is free on orders of {say.speak_price(FREE_SHIPPING_FROM_CENTS)} or more, otherwise "
                f"{say.speak_price(SHIPPING_CENTS)}. I can't promise a date: your order confirmation will have "
                "the courier's times.",
    "customs": "Sorry, I can't tell you your country's customs or import duties: prices here don't include "
               "them, and the courier collects any that apply when it arrives.",
    "fits": "Slim fit is cut close to the body; regular fit is straighter, with more room at the chest and waist.",
    "hours": "We're an online shop, open 24 hours a day, every day, with no store to visit: I'm here any time.",
    "payment": "You pay by card on a secure payment page when you check out; cash on delivery isn't "
               "available, sorry.",
    "returns_policy": "You can return what you buy: once it has arrived, just tell me you'd like to send "
                      "it back and I'll start the return; the refund follows when it reaches us.",
}


def _relaxed_names(relaxed: list[str]) -> list[str]:
    """The shop's relaxed filter names in this module's terms: ``commerce.search`` drops both price
    bounds together as ``price``."""
    out: list[str] = []
    for name in relaxed:
        out += ["price_min", "price_max"] if name == "price" else [name]
    return out


def _without(filters: SearchFilters, relaxed: list[str]) -> SearchFilters:
    cleared: dict[str, Any] = {}
    for name in relaxed:
        field = FILTER_FIELDS.get(name, name)
        if field in SearchFilters.model_fields:
            cleared[field] = None
        cleared.update(_CLEARS.get(name, {}))  # the list forms ("red or navy", "puma or levis") go too
    return filters.model_copy(update=cleared)


def _order_placed_sentence(order: Order) -> str:
    total = say.speak_price(order.total_cents)
    if order.status == OrderStatus.awaiting_payment:
        return (
            f"Your order number {order.id} for {total} is recorded and awaiting payment. "
            "I've sent the payment link to your screen."
        )
    if order.status == OrderStatus.paid:
        return f"Done! Order number {order.id} is placed and {total} has been charged."
    return (
        f"Your order number {order.id} for {total} is {STATUS_WORDS.get(order.status, order.status.value)}."
    )


def note_interrupted(state: DialogueState, heard_text: str) -> DialogueState:
    """Trim the last reply to what was heard; forget unheard product mentions and unheard questions."""
    heard = len(heard_text.strip())
    if heard >= len(state.last_reply.strip()):
        return state
    new = state.model_copy(deep=True)
    new.last_reply = heard_text.strip()
    new.shown = [p for p in new.shown if p.spoken_end is None or p.spoken_end <= heard]
    if new.focus_id is not None and new.shown_by_id(new.focus_id) is None:
        new.focus_id = None
    if new.pending is not None and new.pending.spoken_end is not None and heard < new.pending.spoken_end:
        new.pending = None  # never act on a yes to a total the shopper did not hear
    return new


# a category whose products are also sold in sets filed under another ("Kurta with Pyjamas")
_SIBLING_CATEGORY: dict[str, tuple[str, tuple[str, ...]]] = {
    "kurtas": ("ethnic_sets", ("kurta",)), "tops": ("tshirts", ()),
}
# categories of one kind of garment, where another of the category stands in for a kind it lacks (a rain jacket:
# the other jackets); not innerwear, accessories and the like (sports bras are no briefs)
_ONE_GARMENT_CATEGORIES = frozenset({"jackets", "sweaters", "tops", "tshirts", "shirts", "dresses", "trousers", "jeans",
                                     "shorts", "skirts", "kurtas", "shoes", "sandals"})
_SAID_FILTERS = {"colour", "price", "price_min", "price_max", "brand", "size"}  # relaxing these loses what was said
_CART_SENTENCE = re.compile(r" ?(?:You have \d+ items? in your cart, [^.]* in total|Your cart is empty)\.")
_CART_CHANGES = (Intent.add_to_cart, Intent.update_cart, Intent.remove_from_cart)
_PICKS = (Intent.add_to_cart, Intent.product_details, Intent.size_advice, Intent.compare)
_HANDLERS: dict[Intent, Handler] = {
    Intent.search: DialogueEngine._search,
    Intent.refine: DialogueEngine._refine,
    Intent.more_results: DialogueEngine._more,
    Intent.compare: DialogueEngine._compare,
    Intent.product_details: DialogueEngine._details,
    Intent.size_advice: DialogueEngine._size_advice,
    Intent.add_to_cart: DialogueEngine._add,
    Intent.remove_from_cart: DialogueEngine._remove,
    Intent.view_cart: DialogueEngine._view_cart,
    Intent.update_cart: DialogueEngine._update_line,
    Intent.clear_cart: DialogueEngine._clear_cart,
    Intent.out_of_scope: DialogueEngine._out_of_scope,
    Intent.checkout: DialogueEngine._checkout,
    Intent.confirm: DialogueEngine._confirm,
    Intent.decline: DialogueEngine._decline,
    Intent.order_status: DialogueEngine._order_status,
    Intent.start_return: DialogueEngine._return,
    Intent.fit_review: DialogueEngine._fit_review,
    Intent.set_profile: DialogueEngine._set_profile,
    Intent.help: DialogueEngine._help,
    Intent.greeting: DialogueEngine._greeting,
    Intent.goodbye: DialogueEngine._goodbye,
    Intent.unknown: DialogueEngine._unknown,
}

__all__ = ["DialogueEngine", "SearchResult", "TurnResult", "note_interrupted"]


def _stock_sentence(in_stock: list[str], asked: str | None) -> str:
    """The sizes in stock; a size the shopper asked about ("does it come in a medium") answered first."""
    if not in_stock:
        return "It's currently out of stock."
    if asked:
        said = say.speak_size(asked)
        if asked.upper() in {size.upper() for size in in_stock}:
            return f"Yes, it comes in {said}."
        return f"Sorry, {said} is not in stock; it comes in {say.speak_sizes(in_stock)}."
    return f"In stock in {say.speak_sizes(in_stock)}."
