from __future__ import annotations

import time

import pytest

from commerce.models import SearchFilters
from voice_server.conversation.dialogue import DialogueState, Intent, Vocabulary, hotwords, understand
from voice_server.conversation.dialogue.state import (
    LAST_LINE,
    CartSummary,
    LineRef,
    PendingConfirmation,
    ShownList,
    ShownProduct,
)
from voice_server.conversation.dialogue.understanding import Slots


def fresh() -> DialogueState:
    return DialogueState(conversation_id="t")


@pytest.mark.parametrize(
    ("text", "slots"),
    [
        ("under a hundred bucks", {"price_max": 10000}),
        ("less than 80 dollars", {"price_max": 8000}),
        ("$80", {"price_max": 8000}),
        ("80 dollars", {"price_max": 8000}),
        ("under forty nine ninety nine", {"price_max": 4999}),
        ("around 40", {"price_min": 3000, "price_max": 4200}),
        ("between fifty and a hundred", {"price_min": 5000, "price_max": 10000}),
        ("over thirty dollars", {"price_min": 3000}),
        ("something cheap", {"price_max": 1500}),
    ],
)
def test_prices_in_cents(text: str, slots: dict, vocab: Vocabulary) -> None:
    got = understand(f"dresses {text}", fresh(), vocab).slots.as_dict()
    assert {k: got.get(k) for k in slots} == slots
    assert "price_min" in got or "price_min" not in slots


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("a size eight", "8"),
        ("size ate", "8"),
        ("medium", "M"),
        ("a medium", "M"),
        ("in extra large", "XL"),
        ("size xs", "XS"),
        ("32 by 34", "32x34"),
        ("size 9", "9"),
        ("double extra large", "XXL"),
        ("a 32 waist", "32"),
        ("size small", "S"),
    ],
)
def test_sizes(text: str, size: str, vocab: Vocabulary) -> None:
    assert understand(f"jeans {text}", fresh(), vocab).slots.size == size


@pytest.mark.parametrize(
    ("spoken", "category"),
    [
        ("gown", "dresses"),
        ("frock", "dresses"),
        ("tee", "tshirts"),
        ("t-shirt", "tshirts"),
        ("trainers", "shoes"),
        ("running shoes", "shoes"),
        ("denims", "jeans"),
        ("chinos", "trousers"),
        ("kurti", "kurtas"),
        ("jumper", "sweaters"),
        ("hoodie", "sweaters"),
        ("blazer", "jackets"),
        ("purse", "bags"),
        ("backpack", "bags"),
        ("saree", "sarees"),
    ],
)
def test_category_synonyms(spoken: str, category: str, vocab: Vocabulary) -> None:
    u = understand(f"show me a {spoken}", fresh(), vocab)
    assert (u.intent, u.slots.category) == (Intent.search, category)


@pytest.mark.parametrize(
    ("spoken", "brand"),
    [
        ("levi's jeans", "Levis"),
        ("levis jeans", "Levis"),
        ("h r x shoes", "HRX by Hrithik Roshan"),
        ("hrx tees", "HRX by Hrithik Roshan"),
        ("roadstar shirts", "Roadster"),
        ("puma shoes", "Puma"),
        ("tommy hilfigur shirts", "Tommy Hilfiger"),
        ("dresses from w", "W"),
        # written as they sound: the same Double Metaphone code, spelled close enough
        ("calvin kline wallets", "Calvin Klein"),
        ("nikee running shoes", "Nike"),
        ("peppy jeans for her", "Pepe Jeans"),
        ("tommy hill figar shirts", "Tommy Hilfiger"),
        ("lots of pumas", "Puma"),
    ],
)
def test_brand_asr_variants(spoken: str, brand: str, vocab: Vocabulary) -> None:
    assert understand(spoken, fresh(), vocab).slots.brand == brand


def test_everyday_words_are_not_brands(vocab: Vocabulary) -> None:
    for text in (
        "show me red tops with pockets",
        "even cheaper shirts",
        "simply some basics jeans for people",
        "just one please",  # not Just Wow
        "i need a jumper",  # not Jompers
        "a warm coat and hes a 40 chest",
        "about ninety pounds in weight",
    ):
        assert understand(text, fresh(), vocab).slots.brand is None, text


def test_navy_maps_to_catalog_colour(vocab: Vocabulary) -> None:
    assert "navy" in vocab.colours
    assert understand("navy blue shirts", fresh(), vocab).slots.colour == "navy"
    assert Vocabulary.from_lists([], ["navy blue", "blue"]).canonical_colour("navy") == "navy blue"


def test_measurements_to_metric(vocab: Vocabulary) -> None:
    slots = understand("I'm one sixty five centimetres and weigh 130 lbs", fresh(), vocab).slots
    assert slots.measurements == {"height_cm": 165.0, "weight_kg": 59.0}
    slots = understand("I am 5 foot 6, my waist is 32 inches", fresh(), vocab).slots
    assert slots.measurements == {"height_cm": 167.6, "waist_cm": 81.3}


def test_references_and_quantity(vocab: Vocabulary) -> None:
    ctx = DialogueState(
        conversation_id="t",
        shown=[
            ShownProduct(id=i, name="x", brand="Puma", price_cents=100, category="shoes") for i in (1, 2, 3)
        ],
    )
    assert understand("the second one", ctx, vocab).slots.reference == "ordinal:2"
    assert understand("add the last one", ctx, vocab).slots.reference == "ordinal:-1"
    assert understand("the blue one", ctx, vocab).slots.reference == "colour:blue"
    assert understand("what about the puma ones", ctx, vocab).slots.reference == "brand:Puma"
    assert understand("add it", ctx, vocab).slots.reference == "focus"
    assert understand("add two of them", ctx, vocab).slots.quantity == 2
    assert understand("returning it, too small", ctx, vocab).slots.fit_feedback == "small"


def test_pending_changes_meaning(vocab: Vocabulary) -> None:
    shown = [ShownProduct(id=1, name="x", brand="b", price_cents=100, category="jeans")]
    checkout = DialogueState(conversation_id="t", shown=shown, pending=PendingConfirmation(kind="checkout"))
    assert understand("yeah go ahead", checkout, vocab).intent == Intent.confirm
    assert understand("no wait", checkout, vocab).intent == Intent.decline
    size_q = DialogueState(
        conversation_id="t", shown=shown, pending=PendingConfirmation(kind="choose_size", product_id=1)
    )
    u = understand("thirty two", size_q, vocab)
    assert (u.intent, u.slots.size) == (Intent.add_to_cart, "32")


def test_refine_needs_context(vocab: Vocabulary) -> None:
    assert understand("in blue", fresh(), vocab).intent == Intent.search
    ctx = DialogueState(
        conversation_id="t",
        shown=[ShownProduct(id=1, name="x", brand="b", price_cents=1, category="dresses")],
    )
    assert understand("in blue", ctx, vocab).intent == Intent.refine
    assert understand("something cheaper", ctx, vocab).slots.price_trend == "cheaper"


def test_hotwords_short_and_catalog_based(vocab: Vocabulary) -> None:
    prompt = hotwords(vocab)
    assert "Indian Terrain" in prompt and "medium" in prompt
    assert len(prompt.split()) < 160


def test_understanding_is_fast(vocab: Vocabulary) -> None:
    started = time.perf_counter()
    for _ in range(200):
        understand(
            "um show me levis navy blue slim fit jeans for men under forty nine ninety nine", fresh(), vocab
        )
    assert (time.perf_counter() - started) / 200 < 0.010


@pytest.mark.parametrize(
    ("text", "intent", "fit"),
    [
        ("the jeans I bought run small", Intent.fit_review, "small"),
        ("the dress I got fits perfectly", Intent.fit_review, "fit"),
        ("the shirt from my last order is too loose", Intent.fit_review, "large"),
        ("the shirt I bought is too small, I want to return it", Intent.start_return, "small"),
        ("does the second one run small", Intent.size_advice, None),  # a question, not a report
    ],
)
def test_fit_reviews_are_told_apart_from_returns_and_questions(text: str, intent: Intent, fit: str | None,
                                                               vocab: Vocabulary) -> None:
    understood = understand(text, fresh(), vocab)
    assert (understood.intent, understood.slots.fit_feedback) == (intent, fit)


@pytest.mark.parametrize(
    ("text", "slots"),
    [
        # a budget said after the amount; "tops" only when it cannot be the garment
        ("linen shirts, twenty dollars tops", {"price_max": 2000, "category": "shirts"}),
        ("sandals, 35 max", {"price_max": 3500}),
        ("i need 12 tops", {"price_max": None, "category": "tops"}),
        # a department said outright beats a recipient; an event of theirs is not a present for them
        ("my cousin's sister is visiting, show me watches for men", {"gender": "men"}),
        ("my uncle's engagement is next month and i want a saree", {"gender": None, "category": "sarees"}),
        # a grown-up son or daughter shops the adult departments
        ("my daughter is 19 and wants a denim jacket", {"gender": "women"}),
        ("my son needs shoes for his first job", {"gender": "men"}),
        ("my son turns 7, he wants shorts", {"gender": "boys"}),
        # what is ruled out is not asked for too, even when said again
        ("no checks please, checks look old fashioned on him", {"style": None, "exclude_words": ["check"]}),
        ("not the cropped style, she is tall", {"exclude_words": ["crop"]}),
        ("nothing with a bold print", {"exclude_words": ["print"], "style": None}),
        ("she never wears heels, some flats instead", {"product_type": "flats"}),
        # the verb "dresses" names no garment
        ("he dresses casually, show me shirts", {"category": "shirts"}),
        ("my boss dresses like a banker", {"category": None}),
    ],
)
def test_meaning_of_everyday_requests(text: str, slots: dict, vocab: Vocabulary) -> None:
    got = understand(text, fresh(), vocab).slots.as_dict()
    assert {k: got.get(k) for k in slots} == slots


@pytest.mark.parametrize(
    "text",
    ["could you call me an uber", "book us a table for two tonight", "who won the cricket", "do you have perfume",
     "and a phone case?"],
)
def test_services_and_goods_the_shop_does_not_sell(text: str, vocab: Vocabulary) -> None:
    assert understand(text, fresh(), vocab).intent == Intent.out_of_scope


def test_a_restart_keeps_the_garment_and_both_means_two_products(vocab: Vocabulary) -> None:
    got = understand("can i see chinos for women, no sorry, i meant for men", fresh(), vocab).slots
    assert (got.gender, got.category) == ("men", "trousers")
    shown = [ShownProduct(id=i, name=f"Shirt {i}", brand="B", price_cents=1000, category="shirts") for i in (1, 2, 3)]
    state = DialogueState(conversation_id="t", shown=shown)
    both = understand("i'll take both of the first two in large", state, vocab)
    assert (both.intent, both.slots.reference, both.slots.quantity) == (Intent.add_to_cart, "ordinal:1,2", None)
    top = understand("i'll grab the top shirt", state, vocab)
    assert (top.intent, top.slots.reference) == (Intent.add_to_cart, "ordinal:1")
    split = understand("add the third one and i also need a belt", state, vocab)
    assert split.intent == Intent.add_to_cart and [u.slots.product_type for u in split.then] == ["belt"]


@pytest.mark.parametrize(
    ("text", "slots"),
    [
        # the one the need is for, when several people are named; a payer or a messenger is not a recipient
        ("my aunt came round yesterday and my husband needs new chinos", {"gender": "men"}),
        ("grandpa wants a warm cardigan", {"gender": "men"}),
        ("my mum is paying so show me jackets", {"gender": None}),
        ("a hoodie for her brother, he is eight", {"gender": "boys"}),
        ("shorts for a weekend away with the lads", {"gender": "men"}),
        ("kids raincoats please", {"age_group": "kids", "gender": None}),
        # descriptors and plain: plurals rule out too, "plain" rules out patterns
        ("tees with no slogans or graphics", {"exclude_words": ["slogan", "typograph", "graphic", "print"]}),
        ("just plain ones", {"exclude_words": ["print", "stripe", "check", "floral", "graphic"]}),
        # several colours in the plural
        ("she goes for greens and yellows", {"colours": ["green", "yellow"]}),
        # what is worn with it, the dress code and "suit him" name no garment asked for
        ("a relaxed look, what you would wear with cargo pants", {"product_type": None}),
        ("the dress code is smart, so something less casual", {"product_type": None, "formality": "more"}),
        ("navy would suit him better", {"product_type": None, "colours": ["navy"]}),
        # product types the catalog names apart
        ("long dresses for a summer wedding", {"product_type": "maxi dress", "name_any": ["maxi"]}),
        ("wedges for her", {"product_type": "wedges"}),
        ("a pack of boxers for him", {"product_type": "boxers"}),
        ("silver cuff links", {"product_type": "cufflinks"}),
        # a narrower kind said after the general one narrows it; offered as an alternative, it does not
        ("a warm coat for him, a puffa or a padded one", {"product_type": "puffer"}),
        ("she wants a dress, a midi ideally", {"product_type": "midi dress", "name_any": ["midi"]}),
        ("a coat or a puffer, either is fine", {"product_type": "jacket"}),
        ("jogging shoes for my husband", {"product_type": "running shoes"}),
        # a currency corrected in passing keeps the amount
        ("under twenty pounds, i mean dollars", {"price_max": 2000, "currency": "USD"}),
    ],
)
def test_meaning_of_requests_in_passing(text: str, slots: dict, vocab: Vocabulary) -> None:
    got = understand(text, fresh(), vocab).slots.as_dict()
    assert {k: got.get(k) for k in slots} == slots


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("could you wrap it as a gift", "service"),
        ("can you take the hem up on these trousers", "service"),
        ("will it arrive before the weekend", "delivery"),
        ("can i send it back if it doesnt fit her", "returns_policy"),
        ("any chance you stock hot water bottles", None),
        ("and chuck in some flowers for her", None),
    ],
)
def test_services_policies_and_goods_get_the_out_of_scope_answer(text: str, topic: str | None,
                                                                 vocab: Vocabulary) -> None:
    u = understand(text, fresh(), vocab)
    assert (u.intent, u.slots.topic) == (Intent.out_of_scope, topic)


def test_picks_questions_and_quantities_about_the_list(vocab: Vocabulary) -> None:
    shown = [ShownProduct(id=i, name=f"Shirt {i}", brand="B", price_cents=1000, category="shirts") for i in (1, 2, 3)]
    state = DialogueState(conversation_id="t", shown=shown)
    state.filters = state.filters.model_copy(update={"category": "shirts"})
    assert understand("alright, the third one then", state, vocab).intent == Intent.add_to_cart
    assert understand("the second shirt in small as well", state, vocab).intent == Intent.add_to_cart
    cotton = understand("is the second one pure cotton?", state, vocab)
    assert (cotton.intent, cotton.slots.topic) == (Intent.product_details, "material")
    care = understand("can it go in the washing machine, is it machine washable", state, vocab)
    assert (care.intent, care.slots.topic) == (Intent.product_details, "care")
    assert understand("give me some different ones", state, vocab).intent == Intent.more_results
    with_line = state.model_copy(update={"cart": CartSummary(item_count=2, total_cents=2000)})
    one = understand("only the one is fine", with_line, vocab)
    assert (one.intent, one.slots.quantity) == (Intent.update_cart, 1)
    assert understand("please go ahead and place my order", state, vocab).intent == Intent.checkout
    split = understand("the first one in medium and she needs a belt too", state, vocab)
    assert split.intent == Intent.add_to_cart and [u.slots.product_type for u in split.then] == ["belt"]


def test_feature_questions_and_terse_recipients(vocab: Vocabulary) -> None:
    shown = [ShownProduct(id=i, name=f"Bag {i}", brand="B", price_cents=1000, category="bags") for i in (1, 2)]
    state = DialogueState(conversation_id="t", shown=shown)
    pockets = understand("has the second one got pockets", state, vocab)
    assert (pockets.intent, pockets.slots.topic, pockets.slots.feature) == (Intent.product_details, "feature", "pockets")
    assert understand("linen shirts. husband. size large.", fresh(), vocab).slots.gender == "men"
    numbers = understand("between one hundred and two hundred dollars", fresh(), vocab).slots
    assert (numbers.price_min, numbers.price_max) == (10000, 20000)


def test_pronouns_several_picks_and_a_no_with_a_new_search(vocab: Vocabulary) -> None:
    # nobody named: the pronouns say whose department it is, and a child's age says which
    assert understand("my best mate's birthday is next week, he wants joggers", fresh(), vocab).slots.gender == "men"
    assert understand("a party dress, she's turning six", fresh(), vocab).slots.gender == "girls"
    assert understand("he and she both want hoodies", fresh(), vocab).slots.gender is None
    carried = DialogueState(conversation_id="t").model_copy(update={"filters": fresh().filters.model_copy(
        update={"gender": "girls"})})
    assert understand("she loves pink", carried, vocab).slots.gender is None  # the niece stays a girl
    # an interjection is not a request for help
    festival = understand("she's off to a festival god help me, and she wants a crop top", fresh(), vocab)
    assert (festival.intent, festival.slots.product_type, festival.slots.gender) == (Intent.search, "crop top", "women")
    shown = [ShownProduct(id=i, name=f"Shirt {i}", brand="B", price_cents=1000, category="shirts") for i in (1, 2, 3)]
    state = DialogueState(conversation_id="t", shown=shown)
    both = understand("add the first and the third, both medium", state, vocab)
    assert (both.intent, both.slots.reference, both.slots.size, both.then) == (Intent.add_to_cart, "ordinal:1,3", "M", [])
    paying = state.model_copy(update={"pending": PendingConfirmation(kind="checkout")})
    belts = understand("no, not yet, he needs a belt as well, show me men's belts", paying, vocab)
    assert belts.intent == Intent.decline
    assert [(u.intent, u.slots.product_type, u.slots.gender) for u in belts.then] == [(Intent.search, "belt", "men")]


def test_alternatives_across_departments_the_word_said_and_a_new_bound(vocab: Vocabulary) -> None:
    cosy = understand("something cosy like a shawl or a cardigan", fresh(), vocab).slots
    assert cosy.category is None and {"shawl", "cardigan"} <= set(cosy.name_any or [])
    assert understand("gold jhumkas please", fresh(), vocab).slots.name_prefer == "jhumka"
    assert understand("sneakers", fresh(), vocab).slots.name_prefer is None  # one stem: nothing narrower
    assert understand("i don't wanna go over fifteen dollars", fresh(), vocab).slots.price_max == 1500


@pytest.mark.parametrize(
    ("text", "slots"),
    [
        ("something special, thirty dollars at the very least", {"price_min": 3000, "price_max": None}),
        ("nothing under thirty dollars", {"price_min": 3000, "price_max": None}),
        ("no more than 50 dollars", {"price_min": None, "price_max": 5000}),
        ("she's not a fan of puma", {"exclude_brands": ["Puma"], "brand": None}),
        ("nothing from puma, she has three puma bags", {"exclude_brands": ["Puma"], "brand": None}),
        ("it's my son's 21st birthday, a watch", {"gender": "men"}),
        ("my daughter turns twenty next week, white sneakers", {"gender": "women"}),
        ("the third one, large, actually no make that a medium, he's skinny", {"size": "M", "style": None}),
        ("do you sell wellies", {}),
    ],
)
def test_bounds_exclusions_ages_and_corrections(text: str, slots: dict, vocab: Vocabulary) -> None:
    got = understand(text, fresh(), vocab).slots.as_dict()
    assert {k: got.get(k) for k in slots} == slots


