"""What a request means beyond single slots: exclusions, several colours or types, recipients,
relative changes (darker, more formal), corrections, and several requests in one utterance.

Pure functions over prepared text (``numbers.prepare``: lower case, digits, no punctuation),
each returning its value and the text with the consumed span blanked, like ``slots``. The
catalog words come from ``commerce.catalog.vocabulary`` (the shop's one vocabulary).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from commerce.catalog.vocabulary import (
    ADULT_OF,
    DESCRIPTOR_STEMS,
    KID_OF,
    KIDS_AGE_LIMIT,
    MATERIAL_WORDS,
    PRODUCT_TYPES,
    RECIPIENT_GENDER,
    TYPE_WORDS,
    UMBRELLA_TYPES,
    ProductType,
    descriptor_stems,
)
from voice_server.conversation.dialogue.lexicon import COLOUR_SYNONYMS, MATERIALS
from voice_server.conversation.dialogue.slots import LETTER_SIZE_ALT, extract_size
from voice_server.conversation.dialogue.vocabulary import Vocabulary

BLANK = " _ "


def _alternation(words: list[str] | tuple[str, ...]) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


COLOUR_ALT = _alternation(list(COLOUR_SYNONYMS))
_COLOUR_RE = re.compile(rf"\b(?:dark |light |pale |bright |deep )?({COLOUR_ALT})s?\b"  # "reds and maroons"
                        r"(?<!spilling wine)(?<!spill wine)(?<!glass of wine)(?<!drink wine)(?<!drinking wine)(?<!ice cream)(?<!ice creams)")
TYPE_ALT = _alternation(list(TYPE_WORDS))
_RECIPIENT_ALT = _alternation(list(RECIPIENT_GENDER))
_TYPE_RE = re.compile(rf"\b({TYPE_ALT})\b")
_TYPE_AT = re.compile(rf"(?:{TYPE_ALT})\b")  # a product type at the start of the text
_DESCRIPTOR_AT = re.compile(rf"(?:{_alternation(list(DESCRIPTOR_STEMS))})\b")
_SPOKEN_COLOUR = {"gray": "grey", "golden": "gold", "navy blue": "navy", "offwhite": "off white"}

# ---------------------------------------------------------------- exclusions
# A cue, then the words it rules out ("nothing black", "no prints or logos", "any colour but black",
# "nothing from puma", "not a hoodie", "nothing with a heel").
_NEG_CUE = (
    r"(?:(?:nobody|no one|noone) (?:really |even |actually )?(?:wears|likes|wants|buys)|"
    r"nothing|not|no|none|never|without|avoid|except|anything but|any colou?r but|any brand but|"
    rf"non(?= (?:{COLOUR_ALT})\b)|"  # "the non pink ones"
    r"other than|apart from|but not|(?:dont|do not) (?:show|give|send|offer) (?:me|us)|dont want|do not want|dont like|do not like|rather not|not a fan of|less of|fewer|"
    r"less(?= (?:flashy|showy|sparkly|shiny|blingy|glittery|loud|garish)\b)|"
    r"no more|hate|hates|hated|cant stand|cannot stand|(?:cant|cannot) be (?:doing|dealing|bothered) with|loathes?|skip|minus|arent|isnt|that arent|that isnt|not in|nothing in|none in|no (?:more )?of the|"
    r"(?:bored|sick|tired) of|fed up (?:of|with)|had enough of|(?:(?:im|hes|shes|were|theyre|i am|he is|she is) )?(?:so |totally |completely )?done with|(?:cant|cannot|can not|could never) (?:walk|run|move) in|"
    r"(?:wouldnt|would not|wont|will not) be (?:seen|caught) (?:dead )?(?:in|wearing)|"
    # "he refuses to wear blue", "she won't wear pink", "he never wears black"
    r"(?:refuses?|refused|wont|will not|wouldnt|would not|doesnt|does not|dont|do not|never) (?:to )?wears?(?: anything)?|"
    # "the school doesn't allow slip-ons", "trainers aren't allowed": a rule against it
    r"(?:doesnt|does not|dont|do not|wont|will not) (?:allow|permit)|(?:not|isnt|arent) allowed(?: to wear)?|banned)"
)
_NOT_EXCLUSION = re.compile(
    rf"\b(?:not|no) (?:that(?! into)|this|(?:those|these)(?! (?:{TYPE_ALT})\b)(?! (?!big|small)\w+ (?:ones|pairs|kinds?|types?)\b)|yet|now|right now|really(?! into)|sure|thanks|thank you|problem|worries|"
    r"rush|need|idea|much|many|feeling it|bad|quite|one(?! of| with| (?:really |even |actually )?(?:wears|likes|wants|buys))|wait|sorry|please|more than|too pricey|"
    r"too expensive|so expensive|too much)\b|\bnothing (?:else|more|for now|over|above|more than)\b|"
    r"\b(?:got|have|bought|planned|sorted|organised|organized|done|own|wear) nothing\b|"  # "i've got nothing um earrings"
    r"\bno (?=the \w+ (?:one|ones|pair|pairs)\b)|"
    rf"\bno (?=an? (?:{TYPE_ALT})\b)|"  # "a sorry for my mum, no, a saree": the word said again, corrected
    r"\bwithout (?=(?:proper|decent|the right|real|good) )|"  # "the only two in the class without proper leggings": lacking
    r"\bno (?=(?:the |that |those )?\w+ (?:was|were|is|are|looked|seemed) (?:\w+ )?(?:better|nicer|best|fine|good)\b)|"  # "no, the red pair": a correction, the red one wanted
    rf"\b(?:hes|shes|im|he is|she is|i am|theyre|they are) not an? (?=(?:{TYPE_ALT})\b)|"  # "he's not a golfer"
    r"\bdont (?:mind|add|worry|know|need|put|buy|want (?:it|that|this|to))\b|\bnever mind\b|"
    # "she like simple, not too big. gold colour": a size said of the thing, not a colour ruled out
    r"\bnot (?:too |very |so )?(?:big|small|large|heavy|bulky)\b"
)
# the longer cues first, so "not a fan of puma" is not read as "not" + "a fan of puma"
# "these are a bit sporty": what is wrong with the products shown
_COMPLAINT = (r"(?<!with )(?<!for )(?<!like )(?:these|those|they|theyre|it|its|thats|that)(?: are| is| look| looks| seem| seem| feel| feels)? "
              r"(?:a bit|a little|a tad|too|way too|rather|kinda|kind of|all a bit)"
              r"(?! (?:too )?(?:casual|formal|smart|dressy|fancy|posh|relaxed)\b)")  # formality is said apart
_NEG_RE = re.compile(rf"\b{_COMPLAINT}\b|"
                     r"\b(?:not (?:a|the|really a|much of a|a big|big) fan of|not (?:keen|fussed) on|not (?:really |that |so |too |big |very )?into|"
                     rf"(?:doesnt|does not|dont|do not|wont|will not|wouldnt|would not|would never|never) (?:really |ever )?"
                     rf"(?:like|want|wear|suit|do))\b|\b{_NEG_CUE}\b|"  # "she doesn't really do gold"
                     r"\b(?:cant|cannot|can not|not allowed to|mustnt) (?:show up|turn up|be seen|go|wear anything|wear) in\b")
_FILLER = (r"(?:(?:a|an|one|the|these|those|them|that|like|anything|any|some|too|very|so|really|from|with|in|made of|by|of|more|kind of|sort of|have|get|see|want|"
           r"wear|wears|wearing|big|bold|busy|huge|massive|giant|obvious|boring|dull|ugly|horrible|awful|usual|basic|"
           r"crazy|wild|mad|funky|silly|weird|tacky|cheesy|"
           r"full|proper|whole|complete|heavy|even|lightly|slightly|heavily)\s)*")
_JOIN = r"\s(?:or|and|nor|or any|and no|or no)\s"
# "no prints, stripes or checks" (the commas gone): one pattern after another
_PATTERNS = r"(?:prints?|printed|stripes?|striped|checks?|checked|florals?|logos?|graphics?|polka dots?|sequins?|animal prints?)"
_PATTERN_LAST_RE = re.compile(rf"\b{_PATTERNS}$")
_PATTERN_NEXT = rf"\s(?={_PATTERNS}\b)"
_BRIGHT = r"(?:too )?(?:bright|loud|flashy|showy|colou?rful|neon|garish)"


@dataclass
class Exclusions:
    colours: list[str] = field(default_factory=list)
    brands: list[str] = field(default_factory=list)
    stems: list[str] = field(default_factory=list)
    shade: str | None = None  # "muted" for "nothing too bright"

    def __bool__(self) -> bool:
        return bool(self.colours or self.brands or self.stems or self.shade)


def _target(rest: str, vocab: Vocabulary, found: Exclusions) -> int:
    """Length of the excluded thing at the start of ``rest`` (0 when it names none), recorded in
    ``found``: a colour, a brightness, a product type, a descriptor or material, or a brand."""
    if says := _SAYS_RE.match(rest):  # "not the one that says bride on it": that word on the name
        found.stems.append(says.group(1))
        return says.end()
    if too := re.match(rf"(?:(?:a bit|anything|something) )?too {_BRIGHT}\b(?: colou?rs?)?", rest):
        found.shade = "muted"  # "not too bright, black or navy": the brightness, not "bright black"
        return too.end()
    lead = re.match(_FILLER, rest)
    skip = lead.end() if lead else 0
    tail = rest[skip:]
    if m := re.match(rf"(?:dark |light |pale |bright |deep )?({COLOUR_ALT})\b(?: colou?r(?:ed)?)?", tail):
        found.colours.append(_spoken_colour(m.group(1)))
    elif m := re.match(rf"{_BRIGHT}\b(?: colou?rs?)?", tail):
        found.shade = "muted"
        if re.search(r"\b(?:flashy|showy)\b", m.group(0)):  # "nothing flashy": no sequins either
            found.stems += list(DESCRIPTOR_STEMS["sparkly"])
    elif m := _TYPE_AT.match(tail):
        found.stems += list(descriptor_stems(m.group(0)))
    elif m := _DESCRIPTOR_AT.match(tail):
        found.stems += list(DESCRIPTOR_STEMS[m.group(0)])
        kind = _TYPE_AT.match(tail, m.end() + 1)
        describes = m.group(0).endswith(("y", "ed", "al", "ic")) or m.group(0) in MATERIAL_WORDS
        if kind and describes and re.match(r" (?:sort|kind|type|style)\b", tail[kind.end():]):
            # "not the sporty sweatshirt sort" (not "without laces, slip on type": what is wanted instead)
            found.stems += list(descriptor_stems(kind.group(0)))
            return skip + kind.end()
        if kind and describes:
            return skip + kind.end()  # "i hate skinny jeans": the cut is ruled out, the jeans not asked for again
    else:
        lead_words = len(rest[:skip].split())  # kept: "the urban dog ones" names a make
        words = rest.split()[: lead_words + 4]
        named_at = lead_words if words[lead_words:] and words[lead_words] not in _NOT_A_MAKE else None
        # "nothing too fancy": a degree word leads an adjective, never a make
        brand = vocab.find_brand(" ".join(words), known_words=frozenset(), ruled_out_at=named_at) if words[
            lead_words:] and not re.search(r"\b(?:too|very|so|overly)\s$", rest[:skip]) else None
        if brand is None or brand.start != lead_words:
            # "not the ethnic churidar kind": the words of the name that kind carries
            kind_of = re.match(r"((?:[a-z]{4,} ){1,2})(?:kind|sort|type)\b", tail)
            if kind_of and (said := [w for w in kind_of.group(1).split() if w not in _NOT_A_SHAPE]):
                found.stems += said
                return skip + kind_of.end()
            # "not round ones", "no chunky ones": a word of the name, whatever it is
            shape = re.match(r"([a-z]{4,}) (?:ones|frames|styles|pairs)\b", tail)
            if shape is None or shape.group(1) in _NOT_A_SHAPE:
                return 0
            found.stems.append(shape.group(1).removesuffix("y") if shape.group(1).endswith("ky") else shape.group(1))
            return skip + shape.end()
        found.brands.append(brand.brand)
        return skip + len(" ".join(words[lead_words: brand.end]))
    return skip + m.end()


_SAYS_RE = re.compile(r"(?:the |that |any |those )?(?:one|ones|pair|thing|things) (?:that|which) (?:says?|reads?) "
                      r"(?:the word )?([a-z]{3,})\b")
# "not only", "nothing fancy": words after a negation that are no make, though one begins with them
_NOT_A_MAKE = frozenset({"only", "next", "here", "now", "forever", "people", "w", "just", "even", "yet", "fancy", "posh",
                         "smart", "dressy", "formal", "casual"})
_NOT_A_SHAPE = frozenset({"same", "other", "these", "those", "cheap", "cheaper", "expensive", "pricey", "dear",
                          "nice", "good", "last", "first", "second", "third", "previous", "earlier", "usual", "older",
                          "newer", "right", "wrong", "plain", "fancy", "boring", "ugly"})


# a colour the one shopped for already has plenty of: "he's got about a hundred blue ones"
_OWNED_COLOUR_RE = re.compile(rf"\b(?:(?:he|she|i|we|they)(?:s|ve| has| have)?|already) (?:already )?(?:got|has|have|owns?) "
                              rf"(?:\w+ ){{0,4}}?({COLOUR_ALT}) ones\b|"
                              # "i've got heaps of black, show me other colours": plenty of that colour already
                              rf"\b(?:(?:he|she|i|we|they)(?:s|ve| has| have)?|already) (?:already )?(?:got|has|have|owns?) "
                              rf"(?:heaps|loads|lots|plenty|tons|a lot|enough|too much|so much) of ({COLOUR_ALT})\b|"
                              # "i've got way too much black stuff": that colour, owned in plenty
                              rf"\b(?:got|has|have|own|owns) (?:way |far )?(?:too much|so much|enough) ({COLOUR_ALT})(?: (?:stuff|things|clothes)\b|\s*$|"
                              r"(?= (?:already|as it is|at home|show|so|but|please|thanks)\b))|"
                              # "it's just grey i'm sick of": that colour, had enough of
                              rf"\b(?:its (?:just |only )?|just |only )({COLOUR_ALT}) (?:that )?(?:im|i am|were|we are|hes|shes|he is|she is) (?:really |just |so )?"
                              r"(?:sick|tired|bored) of\b")
# what someone's whole wardrobe already is: "all my clothes are grey and black", "everything he owns is navy"
_ALL_OWNED_RE = re.compile(
    rf"\b(?:all (?:of )?(?:my|his|her|their) (?:clothes|stuff|things|wardrobe)|everything (?:i|he|she|they) (?:own|owns|wear|wears|have|has)|"
    rf"(?:my|his|her|their) (?:whole |entire )?(?:wardrobe|closet)) (?:is|are|s)(?: all| just| only| mostly| basically| literally)* "
    rf"(?:{COLOUR_ALT})(?:(?:,| and| or|, and) (?:{COLOUR_ALT}))*\b")
_WANTS_CHANGE_RE = re.compile(r"\b(?:need|want|wants|needs|after|like) (?:some |a bit of |a little |more )?colou?r\b|"
                              r"\bsomething (?:different|else|brighter|new)\b|\b(?:bored|sick|tired) of\b|\bfuneral\b|\bchange\b")
# a colour ruled out by what follows it: "yellow never suits me", "black isn't her colour"
_COLOUR_NOT_RE = re.compile(rf"\b({COLOUR_ALT}) (?:never|doesnt|does not|dont|do not|wont|isnt|is not|s not|just doesnt) "
                            r"(?:really |ever |quite )?(?:suits?|work|works|look good|looks good|go|goes|flatter|"
                            r"my colou?r|her colou?r|his colou?r)\b(?: (?:on )?(?:me|her|him))?|"
                            # "red washes me out", "black's too harsh with his suit"
                            rf"\b({COLOUR_ALT}) (?:just |really |always )?(?:washes|wash) (?:me|her|him) out\b|"
                            # "she's not really a black kind of person"
                            rf"\bnot (?:really |much |exactly )?an? ({COLOUR_ALT}) (?:kind of|sort of|type of|kinda|sorta) "
                            r"(?:person|girl|guy|woman|man|lady|bloke|gal)\b|"
                            # "not the plain white he always wears": what they wear already, not wanted again
                            rf"\bnot (?:the |his |her |that |those )?(?:plain |usual |same |boring )?({COLOUR_ALT})(?: ones?)? "
                            r"(?:he|she|they|i) (?:always|usually|normally|only|just) (?:wears?|has|gets|buys?)\b|"
                            rf"\balready (?:got|have|has|own|owns) (?:a |an |one in |some |the |a pair in )?({COLOUR_ALT})\b|"
                            rf"\b({COLOUR_ALT})(?: ones?)?(?:ll)?(?: will| would)? (?:gets?|shows?|be|look|go) (?:so |too |really )?"
                            r"(?:dirty|filthy|grubby|mucky|stained|(?:the |every )?(?:dirt|stains?|marks?))\b|"  # "white ones'll be filthy"
                            rf"\b({COLOUR_ALT})(?:s| is| s)? (?:way |a bit |bit |just )?too (?:harsh|loud|bright|dark|dull|much|flashy|boring)\b|"
                            # "he reckons black's boring", "green is looking too dull", "i'll trash white ones in a day"
                            rf"\b({COLOUR_ALT})(?:s| is| s)?(?: looking| looks)? (?:way |a bit |bit |just |so |really |kinda |too )*"
                            r"(?:boring|dull|drab|bland|loud|garish|flashy|full on|over the top|in your face)\b|"
                            # "black fades so fast in the wash", "white shows every mark"
                            rf"\b({COLOUR_ALT})(?: ones?)? (?:always |just |really |so )?(?:fades?|bleeds?|shows (?:every(?:thing| mark| stain)?|the dirt|dirt|sweat|stains))\b|"
                            rf"\b(?:trash|ruin|wreck|destroy)s? (?:the |those |these |any )?({COLOUR_ALT}) ones?\b|"
                            # "my wife says black makes me look like a bouncer"
                            rf"\b({COLOUR_ALT}) (?:always |just |really )?makes? (?:me|him|her|them|us) look\b|"
                            # "pink she doesn't like", "black he won't wear": the colour said first
                            # "red and maroon i don't want", "yellow also no, it doesn't suit me"
                            rf"(?:^\s*|\b(?:and|but|so|oh|well|also|just|um)\s)({COLOUR_ALT}) (?:and|or) ({COLOUR_ALT}) (?:i|we) (?:dont|do not) want\b"
                            rf"(?! (?:any |anything |the |no )?(?:{COLOUR_ALT})\b)|"
                            rf"(?:^\s*|\b(?:and|but|so|oh|well|also|just|um)\s)({COLOUR_ALT}) (?:also no|too no|no way|is a no|is out|"
                            r"(?:is )?not for me)\b|"
                            rf"(?:^\s*|\b(?:and|but|so|oh|well|also|just|um)\s)({COLOUR_ALT}) (?:she|he|i|they|we) (?:doesnt|does not|dont|do not|wont|will not|"
                            r"never|cant stand|hates?)"
                            rf"(?!(?: really| ever)?(?: \w+)? (?:any |anything |the )?(?:{COLOUR_ALT})\b)"  # not "gold, she doesn't wear silver"
                            r" (?:really |ever )?(?:like|likes|wear|wears|want|wants|do|does)?\b")


def extract_exclusions(text: str, vocab: Vocabulary) -> tuple[Exclusions, str]:
    """Colours, brands and name stems the shopper rules out ("nothing black", "no prints or logos",
    "any colour but black", "nothing from puma", "not a hoodie"); their spans are blanked."""
    found = Exclusions()
    for owned in reversed(list(_ALL_OWNED_RE.finditer(text) if _WANTS_CHANGE_RE.search(text) else ())):
        # "all my clothes are grey and black … need some colour" (not "everything she owns is rose gold": a taste)
        found.colours += [_spoken_colour(c.group(1)) for c in _COLOUR_RE.finditer(owned.group(0))]
        text = text[: owned.start()] + BLANK + text[owned.end():]
    for ruled_out in (_COLOUR_NOT_RE, _OWNED_COLOUR_RE):  # "yellow never suits me", "he's got loads of blue ones"
        for m in reversed(list(ruled_out.finditer(text))):
            found.colours += [_spoken_colour(g) for g in m.groups() if g]
            text = text[: m.start()] + BLANK + text[m.end():]
    masked = _NOT_EXCLUSION.sub(lambda m: "#" * len(m.group(0)), text)
    spans: list[tuple[int, int]] = []
    for cue in _NEG_RE.finditer(masked):
        position = cue.end() + 1
        length = _target(text[position:], vocab, found)
        if not length:
            continue
        end = position + length
        while (join := re.match(_JOIN, text[end:]) or (_PATTERN_LAST_RE.search(text, position, end) and re.match(
                _PATTERN_NEXT, text[end:]))) and (more := _target(text[end + join.end():], vocab, found)):
            end += join.end() + more
        spans.append((cue.start(), end))
    for start, end in reversed(spans):
        text = text[:start] + BLANK + text[end:]
    found.colours = list(dict.fromkeys(found.colours))
    found.stems = list(dict.fromkeys(found.stems))
    return found, text


def _spoken_colour(word: str) -> str:
    return _SPOKEN_COLOUR.get(word, word)


# ---------------------------------------------------------------- positives
def extract_colours(text: str) -> tuple[list[str], str]:
    """Every colour named ("red or navy", "pink and purple"), spoken form, in order."""
    colours = [_spoken_colour(m.group(1)) for m in _COLOUR_RE.finditer(text)]
    return list(dict.fromkeys(colours)), _COLOUR_RE.sub(BLANK, text) if colours else text


def _verb_dresses(text: str, m: re.Match[str]) -> bool:
    """"everyone in that office dresses like a funeral", "she dresses up": the verb, not the garment
    ("show me dresses like this one" stays the garment)."""
    before, after = text[: m.start()].split()[-1:], text[m.end():].split()[:2]
    if before and before[0] in {"he", "she", "who", "everyone", "everybody", "always", "usually"}:
        return True
    return bool(after) and (after[0] in {"up", "down", "smartly", "casually", "well"} or (
        after[0] == "like" and after[1:] in (["a"], ["an"], ["they"], ["shes"], ["hes"])))


# a saree's blouse fabric, a breast pump, "hoping the bag turns up": no garment or bag to look for
_NOT_A_GARMENT_RE = re.compile(r"\b(?:one |1 )?(?:for|in) (?:the|my|his|her) (?:gym|work|school|travel|overnight|weekend) bag\b|"
                               # "make it two, one for the gym bag": where it goes, not a bag asked for
                               r"\b(?:up|on|for) top\b(?! of)|\btop gun\b|\b(?:whole |big )?(?:bag|box|pile|load|stack)s? (?:full )?of\b|\b(?:in|on|off) the chain\b|\bbike chain\b|\bblouse pieces?\b|\bbreast pumps?\b|\bring ?bearers?\b|\bdress sizes?\b|\bsleeping bags?\b|\b(?:bin|rubbish|garbage|trash) bags?\b|\bbean ?bags?\b|\btea ?bags?\b|\b(?:is|are|s|its|thats) for babies\b|"
                               r"\b(?:the|my|our) (?:bag|suitcase|luggage|backpack)s? "
                               r"(?:might |may |will |should |could |still |finally )*(?:turns? up|arrives?|shows? up|"
                               r"comes? back|gets? here|got lost|was lost|went missing)\b|"
                               r"\b(?:suits?|suited) (?:him|her|me|you|them|us|my|his)\b|"
                               r"\b(?:would|will|might|does|doesnt|dont|do) suit\b|\bdress ?codes?\b|"
                               rf"\b(?:hes|shes|im|he is|she is|i am) not an? (?:{TYPE_ALT})\b|"  # "he's not a golfer"
                               # "no digital ones, he's a suit guy": a taste, said of the one shopped for
                               rf"\b(?:hes|shes|he is|she is) (?:a |an )(?:{TYPE_ALT}) (?:guy|girl|person|type)\b|"
                               # "a cardigan, same colour as the dress": the garment bought, not another asked for
                               rf"\b(?:same colou?r|same shade|to match|matching) (?:as |with )?(?:the|my|her|his|that|this) (?:{TYPE_ALT})\b|"
                               # "no hood either, i always wear a toque anyway": what they have already
                               rf"\b(?:i|he|she|we|they) (?:always |usually |normally |already )(?:wear|wears|have|has|got|own|owns) (?:a |an |my |his |her |their )?(?:\w+ )?(?:{TYPE_ALT}) anyway\b|"
                               r"\b(?:cannot|cant|can|to|could|couldnt|learning to|learnt to) tie\b|"  # the verb
                               # "my girlfriend says i dress like i'm going to a funeral": the verb
                               r"\b(?:i|you|he|she|we|they|to|how to) (?:\w+ )?dress (?:like|up|down|for|in|smart|smartly|well|"
                               r"nicely|casual|casually|better|older|younger|myself|himself|herself|him|her|them|"
                               r"(?:a )?(?:bit|little|lot) |more |less |local|modest|modestly|appropriately|properly|right)")
# "something less formal, like what i'd wear with chinos": the garment worn with it is not asked for
_WORN_WITH_RE = re.compile(
    rf"\b(?:wear|wearing|worn|(?<!lets )(?<!ill )(?<!well )(?<!just )(?<!id )go|goes|going|pair|team|match|throw|chuck|layer|"
    rf"pop|put|add)(?:\s+(?:it|them|this|that|on|_))?"  # not "yeah let's go with flats": the flats chosen
    rf"(?:\s+in)?\s+"  # "put it in with the jumper": the line already in the cart
    rf"(?:with|under|over|on top of) (?:all )?"
    rf"(?:my |his |her |the |a |an |some |your |their )?(?!(?:it|them|this|that|these|those) )(?:\w+ )??({TYPE_ALT})\b"
    # "i'm a large in shirts": the size they wear in that kind, not a request for it
    rf"|\b(?:im|i am|hes|shes|he is|she is|i wear|i take|he wears|she wears|he takes|she takes) (?:an? |size )?"
    rf"(?:[a-z0-9]+ ){{1,4}}?in (?:most |all |his |her |my )?({TYPE_ALT})\b"
    # "black's too harsh with his suit": a garment of theirs, worn with what is asked for
    rf"|\b(?:with|against|under|beneath|underneath|inside) (?:my|his|her|their) "
    rf"(?:(?!(?:a|an|the|some) )\w+ )??({TYPE_ALT})\b"  # not "coming with her, a kurta for him"
    # "he can do an eleven with thick socks": worn to make a size fit
    r"|\bwith (?:thick|thicker|thin|warm|woolly|wool|heavy|extra|two pairs of|double) (socks)\b"
    r"|\bstuff (?:some |a pair of |thick )?(socks) in\b"  # "eleven then, i'll stuff socks in em"
)  # not "sandals to go with it, flat ones": the garment after "with it" is the one asked for


_OWNED_RE = re.compile(rf"\bthe (?:\w+ )?(?:{TYPE_ALT}) (?:are|were) (?:all )?(?:{COLOUR_ALT}) so\b|"  # "the suits are grey so silver"
                       rf"(?:\b(?:his|her|my|their|our|your) |(?<!\S)_\s+)(?:\w+ )?(?:{TYPE_ALT}) "
                       rf"(?:are|is|was|were|s) (?:already |all |mostly |like |kind of |sort of )?(?:{COLOUR_ALT})\b|"
                       rf"\b(?:he|she|they|i) (?:always|usually|mostly|normally|often) (?:wears?|has) (?:\w+ )?"
                       rf"(?:{COLOUR_ALT}) (?:{TYPE_ALT})\b|"  # "he always wears brown shoes"
                       # "a lad who wears a suit every day": what they wear anyway, not the request
                       rf"\b(?:who|whos|who is|hes|shes|he is|she is) (?:always |usually |normally |often )?in (?:an? |his |her )?"
                       rf"(?:\w+ )?(?:{TYPE_ALT})\b|"  # "a bloke from accounts who's always in a suit"
                       rf"\b(?:who|he|she|they) (?:always |usually |normally |often )?(?:wears?|lives in) (?:an? |his |her |their )?"
                       rf"(?:{TYPE_ALT}) (?:every ?day|daily|all the time|to work|every day to work)\b")
# "my old trainers are falling apart, need running shoes": the worn-out one, when another kind is asked for
_OLD_ONE_RE = re.compile(rf"\b(?:his|her|my|their|our) (?:old|current|last) (?:\w+ )?(?:{TYPE_ALT})\b")

# "my leather sandals are getting ruined in the rain": the pair they have, not the one asked for
_WORN_OUT_RE = re.compile(
    rf"\b(?:my|his|her|their|our) (?:\w+ ){{0,2}}?(?:{TYPE_ALT}) (?:(?:are|is|have|has|were|was|keep|kept|just|finally|all) )?"
    r"(?:getting |been |gotten |all |totally |completely |finally |literally |just |kind of |basically |so |way |pretty )*"
    r"(?:ruined|wrecked|falling apart|fell apart|broken|broke|worn out|worn through|soaked|soaking|destroyed|torn|ripped|"
    r"dead|done for|finished|had it|in pieces|died|shot|knackered|slipping|sliding|slide|slip|leaking|leak|"
    r"faded|stretched|shrunk)\b")  # not "too tight": how the next one should fit


def without_worn_out(text: str) -> str:
    """The request without the worn-out thing it replaces ("my leather sandals are ruined, i need something
    for my feet that can take water": no leather), when another kind is asked for in the same breath."""
    for m in reversed(list(_WORN_OUT_RE.finditer(text))):
        if _TYPE_RE.search(text, m.end()):  # not "restock his drawer, his boxers are falling apart": those again
            text = text[: m.start()] + BLANK + text[m.end():]
    return text


# "… last year i went in just a shirt and everyone else had a blazer, so this year i want a blazer": the ask after a
# story; the kinds the story names are not asked for
_ASK_AFTER_STORY_RE = re.compile(
    r"\b(?:so|but|anyway|today|now|this (?:year|time))(?: (?:this year|this time|today|now|yeah|ja|basically|actually|"
    r"really|please|okay|ok|yes))* (?:(?:i|we|he|she|they)(?: really| just| actually| now| also| still| definitely)? "
    r"(?:need|needs|want|wants|would like|d like)|(?:im|i am|were|we are) (?:after|looking for))\b")
_STORY_WORDS = 10  # a preamble shorter than this is part of the request ("a dress for her, but i need it in red")
_STORY_KIND_RE = re.compile(rf"\b(?:(?:{_alternation(list(MATERIALS))}) )?(?:{TYPE_ALT})\b")  # "just a denim jacket"


def story_end(text: str) -> int:
    """Where the ask starts after a story told first ("last time i ordered jeans off you and had them taken up …
    but today i need a belt"), when the ask names a kind of its own; 0 when there is no such story."""
    for m in _ASK_AFTER_STORY_RE.finditer(text):
        if len(text[: m.start()].split()) >= _STORY_WORDS and _TYPE_RE.search(text[m.end(): m.end() + 40]):
            return m.start()
    return 0


def without_story(text: str) -> str:
    """The request without the kinds named in the story told before it (a belt, not jeans, above)."""
    end = story_end(text)
    return _STORY_KIND_RE.sub(BLANK.strip(), text[:end]) + text[end:]
# "I ordered two kurtas from you last month", "got some jeans off you a while back": bought before, not asked for;
_BOUGHT_BEFORE_RE = re.compile(
    rf"(?:\b(?:i|we|mi) (?:already |recently |just )?(?:got|picked up|did buy) |\b(?:bought|ordered|purchased) )"
    rf"(?:\w+ ){{0,3}}?(?:{TYPE_ALT})\b(?= (?:\w+ )?(?:from you|off you|from here|here|last|a (?:few|couple)|"
    rf"before|earlier|yesterday|recently|the other day|(?:a )?(?:week|month|year)s? ago))|"
    # "he's got a wallet, back to the watches": one they have
    rf"\b(?:hes|shes|he|she|they|theyve|ive|i|weve) (?:already )?(?:got|has|have|owns?) (?:an? |one |some |plenty of |"
    rf"loads of |lots of |a few |enough )?(?:{TYPE_ALT})\b|"
    # "i bought a tan dress for the party, what bag would go with it": theirs already, when another kind is asked
    rf"\b(?:i|we|ive|weve) (?:just |already |recently )?(?:bought|picked up|found) (?:a|an|the|my|this|some) "
    rf"(?:\w+ ){{0,3}}?(?:{TYPE_ALT})\b|"
    # "my whole wardrobe is jeans", "i literally only own jeans and leggings": what they have
    rf"\b(?:my|his|her) (?:whole |entire )?wardrobe is (?:all |just |only |basically |literally |full of )*"
    rf"(?:\w+ )?(?:{TYPE_ALT})(?: and (?:\w+ )?(?:{TYPE_ALT}))?\b|"
    rf"\b(?:i|he|she|they) (?:literally |basically |really )*(?:only|just) (?:own|owns|have|has|wear|wears) "
    rf"(?:\w+ )?(?:{TYPE_ALT})(?: and (?:\w+ )?(?:{TYPE_ALT}))?\b|"
    rf"\ball (?:i|he|she|they) (?:own|owns|have|has|wear|wears) (?:is|are) (?:\w+ )?(?:{TYPE_ALT})\b|"
    # "the airline's lost my suitcase … can i get some shorts": what happened to one, not the request
    rf"\b(?:lost|forgot|left|broke|ruined|tore|ripped|destroyed|wrecked|stained|shrunk|shrank|outgrown|outgrew|wore out) "
    rf"(?:my|our|his|her|their|the|every|all (?:my|the|of my|of his|of her)|all his|all her) (?:\w+ )?(?:{TYPE_ALT})\b")
# "i already have my lehenga", "he's already got a suit": theirs, never the request
_HAVE_ALREADY_RE = re.compile(rf"\b(?:i|ive|he|hes|she|shes|they|theyve|we|weve) (?:already (?:got|have|has|own)|"
                              rf"(?:got|have|has) (?:already|got already)) (?:an? |my |his |her |their |our |one |some )?"
                              rf"(?:own |\w+ )?(?:{TYPE_ALT})\b|"
                              rf"\b(?:i|he|she|they|we) (?:got|have|has) (?:my|his|her|their|our) (?:own |\w+ )?(?:{TYPE_ALT}) already\b|"
                              # "her nan just sent her a whole bag of tees": given by someone else
                              rf"\b(?:sent|bought|gave|got) (?:her|him|them) (?:a |an |some |loads of |lots of |plenty of |a few |"
                              rf"(?:a )?(?:whole )?(?:bag|box|load|pile|stack)s? (?:full )?of |a\s+(?:whole\s+)?_\s+)?(?:\w+ )?(?:{TYPE_ALT})\b")
# "i'll just wear my suit pants", "i'll be wearing sweaters under it": what they have, never the request
_WEAR_OWN_RE = re.compile(
    rf"\b(?:ill|i will|im gonna|im going to|i can|i could|if i|so i can) (?:just |still |probably )?(?:be )?"
    rf"wear(?:ing)? (?:my |the |a |an |some |those |these )?(?:\w+ ){{0,2}}?(?:{TYPE_ALT})\b|"
    # "a top to wear with my jeans", "if i wanna wear a hoodie under it"
    rf"\bto wear (?:with|over|under) (?:my |a |an |the |some |his |her )?(?:\w+ )?(?:{TYPE_ALT})\b|"
    rf"\b(?:wanna|want to) wear (?:a |an |my |some )?(?:\w+ )?(?:{TYPE_ALT}) (?:under|over|underneath)\b|"
    # "i've never worn a saree, so something easier": what they have not worn is not the request
    rf"\b(?:never|not) (?:ever )?(?:worn|wore|tried|owned|had) (?:a |an |any )?(?:{TYPE_ALT})\b"
    r"(?!(?: \w+){0,2} but\b)|"  # not "never worn a lehenga before but i want to go all out"
    # "socks, no wait, why would i need socks at the beach, sandals": a thing thought better of
    rf"\bwhy would (?:i|he|she|we|you|anyone) (?:ever )?(?:need|want|wear|buy) (?:a |an |some |any )?(?:{TYPE_ALT})\b")


def _worn_with(m: re.Match[str]) -> str:
    """The words of a garment worn with the request, blanked with its colour ("under his black suit")."""
    said = m.group(0)
    cut = re.search(r"\b(?:with|under|over|on top of|against) ", said)
    return said[: cut.end() if cut else m.start(m.lastindex or 1) - m.start(0)] + BLANK


# not sold: not boxers or shorts, not trainers, not handbags, not sunglasses
_NOT_SOLD_KIND_RE = re.compile(r"\bswim(?:ming)? (?:trunks|shorts|suits?|costumes?|briefs)\b|"
                          r"\b(?:golf (?:shoes|bags?)|camera bags?|reading glasses|prescription glasses)\b|"
                          r"\b(?:(?:bucket|sun|straw|cowboy|panama|floppy|wide brimmed|wide brim|beach) hats?|fedoras?)\b")
_LONG_ONES_RE = re.compile(r"(?<!too )(?<!not )(?<!so )\blong (?:ones?|please)\b")


_NOT_A_SET_RE = re.compile(r"\b(?:not|no|without)(?: (?:a|the|any))?(?: (?:full|whole|complete|matching|entire))? $")  # "only the kurta, not a full set"


def extract_types(text: str) -> tuple[list[ProductType], str]:
    """Product types named, first first ("leggings or track pants" gives two); "sets" asks for
    the set of a type where the catalog has one ("palazzos, sets like that" → palazzo set)."""
    sets = any(not _NOT_A_SET_RE.search(text, 0, m.start()) for m in re.finditer(r"\bsets?\b", text))
    text = _NOT_A_GARMENT_RE.sub(BLANK, _NOT_SOLD_KIND_RE.sub(BLANK, text))  # "those suit him", "the dress code"; "swim trunks"
    text = _OWNED_RE.sub(BLANK, text)  # "his school trousers are black": what they have, not the request
    if _TYPE_RE.search(without_old := _OLD_ONE_RE.sub(BLANK, text)):
        text = without_old
    text = _WORN_WITH_RE.sub(_worn_with, text)
    for m in reversed(list(re.finditer(r"\bdresses\b", text))):
        if _verb_dresses(text, m):
            text = text[: m.start()] + BLANK + text[m.end():]
    text = _WEAR_OWN_RE.sub(BLANK, _HAVE_ALREADY_RE.sub(BLANK, text))
    if _TYPE_RE.search(asked := _BOUGHT_BEFORE_RE.sub(BLANK, text)):
        text = asked  # bought before: not asked for, unless nothing else is ("I ordered two kurtas … a few more")
    types = [PRODUCT_TYPES[TYPE_WORDS[m.group(1)]] for m in _TYPE_RE.finditer(text)]
    types = [PRODUCT_TYPES.get(f"{t.name} set", t) if sets else t for t in types]
    if any(t.category == "innerwear" for t in types):  # "his pants drawer … boxers": British pants
        types = [t for t in types if t.name != "trousers"]
    if len(types) > 1:  # "something warm, like a shawl or a cardigan": the garments named say which
        types = [t for t in types if t.name not in UMBRELLA_TYPES] or types[:1]  # "baby onesies or newborn stuff"
    if types:
        text = _TYPE_RE.sub(BLANK, text)
    if _LONG_ONES_RE.search(text):  # "dresses yes, long ones": the maxi kind
        types = [PRODUCT_TYPES.get(f"maxi {t.name}", t) for t in types]
    if re.search(r"\b(?:football|soccer|futbol)\b", text):  # "football mad … his boots have had it": his football boots
        types = [PRODUCT_TYPES["football boots"] if t.name == "boots" else t for t in types]
    return list(dict.fromkeys(types)), text


def spoken_stem(text: str, kind: ProductType) -> str | None:
    """The name stem of the word said for ``kind`` when the type has several ("jhumkas" → jhumka,
    "joggers" → jogger): products named so come first."""
    if len(kind.stems) < 2:
        return None
    said = [stem for m in _TYPE_RE.finditer(text) if TYPE_WORDS[m.group(1)] == kind.name
            for stem in kind.stems if stem in m.group(1)]
    narrower = [stem for stem in said if stem != kind.stems[0]]  # "sunglasses, aviators if you have them": aviators
    return max(narrower or said, key=len, default=None)  # "heels … like block heels": block heel


_GENERAL_WITH_STEMS = frozenset({"jacket", "dress"})
_NARROWED_BY = {"handbag": {"wallet"}}  # "a new purse, a women's wallet": a wallet (a purse is one in British English)
_GENERAL_COVERS = {"shoes": {"shoes", "sandals"}}  # "shoes, like flats": flats are sold as sandals


def _general(kind: ProductType) -> bool:
    """A garment's general word ("jacket", "shoes", "top"), which narrower kinds refine."""
    return not kind.stems or kind.name in _GENERAL_WITH_STEMS


def narrowed(text: str, types: list[ProductType]) -> list[ProductType]:
    """A narrower kind named after its general garment narrows it: "a warm jacket, a puffer or a
    padded one" asks for puffers, "a dress, maybe a maxi" for maxis. Not "a jacket or a puffer",
    which offers both, nor "a jacket and a blazer"."""
    if len(types) == 2 and types[1].name in _NARROWED_BY.get(types[0].name, ()) and not re.search(r"\b(?:and|or)\b", text):
        return types[1:]
    named = next((m for m in _TYPE_RE.finditer(text) if TYPE_WORDS[m.group(1)] == types[0].name), None) if types else None
    if (len(types) >= 2 and not _general(types[0]) and named is not None
            and not re.search(r"\b(?:and|or|also|plus)\b", text[named.end():])):
        # "a sport coat, you know, the jacket you wear with a tie": the general word explains the narrower one
        return [t for t in types if not (_general(t) and t.category == types[0].category)]
    if len(types) < 2 or not _general(types[0]):
        return types
    covered = _GENERAL_COVERS.get(types[0].name, {types[0].category})
    if not any(t.category in covered and not _general(t) for t in types[1:]):
        return types
    first = next((m for m in _TYPE_RE.finditer(text) if TYPE_WORDS[m.group(1)] == types[0].name), None)
    if first is None or re.match(r"\s(?:or|and|nor)\b", text[first.end():]):
        return types
    # "a woolly top that buttons up the front": the narrower kind of that garment first, not the next one named
    narrower = [t for t in types[1:] if t.category in covered and not _general(t)]
    return [*narrower, *(t for t in types[1:] if t not in narrower)]


def combine_types(types: list[ProductType], *, either: bool = False) -> tuple[str | None, list[str], str | None]:
    """(category, name stems, type name) for the types asked for: the first type's category, and
    the union of the stems of the types in that category (an unconstrained type lifts them).
    Alternatives from several categories (``either``: "a shawl or a cardigan") keep all their
    stems and no category."""
    if not types:
        return None, [], None
    category = types[0].category
    if either and len({t.category for t in types}) > 1 and any(t.stems for t in types):
        # "a kaftan or a kurta": either one, by the words of their names (a kind named by category, by its name)
        return None, list(dict.fromkeys(stem for t in types for stem in (t.stems or (t.name,)))), types[0].name
    same = [t for t in types if t.category == category]
    if not all(t.stems for t in same):
        # "a cardigan or a jumper": the whole department; "slip on shoes": the narrower kind says which
        return category, [], next(t for t in same if not t.stems).name if either else same[0].name
    return category, list(dict.fromkeys(stem for kind in same for stem in kind.stems)), same[0].name


_NOT_SHOPPED_FOR = (r"(?! (?:is |s )?(?:paying|payin|buying it|said|says|texted|told|reckons|thinks|just texted|insists|insisted|"
                    r"is gonna|s gonna|will kill|would kill|wants me|wants us|asked me|told me to|made me|"
                    r"(?:just )?(?:had|has had|is having|s having|gave birth to) (?:a|her|his|their) (?:baby|little|new)|"  # the baby's
                    r"(?:just |already )?(?:sent|bought|gave|got) (?:her|him|them|me|us)))")  # "my mother in law just sent her …"
_RECIPIENT_RE = re.compile(
    # not "to match with his father", "the same as my sister's": whose clothes it goes with
    rf"(?<!like )(?<!match )(?<!match with )(?<!matches )(?<!matching )(?<!same as )\b(?:my|our|his|her|their|me(?= (?:{_RECIPIENT_ALT})s?\b)|"  # Irish "me da"
    rf"for (?:my|our|his|her|their|the|a|an|me(?= (?:{_RECIPIENT_ALT})s?\b))|for|"
    r"(?:ive got|i have|i got|weve got|we have)(?= (?:\d |twin )))\s(?:\d |two |three |twin )?"  # "i've got three grandsons"
    rf"(?:little |small |baby |eldest |oldest |youngest |middle |teenage |older |younger |big |bigger |tall |taller |"
    rf"short |petite |lovely |new |old |elderly |young )?"
    r"(?:\d{1,2}(?: |-)?(?:years?|yrs?|yr)(?: |-)?old |\d{1,2} ?yo )?"  # "my nine year old daughter"
    rf"({_RECIPIENT_ALT})s?\b"  # not "old folk like his nan": a comparison
    # "my brother's wedding": their event, which the shopper dresses for; not a present for them
    r"(?! (?:wedding|engagement|reception|graduation|party|leaving party|hen do|hen party|stag do|stag party|"
    r"baby shower|christening|funeral|sangeet|mehndi|haldi|wedding reception|big day|do|gala|company|work|office|"
    r"dinner|event|ball|function|work do|christmas party|leaving do)\b)"
    # "my mum's paying", "my sister just texted": someone in the story, not the one shopped for
    rf"{_NOT_SHOPPED_FOR}"
)
# a family member said on its own, as terse speech does: "white sneakers. wife. under 40." (not the
# generic nouns: "a man in a suit", "girl power")
_GENERIC_PEOPLE = {"man", "woman", "lady", "guy", "bloke", "gentleman", "boy", "girl", "lad", "groom", "bride", "madam", "oga",
                   "fella", "chap", "gent", "lass", "gal"}
_BARE_RECIPIENT_RE = re.compile(
    r"(?<!my )(?<!our )(?<!his )(?<!her )(?<!your )(?<!their )(?<!the )(?<!a )"
    rf"\b({_alternation([w for w in RECIPIENT_GENDER if w not in _GENERIC_PEOPLE])})\b{_NOT_SHOPPED_FOR}")
_TERSE_WORDS = 10
# "my dad needs a shirt", "papa wants a kurta": the one the need is for
_WANTS_MATCHING_RE = re.compile(rf"\b(?:my |our )?(?:{_RECIPIENT_ALT})s? (?:also |really )?(?:wants|says|thinks|would like) "
                                rf"(?:some |a |an |the )?(?:\w+ )?(?:matching|to match)\b")
_RECIPIENT_SUBJECT_RE = re.compile(
    rf"\b({_RECIPIENT_ALT})s? (?:really |also |just )?(?:wants|needs|would like|would love|"
    r"is after|has asked for|asked for|is looking for)\b(?! (?:me|us)\b)"  # "my wife wants me to get a shirt"
)
# a group of grown friends: "with the lads", "me and the girls", "a girls' trip"
_GROUP_RE = re.compile(r"\b(?:us|we) (girls|ladies|gals|lads|blokes|fellas)\b|"  # "us girls at the bowls club"
                       r"\b(?:(?:with|for|me and|and i and) (?:the|my|some|a few|a couple(?: of)?|couple(?: of)?|"
                       r"(?:two|three|four|five|a few|some) of (?:the|my)) (lads|boys|blokes|fellas|guys|buddies|girls|gals|ladies)|"
                       r"(?:the|my) (lads|boys|blokes|fellas|guys|girls|gals|ladies) and (?:i|me)|"
                       r"(girls|lads|boys) (?:trip|night|weekend|holiday|getaway)s?|"
                       # "secret santa, i pulled one of the lads in accounts": one of them
                       r"(?:pulled|got|drew|for) one of the (lads|blokes|fellas|guys|girls|gals|ladies))\b")
_GROUP_GENDER = {"girls": "women", "gals": "women", "ladies": "women"}
# "a shirt for myself": the shopper; not "too expensive for me", "a bit tight for me"
FOR_MYSELF_RE = re.compile(r"(?<!expensive )(?<!pricey )(?<!dear )(?<!much )(?<!costly )(?<!tight )(?<!big )"
                           r"(?<!small )(?<!long )(?<!short )(?<!loose )(?<!good )(?<!fine )(?<!enough )"
                           r"\bfor (?:me|myself|meself)\b")
_SELF_RE = re.compile(r"\b(?:im|i am|am) (?:a |an )?(guy|bloke|man|woman|lady|girl|boy|gentleman|dude|chap|lad)\b|"  # "am a guy": "i" dropped
                      # "i'm a college student, guy", "i'm a uni student girl"
                      r"\b(?:im|i am) an? (?:\w+ ){1,2}(guy|bloke|girl|dude|chap|lad)\b(?! (?:friend|friends|mate|mates)\b)|"
                      # "new dad here", "i'm a new mum", "i just had a baby": who is shopping
                      r"\b(?:new |first time |proud |single )?(dad|mum|mom|father|mother) here\b|"
                      r"\b(?:im|i am) (?:a |an )?(?:new |first time |proud |single )(dad|mum|mom|father|mother)\b|"
                      r"\bi (?:just |recently )?(had a baby|gave birth)\b|"
                      r"\b(?:im|i am) (?:\w+ ){0,3}?(pregnant|expecting)\b|\bafter (having (?:my|a|the) baby)\b|"
                      r"\b(?:after|on|from|off) (maternity) leave\b|"
                      # "i'm a dad who hasn't bought himself clothes", "as a mum of three", "i'm the groom"
                      r"\b(?:(?:im|i am) (?:a|an|the)|as (?:a|an|the)) (?:\w+ )?(dad|mum|mom|father|mother|groom|bride|"
                      r"bridesmaid|best man|groomsman|man|woman|guy|lady|bloke|lad|chap|fella|grandad|grandma|granny)\b"
                      r"(?! (?:size|sized))|"

                      # "all us bridesmaids are wearing green", "i'm one of the groomsmen": who is shopping
                      r"\b(?:us|we|were|we are|(?:im|i am) one of (?:the|her|his|their|my))(?: all| both)? "
                      r"(bridesmaids|groomsmen)\b|\b(?:im|i am) (?:her |his |the |a )?(maid of honou?r)\b|"
                      # "what about for me, i'm his dad"
                      r"\b(?:im|i am) (?:his|her|their|the) (dad|mum|mom|father|mother|uncle|aunt|auntie|grandad|"
                      r"grandpa|grandma|granny|nan|grandmother|grandfather)\b|"
                      # "a jumper for myself, gentleman of seventy odd", "for me, a woman in her fifties"
                      r"\b(?:myself|me),? (?:an? )?(?:\w+ )?(gentleman|man|woman|lady|bloke|guy|chap|lad|fella)"
                      r" (?:of|in (?:my|his|her)) ")
# "my wife says no more skinny jeans for me": who shops is the other half (read only with "for me":
# "my wife says she wants" is for her)
_PARTNER = r"\b(?:my|the) (wife|girlfriend|husband|boyfriend|missus|hubby|wifey|gf|bf)"
_PARTNER_RE = re.compile(rf"{_PARTNER}s?\b")  # "meeting my girlfriend's parents": he shops
_PARTNER_SAYS_RE = re.compile(rf"{_PARTNER} (?:says|said|thinks|reckons|wants|told|keeps (?:saying|telling)|made|makes)\b")
_SHOPPER_NEEDS_RE = re.compile(r"\bi (?:really |probably |apparently |desperately )?(?:need|should|have to|must|gotta|look|"
                               r"cant|cannot|could do with)\b|"
                               # "my girlfriend says her boyfriend can't go to the office like that": the shopper
                               r"\b(?:her|his) (?:boyfriend|girlfriend|husband|wife|man|fella|missus|hubby)\b")
_AGE_RE = re.compile(r"\b(?:hes|shes|he is|she is|theyre|they are|ones|one is|aged?|about|turning|turned|turns|(?:they|\w+s) turn|who is|whos|"
                     r"(?:eldest|youngest|oldest|middle one|little one|firstborn|(?:older|younger|elder|big|bigger|little) ones?)(?: is|s))\s(?:about |nearly |almost |just |like |only |around |barely )?(\d{1,2})\b(?!\s(?:dollars|bucks|cm|kg|pounds|inch|inches|waist|foot|feet|ft)\b)")
# "she's in year three", "he's in primary four", "my third grader": a school year, about five years younger than the child
_SCHOOL_YEAR_RE = re.compile(r"\b(?:in |starting |going into )(?:year|primary|grade|class|standard|p) (\d{1,2})\b|"
                             r"\b(\d{1,2})(?:st|nd|rd|th) (?:grade|grader|class)\b")
_SCHOOL_START_AGE = 5
_SCHOOL_RE = re.compile(r"\b(?:school|primary|nursery|kindergarten|preschool)\b(?! (?:reunion|friends?|mates?|days))")
_YEARS_OLD_RE = re.compile(r"\b(\d{1,2})\s(?:years?|yrs?)\sold\b")
# "her 21st birthday", "his sixtieth": the age of the birthday
_ORDINAL_YEARS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
                  "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13,
                  "fourteenth": 14, "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18,
                  "nineteenth": 19, "twentieth": 20, "twenty first": 21, "thirtieth": 30, "fortieth": 40,
                  "fiftieth": 50, "sixtieth": 60, "seventieth": 70, "eightieth": 80, "ninetieth": 90}
