"""Rule-based understanding: intent + slots from one (ASR) utterance, given the dialogue state."""

from __future__ import annotations

import re

from voice_server.dialogue import slots as sx
from voice_server.dialogue.lexicon import COLOUR_SYNONYMS, FILLER_WORDS
from voice_server.dialogue.numbers import prepare
from voice_server.dialogue.state import DialogueState
from voice_server.dialogue.understanding import Intent, Slots, Understanding
from voice_server.dialogue.vocabulary import Vocabulary

_COLOUR_WORDS = sorted(COLOUR_SYNONYMS, key=len, reverse=True)
_COLOUR_RE = re.compile(r"\b(" + "|".join(re.escape(c) for c in _COLOUR_WORDS) + r")\b")
_COLOUR_REF_RE = sx.attribute_reference_re("|".join(re.escape(c) for c in _COLOUR_WORDS))
_KNOWN_WORDS = sx.LEXICON_WORDS | frozenset(w for c in COLOUR_SYNONYMS for w in c.split())


def _rx(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(rf"(?:{p})" for p in patterns))


YES = _rx(
    r"^(?:yes|yeah|yep|yup|ya|yah|sure|ok|okay|correct|absolutely|definitely|of course|right|alright|"
    r"please do|do it|go ahead|go for it|sounds good|confirm|confirmed|affirmative|place it|lets do it|"
    r"lets do that|i do|that works|perfect|great)\b",
    r"\b(?:place the order|place my order|go ahead|confirm the order|confirm it|yes please|please place)\b",
)
NO = _rx(
    r"^(?:no|nope|nah|not now|not yet|cancel|dont|do not|stop|wait|hold on|never mind|nevermind|"
    r"negative|not really|i changed my mind|actually no)\b",
    r"\b(?:dont place|do not place|cancel (?:it|that|the order)|dont do it|not right now)\b",
)
GOODBYE = _rx(
    r"\b(?:bye|goodbye|good bye|see you|see ya|thats all|that is all|thats it|that is it|im done|"
    r"i am done|nothing else|talk later|have a good (?:day|one|night)|good night|cheers bye)\b",
)
GREETING = _rx(r"^(?:hi|hello|hey|hiya|howdy|good morning|good afternoon|good evening|greetings|yo)\b")
HELP = _rx(
    r"\b(?:help|what can you do|how does this work|what can i (?:say|ask|do)|how do i|what do you do|"
    r"who are you|what are my options|how do you work)\b",
)
ORDER_STATUS = _rx(
    r"\bwhere(?:s| is) my (?:order|package|parcel|stuff|delivery)\b",
    r"\b(?:order|delivery) status\b",
    r"\btrack (?:my|the)? ?(?:order|package|parcel)\b",
    r"\bstatus of (?:my )?order\b",
    r"\b(?:has|did) my (?:order|package|parcel)\b",
    r"\bwhen (?:will|does|is) my (?:order|package|parcel|stuff)\b",
    r"\bmy (?:recent |last )?orders\b",
    r"\border (?:number|no|#)\s?\d+\b(?!.*\breturn)",
)
RETURN = _rx(
    r"\breturn\b",
    r"\breturning\b",
    r"\bsend (?:it|this|them|that)? ?back\b",
    r"\brefund\b",
    r"\bexchange\b",
    r"\bgive (?:it|this) back\b",
)
BOUGHT_IT = _rx(  # "the jeans I bought run small": a fit review when there is fit feedback and no return word
    r"\b(?:i|we) (?:bought|got|ordered|received|kept)\b",
    r"\bfrom my (?:last |recent |latest )?order\b",
    r"\bmy (?:last |recent |latest )?(?:order|purchase)\b",
)
CHECKOUT = _rx(
    r"\bcheck ?out\b",
    r"\bcheckout\b",
    r"\bproceed to (?:payment|pay)\b",
    r"\b(?:ready|want|like) to pay\b",
    r"\bpay (?:now|for (?:it|this|everything|my cart|these|them))\b",
    r"\bcomplete (?:my|the) (?:purchase|order)\b",
    r"\bplace (?:the|my|an) order\b",
    r"\bbuy (?:everything|it all|all of it)\b",
    r"\bfinish (?:my|the) order\b",
    r"^pay\b",
)
VIEW_CART = _rx(
    r"\b(?:whats|what is|what s|show|see|read|check|review|view|open) (?:in )?(?:my|the) "
    r"(?:cart|basket|bag)\b",
    r"\bmy (?:cart|basket)\b(?!.*\b(?:add|put)\b)",
    r"\bcart total\b",
    r"\bhow much (?:is|does) (?:my|the) (?:cart|basket|total)\b",
    r"\bwhat have i (?:got|added)\b",
    r"\bhow many (?:items|things)\b",
)
REMOVE = _rx(
    r"\b(?:remove|delete|take (?:out|off)|drop|get rid of|throw out|dont want (?:the|that|it)|"
    r"no longer want)\b",
    r"\btake [\w ]{1,30}? (?:out of|off) (?:my|the)\b",
)
ADD = _rx(
    r"\badd\b",
    r"\bput (?:[\w ]{0,30}? )?(?:in|into|to) (?:my|the) (?:cart|basket|bag)\b",
    r"\b(?:ill|i will|i ll|i ?d like to|let me|i wanna|i want to) (?:take|get|buy|grab|have)\b",
    r"\b(?:buy|get|grab|order) (?:it|that|this|them|the (?:first|second|third|last|\w+ one))\b",
    r"\bi want (?:that|this|it|the (?:first|second|third|last))\b",
    r"\bi ?ll have\b",
)
SET_PROFILE = _rx(
    r"\bmy (?:height|weight|measurements|chest|bust|waist|hips|size is|usual size)\b",
    r"\bi weigh\b",
    r"\bi (?:am|m) \d",
    r"\bim \d",
    r"\b(?:save|remember|update|store) (?:my|that)\b",
    r"\bi usually wear\b",
    r"\bi normally wear\b",
    r"\bi always wear\b",
    r"\b\d+ (?:cm|centimetres|kg|kilos|pounds|foot|feet) tall\b",
    r"\bi prefer\b",
)
SIZE_ADVICE = _rx(
    r"\bwhat size\b",
    r"\bwhich size\b",
    r"\bwhat sizes? should\b",
    r"\bwill (?:it|this|that|they) fit\b",
    r"\b(?:does|do) (?:it|this|that|they) (?:run|fit)\b",
    r"\bsize (?:advice|recommendation)\b",
    r"\bwhat would fit\b",
    r"\bwhich would fit\b",
    r"\bmy size\b",
    r"\bshould i (?:get|order|take|go for)\b",
    r"\bruns? (?:small|large|big|true)\b",
    r"\bright size\b",
    r"\bfit me\b",
    r"\bsize up\b",
)
COMPARE = _rx(
    r"\bcompare\b",
    r"\bcomparison\b",
    r"\bdifference between\b",
    r"\bwhich (?:one )?is better\b",
    r"\b(?:vs|versus)\b",
    r"\bwhats the difference\b",
    r"\bhow do they compare\b",
)
DETAILS = _rx(
    r"\btell me (?:more|about)\b",
    r"\bmore (?:about|info|information|details) (?:on|about)?\b",
    r"\bdetails\b",
    r"\bwhat(?:s| is) (?:it|that|this|the \w+ one) made (?:of|from)\b",
    r"\bmade of\b",
    r"\bwhat (?:material|fabric|colou?rs?|sizes)\b",
    r"\bdescribe\b",
    r"\bdescription\b",
    r"\bhow much (?:is|does|was) (?:it|that|this|the)\b",
    r"\bwhat does (?:it|the \w+ one) look like\b",
    r"\bwhat about the\b",
    r"\bis (?:it|that|this) available\b",
    r"\bdoes (?:it|this|that) come in\b",
    r"\bwhat sizes? (?:does|do|is) (?:it|this|that)\b",
    r"\bin stock\b",
    r"\blet me see the\b",
    r"\bopen the\b",
    r"\bshow me the (?:first|second|third|last|\w+ one)\b",
)
MORE = _rx(
    r"\bshow (?:me )?more\b",
    r"\bmore (?:options|results|choices|like (?:this|that|it))\b",
    r"\bnext (?:page|ones|few)\b",
    r"^next\b",
    r"\banything else\b",
    r"\bwhat else\b",
    r"\bother options\b",
    r"\bsomething similar\b",
    r"\bsimilar (?:ones|items|products|styles|to)\b",
    r"\bkeep going\b",
    r"\bany others\b",
    r"\bsee more\b",
    r"\bshow me others\b",
    r"\bmore of (?:these|those|them)\b",
    r"\bothers like (?:this|that|it)\b",
)
SEARCH_VERB = _rx(
    r"\b(?:show|find|search|look(?:ing)? for|looking|need|want|get me|i ?d like|do you have|got any|"
    r"have any|any|recommend|suggest|shopping for|buy|browse|a pair of|some)\b",
)
REFINE_CUE = _rx(r"^(?:in|only|just|make it|maybe|what about|how about|any in|do you have it in|but)\b")