def test_goods_not_carried_one_fewer_and_the_sibling_of_a_child(vocab: Vocabulary) -> None:
    assert understand("some swimmers for my grandson", fresh(), vocab).intent == Intent.out_of_scope
    line = DialogueState(conversation_id="t", last_line=LineRef(product_id=1, size="L", quantity=5),
                         cart=CartSummary(item_count=5, total_cents=5000))
    fewer = understand("oh and take one off, dave's pulled out", line, vocab)
    assert (fewer.intent, fewer.slots.quantity) == (Intent.update_cart, 4)
    boys = fresh().model_copy(update={"filters": fresh().filters.model_copy(update={"gender": "boys"})})
    assert understand("now the same for his sister", boys, vocab).slots.gender == "girls"


@pytest.mark.parametrize(
    ("text", "slots"),
    [
        ("show me pink ones instead, yellow never suits me", {"colours": ["pink"], "exclude_colours": ["yellow"]}),
        ("nothing white please, i always end up spilling wine on white", {"colours": None, "exclude_colours": ["white"]}),
        ("around thirty dollars each tops", {"price_min": None, "price_max": 3000}),
        ("something between five and ten thousand rupees", {"price_min": 500000, "price_max": 1000000}),
        ("not aviators, he's already got a pair", {"exclude_words": ["aviator"]}),
        ("heels, and no stilettos", {"product_type": "heels", "exclude_words": ["stiletto"]}),
        ("a watch for my dad, but not one of those smart ones", {"product_type": "watch", "exclude_words": ["smart"],
                                                                 "quantity": None}),
        ("put the first one in m", {"size": "M", "reference": "ordinal:1"}),
        ("he wears L, add the second one", {"size": "L", "reference": "ordinal:2"}),
        ("fine add it, she's a seven", {"size": "7"}),
        ("twelve of the first one, all smalls", {"size": "S", "quantity": 12, "reference": "ordinal:1"}),
        ("pyjamas for my niece, she turns seven on friday", {"gender": "girls", "child_age": 7}),
        ("a jumper for my dad, he's seventy", {"gender": "men", "child_age": None}),
        ("school shirts for my 8 year old son", {"gender": "boys", "child_age": 8}),
        ("the twins turn five in june, shorts for the boy", {"gender": "boys", "child_age": 5}),
        ("a watch for me, i'm about 5 foot tall", {"child_age": None}),
        ("the second of those too, large", {"size": "L", "fit_feedback": None, "reference": "ordinal:2"}),
        ("not black, his school trousers are black", {"product_type": None, "exclude_colours": ["black"]}),
        ("i reckon he'd like some sunnies", {"gender": "men"}),
    ],
)
def test_colour_asides_budgets_and_sizes_said_in_passing(text: str, slots: dict, vocab: Vocabulary) -> None:
    got = understand(text, fresh(), vocab).slots.as_dict()
    assert {k: got.get(k) for k in slots} == slots


def test_the_same_again_and_a_question_about_a_pick(vocab: Vocabulary) -> None:
    shown = [ShownProduct(id=i, name=f"Kurta {i}", brand="B", price_cents=1000, category="kurtas") for i in (1, 2, 3)]
    state = DialogueState(conversation_id="t", shown=shown, last_line=LineRef(product_id=3, size="M"),
                          cart=CartSummary(item_count=1, total_cents=1000))
    again = understand("and one for my dad too, same kurta but extra large", state, vocab)
    assert (again.intent, again.slots.reference, again.slots.size) == (Intent.add_to_cart, "ordinal:3", "XL")
    heels = state.model_copy(update={"filters": state.filters.model_copy(update={"category": "sandals"})})
    heel = understand("the second one, how high is the heel on that", heels, vocab)
    assert (heel.intent, heel.slots.reference) == (Intent.product_details, "ordinal:2")
    tall = understand("the first one in extra large, he's six foot four", state, vocab)
    assert (tall.intent, tall.slots.size) == (Intent.add_to_cart, "XL")


def test_a_pick_then_the_cart_and_a_size_corrected_after_sorry(vocab: Vocabulary) -> None:
    shown = [ShownProduct(id=i, name=f"Belt {i}", brand="B", price_cents=1000 * i, category="accessories")
             for i in (1, 2, 3)]
    state = DialogueState(conversation_id="t", shown=shown)
    pick = understand("the cheapest belt then add that as well", state, vocab)
    assert (pick.intent, pick.slots.reference, pick.then) == (Intent.add_to_cart, "cheapest", [])
    corrected = understand("okay i like the second one size forty uh sorry i mean large", state, vocab)
    assert (corrected.slots.reference, corrected.slots.size) == ("ordinal:2", "L")
    assert understand("nowt over fifty dollars mind", fresh(), vocab).slots.price_max == 5000


def test_sparkle_hen_dos_and_time_is_not_a_size(vocab: Vocabulary) -> None:
    hen = understand("my mate's hen do is in two weeks, i need a going out top", fresh(), vocab).slots
    assert (hen.gender, hen.size, hen.product_type) == ("women", None, "top")
    assert understand("something sparkly, like with sequins on", fresh(), vocab).slots.style == "embellished"
    assert understand("stag do t-shirts", fresh(), vocab).slots.gender == "men"


def test_split_sizes_and_the_count_that_stands(vocab: Vocabulary) -> None:
    shown = [ShownProduct(id=i, name=f"Tee {i}", brand="B", price_cents=700, category="tshirts") for i in (1, 2, 3)]
    state = DialogueState(conversation_id="t", shown=shown, last_line=LineRef(product_id=1, size="L", quantity=8),
                          cart=CartSummary(item_count=8, total_cents=5600))
    split = understand("hang on, two of the lads are extra large, so six large and two extra large", state, vocab)
    assert (split.intent, split.slots.size, split.slots.quantity) == (Intent.update_cart, "L", 6)
    assert [(u.intent, u.slots.reference, u.slots.size, u.slots.quantity) for u in split.then] == [
        (Intent.add_to_cart, "ordinal:1", "XL", 2)]
    two = understand("ugh one of them bailed, just two then", state, vocab)
    assert (two.intent, two.slots.quantity) == (Intent.update_cart, 2)


@pytest.mark.parametrize(
    ("text", "slots"),
    [
        ("no more than fifteen pounds", {"price_max": 1500, "currency": "GBP", "measurements": None}),
        ("he weighs 150 pounds", {"measurements": {"weight_kg": 68.0}}),
        ("a scarf under £20", {"price_max": 2000, "currency": "GBP"}),
        ("a kurta below ₹1,500", {"price_max": 150000, "currency": "INR"}),
        ("jeans for boys, my son's about eight", {"price_min": None, "price_max": None, "gender": "boys"}),
        ("nothing with a massive logo on it", {"exclude_words": ["logo", "graphic", "brand logo"]}),
        ("i'm so bored of black, anything but", {"colours": None, "exclude_colours": ["black"]}),
        ("these are a bit sporty, anything smarter", {"formality": "more", "exclude_words": ["sports", "running", "training", "sneaker"]}),
        ("it's a bit too casual", {"formality": "more", "exclude_words": None}),
        ("brown one better, he always wears brown shoes", {"colours": ["brown"], "product_type": None}),
        ("me and the boys are going skiing, i need a puffer jacket", {"gender": "men"}),
        ("my two lads need shorts, they're eight and eleven", {"gender": "boys"}),
        ("nothing grey, he says grey is for old folk like his nan", {"gender": "men", "exclude_colours": ["grey"]}),
        ("a white dress shirt to go under it", {"product_type": "shirt"}),
        ("a small party at home, she needs a dress", {"size": None, "product_type": "dress"}),
    ],
)
def test_money_ages_complaints_and_people_in_passing(text: str, slots: dict, vocab: Vocabulary) -> None:
    got = understand(text, fresh(), vocab).slots.as_dict()
    assert {k: got.get(k) for k in slots} == slots


def test_exchange_students_and_a_yes_inside_a_sentence(vocab: Vocabulary) -> None:
    assert understand("i'm on exchange in montreal and need a hoodie", fresh(), vocab).intent == Intent.search
    assert understand("i want to exchange these jeans", fresh(), vocab).intent == Intent.start_return
    waiting = DialogueState(conversation_id="t", pending=PendingConfirmation(kind="checkout"))
    assert understand("go on so, yes", waiting, vocab).intent == Intent.confirm


def test_picks_by_colour_size_remembered_and_cart_lines_by_position(vocab: Vocabulary) -> None:
    shown = [ShownProduct(id=i, name=f"Tee {i}", brand="B", price_cents=700, colour=c, category="tshirts")
             for i, c in ((1, "pink"), (2, "yellow"), (3, "yellow"))]
    state = DialogueState(conversation_id="t", shown=shown, last_line=LineRef(product_id=3, size="M"),
                          cart=CartSummary(item_count=2, total_cents=1400, product_ids=[1, 3]))
    yellow = understand("aw the yellow one, well the first yellow one, in a small", state, vocab)
    assert (yellow.intent, yellow.slots.reference, yellow.slots.size) == (Intent.add_to_cart, "colour:yellow", "S")
    same = understand("and the second one too, same size", state, vocab)
    assert (same.intent, same.slots.reference, same.slots.size) == (Intent.add_to_cart, "ordinal:2", "M")
    change = understand("actually change the third one to large", state, vocab)
    assert (change.intent, change.slots.reference, change.slots.size) == (Intent.update_cart, "ordinal:3", "L")
    both = understand("grand, two of the first ones then, one in small one in medium", state, vocab)
    assert [(u.intent, u.slots.size, u.slots.quantity) for u in (both, *both.then)] == [
        (Intent.add_to_cart, "S", 1), (Intent.add_to_cart, "M", 1)]


def test_one_recipient_for_two_garments(vocab: Vocabulary) -> None:
    both = understand("a shirt and a tie for my dad", fresh(), vocab)
    assert [(u.slots.product_type, u.slots.gender) for u in (both, *both.then)] == [("shirt", "men"), ("tie", "men")]


@pytest.mark.parametrize(
    ("text", "slots"),
    [
        ("she'd never wear yellow, it washes her out", {"exclude_colours": ["yellow"], "colours": None}),
        ("he doesn't really do brown", {"exclude_colours": ["brown"]}),
        ("no hoodies, he hates hoodies", {"product_type": None, "exclude_words": ["hood", "sweatshirt"]}),
        ("a weekend away with the girls, i need a sundress", {"gender": "women", "product_type": "dress"}),
        ("my da wants a new shirt", {"gender": "men"}),
        ("my mam's one first, something in teal", {"gender": "women", "reference": None}),
        ("he's saying no stripes", {"gender": None, "exclude_words": ["stripe"]}),
        ("a scarf for my uncle who wears a suit to work", {"product_type": "scarf"}),
        ("something warm for my grandad", {"product_type": "warm layer", "gender": "men"}),
        ("something warm, a jumper maybe", {"product_type": "sweater"}),
        ("a padded jacket for the snow", {"product_type": "puffer"}),
        ("flip flops for the pool", {"product_type": "flip flops"}),
        ("i can stretch to eighty dollars", {"price_max": 8000}),
        ("nothing from the urban dog ones", {"exclude_brands": ["Urban Dog"]}),
        ("make it three and change the size to medium", {"size": "M", "quantity": 3}),
    ],
)
def test_dislikes_groups_whose_turn_and_umbrella_words(text: str, slots: dict, vocab: Vocabulary) -> None:
    got = understand(text, fresh(), vocab).slots.as_dict()
    assert {k: got.get(k) for k in slots} == slots


def test_terse_picks_and_chores_the_shop_does_not_do(vocab: Vocabulary) -> None:
    shown = [ShownProduct(id=i, name=name, brand="B", price_cents=900, colour="red", category="jackets")
             for i, name in ((1, "B Red Bomber Jacket"), (2, "B Red Padded Puffer Jacket"), (3, "B Red Denim Jacket"))]
    state = DialogueState(conversation_id="t", shown=shown)
    cases = {
        "the second one, chuck it in": (Intent.add_to_cart, "ordinal:2"),
        "the third one, that's lovely": (Intent.add_to_cart, "ordinal:3"),
        "the puffer one, she's a medium": (Intent.add_to_cart, "name:puffer,padded,quilted,parka"),
        "what boots would go with the first one": (Intent.search, "ordinal:1"),
        "can you sort out my travel insurance too": (Intent.out_of_scope, None),
    }
    for text, (intent, reference) in cases.items():
        got = understand(text, state, vocab)
        assert (got.intent, got.slots.reference) == (intent, reference), text
    terse = understand("second one. three. large", state, vocab)
    assert (terse.intent, terse.slots.quantity, terse.slots.size) == (Intent.add_to_cart, 3, "L")
    assert understand("done. pay", state, vocab).intent == Intent.checkout
    weather = understand("i want to get him something nice, the weather here is awful", fresh(), vocab)
    assert weather.intent == Intent.search


@pytest.mark.parametrize(
    ("text", "slots"),
    [
        ("a jacket under 90 canadian", {"price_max": 9000, "currency": "CAD"}),
        ("nothing over two thousand rand", {"price_max": 200000, "currency": "ZAR"}),
        ("below eight hundred pesos", {"price_max": 80000, "currency": "PHP"}),
        ("under 40 sing dollars", {"price_max": 4000, "currency": "SGD"}),
        ("a sari for my amma", {"gender": "women"}),
        ("a kurta for my thatha", {"gender": "men"}),
        ("my cousin is getting married and i need a suit for myself", {"gender": None}),
        ("my niece is getting engaged, a saree for her", {"gender": "women"}),
        ("first for my lolo, a polo shirt", {"gender": "men", "reference": None}),
        ("something small for her nephew, maybe a cap", {"size": None, "product_type": "cap"}),
        # a restart keeps who it is for; an age is no size; dropped g's
        ("a blouse for my sister, no wait, i meant a skirt", {"category": "skirts", "gender": "women"}),
        ("a belt for me, im a man, sorry i mean a wallet", {"product_type": "wallet", "gender": "men"}),
        ("im sixty five and always cold", {"size": None}),
        ("im a thirty four in jeans", {"size": "34"}),
        ("brown loafers, im nine", {"size": "9"}),  # a bare number up to 12 is still a size
        ("any glasses from fastrack", {"product_type": "sunglasses", "brand": "Fastrack"}),
        ("nothin' pricier than forty dollars", {"price_max": 4000, "price_min": None}),
    ],
)
def test_currencies_family_words_and_the_shopper_themselves(text: str, slots: dict, vocab: Vocabulary) -> None:
    got = understand(text, fresh(), vocab).slots.as_dict()
    assert {k: got.get(k) for k in slots} == slots


def test_a_brand_on_screen_named_alone_is_a_pick_and_myself_leaves_the_kids_department(vocab: Vocabulary) -> None:
    shown = [ShownProduct(id=i, name=f"{brand} Women Analogue Watch", brand=brand, price_cents=4000, colour="gold",
                          category="watches") for i, brand in ((1, "Titan"), (2, "CASIO"), (3, "Fastrack"))]
    state = DialogueState(conversation_id="t", shown=shown)
    pick = understand("lovely, add the casio", state, vocab)
    assert (pick.intent, pick.slots.reference) == (Intent.add_to_cart, "brand:CASIO")
    search = understand("show me the puma watches", state, vocab)
    assert (search.intent, search.slots.brand) == (Intent.search, "Puma")
    kids = DialogueState(conversation_id="t", filters=SearchFilters(gender="boys", category="shirts"))
    mine = understand("and a shirt for myself", kids, vocab)
    assert (mine.slots.gender, mine.slots.age_group) == (None, "adults")


@pytest.mark.parametrize(
    ("text", "slots"),
    [
        ("not too bright, grey or navy only", {"shade": "muted", "colours": ["grey", "navy"], "exclude_colours": None}),
        ("about five thousand shillings, so roughly forty dollars", {"currency": "USD", "price_max": 4200}),
        ("under thirty bucks canadian", {"currency": "CAD", "price_max": 3000}),
        ("only the nike ones, i hate every other brand", {"brand": "Nike", "clear": None}),
        ("that's a bit expensive for me, anything under 20", {"age_group": None, "price_max": 2000}),
        ("does the second one come with a matching belt", {"topic": "includes", "feature": "belt"}),
        ("is the strap on it leather", {"topic": "material"}),
    ],
)
def test_brightness_converted_budgets_and_what_a_listing_is_asked(text: str, slots: dict, vocab: Vocabulary) -> None:
    got = understand(text, fresh(), vocab).slots.as_dict()
    assert {k: got.get(k) for k in slots} == slots


def test_paying_later_sews_and_pumps(vocab: Vocabulary) -> None:
    assert understand("that's all, i'll pay later", fresh(), vocab).intent != Intent.checkout
    assert understand("could you sew the blouse for me", fresh(), vocab).intent == Intent.out_of_scope
    assert understand("do you sell breast pumps", fresh(), vocab).intent == Intent.out_of_scope
    assert understand("black pumps for work", fresh(), vocab).slots.product_type == "heels"


@pytest.mark.parametrize(
    ("text", "slots"),
    [
        ("a scarf for me mam", {"gender": "women", "product_type": "scarf"}),
        ("he wouldn't be caught dead in pink", {"exclude_colours": ["pink"]}),
        ("no skinny ones, and not chunky ones either", {"exclude_words": ["skinny", "chunk"]}),
        ("she's not tall not short, so a medium i guess", {"size": "M", "brand": None}),
        ("he's forever losing his keys, a wallet maybe", {"brand": None, "product_type": "wallet"}),
        ("her husband's shirt is like navy, so a navy tie", {"product_type": "tie"}),
        ("cheaper ones, the bag might still turn up", {"product_type": None, "price_trend": "cheaper"}),
        ("is it scratchy", {"topic": "feature", "feature": "scratchy"}),
    ],
)
def test_idioms_hedges_and_things_mentioned_in_passing(text: str, slots: dict, vocab: Vocabulary) -> None:
    got = understand(text, fresh(), vocab).slots.as_dict()
    assert {k: got.get(k) for k in slots} == slots


def test_the_line_just_added_is_resized_and_a_pick_is_taken(vocab: Vocabulary) -> None:
    shown = [ShownProduct(id=i, name=f"B Blue Jeans {i}", brand="B", price_cents=900, colour="blue", category="jeans")
             for i in (1, 2, 3)]
    state = DialogueState(conversation_id="t", shown=shown, last_line=LineRef(product_id=1, size="M"),
                          cart=CartSummary(item_count=1, total_cents=900, product_ids=[1]))
    for text in ("medium's too tight on him, change to large", "he says he's a large now"):
        got = understand(text, state, vocab)
        assert (got.intent, got.slots.size) == (Intent.update_cart, "L"), text
    take = understand("fine, take the second one only", state, vocab)
    assert (take.intent, take.slots.reference) == (Intent.add_to_cart, "ordinal:2")
    assert understand("one with a laptop sleeve", state, vocab).intent != Intent.out_of_scope
    back = understand("now back to the jackets, under thirty", state, vocab)
    assert (back.intent, back.slots.earlier) == (Intent.search, True)


def test_price_questions_between_shown_products_compare_them(vocab: Vocabulary) -> None:
    shown = [ShownProduct(id=i, name=f"Shirt {i}", brand="B", price_cents=1000 * i, category="shirts") for i in (1, 2, 3)]
    state = DialogueState(conversation_id="t", shown=shown)
    for text in ("of the first two which is less expensive", "between the second and the third, which costs more",
                 "which one is cheaper, the first or the third"):
        assert understand(text, state, vocab).intent == Intent.compare, text
    sweat = understand("something darker, the pale ones show every drop of rain", state, vocab)
    assert sweat.intent != Intent.remove_from_cart and sweat.slots.shade == "darker"
    dear = understand("hmm not too dear though, i'm between jobs", state, vocab)
    assert dear.slots.price_trend == "cheaper"
    sums = understand("anything a bit cheaper? it all adds up", state, vocab)
    assert sums.intent != Intent.add_to_cart and sums.slots.price_trend == "cheaper"
    carted = state.model_copy(update={"cart": CartSummary(item_count=1, total_cents=1000), "focus_id": 1})
    resized = understand("could you switch it to an extra large, he wears a hoodie under it", carted, vocab)
    assert (resized.intent, resized.slots.size) == (Intent.update_cart, "XL")