# "an under nines team", "the u10s": children's sport by age group, its players younger than the number
_TEENS_WORDS = ("sixes", "sevens", "eights", "nines", "tens", "elevens", "twelves", "thirteens", "fourteens", "fifteens",
                "sixteens")
_AGE_GROUP_RE = re.compile(rf"\b(?:under|u) ?(\d{{1,2}})s\b|\bunder ({'|'.join(_TEENS_WORDS)})\b")
_BIRTHDAY_AGE_RE = re.compile(rf"\b(\d{{1,2}}(?:st|nd|rd|th)|{_alternation(list(_ORDINAL_YEARS))})\s(?:birthday|bday)\b")


def _said_years(text: str) -> tuple[re.Match[str] | None, int | None]:
    """The age said ("she's 6", "turning twenty", "a ten year old", "his 21st birthday") and its span."""
    if age := _AGE_RE.search(text) or _YEARS_OLD_RE.search(text):
        return age, int(age.group(1))
    if age := _BIRTHDAY_AGE_RE.search(text):
        word = age.group(1)
        return age, int(word[:-2]) if word[:1].isdigit() else _ORDINAL_YEARS[word]
    if group := _AGE_GROUP_RE.search(text):
        return group, (int(group.group(1)) if group.group(1) else _TEENS_WORDS.index(group.group(2)) + 6) - 1
    if (school := _SCHOOL_YEAR_RE.search(text)) and int(school.group(1) or school.group(2)) <= 12:
        return school, int(school.group(1) or school.group(2)) + _SCHOOL_START_AGE
    return None, None


