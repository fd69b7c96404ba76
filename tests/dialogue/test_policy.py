from __future__ import annotations

import time
from collections.abc import Callable

from commerce.models import OrderStatus
from tests.dialogue.conftest import catalog_vocabulary, sample_products
from tests.dialogue.memory_shop import MemoryShop
from voice_server.conversation.dialogue import DialogueEngine, DialogueState, Intent
from voice_server.conversation.dialogue.policy import TurnResult
from voice_server.conversation.dialogue.replies import (
    SPOKEN_REPLY_CHARS,
    short_name,
    speak_price,
    speak_size,
    speak_sizes,
)

Factory = Callable[[], DialogueEngine]


async def talk(
    engine: DialogueEngine, *lines: str, user_id: int = 1
) -> tuple[list[TurnResult], DialogueState]:
    state = DialogueState(conversation_id="c-test", user_id=user_id)
    results = []
    for line in lines:
        result = await engine.handle(state, line)
        results.append(result)
        state = result.new_state
    return results, state


def test_speakable_prices_and_sizes() -> None:
    assert speak_price(4999) == "49 dollars 99"
    assert speak_price(8000) == "80 dollars"
    assert speak_price(4999, approximate=True) == "about 50 dollars"
    assert speak_sizes(["6", "7", "8", "9"]) == "sizes 6 to 9"
    assert speak_sizes(["S", "M", "L", "XL"]) == "small to extra large"
    assert speak_sizes(["S", "M", "XL"]) == "small, medium and extra large"
    assert speak_sizes(["6", "8"]) == "size 6 and size 8"
    assert (speak_size("M"), speak_size("XL"), speak_size("32x34")) == ("medium", "extra large", "32 by 34")


async def test_checkout_asks_before_charging(engine_factory: Factory) -> None:
    engine = engine_factory()
    shop = engine.shop
    assert isinstance(shop, MemoryShop)
    results, state = await talk(engine, "wallets for men", "add the first one", "checkout")
    quote = results[-1]
    assert "place_order" not in shop.calls
    assert state.pending is not None and state.pending.kind == "checkout"
    assert speak_price(state.pending.total_cents or 0) in quote.reply_text
    assert quote.reply_text.endswith("Shall I place the order?")
    confirmed = await engine.handle(state, "yes")
    assert shop.calls.count("place_order") == 1
    assert "awaiting payment" in confirmed.reply_text
    again = await engine.handle(confirmed.new_state, "yes")  # a second yes must not order twice
    assert shop.calls.count("place_order") == 1
    assert "order" not in again.payload
    told, state = await talk(engine, "belts for men", "add the first one", "ok go ahead and place my order")
    assert told[-1].reply_text.endswith("Shall I place the order?"), told[-1].reply_text  # read back first
    assert shop.calls.count("place_order") == 1 and state.pending is not None and state.pending.kind == "checkout"


async def test_paid_orders_are_reported_as_charged(engine_factory: Factory) -> None:
    engine = engine_factory()
    assert isinstance(engine.shop, MemoryShop)
    engine.shop.payment_status = OrderStatus.paid
    results, _ = await talk(engine, "wallets for men", "add the first one", "checkout", "yes")
    assert "charged" in results[-1].reply_text


async def test_spoken_fit_review_of_a_bought_item(engine_factory: Factory) -> None:
    engine = engine_factory()
    shop = engine.shop
    assert isinstance(shop, MemoryShop)
    unpaid, _ = await talk(engine, "shirts for men", "add the first one in a medium", "checkout", "yes",
                           "the shirt I bought runs small")
    assert "couldn't find" in unpaid[-1].reply_text and not shop.fit_reviews  # not paid: nothing to review
    engine = engine_factory()
    shop = engine.shop
    assert isinstance(shop, MemoryShop)
    shop.payment_status = OrderStatus.paid
    results, _ = await talk(engine, "shirts for men", "add the first one in a medium", "checkout", "yes",
                            "the shirt I bought runs small", "actually the one I got fits perfectly")
    bought = results[3].payload["order"]["lines"][0]
    small, fits = results[-2], results[-1]
    assert small.intent == Intent.fit_review and "runs small" in small.reply_text and "size up" in small.reply_text
    assert small.payload["fit_review"] == {"product_id": bought["product_id"], "name": bought["name"],
                                           "size": "M", "fit": "small"}
    assert fits.intent == Intent.fit_review and "fits well" in fits.reply_text
    assert [r.fit for r in shop.fit_reviews] == ["small", "fit"]


async def test_decline_cancels_pending_checkout(engine_factory: Factory) -> None:
    engine = engine_factory()
    _results, state = await talk(engine, "wallets for men", "add the first one", "checkout", "no")
    assert state.pending is None
    assert "place_order" not in engine.shop.calls  # type: ignore[attr-defined]


async def test_never_more_than_three_products(engine_factory: Factory) -> None:
    results, _ = await talk(engine_factory(), "t-shirts", "show me more", "show me more")
    for result in results:
        assert 0 < len(result.products) <= 3
        assert result.reply_text.count("dollars") <= 3
    first, second = results[0].products, results[1].products
    assert not {p.id for p in first} & {p.id for p in second}