@pytest.mark.parametrize(
    ("text", "slots"),
    [
        ("no stripes, i look like a deckchair, my mum has a sofa like that", {"exclude_words": ["stripe"]}),
        ("i don't do the men's or women's aisles, any gender neutral caps?", {"gender": "unisex"}),
        ("no logos please, their dad is very strict about that", {"gender": None}),
        ("not the printed tshirt kind", {"exclude_words": ["print", "tshirt"]}),
        ("a skirt, but not the frilly tutu kind", {"exclude_words": ["frilly", "tutu"]}),
        ("something more elegant, fewer of those logos", {"formality": "more", "exclude_words": ["logo", "graphic", "brand logo"]}),
        ("a cardigan for my mum, she has about twenty grey ones", {"exclude_colours": ["grey"], "price_min": None,
                                                                 "price_max": None}),
        ("jeans without any rips", {"exclude_words": ["ripped", "distress"]}),
        ("a bag for around fifty", {"price_max": 5250}),
    ],
)
def test_asides_kinds_and_colours_ruled_out_counts_and_elegance(text: str, slots: dict, vocab: Vocabulary) -> None:
    got = understand(text, fresh(), vocab).slots.as_dict()
    assert {k: got.get(k) for k in slots} == slots


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("how many days does shipping take to perth", "delivery"),
        ("how soon would it be getting to glasgow", "delivery"),
        ("could you send them straight to my mum's place in cork", "delivery"),
        ("do you ship overseas", "delivery"),
        ("could i pay cash on delivery", "payment"),
        ("do you accept paypal", "payment"),
    ],
)
def test_delivery_and_payment_questions_get_the_shops_answer(text: str, topic: str, vocab: Vocabulary) -> None:
    got = understand(text, fresh(), vocab)
    assert (got.intent, got.slots.topic) == (Intent.out_of_scope, topic)


@pytest.mark.parametrize(
    ("text", "slots"),
    [
        ("a wallet, RM60 max", {"price_max": 6000, "currency": "MYR"}),
        ("sandals under Rs. 900", {"price_max": 90000, "currency": "INR"}),
        ("a kurta, no more than two thousand taka", {"price_max": 200000, "currency": "BDT"}),
        ("a dress within four hundred cedis", {"price_max": 40000, "currency": "GHS"}),
        ("shoes under six thousand jamaican dollars", {"price_max": 600000, "currency": "JMD"}),
        ("a bag under 150 AED", {"price_max": 15000, "currency": "AED"}),
        ("i picked up a blazer from you in spring, now i'd like a tie", {"product_type": "tie"}),
        ("my sister tore her backpack, she needs flip flops for the trip", {"product_type": "flip flops"}),
        ("hats, a couple of weeks back i bought one", {"quantity": None}),
        ("a scarf that a man or a woman could wear", {"gender": "unisex"}),
        ("something for the new intern, i barely know the guy", {"gender": "men"}),
        ("cleats for my son's soccer team", {"product_type": "football boots"}),
        ("a cabin suitcase for a weekend away", {"product_type": "trolley bag"}),
    ],
)
def test_budgets_written_before_or_after_in_more_currencies_and_things_told_in_passing(
        text: str, slots: dict, vocab: Vocabulary) -> None:
    got = understand(text, fresh(), vocab).slots.as_dict()
    assert {k: got.get(k) for k in slots} == slots


def test_steering_a_list_by_shape_warmth_and_shade_away_from_a_colour(vocab: Vocabulary) -> None:
    jackets = [ShownProduct(id=i, name=f"B Men Grey Jacket {i}", brand="B", price_cents=2000, colour="grey",
                            category="jackets") for i in (1, 2, 3)]
    state = DialogueState(conversation_id="t", shown=jackets,
                          filters=SearchFilters(category="jackets", colour="grey", name_any=["jacket"]))
    warmer = understand("these look thin, got anything cosier", state, vocab)
    assert (warmer.intent, warmer.slots.product_type) == (Intent.refine, "puffer")
    away = understand("go darker, the grey one would show every stain", state, vocab)
    assert (away.slots.shade, away.slots.exclude_colours) == ("darker", ["grey"])
    shaped = understand("the wayfarer style, do you have them?", state, vocab)
    assert (shaped.intent, shaped.slots.style) == (Intent.refine, "wayfarer")
    both = understand("he's an XL, put the first and the second in", state, vocab)
    assert (both.intent, both.slots.reference, both.slots.size, both.then) == (
        Intent.add_to_cart, "ordinal:1,2", "XL", [])
    assert understand("i'll take the grey one, and my size is medium", state, vocab).intent == Intent.add_to_cart
    assert understand("two hundred max, i'm not made of money", state, vocab).slots.topic is None
    assert understand("how can i pay for these", state, vocab).intent == Intent.checkout
    assert understand("it's for my uncle, he's not a golfer so no polos", state, vocab).slots.product_type is None


def test_corrected_numbers_apologies_forgotten_filters_and_words_said_another_way(vocab: Vocabulary) -> None:
    aged = understand("a raincoat for my son, he's seven no eight, sorry, i lose track", fresh(), vocab)
    assert (aged.slots.gender, aged.slots.child_age, aged.slots.product_type) == ("boys", 8, "raincoat")
    shown = [ShownProduct(id=i, name=f"B Men Brown Watch {i}", brand="B", price_cents=2000, colour="brown",
                          category="watches") for i in (1, 2, 3)]
    state = DialogueState(conversation_id="t", shown=shown,
                          filters=SearchFilters(category="watches", colour="brown", gender="men"))
    dropped = understand("forget the colour, just casio ones", state, vocab)
    assert dropped.intent == Intent.refine and dropped.slots.clear == ["colour"]
    assert (understand("second one", state, vocab).intent, understand("third pair please", state, vocab).intent) == (
        Intent.add_to_cart, Intent.add_to_cart)
    assert understand("ok the third one lah", state, vocab).slots.reference == "ordinal:3"
    formal = understand("a formal shirt for my interview", fresh(), vocab).slots
    assert "casual" in (formal.exclude_words or [])
    sporty = understand("black leggings for the gym", fresh(), vocab).slots
    assert "churidar" in (sporty.exclude_words or [])


def test_likes_said_first_colleagues_sizes_said_bare_and_a_hood(vocab: Vocabulary) -> None:
    shown = [ShownProduct(id=i, name=f"B Men Grey Trousers {i}", brand="B", price_cents=1500, colour="grey",
                          category="trousers", sizes_available=["30", "32", "34"]) for i in (1, 2, 3)]
    state = DialogueState(conversation_id="t", shown=shown, last_line=LineRef(product_id=2, size="32"),
                          cart=CartSummary(item_count=2, total_cents=3000, product_ids=[1, 2]),
                          filters=SearchFilters(category="trousers", gender="men"))
    resized = understand("oops, the second pair should be 34 as well", state, vocab)
    assert (resized.intent, resized.slots.size, resized.slots.reference) == (Intent.update_cart, "34", "ordinal:2")
    liked = understand("he doesn't like black, he likes grey", state, vocab).slots
    assert (liked.exclude_colours, liked.colours, liked.reason) == (["black"], ["grey"], None)
    fronted = understand("brown he won't wear, anything else", state, vocab)
    assert (fronted.intent, fronted.slots.exclude_colours) == (Intent.refine, ["brown"])
    assert understand("the ones with a hood", state, vocab).slots.style == "hooded"
    colleague = understand("a present for a lady from accounts, maybe a scarf", fresh(), vocab).slots
    assert colleague.gender == "women"
    assert understand("a white panjabi for eid", fresh(), vocab).slots.product_type == "kurta"


def test_a_new_kind_in_a_mixed_department_a_size_before_the_add_and_a_make_ruled_out(vocab: Vocabulary) -> None:
    shown = [ShownProduct(id=i, name=f"B Men Aviator Sunglasses {i}", brand="B", price_cents=900,
                          category="accessories") for i in (1, 2, 3)]
    state = DialogueState(conversation_id="t", shown=shown, focus_id=1,
                          filters=SearchFilters(category="accessories", style="aviator", name_any=["sunglass"]))
    assert understand("and a beanie in grey", state, vocab).intent == Intent.search  # not aviator beanies
    sized = understand("ten then, add it", state, vocab)
    assert sized.intent == Intent.add_to_cart and not sized.then
    assert understand("alright go on, the second one so", state, vocab).slots.reference == "ordinal:2"
    assert understand("and not campus this time", state, vocab).slots.exclude_brands == ["Campus"]
    assert understand("not only that, cheaper too", state, vocab).slots.exclude_brands is None


def test_a_colour_and_a_pattern_name_the_product_meant(vocab: Vocabulary) -> None:
    shown = [ShownProduct(id=1, name="B Women Blue Solid Blazer", brand="B", price_cents=2000, colour="blue",
                          category="jackets"),
             ShownProduct(id=2, name="C Women Grey Checked Blazer", brand="C", price_cents=2100, colour="grey",
                          category="jackets")]
    state = DialogueState(conversation_id="t", shown=shown)
    asked = understand("the grey checked one, is it in stock in medium?", state, vocab)
    assert asked.slots.reference == "colour:grey"


def test_a_child_by_school_year_or_an_age_before_the_word(vocab: Vocabulary) -> None:
    by_year = understand("she needs a plain white polo for school, she's in year two", fresh(), vocab).slots
    assert (by_year.gender, by_year.child_age) == ("girls", 7)
    by_grade = understand("a backpack for my son, he's in 4th grade", fresh(), vocab).slots
    assert (by_grade.gender, by_grade.child_age) == ("boys", 9)
    aged = understand("shorts for my seven year old son", fresh(), vocab).slots
    assert (aged.gender, aged.child_age) == ("boys", 7)
    small = understand("and for her small daughter a skirt, she is like four years", fresh(), vocab).slots
    assert (small.gender, small.size) == ("girls", None)
    assert understand("sandals for my boys for school", fresh(), vocab).slots.gender == "boys"
    assert understand("a shirt for a night out with my boys", fresh(), vocab).slots.gender == "men"


def test_paying_asks_first_and_other_ways_to_say_yes_order_bye_and_the_total(vocab: Vocabulary) -> None:
    for asked in ("right, let me pay", "i'll pay now", "finish my order please", "we would like to order now"):
        got = understand(asked, fresh(), vocab)
        assert got.intent == Intent.checkout, asked
    assert understand("ok then place my order", fresh(), vocab).intent == Intent.checkout
    waiting = DialogueState(conversation_id="t", pending=PendingConfirmation(kind="checkout"))
    for yes in ("ja please", "sige, go", "sawa"):
        assert understand(yes, waiting, vocab).intent == Intent.confirm, yes
    assert understand("ciao, i come back tomorrow", fresh(), vocab).intent == Intent.goodbye
    assert understand("empty the whole basket, i'll come back later", fresh(), vocab).intent == Intent.clear_cart
    for total in ("how much is it all together", "what does all that come to", "how many pairs is that",
                  "how many things are in my basket"):
        assert understand(total, fresh(), vocab).intent == Intent.view_cart, total
    in_rand = understand("and the total in rand", fresh(), vocab)
    assert (in_rand.intent, in_rand.slots.in_currency) == (Intent.view_cart, "ZAR")


def test_delivery_returns_and_services_asked_plainly(vocab: Vocabulary) -> None:
    for asked in ("do you deliver to lagos", "how much for shipping", "how many days does it take",
                  "how fast can you ship"):
        assert understand(asked, fresh(), vocab).slots.topic == "delivery", asked
    for asked in ("if they don't fit can i send them back", "if it does not fit, i can return it?",
                  "are returns free", "do i pay the return postage"):
        assert understand(asked, fresh(), vocab).slots.topic == "returns_policy", asked
    assert understand("can you steam the dress before sending", fresh(), vocab).slots.topic == "service"


def test_values_taken_back_in_mid_sentence(vocab: Vocabulary) -> None:
    shown = [ShownProduct(id=i, name=f"B Women Blue Jeans {i}", brand="B", price_cents=1500, category="jeans")
             for i in (1, 2, 3)]
    state = DialogueState(conversation_id="t", shown=shown)
    sized = understand("the third pair in a large um no wait extra large", state, vocab).slots
    assert (sized.reference, sized.size) == ("ordinal:3", "XL")
    counted = understand("four of the second ones in small, actually no, three", state, vocab).slots
    assert (counted.reference, counted.quantity, counted.size) == ("ordinal:2", 3, "S")
    priced = understand("jeans under twenty quid, sorry no, twenty euro", fresh(), vocab).slots
    assert priced.currency == "EUR"
    added = DialogueState(conversation_id="t", shown=shown, last_line=LineRef(product_id=2, size="30"),
                          cart=CartSummary(item_count=1, total_cents=1500, product_ids=[2]))
    meant = understand("ugh i meant twenty eight not thirty", added, vocab)
    assert (meant.intent, meant.slots.size) == (Intent.update_cart, "28")
    needs = understand("my husband says she needs a twenty eight not a thirty", added, vocab)
    assert (needs.intent, needs.slots.size) == (Intent.update_cart, "28")
    stepped = understand("actually go up a size, she's growing", added, vocab)
    assert (stepped.intent, stepped.slots.size) == (Intent.update_cart, "32")
    lettered = added.model_copy(update={"last_line": LineRef(product_id=2, size="M")})
    assert understand("can we do one size smaller", lettered, vocab).slots.size == "S"


def test_what_is_worn_already_and_words_heard_one_letter_short(vocab: Vocabulary) -> None:
    shown = [ShownProduct(id=i, name=f"B Men Grey Blazer {i}", brand="B", price_cents=3000, category="jackets")
             for i in (1, 2)]
    state = DialogueState(conversation_id="t", shown=shown)
    picked = understand("the second one in large, i'll be wearing a hoodie under it", state, vocab)
    assert (picked.intent, picked.slots.category) == (Intent.add_to_cart, None)
    assert understand("some leggins for yoga", fresh(), vocab).slots.product_type == "leggings"
    assert understand("black sneakrs", fresh(), vocab).slots.product_type == "sneakers"
    assert understand("no thanks", fresh(), vocab).slots.product_type is None  # not "tanks"
    assert understand("no florals, every single guest wears them", fresh(), vocab).slots.product_type is None
    official = understand("an official shirt for work, not those casual ones", fresh(), vocab).slots
    assert official.exclude_words == ["casual"] and official.occasion != "casual"
    assert understand("a check shirt", fresh(), vocab).slots.style == "checked"
    flats = understand("shoes for her, like flats", fresh(), vocab).slots
    assert flats.product_type == "flats"


def test_a_product_named_by_a_word_of_its_name_and_cart_lines_changed_in_passing(vocab: Vocabulary) -> None:
    shown = [ShownProduct(id=1, name="F Women Beige Regular Fit Trousers", brand="F", price_cents=3000, category="trousers"),
             ShownProduct(id=2, name="F Women Beige Loose Fit Peg Trousers", brand="F", price_cents=2200,
                          category="trousers"),
             ShownProduct(id=3, name="Puma Women Black Track Pants", brand="Puma", price_cents=2500, category="trousers")]
    state = DialogueState(conversation_id="t", shown=shown)
    loose = understand("ok the loose one in a small", state, vocab)
    assert (loose.intent, loose.slots.reference, loose.slots.style) == (Intent.add_to_cart, "name:loose", None)
    assert understand("the puma ones then", state, vocab).slots.reference != "name:puma"  # the make, said so
    assert understand("the other one", state, vocab).slots.reference is None
    added = state.model_copy(update={"last_line": LineRef(product_id=2, size="8", quantity=2),
                                     "cart": CartSummary(item_count=2, total_cents=4400, product_ids=[2])})
    enough = understand("ah sorry, just one is enough", added, vocab)
    assert (enough.intent, enough.slots.quantity) == (Intent.update_cart, 1)
    more = understand("my sister says we buy three, one for her too", added, vocab)
    assert (more.intent, more.slots.quantity) == (Intent.update_cart, 3)
    resized = understand("she has grown, change the size eight to nine", added, vocab)
    assert (resized.intent, resized.slots.size) == (Intent.update_cart, "9")
    paying = added.model_copy(update={"pending": PendingConfirmation(kind="checkout")})
    held = understand("wait no not yet, take the loose ones out", paying, vocab)
    assert held.intent == Intent.decline and [u.intent for u in held.then] == [Intent.remove_from_cart]
    assert understand("and for my tita, a blouse", fresh(), vocab).slots.gender == "women"


def test_a_question_about_the_cheapest_a_count_taken_back_and_formal_among_other_styles(vocab: Vocabulary) -> None:
    shown = [ShownProduct(id=i, name=f"B Men Brown Leather Belt {i}", brand="B", price_cents=1000 + i,
                          category="accessories") for i in (1, 2, 3)]
    state = DialogueState(conversation_id="t", shown=shown)
    assert understand("which one of those is the cheapest", state, vocab).intent != Intent.add_to_cart
    counted = state.model_copy(update={"last_line": LineRef(product_id=2, size="M", quantity=5),
                                       "cart": CartSummary(item_count=5, total_cents=5000, product_ids=[2])})
    fewer = understand("hmm change that to three, five is too many", counted, vocab)
    assert (fewer.intent, fewer.slots.quantity) == (Intent.update_cart, 3)
    assert "casual" in (understand("slim fit formal shirts in white", fresh(), vocab).slots.exclude_words or [])
    assert "casual" not in (understand("a shirt, nothing too formal", fresh(), vocab).slots.exclude_words or [])
    assert "shorts" in (understand("cargo pants for camping", fresh(), vocab).slots.exclude_words or [])


def test_real_leather_not_its_imitation_and_block_heels(vocab: Vocabulary) -> None:
    real = understand("a real leather wallet, none of that faux leather", fresh(), vocab).slots
    assert real.material == "leather" and "leather" not in (real.exclude_words or []) and "faux" in (real.exclude_words or [])
    assert understand("block heels for work", fresh(), vocab).slots.name_any == ["block heel"]


def test_the_cut_wished_for_and_words_as_speech_to_text_writes_them(vocab: Vocabulary) -> None:
    loose = understand("these are all really skinny, something not so tight", fresh(), vocab).slots
    assert loose.style is None and {"skinny", "bodycon"} <= set(loose.exclude_words or [])
    assert "mini" in (understand("a dress, nothing too short please", fresh(), vocab).slots.exclude_words or [])
    assert understand("the shorts were too short", fresh(), vocab).slots.reason == "too short"  # a reason, said so
    assert "sheer" in (understand("a blouse but nothing see-through", fresh(), vocab).slots.exclude_words or [])
    assert understand("trousers with a wide leg", fresh(), vocab).slots.style == "wide leg"
    assert understand("a dress that goes down to the ankles", fresh(), vocab).slots.style == "maxi"
    assert understand("cat eye sunglasses", fresh(), vocab).slots.style == "cateye"
    heard = {"black heals": "heels", "a beany for winter": "beanie", "ear rings in silver": "earrings",
             "a grey sweat shirt": "hoodie", "blue genes": "jeans", "a navy puffa jacket": "puffer",
             "kurthas for office": "kurta", "a pocket square": "pocket square"}
    for said, kind in heard.items():
        assert understand(said, fresh(), vocab).slots.product_type == kind, said
    assert understand("a shirt in excel", fresh(), vocab).slots.size == "XL"
    assert understand("one in double excel", fresh(), vocab).slots.size == "XXL"
    assert understand("sandals to go with it, flat ones", fresh(), vocab).slots.product_type == "flats"
    ish = understand("shoes, sixty-ish", fresh(), vocab).slots
    assert (ish.price_min, ish.price_max) == (4500, 6300)
    assert understand("a watch for my boss, he's a guy, fifty-ish", fresh(), vocab).slots.price_max is None  # his age
    restarted = understand("show me the green um no the yellow tops", fresh(), vocab).slots
    assert (restarted.colour, restarted.exclude_colours) == ("yellow", None)
    assert understand("green no yellow", fresh(), vocab).slots.exclude_colours == ["yellow"]
    assert "polo" in (understand("crew neck t-shirts for men", fresh(), vocab).slots.exclude_words or [])
    assert "wallet" in (understand("a bag for college", fresh(), vocab).slots.exclude_words or [])