def youth_team(text: str) -> bool:
    """A children's team by age group ("my under nines", "the u10s")."""
    return (age := child_age(text)) is not None and _AGE_GROUP_RE.search(text) is not None and age < KIDS_AGE_LIMIT


def said_age(text: str) -> int | None:
    """The age said of someone, child or grown-up, None when none is said."""
    return _said_years(text)[1]


def child_age(text: str) -> int | None:
    """The age said of a child ("she's six", "his 7th birthday"), None for a grown-up's or none."""
    _, years = _said_years(text)
    return years if years is not None and 0 < years < KIDS_AGE_LIMIT else None


# A son or daughter with a job, an interview or a degree is dressed from the adult departments.
_GROWN_UP_RE = re.compile(r"\b(?:office|job|work|interview|internship|university|uni|college|graduation|graduates|graduated|"
                          r"graduating|grad school|promotion|colleagues|boss|fiance|fiancee|husband|wife|"
                          r"getting married|engaged|grown (?:man|woman|up)|all grown up|an adult)\b")
_AGE_AFTER_RE = re.compile(r"\s(?:is\s)?(?:about\s|nearly\s|almost\s|just\s)?(\d{1,2})\b(?!\s(?:dollars|bucks))")
_SELF_GENDER = {"guy": "men", "bloke": "men", "man": "men", "gentleman": "men", "dude": "men", "chap": "men", "fella": "men",
                "lad": "men", "woman": "women", "lady": "women", "girl": "women", "boy": "men", "dad": "men",
                "father": "men", "mum": "women", "mom": "women", "mother": "women", "had a baby": "women",
                "gave birth": "women", "uncle": "men", "aunt": "women", "auntie": "women", "grandad": "men",
                "grandpa": "men", "grandfather": "men", "grandma": "women", "granny": "women", "nan": "women",
                "grandmother": "women", "pregnant": "women", "expecting": "women", "having my baby": "women",
                "having a baby": "women", "having the baby": "women", "maternity": "women", "groom": "men", "bride": "women",
                "bridesmaid": "women", "best man": "men", "groomsman": "men", "bridesmaids": "women",
                "groomsmen": "men", "maid of honour": "women", "maid of honor": "women", "wife": "men", "girlfriend": "men",
                "husband": "women", "boyfriend": "women", "missus": "men", "wifey": "men", "gf": "men", "hubby": "women",
                "bf": "women"}