async def test_size_question_lists_only_stocked_sizes(engine_factory: Factory) -> None:
    results, state = await talk(engine_factory(), "jeans for men", "add the first one")
    product = results[0].products[0]
    question = results[1].reply_text
    assert question.startswith("Which size would you like")
    for size in ("28", "30", "32", "34", "36", "38"):
        assert (f"size {size}" in question) == (size in product.sizes_available)
    assert state.pending is not None and state.pending.options == product.sizes_available


async def test_relaxed_search_says_what_was_dropped(engine_factory: Factory) -> None:
    results, state = await talk(engine_factory(), "purple leather sarees under 5 dollars")
    reply = results[0].reply_text
    assert reply.startswith("Sorry, I couldn't find purple leather sarees under 5 dollars, but here are")
    assert state.filters.material is None


async def test_refine_accumulates_and_cheaper_goes_below_cheapest(engine_factory: Factory) -> None:
    """Cheaper is under the cheapest shown; when nothing is, under the dearest shown."""
    results, state = await talk(engine_factory(), "dresses for women", "in blue", "something cheaper")
    assert state.filters.category == "dresses" and state.filters.gender == "women"
    before = [p.price_cents for p in results[1].products]
    after = [p.price_cents for p in results[2].products]
    assert after and all(price < max(before) for price in after)
    assert all(price < min(before) for price in after) or not any(price < min(before) for price in after)


async def test_references_resolve_to_the_right_product(engine_factory: Factory) -> None:
    results, state = await talk(engine_factory(), "watches for men", "tell me about the second one")
    assert results[1].payload["focus_id"] == results[0].products[1].id  # asked about, on the list still shown
    assert [p.id for p in results[1].products] == [p.id for p in results[0].products]
    assert state.focus_id == results[0].products[1].id
    added = await engine_factory().handle(state, "add it")
    assert added.cart is not None and added.cart.lines[0].product_id == state.focus_id


async def test_spoken_list_fits_the_reply_budget_and_the_screen_gets_the_page(engine_factory: Factory) -> None:
    results, state = await talk(engine_factory(), "white shirts")
    reply, shown = results[0].reply_text, results[0].products
    assert len(shown) > 1 and len(state.shown) == len(shown)  # the screen and the references keep the page
    assert reply.startswith("I found") and "First, " in reply and "Third, " not in reply
    assert len(reply) <= SPOKEN_REPLY_CHARS or "Second, " not in reply  # a long first name is still said
    roomy = DialogueEngine(MemoryShop(list(sample_products())), catalog_vocabulary(), spoken_reply_chars=1000)
    assert "Third, " in (await talk(roomy, "white shirts"))[0][0].reply_text


def test_short_names_do_not_end_on_a_connector() -> None:
    assert short_name("U.S. Polo Assn. Kids Navy Blue & White Striped Fit Dress", "U.S. Polo Assn.") == "navy blue dress"
    assert short_name("Roadster Men Navy Slim Fit Jeans", "Roadster") == "navy slim fit jeans"
    # a model code is not said aloud: the kind it ends on is
    assert short_name("Fossil Men Black Chronograph Watch FS5412", "Fossil") == "black chronograph watch"
    assert short_name("Zivame Women Pink Printed Night Suit ZI-77PINK-2", "Zivame") == "pink printed night suit"


async def test_barge_in_forgets_unheard_products(engine_factory: Factory) -> None:
    engine = DialogueEngine(MemoryShop(list(sample_products())), catalog_vocabulary(), spoken_reply_chars=1000)
    results, state = await talk(engine, "white shirts")
    heard = results[0].reply_text[: results[0].reply_text.index("Second")]
    trimmed = engine.note_interrupted(state, heard)
    assert trimmed.last_reply == heard.strip()
    assert [p.id for p in trimmed.shown] == [results[0].products[0].id]
    assert engine.note_interrupted(state, results[0].reply_text) == state


async def test_barge_in_before_total_drops_checkout(engine_factory: Factory) -> None:
    engine = engine_factory()
    _results, state = await talk(engine, "wallets for men", "add the first one", "checkout")
    trimmed = engine.note_interrupted(state, "Your total is")
    assert trimmed.pending is None
    after = await engine.handle(trimmed, "yes")
    assert "order" not in after.payload


async def test_payload_is_structured_for_screens(engine_factory: Factory) -> None:
    results, _ = await talk(engine_factory(), "black sneakers")
    product = results[0].payload["products"][0]
    assert {"id", "name", "brand", "price", "currency", "colour", "category", "sizes"} <= product.keys()


async def test_state_round_trips_json(engine_factory: Factory) -> None:
    _, state = await talk(engine_factory(), "jeans for men", "add the first one")
    assert DialogueState.from_json(state.to_json()) == state


async def test_turn_is_fast(engine_factory: Factory) -> None:
    engine = engine_factory()
    state = DialogueState(conversation_id="speed", user_id=1)
    started = time.perf_counter()
    for line in [
        "navy chinos for men under 50 dollars",
        "in a 32 waist",
        "the second one",
        "show me more",
    ] * 10:
        state = (await engine.handle(state, line)).new_state
    assert (time.perf_counter() - started) / 40 < 0.020


class PriceAsOneShop(MemoryShop):
    """Reports a dropped price bound the way ``commerce.search`` does: one name, ``price``."""

    async def search(self, filters, *, user_id, limit, offset):  # type: ignore[no-untyped-def]
        result = await super().search(filters, user_id=user_id, limit=limit, offset=offset)
        names = ["price" if n in ("price_min", "price_max") else n for n in result.relaxed]
        return result.model_copy(update={"relaxed": list(dict.fromkeys(names))})