def test_whose_relative_and_who_is_talking(vocab: Vocabulary) -> None:
    assert understand("a belt for my sister's husband", fresh(), vocab).slots.gender == "men"
    assert understand("a scarf for my brother's wife", fresh(), vocab).slots.gender == "women"
    boys = DialogueState(conversation_id="t", filters=SearchFilters(gender="boys"))
    assert understand("and something for me, i'm her grandad", boys, vocab).slots.gender == "men"
    kid = understand("his youngest is six, a cap for her?", fresh(), vocab).slots
    assert (kid.gender, kid.child_age) == ("girls", 6)
    hoodies = DialogueState(conversation_id="t", filters=SearchFilters(gender="women", category="sweaters"),
                            shown=[ShownProduct(id=1, name="H Women Hoodie", brand="H", price_cents=900,
                                                category="sweaters")], focus_id=1)
    cousin = understand("no, my cousin instead, he's eleven, he'd wear it more", hoodies, vocab)
    assert (cousin.intent, cousin.slots.gender) == (Intent.refine, "boys")
    interview = understand("my son has nothing smart for his interview on friday, can you help", fresh(), vocab)
    assert interview.intent == Intent.search and interview.slots.gender == "men"


def test_cart_lines_said_by_kind_count_and_more_of_the_same(vocab: Vocabulary) -> None:
    shown = [ShownProduct(id=7, name="P Men White Polo T-shirt", brand="P", price_cents=800, category="tshirts")]
    added = DialogueState(conversation_id="t", shown=shown, focus_id=7,
                          last_line=LineRef(product_id=7, size="M", quantity=3),
                          cart=CartSummary(item_count=3, total_cents=2400, product_ids=[7]))
    one_more = understand("ah and one more large for my cousin", added, vocab)
    assert (one_more.intent, one_more.slots.reference, one_more.slots.size, one_more.slots.quantity) == (
        Intent.add_to_cart, "ordinal:1", "L", 1)
    assert understand("show me one more option", added, vocab).intent != Intent.add_to_cart
    cufflinks = added.model_copy(update={"shown": [ShownProduct(id=8, name="J Silver Cufflinks", brand="J",
                                                                price_cents=600, category="jewellery")]})
    fewer = understand("two of them cancelled, make the polos one", cufflinks, vocab)
    assert (fewer.intent, fewer.slots.quantity, fewer.slots.product_type) == (Intent.update_cart, 1, "polo")
    dresses = DialogueState(conversation_id="t", filters=SearchFilters(category="dresses", name_any=["dress", "gown"]))
    aside = understand("hmm dresses are a minefield, what about a nice scarf", dresses, vocab)
    assert aside.slots.product_type == "scarf"  # the kind on screen is put aside
    shoes = added.model_copy(update={"last_line": LineRef(product_id=7, size="9", quantity=1)})
    for said in ("make it a ten, his feet are wide", "oh no sorry make that a ten", "make it a ten they run small"):
        resized = understand(said, shoes, vocab)
        assert (resized.intent, resized.slots.size) == (Intent.update_cart, "10"), said
    assert understand("how much is it in euros", added, vocab).slots.in_currency == "EUR"
    assert understand("so what's the damage", added, vocab).intent == Intent.view_cart
    assert understand("go on then, that one", added, vocab).intent == Intent.add_to_cart
    assert understand("the first one is lovely, put it in", added, vocab).intent == Intent.add_to_cart
    keep = understand("drop everything except the polo", added, vocab)
    assert keep.intent == Intent.remove_from_cart and "polo" in (keep.slots.exclude_words or [])
    other = understand("show me the red ones instead", added, vocab)
    assert (other.intent, other.slots.colour) == (Intent.refine, "red")
    asked = understand("does it do up at the front", added, vocab).slots
    assert (asked.topic, asked.feature) == ("feature", "up")
    assert understand("when will it all get here", added, vocab).slots.topic == "delivery"


def test_ethnic_wear_when_no_garment_is_named_and_either_of_two_kinds(vocab: Vocabulary) -> None:
    festive = understand("for holi he wants something bright and traditional", fresh(), vocab).slots
    assert festive.product_type == "ethnic wear" and "kurta" in (festive.name_any or [])
    assert understand("a traditional outfit, maybe a sherwani", fresh(), vocab).slots.product_type == "sherwani"
    assert understand("some native wear for my oga", fresh(), vocab).slots.gender == "men"
    assert understand("thank you oga", fresh(), vocab).slots.gender is None  # said to the assistant
    either = understand("a kaftan or a kurta for church", fresh(), vocab).slots
    assert either.category is None and {"kaftan", "kurta"} <= set(either.name_any or [])
    shoes = DialogueState(conversation_id="t", shown=[
        ShownProduct(id=i, name=f"K Boys Black School Shoes {i}", brand="K", price_cents=1500, category="shoes")
        for i in (1, 2)])
    split = understand("the first ones, one pair size 6 and another pair size 8", shoes, vocab)
    assert [(u.slots.quantity, u.slots.size) for u in (split, *split.then)] == [(1, "6"), (1, "8")]


def test_a_price_order_a_second_choice_of_size_and_numbers_as_sizes(vocab: Vocabulary) -> None:
    cheapest = understand("what's the cheapest pair of trainers you've got for men", fresh(), vocab).slots
    assert (cheapest.sort, cheapest.reference, cheapest.gender) == ("price_asc", None, "men")
    assert understand("the dearest handbags you stock", fresh(), vocab).slots.sort == "price_desc"
    shoes = DialogueState(conversation_id="t", filters=SearchFilters(category="shoes", gender="men"), shown=[
        ShownProduct(id=i, name=f"R Men Running Shoes {i}", brand="R", price_cents=900 * i, category="shoes",
                     sizes_available=["6", "7", "10", "11"]) for i in (1, 2, 3)])
    for said, order in (("could you list them by price please", "price_asc"),
                        ("sort those by price, highest first", "price_desc"), ("now the priciest ones", "price_desc")):
        ordered = understand(said, shoes, vocab)
        assert (ordered.intent, ordered.slots.sort) == (Intent.refine, order), said
    picked = understand("which one's the cheapest", shoes, vocab).slots  # one of those shown, not a new order
    assert (picked.sort, picked.reference) == (None, "cheapest")
    asked = shoes.model_copy(update={"focus_id": 1, "last_intent": Intent.product_details.value})
    again = understand("and how about a 10", asked, vocab)
    assert (again.intent, again.slots.size) == (Intent.product_details, "10")
    taken = understand("go on, give me the 10 then", asked, vocab)
    assert (taken.intent, taken.slots.size) == (Intent.add_to_cart, "10")
    assert understand("give me the 40 then", asked, vocab).slots.size is None  # no shoe of theirs is a 40
    either = understand("pop two of that one in a small, or a medium if there's no small", asked, vocab).slots
    assert (either.quantity, either.reference, either.size, either.size_else) == (2, "focus", "S", "M")


def test_who_is_shopping_said_in_passing_and_more_cart_moves(vocab: Vocabulary) -> None:
    for said, gender in (("im expecting in may and my work trousers dont fit", "women"),
                         ("i'm the best man, what suits do you have", "men"),
                         ("as a mum of three i never buy jeans for myself", "women"),
                         ("some boots for me, my husband says mine are falling apart", "women"),
                         ("my husband says he wants a grey hoodie", "men")):
        assert understand(said, fresh(), vocab).slots.gender == gender, said
    myself = understand("a nice warm cardigan for myself", fresh(), vocab).slots
    assert (myself.gender, myself.age_group) == (None, "adults")
    shown = [ShownProduct(id=i, name=f"H Men Jacket {i}", brand="H", price_cents=2000, category="jackets")
             for i in (1, 2, 3)]
    two = DialogueState(conversation_id="t", shown=shown, last_line=LineRef(product_id=3, size="L"),
                        filters=SearchFilters(category="jackets", gender="women"),
                        cart=CartSummary(item_count=2, total_cents=4000, product_ids=[1, 3]))
    kept = understand("ok actually just keep the third one", two, vocab)
    assert (kept.intent, kept.slots.reference, kept.slots.keep_only) == (Intent.remove_from_cart, "ordinal:3", True)
    bumped = understand("can you bump hers up to a large", two, vocab)
    assert (bumped.intent, bumped.slots.size) == (Intent.update_cart, "L")
    paid = understand("the second one, and that's it, pay", two, vocab)
    assert (paid.intent, paid.slots.reference, [u.intent for u in paid.then]) == (
        Intent.add_to_cart, "ordinal:2", [Intent.checkout])
    again = understand("second one in medium, and the same kind of thing for my brother", two, vocab)
    assert again.intent == Intent.add_to_cart and [u.slots.gender for u in again.then] == ["men"]
    for said in ("is shipping free on these", "how long till they arrive", "do you charge for delivery"):
        assert understand(said, two, vocab).slots.topic == "delivery", said
    assert understand("will it shrink in the wash", two, vocab).slots.topic == "care"
    assert understand("not one with a hood please", two, vocab).slots.exclude_words == ["hood"]
    dressier = understand("these look a bit casual, anything dressier", two, vocab).slots
    assert (dressier.formality, dressier.occasion) == ("more", None)


def test_the_shoppers_own_department_is_remembered_for_later_turns(vocab: Vocabulary) -> None:
    said = understand("as the mum i'm sorting jackets for everyone, my husband first", fresh(), vocab).slots
    assert (said.gender, said.shopper_gender) == ("men", "women")
    assert understand("a watch for my wife", fresh(), vocab).slots.shopper_gender == "men"
    hers = DialogueState(conversation_id="t", shopper_gender="women",
                         filters=SearchFilters(category="jackets", gender="men"))
    for said_now in ("now me, a long puffer", "and one for me too", "back to my stuff, some boots"):
        assert understand(said_now, hers, vocab).slots.gender == "women", said_now
    unknown = hers.model_copy(update={"shopper_gender": None})
    mine = understand("now me, a long puffer", unknown, vocab).slots
    assert (mine.gender, mine.age_group) == (None, "adults")
    shown = DialogueState(conversation_id="t", shown=[
        ShownProduct(id=i, name=f"T Boys Tshirt {i}", brand="T", price_cents=900, category="tshirts") for i in (1, 2)],
        cart=CartSummary(item_count=2, total_cents=1800, product_ids=[1, 2]))
    done = understand("ok that's both kids sorted, check out", shown, vocab)
    assert (done.intent, done.slots.reference) == (Intent.checkout, None)


def test_terse_spoken_turns_and_what_a_need_implies(vocab: Vocabulary) -> None:
    shown = [ShownProduct(id=i, name=f"R Men Jeans {i}", brand="R", price_cents=1500, category="jeans",
                          sizes_available=["30", "32", "36"]) for i in (1, 2, 3)]
    listed = DialogueState(conversation_id="t", shown=shown, offset=3, total_results=9,
                           filters=SearchFilters(category="jeans", gender="men"))
    for said, intent in (("returns?", Intent.out_of_scope), ("delivery?", Intent.out_of_scope),
                         ("cart", Intent.view_cart), ("total?", Intent.view_cart), ("nah. just pay", Intent.checkout),
                         ("clear cart", Intent.clear_cart), ("price of the 2nd?", Intent.product_details)):
        assert understand(said, listed, vocab).intent == intent, said
    back = understand("the previous ones", listed, vocab)
    assert (back.intent, back.slots.page) == (Intent.more_results, "back")
    picked = understand("2nd one. thirty six", listed, vocab)
    assert (picked.intent, picked.slots.reference, picked.slots.size) == (Intent.add_to_cart, "ordinal:2", "36")
    lettered = understand("1st one M", listed, vocab)
    assert (lettered.intent, lettered.slots.size) == (Intent.add_to_cart, "M")
    added = listed.model_copy(update={"last_line": LineRef(product_id=1, size="32"),
                                      "cart": CartSummary(item_count=1, total_cents=1500, product_ids=[1])})
    assert understand("two", added, vocab).slots.quantity == 2
    assert understand("hmm actually thirty four", added, vocab).slots.size == "34"  # a waist, not 34 pairs
    swap = understand("no not that one. the 2nd", added, vocab)
    assert (swap.intent, [u.slots.reference for u in swap.then]) == (Intent.remove_from_cart, ["ordinal:2"])
    assert understand("do the first ones come in a 30", listed, vocab).intent == Intent.product_details
    cold = understand("i run really cold at the office, something for women to throw over a blouse", fresh(), vocab)
    assert (cold.slots.product_type, cold.slots.gender) == ("warm layer", "women")
    gym = understand("i just joined a gym and have nothing to wear, i'm a guy", fresh(), vocab).slots
    assert (gym.category, gym.gender) == ("activewear", "men")
    date = understand("first date on friday, what should i wear, i'm a bloke", fresh(), vocab).slots
    assert (date.product_type, date.reference) == ("outfit", None)
    colour = understand("all my clothes are grey and black, need some colour, t-shirts maybe", fresh(), vocab).slots
    assert (colour.product_type, colour.exclude_colours, colour.colours) == ("t-shirt", ["grey", "black"], None)
    assert understand("a short kurti to wear with jeans", fresh(), vocab).slots.gender == "women"
    assert understand("i've never worn a saree, maybe a kurta set", fresh(), vocab).slots.product_type == "kurta set"
    assert understand("a classic watch, not some smart watch thing", fresh(), vocab).slots.exclude_words == ["smart"]
    assert understand("around forty dollars, i don't want it looking cheap", fresh(), vocab).intent != (
        Intent.remove_from_cart)
    assert understand("can you get it tailored", listed, vocab).slots.topic == "service"
    assert understand("a back pack for my lap top", fresh(), vocab).slots.category == "bags"
    assert understand("do you sell diyas for diwali", fresh(), vocab).intent == Intent.out_of_scope


def test_corrections_of_the_line_just_added_and_what_is_not_a_pick(vocab: Vocabulary) -> None:
    shown = [ShownProduct(id=i, name=f"C Men Running Shoes {i}", brand="C", price_cents=1500, category="shoes",
                          sizes_available=["8", "9", "10", "11"]) for i in (1, 2, 3)]
    added = DialogueState(conversation_id="t", shown=shown, last_intent=Intent.add_to_cart.value,
                          last_line=LineRef(product_id=1, size="9"),
                          cart=CartSummary(item_count=1, total_cents=1500, product_ids=[1]))
    grown = understand("oh wait sorry he's a ten now, he's had a growth spurt", added, vocab)
    assert (grown.intent, grown.slots.size) == (Intent.update_cart, "10")
    runs = understand("he says formal ones come up small so he needs an eleven, can you change it", added, vocab)
    assert (runs.intent, runs.slots.size) == (Intent.update_cart, "11")
    assert understand("ok cheers mate", added, vocab).intent == Intent.goodbye
    assert understand("that first one too", added, vocab).intent == Intent.add_to_cart
    first = understand("trousers first, with a comfy waist", added, vocab)
    assert (first.intent, first.slots.reference, first.slots.category) == (Intent.search, None, "trousers")
    fits = understand("i need jeans that actually fit me", fresh(), vocab)
    assert (fits.intent, fits.slots.category) == (Intent.search, "jeans")
    assert understand("i hate skinny jeans", added, vocab).slots.product_type is None
    laces = understand("no laces, slip ons are easier for him", fresh(), vocab).slots
    assert (laces.product_type, laces.exclude_words) == ("slip-ons", ["lace-up", "lace up"])


def test_cart_lines_named_by_colour_count_or_kind_and_picks_beside_the_last(vocab: Vocabulary) -> None:
    shown = [ShownProduct(id=i, name=f"Q Men {colour.title()} Solid T-shirt", brand="Q", price_cents=900,
                          colour=colour, category="tshirts", sizes_available=["S", "M", "L", "XL"])
             for i, colour in ((1, "white"), (2, "grey"), (3, "white"))]
    added = DialogueState(conversation_id="t", shown=shown, focus_id=1, last_intent=Intent.add_to_cart.value,
                          last_line=LineRef(product_id=1, size="L", quantity=1),
                          cart=CartSummary(item_count=4, total_cents=3600, product_ids=[9, 1]))
    down = understand("right, bring the navy ones down to three", added, vocab)
    assert (down.intent, down.slots.quantity, down.slots.reference) == (Intent.update_cart, 3, "colour:navy")
    resized = understand("the white ones i want in medium not large", added, vocab)
    assert (resized.intent, resized.slots.size) == (Intent.update_cart, "M")
    more = understand("and three more of the same for the team", added, vocab)
    assert (more.intent, more.slots.quantity, more.slots.reference) == (Intent.add_to_cart, 3, "ordinal:1")
    units = understand("ok two of those, both in large", added.model_copy(update={"last_line": None}), vocab)
    assert (units.slots.reference, units.slots.quantity, units.slots.size) == ("focus", 2, "L")
    beside = understand("and the one after that, same size", added, vocab)
    assert (beside.intent, beside.slots.reference, beside.slots.size) == (Intent.add_to_cart, "ordinal:2", "L")
    assert understand("same size as the jacket, the third one", added, vocab).slots.product_type is None
    both = understand("the second one in a medium and the third one too, same size", added, vocab)
    assert [u.slots.size for u in (both, *both.then)] == ["M", "M"]
    assert understand("make that an xl, he has been lifting weights and eating pizza", added, vocab).intent == (
        Intent.update_cart)
    for said in ("what have i put in so far", "whats in there now"):
        assert understand(said, added, vocab).intent == Intent.view_cart, said
    assert understand("will that lot arrive by saturday", added, vocab).slots.topic == "delivery"
    swap = understand("sorry, not the first one, the third one", added, vocab)
    assert (swap.intent, [u.slots.reference for u in swap.then]) == (Intent.remove_from_cart, ["ordinal:3"])
    fist = understand("add the fist one in small", added.model_copy(update={"last_line": None}), vocab)
    assert (fist.slots.reference, fist.slots.size) == ("ordinal:1", "S")
    said_sizes = understand("the first one in a forty two oh sorry you do small medium large, so large then", fresh(),
                            vocab)
    assert said_sizes.slots.size == "L"


def test_what_is_ruled_out_in_passing_and_who_is_only_in_the_story(vocab: Vocabulary) -> None:
    green = understand("scrap that, orange washes her out, show me teal ones instead", fresh(), vocab).slots
    assert (green.colours, green.exclude_colours) == (["teal"], ["orange"])
    brown = understand("tan then, black's too harsh with his navy suit", fresh(), vocab).slots
    assert (brown.product_type, brown.exclude_colours) == (None, ["black"])
    assert understand("white gets grubby so fast, grey please", fresh(), vocab).slots.exclude_colours == ["white"]
    assert understand("no, the red pair, i've already got brown", fresh(), vocab).slots.exclude_colours == ["brown"]
    mum = understand("kurtas for my husband, plain, his mum insists", fresh(), vocab).slots
    assert mum.gender == "men"
    assert understand("we have two granddaughters who need party dresses", fresh(), vocab).slots.gender == "girls"
    printed = understand("t-shirts with a print, she thinks plain ones are boring", fresh(), vocab).slots
    assert (printed.style, printed.exclude_words) == ("printed", ["solid"])
    assert understand("is there a dressing gown for my mum", fresh(), vocab).slots.product_type == "robe"
    assert understand("my grandson is the ring bearer, a sherwani for him", fresh(), vocab).slots.category == (
        "ethnic_sets")
    assert understand("any baby clothes for a newborn boy", fresh(), vocab).slots.product_type == "baby clothes"
    assert understand("dresses, nothing pink, she says pink is for babies", fresh(), vocab).slots.product_type == (
        "dress")
    sets = understand("a kurta set for my sister, one with a dupatta", fresh(), vocab).slots
    assert (sets.product_type, sets.name_prefer) == ("kurta set", "dupatta")