# "no prints, his mother is very particular": someone else's relative in an aside, not who it is for
_ASIDE_RE = re.compile(r" (?:is|was|s|says|said|thinks|reckons|would|will|always|never|hates|likes|loves|gets|can|"
                       r"cant|cannot|doesnt|does|did|didnt|wont|has|had|knows|prefers|hated|loved|liked)\b")


# "… and i also need a present for my brother but that's later": someone shopped for after this, not now
_FOR_LATER_RE = re.compile(rf"\b(?:for |to )?(?:my|our|his|her|the) (?:{_RECIPIENT_ALT})s?\b"
                           r"(?=[^,.]{0,30}?\b(?:(?:but )?(?:thats|that is|thats for|that comes|well do that|ill do that) later|"
                           r"that can wait|later on|but later|another time|another day)\b)|"
                           # "under sixty because i still have my sister to buy for": someone else, another time
                           rf"\b(?:have|got) (?:my|our) (?:{_RECIPIENT_ALT})s? (?:still |yet )?to (?:buy|shop|get something) for\b")
# who of several is shopped for first: "let's do dad first", "start with my son"
_FIRST_UP_RE = re.compile(rf"\b(?:(?:lets do|do) (?:my |our |the )?(?=(?:{_RECIPIENT_ALT})(?:s|s one|s stuff|s things)? first\b)|"
                          rf"(?:lets |well |ill )?(?:start|starting|begin|beginning) with (?:my |our |the )?)({_RECIPIENT_ALT})s?\b")