def _clean(text: str) -> str:
    return " ".join(t for t in text.split() if t not in FILLER_WORDS or t in {"like", "please"})


def _strip_fillers(text: str) -> str:
    """Drop hesitation words so anchors like '^yes' still work ("um yes")."""
    return " ".join(t for t in text.split() if t not in {"um", "umm", "uh", "uhh", "er", "erm", "hmm", "oh"})


def extract_slots(text: str, vocab: Vocabulary, state: DialogueState) -> Slots:
    """Fill every slot that appears in the (prepared) text; spans are consumed in priority order."""
    values: dict[str, object] = {}
    t = f" {text} "
    m = re.search(r"\border (?:number |no |# ?)?(\d+)\b", t)
    if m:
        values["order_id"] = int(m.group(1))
        t = sx._blank(t, m)
    reason, fit, t = sx.extract_reason(t)
    values.update(reason=reason, fit_feedback=fit)
    measurements, t = sx.extract_measurements(t)
    values["measurements"] = measurements
    price_min, price_max, trend, t = sx.extract_price(t)
    values.update(price_min=price_min, price_max=price_max, price_trend=trend)
    ref, t = sx.extract_ordinal_reference(t)
    colour_ref = _COLOUR_REF_RE.search(t)
    if ref is None and colour_ref:
        colour = vocab.canonical_colour(colour_ref.group(1)) or colour_ref.group(1)
        ref = f"colour:{colour}"
        t = sx._blank(t, colour_ref)
    brand = vocab.find_brand(t.strip(), known_words=_KNOWN_WORDS)
    if brand is not None:
        tokens = t.strip().split()
        after = tokens[brand.end] if brand.end < len(tokens) else ""
        before = tokens[brand.start - 1] if brand.start > 0 else ""
        if ref is None and before in {"the", "that", "those"} and after in {"one", "ones", "pair"}:
            ref = f"brand:{brand.brand}"
        else:
            values["brand"] = brand.brand
        t = " " + " ".join([*tokens[: brand.start], "_", *tokens[brand.end :]]) + " "
    size, t = sx.extract_size(t)
    if size is None and state.pending is not None and state.pending.kind == "choose_size":
        size, t = sx.extract_bare_size(t)
    values["size"] = size
    quantity, t = sx.extract_quantity(t)
    values["quantity"] = quantity
    if ref is None:
        ref, t = sx.extract_focus_reference(t)
    values["reference"] = ref
    if re.search(r"\b(?:running|jogging|gym|sports|training) shoes\b", t):
        values["occasion"] = "gym"
    category, t = sx.extract_category(t)
    values["category"] = category
    m = _COLOUR_RE.search(t)
    if m:
        values["colour"] = vocab.canonical_colour(m.group(1))
        t = sx._blank(t, m)
    occasion, t = sx.extract_occasion(t)
    style, t = sx.extract_style(t)
    material, t = sx.extract_material(t)
    gender, t = sx.extract_gender(t)
    values.update(style=style, material=material, gender=gender)
    values["occasion"] = values.get("occasion") or occasion
    return Slots(**{k: v for k, v in values.items() if v is not None})