def test_searches_said_around_other_things(vocab: Vocabulary) -> None:
    shown = [ShownProduct(id=i, name=f"L Women Brown Tote Bag {i}", brand="Lavie", price_cents=3000, colour="brown",
                          category="bags") for i in (1, 2, 3)]
    listed = DialogueState(conversation_id="t", shown=shown, filters=SearchFilters(category="bags", brand="Lavie"))
    others = understand("and what about the other brands, not lavie", listed, vocab)
    assert (others.intent, others.slots.exclude_brands) == (Intent.refine, ["Lavie"])
    pink = understand("the pink ones if you have them", listed, vocab)
    assert (pink.intent, pink.slots.colours) == (Intent.refine, ["pink"])
    tall = understand("women's sizes, she's five foot ten, and black if you have it", listed, vocab)
    assert (tall.intent, tall.slots.gender, tall.slots.colours) == (Intent.refine, "women", ["black"])
    assert understand("three sets of the second one", listed, vocab).slots.quantity == 3
    cheaper = understand("anything cheaper, the kids will spill biryani on it", listed, vocab)
    assert (cheaper.intent, cheaper.slots.price_trend) == (Intent.refine, "cheaper")


def test_recogniser_slips_old_things_and_practical_dislikes(vocab: Vocabulary) -> None:
    assert understand("i need a plain tea shirt for my son", fresh(), vocab).slots.product_type == "t-shirt"
    assert understand("a warm sweeter for my dad", fresh(), vocab).slots.product_type == "sweater"
    assert understand("brown scandals for the beach", fresh(), vocab).slots.product_type == "sandals"
    assert understand("slops for the beach", fresh(), vocab).slots.product_type == "flip flops"
    shown = [ShownProduct(id=i, name=f"R Men Jeans {i}", brand="R", price_cents=1500, category="jeans",
                          sizes_available=["30", "32", "34", "M", "L"]) for i in (1, 2, 3)]
    listed = DialogueState(conversation_id="t", shown=shown, filters=SearchFilters(category="jeans", gender="men"))
    assert understand("the third one in a median", listed, vocab).slots.size == "M"
    assert understand("add to of the second one in 32", listed, vocab).slots.quantity == 2
    added = listed.model_copy(update={"last_intent": Intent.add_to_cart.value, "last_line": LineRef(product_id=2, size="32"),
                                      "cart": CartSummary(item_count=1, total_cents=1500, product_ids=[2])})
    assert understand("and two pairs", added, vocab).slots.quantity == 2
    corrected = understand("oh hang on, he's a 34 actually", added, vocab)
    assert (corrected.intent, corrected.slots.size) == (Intent.update_cart, "34")
    pick = understand("ok the first one in large, i'm a large in shirts anyway", listed, vocab)
    assert (pick.intent, pick.slots.product_type) == (Intent.add_to_cart, None)
    running = understand("my old sneakers are worn through, i need hiking boots", fresh(), vocab).slots
    assert running.product_type == "boots"
    assert understand("my old jeans don't fit any more", fresh(), vocab).slots.product_type == "jeans"
    midi = understand("a dress that is not like floor length, i don't want it getting muddy", fresh(), vocab)
    assert (midi.intent, midi.slots.exclude_words) == (Intent.search, ["maxi"])
    assert understand("a saree, no synthetics please", fresh(), vocab).slots.exclude_words == [
        "poly", "synthetic", "nylon", "art silk", "acrylic"]
    assert "disney" in (understand("t-shirts for my son, no cartoons", fresh(), vocab).slots.exclude_words or [])
    assert understand("skirts, not pink, she thinks it's for babies", fresh(), vocab).slots.product_type == "skirt"
    assert understand("do you have tents or sleeping bags", fresh(), vocab).intent == Intent.out_of_scope
    assert understand("can deliver by next week or not", listed, vocab).slots.topic == "delivery"
    assert understand("i prefer slim fit ones, show me those", listed, vocab).intent == Intent.refine


def test_kinds_narrowed_in_passing_units_and_sizes_that_do_not_apply(vocab: Vocabulary) -> None:
    heels = understand("heels for a party but i cannot walk in stilettos, maybe block heels", fresh(), vocab).slots
    assert (heels.exclude_words, heels.name_prefer) == (["stiletto"], "block heel")
    assert understand("takkies for my boy", fresh(), vocab).slots.product_type == "sneakers"
    assert understand("formal shoes, no suede", fresh(), vocab).slots.exclude_words == ["suede", "casual"]
    assert understand("chinos, nothing slim and not corduroy", fresh(), vocab).slots.exclude_words == [
        "slim", "skinny", "corduroy"]  # nothing slimmer than slim either
    assert understand("tops for my niece, not plain, something printed", fresh(), vocab).slots.exclude_words == [
        "solid"]
    shown = [ShownProduct(id=i, name=f"S Women Silver Earrings {i}", brand="S", price_cents=900, category="jewellery",
                          sizes_available=["Onesize"]) for i in (1, 2, 3)]
    listed = DialogueState(conversation_id="t", shown=shown, focus_id=1,
                           filters=SearchFilters(category="jewellery", gender="women"))
    assert understand("maybe studs, small ones", listed, vocab).slots.size is None
    assert understand("can i get it gift wrapped", listed, vocab).intent == Intent.out_of_scope
    added = listed.model_copy(update={"last_line": LineRef(product_id=1, size="Onesize"),
                                      "cart": CartSummary(item_count=1, total_cents=900, product_ids=[1])})
    again = understand("oh and grab a second one for my sister", added, vocab)
    assert (again.intent, again.slots.reference) == (Intent.add_to_cart, "ordinal:1")
    assert understand("the earrings, make am three", added, vocab).slots.quantity == 3
    assert understand("she is a uk 12, what dress size would that be", listed, vocab).intent == (
        Intent.size_advice)


def test_each_line_someone_new_and_a_colour_only_named_in_passing(vocab: Vocabulary) -> None:
    shown = [ShownProduct(id=i, name=f"V Women {c.title()} Crop Top", brand="V", price_cents=900, colour=c,
                          category="tops", sizes_available=["S", "M"]) for i, c in ((1, "yellow"), (2, "green"), (3, "red"))]
    both = DialogueState(conversation_id="t", shown=shown, last_line=LineRef(product_id=3, size="S"),
                         filters=SearchFilters(category="tops", gender="women"),
                         cart=CartSummary(item_count=2, total_cents=1800, product_ids=[2, 3]))
    each = understand("let's do three of each", both, vocab)
    assert (each.intent, each.slots.quantity, each.slots.reference) == (Intent.update_cart, 3, "ordinal:2,3")
    assert understand("hmm, ditch the first one", both, vocab).intent == Intent.remove_from_cart
    assert understand("now something similar for her brother", both, vocab).intent == Intent.refine
    two_tone = both.model_copy(update={"shown": [*shown[:2], ShownProduct(
        id=4, name="K Women Blue & Red Floral Crop Top", brand="K", price_cents=900, colour="blue", category="tops")]})
    redder = understand("the red ones if you have them", two_tone, vocab)
    assert (redder.intent, redder.slots.colours) == (Intent.refine, ["red"])
    assert understand("and a brown to bag to go with it", fresh(), vocab).slots.name_prefer == "tote"


def test_sizes_said_for_someone_picks_past_the_list_and_who_goes_first(vocab: Vocabulary) -> None:
    shown = [ShownProduct(id=i, name=f"R Women {c} Dress", brand="R", price_cents=1500, colour=c.lower(), category="dresses",
                          sizes_available=["S", "M", "L"]) for i, c in ((1, "Red"), (2, "Green"), (3, "Blue"))]
    listed = DialogueState(conversation_id="t", shown=shown, filters=SearchFilters(category="dresses", gender="women"))
    # the person's size and the garment's: the garment's wins; alone, the person's counts
    assert understand("she wears a size 14 so the green one in a large", listed, vocab).slots.size == "L"
    assert understand("pop the first in a small, im normally a 10", listed, vocab).slots.size == "S"
    # a position alone, two of them, or the priciest, is a pick
    for said, ref in (("third", "ordinal:3"), ("ok first and second", "ordinal:1,2"), ("the dearest of those", "priciest")):
        u = understand(said, listed, vocab)
        assert (u.intent, u.slots.reference) == (Intent.add_to_cart, ref), said
    aged = understand("the first one, he is six so whatever size fits", listed, vocab)
    assert (aged.intent, aged.slots.reference) == (Intent.add_to_cart, "ordinal:1")
    # "hers first", "mine first": whose turn, not the first product
    turn = understand("gloves for me and my niece, lets do hers first", fresh(), vocab)
    assert (turn.slots.gender, turn.slots.reference) == ("girls", None)
    assert understand("coats for my husband and me, mine first", fresh(), vocab).slots.gender == "men"
    assert understand("a dress for my goddaughter", fresh(), vocab).slots.gender == "girls"
    # an age then a budget: two numbers, not nine dollars twenty
    assert understand("shorts for my nephew, he is nine. twenty dollars max", fresh(), vocab).slots.price_max == 2000
    boys = DialogueState(conversation_id="t", shown=shown, filters=SearchFilters(category="shorts", gender="boys"))
    assert understand("now for her, same price", boys, vocab).slots.gender == "girls"


def test_the_other_one_a_line_by_its_kind_and_a_waist_said_as_a_number(vocab: Vocabulary) -> None:
    shown = [ShownProduct(id=i, name=f"K Men Blue Jeans {i}", brand="K", price_cents=2000, category="jeans",
                          sizes_available=["30", "32", "34"]) for i in (1, 2, 3)]
    added = DialogueState(conversation_id="t", shown=shown, last_line=LineRef(product_id=2, size="30"),
                          filters=SearchFilters(category="jeans", gender="men"),
                          cart=CartSummary(item_count=1, total_cents=2000, product_ids=[2]))
    other = understand("hmm no the other one, same size", added, vocab)
    assert (other.intent, other.slots.reference) == (Intent.remove_from_cart, "ordinal:2")
    assert (other.then[0].intent, other.then[0].slots.reference, other.then[0].slots.size) == (
        Intent.add_to_cart, "ordinal:1", "30")
    waist = understand("no make it 34, im not a 30 these days", added, vocab)
    assert (waist.intent, waist.slots.size, waist.slots.quantity) == (Intent.update_cart, "34", None)
    assert understand("and make my jeans 2", added, vocab).slots.quantity == 2
    assert understand("second one in 32 instead", added, vocab).intent == Intent.update_cart
    actually = understand("oh she said a medium", added.model_copy(update={"last_line": LineRef(product_id=2, size="S")}),
                          vocab)
    assert (actually.intent, actually.slots.size) == (Intent.update_cart, "M")
    assert understand("how do returns work with jeans", added, vocab).slots.topic == "returns_policy"
    assert understand("would those fit someone five foot six", added, vocab).intent == Intent.size_advice
    lifted = understand("under 30 dollars, doesnt have to be levis", added, vocab)
    assert (lifted.slots.brand, lifted.slots.clear) == (None, ["brand"])
    assert understand("the wrangler ones", added, vocab).intent == Intent.refine  # none of those shown
    assert understand("a holi outfit for my son", fresh(), vocab).slots.product_type == "ethnic wear"


def test_counts_said_with_a_reason_dress_codes_and_garments_worn_under(vocab: Vocabulary) -> None:
    shown = [ShownProduct(id=i, name=f"H Men White Shirt {i}", brand="H", price_cents=1200, colour="white",
                          category="shirts", sizes_available=["S", "M", "L"]) for i in (1, 2, 3)]
    added = DialogueState(conversation_id="t", shown=shown, focus_id=1, last_line=LineRef(product_id=1, size="M"),
                          filters=SearchFilters(category="shirts", gender="men"),
                          cart=CartSummary(item_count=1, total_cents=1200, product_ids=[1]))
    for said, count in (("oh actually 3, my brothers want them too", 3), ("could i get 2 of those, one is a gift", 2)):
        u = understand(said, added, vocab)
        assert (u.intent, u.slots.quantity) == (Intent.update_cart, count), said
    split = understand("we need 2 of that one, one small and one large", added.model_copy(update={"last_line": None, "focus_id": 2}),
                       vocab)
    assert (split.intent, split.slots.size, [t.slots.size for t in split.then]) == (Intent.add_to_cart, "S", ["L"])
    removal = understand("no, take it out, ill think about it", added, vocab)
    assert removal.intent == Intent.remove_from_cart
    assert understand("cheapest", added, vocab).intent == Intent.add_to_cart
    assert understand("ok both", added, vocab).slots.reference == "ordinal:1,2"
    worn = understand("a plain blue one, hes wearing it under his grey blazer", added, vocab).slots
    assert (worn.product_type, worn.colours) == (None, ["blue"])
    dinner = understand("its a black tie dinner, any tuxedos", fresh(), vocab).slots
    assert (dinner.product_type, dinner.colours) == ("suit", None)
    assert understand("a waistcoat, not a full suit", fresh(), vocab).slots.exclude_words == ["suit"]
    assert understand("how should i wash these", added, vocab).slots.topic == "care"
    assert understand("what uk size would that be", added, vocab).intent == Intent.size_advice
    weighed = understand("a coat for me, im 5 9 and about 160 pounds", fresh(), vocab).slots
    assert (weighed.price_max, weighed.measurements) == (None, {"height_cm": 175.3, "weight_kg": 72.6})


def test_one_pick_in_a_size_for_each_person_and_their_lines_named_later(vocab: Vocabulary) -> None:
    shown = [ShownProduct(id=i, name=f"R Men Grey Hoodie {i}", brand="R", price_cents=1500, colour="grey",
                          category="sweatshirts", sizes_available=["S", "M", "L", "XL", "XXL"]) for i in (1, 2, 3)]
    listed = DialogueState(conversation_id="t", shown=shown, filters=SearchFilters(category="sweatshirts", gender="men"))
    for said, lines in (
        ("the second one, the large is for tom and the small for his brother", [("L", 1, "tom"), ("S", 1, "brother")]),
        ("im a medium and hes an xl, add the first one for both", [("M", 1, "me"), ("XL", 1, "him")]),
        ("priya is the 9 and anil is the 11, the third pair for both", [("9", 1, "priya"), ("11", 1, "anil")]),
        ("the first one, the small for me and the 2 larges for my cousins", [("S", 1, "me"), ("L", 2, "cousins")]),
    ):
        u = understand(said, listed, vocab)
        got = [(x.slots.size, x.slots.quantity, x.slots.for_whom) for x in (u, *u.then)]
        assert u.intent == Intent.add_to_cart and all(x.intent == Intent.add_to_cart for x in u.then), said
        assert got == lines, said
    # two sizes with nobody named are not lines for two people
    assert not understand("the first one in medium, or large if there is none", listed, vocab).then
    asked = understand("bridesmaid dresses, i need a small, a medium and an extra large", fresh(), vocab).slots
    assert (asked.size, asked.also_sizes) == ("S", ["M", "XL"])
    assert understand("a medium or a large is fine", fresh(), vocab).slots.also_sizes is None
    sized = listed.model_copy(update={"filters": listed.filters.model_copy(update={"size": "S", "also_sizes": ["L"]})})
    both = understand("the second one please", sized, vocab)
    assert [(x.slots.reference, x.slots.size) for x in (both, *both.then)] == [("ordinal:2", "S"), ("ordinal:2", "L")]
    owned = listed.model_copy(update={"line_owners": {"1:L": "tom", "1:S": "brother", "1:M": "me"},
                                      "last_line": LineRef(product_id=1, size="M"),
                                      "cart": CartSummary(item_count=3, total_cents=4500, product_ids=[1])})
    moved = understand("tom texted, he needs an extra large now, can you change toms", owned, vocab)
    assert (moved.intent, moved.slots.from_size, moved.slots.size, moved.slots.reference) == (
        Intent.update_cart, "L", "XL", "ordinal:1")
    gone = understand("actually remove mine, just keep the other two", owned, vocab)
    assert (gone.intent, gone.slots.size) == (Intent.remove_from_cart, "M")
    two_carts = listed.model_copy(update={"last_line": LineRef(product_id=2, size="M"),
                                          "cart": CartSummary(item_count=2, total_cents=3000, product_ids=[1, 2])})
    for said, edit, gender, size, count in (
        ("her feet are bigger than she thought, make hers a nine", Intent.update_cart, "women", "9", None),
        ("small is tight on him, change his to a large", Intent.update_cart, "men", "L", None),
        ("make my daughters one 3", Intent.update_cart, "girls", None, 3),
        ("take my dads out, he has plenty", Intent.remove_from_cart, "men", None, None),
    ):
        u = understand(said, two_carts, vocab)
        assert (u.intent, u.slots.gender, u.slots.size, u.slots.quantity) == (edit, gender, size, count), said
    assert understand("change it to a large for his party", two_carts, vocab).slots.gender is None
    more = understand("make his brothers 2 pairs", owned, vocab)
    assert (more.intent, more.slots.from_size, more.slots.quantity) == (Intent.update_cart, "S", 2)


def test_a_position_said_with_thanks_or_another_language_is_a_pick_and_undo(vocab: Vocabulary) -> None:
    shown = [ShownProduct(id=i, name=f"B Women Black Top {i}", brand="B", price_cents=900, colour="black",
                          category="tops", sizes_available=["S", "M"]) for i in (1, 2, 3)]
    listed = DialogueState(conversation_id="t", shown=shown, filters=SearchFilters(category="tops", gender="women"))
    for said in ("the second one cheers", "ok the first one there mate", "second one na, perfect", "the third one ta"):
        assert understand(said, listed, vocab).intent == Intent.add_to_cart, said
    assert understand("vale, la segunda", listed, vocab).slots.reference == "ordinal:2"
    assert understand("haan, teesra wala", listed, vocab).intent == Intent.add_to_cart
    pieces = understand("the second one, take three pieces", listed, vocab).slots
    assert (pieces.size, pieces.quantity) == (None, 3)
    for said in ("is the second one cotton", "the first one but in red", "not the first one", "the third one, more like that"):
        assert understand(said, listed, vocab).intent != Intent.add_to_cart, said
    added = listed.model_copy(update={"last_line": LineRef(product_id=3, size="S"),
                                      "cart": CartSummary(item_count=2, total_cents=1800, product_ids=[1, 3])})
    for said, topic in (("could we pay using a debit card", "payment"), ("paying with visa, is that fine", "payment"),
                        ("how long will a refund take", "returns_policy")):
        asked = understand(said, added, vocab)
        assert (asked.intent, asked.slots.topic) == (Intent.out_of_scope, topic), said
    assert understand("checkout, pay with my card", added, vocab).intent == Intent.checkout
    again = understand("and the same black one in medium for my mum", added, vocab)
    assert (again.intent, again.slots.reference, again.slots.size) == (Intent.add_to_cart, "ordinal:3", "M")
    assert understand("same colour in a skirt", added, vocab).intent == Intent.search
    undo = understand("hmm undo that, wrong top", added, vocab)
    assert (undo.intent, undo.slots.reference, undo.slots.size) == (Intent.remove_from_cart, "ordinal:3", "S")