def _chosen_recipient(text: str) -> re.Match[str] | None:
    """The recipient the request is for when several people are named ("my gran passed away …
    my dad needs a black shirt" → dad): "for my X" first, then the one who needs or wants, then
    the first named."""
    named = list(_RECIPIENT_RE.finditer(text))
    # "my husband and i are going to a wedding", "i'm taking my wife for dinner": who comes along, not who it is for
    both = re.search(r"\b(?:us|we|both|the two of us)\b", text) is not None  # "me and my sister … show us kurtas"
    named = [m for m in named if m.group(0).startswith("for") or not (
        re.match(r" and (?:i|me)\b", text[m.end():]) or re.search(r"\b(?:taking|take|bringing|out with|along with) $",
                                                                   text[: m.start()])
        or (not both and re.search(r"(?:^|\s)(?:me|i) and $", text[: m.start()]))
        # "i am going on a cruise with my husband": who comes along
        or re.search(r"\b(?:going|go|travelling|traveling|away|off|cruise|trip|holiday|vacation|dinner|out) (?:\w+ ){0,3}with $",
                     text[: m.start()]))]
    if first := _FIRST_UP_RE.search(text):
        return first  # "presents for my mum and dad … let's do dad first"
    for_ = [m for m in named if m.group(0).startswith("for")]
    if for_:
        return for_[0]
    if subject := _RECIPIENT_SUBJECT_RE.search(text):
        return subject
    # "no prints, his mother is very particular": an aside; "her brother is nine": who it is for, with his age
    named = [m for m in named if not (re.match(r"(?:his|her|their) ", m.group(0)) and _ASIDE_RE.match(text, m.end())
                                      and not re.match(r" (?:is|s) (?:about |nearly |almost |just |only )?\d", text[m.end():]))]
    if named:
        return named[0]
    return _BARE_RECIPIENT_RE.search(text) if len(text.split()) <= _TERSE_WORDS else None