async def test_relaxed_price_from_the_postgres_shop_clears_both_bounds() -> None:
    from tests.dialogue.conftest import catalog_vocabulary, sample_products

    engine = DialogueEngine(PriceAsOneShop(list(sample_products())), catalog_vocabulary())
    [result], state = await talk(engine, "sarees under 5 dollars")
    assert result.products and state.filters.price_max_cents is None
    assert all(p.price_cents > 500 for p in result.products)
    assert "couldn't find" in result.reply_text and "5 dollars" not in result.reply_text.split("but")[1]
    cheaper, state = await talk(engine, "sarees", "something cheaper", "something cheaper", "something cheaper",
                                "something cheaper", "something cheaper", "something cheaper")
    assert any(r.products for r in cheaper) and all(p.category == "sarees" for r in cheaper for p in r.products)
    assert any("already the cheapest" in r.reply_text for r in cheaper)  # price is never relaxed there


async def test_a_capped_count_is_said_as_a_lower_bound(engine_factory: Factory) -> None:
    engine = engine_factory()
    assert isinstance(engine.shop, MemoryShop)
    exact = (await talk(engine, "tshirts for men"))[0][0].reply_text
    assert "I found over" not in exact
    engine.shop.count_cap = 5
    capped = (await talk(engine, "tshirts for men"))[0][0].reply_text
    assert "I found over 5 " in capped, capped


async def test_a_size_asked_about_is_answered_before_the_range(engine_factory: Factory) -> None:
    results, _ = await talk(engine_factory(), "white shirts for men", "is the first one available in large",
                            "does the first one come in size 52?")
    assert "Yes, it comes in large." in results[1].reply_text
    assert "In stock in" not in results[1].reply_text
    assert "Sorry, size 52 is not in stock; it comes in" in results[2].reply_text


async def test_a_department_carried_from_earlier_turns_gives_way_to_a_new_kind(engine_factory: Factory) -> None:
    results, state = await talk(engine_factory(), "track pants for my husband", "and sports bras for me")
    assert results[0].products and all(p.gender in ("men", "unisex") for p in results[0].products)
    assert results[1].products and all("bra" in p.name.lower() for p in results[1].products)
    assert state.filters.gender == "women"  # not his department: hers, as "my husband" implied
    said, _ = await talk(engine_factory(), "sports bras for men")  # a department said outright is kept
    assert not said[0].products and "men's" in said[0].reply_text


class ThinTagShop(MemoryShop):
    """Answers as ``commerce.search`` does when only one product carries the occasion asked for."""

    async def search(self, filters, *, user_id, limit, offset):  # type: ignore[no-untyped-def]
        result = await super().search(filters.model_copy(update={"occasion": None}), user_id=user_id,
                                      limit=limit, offset=offset)
        return result.model_copy(update={"tag_matches": 1 if filters.occasion else None})


async def test_a_thin_occasion_says_how_many_carry_it() -> None:
    from tests.dialogue.conftest import catalog_vocabulary, sample_products

    engine = DialogueEngine(ThinTagShop(list(sample_products())), catalog_vocabulary())
    [result], state = await talk(engine, "white shirts for the office")
    assert result.reply_text.startswith("I found ") and ", the first one for the office." in result.reply_text
    assert state.filters.occasion == "office"


async def test_a_letter_size_for_waist_sized_trousers_is_the_waist_it_is_cut_for(engine_factory: Factory) -> None:
    results, state = await talk(engine_factory(), "formal trousers for men", "add the first one in medium")
    added = results[1]
    assert added.reply_text.startswith("A medium is about a 32 waist. Added"), added.reply_text
    assert [line["size"] for line in added.payload["cart"]["lines"]] == ["32"]
    assert state.pending is None


async def test_a_pick_from_a_list_shown_before_brings_that_list_back(engine_factory: Factory) -> None:
    results, state = await talk(engine_factory(), "black shirts for men", "and black formal trousers",
                                "the first trousers in size 32",
                                "and the shirt, the first one you showed me before, large as well")
    shirts, added = results[0].products, results[3]
    lines = added.payload["cart"]["lines"]
    assert [line["product_id"] for line in lines][-1] == shirts[0].id and lines[-1]["size"] == "L"
    assert [p.id for p in state.shown] == [p.id for p in shirts]  # the shirts are on screen again
    assert state.earlier and all("trouser" in p.name.lower() for p in state.earlier[0].products)
    assert added.reply_text.count("in your cart") == 1  # the cart said once, after both steps


async def test_a_swap_replaces_the_line_and_one_of_two_changes_size(engine_factory: Factory) -> None:
    results, _ = await talk(engine_factory(), "white t-shirts for men", "the first one in medium",
                            "actually can you swap that for the second one instead, same size")
    swapped = results[2].payload["cart"]["lines"]
    assert [(line["product_id"], line["size"]) for line in swapped] == [(results[0].products[1].id, "M")]
    results, _ = await talk(engine_factory(), "white t-shirts for men", "two of the first one in medium",
                            "wait, make one of them a large")
    split = sorted((line["size"], line["quantity"]) for line in results[2].payload["cart"]["lines"])
    assert split == [("L", 1), ("M", 1)]