def classify(text: str, slots: Slots, state: DialogueState) -> tuple[Intent, float]:
    """Pick the intent from cue phrases, slots and what the assistant is waiting for."""
    pending = state.pending
    if not text:
        return Intent.unknown, 0.2
    if pending is not None and pending.kind == "checkout":
        if NO.search(text):
            return Intent.decline, 0.95
        if YES.search(text):
            return Intent.confirm, 0.95
    if pending is not None and pending.kind == "choose_size" and slots.size and not REMOVE.search(text):
        return Intent.add_to_cart, 0.9
    if pending is not None and pending.kind == "choose_product" and slots.reference:
        return Intent(pending.for_intent or "product_details"), 0.85
    if re.fullmatch(r"(?:no|nope|nah)(?: thanks| thank you)?(?: (?:thats all|im good|bye))?", text):
        return (Intent.goodbye if state.pending is None and "thats all" in text else Intent.decline), 0.8
    if GOODBYE.search(text) and not (ADD.search(text) or CHECKOUT.search(text)):
        return Intent.goodbye, 0.9
    if HELP.search(text):
        return Intent.help, 0.9
    if slots.fit_feedback and BOUGHT_IT.search(text) and not RETURN.search(text):
        return Intent.fit_review, 0.85
    if ORDER_STATUS.search(text) and not RETURN.search(text):
        return Intent.order_status, 0.9
    if RETURN.search(text):
        return Intent.start_return, 0.9
    if VIEW_CART.search(text) and not REMOVE.search(text) and not ADD.search(text):
        return Intent.view_cart, 0.9
    if REMOVE.search(text):
        return Intent.remove_from_cart, 0.9
    if CHECKOUT.search(text):
        if pending is not None and pending.kind == "checkout":
            return Intent.confirm, 0.8
        return Intent.checkout, 0.9
    if COMPARE.search(text):
        return Intent.compare, 0.9
    if SIZE_ADVICE.search(text) and not ADD.search(text):
        return Intent.size_advice, 0.85
    if SET_PROFILE.search(text) and (
        slots.measurements or slots.size or "prefer" in text or "remember" in text
    ):
        return Intent.set_profile, 0.85
    if slots.measurements and not slots.category:
        return Intent.set_profile, 0.75
    if ADD.search(text):
        return Intent.add_to_cart, 0.9
    if MORE.search(text):
        return Intent.more_results, 0.9
    if DETAILS.search(text):
        return Intent.product_details, 0.85
    has_context = bool(state.shown) or state.filters != type(state.filters)()
    if slots.has_search_slots():
        if slots.category and (
            not has_context or slots.category != state.filters.category or SEARCH_VERB.search(text)
        ):
            return Intent.search, 0.9
        if has_context and (REFINE_CUE.search(text) or not slots.category):
            if slots.reference and not (slots.colour or slots.price_trend or slots.price_max):
                return Intent.product_details, 0.6
            return Intent.refine, 0.85
        return Intent.search, 0.8
    if YES.search(text):
        return Intent.confirm, 0.7
    if NO.search(text):
        return Intent.decline, 0.7
    if slots.reference and state.shown:
        return Intent.product_details, 0.6
    if GREETING.search(text):
        return Intent.greeting, 0.9
    if re.search(r"\b(?:thanks|thank you)\b", text):
        return Intent.goodbye, 0.5
    return Intent.unknown, 0.3