def self_described(text: str) -> bool:
    """Whether the shopper says who they are ("i'm a big lad", "as a mum of three"), not only a partner."""
    return _SELF_RE.search(text) is not None


# How the shopper talks gives them away: "alright mate, …", "bro, …", "cheers bhai" (the assistant addressed as
# one of the lads); "something to wear over my lehenga", "a top for under my saree" (their own clothes).
_INTERJECTION = r"(?:hey|hi|hello|alright|ok|okay|oi|yo|eh|gday|listen|sup|right|look|well|so|ah|oh|cheers|thanks|ta|yeah|nah|sorry|please|howzit|hiya)"
_ADDRESSED_AS_RE = re.compile(rf"(?:^(?:{_INTERJECTION} )*|\b{_INTERJECTION} )(mate|bro|bhai|dude|bruv|bruh|boet)\b(?! (?:s|is|and|has|needs|wants)\b)")
_OWN_WEAR_RE = re.compile(r"\bmy (?:(lehengas?|sarees?|saris?|skirts?|dress(?! (?:shirts?|shoes|trousers|pants))|handbag|purse|bras?|kurtis?|"
                          r"dupatta|salwar|anarkali|bump)|(beard|moustache|mustache|sherwani))\b")


def shopper_gender(text: str) -> str | None:
    """The shopper's own department when the words say it ("as a mum of three", "I'm the groom", "I'm
    pregnant"), or a partner implies it ("my husband", "my wife": a guess, corrected by any department
    the shopper names), or the way they talk does ("alright mate", "to wear over my lehenga"); None otherwise."""
    if (m := _SELF_RE.search(text)) or (m := _PARTNER_RE.search(text)):
        return _SELF_GENDER[next(g for g in m.groups() if g)]
    if _ADDRESSED_AS_RE.search(text):
        return "men"
    if m := _OWN_WEAR_RE.search(text):
        return "women" if m.group(1) else "men"
    return None


def talks_as_self(text: str) -> bool:
    """Whether the way the shopper talks says who they are ("alright mate", "over my lehenga")."""
    return _ADDRESSED_AS_RE.search(text) is not None or _OWN_WEAR_RE.search(text) is not None


# A kurta for Eid prayers, Holi or a wedding is men's festive wear; kurtas for the office are women's
# everyday wear: what a shopper buying one for themselves means when nothing else says it.
_FESTIVE_KURTA_RE = re.compile(r"\b(?:eid|holi|nikah|shaadi|shadi|wedding|engaged|engagement|sangeet|mehndi|haldi|puja|pooja|"
                               r"diwali|prayers|jummah|namaz|baraat)\b")
_EVERYDAY_KURTA_RE = re.compile(r"\b(?:office|work|daily|everyday|college)\b")


def kurta_department(text: str) -> str | None:
    """The department of a kurta for the shopper themself: "a white kurta for eid" → men, "kurtas for
    office" → women; None when the words say both or neither."""
    festive, everyday = _FESTIVE_KURTA_RE.search(text), _EVERYDAY_KURTA_RE.search(text)
    if bool(festive) == bool(everyday):
        return None
    return "men" if festive else "women"


def extract_recipient(text: str) -> tuple[str | None, str]:
    """The department a recipient implies: "for my wife" → women, "my son, he's ten" → boys,
    "my son's 16" → men, "my daughter's first office job" → women, "I'm a bloke" → men."""
    gender, said_age = None, None
    group = None
    text = _FOR_LATER_RE.sub(BLANK, _WHOSE_RE.sub(r"\1 \2", _THEIR_GROWN_UP_RE.sub("the ", text)))  # "my girlfriend's dad" is a dad
    text = _WANTS_MATCHING_RE.sub(BLANK, text)  # "and dad wants matching earrings": who wants them, not who wears them
    m = _chosen_recipient(text)
    if m is not None and not m.group(0).startswith("for") and FOR_MYSELF_RE.search(text):
        m = None  # "my niece is getting married and i need a dress for myself": the niece is the occasion
    _, years_said = _said_years(text)
    # "my boys, they're seven and nine", "school shoes for my boys" are boys
    grown = (years_said is None or years_said >= KIDS_AGE_LIMIT) and not (years_said is None and _SCHOOL_RE.search(text))
    if (lads := _GROUP_RE.search(text)) and grown and (m is None or (m.start() < lads.end() and lads.start() < m.end())):
        group = _GROUP_GENDER.get(next(g for g in lads.groups() if g), "men")
        text = text[: lads.start()] + BLANK + text[lads.end():]
        m = _chosen_recipient(text)  # someone else named besides the group
    shopper_needs = FOR_MYSELF_RE.search(text) or _SHOPPER_NEEDS_RE.search(text)
    if m and shopper_needs and (says := _PARTNER_SAYS_RE.search(text)) and says.start() <= m.start(1) < says.end():
        m = None  # "my wife says i need new shoes": she speaks, he shops
    if m:
        gender = RECIPIENT_GENDER[m.group(1)]
        said_age = _AGE_AFTER_RE.match(text, m.end())  # "my son's eighteen"
        text = text[: m.start()] + BLANK + text[m.end():]
    elif (m := _SELF_RE.search(text)) or (shopper_needs and (m := _PARTNER_SAYS_RE.search(text))):
        gender = _SELF_GENDER[next(g for g in m.groups() if g)]
        text = text[: m.start()] + BLANK + text[m.end():]
    else:
        gender = group
    age, years = _said_years(text)
    if years is None and said_age:
        years = int(said_age.group(1))
    if gender in ADULT_OF and (years >= KIDS_AGE_LIMIT if years is not None else _GROWN_UP_RE.search(text)):
        gender = ADULT_OF[gender]
    elif gender in KID_OF and years is not None and years < KIDS_AGE_LIMIT and m is not None:
        gender = KID_OF[gender]  # "a t-shirt for his sister, she's five"
    if age and gender is not None:
        text = text[: age.start()] + BLANK + text[age.end():]
    return gender, text