async def test_lines_named_by_size_change_count_and_a_swap_reaches_a_line_off_screen(engine_factory: Factory) -> None:
    results, _ = await talk(engine_factory(), "white t-shirts for men", "the first one, three in medium",
                            "my brother's smaller, change one of the mediums to a small", "and one less medium please",
                            "one fewer small")
    sizes = [sorted((line["size"], line["quantity"]) for line in r.payload["cart"]["lines"]) for r in results[2:]]
    assert sizes == [[("M", 2), ("S", 1)], [("M", 1), ("S", 1)], [("M", 1)]]
    results, _ = await talk(engine_factory(), "white t-shirts for men", "the first one in large", "show me black ones",
                            "swap the white one out for the second one here, same size")
    swapped = results[3].payload["cart"]["lines"]
    assert [(line["product_id"], line["size"]) for line in swapped] == [(results[2].products[1].id, "L")]


async def test_a_pick_and_checkout_in_one_breath(engine_factory: Factory) -> None:
    results, state = await talk(engine_factory(), "a black belt for men", "put the first one in my cart and let's check out")
    assert len(results[1].payload["cart"]["lines"]) == 1 and state.pending is not None
    assert state.pending.kind == "checkout"


async def test_kurtas_sold_with_pyjamas_count_before_a_colour_is_dropped(engine_factory: Factory) -> None:
    results, _ = await talk(engine_factory(), "a red kurta for my nephew, he's seven")  # the sample's are sets
    [found] = results
    assert found.products and all("red" in f"{p.colour} {p.name}".lower() for p in found.products)
    assert all(p.gender in ("boys", "unisex") and "kurta" in p.name.lower() for p in found.products)


async def test_colours_ruled_out_stay_out_for_the_next_kind_for_the_same_person(engine_factory: Factory) -> None:
    _, state = await talk(engine_factory(), "dresses for my daughter, she's eight", "not pink",
                          "and some leggings to wear under it")
    assert state.filters.colour_none == ["pink"] and "legging" in " ".join(state.filters.name_any)
    _, state = await talk(engine_factory(), "dresses for my daughter, she's eight", "not pink", "and some leggings")
    assert state.filters.colour_none == ["pink"]  # the same girl: still not pink
    _, state = await talk(engine_factory(), "dresses for my daughter, she's eight", "not pink",
                          "and some pink leggings")
    assert state.filters.colour_none == [] and state.filters.colour == "pink"  # unless it is asked for now
    _, state = await talk(engine_factory(), "dresses for my daughter, she's eight", "not pink",
                          "and a t-shirt for my son")
    assert state.filters.colour_none == []  # someone else


async def test_two_garments_are_two_searches_and_a_correction_goes_back_to_the_first(engine_factory: Factory) -> None:
    results, state = await talk(engine_factory(), "white sneakers and also a black backpack",
                                "oh sorry, the sneakers, i meant for women")
    assert "sneakers" in results[0].reply_text and "backpack" in results[0].reply_text
    assert state.filters.colours == ["white"] and state.filters.gender == "women"
    assert results[1].products and all("white" in f"{p.colour} {p.name}".lower() for p in results[1].products)


async def test_a_bare_budget_after_one_in_rupees_stays_in_rupees(engine_factory: Factory) -> None:
    results, state = await talk(engine_factory(), "kurtas for men under 2000 rupees", "hmm, i can stretch to 3000",
                                "under 40", "ok under 30 dollars")
    assert "3,000 rupees is about 36 dollars 14." in results[1].reply_text
    assert "rupees" not in results[2].reply_text  # 40 rupees would be under a dollar: dollars were meant
    assert "rupees" not in results[3].reply_text and state.currency is None


async def test_a_colour_question_about_a_product_is_answered(engine_factory: Factory) -> None:
    engine = engine_factory()
    results, _ = await talk(engine, "white shirts for men", "does the first one come in purple")
    colour = results[1].products[0].colour
    assert f"It only comes in {colour}, sorry, not in purple." in results[1].reply_text
    same, _ = await talk(engine, "white shirts for men", f"is the first one available in {colour}")
    assert f"Yes, it's {colour}." in same[1].reply_text


async def test_a_kids_department_with_nothing_of_the_kind_offers_unisex_or_the_grown_ups_of_that_sex(
        engine_factory: Factory) -> None:
    engine = engine_factory()
    shop = engine.shop
    assert isinstance(shop, MemoryShop)
    kinds = {p.card.category for p in shop.products if p.card.gender == "boys"}
    missing = next(c for c in ("watches", "jewellery", "bags") if c not in kinds)
    word = {"watches": "watch", "jewellery": "necklace", "bags": "backpack"}[missing]
    results, state = await talk(engine, f"a {word} for my nephew, he is nine")
    assert results[0].products and "I couldn't find boys' " in results[0].reply_text
    wider = "unisex" if any(p.card.gender == "unisex" and p.card.category == missing for p in shop.products) else "men"
    assert state.filters.gender == wider, results[0].reply_text  # anyone's first, never a women's watch for a boy


async def test_a_line_is_taken_out_by_its_size(engine_factory: Factory) -> None:
    results, _ = await talk(engine_factory(), "kurtas for men", "the first one in small and the second one in medium",
                            "hmm too much, take the medium kurta back out")
    added, removed = results[1].cart, results[2].cart
    assert added is not None and sorted(line.size or "" for line in added.lines) == ["M", "S"]
    assert removed is not None and [line.size for line in removed.lines] == ["S"]