def test_lines_named_by_size_edits_with_a_search_and_swaps_off_screen(vocab: Vocabulary) -> None:
    shown = [ShownProduct(id=i, name=f"C Men Navy Polo {i}", brand="C", price_cents=1200, colour="navy",
                          category="tshirts", sizes_available=["S", "M", "L", "XL"]) for i in (1, 2, 3)]
    carted = DialogueState(conversation_id="t", shown=shown, filters=SearchFilters(category="tshirts", gender="men"),
                           last_line=LineRef(product_id=1, size="L"), line_owners={"1:L": "him", "1:M": "me"},
                           cart=CartSummary(item_count=5, total_cents=6000, product_ids=[1]))
    for said, from_size, size, change, quantity in (
        ("my cousin can't come now so one fewer medium", "M", None, -1, None),
        ("please take 2 of the larges off", "L", None, -2, None),
        ("swap one of the larges for an extra large, he's grown", "L", "XL", -1, None),
        ("one of those mediums should be a small", "M", "S", -1, None),
        ("ok make it just three mediums", "M", None, None, 3),
    ):
        u = understand(said, carted, vocab)
        got = (u.intent, u.slots.from_size, u.slots.size, u.slots.quantity_change, u.slots.quantity)
        assert got == (Intent.update_cart, from_size, size, change, quantity), said
    assert understand("drop the medium please", carted, vocab).slots.quantity_change is None
    gone = understand("take his out and find me some caps for him instead", carted, vocab)
    assert gone.intent == Intent.remove_from_cart and [u.slots.product_type for u in gone.then] == ["cap"]
    assert not understand("take his out, it was the wrong colour", carted, vocab).then
    off_screen = carted.model_copy(update={"last_line": LineRef(product_id=9, size="M"),
                                           "cart": CartSummary(item_count=1, total_cents=1200, product_ids=[9])})
    for said, picked in (("swap the navy one out for the third one, same size", "ordinal:3"),
                         ("replace the one in my basket with the first one", "ordinal:1")):
        swap = understand(said, off_screen, vocab)
        assert (swap.intent, swap.slots.reference) == (Intent.remove_from_cart, LAST_LINE), said
        assert [(u.intent, u.slots.reference, u.slots.size) for u in swap.then] == [(Intent.add_to_cart, picked, "M")]
    for said in ("put the second one in my trolley", "second wala cart mein daal do"):
        assert (understand(said, carted, vocab).intent, understand(said, carted, vocab).slots.reference) == (
            Intent.add_to_cart, "ordinal:2"), said
    assert understand("is the second one in my cart", carted, vocab).intent == Intent.view_cart
    asked = understand("is the third one for women or men", carted, vocab)
    assert (asked.intent, asked.slots.topic) == (Intent.product_details, "department")
    checking = carted.model_copy(update={"pending": PendingConfirmation(kind="checkout", total_cents=6000, item_count=5)})
    for said in ("sí, adelante", "oui, confirme", "claro que si"):
        assert understand(said, checking, vocab).intent == Intent.confirm, said
    team = understand("green football shirts for my under tens, nothing over 20 dollars", DialogueState(
        conversation_id="t"), vocab).slots
    assert (team.age_group, team.child_age, team.price_max) == ("kids", 9, 2000)
    assert understand("tracksuits for the under 12s", DialogueState(conversation_id="t"), vocab).slots.price_max is None
    spanish = understand("busco un vestido azul para una boda", DialogueState(conversation_id="t"), vocab).slots
    assert (spanish.category, spanish.colour, spanish.occasion, spanish.brand) == ("dresses", "blue", "wedding", None)


def test_going_back_with_a_reason_owned_things_and_who_really_shops(vocab: Vocabulary) -> None:
    navy = [ShownProduct(id=i, name=f"D Men Navy Chinos {i}", brand="D", price_cents=2000, colour="navy",
                         category="trousers", sizes_available=["30", "32", "34"]) for i in (1, 2, 3)]
    khaki = [ShownProduct(id=i, name=f"D Men Khaki Chinos {i}", brand="D", price_cents=2000, colour="khaki",
                          category="trousers", sizes_available=["30", "32"]) for i in (4, 5)]
    browsing = DialogueState(conversation_id="t", shown=navy, filters=SearchFilters(category="trousers", gender="men"),
                             earlier=[ShownList(products=khaki, filters=SearchFilters(category="trousers", gender="men"))])
    for said in ("hmm go back to the earlier lot, the casual ones looked better", "take me back to the ones from before",
                 "ok show me the previous list again"):
        assert understand(said, browsing, vocab).slots.page == "back", said
    assert understand("go back to the previous ones but in grey", browsing, vocab).slots.page is None
    assert understand("go back to those shorts", browsing, vocab).slots.page is None
    assert understand("the khaki ones again, they were nicer", browsing, vocab).slots.price_trend is None
    plain = understand("could i get something less showy, no glitter", browsing, vocab)
    assert plain.intent == Intent.refine and "sequin" in (plain.slots.exclude_words or [])
    assert understand("nothing beige or, or brown", browsing, vocab).slots.exclude_colours == ["beige", "brown"]
    owned = understand("he already has a belt, so back to the chinos", browsing, vocab).slots
    assert (owned.category, owned.product_type) == ("trousers", "chinos")
    for said in ("my girlfriend reckons i need some proper shoes", "my wife says i should get a suit"):
        assert understand(said, DialogueState(conversation_id="t"), vocab).slots.gender == "men", said
    assert understand("my husband wants a watch", DialogueState(conversation_id="t"), vocab).slots.gender == "men"
    assert understand("they both wear a 32", browsing, vocab).slots.reference is None
    assert understand("and jackets in my size", browsing, vocab).intent == Intent.search
    assert understand("my nephew lives for football and his boots are worn out", DialogueState(
        conversation_id="t"), vocab).slots.product_type == "football boots"
    spent = understand("forty bucks, canadian", browsing, vocab).slots
    assert (spent.currency, spent.price_max) == ("CAD", 4000)
    sized = understand("she wears an eight, fifty quid max", browsing, vocab).slots
    assert (sized.size, sized.price_max, sized.currency) == ("8", 5000, "GBP")
    carted = browsing.model_copy(update={"last_line": LineRef(product_id=1, size="32", quantity=2),
                                         "cart": CartSummary(item_count=2, total_cents=4000, product_ids=[1])})
    assert understand("lovely, what do we owe you", carted, vocab).intent == Intent.view_cart
    assert understand("so how much now", carted, vocab).intent == Intent.view_cart
    assert understand("oh go on, double it", carted, vocab).slots.quantity == 4
    moved = understand("actually change one of them to a 34", carted, vocab).slots
    assert (moved.from_size, moved.size, moved.quantity_change) == ("32", "34", -1)
    assert understand("sorry change the size to thirty", carted, vocab).slots.size == "30"
    assert understand("take the 32 out, i'll exchange my old ones", carted, vocab).intent == Intent.remove_from_cart
    pair = understand("the second pair in 30 and the same pair in 34", carted, vocab)
    assert [(u.intent, u.slots.reference, u.slots.size) for u in (pair, *pair.then)] == [
        (Intent.add_to_cart, "ordinal:2", "30"), (Intent.add_to_cart, "ordinal:2", "34")]
    assert understand("two packs of the third one", carted, vocab).slots.quantity == 2
    assert understand("hola, some sandals for the beach please", browsing, vocab).slots.brand is None


def test_things_said_in_passing_styles_brands_and_who_shops(vocab: Vocabulary) -> None:
    fresh_state = fresh()

    def said(text: str) -> Slots:
        return understand(text, fresh_state, vocab).slots

    assert (said("dresses but nothing too fancy").exclude_brands, said("dresses but nothing too fancy").formality) == (
        None, "less")
    assert said("jumpers, nothing fancy").exclude_brands is None
    assert said("no fancy mart stuff").exclude_brands == ["fancy mart"]
    assert said("what should a bloke wear to the office").gender == "men"
    assert said("a fella from my office is leaving, maybe cufflinks").gender == "men"
    assert understand("can you deliver to kenya", fresh_state, vocab).slots.topic == "delivery"
    assert understand("is shipping to canada even possible", fresh_state, vocab).slots.topic == "delivery"
    assert understand("do you take bank transfer", fresh_state, vocab).slots.topic == "payment"
    assert said("i've wrecked all my t-shirts painting the house, i need a hoodie").product_type == "hoodie"
    assert understand("i want to get him a wallet", fresh_state, vocab).intent == Intent.search
    assert said("we have casual fridays at the office now, so chinos").occasion == "casual"
    assert said("going to a festival in june and need shorts").occasion == "casual"
    assert said("a sports bra too. small for that").size == "S"
    assert said("a white shirt to match, also M").size == "M"
    assert (said("tops for my two girls, the younger one's six").gender, said("tops for my two girls, the younger one's six"
                                                                              ).child_age) == ("girls", 6)
    rand = said("a belt under two fifty rand")
    assert (rand.price_max, rand.currency) == (25000, "ZAR")
    assert said("a kurta pyjama for myself, cream").gender == "men"
    assert said("maternity jeans please").style == "maternity"
    assert (said("silver please, she never wears gold").colour, said("silver please, she never wears gold").exclude_colours) == (
        "silver", ["gold"])
    assert said("a watch, nothing digital").exclude_words == ["digital"]
    assert said("levis or gap jeans").brands == ["Levis", "GAP"]
    assert said("actually no. sandals").exclude_words is None
    assert said("pooma trainers").brand == "Puma"
    assert said("dresses please, long ones").product_type == "maxi dress"
    assert said("a bag that fits my laptop").product_type == "laptop bag"
    assert said("lounge pants for my dad").category == "nightwear"
    assert said("meeting my boyfriend's parents, i want a dress").gender == "women"
    assert said("my wife and i are off to a wedding, i need a suit").gender == "men"
    assert said("a laptop bag, not a backpack").name_any == ["laptop", "messenger"]
    assert understand("evening, do you have any zorbs", fresh_state, vocab).intent == Intent.out_of_scope
    shown = [ShownProduct(id=i, name=f"K Men Grey Hoodie {i}", brand="K", price_cents=2000, colour="grey",
                          category="sweaters", sizes_available=["S", "M", "L"]) for i in (1, 2, 3)]
    browsing = DialogueState(conversation_id="t", shown=shown, filters=SearchFilters(
        category="sweaters", brand="GAP", brands=["GAP", "Levis"]))
    assert understand("nah, the other brand", browsing, vocab).slots.brand == "Levis"
    assert understand("the third one, those are cool", browsing, vocab).intent == Intent.add_to_cart
    assert understand("hoodies, the nicer looking kind", browsing, vocab).slots.price_trend is None
    wanted = understand("a grey one, nothing too loud", browsing, vocab).slots
    assert (wanted.colour, wanted.exclude_colours) == ("grey", None)
    carted = browsing.model_copy(update={"last_line": LineRef(product_id=1, size="M", quantity=1),
                                         "cart": CartSummary(item_count=3, total_cents=6000, product_ids=[1, 7])})
    fewer = understand("make his hoodies just one", carted, vocab)
    assert (fewer.intent, fewer.slots.quantity) == (Intent.update_cart, 1)
    assert understand("her gran sent her a whole box of socks, take the kid's one out", carted, vocab
                      ).slots.product_type is None


def test_bodies_plural_sizes_and_things_a_shopper_has_or_takes_along(vocab: Vocabulary) -> None:
    def said(text: str) -> Slots:
        return understand(text, fresh(), vocab).slots

    assert said("her hands are tiny, she wears a five in rings").size == "5"
    shown = [ShownProduct(id=i, name=f"P Men {colour.title()} Boots {i}", brand="P", price_cents=4000, colour=colour,
                          category="shoes", sizes_available=["8", "9", "10"]) for i, colour in ((1, "black"), (2, "brown"))]
    boots = DialogueState(conversation_id="t", shown=shown, filters=SearchFilters(category="shoes", gender="men"))
    assert understand("ok then the nines please", boots, vocab).slots.size == "9"
    assert understand("not the one that says sale on it", boots, vocab).slots.exclude_words == ["sale"]
    assert understand("nah. actually show me the brown ones", boots, vocab).intent != Intent.decline
    carted = boots.model_copy(update={"cart": CartSummary(item_count=3, total_cents=9000, product_ids=[1, 2])})
    fewer = understand("take one of the boots out please", carted, vocab).slots
    assert (fewer.product_type, fewer.quantity_change) == ("boots", -1)
    assert understand("pop it in, i'll pay after work", carted, vocab).intent == Intent.add_to_cart
    asked = carted.model_copy(update={"pending": PendingConfirmation(kind="checkout", total_cents=9000, item_count=3)})
    assert understand("aye go ahead", asked, vocab).intent == Intent.confirm
    assert said("shades, aviators ideally").style == "aviator"
    squares = said("a tie, maybe red, or no wait, the shirt's white, navy then")
    assert (squares.product_type, squares.colour) == ("tie", "navy")
    assert said("i'm bringing my girlfriend to a gig, i need a jacket").gender == "men"  # she comes along: he shops
    assert said("my sister's haldi is next month, i need an outfit").product_type == "ethnic wear"
    assert said("it's her hen next month, the girls want matching t-shirts").gender == "women"
    assert said("my husband's office party is black tie, do you sell tuxedos").product_type == "suit"


def test_where_the_shopper_is_how_many_is_enough_and_questions_about_the_shop(vocab: Vocabulary) -> None:
    fresh = DialogueState(conversation_id="t")
    assert understand("hola, a belt for my husband under 400 pesos", fresh, vocab).slots.currency == "MXN"
    assert understand("hola, a belt for my husband", fresh, vocab).slots.home_currency == "MXN"
    in_mexico = fresh.model_copy(update={"home_currency": "MXN"})
    assert understand("a scarf under 300 pesos", in_mexico, vocab).slots.currency == "MXN"
    assert understand("a scarf under 300 pesos", fresh, vocab).slots.currency == "PHP"
    assert understand("a scarf for my wife, we live in lahore, under 900 rupees", fresh, vocab).slots.currency == "PKR"
    shown = [ShownProduct(id=i, name=f"Shirt {i}", brand="B", price_cents=1000, category="shirts") for i in (1, 2, 3)]
    listed = DialogueState(conversation_id="t", shown=shown, filters=SearchFilters(category="shirts", colour="blue"))
    other = understand("out of interest, which other colours do you have", listed, vocab)
    assert (other.intent, other.slots.clear, other.slots.exclude_colours) == (Intent.refine, ["colour"], ["blue"])
    both = understand("the second one in small and large", listed, vocab)
    assert [(u.slots.reference, u.slots.size) for u in (both, *both.then)] == [("ordinal:2", "S"), ("ordinal:2", "L")]
    added = listed.model_copy(update={"last_line": LineRef(product_id=2, size="M", quantity=4),
                                      "cart": CartSummary(item_count=4, total_cents=4000, product_ids=[2])})
    enough = understand("ok three is plenty", added, vocab)
    assert (enough.intent, enough.slots.quantity) == (Intent.update_cart, 3)
    assert understand("remind me what size we went for", added, vocab).intent == Intent.view_cart
    for said, topic in (("what's the difference between skinny fit and straight fit", "fits"),
                        ("will there be customs charges in norway", "customs")):
        asked = understand(said, listed, vocab)
        assert (asked.intent, asked.slots.topic) == (Intent.out_of_scope, topic), said
    assert understand("heavy duty work boots", fresh, vocab).slots.topic is None
    assert understand("my cousin just had a baby boy, anything cute", fresh, vocab).slots.gender == "boys"
    assert understand("swim shorts for the pool", fresh, vocab).intent == Intent.out_of_scope
    assert understand("and for me a kurta set with palazzos", fresh, vocab).slots.gender == "women"
    paying = added.model_copy(update={"focus_id": 2})
    assert understand("lovely, so now please order it", paying, vocab).intent == Intent.checkout
    rejected = understand("hmm not that one, he'd never wear it, show me what else you've got",
                          listed.model_copy(update={"focus_id": 1}), vocab)
    assert (rejected.intent, rejected.slots.reference) == (Intent.more_results, None)
    both = understand("i'll have the third one. and for my dad, he'd like a belt as well", listed, vocab)
    assert (both.intent, [u.slots.product_type for u in both.then]) == (Intent.add_to_cart, ["belt"])


def test_who_shops_in_a_wedding_party_a_worn_out_pair_cart_lines_by_word_and_colours_taken_back(vocab: Vocabulary) -> None:
    fresh = DialogueState(conversation_id="t")
    assert understand("all of us bridesmaids are in lilac, i need a dress", fresh, vocab).slots.gender == "women"
    assert understand("kurtas for my two groomsmen please", fresh, vocab).slots.gender == "men"
    assert understand("shoes for the boy, he's a grown man now", fresh, vocab).slots.gender == "men"
    worn = understand("my suede boots are falling apart, i need trainers", fresh, vocab).slots
    assert (worn.product_type, worn.material) == ("sneakers", None)
    assert understand("something for my feet that copes with rain", fresh, vocab).slots.product_type == "footwear"
    singlish = understand("got black belts or not, under forty sing dollar", fresh, vocab).slots
    assert (singlish.colour, singlish.price_max, singlish.currency) == ("black", 4000, "SGD")
    assert understand("under 25 dollar, aussie dollars", fresh, vocab).slots.currency == "AUD"
    taken_back = understand("a hoodie, green, no, orange, he's sick of green", fresh, vocab).slots
    assert (taken_back.colours, taken_back.exclude_colours) == (["orange"], None)
    assert understand("i've taken up tennis, need white shorts", fresh, vocab).intent == Intent.search
    first = understand("a blazer and a tie for my brother, let's begin with the tie", fresh, vocab)
    assert (first.slots.product_type, first.then) == ("tie", [])
    for said, topic in (("are you open on bank holidays", "hours"), ("what's the refund window", "returns_policy"),
                        ("how quick can you get it to leeds", "delivery")):
        asked = understand(said, fresh, vocab)
        assert (asked.intent, asked.slots.topic) == (Intent.out_of_scope, topic), said
    shown = [ShownProduct(id=i, name=name, brand=name.split()[0], price_cents=2000, colour=colour, category="sweaters")
             for i, (name, colour) in enumerate((("Roadster Grey Striped Hooded Sweatshirt", "grey"),
                                                 ("Roadster Grey Solid Sweatshirt", "grey"),
                                                 ("HRX Navy Solid Sweater", "navy")), 1)]
    listed = DialogueState(conversation_id="t", shown=shown, filters=SearchFilters(category="sweaters"))
    assert understand("chuck in the second ones", listed, vocab).slots.reference == "ordinal:2"
    picked = understand("i'll take the striped hooded one", listed, vocab)
    assert (picked.intent, picked.slots.reference) == (Intent.add_to_cart, "ordinal:1")
    asked = understand("does the navy one come in an xl", listed, vocab)
    assert (asked.intent, asked.slots.size) == (Intent.product_details, "XL")
    assert understand("wah, got cheaper one or not", listed, vocab).slots.price_trend == "cheaper"
    jackets = listed.model_copy(update={"filters": SearchFilters(category="jackets")})
    assert understand("do you have a longer one", jackets, vocab).slots.product_type == "longline jacket"
    people = understand("the first one, one in medium and one in large, for my son and me", listed, vocab)
    assert [(u.slots.size, u.slots.for_whom) for u in (people, *people.then)] == [("M", "son"), ("L", "me")]
    added = listed.model_copy(update={"last_line": LineRef(product_id=3, size="S", quantity=1), "last_intent": "add_to_cart",
                                      "cart": CartSummary(item_count=2, total_cents=4000, product_ids=[1, 3])})
    bigger = understand("she's at the bottom of a small, go medium", added, vocab)
    assert (bigger.intent, bigger.slots.size) == (Intent.update_cart, "M")
    two = understand("make the navy one two", added, vocab)
    assert (two.intent, two.slots.reference, two.slots.quantity) == (Intent.update_cart, "colour:navy", 2)
    by_size = understand("make the small 3", added, vocab)
    assert (by_size.slots.from_size, by_size.slots.quantity) == ("S", 3)
    resized = understand("no, the sweaters in large", added, vocab)
    assert (resized.intent, resized.slots.product_type, resized.slots.size) == (Intent.update_cart, "sweater", "L")
    only_sweater = added.model_copy(update={"cart": CartSummary(item_count=1, total_cents=2000, product_ids=[3])})
    hoodie = understand("no worries, a hoodie then, large", only_sweater, vocab)
    assert hoodie.intent in (Intent.search, Intent.refine)  # the cart holds no hoodie to resize
    for said in ("so how much total we have to pay", "what've we got in the basket"):
        assert understand(said, added, vocab).intent == Intent.view_cart, said
    for said in ("right, cheque out now", "great, ring it up", "lovely, put it through"):
        assert understand(said, added, vocab).intent == Intent.checkout, said