_WHOSE_RE = re.compile(rf"\b(my|our|his|her|their) (?:{_RECIPIENT_ALT})s (?:(?:little|baby|eldest|youngest|oldest|older|younger|"
                       rf"big|new|twin|teenage) (?=(?:{_RECIPIENT_ALT})\b))?((?:{_RECIPIENT_ALT})s?|parents|family|folks|"
                       r"relatives|in laws|friends|boss)\b")
# "a gift for my son's teacher", "my daughter's coach": that grown-up, not the child
_THEIR_GROWN_UP_RE = re.compile(rf"\b(?:my|our|his|her) (?:{_RECIPIENT_ALT})s (?=(?:\w+ )?(?:teacher|teachers|coach|tutor|nanny|"
                                r"babysitter|childminder|carer|headteacher|headmaster|headmistress|principal)\b)")
_WHOSE_KIN_RE = re.compile(rf"\b(?:her|his)(?= (?:eldest|youngest|oldest|middle one|little one|firstborn|"
                           rf"(?:little |big |older |younger )?(?:{_RECIPIENT_ALT})s?)\b)")
_HE_RE = re.compile(r"\b(?:he|hes|hed|him|his|himself|(?:the|this|that) (?:guy|bloke|chap|fella|fellow|gent))\b")
_SHE_RE = re.compile(r"\b(?:she|shes|her|hers|herself|(?:the|this|that) (?:lady|gal|lass))\b")


_SPEAKER_RE = re.compile(r"\b(?:he|she)(?:s| is)? (?:saying|says|said|thinks|reckons|told me|tells me|wants me to)\b")


def pronoun_gender(text: str) -> str | None:
    """The department the pronouns imply when nobody is named: "it's his birthday" → men, "she's
    six" → girls; None when both or neither are said."""
    text = _SPEAKER_RE.sub(BLANK, text)  # "he's saying no pink": the one talking, not the one shopped for
    he, she = _HE_RE.search(text), _SHE_RE.search(text)
    if he and she:  # "her eldest is five, he …": the mother is not the one shopped for
        text = _WHOSE_KIN_RE.sub(BLANK, text)
        he, she = _HE_RE.search(text), _SHE_RE.search(text)
    if bool(he) == bool(she):
        return None
    gender = "men" if he else "women"
    _, years = _said_years(text)
    return KID_OF[gender] if years is not None and years < KIDS_AGE_LIMIT else gender


_SHADE_RE = re.compile(
    r"\b(darker|dark|deeper)\b(?! (?:green|blue|red|brown|grey|gray|navy|pink|purple))|"
    r"\b(brighter|more colou?rful|more vibrant|colou?rful|vibrant|bright colou?rs?|loves colou?r|"
    r"likes colou?r|lighter|more cheerful|pop of colou?r)\b|"
    r"\b(muted|subtle|understated|toned down|neutral colou?rs?|plainer colou?rs?|too (?:bright|flashy|loud|"
    r"colou?rful|garish))\b"
)


def extract_shade(text: str) -> tuple[str | None, str]:
    m = _SHADE_RE.search(text)
    if not m:
        return None, text
    shade = "darker" if m.group(1) else "brighter" if m.group(2) else "muted"
    if shade == "brighter" and re.search(rf"\b{_NEG_CUE}(?: \w+){{0,3}} $", text[: m.start()]):
        shade = "muted"  # "she's not one for bright colours", "nothing too colourful"
    return shade, text[: m.start()] + BLANK + text[m.end():]


_FORMALITY_RE = re.compile(
    r"\b(?:(more|less|bit more|bit less|little more|little less|slightly more|slightly less)\s"
    r"(formal|casual|dressy|smart|relaxed|laid back|elegant|classy|sophisticated)|(dressier|smarter|fancier|sharper|classier)|"
    r"too (formal|casual|dressy|smart|fancy|posh))\b"
)


def extract_formality(text: str) -> tuple[str | None, str]:
    """"more formal" / "dressier" → more; "less formal" / "more casual" / "too formal" → less."""
    m = _FORMALITY_RE.search(text)
    if not m:
        return None, text
    if m.group(3):
        level = "more"
    elif m.group(4):
        level = "more" if m.group(4) == "casual" else "less"
    else:
        more = "more" in m.group(1)
        formal_word = m.group(2) in ("formal", "dressy", "smart", "elegant", "classy", "sophisticated")
        level = "more" if more == formal_word else "less"
    return level, text[: m.start()] + BLANK + text[m.end():]


# ---------------------------------------------------------------- corrections and several requests
_RESTART_RE = re.compile(
    r"^(.*?\S.*?)\s(?:no sorry|sorry no|no wait|wait no|sorry i mean|i mean|i meant|or rather|scratch that|scrap that|"
    r"correction|no no|sorry|whatever(?= (?:lets |just |ill |well )?(?:go with|do|get|take)\b))\s(.+)$"
)


_NUMBER_CORRECTED_RE = re.compile(r"(?<![\d.])\d+(?:\.\d+)? (?:no|sorry|i mean|no wait|or rather|actually) (\d+(?:\.\d+)?)\b")
# A value taken back a few words on: "in small, no, medium", "three of them actually no two", "in a six
# no wait, those run small, get me a seven": the second value in the first one's place.
_TAKE_BACK = r"(?:no wait|no actually|actually no|no no|no sorry|sorry no|or rather|i mean|i meant|no|sorry|wait)"
_VALUE_CORRECTED_RES = tuple(re.compile(
    rf"\b(?P<first>{value})\b(?: or (?:{value}))?(?P<between>(?: (?!and\b|then\b|also\b|plus\b|(?:{value})\b)\w+){{0,8}}?) "
    rf"{_TAKE_BACK}\b(?:(?: (?!and\b|then\b|change\b|switch\b|swap\b)\w+){{0,8}}?) (?:make it |make that |get me |just )?"
    rf"(?:(?:go|bump it|move) (?:up|down) to )?(?:an? |in |size )?"
    rf"(?P<second>{value}|{also})\b")
    for value, also in ((LETTER_SIZE_ALT, LETTER_SIZE_ALT), (r"\d{1,2}", "one")))
# "change the size eight to nine": the line in that size, now in the other
SIZE_TO_SIZE_RE = re.compile(rf"\b(?:change|switch|swap) (?:the |that )?(?:size )?(?:{LETTER_SIZE_ALT}|\d{{1,2}}) "
                             rf"(?:one |ones |pair )?(?:to|for) (?:an? |size )?((?:{LETTER_SIZE_ALT}|\d{{1,2}}))\b")
# "i meant thirty two not thirty four": the size of the line just added, corrected
_MEANT_NOT_RE = re.compile(rf"\b(?:i meant?|i said|meant|(?:needs|wants|takes|wears|is|shes|hes|im|theyre) an?|(?:i )?want (?:it |them |those )?in|"
                           rf"(?<=ones )(?:in )?an?|(?<=ones )in) ((?:{LETTER_SIZE_ALT}|\d{{1,2}})) "
                           rf"not (?:an? )?(?:{LETTER_SIZE_ALT}|\d{{1,2}})\b")
_IF_NONE_RE = re.compile(r"\bif (?:theres|there is|you have|youve got|you got) no\b")
_CURRENCY_WORD_RE = re.compile(r"\b(?:dollars?|bucks|pounds?|quid|euros?|rupees?|rs|inr|usd)\b")
_CURRENCY_ONLY_RE = re.compile(r"^(dollars?|bucks|pounds?|quid|euros?|rupees?)(?: sorry| then| not \w+)?$")


# "papa's first", "let's do my mum's one first": whose turn it is, not the first product shown
_WHOSE_FIRST_RE = re.compile(rf"\b(?:(?:lets )?do |start with )?(?:my |our )?({_RECIPIENT_ALT})s "
                             r"(?:one |ones |stuff |things? |gift |present )?first\b")


# "back to dad's shirts", "now my sister's bag": whose the kind is, said as a possessive
_WHOSE_KIND_RE = re.compile(rf"\b(back to|now|then|and) (?:my |our )?({_RECIPIENT_ALT})s ((?:\w+ )?(?:{TYPE_ALT}))\b")


# "some guys shorts", "ladys watches": a department said as who wears it ("hey guys" stays a greeting)
_DEPARTMENT_WORD_RE = re.compile(rf"(?<!you )(?<!hey )(?<!hi )\b(guys|blokes|lads|gals)(?= (?:{TYPE_ALT}|ones?)\b)")
_DEPARTMENT_OF = {"guys": "mens", "blokes": "mens", "lads": "mens", "gals": "womens"}


_FIRST_FOR_RE = re.compile(r"(?<!the )(?<!that )\bfirst (?:of all )?for (?=(?:my|our|his|her) )")


# "can we do hers first", "mine first, black", "let's do his first": whose turn, said with a pronoun
_PRONOUN_FIRST_RE = re.compile(r"\b(?:(?:(?:lets |can we |shall we )?(?:do|start with|go with) )(his|him|her)|(hers|mine))"
                               r"(?: one| ones| stuff| things)? first\b|\b(his) first$")
_NAMED_PERSON_RE = re.compile(rf"\b(?:my|our) ({_RECIPIENT_ALT})\b")


def _pronoun_turn(m: re.Match[str]) -> str:
    """"for myself", or "for" the person of that pronoun named in the same turn ("me and my daughter ...
    hers first": for daughter), else "for him"/"for her"."""
    who = next(g for g in m.groups() if g)
    if who == "mine":
        return "for myself"
    genders = ("men", "boys") if who in ("his", "him") else ("women", "girls")
    named = next((p.group(1) for p in _NAMED_PERSON_RE.finditer(m.string) if RECIPIENT_GENDER[p.group(1)] in genders), None)
    return f"for {named or ('him' if who in ('his', 'him') else 'her')}"


# "a winter jacket, guys'": the department said after the kind
_KIND_THEN_DEPARTMENT_RE = re.compile(rf"\b({TYPE_ALT}) (guys|blokes|gals)\b(?! (?:are|were|have|had|say|said|think)\b)")


def whose_turn(text: str) -> str:
    """"papas first something in maroon" → "for papa something in maroon"; "guys shorts" → "mens shorts"."""
    text = _DEPARTMENT_WORD_RE.sub(lambda m: _DEPARTMENT_OF[m.group(1)], text)
    text = _KIND_THEN_DEPARTMENT_RE.sub(lambda m: f"{m.group(1)} {_DEPARTMENT_OF[m.group(2)]}", text)
    text = _FIRST_FOR_RE.sub("for ", text)  # "first for my tatay, plain t-shirts": his turn first
    text = _PRONOUN_FIRST_RE.sub(_pronoun_turn, text)
    text = _WHOSE_KIND_RE.sub(lambda m: f"{m.group(1)} {m.group(3)} for my {m.group(2)}", text)
    return _WHOSE_FIRST_RE.sub(lambda m: f"for {m.group(1)}", text)


_COLOUR_CORRECTED_RE = re.compile(rf"\b({COLOUR_ALT}) (?:(?:no|no no) (?:the|a|an|some)|(?:sorry|no sorry|i mean|no wait|wait no|"
                                  rf"no actually|or rather)(?: the| a| an| some)?) "
                                  rf"(?=(?:{COLOUR_ALT})\b)")  # not "white no pink": white, and no pink