async def test_asking_for_more_than_is_left_adds_what_is_left_and_says_so(engine_factory: Factory) -> None:
    engine = engine_factory()
    shop = engine.shop
    assert isinstance(shop, MemoryShop)
    results, state = await talk(engine, "t-shirts for men")
    product = results[0].products[0]
    size = product.sizes_available[0]
    shop.units_left[(product.id, size)] = 2
    added = await engine.handle(state, f"add five of the first one in {speak_size(size)}")
    assert added.reply_text.startswith(f"Only 2 were left in {speak_size(size)}, so I added 2 of the "), added.reply_text
    assert shop.carts[1] == {(product.id, size): 2}
    assert added.new_state.pending is None and added.new_state.last_line is not None
    sold_out = await engine.handle(added.new_state, f"add one more of it in {speak_size(size)}")
    assert "sold out" in sold_out.reply_text and shop.carts[1] == {(product.id, size): 2}
    # a line's count raised past what is left: as many as are left, said so (not "that didn't work")
    shop.units_left[(product.id, size)] = 3
    raised = await engine.handle(sold_out.new_state, "actually make it six of those")
    assert raised.reply_text.startswith(f"Only 3 were left in {speak_size(size)}, so that's 3 of the "), raised.reply_text
    assert shop.carts[1] == {(product.id, size): 3}
    # moved to a size with fewer left than the line holds: the line stays as it was, nothing lost
    other = next(s for s in product.sizes_available if s != size)
    shop.units_left[(product.id, other)] = 1
    await engine.handle(raised.new_state, f"change them to {speak_size(other)}")
    assert shop.carts[1] == {(product.id, size): 3}


async def test_a_childs_age_picks_the_kids_size_when_none_is_said(engine_factory: Factory) -> None:
    engine = engine_factory()
    shop = engine.shop
    assert isinstance(shop, MemoryShop)
    results, state = await talk(engine, "t-shirts for my son, he's six")
    assert state.child_age == 6 and state.filters.gender == "boys"
    stocked = next(i for i, p in enumerate(results[0].products) if "S" in p.sizes_available)
    product = results[0].products[stocked]
    added = await engine.handle(state, f"add the {['first', 'second', 'third'][stocked]} one")
    assert added.reply_text.startswith("A 6 year old usually wears a small. Added the "), added.reply_text
    assert shop.carts[1] == {(product.id, "S"): 1}
    # a size said next corrects the one picked
    corrected = await engine.handle(added.new_state, "he's tall for his age, so medium")
    assert shop.carts[1] == {(product.id, "M"): 1}, corrected.reply_text  # middle sizes are always stocked
    assert corrected.new_state.last_line is not None and not corrected.new_state.last_line.size_picked
    shop.carts[1] = {(product.id, "S"): 1}
    # a size said wins over the age
    said = await engine.handle(added.new_state, f"and the {['first', 'second', 'third'][stocked]} one in medium too")
    assert "usually wears" not in said.reply_text and shop.carts[1][(product.id, "M")] == 1


async def test_an_age_picks_no_size_for_a_grown_up(engine_factory: Factory) -> None:
    results, state = await talk(engine_factory(), "shirts for my husband, he's forty", "add the first one")
    assert state.child_age is None
    assert results[1].reply_text.startswith("Which size would you like"), results[1].reply_text


async def test_a_childs_age_is_forgotten_for_someone_else(engine_factory: Factory) -> None:
    _, state = await talk(engine_factory(), "t-shirts for my son, he's six", "now dresses for my daughter")
    assert state.filters.gender == "girls" and state.child_age is None


async def test_the_size_for_a_child_of_an_age_is_the_kids_size_for_it(engine_factory: Factory) -> None:
    results, state = await talk(engine_factory(), "a jumper for my grandson", "what size would a ten year old wear")
    assert state.child_age == 10
    assert results[1].reply_text.startswith("A 10 year old usually wears a large"), results[1].reply_text
    in_stock = "L" in results[0].products[0].sizes_available  # "what size": the first of those shown
    assert state.advised_size == ("L" if in_stock else None)
    assert ("isn't in stock" in results[1].reply_text) != in_stock


async def test_a_question_while_asked_which_one_is_answered_not_taken_as_the_pick(engine_factory: Factory) -> None:
    engine = engine_factory()
    results, state = await talk(engine, "watches for men", "add the fifth one")
    assert results[1].reply_text.startswith("Sorry, I showed only three. Which one do you mean"), results[1].reply_text
    asked = await engine.handle(state, "can you deliver it to my brother's flat in leeds")
    assert asked.intent != "add_to_cart" and "deliver" in asked.reply_text.lower(), asked.reply_text


async def test_what_goes_with_a_pick_is_from_its_department_and_a_limit_holds_for_the_next_kind(
        engine_factory: Factory) -> None:
    results, _ = await talk(engine_factory(), "a summer dress please",
                            "add the first one in small and show me sandals to go with it")
    assert results[1].products and all("women" in p.name.lower() for p in results[1].products), results[1].reply_text
    results, state = await talk(engine_factory(), "wallets under 20 dollars for my brother", "what about belts")
    assert state.filters.price_max_cents == 2000 and all(p.price_cents <= 2000 for p in results[1].products)
    _, state = await talk(engine_factory(), "wallets under 20 dollars for my brother", "and a dress for my sister")
    assert state.filters.price_max_cents is None  # someone else: their own budget