def test_who_shops_by_how_they_talk_details_ruled_out_and_lines_named_by_colour(vocab: Vocabulary) -> None:
    fresh = DialogueState(conversation_id="t")
    assert understand("cheers bro, need some joggers for the gym", fresh, vocab).slots.gender == "men"
    assert understand("got anything warm to go over my saree", fresh, vocab).slots.gender == "women"
    assert understand("lovely, cheers mate, bye for now", fresh, vocab).intent == Intent.goodbye  # no search, no department
    assert understand("a kurta for my nikah, for me", fresh, vocab).slots.gender == "men"
    assert understand("plain kurtas for work, cotton", fresh, vocab).slots.gender == "women"
    assert understand("a kurta for the office diwali do", fresh, vocab).slots.gender is None  # both said: no guess
    assert understand("me and a few buddies are off camping, i need a fleece", fresh, vocab).slots.gender == "men"
    assert understand("we girls from the choir all need black tops", fresh, vocab).slots.gender == "women"
    assert understand("trainers for my brother's little girl", fresh, vocab).slots.gender == "girls"
    assert understand("papa ke liye ek shirt", fresh, vocab).slots.gender == "men"
    assert understand("walking boots for an elderly gent", fresh, vocab).slots.gender == "men"
    assert understand("i'm off on a cruise with my wife, i need linen shirts", fresh, vocab).slots.gender != "women"
    disliked = understand("green and orange i don't want, i'm not really into the beige ones either", fresh, vocab).slots
    assert disliked.exclude_colours == ["green", "orange", "beige"]
    details = understand("dresses, no checks stripes or florals, no v necks, nothing double breasted", fresh, vocab).slots
    assert set(details.exclude_words or []) >= {"check", "stripe", "floral", "v-neck", "double-breasted"}
    assert understand("bras please, no padding, not even lightly padded", fresh, vocab).slots.product_type == "bra"
    assert understand("jeans for my son, he's so done with skinny", fresh, vocab).slots.exclude_words == ["skinny"]
    assert understand("do you have any bucket hats", fresh, vocab).intent == Intent.out_of_scope
    layer = understand("and something to put on top, it gets chilly at night", fresh, vocab).slots
    assert layer.product_type == "warm layer"
    ranged = understand("something between two fifty and three fifty", fresh, vocab).slots
    assert (ranged.price_min, ranged.price_max) == (25000, 35000)
    assert understand("nicer ones, maybe forty to sixty", fresh, vocab).slots.price_max == 6000
    assert understand("i've got about a ton to spend on boots", fresh, vocab).slots.price_max == 10000
    shown = [ShownProduct(id=i, name=name, brand=name.split()[0], price_cents=2000, colour=colour, category="shoes",
                          sizes_available=["8", "9", "10", "S", "M"])
             for i, (name, colour) in enumerate((("Puma Men Grey Runners", "grey"), ("GAP Men Grey Runners", "grey"),
                                                 ("Nike Men Grey Runners", "grey")), 1)]
    listed = DialogueState(conversation_id="t", shown=shown, filters=SearchFilters(category="shoes", gender="men",
                                                                                    price_max_cents=8000))
    assert understand("these are the men's ones, i need women's", listed, vocab).slots.gender == "women"
    assert understand("what's there for like half that", listed, vocab).slots.price_max == 4000
    assert understand("how about the smallest size those come in", listed, vocab).intent == Intent.product_details
    two = understand("the third one in small and another of it in medium", listed, vocab)
    assert [(u.slots.reference, u.slots.size) for u in (two, *two.then)] == [("ordinal:3", "S"), ("ordinal:3", "M")]
    assert understand("hmm, i'm a nine or a ten, let's do ten", listed, vocab).slots.size == "10"
    assert understand("he's usually a small but go up one, so medium, the first", listed, vocab).slots.size == "M"
    added = listed.model_copy(update={"last_line": LineRef(product_id=1, size="9", quantity=1), "last_intent": "add_to_cart",
                                      "cart": CartSummary(item_count=1, total_cents=2000, product_ids=[1])})
    also = understand("and the gap one as well, also a ten", added, vocab)
    assert (also.intent, also.slots.reference, also.slots.size) == (Intent.add_to_cart, "brand:GAP", "10")
    bigger = understand("no, size ten, these always come up small", added, vocab)
    assert (bigger.intent, bigger.slots.size) == (Intent.update_cart, "10")
    assert understand("so how much am i spending", added, vocab).intent == Intent.view_cart
    assert understand("right, let's check out, what's the damage", added, vocab).intent == Intent.checkout
    assert understand("will that still fit in my budget", added, vocab).intent == Intent.view_cart
    black = [ShownProduct(id=i, name=f"Roadster Men Black Runners {i}", brand="Roadster", price_cents=2000, colour="black",
                          category="shoes", sizes_available=["9", "10"]) for i in (4, 5)]
    moved_on = added.model_copy(update={"shown": black, "earlier": [ShownList(products=shown)]})
    resized = understand("hmm, the grey pair in a ten actually", moved_on, vocab)  # the grey ones are off screen
    assert (resized.intent, resized.slots.reference, resized.slots.size) == (Intent.update_cart, "colour:grey", "10")


def test_needs_said_for_kinds_a_colour_for_the_whole_list_and_paying_said_plainly(vocab: Vocabulary) -> None:
    fresh = DialogueState(conversation_id="t")
    assert understand("it's bucketing down all week here, i need something that'll keep me dry", fresh,
                      vocab).slots.product_type == "jacket"
    assert understand("the glare off the lake gives me a headache, something for my eyes", fresh,
                      vocab).slots.product_type == "sunglasses"
    assert understand("the cold wind on the bike gets right into my neck, something to wrap round my neck", fresh,
                      vocab).slots.product_type == "scarf"
    cold = understand("my nephew is going to freeze in ottawa, he's eight", fresh, vocab).slots
    assert (cold.product_type, cold.gender) == ("warm layer", "boys")
    assert understand("my sister lives in whistler and needs boots", fresh, vocab).slots.brand is None  # a place
    assert understand("she's got nothing to wear to the beach party, something light", fresh, vocab).slots.product_type == "outfit"
    assert understand("the office christmas party is friday, what would you suggest", fresh, vocab).slots.occasion == "party"
    assert understand("it cannae be ower fifty quid", fresh, vocab).slots.price_max == 5000
    assert understand("dun want anything red", fresh, vocab).slots.exclude_colours == ["red"]
    assert understand("blazers for work, am a guy", fresh, vocab).slots.gender == "men"
    assert understand("blouses, green... no, just cream", fresh, vocab).slots.colours == ["cream"]
    assert understand("a bright one, i'd look like a bin bag in grey", fresh, vocab).slots.category != "bags"
    tees = [ShownProduct(id=i, name=name, brand="Roadster", price_cents=900 + i, colour=colour, category="tshirts")
            for i, (name, colour) in enumerate((("Roadster Boys Grey Tee", "grey"), ("Roadster Boys Red Tee", "red"),
                                                ("Roadster Boys Grey Polo", "grey")), 1)]
    listed = DialogueState(conversation_id="t", shown=tees, filters=SearchFilters(category="tshirts", gender="boys"))
    narrowed = understand("ooh the grey ones please", listed, vocab)
    assert (narrowed.intent, narrowed.slots.colour, narrowed.slots.reference) == (Intent.refine, "grey", None)
    cheaper = understand("the cheaper ones then", listed, vocab)
    assert (cheaper.intent, cheaper.slots.price_trend) == (Intent.refine, "cheaper")
    assert understand("hoodies would do, umbrellas are useless in this wind", listed, vocab).intent != Intent.out_of_scope
    three = understand("add the first, second and third, in medium", listed, vocab)
    assert (three.intent, three.slots.reference) == (Intent.add_to_cart, "ordinal:1,2,3")
    assert understand("the second one's fine, thanks", listed, vocab).intent == Intent.add_to_cart
    sneakers = [ShownProduct(id=7, name="Puma Men Black Sneakers", brand="Puma", price_cents=3000, colour="black",
                             category="shoes"),
                ShownProduct(id=8, name="Puma Men White Sneakers", brand="Puma", price_cents=3000, colour="white",
                             category="shoes")]
    pairs = DialogueState(conversation_id="t", shown=sneakers, filters=SearchFilters(category="shoes", gender="men"))
    assert understand("the black ones", pairs, vocab).slots.reference == "colour:black"  # one pair is black: that pair
    for_him = DialogueState(conversation_id="t", shown=tees, filters=SearchFilters(category="tshirts", gender="boys"))
    assert understand("no red, his dad's always saying he looks like a tomato", for_him, vocab).slots.gender is None
    carted = listed.model_copy(update={"cart": CartSummary(item_count=1, total_cents=901, product_ids=[1]),
                                       "last_line": LineRef(product_id=1, size="32", quantity=1),
                                       "last_intent": "update_cart"})
    assert understand("ok confirm the order", carted, vocab).intent == Intent.checkout  # the total, then a yes
    assert understand("so how much is total coming", carted, vocab).intent == Intent.view_cart
    assert understand("clear the whole lot, i'll come back", carted, vocab).intent == Intent.clear_cart
    back = understand("hmm no, go back to the thirty four", carted, vocab)
    assert (back.intent, back.slots.size) == (Intent.update_cart, "34")
    taken_out = carted.model_copy(update={"cart": CartSummary(), "last_intent": "remove_from_cart"})
    again = understand("on second thoughts put it back", taken_out, vocab)
    assert (again.intent, again.slots.reference, again.slots.size) == (Intent.add_to_cart, "ordinal:1", "32")


def test_kinds_worn_colours_decided_and_lines_resized_as_said(vocab: Vocabulary) -> None:
    fresh = DialogueState(conversation_id="t")
    assert understand("i need a bit of colour, i can't turn up in black or grey", fresh, vocab).slots.exclude_colours == [
        "black", "grey"]
    assert understand("green on it cannot, bad luck for my auntie", fresh, vocab).slots.exclude_colours == ["green"]
    assert understand("a beige or a navy one... ok let's see navy ones", fresh, vocab).slots.colours == ["navy"]
    assert understand("she has a christening to go to and needs something sweet to wear, she's four", fresh,
                      vocab).slots.product_type == "outfit"
    assert understand("a big punjabi wedding in april, i need an outfit, for me, men's", fresh,
                      vocab).slots.product_type == "ethnic wear"
    owned = understand("i've got way too much navy stuff, show me the red ones", fresh, vocab).slots
    assert (owned.exclude_colours, owned.price_trend) == (["navy"], None)
    polos = [ShownProduct(id=i, name=f"Levis Men Brown Polo T-shirt {i}", brand="Levis", price_cents=1500 + i,
                          colour="brown", category="tshirts", sizes_available=["S", "M", "L", "XL"]) for i in (1, 2, 3)]
    listed = DialogueState(conversation_id="t", shown=polos, filters=SearchFilters(category="tshirts", gender="men"))
    assert understand("tan ones, he only ever wears tan boots", listed, vocab).slots.category in (None, "tshirts")
    assert understand("black please, it goes with all her skirts", listed, vocab).slots.category in (None, "tshirts")
    chosen = understand("right, i'll go with the wallets then", listed, vocab).slots
    assert chosen.product_type == "wallet"
    asked = understand("is the second one real cotton or a blend", listed, vocab)
    assert (asked.intent, asked.slots.reference) == (Intent.product_details, "ordinal:2")
    carted = listed.model_copy(update={"cart": CartSummary(item_count=2, total_cents=3002, product_ids=[2]),
                                       "last_line": LineRef(product_id=2, size="M", quantity=2), "last_intent": "update_cart"})
    assert understand("ugh she changed her mind, change back to one", carted, vocab).slots.quantity == 1
    for said, size in (("hmm she says medium is snug, change it to extra large", "XL"), ("bump it up to a large", "L"),
                       ("his mum says just go large", "L"), ("actually go up one", "L")):
        resized = understand(said, carted, vocab)
        assert (resized.intent, resized.slots.size) == (Intent.update_cart, size), said
    swapped = understand("swap the one i added for the third one, same size", carted, vocab)
    assert [u.intent for u in (swapped, *swapped.then)] == [Intent.remove_from_cart, Intent.add_to_cart]


def test_a_story_told_first_and_a_word_taken_back_leave_only_the_ask(vocab: Vocabulary) -> None:
    fresh = DialogueState(conversation_id="t")
    told = understand("so at my brother's do last spring i wore my dad's old suit and it had to be taken in, what a "
                      "nightmare, so this time i want a blazer of my own", fresh, vocab)
    assert (told.intent, told.slots.product_type, told.slots.topic) == (Intent.search, "blazer", None)
    assert understand("we tried four shops on saturday and she still has no shoes, so now we need sandals", fresh,
                      vocab).slots.size is None  # "took us four shops" is no US size either
    assert understand("it took us 4 shops, we need sandals", fresh, vocab).slots.size is None
    assert understand("the sole came off my old pair on the way home, i need trainers", fresh, vocab).slots.brand is None
    slimmer = understand("i lost about nine kilos over the summer, so new jeans for me", fresh, vocab).slots
    assert (slimmer.measurements, slimmer.product_type) == (None, "jeans")
    assert understand("i gained 15 kilos and now weigh 82 kg", fresh, vocab).slots.measurements == {"weight_kg": 82.0}
    assert understand("i'd look in the girls section but actually womens fits her now, a raincoat", fresh,
                      vocab).slots.gender == "women"
    assert understand("my grandson is fourteen and wears a men's medium, a jacket", fresh, vocab).slots.gender == "men"
    assert understand("my mum wants green but i'm paying, so grey", fresh, vocab).slots.colours == ["grey"]
    assert understand("he thinks brown is dull", fresh, vocab).slots.exclude_colours == ["brown"]
    assert understand("shirts, his sister says grey makes him look ill", fresh, vocab).slots.exclude_colours == ["grey"]
    assert understand("she says no one wears skinny ones these days", fresh, vocab).slots.exclude_words == ["skinny"]
    assert understand("just the kurta please, not a whole set", fresh, vocab).slots.product_type == "kurta"
    assert understand("a new purse for me, well a wallet really", fresh, vocab).slots.product_type == "wallet"
    assert understand("one of those biker jackets", fresh, vocab).slots.name_any == ["biker"]
    assert understand("black court shoes for the christening", fresh, vocab).slots.product_type == "heels"
    assert understand("canvas plimsolls for the allotment", fresh, vocab).slots.product_type == "sneakers"
    assert understand("walking sandals, not those flip flop things", fresh, vocab).slots.exclude_words == [
        "flip-flop", "flip flop"]
    assert understand("pink is a bit full on, maybe lilac", fresh, vocab).slots.exclude_colours == ["pink"]
    assert understand("navy always fades on me, grey then", fresh, vocab).slots.exclude_colours == ["navy"]
    assert understand("ok let's square up", fresh, vocab).intent == Intent.checkout
    whose = understand("right, back to grandad's jumpers", fresh, vocab).slots
    assert (whose.gender, whose.product_type) == ("men", "sweater")
    shown = [ShownProduct(id=i, name=f"Roadster Men Blue Jacket {i}", brand="Roadster", price_cents=2000 + i,
                          colour="blue", category="jackets") for i in (1, 2, 3)]
    listed = DialogueState(conversation_id="t", shown=shown, filters=SearchFilters(category="jackets", gender="men"))
    for more in ("nope, next", "mm. others?", "could you show me a couple of others"):
        assert understand(more, listed, vocab).intent == Intent.more_results, more
    assert understand("can we get it under thirty quid", listed, vocab).intent == Intent.refine
    assert understand("hang on, before we decide, anything cheaper?", listed, vocab).intent == Intent.refine
    budget = listed.model_copy(update={"filters": SearchFilters(category="jackets", price_max_cents=8000),
                                       "last_intent": "refine"})
    again = understand("hmm, make that sixty, money's tight", budget, vocab)
    assert (again.intent, again.slots.price_max) == (Intent.refine, 6000)
    first = understand("oh wait, my mum's birthday is first, show me scarves for her", listed, vocab)
    assert (first.intent, first.slots.reference, first.slots.product_type) == (Intent.search, None, "scarf")
    look = understand("grey ones, i want that minimal look", listed, vocab)
    assert (look.intent, look.slots.colours, look.slots.reference) == (Intent.refine, ["grey"], None)
    two = understand("i'll have the first one in small and the third in medium, my size is a mess since the holidays",
                     listed, vocab)
    assert [(u.intent, u.slots.reference, u.slots.size) for u in (two, *two.then)] == [
        (Intent.add_to_cart, "ordinal:1", "S"), (Intent.add_to_cart, "ordinal:3", "M")]
    pairs = understand("the third pair please, one pair in a 7 and one pair in 8", listed, vocab)
    assert [(u.slots.reference, u.slots.size) for u in (pairs, *pairs.then)] == [("ordinal:3", "7"), ("ordinal:3", "8")]
    paying = listed.model_copy(update={"pending": PendingConfirmation(kind="checkout")})
    for wait in ("yeah nah, leave it for now", "yes, no, hold off a sec", "ok i'll come back later"):
        assert understand(wait, paying, vocab).intent == Intent.decline, wait
    assert understand("yep go ahead", paying, vocab).intent == Intent.confirm


def test_a_later_errand_a_loose_colour_a_department_taken_back_and_who_goes_first(vocab: Vocabulary) -> None:
    fresh = DialogueState(conversation_id="t")
    later = understand("gym shorts for myself, and i've a gift to find for my dad but that can wait", fresh, vocab)
    assert (later.slots.product_type, later.slots.gender) == ("shorts", None)  # dad is for later
    assert understand("a greenish scarf", fresh, vocab).slots.colours == ["green"]
    assert understand("not for her, for me, a gents watch", fresh, vocab).slots.gender == "men"
    assert understand("gloves for my nan and grandad, let's do grandad first", fresh, vocab).slots.gender == "men"
    assert understand("a gift for my daughter's piano teacher, she's retiring", fresh, vocab).slots.gender == "women"
    assert understand("he's five foot ten and skinny", fresh, vocab).slots.child_age is None
    pastel = understand("tops in pastel shades", fresh, vocab).slots
    assert (pastel.product_type, pastel.category) == ("top", "tops")  # colours, not sunglasses
    assert understand("lilac or pink shades", fresh, vocab).slots.product_type is None
    assert understand("some shades for the beach", fresh, vocab).slots.product_type == "sunglasses"
    sandals = [ShownProduct(id=i, name=f"Bata Women Sandals {i}", brand="Bata", price_cents=1500, colour="tan",
                            category="sandals") for i in (1, 2, 3)]
    asked = DialogueState(conversation_id="t", shown=sandals, focus_id=2, last_intent=Intent.product_details.value,
                          filters=SearchFilters(category="sandals", gender="women"))
    nine = understand("lovely, a nine then", asked, vocab)
    assert (nine.intent, nine.slots.size) == (Intent.add_to_cart, "9")  # the sizes were just asked about
    added = asked.model_copy(update={"last_intent": Intent.add_to_cart.value, "last_line": LineRef(product_id=2, size="9"),
                                     "cart": CartSummary(item_count=1, total_cents=1500, product_ids=[2])})
    bigger = understand("could i have it in a ten instead", added, vocab)
    assert (bigger.intent, bigger.slots.size) == (Intent.update_cart, "10")
    resized = understand("oh no, she's an eight, sorry, change it to eight", added, vocab)
    assert (resized.intent, resized.slots.size) == (Intent.update_cart, "8")
    assert understand("the third one can, put in basket", asked, vocab).intent == Intent.add_to_cart
    assert understand("he's not into bright colours", asked, vocab).slots.shade == "muted"
    assert understand("and none of that studded look please", asked, vocab).intent == Intent.refine