_DEPARTMENT_WORD = r"(?:boys|boy|girls|girl|mens|men|womens|women|ladies|gents|kids)"
# "i was gonna look in the boys section but … so actually mens i guess": the department said last
_DEPARTMENT_CORRECTED_RE = re.compile(rf"\b{_DEPARTMENT_WORD}\b(?=(?: \w+){{0,20}}? (?:actually|i mean|or rather|instead|"
                                      rf"make (?:it|that)) (?:the )?{_DEPARTMENT_WORD}\b)")


def restart(text: str) -> str:
    """A self-correction inside the utterance keeps what follows it when it restates the same kind
    of thing ("show me a red no sorry a green kurta" → "show me a green kurta"); a number corrected in
    passing is just that number ("she's twelve no thirteen sorry")."""
    text = _NUMBER_CORRECTED_RE.sub(r"\1", text)
    text = _COLOUR_CORRECTED_RE.sub("", text)  # "the red um no the blue dresses": blue
    text = _DEPARTMENT_CORRECTED_RE.sub(BLANK.strip(), text)
    text = _MEANT_NOT_RE.sub(r"make it size \1", text)
    text = SIZE_TO_SIZE_RE.sub(r"make it size \1", text)
    for corrected in _VALUE_CORRECTED_RES:
        if (v := corrected.search(text)) and not _CURRENCY_WORD_RE.match(text, v.end() + 1) and not _CURRENCY_WORD_RE.search(
                v.group("between")) and not _IF_NONE_RE.search(v.group(0)):
            # "fifteen quid, sorry no, fifteen euro": the currency is corrected; not "large or xl if there's no large"
            second = "1" if v.group("second") == "one" else v.group("second")
            text = text[: v.start("first")] + second + v.group("between") + text[v.end():]
            break  # "blue jeans no wait black jeans, size 28 no sorry 30": a restart before it still counts
    m = _RESTART_RE.match(text)
    if not m:
        return text
    before, after = m.group(1), m.group(2)
    if confirmed := re.match(r"(?:yeah|yes|yep|ok|okay)\b\s*(.*)", after):
        # "size 6, add the second pair. no wait, yeah the second pair": thought over, and kept
        return before if confirmed.group(1) in before else f"{before} {confirmed.group(1)}"
    if re.fullmatch(r"(?:sorry|no|oops|wait|actually|oh|ah|och|ach|aw|ooh|hmm|um|er)(?: (?:sorry|no|oops|wait|actually|oh|ah|och|"
                    r"ach|aw|ooh|hmm|um|er))*", before):
        return text  # "sorry sorry, the second one also 34": nothing said before it to take back
    if m.group(0)[len(before):].split()[0] == "sorry" and not (
            _TYPE_RE.search(after) or _COLOUR_RE.search(after) or _WHO_RE.search(after) or re.search(r"\d", after)
            or re.match(r"(?:i mean|i meant|meant|make (?:it|that)|not|in|for)\b", after)):
        return text  # "… sorry, she just had her birthday": an apology, nothing restated
    if extract_size(before)[0] and extract_size(after)[0]:
        return text  # "the second one size forty, sorry i mean large": the size is corrected, not the request
    unit = _CURRENCY_ONLY_RE.match(after)
    if unit and _CURRENCY_WORD_RE.search(before):  # "under fifteen quid, i mean dollars sorry"
        return _CURRENCY_WORD_RE.sub(unit.group(1), before)
    lead = re.match(r"^(?:\w+\s){0,3}?(?:show me|find me|find|get me|i want|i need|looking for|search for|"
                    r"can i see|let me see|do you have|have you got)\b", before)
    kept = lead.group(0) if lead else ""
    named = _TYPE_RE.findall(before)
    # "jeans for men, sorry, i meant for women": still jeans; "pocket squares, blue, or no wait, the suit's grey,
    # green": the suit is what they have, the pocket squares still what is asked for
    if named and not _TYPE_RE.search(theirs := _THE_ONE_THEY_HAVE_RE.sub(BLANK, after)):
        kept, after = f"{kept} {named[-1]}".strip(), theirs
    who = _WHO_RE.search(before)
    if who and (person := _PERSON_FIRST_RE.match(after)):  # "jeans for my son no sorry my daughter": for her
        after = f"for {person.group(0)}{after[person.end():]}"
    elif who and not _WHO_RE.search(after):  # "a shirt for me, i'm a woman, oh wait i meant trousers": still hers
        after = f"{after} {who.group(0)}"
    return f"{kept} {after}" if kept else after


_THE_ONE_THEY_HAVE_RE = re.compile(rf"\bthe (?:\w+ )?(?:{TYPE_ALT})(?:s| is| are) (?:{COLOUR_ALT})\b")
_PERSON_FIRST_RE = re.compile(rf"(?:my |our |his |her )(?:{_RECIPIENT_ALT})\b")
# who the things are for, kept across a restart that does not say it again
_WHO_RE = re.compile(rf"\b(?:im|i am) an? (?:woman|man|lady|guy|girl|boy|bloke)\b|"
                     rf"\bfor (?:my |our )?(?:{_RECIPIENT_ALT})\b|\b(?:mens|womens|ladies|boys|girls)\b|"
                     rf"\bfor (?:men|women|a man|a woman|gents|kids)\b")


_SPLIT_RE = re.compile(
    r"\s(?:and then|and also|and|then|also|plus)\s(?=(?:can you |could you |please |maybe |also |for me )?"
    r"(?:i (?:also )?(?:need|want) (?:a|an|some|to see)\b|"
    r"(?:show|find|search|get me|look for|let me see|can i see|have you got|do you have|add|put|remove|take|"
    r"check ?out|what|how much|the (?:first|second|third|"
    r"fourth|fifth|last|1st|2nd|3rd|same one|same pair)|(?:\d+|one|two|three) of the)|"
    # "white sneakers for uni and also like a black backpack": a second garment, a second search
    rf"(?:like )?(?:an?|one|some|a pair of) (?:\w+ ){{0,2}}(?:{TYPE_ALT})\b|"
    r"(?:one|another) pair in (?:a |size )?\d{1,2}\b))"  # "one pair in size 5 and one pair in 6"
)


# After a cart action, "and" + someone's need or a new garment starts the next request ("the first
# one in large and he'll want flip flops", "the fourth in medium, and some gold jhumkas to go with it").
_CART_CUE_RE = re.compile(r"\b(?:first|second|third|fourth|fifth|last|1st|2nd|3rd|4th|5th|add|put|pop|chuck|forget|remove|"
                          r"drop|ditch|scratch)\b")
_SPLIT_AFTER_CART_RE = re.compile(
    r",?\s(?:and then|and now)\s|"  # "first one in XL, and then sports bras for me"
    r"\s(?:just |so |now )?(?=(?:check ?out|checkout)\b)|"  # "forget the wallet, just check out the watch"
    # "i take the first one size s, she take the third one size m": a pick for each of them
    r"\s(?:and )?(?=(?:she|he|they|my \w+) (?:take|takes|ll take|will take|wants|want|gets|get|ll have|will have|can have) "
    r"the (?:first|second|third|fourth|fifth|last|1st|2nd|3rd|4th|5th)\b)|"
    r"\s(?:ok|okay|right|so)? ?now (?=(?:for )?(?:him|her|them|me|my|his)\b)|"  # "add that. okay now him, he needs a kurta"
    r"\s(?:and|then|also|plus)\s(?=(?:now |then )?for (?:my|his|her|our) \w+ (?:\w+ ){0,12}?(?:needs?|wants?|would like|hed like|shed like|could use|could do with)\b)|"
    r"\s(?:and then|and also|and now|and|then|also|plus)\s(?=(?:now |then )?(?:"
    r"(?:i|he|she|they|we)(?:ll| will|d| would)? (?:also |really |still |probably )?"
    r"(?:need|needs|want|wants|like|love|could do with)\b|"
    r"some\s|a pair of\s|a couple of\s|can (?:i|we) (?:see|get|have)\b|that (?:first|second|third|last)\b|"
    # "first one in large, and the same kind of thing for my son", "and same again for my wife"
    r"(?:the )?same (?:again |kind of thing |sort of thing |thing |ones? )?for\b|"
    # "the first one in small and earrings to go with it", "first one same size, oh and black formal shoes"
    rf"(?:oh )?(?:an? )?(?!(?:the|that|those|this|these|them) )(?:[a-z]+ ){{0,2}}?(?:{TYPE_ALT})\b(?! (?:in|too|as well)\b)))"
)


_BARE_ORDINAL_RE = re.compile(r"(?:ok |okay |so |yeah |um |and |between )?(?:(?:add|put in|take|i(?:'ll| will|ll|'d like| would like) (?:take|have)|give me|get me) )?"
                              r"(?:the |that )?(?:first|second|third|fourth|fifth|last|1st|2nd|3rd)(?: one)?")

_ENDS_WITH_PICK_RE = re.compile(rf"(?:^|\s){_BARE_ORDINAL_RE.pattern}$")


# "take those out, he'll lose them. i'll get him a watch instead": what comes instead, a request of its own
_INSTEAD_SPLIT_RE = re.compile(rf"\s(?=(?:ill|i will|i ll|lets|let me|maybe) (?:just |rather )?(?:get|buy|go for|try|look at|see|have) "
                               rf"(?:him|her|them|me|us )?(?:an? |some |the )?(?:\w+ ){{0,2}}?(?:{TYPE_ALT}) instead\b)")


# a part that only says who the next one is for: "and for me", "now for my wife", "ok him"
_WHO_ALONE_RE = re.compile(r"(?:(?:and|also|now|ok|okay|then|so|right) )*(?:for )?(?:me|myself|him|her|them|us|"
                           r"(?:my|our|his|her) \w+(?: \w+)?)(?: too| also| as well)?")


def split_requests(text: str) -> list[str]:
    """Several requests in one utterance ("add the first one in medium and show me sandals")."""
    parts: list[str] = []
    for part in (p for said in _SPLIT_RE.split(text) for p in _INSTEAD_SPLIT_RE.split(said)):
        parts += _SPLIT_AFTER_CART_RE.split(part) if _CART_CUE_RE.search(part) else [part]
    parts = [p.strip() for p in parts if p.strip()]
    for i in range(len(parts) - 2, -1, -1):
        if _WHO_ALONE_RE.fullmatch(parts[i]):  # "and for me also | one kurta, white": who the next request is for
            parts[i: i + 2] = [f"{parts[i]} {parts[i + 1]}"]
    if len(parts) > 1 and _ENDS_WITH_PICK_RE.search(parts[0]) and _BARE_ORDINAL_RE.match(parts[1]):
        # "the first and the second, both large", "he's a large, add the first and the second": one request
        return [text]
    return parts or [text]


__all__ = [
    "COLOUR_ALT",
    "Exclusions",
    "combine_types",
    "extract_colours",
    "extract_exclusions",
    "extract_formality",
    "extract_recipient",
    "extract_shade",
    "extract_types",
    "kurta_department",
    "narrowed",
    "restart",
    "shopper_gender",
    "split_requests",
    "talks_as_self",
]