async def test_a_shape_said_finds_the_products_named_so(engine_factory: Factory) -> None:
    results, _ = await talk(engine_factory(), "a-line dresses for women")
    assert results[0].products and all("a-line" in p.name.lower() for p in results[0].products), results[0].reply_text


async def test_more_at_the_end_of_a_short_list_for_an_occasion_goes_on_with_the_others_of_the_kind(
        engine_factory: Factory) -> None:
    results, state = await talk(engine_factory(), "dresses for my daughter for a party", "more")
    assert results[1].reply_text.startswith("Those were all the girls' dresses for party."), results[1].reply_text
    assert state.filters.occasion is None and not {p.id for p in results[0].products} & {p.id for p in state.shown}


async def test_the_cart_counted_and_priced_in_the_currency_asked(engine_factory: Factory) -> None:
    results, _ = await talk(engine_factory(), "wallets for men", "add the first one", "two of those please",
                            "how many is that, and what's the total in euros")
    reply = results[-1].reply_text
    assert reply.startswith("You have 2 items in your cart"), reply
    assert "euros." in reply and "That's about" in reply, reply


async def test_removing_a_kind_not_in_the_cart_removes_nothing_else(engine_factory: Factory) -> None:
    engine = engine_factory()
    results, state = await talk(engine, "belts for men", "add the first one", "actually remove the jeans")
    assert results[-1].reply_text.startswith("There are no jeans in your cart"), results[-1].reply_text
    assert state.cart.item_count == 1


async def test_a_size_said_after_asking_about_one_product_adds_it(engine_factory: Factory) -> None:
    engine = engine_factory()
    results, state = await talk(engine, "denim jackets for women", "what sizes does the second one come in")
    sized = next(p for p in results[-1].products if p.id == results[-1].payload["focus_id"])
    size = next(s for s in ("M", "L", "S", "XL") if s in sized.sizes_available)
    added = await engine.handle(state, f"great, {speak_size(size)} please")
    assert added.intent == "add_to_cart" and added.new_state.cart.product_ids == [sized.id], added.reply_text


async def test_a_childs_age_said_after_their_last_search_and_the_same_thing_for_a_sister(
        engine_factory: Factory) -> None:
    results, state = await talk(engine_factory(), "a cap for my son", "and a wristwatch for him, he's twelve")
    assert results[-1].products and state.filters.gender == "unisex", results[-1].reply_text  # a kids' watch anyone wears
    results, state = await talk(engine_factory(), "t-shirts for my son, he's six", "the first one in small",
                                "now the same thing for his sister")
    assert results[-1].intent == "refine" and state.filters.gender == "girls", results[-1].reply_text


async def test_a_line_taken_out_by_its_colour_once_another_list_is_shown(engine_factory: Factory) -> None:
    engine = engine_factory()
    _, state = await talk(engine, "white t-shirts for men", "add the first one in large", "now black ones",
                          "the first one in large too")
    assert len(state.cart.product_ids) == 2
    taken = await engine.handle(state, "take the white one out")
    assert taken.new_state.cart.item_count == 1 and taken.reply_text.startswith("Removed"), taken.reply_text


async def test_everything_but_one_kind_goes_and_a_cart_line_is_asked_about_by_its_kind(engine_factory: Factory) -> None:
    engine = engine_factory()
    _, state = await talk(engine, "belts for men", "add the first one", "white sneakers for men",
                          "the first pair in a nine")
    assert len(state.cart.product_ids) == 2
    asked = await engine.handle(state, "and how much was the belt")  # sneakers on screen: the belt in the cart
    assert "belt" in asked.reply_text.split(".")[0].lower(), asked.reply_text
    kept = await engine.handle(state, "remove everything except the belt")
    assert kept.new_state.cart.item_count == 1 and kept.reply_text.startswith("Done, I kept only"), kept.reply_text


async def test_a_material_asked_about_is_named_in_the_answer(engine_factory: Factory) -> None:
    results, _ = await talk(engine_factory(), "watches for men", "is the second one silk")
    assert "silk" in results[-1].reply_text, results[-1].reply_text  # said either way: whether the listing says so


async def test_the_cheapest_first_and_a_second_choice_of_size(engine_factory: Factory) -> None:
    engine = engine_factory()
    shop = engine.shop
    assert isinstance(shop, MemoryShop)
    results, state = await talk(engine, "what are the cheapest dresses you've got for women")
    shown = results[-1].products
    every = sorted(p.card.price_cents for p in shop.products if p.card.category == "dresses" and p.card.gender == "women")
    assert [p.price_cents for p in shown] == every[: len(shown)], results[-1].reply_text
    assert "cheapest first" in results[-1].reply_text and state.filters.sort == "price_asc"
    first = shown[0]
    missing = next(s for s in ("XS", "S", "M", "L", "XL", "XXL") if s not in first.sizes_available)
    stocked = first.sizes_available[0]
    added = await engine.handle(state, f"the first one in {speak_size(missing)}, or {speak_size(stocked)} if there's "
                                       f"no {speak_size(missing)}")
    assert added.new_state.cart.item_count == 1, added.reply_text
    assert added.reply_text.startswith(f"There's no {speak_size(missing)} in stock. Added"), added.reply_text