def test_a_cart_line_named_by_kind_a_swap_for_a_pick_and_colours_ruled_out_by_taste(vocab: Vocabulary) -> None:
    hoodies = [ShownProduct(id=i, name=f"Roadster Women Grey Hoodie {i}", brand="Roadster", price_cents=1500,
                            colour="grey", category="sweaters") for i in (1, 2, 3)]
    in_cart = DialogueState(conversation_id="t", shown=hoodies, focus_id=1, last_intent=Intent.add_to_cart.value,
                            last_line=LineRef(product_id=1, size="M"), filters=SearchFilters(category="sweaters"),
                            cart=CartSummary(item_count=3, total_cents=4500, product_ids=[1]))
    baggier = understand("hmm could you make the hoodie an xl instead, i like them loose", in_cart, vocab)
    assert (baggier.intent, baggier.slots.product_type, baggier.slots.size) == (Intent.update_cart, "hoodie", "XL")
    fewer = understand("honestly 2 hoodies will be enough", in_cart, vocab)
    assert (fewer.intent, fewer.slots.product_type, fewer.slots.quantity) == (Intent.update_cart, "hoodie", 2)
    only = understand("nah just one hoodie", in_cart, vocab)
    assert (only.intent, only.slots.quantity) == (Intent.update_cart, 1)
    assert understand("just one pair of jeans please", in_cart, vocab).intent in (Intent.search, Intent.refine)  # no jeans in the cart
    swap = understand("no wait, swap that hoodie for the third one, same size", in_cart, vocab)
    assert [(u.intent, u.slots.reference, u.slots.size) for u in (swap, *swap.then)] == [
        (Intent.remove_from_cart, "ordinal:1", None), (Intent.add_to_cart, "ordinal:3", "M")]
    assert understand("has the second one got a small", in_cart, vocab).intent == Intent.product_details
    assert understand("leave the hoodie out, she has enough", in_cart, vocab).intent == Intent.remove_from_cart
    for wait in ("leave it for now", "i won't pay just yet"):
        assert understand(wait, in_cart, vocab).intent == Intent.decline, wait
    assert understand("what do i have in the cart at the moment", in_cart, vocab).intent == Intent.view_cart
    fresh = DialogueState(conversation_id="t")
    assert understand("gold ones, silver looks so dull on her", fresh, vocab).slots.exclude_colours == ["silver"]
    assert understand("he flat out refuses to wear pink", fresh, vocab).slots.exclude_colours == ["pink"]
    assert understand("nothing beige, i've got far too much beige", fresh, vocab).slots.price_trend is None
    assert understand("a scarf, it's just red we're tired of", fresh, vocab).slots.exclude_colours == ["red"]
    assert understand("yesss", fresh.model_copy(update={"pending": PendingConfirmation(kind="checkout")}),
                      vocab).intent == Intent.confirm
    knit = understand("a jumper or a cardigan for my aunt", fresh, vocab).slots
    assert (knit.category, knit.name_any, knit.name_prefer) == ("sweaters", None, "cardigan")  # any, cardigans first
    assert understand("slip on shoes for my grandad", fresh, vocab).slots.product_type == "slip-ons"
    proper = understand("brown shoes, proper ones, not trainers", fresh, vocab).slots
    assert {"sneaker", "running"} <= set(proper.exclude_words or ())
    assert "running" not in (understand("running shoes but no sneakers", fresh, vocab).slots.exclude_words or ())
    assert understand("a warm coat for myself, a gentleman of eighty", fresh, vocab).slots.gender == "men"
    assert understand("her brother is ten and needs a shirt too", fresh, vocab).slots.gender == "boys"
    girls = DialogueState(conversation_id="t", filters=SearchFilters(category="dresses", gender="girls"))
    assert understand("yellow would be nice, to match with her dad", girls, vocab).slots.gender != "men"
    assert understand("a backpack that fits my laptop", fresh, vocab).intent != Intent.out_of_scope
    assert understand("what's in me basket", in_cart, vocab).intent == Intent.view_cart  # Irish "me"
    assert understand("one more, same", in_cart, vocab).intent == Intent.add_to_cart
    moved_on = understand("she's got a watch already, what about earrings", fresh, vocab).slots
    assert moved_on.product_type == "earrings"
    better = understand("heels kill me by midnight, flats would be better", fresh, vocab).slots
    assert better.product_type == "flats"
    owner = understand("and for me too, one kurta, men's, in white", fresh, vocab)
    assert (owner.intent, owner.slots.gender, owner.slots.product_type, owner.then) == (Intent.search, "men", "kurta", [])


def test_size_fixes_said_as_a_person_a_pick_said_for_whom_and_words_from_many_englishes(vocab: Vocabulary) -> None:
    shoes = [ShownProduct(id=i, name=f"Puma Men Black Sneakers {i}", brand="Puma", price_cents=3000, colour="black",
                          category="shoes") for i in (1, 2, 3)]
    just_added = DialogueState(conversation_id="t", shown=shoes, focus_id=1, last_intent=Intent.add_to_cart.value,
                               last_line=LineRef(product_id=1, size="10"), filters=SearchFilters(category="shoes"),
                               cart=CartSummary(item_count=1, total_cents=3000, product_ids=[1]))
    for fix in ("hang on, he's an eleven actually", "argh sorry, i meant an 11", "no, just do an eleven"):
        u = understand(fix, just_added, vocab)
        assert (u.intent, u.slots.size) == (Intent.update_cart, "11"), fix
    assert understand("size 9.5 no sorry 9", just_added, vocab).slots.size == "9"  # not "9.9"
    jeans = just_added.model_copy(update={"last_line": LineRef(product_id=1, size="30")})
    waist = understand("oh i meant 32, i always mix those up", jeans, vocab)
    assert (waist.intent, waist.slots.size) == (Intent.update_cart, "32")
    twice = understand("my brother wants the very same pair, so three in total", just_added, vocab)
    assert (twice.intent, twice.slots.quantity) == (Intent.update_cart, 3)
    picked = understand("the second one, that one is for my brother in law", just_added, vocab)
    assert (picked.intent, picked.slots.reference) == (Intent.add_to_cart, "ordinal:2")
    roomy = understand("make it an xl, i want room for a hoodie underneath", just_added, vocab)
    assert (roomy.intent, roomy.slots.size, roomy.slots.product_type) == (Intent.update_cart, "XL", None)
    fresh = DialogueState(conversation_id="t")
    wee = understand("ah want a warm coat for ma wee lassie, she's four", fresh, vocab).slots
    assert (wee.gender, wee.category) == ("girls", "jackets")
    assert understand("any rubber shoes for my nephew", fresh, vocab).slots.product_type == "sneakers"
    assert understand("trackie dacks for me mate", fresh, vocab).slots.product_type == "track pants"
    assert understand("what have i got in me trolley so far", just_added, vocab).intent == Intent.view_cart
    assert understand("no white, she spills everything on white", fresh, vocab).slots.exclude_colours == ["white"]
    assert understand("tees for my son, white shows every stain", fresh, vocab).slots.exclude_colours == ["white"]
    assert "batman" in (understand("something more classic please", fresh, vocab).slots.exclude_words or ())
    assert understand("a bag for the office, one that fits his laptop", fresh, vocab).slots.product_type == "laptop bag"
    assert understand("a few work shirts for my husband", fresh, vocab).slots.occasion == "office"
    ties = DialogueState(conversation_id="t", shown=shoes, filters=SearchFilters(category="accessories"))
    taste = understand("grey ones? he's a grey suit grey shirt kind of guy", ties, vocab).slots
    assert (taste.product_type, taste.colour) == (None, "grey")  # his taste, not suits or shirts asked for
    skinny = DialogueState(conversation_id="t", shown=shoes, filters=SearchFilters(category="jeans"))
    assert "ripped" in (understand("not those ripped ones", skinny, vocab).slots.exclude_words or ())
    assert understand("she'd like something nice and long", skinny.model_copy(update={
        "filters": SearchFilters(category="dresses")}), vocab).slots.name_any == ["maxi"]
    heels = DialogueState(conversation_id="t", shown=shoes, filters=SearchFilters(category="sandals", gender="women"))
    gold = understand("gold please, her gown is ivory", heels, vocab).slots
    assert (gold.colour, gold.category) == ("gold", None)  # the gown is hers, not asked for
    bags = understand("a bag for my mum, hers is far too heavy", fresh, vocab).slots
    assert {"backpack", "duffel"} <= set(bags.exclude_words or ())


def test_sizes_in_a_list_a_kind_for_another_child_and_a_child_said_by_place_in_the_family(vocab: Vocabulary) -> None:
    tees = [ShownProduct(id=i, name=f"Gini and Jony Boys Blue T-shirt {i}", brand="Gini and Jony", price_cents=900,
                         colour="blue", category="tshirts") for i in (1, 2, 3)]
    listed = DialogueState(conversation_id="t", shown=tees, filters=SearchFilters(category="tshirts", gender="boys"))
    three = understand("the second one, in small, medium and extra large please", listed, vocab)
    assert [(u.intent, u.slots.size) for u in (three, *three.then)] == [
        (Intent.add_to_cart, "S"), (Intent.add_to_cart, "M"), (Intent.add_to_cart, "XL")]
    again = understand("the third ones, medium and large again", listed, vocab)
    assert [u.slots.size for u in (again, *again.then)] == ["M", "L"]
    in_cart = listed.model_copy(update={"last_line": LineRef(product_id=1, size="M"), "last_intent": Intent.add_to_cart.value,
                                        "focus_id": 1, "cart": CartSummary(item_count=3, total_cents=2700, product_ids=[1])})
    moved = understand("the youngest is tiny, change the medium to an extra small", in_cart, vocab)
    assert (moved.intent, moved.slots.from_size, moved.slots.size) == (Intent.update_cart, "M", "XS")
    other_child = understand("his sister needs one too, same kind but for girls", in_cart, vocab)
    assert (other_child.intent, other_child.slots.gender) == (Intent.refine, "girls")
    assert understand("can you check it out now", in_cart, vocab).intent == Intent.checkout
    assert understand("let me check it out first", in_cart, vocab).intent != Intent.checkout
    assert understand("forty bucks to spend, that's it", listed, vocab).slots.price_max == 4000  # not a goodbye
    glasses = DialogueState(conversation_id="t", shown=tees, filters=SearchFilters(category="accessories"))
    assert understand("got any square ones", glasses, vocab).slots.style == "square"
    fresh = DialogueState(conversation_id="t")
    assert understand("my eldest needs school shoes, his are falling apart", fresh, vocab).slots.gender == "boys"
    assert understand("my youngest wants a dress, she loves yellow", fresh, vocab).slots.gender == "girls"
    assert understand("my eldest is twenty six and needs a suit, he", fresh, vocab).slots.gender == "men"
    explained = understand("a sport coat, you know, a smart jacket for a wedding", fresh, vocab).slots
    assert (explained.product_type, explained.name_any) == ("blazer", ["blazer"])
    woolly = understand("one of those woolly tops that buttons up the front", fresh, vocab).slots
    assert woolly.product_type == "cardigan"


def test_minds_changed_fragments_and_trips_each_mean_what_was_said(vocab: Vocabulary) -> None:
    tees = [ShownProduct(id=i, name=f"Roadster Men Grey T-shirt {i}", brand="Roadster", price_cents=1500 + i, colour="grey",
                         category="tshirts") for i in (1, 2, 3)]
    listed = DialogueState(conversation_id="t", shown=tees, filters=SearchFilters(category="tshirts", gender="men"))
    for said, colour in (("no, olive. olive's nicer", "olive"), ("nah, red ones", "red"), ("hmm no no, blue only", "blue")):
        u = understand(said, listed, vocab).slots  # a no to what is shown, then the colour wanted
        assert (u.colours, u.exclude_colours) == ([colour], None), said
    assert understand("no red please", listed, vocab).slots.exclude_colours == ["red"]  # still a colour ruled out
    assert understand("grey's a bit garish, show me navy", listed, vocab).slots.exclude_colours == ["grey"]
    assert understand("cheapest?", listed, vocab).slots.sort == "price_asc"  # a question, not a pick
    assert understand("the cheapest one please", listed, vocab).intent == Intent.add_to_cart
    picked = understand("the blue one, wait, no, the third one. in large", listed, vocab)
    assert (picked.intent, picked.slots.reference, picked.slots.size) == (Intent.add_to_cart, "ordinal:3", "L")
    kept = understand("size 9, add the third pair. no wait, yeah the third pair", listed, vocab)
    assert (kept.slots.size, kept.slots.reference) == ("9", "ordinal:3")
    assert understand("right, size nine in the second ones", listed, vocab).intent == Intent.add_to_cart
    assert understand("that one, m, three of them", listed, vocab).slots.size == "M"
    assert understand("k checkout", listed, vocab).intent == Intent.checkout
    assert understand("ok so i keep going back and forth, show me the green ones", listed, vocab).intent != Intent.more_results
    two_lines = listed.model_copy(update={"last_line": LineRef(product_id=2, size="M", quantity=2),
                                          "cart": CartSummary(item_count=3, total_cents=4500, product_ids=[1, 2])})
    assert understand("forget the second one, just keep the first", two_lines, vocab).slots.reference == "ordinal:1"
    for enough in ("actually no, one is fine", "so just the one for me"):
        assert understand(enough, two_lines, vocab).slots.quantity == 1, enough
    assert understand("no, scratch that last one, she's got plenty", two_lines, vocab).intent == Intent.remove_from_cart
    same = understand("aur same wala ek bhaiya ke liye, large", two_lines, vocab)
    assert (same.intent, same.slots.size) == (Intent.add_to_cart, "L")
    fresh = DialogueState(conversation_id="t")
    budget = understand("a laptop bag, i'm not paying more than forty dollars", fresh, vocab).slots
    assert (budget.price_max, budget.price_min) == (4000, None)
    watches = DialogueState(conversation_id="t", shown=tees, filters=SearchFilters(category="watches", gender="men"))
    aside = understand("black strap ideally, i've still got the shoes and the hotel to sort out", watches, vocab).slots
    assert (aside.product_type, aside.colour) == (None, "black")  # shoes to deal with later, not asked for here
    sister = understand("a warm scarf for my dad, under forty, i still have my sister to buy for", fresh, vocab).slots
    assert sister.gender == "men"
    jackets = DialogueState(conversation_id="t", shown=tees, filters=SearchFilters(category="jackets", gender="women"))
    rain = understand("with a hood please, i don't want to be carrying an umbrella", jackets, vocab)
    assert (rain.intent, rain.slots.style) == (Intent.refine, "hooded")
    light = understand("a light jacket for the evenings, nothing heavy", fresh, vocab).slots
    assert "padded" in (light.exclude_words or ()) and "puffer" not in (light.name_any or ())
    hood = understand("does that one have a zip", jackets, vocab).slots
    assert (hood.topic, hood.feature) == ("feature", "zip")
    padded = jackets.model_copy(update={"filters": SearchFilters(category="jackets", gender="boys",
                                                                  name_any=["puffer", "padded"], name_prefer="padded")})
    again = understand("and the same kind of jacket for his sister, she's nine", padded, vocab).slots
    assert (again.gender, again.name_any) == ("girls", ["puffer", "padded"])


def test_two_shoppers_sports_and_budgets_each_mean_what_was_said(vocab: Vocabulary) -> None:
    tees = [ShownProduct(id=i, name=f"Roadster Men Grey Solid T-shirt {i}", brand="Roadster", price_cents=1500 + i,
                         colour="grey", category="tshirts") for i in (1, 2, 3)]
    listed = DialogueState(conversation_id="t", shown=tees, filters=SearchFilters(category="tshirts", gender="men"))
    both = understand("i'll have the second one in m, she takes the first one in s", listed, vocab)
    assert [(x.slots.reference, x.slots.size) for x in (both, *both.then)] == [("ordinal:2", "M"), ("ordinal:1", "S")]
    assert understand("third one, xl size for him", listed, vocab).slots.size == "XL"  # not "size for" = 4
    assert understand("the second one, my son's fine with that", listed, vocab).intent == Intent.add_to_cart
    assert understand("he wants blue, he says he's got enough grey", listed, vocab).slots.exclude_colours == ["grey"]
    assert understand("she has enough white, show me green", listed, vocab).slots.colours == ["green"]
    assert understand("he's not really a white sort of guy", listed, vocab).slots.exclude_colours == ["white"]
    decided = understand("my wife says striped, i said plain, whatever, let's go with striped", listed, vocab).slots
    assert (decided.style, decided.exclude_words, decided.topic) == ("striped", None, None)
    assert understand("the plain one, in medium", listed.model_copy(update={"shown": [
        tees[0].model_copy(update={"name": "Roadster Men Grey Printed T-shirt"}), tees[1]]}), vocab).slots.reference == "ordinal:2"
    fresh = DialogueState(conversation_id="t")
    capped = understand("my budget is about forty quid, tops", fresh, vocab).slots
    assert (capped.price_max, capped.product_type) == (4000, None)  # "tops" caps the budget here
    assert understand("a watch for my sister, budget rm eighty only", fresh, vocab).slots.price_max == 8000
    assert understand("firstly, a winter coat, guys'", fresh, vocab).slots.gender == "men"
    assert understand("first off, black jeans for me, men's", fresh, vocab).slots.colours == ["black"]  # not off-white
    worn_out = understand("my trainers have had it, got any running shoes for men", fresh, vocab).slots
    assert worn_out.product_type == "running shoes"
    two_lines = listed.model_copy(update={"last_line": LineRef(product_id=2, size="S"),
                                          "cart": CartSummary(item_count=2, total_cents=3000, product_ids=[1, 2])})
    assert understand("actually take his off, he'll buy them in town", two_lines, vocab).intent == Intent.remove_from_cart
    necklace = DialogueState(conversation_id="t", shown=tees, filters=SearchFilters(category="jewellery", gender="women"))
    assert understand("and my brother wants matching earrings too", necklace, vocab).slots.gender != "men"


def test_needs_and_dress_rules_pick_the_kind(vocab: Vocabulary) -> None:
    fresh = DialogueState(conversation_id="t")
    easy = understand("my gran needs shoes she can slip her feet into, she can't bend anymore", fresh, vocab).slots
    assert easy.product_type == "slip-ons"
    laces = understand("shoes for my dad without laces, slip on type", fresh, vocab).slots
    assert (laces.product_type, "slip-on" in (laces.exclude_words or ())) == ("slip-ons", False)
    assert understand("a warm sweater for grandpa that opens at the front", fresh, vocab).slots.product_type == "cardigan"
    assert understand("trousers for my uncle with an elastic waist please", fresh, vocab).slots.product_type == "track pants"
    rule = understand("black shoes for my son, his school doesn't allow slip-ons", fresh, vocab).slots
    assert "slip-on" in (rule.exclude_words or ()) and rule.product_type != "slip-ons"
    assert understand("the card says black tie, what should a man wear", fresh, vocab).slots.product_type != "tie"