_NO_SLOTS: frozenset[str] = frozenset()
ALLOWED_SLOTS: dict[Intent, frozenset[str]] = {
    Intent.confirm: _NO_SLOTS,
    Intent.decline: _NO_SLOTS,
    Intent.greeting: _NO_SLOTS,
    Intent.goodbye: _NO_SLOTS,
    Intent.help: _NO_SLOTS,
    Intent.view_cart: _NO_SLOTS,
    Intent.checkout: _NO_SLOTS,
    Intent.unknown: _NO_SLOTS,
    Intent.order_status: frozenset({"order_id"}),
    Intent.size_advice: frozenset({"reference", "size", "measurements"}),
}


def understand(text: str, state: DialogueState, vocab: Vocabulary) -> Understanding:
    """Understand one utterance: `Understanding(intent, slots, confidence)`."""
    prepared = _strip_fillers(prepare(text))
    slots = extract_slots(prepared, vocab, state)
    intent, confidence = classify(prepared, slots, state)
    allowed = ALLOWED_SLOTS.get(intent)
    if allowed is not None:
        slots = Slots(**{k: v for k, v in slots.as_dict().items() if k in allowed})
    return Understanding(intent=intent, slots=slots, confidence=confidence)


class RuleBasedUnderstander:
    """Default `Understander`: deterministic regex and lexicon rules, no model."""

    async def understand(self, text: str, state: DialogueState, vocab: Vocabulary) -> Understanding:
        return understand(text, state, vocab)