async def test_a_dress_size_a_kept_line_and_what_delivery_costs(engine_factory: Factory) -> None:
    _, state = await talk(engine_factory(), "a dress for myself please, i'm a size twelve")
    assert (state.filters.size, state.filters.age_group) == ("M", "adults")
    engine = engine_factory()
    _, state = await talk(engine, "belts for men", "add the first one", "add the second one")
    kept = await engine.handle(state, "actually just keep the second one")
    assert kept.new_state.cart.item_count == 1 and kept.reply_text.startswith("Done, I kept only"), kept.reply_text
    asked = await engine.handle(state, "is delivery free")
    assert f"free on orders of {speak_price(5000)}" in asked.reply_text, asked.reply_text


async def test_the_size_searched_for_is_the_size_added_and_the_shopper_is_remembered(engine_factory: Factory) -> None:
    engine = engine_factory()
    results, state = await talk(engine, "running shoes for men, i'm a nine", "the second pair")
    assert state.cart.item_count == 1 and "size 9" in results[-1].reply_text, results[-1].reply_text
    _, state = await talk(engine_factory(), "a warm jacket for my husband", "now me, a long puffer")
    assert (state.shopper_gender, state.filters.gender) == ("women", "women")
    _, state = await talk(engine_factory(), "a warm jacket for my dad", "now me, a long puffer")
    assert (state.shopper_gender, state.filters.gender, state.filters.age_group) == (None, None, "adults")


async def test_going_back_a_page_and_a_budget_no_price_comes_near(engine_factory: Factory) -> None:
    engine = engine_factory()
    results, state = await talk(engine, "t-shirts", "more")
    first_page = [p.id for p in results[0].products]
    back = await engine.handle(state, "go back")
    assert [p.id for p in back.products] == first_page and back.reply_text.startswith("Here are the ones from before")
    results, state = await talk(engine_factory(), "kurtas under 5k")
    assert results[0].reply_text.startswith("5,000 rupees is about"), results[0].reply_text
    assert state.filters.price_max_cents == round(500_000 / 83.0)
    results, _ = await talk(engine_factory(), "kurtas under 500")
    assert "rupees" not in results[0].reply_text  # under a thousand: dollars


async def test_a_pick_past_the_list_a_typed_size_letter_and_cart_lines_named_by_kind_or_colour(
        engine_factory: Factory) -> None:
    engine = engine_factory()
    results, state = await talk(engine, "black dresses", "add the fifth one")
    assert len(results[0].products) == 1
    assert results[1].reply_text.startswith("Sorry, I showed only one,"), results[1].reply_text
    for said in ("yes", "m"):  # "do you mean that one?" "yes" "which size?" "m"
        result = await engine.handle(state, said)
        state = result.new_state
    assert result.intent == "add_to_cart" and state.cart.item_count == 1, result.reply_text
    results, state = await talk(engine_factory(), "jeans for men", "add the first two in 32", "and a watch for me",
                                "add the first one", "take out the second pair of jeans")
    second_jeans = results[1].cart.lines[1] if results[1].cart else None
    assert second_jeans is not None and results[4].reply_text.startswith(f"Removed the {second_jeans.brand}")
    assert state.cart.item_count == 2
    results, state = await talk(engine_factory(), "jeans for men", "add the first one in 32", "a black watch for me",
                                "the first one", "actually make the blue ones two")
    assert results[4].intent == "update_cart" and state.cart.item_count == 3, results[4].reply_text
    results, state = await talk(engine_factory(), "jeans for men", "add the first two in 32", "actually change both to 34")
    assert results[2].reply_text.count("is now in size 34") == 2 and state.cart.item_count == 2, results[2].reply_text


async def test_a_kind_the_shop_lacks_is_answered_with_its_category(engine_factory: Factory) -> None:
    [result], _ = await talk(engine_factory(), "a waterproof jacket for women")
    assert result.products and all(p.category == "jackets" and p.gender == "women" for p in result.products)
    assert result.reply_text.startswith("Sorry, I couldn't find women's raincoats, but here are women's jackets")
    [none], _ = await talk(engine_factory(), "sports bras for men")  # no stand-in from a mixed category
    assert not none.products


async def test_whom_a_product_is_for_is_answered_from_its_department(engine_factory: Factory) -> None:
    results, _ = await talk(engine_factory(), "white t-shirts for men", "is the second one for women or men")
    assert "It's from our men's range." in results[1].reply_text


async def test_kinds_asked_for_two_people_keep_their_department_and_the_next_turn_names_whose(
        engine_factory: Factory) -> None:
    results, _ = await talk(engine_factory(), "a kurta for my husband and a saree for my mother", "the kurta first")
    assert results[1].products and all(p.gender == "men" for p in results[1].products)
    results, _ = await talk(engine_factory(), "flip flops for me and my husband", "his first")
    assert results[1].products and all(p.gender == "men" for p in results[1].products)


async def test_a_line_taken_out_before_the_yes_is_quoted_again(engine_factory: Factory) -> None:
    engine = engine_factory()
    shop = engine.shop
    assert isinstance(shop, MemoryShop)
    results, state = await talk(engine, "belts for men", "add the first one", "wallets for men", "add the first one",
                                "checkout", "hang on, before you order it take the wallet out")
    trimmed = results[-1]
    assert "Removed" in trimmed.reply_text and trimmed.reply_text.endswith("Shall I place the order?")
    assert state.pending is not None and state.pending.kind == "checkout" and state.pending.item_count == 1
    assert "place_order" not in shop.calls
    await engine.handle(state, "yes go on")
    assert shop.calls.count("place_order") == 1


async def test_a_size_none_has_keeps_the_budget_and_a_pick_carries_its_department(engine_factory: Factory) -> None:
    engine = engine_factory()
    results, state = await talk(engine, "men's running shoes please", "nothing above 80 dollars", "got any in a 14.5")
    assert results[-1].reply_text.startswith("Sorry") and (state.filters.price_max_cents, state.filters.size) == (8000, None)
    results, state = await talk(engine, "taupe formal trousers", "the first one in 32", "and a white shirt to wear with them",
                                "i need a hoodie, and do you ship to canada", "what time do you close tonight",
                                "make the taupe ones two")
    shirts, hoodie, hours, two = results[2:]
    assert "men's white shirts" in shirts.reply_text  # the trousers are filed as men's, though not named so
    assert "hoodie" in hoodie.reply_text and "Delivery" in hoodie.reply_text
    assert "24 hours" in hours.reply_text
    assert two.reply_text.startswith("Done, 2 of the Arrow taupe") and state.cart.item_count == 2


async def test_cheaper_drops_a_price_floor_and_a_pattern_ruled_out_can_be_wanted_again(engine_factory: Factory) -> None:
    engine = engine_factory()
    results, state = await talk(engine, "men's watches between 40 and 90 dollars", "any cheaper ones, same kind")
    assert state.filters.price_min_cents is None and state.filters.price_max_cents is not None
    assert not results[-1].reply_text.startswith("Those are already")
    results, state = await talk(engine, "women's trousers, no stripes please", "ok fine, stripes are ok, show me striped ones")
    assert "stripe" not in state.filters.name_none and state.filters.style == "striped"


async def test_more_like_one_keeps_whose_list_it_was_and_a_size_names_the_line_to_remove(engine_factory: Factory) -> None:
    engine = engine_factory()
    _, state = await talk(engine, "dresses for my daughter, she's seven", "show me more like the first one")
    assert state.filters.gender == "girls" and state.filters.name_any  # "anything cheaper" next is still hers
    results, state = await talk(engine, "men's kurtas", "the first one in large", "the same one in extra large too",
                                "he'll wear a sherwani instead, so take his one out, the xl")
    removed = results[-1]
    assert removed.reply_text.startswith("Removed") and removed.cart is not None
    assert [ln.size for ln in removed.cart.lines] == ["L"] and state.cart.item_count == 1


async def test_a_price_asked_past_a_list_of_one_is_answered_and_an_add_said_to_which_one_adds(
        engine_factory: Factory) -> None:
    engine = engine_factory()
    results, state = await talk(engine, "black dresses", "what does the fourth one cost")
    assert len(results[0].products) == 1
    assert results[1].reply_text.startswith("I showed only one. This is the") and "dollars" in results[1].reply_text
    results, state = await talk(engine, "black dresses", "add the fifth one", "great, pop that in")
    assert results[1].reply_text.startswith("Sorry, I showed only one,")
    assert results[2].intent == "add_to_cart", results[2].reply_text
    results, state = await talk(engine, "belts for men", "add the first one", "checkout", "hold off, not yet")
    assert state.pending is None and "order" not in results[-1].reply_text  # nothing said of an order not placed


async def test_whose_things_outlive_a_wider_list_and_cart_lines_are_named_by_size_or_order(engine_factory: Factory) -> None:
    engine = engine_factory()
    _, state = await talk(engine, "a backpack for my nephew, he's eleven", "and a jacket for him")
    assert state.filters.gender == "boys"  # no boys' backpacks, unisex ones shown: still the boy's jacket
    _, state = await talk(engine, "a backpack for my nephew, he's eleven", "and a jacket for me as well")
    assert state.filters.gender != "boys"
    results, state = await talk(engine_factory(), "a sweater for my son", "the first one in medium", "a white shirt for him too",
                                "the first one in medium", "he's shot up, change both of them to large")
    assert [ln.size for ln in results[-1].cart.lines] == ["L", "L"], results[-1].reply_text
    results, state = await talk(engine_factory(), "men's kurtas", "the first one in small", "the second one in extra large",
                                "the small one, remove it please")
    assert [ln.size for ln in results[-1].cart.lines] == ["XL"], results[-1].reply_text
    results, state = await talk(engine_factory(), "men's kurtas", "the first one in small", "women's kurtas",
                                "the second one in medium", "actually take out the first one i put in")
    assert [ln.size for ln in results[-1].cart.lines] == ["M"], results[-1].reply_text


async def test_a_pick_beyond_the_list_shown_is_said_not_dropped(engine_factory: Factory) -> None:
    results, _ = await talk(engine_factory(), "men's kurtas", "the second one and the fifth one, both in medium")
    assert len(results[-1].cart.lines) == 1
    assert "I showed only three, so there is no fifth one." in results[-1].reply_text


async def test_one_shoppers_line_is_swapped_and_taken_off_by_whose_it_is(engine_factory: Factory) -> None:
    results, _ = await talk(engine_factory(), "black jeans for men", "my brother is a 32 and i'm a 30, we both want the first pair",
                            "show him cheaper black jeans", "swap his for the second pair of these, still a 32")
    lines = results[-1].cart.lines
    assert sorted(ln.size for ln in lines) == ["30", "32"], results[-1].reply_text
    assert len({ln.product_id for ln in lines}) == 2  # his line is the new pick, mine stays
