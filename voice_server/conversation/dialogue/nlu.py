"""Rule-based understanding: intent + slots from one (ASR) utterance, given the dialogue state."""

from __future__ import annotations

import functools
import re
from typing import Any

from rapidfuzz import fuzz, process

from commerce.catalog.vocabulary import (
    ADULT_OF,
    DESCRIPTOR_STEMS,
    KID_GENDERS,
    KID_OF,
    KIDS_AGE_LIMIT,
    MENSWEAR_WORDS,
    NAMED_FIRST,
    PRODUCT_TYPES,
    RECIPIENT_GENDER,
    TYPE_WORDS,
    WOMENSWEAR_WORDS,
    ProductType,
    descriptor_stems,
    type_named_by,
)
from commerce.models import MAX_LINE_QUANTITY
from commerce.sizing.charts import ALPHA_SIZES, ONESIZE_CATEGORIES, SHOE_CATEGORIES, WAIST_CATEGORIES
from voice_server.conversation.dialogue import meaning
from voice_server.conversation.dialogue import slots as sx
from voice_server.conversation.dialogue.lexicon import COLOUR_SYNONYMS, FILLER_WORDS, ORDINALS, STYLES
from voice_server.conversation.dialogue.numbers import UNITS, normalise_text, prepare
from voice_server.conversation.dialogue.references import (
    filed_in_colour,
    of_kind,
    recalled_list,
    resolve_many,
    resolve_one,
)
from voice_server.conversation.dialogue.state import LAST_LINE, DialogueState, LineRef, ShownProduct
from voice_server.conversation.dialogue.understanding import SEARCH_SLOTS, Intent, Slots, Understanding
from voice_server.conversation.dialogue.vocabulary import Vocabulary

_COLOUR_WORDS = sorted(COLOUR_SYNONYMS, key=len, reverse=True)
_COLOUR_REF_RE = sx.attribute_reference_re("|".join(re.escape(c) for c in _COLOUR_WORDS))
_KIND_REF_RE = sx.attribute_reference_re(meaning.TYPE_ALT)
# the parts of things ("the sole came off", "cracked at the buckle"): words of the shop, no make heard wrong
_PART_WORDS = frozenset(("sole soles insole insoles buckle buckles strap straps zip zips zipper zippers lace laces "
                         "button buttons collar collars sleeve sleeves pocket pockets hem hems lining clasp clasps "
                         "hook hooks seam seams stitching").split())
_KNOWN_WORDS = (sx.LEXICON_WORDS | frozenset(w for c in COLOUR_SYNONYMS for w in c.split())
                | frozenset(w for phrase in TYPE_WORDS for w in phrase.split()) | _PART_WORDS)


def _rx(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(rf"(?:{p})" for p in patterns))


YES = _rx(
    r"^(?:yes|yeah|yep|yup|ya|yah|aye|haan|haanji|ji|han|sure|ok|okay|correct|absolutely|definitely|of course|right|alright|"
    r"please do|do it|go ahead|go for it|sounds good|confirm|confirmed|affirmative|place it|lets do it|"
    r"lets do that|i do|that works|perfect|great|oo|ja|sige|sawa|pode|ndiyo|sim|si|oui|claro|vale|dale|confirmo|"
    r"confirme|bilkul|theek hai|thik hai)\b",
    r"\b(?:place the order|place my order|go ahead|confirm the order|confirm it|yes please|please place)\b",
)
_BOTH_IN_RE = re.compile(rf"\b(?:both|all|each)(?: of them| of those| three)? (?:in|a|an|size|(?=(?:{sx.LETTER_SIZE_ALT}|small|"
                         r"medium|large|extra large)\b))\b")  # "…, both in small", "both medium"
_BARE_PICK_RE = re.compile(r"(?:and |ok |okay |so |then )?(?:the |that )?(?:first|second|third|last|1st|2nd|3rd)"
                           r"(?: one| ones| pair)?(?: please| too| as well| then| also| for (?:me|him|her|them))*")
_EARLIER_RE = re.compile(r"\b(?:you )?(?:showed|show|shown) (?:me |us )?(?:before|earlier|at first|first|at the start)"
                         r"(?: the (?!first|second|third|fourth|fifth|last)\w+)?\b|\bbefore the \w+\b|\bfrom (?:before|earlier)\b|"
                         r"\b(?:go |now |ok )?back to the (?=\w+)")  # "now back to the dresses, under twenty"
_MEANT_RE = re.compile(r"\b(?:i meant|i mean|sorry|no wait)\b")
_IN_CART = r"(?: (?:in|from) (?:my|the) (?:cart|basket|bag|trolley)| (?:i|we) (?:just )?(?:added|picked|put in|chose))?"
_SWAP_RE = re.compile(r"\b(?:swap|switch|change|exchange) (?:that|it|this|them|those) (?:for|to|with)\b|"
                      r"\binstead of (?:that|it|this)\b|\breplace (?:that|it|this) with\b|"
                      # "swap the white one out for the second one", "replace the one in my cart with the third"
                      rf"\b(?:swap|switch|exchange|change|replace) (?:the (?:\w+ )?(?:one|ones|pair){_IN_CART}|mine|his|hers|theirs)"
                      r"(?: out)? (?:for|with)\b|"
                      # "swap that tee for the second one rather": the line named by its kind, for a pick
                      r"\b(?:swap|switch|exchange|replace) (?:that|this|the|my) \w+(?: \w+)?(?: out)? (?:for|with) "
                      r"(?:the|that|this) (?:first|second|third|fourth|fifth|last|other|\w+ one)\b|"
                      r"\b(?:swap|switch) (?:them|those|it|em)(?: over| round| around)?(?: then| please)?$")
# "they always come up small on me", "that brand runs big": why a size is changed, said, not asked
_FITS_SO_RE = re.compile(r"(?<!do )(?<!does )(?<!will )(?<!would )\b(?:they|it|these|those|that brand|\w+s) (?:always |usually |normally |"
                         r"often |all |tend to |kind of |kinda )?(?:come up|comes up|run|runs|fit|fits|are|is) (?:a bit |a little |"
                         r"quite |really |way )?(?:small|big|large|tight|loose)\b")
_CHANGE_PICK_RE = re.compile(r"\b(?:change|switch|swap|make|instead)\b|^(?:sorry|oops|actually|wait|no)\b")  # "sorry, the second one also 34"
_YES_ANYWHERE = re.compile(r"\b(?:yes|yeah|yep|yup|aye|go on|go ahead|place it|do it)\b")  # when a yes is awaited
NO = _rx(
    r"^(?:no(?! (?:worries|problem|probs|bother|biggie|stress) \w)|nope|nah|not now|not yet|cancel|dont|do not|stop|wait|"
    r"hold on|never mind|nevermind|"
    r"negative|not really|i changed my mind|actually no)\b",
    r"\b(?:dont place|do not place|cancel (?:it|that|the order)|dont do it|not right now|hold off)\b",
    r"^(?:yeah|yea|yes) nah\b",  # Australian for no
)
GOODBYE = _rx(
    r"\b(?:bye|goodbye|good bye|see you|see ya|thats all(?! (?:she|he|they|i|we|my \w+) )|that is all(?! (?:she|he|they|i|we) )|"
    r"thats it|that is it|(?:im|i am) done(?! with)|nothing else|talk later|have a good (?:day|one|night)|good night|cheers bye|"
    r"thats everything|that will be all|thatll be all|all done|im all set|im all good|im good thanks|tchau|ciao)\b",
    r"\b(?:ill |i will |i )come back (?:later|another (?:day|time)|tomorrow)\b",
)
GREETING = _rx(r"^(?:hi|hello|hey|hiya|howdy|good morning|good afternoon|good evening|greetings|yo)\b")
HELP = _rx(
    r"(?<!god )(?<!lord )(?<!heaven )\b(?:help(?! me (?:find|choose|pick|out with))|what can you do|how does this work|what can i (?:say|ask|do)|how do i(?! pay)|what do you do|"
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
    r"\b(?<!on )(?<!an )exchange\b(?! (?:student|program|programme|semester|year|trip|rate))",  # not "on exchange"
    r"\bgive (?:it|this) back\b",
)
BOUGHT_IT = _rx(  # "the jeans I bought run small": a fit review when there is fit feedback and no return word
    r"\b(?:i|we) (?:bought|got|ordered|received|kept)\b",
    r"\bfrom my (?:last |recent |latest )?order\b",
    r"\bmy (?:last |recent |latest )?(?:order|purchase)\b",
)
CHECKOUT = _rx(
    r"\bcheck ?(?:me |us )?out\b",
    r"\bcheckout\b",
    r"\b(?:settle|square) up\b",  # "right, let's settle up"
    r"\bring (?:me|it|us|them|that|this|everything|it all) up\b",  # "cool, ring me up"
    r"\b(?:put|push) (?:it|the order|my order|them|everything|it all) through\b",  # "grand, put it through"
    r"\bproceed to (?:payment|pay)\b",
    r"\bhow (?:do|can|should) (?:i|we) pay\b",
    r"\b(?:ready|want|like) to pay\b(?! (?:later|tomorrow|next|another|some other|at the end|when|after|once|on payday))",
    r"\bpay (?:now|for (?:it|this|everything|my cart|these|them))\b",
    r"\bcomplete (?:my|the) (?:purchase|order)\b",
    r"\bplace (?:the|my|an) order\b",
    r"\bbuy (?:everything|it all|all of it)\b",
    r"\b(?:finish|finalise|finalize|wrap up) (?:my|the|this) (?:order|purchase|checkout)\b",
    r"^pay\b", r"\b(?:done|thats it|thats all|all done|finished|ok|okay|right)(?: then| now)? pay(?: now| please)?$",
    r"\b(?:ill|i will|lets|let me|can i) pay\b(?! (?:later|tomorrow|next|another|some other|at the end|when|after|once|on payday|(?:on|at) the weekend))", r"\b(?:lets|let me|can i|i want to) (?:do|make) (?:the )?payment\b",
    r"\bgo ahead and (?:order|buy) (?:it|them|that|those|everything)\b",
    # "fine, go ahead and send it": with the cart filled and nothing awaited, the order
    r"\b(?:go ahead and|you can|just|please) (?:send|ship|post) (?:it|them|those|everything|it all|all of it)"
    r"(?: (?:off|over|out|through|to me|home|please|then|now))*$",
    # "then i would like to order please", "make i pay": with nothing else named, the cart
    r"\b(?:(?:i|we)(?: would|d)? like|(?:i|we) want|(?:i|we) wanna|ready) to order(?: (?:it|them|now|please|then))*$",
    r"\bmake i pay\b",
    # simple English: "ok, finish, i order", "i go to pay now", "i pay now please"
    r"^(?:(?:ok|okay|so|then|finish|finished|done|enough|good|perfect|perfetto|thats all|that is all) )*(?:i|we) "
    r"(?:order|pay|buy)(?: it| them| everything| all)?(?: now| please| then)*$",
    r"\b(?:i|we) (?:go|going|am going|m going|want|wanna) (?:to )?pay\b(?! (?:later|tomorrow|next|another|at the end|when|after|once))",
)
VIEW_CART = _rx(
    # "hmm, what size did i put in": the size of what is in the cart
    r"\bwhat (?:size|sizes|colou?r) (?:(?:did|have|had) )?(?:i|we)(?: ve)? (?:put|add|added|pick|picked|choose|chose|order|"
    r"ordered|get|got|go for|went for|gone for)\b",
    r"\b(?:whats|what is|what s|show|see|read|check|review|view|open) (?:in )?(?:my|the|me) "  # Irish "me cart"
    r"(?:cart|basket|bag)\b",
    # not "i'm gonna fill up my cart now and sort it later, first a white top": what goes in
    r"(?<!fill up )(?<!filling up )(?<!fill )(?<!load up )\bmy (?:cart|basket)\b(?!.*\b(?:add|put)\b)",
    r"\bcart total\b",
    r"\bwhat(?:ve| have|s| do| did)? (?:i|we) (?:got|have|put|added|get|add) in (?:the|my) (?:cart|basket|bag|trolley)\b",
    r"\bwhat (?:have|did|ve) (?:i|we) (?:put|added|add|got|picked)(?: in)?(?: there)? (?:so far|already|in (?:there|it|total))\b",
    r"\b(?:whats|what is|what s) in (?:there|it) (?:now|so far)\b",  # the cart, after a cart move
    r"\b(?:whats|what is|what s) (?:left|still) in (?:my|the|our) (?:cart|basket|bag|trolley)\b",  # after a removal
    r"\bhow much (?:is|does|will) (?:all (?:that|this|of (?:it|that|this))|everything|it all|that all|the total)\b",
    r"\b(?:whats|what is|what s) (?:the|my|our) (?:total|bill|damage)\b",
    r"\bhow much (?:altogether|all together|in total|all in all|all up)\b", r"^(?:and |so |ok )?(?:the|my) total\b",
    r"\bhow much (?:for|is it for) (?:everything|it all|all of it|all that|the lot|all of that)\b",
    r"\bhow much (?:is )?(?:the )?total (?:i|we) (?:have to|need to|must|should|gotta) pay\b",  # "how much total i have to pay"
    r"\bhow much (?:is )?(?:the )?total (?:is )?(?:coming|come|comes)\b",  # "how much is total coming"
    r"\bhow much (?:is|s|does|will|would) (?:that|it|this|everything|all)(?: of (?:it|that|this|them))?(?: come to| cost| be)? "
    r"(?:altogether|all together|in total|total|all in all)\b",
    r"\bwhat(?:s| does| is| will)? (?:that|it|this|everything|it all|all that|all this|the total) (?:come|comes|coming) (?:to|out)\b",
    r"\bhow many (?:\w+ )?(?:is that|are there|have i got|do i have|are in)\b",
    r"\bhow much (?:is|does) (?:my|the) (?:cart|basket|total)\b",
    r"\bwhat have i (?:got|added)\b",
    r"\bhow many (?:items|things)\b",
    r"\bwhat (?:do|will|would|shall) (?:i|we) owe\b|\bhow much do (?:i|we) owe\b",  # "what do i owe you then"
    r"\bhow much (?:am i|are we|have i|have we) (?:spending|spent|paying|up to|at)\b",  # "how much am i spending here"
    r"\b(?:does|do|is|will|would) (?:that|it|this|everything|all that|it all|that all|the total) (?:still )?(?:fit|come in|stay|keep me) "
    r"(?:in |within |under |inside )?(?:my|the|our) (?:\d+|budget)",  # "does that fit in my forty dollars"
    r"\bhow much (?:for|is it for) (?:the|both|all) (?:2|3|4|two|three|four|both) (?:pairs|of them|items|things|lines)\b",
    r"^(?:ok |okay |so |and |right )*how much (?:now|so far|is it now|is that now)$",
)
REMOVE = _rx(
    r"\btake (?:the |that |those |these |it |them |my |his |her |our )?(?:[\w]+ ){0,3}?out\b(?! of stock)",
    # "take the heels off", "actually take his off, he'll get them in the store"
    r"\btake (?:the|that|those|these|his|hers|her|mine|my) (?:[\w]+ ){0,3}?off\b(?! (?:the price|\d))",
    r"\bforget (?:about )?(?:the|that|those|these)\b(?! (?:colou?r|budget|price|brand|size)\b)",
    r"\b(?:scrap|ditch|bin) (?:the|those|these|it|them)\b(?! (?:colou?r|budget|price|brand|size|idea)\b)",
    r"\b(?:hata do|hatao|hata dena|nikal do|nikalo)\b",  # Hindi: "jeans hata do", take the jeans out
    r"\b(?:remove|delete|take (?:out|off)|(?<!every )(?<!a )(?<!single )drop(?! of)|get rid of|throw out|dont want (?:the|that|it)(?! \w+ with)(?! (?:\w+ing|to look|too|so) )|"
    r"no longer want)\b",
    r"\btake [\w ]{1,30}? (?:out of|off) (?:my|the)\b",
)
ADD = _rx(
    r"(?<!dont )(?<!do not )\badd\b(?! up)",  # "these add up fast" is money
    # "ok the second one, he's happy with that": a pick, and who it is for agrees
    r"\b(?:first|second|third|fourth|last|1st|2nd|3rd|4th) (?:one|ones|pair)\b.* (?:happy|fine|good|sold) with (?:that|this|it)\b",
    r"\b(?:pop|stick|chuck|throw|put|place) (?:[\w ]{0,30}? )?(?:in|into|to|on) (?:my|the) (?:cart|basket|bag|order)\b",
    r"\b(?:pop|stick|chuck|throw|put|place) (?:[\w ]{0,30}? )?(?:in|into) (?:cart|basket)\b",  # "the second one can, put in cart"
    r"\b(?:pop|stick|chuck|throw|bung|put) (?:it|them|that|those|these|this|one|a pair|the \w+ (?:one|ones|pair|pairs)) in\b",
    r"\b(?:throw|chuck|bung|pop) in (?:the \w+ (?:one|ones|pair|pairs)|that one|those|them|one of)\b",  # "throw in the first ones so"
    r"\bgo on(?: then)? (?:that|this) one\b",  # "go on then, that one"
    r"\bput (?:it|them|that|this) for me\b",  # "put it for me in extra large"
    r"^(?:(?:ok|okay|right|great|perfect|yes|yeah) )*adding (?:it|them|that|this|those)\b",  # "okay, adding it!"
    r"\bput (?:it|them|that|this)(?= (?:and|then|please|also)\b|$)",  # "the second is perfect. put it. and sandals"
    r"\btake the (?:cheaper|cheapest|pricier|priciest|dearer|more expensive|less expensive) (?:one |pair )?of\b",
    r"\btake (?:the (?:\w+ ){1,2}(?:one|ones|pair)|that one|this one|both)\b"
    r"(?! (?:\w+ )?(?:out|off|back))",  # "okay fine, take the first one only"
    r"(?<!to )(?<!would )(?<!will )(?<!could )(?<!might )(?<!that )(?<!which )(?<!what )\b(?:go|going) (?:with|for) "
    r"(?:the|that|this|it|those|both)\b(?! (?:one|ones)? ?(?:too|as well))",
    r"\b(?:can|could|may) i (?:get|have|grab|take|order|buy)\b",
    r"\b(?:give me|ill grab|i ll grab|ill get|ill buy|ill order|i choose|i pick|ill go for)\b",
    r"\b(?:give|gimme) us (?:that|this|it|the (?:first|second|third|last)|one)\b",  # "gie us that"
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
    r"\bwhat (?:uk |us |eu |jeans |shoe )?size\b", r"\b(?:a|one) size up\b", r"\bwhat (?:waist|dress|shoe|collar|chest|ring) size (?:would|is|does|should)\b",
    r"\bwhich size\b",
    r"\bwhat sizes? should\b",
    r"\b(?:will|would) (?:it|this|that|they|those|these) fit\b",
    r"\b(?:does|do) (?:it|this|that|they) (?:run|fit)\b",
    r"\bsize (?:advice|recommendation)\b",
    r"\bwhat would fit\b",
    r"\bwhich would fit\b",
    r"(?<!in )(?<!for )\bmy size\b(?! (?:is|s) (?:an? |size |uk |us |eu )?(?:\d|xx?s|s|m|l|xx?l|small|medium|large|extra|double)\b)",
    r"\bshould i (?:get|order|take|go for)\b",
    r"\bruns? (?:small|large|big|true)\b",
    r"\btrue to size\b",
    r"\b(?:run|runs|running|fit|fits|come up|comes up) (?:a bit |a little |quite )?(?:small|large|big|tight|loose|"
    r"narrow|wide|short|long)\b",
    r"(?<!^)(?<!^ok )(?<!^okay )(?<!^yes )(?<!^yeah )\bright size\b",  # not "right, size ten in the first ones"
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
_TYPE_WORD_RE = re.compile(rf"\b(?:{meaning.TYPE_ALT})\b")  # compiled once, not per turn
_RESIZE_IT_RE = re.compile(r"\b(?:(?:make|change|switch|swap|turn|put) (?:that|it|this|them|those) (?:to|into|for|in)|"
                           # "bump hers up to a medium"
                           r"(?:bump|move|bring|size|go) (?:that|it|this|them|those|hers|his|mine|theirs) (?:up|down) to) "
                           r"(?:an? |size )?\w+(?: \w+)?|"
                           # "can i get it in a medium instead": the line just added, another size
                           r"\b(?:get|have|do|take|want|need) (?:it|that|this|them|those|that one|this one) in "
                           r"(?:an? |size )?\w+(?: \w+)? instead\b")
# "out of the first two which one costs less", "between the first and the second, which is less money"
_WHICH_PRICE_RE = re.compile(r"\bwhich\b.*\b(?:cheaper|less expensive|more expensive|pricier|dearer|(?:less|more) money|"
                             r"costs? (?:less|more)|cheapest|priciest)\b")
_TWO_RE = re.compile(r"\b(?:two|2|both|between|or the)\b")
# "does the first one have a zip", "has it got pockets": a feature the listing may mention
_FEATURE_RE = re.compile(r"\b(?:does|do|has|have) (?:it|(?:this|that) (?:one|pair)|this|that|they|these|those|the \w+(?: one| pair)?) (?:got |have |has )?"
                         r"(?:a |an |any |some )?(zip|zips|zipper|pockets?|hood|lining|lined|buttons?|laces|strap|straps|drawstrings?|"
                         r"collar|sleeves|belt|stretch|padding|padded|chain|compartments?|uv protection|polari[sz]ed lenses)\b|"
                         r"\b(?:does|do) (?:it|(?:this|that) (?:one|pair)|this|that|they|these|those|the \w+(?: one| pair)?) (?:do|button|zip) (up)\b|"
                         # "is the second one waterproof": a quality the listing may or may not state
                         r"\b(?:is|are) (?:it|(?:this|that) (?:one|pair)|this|that|they|these|those|the \w+(?: one| pair)?) (?:\w+ )?(?:a bit |at all )?"
                         r"(waterproof|water resistant|water proof|splash proof|stretchy|stretch|slim fit|regular fit|"
                         r"warm|lined|padded|breathable|adjustable|wrinkle free|see through|sheer|lightweight|polari[sz]ed|"
                         r"knee length|full length|long|short|itchy|scratchy|soft|comfortable|comfy)\b|"
                         r"\bhow (long) (?:is|are) (?:it|this|that|they|these|those|the \w+)|"  # "how long is the second one"
                         r"\b(?:is|are) (?:it|this|that|they|these|those|the \w+(?: ones?| pair)?) (?:any )?"
                         r"(good for (?:\w+ )?\w+)")  # "are the first ones any good for trail running"
_FIBRES = r"(?:cotton|linen|silk|wool|woollen|leather|polyester|synthetics?|acrylic|rayon|viscose|cashmere|fleece|real)"
DETAILS = _rx(
    r"\bthe (?:smallest|biggest|largest) size (?:they|those|these|it|that|this|the \w+ ones?) (?:comes? in|goes? up to|goes? down to)\b",
    r"\b(?:does|do|is|are) (?:the \w+(?: ones?| pairs?)?|it|this|that|they|those|these) (?:come in|available in|in stock)\b",
    # British: "has the first one got a large", "have they got it in a ten"
    r"^(?:\w+ )?(?:has|have) (?:the \w+(?: ones?| pairs?| one)?|it|this|that|they|those|these) got (?:it |them )?(?:in )?"
    r"(?:an? |any |size )?(?:xs|s|m|l|xl|xxl|small|medium|large|extra|\d{1,2})\b",
    r"\b(?:do you have|have you got|got) (?:the \w+ (?:one|pair)|it|this|that) in\b",
    r"\b(?:is|are) (?:it|this|that|they|the \w+ one) (?:cotton|linen|silk|wool|leather|polyester|real|made)\b",
    rf"\b(?:is|are) (?:it|this|that|they|these|those|the \w+(?: one)?) (?:\w+ ){{0,2}}{_FIBRES}\b",
    r"\b(?:machine wash(?:able)?|washable|hand wash|dry clean)\b",
    _FEATURE_RE.pattern,
    r"\b(?:does|do|is|are) (?:it|this|that|they|those|these|the \w+(?: one)?) (?:come|sold|go) (?:with|together)\b",
    rf"\b(?:one|ones|it|they|pair) (?:is|are) (?:\w+ ){{0,2}}{_FIBRES}\b",
    rf"\b(?:strap|band|sole|lining|upper|bracelet|chain)s? (?:is|are) (?:\w+ ){{0,2}}(?:metal|steel|plastic|rubber|{_FIBRES})\b",
    r"\bwhat(?:s| is| are)? (?:the )?(?:\w+ )?(?:made of|material|fabric)\b",
    r"\bhow much (?:is|was|are|were|does|do) (?:it|that|this|those|these|they|the)\b",
    r"\bwhat(?:s| is) the price\b",
    r"\bwhat does (?:it|that|the \w+ one) cost\b",
    r"^(?:and )?the (?:first|second|third|last)(?: one)?$",
    r"\btell me (?:more|about)\b",
    r"\bmore (?:about|info|information|details) (?:on|about)?\b",
    r"\bdetails\b",
    r"\bwhat(?:s| is) (?:it|that|this|the \w+ one) made (?:of|from)\b",
    r"\bmade of\b(?! money)",  # "i'm not made of money" is a budget
    r"\bwhat (?:material|fabric|colou?rs?|sizes)\b",
    r"\bdescribe\b",
    r"\bdescription\b",
    r"\bhow much (?:is|does|was) (?:it|that|this|the)\b",
    r"\bwhat does (?:it|the \w+ one) look like\b",
    r"\bwhat about the\b(?! other (?:brands?|colou?rs?|styles?|kinds?|types?|makes?)\b)",  # not "the other brands": a search
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
    r"^(?:(?:nah|no|nope|meh|hmm|mm|ugh|um|naa) )+next(?: (?:one|ones|please|page|lot))?$",  # "nah, next"
    r"^(?:(?:hmm|mm|mmm|um|erm|so|and|ok|okay|got|some|any|more) )*others(?: please)?$",  # "hmm. others?"
    r"(?<!wear )(?<!wears )(?<!like )\banything else\b",  # not "she won't wear anything else"
    r"\bwhat else\b",
    r"\bother options\b",
    r"\bsomething similar\b",
    r"\bsimilar (?:ones|items|products|styles|to)\b",
    r"\bkeep going\b(?! (?:back|round|in circles|on about)\b)",  # not "i keep going back and forth"
    r"\bany others\b",
    r"\bsee more\b",
    r"\bshow me others\b",
    r"\bmore of (?:these|those|them)\b",
    r"\b(?:a few|some|any|a couple|couple|few) more\b(?! than)",
    r"^more(?: please)?$",
    r"\b(?:got|have you got|do you have) (?:any|anything) (?:more|else)\b",
    r"\bothers like (?:this|that|it)\b",
    r"\b(?:show|find|give) (?:me |us )?(?:some )?(?:different|other) (?:ones|options|styles|things)\b",
    r"\b(?:show|find|give) (?:me |us )?(?:something|anything) else\b",
    r"\b(?:any|some|got|see) (?:different|other) ones\b",
    r"\b(?:show|give|find) (?:me |us )?(?:some |a few |a couple of |a couple |few )?others?\b(?! (?:colou?rs?|sizes?|brands?|\w+s\b))",
)
SEARCH_VERB = _rx(
    r"\b(?:show|find|search|look(?:ing)? for|looking|need|want|get me|i ?d like|do you have|got any|"
    r"have any|any|recommend|suggest|shopping for|buy|browse|a pair of|some)\b",
)
DECLINE_ADD = _rx(
    r"\b(?:dont|do not) (?:add|put|buy|want to buy)\b",
    r"\bill (?:leave|pass on|skip) (?:it|that|them|those)\b",
    r"\bleave (?:it|that|them|those|everything|it all) (?:for now|there|for today|for the moment|as it is)\b",
    # "i won't check out yet", "not checking out just now": the cart stays as it is
    r"\b(?:wont|will not|dont|do not|not|not gonna|not going to) (?:\w+ )?(?:check ?out|checkout|pay|order)\b"
    r"(?: (?:just |right )?(?:yet|now|today|for now))?",
    r"\b(?:not yet|keep looking|keep browsing|not ready|ill think about it|let me think(?: about it)?|"
    r"maybe (?:later|another time)|not today|ill come back (?:later|to it))\b",
    r"\blet me (?:call|ask|check with|talk to|speak to|show) (?:my|the|her|him|them)\b",
)
CLEAR_CART = _rx(
    r"\b(?:empty|clear|reset|wipe) (?:out )?(?:my |the )?(?:whole |entire )?(?:cart|basket)\b",
    r"\b(?:empty|clear|reset|wipe) (?:out )?(?:my|the) (?:whole |entire )?bag\b",
    r"\bcancel (?:everything|it all|all of it|the whole (?:thing|lot|cart|basket))\b",
    r"\b(?:clear|empty|scrap|bin|ditch) (?:out )?(?:the (?:whole |entire )?lot|everything|it all|all of it)\b",  # "clear the whole lot"
    r"\b(?:remove|delete|take out|get rid of) (?:everything|all of it|it all|all items|all the items)\b",
    r"\bstart (?:my )?(?:cart|basket) (?:again|over)\b",
)
# "just the one is fine": one unit of the line ("just the one in blue" asks for a product)
_JUST_THE_ONE = (r"\b(?:just|only) the (?:1|one)\b(?! (?:in|with|for(?! me\b)|from|that|you|i|on)\b)|"
                 r"\b(?:just|only) (?:one|1)(?: is| will be| would be)? (?:enough|fine|ok|okay|plenty)\b|"
                 r"(?:^|\b(?:no|nah|actually|ok|okay|so|yeah|oh|hmm) )(?:one|1) (?:is|will be|would be) (?:enough|fine|plenty)\b")
# "just one is enough", "actually no, one's fine", "so just the one for me"
# "take one off, dave's pulled out": one unit fewer on the line just touched
_ONE_LESS_RE = re.compile(r"\b(?:take (?:one|1) off|one (?:less|fewer)|(?:remove|drop|take away|take off) (?:one|1) of "
                          r"(?:them|those|these)|minus one|knock one off)\b")
# "actually go up a size", "a size smaller": the next size of the line just added
_SIZE_STEP_RE = re.compile(r"\b(?:go |going |move |bump it |take it )?(up|down) (?:a|one) size\b|\bsize (up|down)\b|"
                           r"\b(?:go|bump it|move it|take it) (up|down) (?:one|1)\b(?! (?:more|pair|of))|"  # "it looks fitted, go up one"
                           r"\b(?:a|one) size (bigger|larger|up|smaller|down)\b|\bnext size (up|down)\b")
_WAIST_FROM = 24  # waists go up in twos; shoes in ones


def _stepped_size(size: str | None, cue: re.Match[str]) -> str | None:
    if size is None:
        return None
    step = 1 if next(g for g in cue.groups() if g) in ("up", "bigger", "larger") else -1
    if size.upper() in ALPHA_SIZES:  # the catalog's lettered size system
        at = ALPHA_SIZES.index(size.upper()) + step
        return ALPHA_SIZES[at] if 0 <= at < len(ALPHA_SIZES) else None
    if size.isdigit():
        return str(int(size) + step * (2 if int(size) >= _WAIST_FROM else 1))
    return None


def _names_the_line_in_focus(slots: Slots, state: DialogueState) -> bool:
    """"Make it two wallets" with the wallet in focus in the cart: the kind named is that line's."""
    focus = state.shown_by_id(state.focus_id)
    return bool(focus is not None and focus.id in state.cart.product_ids and slots.name_any
                and any(stem in focus.name.lower() for stem in slots.name_any))


_ENOUGH_RE = re.compile(r"\b(\d{1,2}) (?:is|are|s|will be|would be|should be) (?:enough|plenty)\b")  # "actually two is enough"
CHANGE_LINE = _rx(
    _ONE_LESS_RE.pattern,
    _SIZE_STEP_RE.pattern,
    r"\b(?:make|change|switch|swap|turn) (?:that|it|this|them|those)\b",
    r"\b(?:make|change) the (?!(?:first|second|third|fourth|fifth|last|other|same|next)\b)\w+(?: \w+)? (?:to )?"
    r"(?:\d{1,2}|one)\b(?! (?:dollars|bucks|waist|inch))",  # "make the socks four"
    r"\b(?:change|switch) (?:the )?(?:size|quantity)\b",
    r"\b(?:knock|bring|cut|take) (?:that|it|them|those|the \w+(?: ones?)?) (?:down|up) to (?:\d{1,2}|one)\b",  # "knock the black ones down to two"
    r"\b(?:actually |ok |okay )?(?:just|only) (?:\d{1,2}|one|a single)\b(?! (?:dollars|bucks))",
    _JUST_THE_ONE,
    r"\b(?:i need|i want|we need|make it|make that) \d{1,2} of (?:those|them|these|that|it)\b",
    r"^(?:actually |ok |okay )?\d{1,2} of (?:those|them|these|that)(?: please| then)?$",
    # "the treasurer says we buy two, one for the assistant pastor", "i'll take 3 then"
    r"\b(?:we|i)(?:ll| will| should| can| would)? (?:buy|take|get|need|want) \d{1,2}\b(?! (?:more|dollars|bucks)\b)",
    r"\binstead\b",
    _ENOUGH_RE.pattern,
)
# "i wanna get her something warm, winters here are no joke": shopping, whatever else is said
_SHOPPING_FOR_RE = re.compile(r"\b(?:get|buy|find|want|need|looking for|shopping for) (?:(?:her|him|them|me|us|my \w+) )?"
                              r"(?:something|a present|a gift|a little something)\b")
OUT_OF_SCOPE = _rx(
    r"\b(?:weather|forecast|raining|temperature|news|headlines|stock market|joke|recipe|directions|traffic|"
    r"flight|flights|movie|song|president|election|taxi|cab|uber|restaurant|restaurants|football|cricket|"
    r"lottery)\b",
    r"\b(?:book|order|call|get) (?:me |us )?(?:a |an |the )?(?:table|train|bus|ticket|tickets|hotel|room|"
    r"appointment|ride|pizza)\b",
    r"\b(?:who won|whats the score|what was the score)\b",
    r"\b(?:what time is it|whats the time|who are you really|tell me a story|(?:going to|gonna|will it) (?:rain|snow))\b",
)
NOT_SOLD = re.compile(
    r"\b(?:do you|do you guys|do yall|you guys|does the shop|do they|does this shop|can i buy) "
    r"(?:sell|stock|carry|do|buy)\b"
)
_DEPARTMENT_RE = re.compile(r"\b(?:men|mens|women|womens|ladies|gents|menswear|womenswear)\b")
# Goods a fashion shop does not sell: asked for by name they get the out-of-scope answer, not a search.
NOT_SOLD_GOODS = _rx(
    # not what the shopper has ("a backpack that fits my laptop", "a bag for my books"): a fit, not goods asked for
    r"(?<!my )(?<!his )(?<!her )(?<!their )(?<!our )(?<!your )\b(?:lipsticks?|make ?up|mascara|eyeliner|foundation|nail polish|perfumes?|colognes?|aftershave|"
    r"sofas?|couch(?:es)?|furniture|mattress(?:es)?|phones?|iphones?|smartphones?|phone cases?|"
    r"laptops?(?! (?:bags?|backpacks?|sleeves?|compartments?|pockets?|cases?))|"
    r"tablets?|tvs?|televisions?|headphones|earbuds|groceries|toys?|books?|snacks?|sweets|mithai|"
    r"chocolates?|pizzas?|diyas?|rangoli|kaju katli|katli|laddoos?|ladoos?|barfi|dry fruits?|(?:fire)?crackers|fireworks|"
    r"fairy lights|candles?|protein (?:powder|shakes?|bars?)|supplements?|lunch ?box(?:es)?|sleeping bags?|tents?|camping (?:gear|stoves?|chairs?)|"
    r"hot water bottles?|electric blankets?|bedding|bouquets?|yoga mats?|airtime|phone credit|data bundles?|"
    r"corned beef|spam|canned goods|tinned food|instant noodles|pot noodles|breast pumps?|baby monitors?|"
    r"abayas?|burqas?|(?:match|concert|movie|cinema|game|gig|festival) tickets?|"
    # clothes the catalog does not carry
    r"swimmers|swimsuits?|swimwear|swimming (?:costume|trunks|shorts)|swim (?:shorts|trunks|suit)|bathers|cossies?|"
    r"wetsuits?|wellies|wellington boots|gumboots|rain boots|gloves|mittens|mitts|umbrellas?|"
    r"golf (?:shoes|clubs|balls|gloves|bags?)|cameras?|camera bags?|tripods?|reading glasses|spectacles|"
    r"prescription glasses|contact lenses)\b",
    # words that also describe clothes ("wine red", "a rose print") only when asked for as goods
    r"\b(?:sell|buy|get|order|add|send|deliver|book|stock|throw in|chuck in)\b(?: \w+){0,4} (?:cakes?|food|tents?|"
    r"tickets?|flowers|roses|blankets?|candles?|wine|beer|champagne|balloons?)\b",
)
# Services the shop does not offer, asked in the middle of shopping ("can you gift wrap it").
SERVICES = _rx(
    r"\b(?:get|have) (?:it|them|this|that|those) gift ?wrap(?:ped)?\b",
    r"\bgift ?wrap(?:ped|ping)?\b", r"\bwrap (?:it|them) (?:up )?(?:as a gift|for me|nicely)\b",
    r"\b(?:add|pop|put|include|write|slip) (?:in )?(?:a |an )?(?:little )?(?:gift )?(?:card|note|message)\b",
    r"\bengrav(?:e|ed|ing)\b", r"\bmonogram", r"\bprint (?:their|his|her|my|our|the|a) names?\b",
    r"\b(?:names?|initials) (?:printed|on the back)\b", r"\balterations?\b", r"\b(?:taking|take|taken) up\b(?! (?:the |a |an )?(?:golf|tennis|running|yoga|hiking|cycling|swimming|gym|"
    r"dancing|football|cricket|squash|pilates|climbing|a hobby|a new hobby|sport|sports|walking|jogging))",  # a pastime
    r"\b(?:hemm?(?:ed|ing)?|tailor(?:ing)?|tailored (?:to|for) (?:me|him|her|my))\b",
    r"\b(?:get|have|had) (?:it|them|this|that|those|the \w+) (?:tailored|altered|taken in|ironed|pressed|steamed)\b",
    r"\b(?:iron|press|steam) (?:it|them|everything|the \w+)\b",  # not "mum's already ironed it"
    r"\b(?:stitch|sew)(?:ed|ing)? (?:the |my |her |a )?(?:blouse|it|them)\b",
    r"\b(?:hold|reserve|put aside|set aside|keep) (?:it|them|this|that|the \w+)(?: for me)? (?:till|until|for)\b",
    r"\b(?:recommend|suggest|know) (?:a |any |some )?(?:nice |good |decent )?(?:hotels?|bars?|pubs?|restaurants?|"
    r"cocktail bars?|places? to (?:eat|stay))\b",
    r"\bbook (?:me |us )?(?:a |an )?(?:\w+ )?(?:artist|pedicure|manicure|massage|salon|appointment|makeup)\b",
    r"\b(?:travel |holiday |health |phone )?insurance\b", r"\bvisas?\b", r"\bcurrency exchange\b",
    r"\bbook (?:me |us )?(?:a |an |the )?(?:\w+ )?(?:flights?|hotel|taxi|cab|table|tickets?)\b",
)
# "what is the difference between slim fit and regular fit": how the cuts differ, not two products
_FIT_WORD = r"(?:slim|regular|skinny|relaxed|loose|straight|tapered|comfort)(?: fit)?"
FITS_QUESTION = _rx(rf"\b(?:difference|different) between {_FIT_WORD} and {_FIT_WORD}\b",
                    rf"\bwhat(?:s| is) (?:a |the )?{_FIT_WORD} fit\b(?! (?:ones?|shirts?|jeans|trousers)\b)")
# "do i have to pay customs when it comes to switzerland", "any import duty on top"
CUSTOMS_QUESTION = _rx(r"\b(?:customs|import (?:duty|duties|tax|taxes|fees?|charges?)|duties|vat on (?:import|arrival))\b",
                       r"\b(?:pay|charge|charged|any|extra) (?:import )?duty\b")
DELIVERY_QUESTION = _rx(
    r"\bwhen (?:will|would|does|do|can|could) (?:it|that|this|they|those|these|the \w+|everything|my order)(?: all)? "
    r"(?:get (?:here|to (?:me|us|you))|arrive|come)\b",  # "when would it all get here"
    r"\b(?:will|would|is|does|can|could) (?:it|that|this|they|those|these|the \w+|everything|my order|that lot|this lot|"
    r"it all|them all|all that|all of it|my stuff|the lot)(?: actually)? "
    r"(?:gonna |going to )?(?:get (?:here|to (?:me|us|you))|arrive|be (?:here|delivered|there)|"
    r"come (?:in time|on time|before|by)|reach (?:me|us|[a-z]+ (?:by|before|in time|on time|within|for)))\b",
    r"\bhow (?:long|quick|fast) (?:does|will|is|would) (?:it|the)? ?(?:delivery|shipping|take to (?:arrive|come))\b",
    r"\b(?:delivery|shipping) (?:time|times|date|dates|estimate)\b", r"\bnext day delivery\b",
    # "how long's shipping take out to lubbock", "how many days delivery to busan", "how long would it take getting to"
    r"\bhow (?:longs?|many days|many weeks|soon|quick|fast)\b(?: \w+){0,4} (?:delivery|shipping|ship|deliver|post|"
    r"take (?:getting|to get|to arrive|to come)|getting (?:to|here|there))\b",
    r"\b(?:do|can|will|could)(?: you| u)? (?:ship|deliver|post) (?:to|out to|overseas|abroad|internationally)\b",
    # "is shipping to germany possible", "do you do delivery to kenya", "any shipping to nz"
    r"\b(?:is|are) (?:there )?(?:shipping|delivery)(?: \w+){0,3} (?:possible|available|an option)\b",
    r"\b(?:any|is there|do you (?:do|have|offer)) (?:international |overseas )?(?:shipping|delivery) to\b",
    r"\b(?:can|could|will|you) (?:you )?deliver (?:by|before|in time|this|next|on|tomorrow)\b",  # "can deliver by this week or not"
    # "can you ship it straight to her house", "could you send them to my brother's flat"
    r"\b(?:you|una|u)(?: guys)? (?:dey )?(?:ship|deliver|post)(?: it| them)? (?:to|out to|on|at)\b",
    r"\bhow much (?:is |for |does |will )?(?:the )?(?:delivery|shipping|postage)\b",
    r"\bhow long (?:till|until|til|before) (?:it|they|that|this|those|my order|the order|everything)(?:d|ll| will| would)?(?: all)? "
    r"(?:gets?|arrives?|comes?|turns? up|is here|are here)\b",
    # "is delivery free on that", "do you charge for shipping", "free postage?"
    r"\b(?:is|are) (?:the )?(?:delivery|shipping|postage) (?:free|included|extra|charged)\b",
    r"\bfree (?:delivery|shipping|postage)\b", r"\b(?:charge|pay|cost|costs|fee|fees) (?:for |extra for )?(?:the )?(?:delivery|shipping|postage)\b",
    r"\b(?:delivery|shipping|postage) (?:cost|costs|charge|charges|fee|fees|price)\b",
    r"\bhow many days (?:it |does it |will it |would it |for (?:it|delivery|shipping) )?(?:take|to (?:deliver|arrive|come|get))\b",
    r"\bhow (?:quick|quickly|soon|fast) (?:can|could|will|would) (?:you|it|they) (?:deliver|ship|arrive|get)\b",
    r"\b(?:will|would|can|could) (?:it|they|that|this|everything|it all) get there (?:by|before|in time|on time|for)\b",
    r"\b(?:can|could|will|would) you (?:ship|deliver|post|send) (?:it|them|this|that|these|those|everything|"
    r"(?:the|my) order) (?:straight |directly |direct )?to\b(?! (?:my |the )?(?:cart|basket|bag|trolley))",
)
# "can I pay cash when it's delivered", "do you take paypal": how to pay, not a checkout
PAYMENT_QUESTION = _rx(
    r"\b(?:pay|paying) (?:in |with |by )?(?:cash|cheque|check|paypal|upi|installments|instalments)\b",
    r"\bcash on delivery\b", r"\bpay (?:on|at|upon) delivery\b", r"\bcod\b", r"\bpaypal\b",
    r"\b(?:do|can|will) you (?:take|accept) (?:cash|(?:credit |debit )?cards?|paypal|upi|amex|apple pay|google pay|"
    r"bank transfers?|transfers?|eft|mobile money|m ?pesa|gcash|klarna|afterpay|visa|mastercard)\b",
    r"\bpay (?:by|with|via|through) (?:bank transfer|eft|mobile money|m ?pesa|gcash|klarna|afterpay)\b",
    # "can i pay by card", "i pay with my credit card, is that okay": how to pay, not yet paying
    r"\b(?:can|could|may) (?:i|we) pay (?:with |by |using |on )(?:a |my )?(?:credit |debit )?"
    r"(?:cards?|visa|mastercard|amex|apple pay|google pay)\b",
    r"\bpay(?:ing)? (?:with |by |using |on )(?:a |my )?(?:credit |debit )?(?:cards?|visa|mastercard|amex|apple pay|google pay)"
    r"(?: \w+)?,? (?:is that|is it|thats|that) (?:ok|okay|fine|alright|possible|accepted)\b",
    r"\b(?:do|can|will) you (?:take|accept) (?:credit|debit|visa|mastercard)\b",
)
RETURNS_POLICY = _rx(
    r"\breturns? policy\b", r"\b(?:exchange|refund) policy\b", r"\b(?:returns?|exchange|refund) (?:window|period)\b",
    r"\bhow long (?:do|does|will|would) (?:a |the )?(?:returns?|refunds?|exchanges?) take\b",
    r"\b(?:can|could) (?:i|we|she|he|they) (?:return|exchange|swap|send) (?:it|them)(?: back)? (?:if|in case)\b",
    r"\b(?:if|in case) (?:she|he|they|it|i) (?:still )?(?:hates?|doesnt (?:like|fit)|dont (?:like|fit))\b",
    r"\bhow (?:do|does|would|will) (?:the )?returns? (?:work|go)\b", r"\bhow (?:do|can|would) (?:i|we) (?:return|send back)\b",
    r"\b(?:can|could) (?:she|he|they) (?:return|exchange|swap) (?:it|them|those|that)\b(?! (?:for|to) )",  # a gift
    r"\bwhat if (?:she|he|they|it) (?:hates?|doesnt (?:like|fit)|dont (?:like|fit))\b",
    # "if it doesn't fit, i can send it back?", "if she does not like it can she give it back"
    r"\b(?:if|in case)\b(?: \w+){1,6} (?:(?:can|could) (?:i|we|she|he|they)|(?:i|we|she|he|they) can) "
    r"(?:return|exchange|swap|send (?:it|them) back|give (?:it|them) back|get (?:a )?refund)\b",
    r"\b(?:if|in case) (?:she|he|they|it|i) (?:does not|do not) (?:like|fit)\b",
    r"\b(?:free|paid) returns?\b", r"\b(?:are|is) (?:the )?returns? free\b", r"\bpay for (?:the )?returns?(?: shipping| postage)?\b",
    r"\breturns? (?:shipping|postage|fee|cost)\b",
)
# "what time do you close today", "are you open on sundays", "is there an actual store i can go to"
SHOP_HOURS = _rx(
    r"\bwhat time (?:do|does|are|will) (?:you|u|the (?:shop|store)) (?:close|open|shut)\b",
    r"\b(?:opening|closing|business|shop|store) (?:hours|times)\b",
    r"\b(?:are|r) (?:you|u) (?:still )?open (?:on|at|till|until|tomorrow|today|tonight|now|late|24|all|every|sundays?|"
    r"saturdays?|weekends?|public holidays)\b",
    r"\bwhat time (?:are|r) (?:you|u) open\b", r"\bhow late (?:are|r) (?:you|u) open\b",
    r"\b(?:is there|do you have|have you got) (?:an? )?(?:actual |physical |real )?(?:store|shop|branch|outlet)s? "
    r"(?:i|we) (?:can|could) (?:go|visit|come)\b",
)
_ASKS_HOW_RE = re.compile(r"(?:and |so |ok |okay )?(?:how|when|what|will|would)\b")  # "how quick can you get it to perth"
SMALL_TALK = _rx(r"\bhow(?:s| is| are)? (?:your|you|it going|things)\b", r"\bhow are you\b")
REFINE_CUE = _rx(r"^(?:in|only|just|make it|maybe|what about|how about|any in|do you have it in|but|with|or)\b")
RECOMMEND = _rx(
    r"\bwhich (?:one |of (?:these|those|them) )?(?:would|do|should|will) (?:you|i) (?:recommend|suggest|pick|choose|go for)\b",
    r"\bwhat (?:would|do) you (?:recommend|suggest)\b",
    r"\b(?:your|the) (?:favourite|favorite|best one|top pick|pick)\b",
)
CART_WORD = _rx(r"\b(?:cart|basket|bag|order)\b")


# "waist thirty two" / "thirty two waist" names a size unless it is the shopper's own waist
_WAIST_SIZE_RE = re.compile(
    r"(?<!my )(?<!my waist is )\b(?:waist (?:size )?(\d\d)|(\d\d) waist)\b(?! (?:inches|inch|cm|centimetres))"
)


_CART_PLACE_RE = re.compile(r"\b(?:in|into|to|from|out of) (?:my|the) (?:shopping )?(?:cart|basket|bag|trolley)\b")
_JUST_THE_ONE_RE = re.compile(_JUST_THE_ONE)
_MAKE_A_SIZE_RE = re.compile(r"\b(?:make|change) (?:it|that|them|those|mine|his|hers|theirs) (?:to )?an? (\d{1,2})\b"
                             r"(?!\s(?:dollars|bucks|of|more|left|pairs?|pack))")
_JUST_QTY_RE = re.compile(r"\b(?:just|only|make it|make that)\s(\d{1,2})\b(?!\s(?:dollars|bucks|of|more|left))")
_FORGET = r"\b(?:forget|never mind|ignore|drop|scrap) (?:about )?(?:the|that|my) "  # "forget the colour"
_LIFT_CUES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("brand", re.compile(rf"\b(?<!every )(?<!hate )(?:any|whatever|other|another|different) brands?\b(?! but)|"
                         rf"{_FORGET}brand\b")),
    ("colour", re.compile(rf"\b(?:any|whatever) colou?rs?\b(?! but)|{_FORGET}colou?r\b")),
    ("price", re.compile(rf"\b(?:any price|money is no object|price doesnt matter|whatever it costs)\b|"
                         rf"{_FORGET}(?:budget|price)\b")),
)
_TOPIC_CUES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("material", re.compile(r"\b(?:made (?:of|from|out of)(?! money)|material|fabric|what is it made|"
                            rf"(?:is|are) (?:it|that|this|they|these|those|the \w+(?: one)?) (?:\w+ ){{0,2}}{_FIBRES}\b|"
                            rf"(?:one|ones|pair) (?:is|are) (?:\w+ ){{0,2}}{_FIBRES}\b|"
                            r"(?:cotton|linen|silk|wool|leather|polyester)\?|"
                            # "is the strap on the casio metal or leather"
                            rf"\b(?:is|are) (?:the )?(?:strap|band|sole|lining|upper)s? (?:on |of )?(?:\w+ ){{0,3}}(?:metal|{_FIBRES})\b|"
                            rf"\b(?:strap|band|sole|lining|upper|bracelet|chain)s? (?:is|are) (?:\w+ ){{0,2}}(?:metal|steel|plastic|rubber|{_FIBRES})\b)")),
    ("feature", _FEATURE_RE),
    ("includes", re.compile(r"\b(?:come|comes|sold|(?<!lets )(?<!ill )(?<!just )(?<!^)go) (?:with|together)\b|\bseparate(?:ly)?\b")),
    ("care", re.compile(r"\b(?:machine wash(?:able)?|washable|hand wash|wash (?:it|them|this|these|those)|how (?:do|should|can) (?:i|we|you) wash|dry clean|iron(?:ing)?|"
                        r"care instructions|shrinks?|shrinking|shrunk|in the wash)\b")),
    # "is the first pair actually for girls", "are they unisex or just for guys": whom it is sold for
    ("department", re.compile(r"\b(?:is|are) (?:it|they|that|this|those|these|the \w+(?: one| ones| pair)?) (?:\w+ )?"
                              r"(?:(?:for|a|an) )?(?:girls?|boys?|men|women|ladies|guys|kids|children|unisex|mens|womens)\b|"
                              r"\b(?:mens|womens) or (?:mens|womens)\b")),
    ("price", re.compile(r"\b(?:how much|price|cost|costs|what does it cost)\b")),
    ("sizes", re.compile(r"\b(?:come in|come in a|available in|have (?:it|that|this|the \w+ one) in|in stock|"
                         r"(?:smallest|biggest|largest) size)\b")),
)


def _clean(text: str) -> str:
    return " ".join(t for t in text.split() if t not in FILLER_WORDS or t in {"like", "please"})


_EM_RE = re.compile(r"\bem\b")  # "chuck em in", "two of em"
# "only yellow or mustard type shades", "shades of blue", "pastel shades": colours, not sunglasses
_COLOUR_SHADES_RE = re.compile(rf"\b((?:(?:{meaning.COLOUR_ALT}) (?:or|and) (?:{meaning.COLOUR_ALT})|(?:{meaning.COLOUR_ALT})"
                               r"(?= (?:type|kinda|kind of|sort of) )|bright|brighter|pastel|earthy|earth|darker|lighter|neutral|"
                               r"muted|warm|cool|jewel|autumn|autumnal|festive|soft)(?: type| kinda| kind of| sort of)?) shades\b|"
                               r"\bshades of (?=(?:" + meaning.COLOUR_ALT + r")\b)")
# "an none of that either", "an the belt": Scots and spoken "and" ("an" before no noun)
_AN_FOR_AND_RE = re.compile(r"^an (?=(?:none|no|nothing|not|also|the|some|maybe|what|how|a|one|two|make|show)\b)")
# "them first ones are nice", "them black ones": "them" said for "those" (Irish, Northern English)
_THEM_AS_THOSE_RE = re.compile(r"^(?:(?:ok|okay|yeah|right|oh|ooh|aye) )*them(?= (?:first|second|third|fourth|fifth|last|"
                               r"cheap\w*|\w+ ones?)\b)")


def _strip_fillers(text: str) -> str:
    """Drop hesitation words so anchors like '^yes' still work ("um yes"), and hedges ("so medium i
    guess": no brand GUESS); garment words spelled as heard ("leggins", "jumkas") are read as meant."""
    text = _READ_ONES_RE.sub("red ", _CHECK_CLOTH_RE.sub("checked ", _HEDGE_RE.sub(" ", _FOREIGN_HELLO_RE.sub("hello ", text))))
    kept = " ".join(_spelled(_SAID_AS.get(t, t)) for t in text.split() if t not in _HESITATIONS)
    return _STUTTER_RE.sub(r"\1", kept)


# "nothing grey or, or black", "and the, uh, the third one": a small word said twice
_STUTTER_RE = re.compile(r"\b(or|and|the|a|an|in|for|to|of|my|it|is|with|i|some|any|that|this)(?: \1\b)+")


# "bonjour, i need shoes for work": a hello, not the brand Bonjour
_FOREIGN_HELLO_RE = re.compile(r"^(?:bonjour|hola|ciao|salut|hallo|namaste|salaam|konnichiwa|ola|oi)\b(?= \w)")
_READ_ONES_RE = re.compile(r"\bread (?=ones?\b|colou?red\b)")  # "read ones": speech-to-text's "red ones"
_CHECK_CLOTH_RE = re.compile(r"\bcheck (?=(?:shirt|skirt|trouser|pant|blazer|suit|dress|jacket|scarf|kurta)s?\b)")  # "a check shirt"
_ONE_WORD_TYPES = sorted(w for w in TYPE_WORDS if " " not in w and "-" not in w and len(w) >= 5)
# English words one letter short of a garment word ("every single wedding guest" is no singlet)
_REAL_WORDS = frozenset({"single", "singles", "dangers", "dangles", "kickers", "runner", "chokes", "scares", "muffle",
                         "muffles", "blazes", "pedant", "pedants", "erring", "jeweller", "jewellers", "seater"})
_SPELLING_CUTOFF = 90  # "leggins" → leggings (93), "jumkas" → jhumkas (92); not "slippery" → slippers (88)


@functools.lru_cache(maxsize=4096)
def _spelled(token: str) -> str:
    """An unknown word of six letters or more that is a garment word with one letter dropped ("leggins",
    "jumkas"), read as that word; a word one letter longer ("thanks" → tanks) is left alone."""
    if len(token) < 6 or not token.isalpha() or token in _KNOWN_WORDS or token in FILLER_WORDS or token in _REAL_WORDS:
        return token
    match = process.extractOne(token, _ONE_WORD_TYPES, scorer=fuzz.ratio, score_cutoff=_SPELLING_CUTOFF)
    if match is None or match[0][0] != token[0] or len(match[0]) != len(token) + 1:
        return token
    return str(match[0])


# words said the way a region says them ("for meself", "tek it out", "fi mi niece")
_SAID_AS = {"sandles": "sandals", "sandle": "sandal", "blew": "blue", "courta": "kurta", "courtas": "kurtas", "meself": "myself", "mesel": "myself", "tek": "take", "fi": "for", "wid": "with", "nutten": "nothing", "fist": "first", "median": "medium",
            "sweeter": "sweater", "sweeters": "sweaters", "scandals": "sandals", "genes": "jeans",
            "nuttin": "nothing", "maself": "myself", "masel": "myself", "plazo": "palazzo", "plazos": "palazzos",
            "plazzo": "palazzo", "plazzos": "palazzos", "palazo": "palazzo", "palazos": "palazzos", "kurties": "kurtis",
            "curtis": "kurtis", "cheque": "check",
            # Scots, Jamaican and Filipino forms: "the first wan", "whit's in my basket", "three pcs"
            "broon": "brown", "wan": "one", "oot": "out", "odda": "other",
            "pcs": "pieces", "ganzie": "tshirt", "ganzies": "tshirts", "pit": "put", "whit": "what", "whits": "whats"}


# hesitations, and the particles closing a Singaporean or Malaysian phrase ("okay the second one lor")
_HESITATIONS = frozenset({"um", "umm", "uh", "uhh", "er", "erm", "hmm", "oh", "lah", "lor", "leh", "meh", "ay", "ayy"})  # "ay wait, sorry": a Filipino or Latin exclamation


_HEDGE_RE = re.compile(r"\bi (?:guess|suppose|reckon)\b")


def _drop_excluded(values: dict[str, Any]) -> None:
    """What the shopper ruled out is not also asked for ("no stripes, he says stripes are for zebras",
    "nothing black, she has ten black dresses")."""
    excluded_colours = set(values.get("exclude_colours") or ())
    if excluded_colours and values.get("colours"):
        kept = [c for c in values["colours"] if c not in excluded_colours]
        values["colours"] = kept or None
        if not kept or values.get("colour") in excluded_colours:  # "colour" is the canonical spelling
            values["colour"] = kept[0] if kept else None
    excluded_brands = {b.lower() for b in values.get("exclude_brands") or ()}
    if excluded_brands and (values.get("brand") or "").lower() in excluded_brands:
        values["brand"] = None  # "nothing from lavie, she has three lavie bags"
    if excluded_brands and values.get("brands"):
        values["brands"] = [b for b in values["brands"] if b.lower() not in excluded_brands] or None
    excluded_stems = set(values.get("exclude_words") or ())
    for key in ("style", "material"):
        word = values.get(key)
        if word and excluded_stems & {*descriptor_stems(word), *word.split()}:  # "super skinny, not so tight"
            values[key] = None


_KEEP_CUES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("price", re.compile(r"\bsame (?:budget|price|price range|limit|max|maximum)\b")),
    ("colour", re.compile(r"\bsame (?:sort of |kind of |type of |kinda |sorta )?(?:colou?rs?|shades?|tones?)\b|"
                          r"\bin that colou?r too\b|\bin (?:those|these) colou?rs\b")),
    # "and some leggings to wear under it": for the same outfit, so the colours ruled out stay out
    ("colour_none", re.compile(r"\bto (?:go|wear) (?:with|under|over) (?:it|them|that|those|this|the \w+)\b")),
)
_OTHERS_RE = re.compile(r"\b(?:some |any )?(?:different|other) (?:ones|options|styles)\b|\bsomething else\b|"
                        r"\b(?:give|show) (?:me |us )?others?$")  # "these are not nice, give me other"
_PLAIN_DISLIKED_RE = re.compile(r"\b(?:finds |find )?plain (?:ones |stuff |things |tees |t shirts )?(?:are |is |s )?(?:too |a bit |so |kinda )?"
                                r"(?:boring|dull|bland)\b|\b(?:bored of|sick of|tired of|hates?|doesnt like|dont like|nothing|not|no) plain\b")
_PLAIN_RE = re.compile(r"\b(?:plain|plainer|simpler|no patterns?|nothing patterned|solid colou?rs?)\b")
PATTERN_STEMS = ("print", "stripe", "check", "floral", "graphic")
_CLASSIC_RE = re.compile(r"\b(?:more |something |bit more |a bit more )classic\b|\bclassic (?:ones?|pairs?|designs?|styles?|looking)\b|"
                         r"\b(?:too|bit|so|very|nothing|not|less|no) (?:too )?(?:quirky|gimmicky|novelty|cartoony|silly)\b")
_POSITION = r"(?:first|second|third|fourth|fifth|last|1st|2nd|3rd|4th|5th)"
_PRAISE = (r"(?:cute|nice|lovely|great|perfect|gorgeous|beautiful|fun|cool|smart|sweet|adorable|stunning|brilliant|amazing|"
           r"fab|fabulous|classy|elegant|pretty|sharp|ace|class|sick|fire|dope)")
_CHOICE_RE = re.compile(r"^(?:(?:the|that|those) )?(?:(?:first|second|third|fourth|fifth|last) (?:ones?|pair)|first (?:two|2|three|3))"
                        r"(?: for (?:him|her|me|them|us|myself|(?:my|his|her|our) \w+))?(?: too| as well| also)?(?: please| then)?"
                        r"(?: (?:those|they|that|it|thats|theyre|its)(?: are| is)? (?:so |really |very )?"
                        rf"(?:{_PRAISE}|good|the one))?(?: (?:is |s )?(?:fine|grand|ok|okay|good|perfect))?"
                        r"(?: thanks| thank you| cheers| ta)?\W*$|"  # "the first one's fine, thanks"
                        r"^(?:yeah|yes|yep|yup|aye|ja|ok|okay|sure|right|perfect|great|lovely|go on then|go on|fine|alright)\b"
                        r"(?: \w+){0,3} (?:that|the) (?:first|second|third|fourth|fifth|last|1st|2nd|3rd)"
                        r"(?: one| pair)?(?: please| then| it is| so)?\W*$|"
                        # "the cheapest one", "out of the first two the cheaper one": a pick said alone
                        r"^(?:(?:yeah|yes|ok|okay|right|fine|alright|just|cool|great|perfect|sure|so|nice|lovely) )*"
                        r"(?:out of (?:those|these|them|the \w+ \w+) )?"
                        r"(?:(?:the|that) )?(?:cheapest|cheaper|least expensive|less expensive|priciest|dearest|most expensive)"
                        r" (?:one|pair|of (?:those|these|them))(?: please| then)?(?: (?:in )?(?:an? |size )?\w+)?"
                        r"(?: (?:is|s|will be|would be) (?:fine|good|grand|perfect|ok|okay|great)| will do| ll do)?\W*$|"
                        # "second", "first and third", "2nd please": a position alone, after a list
                        rf"^(?:(?:ok|okay|yeah|yes|fine|right|alright|um|hmm|so) )?(?:the )?{_POSITION}"
                        rf"(?: (?:and|n) (?:the )?{_POSITION})?(?: one| ones)?(?: please| then| thanks)?\W*$|"
                        # "cheapest", "just the cheapest please": the cheapest one on screen, picked
                        r"^(?:(?:ok|okay|fine|so|um|hmm|just) )*(?:the )?(?:cheapest|priciest|dearest)(?: please| pls| then)?\W*$|"
                        # "ok both", "i'll take both of them": the two in question
                        r"^(?:(?:ok|okay|yeah|yes|fine|alright|go on) )?(?:ill take |take |get |add )?both(?: of them| of those)?"
                        r"(?: please| then)?\W*$")
# A position said with nothing but thanks, praise or words of another language around it is a pick; these
# words make it something else (a question, a comparison, a refusal, another request)
MAX_LONE_PICK_WORDS = 8
_PICK_BLOCKERS_RE = re.compile(
    r"\b(?:what|whats|how|why|where|when|which|who|is|are|was|were|does|do|did|can|could|would|will|should|tell|about|"
    r"details?|more|show|see|look|looks|compare|than|vs|versus|between|difference|not|no|dont|nah|nope|instead|else|"
    r"other|another|but|or|if|any|similar|like|cost|costs|price|much|sizes?|fits?|stock|available|made|material|"
    r"colou?rs?|same|remove|delete|out|cancel|without|swap|change|replace|back|previous|earlier|before|list|page|"
    r"cart|basket|checkout|pay|total|return|again|ones|has|have|got|with)\b")
# "the first pair is good", "first one's grand": praise of the pick, said as its choice (not "is the first one good")
_PRAISED_RE = re.compile(r"(?:(?<=one)|(?<=pair))(?: is| are| looks| look| seems|s) (?:really |very |so |pretty |just )?"
                         rf"(?:{_PRAISE}|good|fine|grand|ideal|the one|it)(?: (?:that one|this one|that one please|thatll do|ill take it))?$")
_FOR_WHOM_RE = re.compile(r"(?: (?:that|this|it|which)(?: one)? (?:is|s|will be|ll be)|(?<=one) is|(?<=pair) is)? for (?:me|myself|him|her|them|us|"
                          r"(?:my|our|his|her) (?:\w+ )?\w+(?: in law)?)$")
# "she's a size 12", "i'm usually a 10": the person's size, which a size named for the garment overrides
_PERSON_SIZE_RE = re.compile(r"\b(?:(?:im|i am|shes|she is|hes|he is|theyre|they are)(?: usually| normally| generally| typically| always)?|"
                             r"(?:she|he|i|they)(?: usually| normally)? (?:wears?|takes?))"
                             r" (?:an? )?(?:uk |us |eu )?(?:size )?(?:\d{1,2}\b(?! (?:dollars|bucks|years?|months?|of|pairs?|more)\b)|"
                             r"(?:small|medium|large|extra large|extra small|xs|xl|xxl)\b)")


def _said_size(text: str) -> tuple[str | None, str]:
    """The size said; after a correction, the corrected one ("large, actually no make that a medium");
    beside the person's size, the one named for the garment ("she's a 12 so the navy one in a medium")."""
    for cue in reversed(list(_SIZE_CORRECTION_RE.finditer(text))):  # "size twelve, i mean a large, sorry"
        first, head = sx.extract_size(text[: cue.start()])
        corrected, rest = _last_size(text[cue.end():])
        if corrected is None and first and first.isdigit() and (
                bare := re.fullmatch(r"\s*(?:an? )?(\d{1,2}(?: and a half)?)\s*", text[cue.end():])):
            corrected, rest = _last_size(f" size {bare.group(1)}")  # "i'm a five or a six … let's do six"
        if first and corrected:
            return corrected, f"{head} {rest}"
    if (person := _PERSON_SIZE_RE.search(text)) and (
            garment := sx.extract_size(f"{text[: person.start()]}§{text[person.end():]}"))[0]:
        return garment[0], garment[1].replace("§", person.group(0), 1)  # "i'm a large in shirts" read on
    return sx.extract_size(text)


def _last_size(text: str) -> tuple[str | None, str]:
    """The last size said ("you probably do small medium large, um, medium then": medium), all blanked."""
    last, (size, text) = None, sx.extract_size(text)
    while size is not None:
        last, (size, text) = size, sx.extract_size(text)
    return last, text


# "he's skinny", "she's petite": the body, not the cut asked for
_BODY_RE = re.compile(r"\b(?:hes|shes|im|he is|she is|i am|theyre)(?: quite| very| really| a bit| pretty| so)? "
                      r"(?:skinny|tall|short|petite|big|broad|curvy|stocky|tiny)\b")
# one part of "three mediums and one small", "an extra large for me and a small for her", "three in a 9 and two in a 7"
_ANOTHER = r"another(?: one)?(?: of (?:it|that|them|those|the same(?: one)?))?"  # "and another of it in extra large"
_SIZE_PART_RE = re.compile(rf"(\d{{1,2}}|one|an?|{_ANOTHER}) (?:pairs? )?(?:in )?(?:an? |size )?({sx._LETTER_ALT})s?\b|"
                           rf"(\d{{1,2}}|one|{_ANOTHER}) (?:pairs? )?(?:in (?:an? |size )|size )(\d{{1,2}})\b")
_SIZE_PART_JOIN_RE = re.compile(r"(?: for (?:me|him|her|them|us|myself|(?:my|his|her|our|the) \w+))?,?(?: and)? ")
_EACH_IN_RE = re.compile(rf"\b(?:one|1) each in ((?:(?:an? |size )?(?:{sx._LETTER_ALT}|\d{{1,2}})(?:,| and|,? and)? ?){{2,}})")


_IN_TWO_SIZES_RE = re.compile(rf"\b(?:in|(?:first|second|third|last) (?:one|ones|pair|pairs)) "
                              rf"((?:(?:an? |size )?(?:{sx._LETTER_ALT}),? )*(?:an? |size )?(?:{sx._LETTER_ALT}) and "
                              rf"(?:in )?(?:an? |size )?(?:{sx._LETTER_ALT}))\b")  # "in extra small, small and medium"
_BOTH_SIZES_RE = re.compile(r"\b(?:in )?(?:both|the two|each of the|all three|all the) sizes\b")


def _split_sizes(text: str, line: LineRef | None) -> list[tuple[int, str]] | None:
    """(count, size) for each of two or more sizes said at once ("three mediums and one small", "one
    each in small, medium and large"); the size of the ``line`` just added first."""
    if each := _EACH_IN_RE.search(text) or (not meaning.extract_types(text)[0] and (
            _IN_TWO_SIZES_RE.search(text) or _BOTH_SIZES_RE.search(text))):
        # "one each in small and medium", "the first one in small and medium", "one's a small and the other's
        # a medium, so the first one in both sizes"
        said = each.group(1) if each.groups() else " ".join(re.findall(rf"\b(?:{sx._LETTER_ALT})\b", text))
        sizes = [sx.extract_size(f"size {n}")[0] or "" for n in re.findall(rf"\b({sx._LETTER_ALT}|\d{{1,2}})\b", said)]
        parts = [(1, size) for size in dict.fromkeys(sizes) if size]
    else:
        parts = []
        for start in (m.start() for m in re.finditer(r"\b(?=\d|one\b|an?\b|another\b)", text)):
            parts, at = [], start
            while (m := _SIZE_PART_RE.match(text, at)) is not None:
                count, size = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
                parts.append((int(count) if count.isdigit() else 1,
                              sx.extract_size(size if m.group(2) else f"size {size}")[0] or ""))
                join = _SIZE_PART_JOIN_RE.match(text, m.end())
                if join is None:
                    break
                at = join.end()
            if len(parts) >= 2:
                break
    if len(parts) < 2 or not all(size for _, size in parts):
        return None
    if line is not None and parts[-1][1] == line.size:
        parts.insert(0, parts.pop())
    return parts


# "ethan is the seven", "my brother is a 32": a size
_IS_THE_NUMBER_RE = re.compile(r"\b(?:is|s) (?:the|an?) (\d{1,2}(?:\.5)?)\b(?! (?:dollars|bucks|quid|years?|yrs?|months?|"
                               r"weeks?|days?|minutes?|hours?|of|pairs?|more|percent|year old)\b)")
_OWNER_AFTER_RE = re.compile(r"^\s*(?:s |is |one |ones |pair )?(?:is |s )?for (?:(?:my|our|the|his|her) )?"
                             r"((?:little |big |older |younger |middle |eldest |youngest )?[a-z]+"
                             r"(?: one| (?!(?:and|the|for|in|is|please|then|so|too|as|but)\b)[a-z]+)?)")
_OWNER_BEFORE_RE = re.compile(r"\b(?:(?:my|our|the) )?(?:([a-z]+(?: one)?) (?:is|s|am|wears|takes|needs|gets|will be)"
                              r"(?: (?:the|a|an|in|size))?|([a-z]+)s (?:the|a|an)|(im|hes|shes)(?: (?:the|a|an|in|size))?)"
                              r"\s*$")  # "zoe's the medium", "i'm a medium"
_NOT_OWNERS = frozenset({"it", "that", "this", "one", "which", "what", "there", "size", "so", "and", "both", "first",
                         "second", "third", "last", "other", "all", "each", "them", "they", "usual", "normal", "only",
                         "just", "then", "also", "too", "same", "really", "actually", "usually", "probably", "now",
                         "maybe", "definitely", "mostly", "pair", "color", "colour", "price", "fit", "cut", "where", "here",
                         "let", "who", "how", "thi"})  # "thi": "this a" read as a name and its "s"
_PRONOUN_OWNER = {"i": "me", "im": "me", "me": "me", "myself": "me", "he": "him", "hes": "him", "him": "him",
                  "she": "her", "shes": "her", "her": "her"}
# how a later turn names the line of each kind of owner ("remove mine", "change his")
_FOR_THE_TWO_RE = re.compile(r"\bfor (?:(?:my|our|his|her) )?([a-z]+) and (?:for )?(?:(?:my|our|his|her) )?([a-z]+)\b(?! §)")
_OWNER_MENTION = {"me": r"\b(?:mine|my one|my pair|for me)\b", "him": r"\b(?:his|him)\b", "her": r"\b(?:hers|her)\b"}
_PRONOUN_OF = {"men": _OWNER_MENTION["him"], "boys": _OWNER_MENTION["him"], "women": _OWNER_MENTION["her"],
               "girls": _OWNER_MENTION["her"]}


def _owner(word: str) -> str | None:
    word = word.removesuffix(" one") if word.endswith(" one") and word.split()[0] in _NOT_OWNERS else word
    if word in _NOT_OWNERS or word.split()[0] in _NOT_OWNERS:
        return None
    return _PRONOUN_OWNER.get(word, word)


def _marked_sizes(text: str) -> tuple[str, list[str]]:
    """Every size said in ``text``, and the text with the k-th size found replaced by " §k " (a pronoun said
    with it, as in "hes an xl", kept before the mark)."""
    marked, sizes = " " + _IS_THE_NUMBER_RE.sub(r"is size \1", text) + " ", list[str]()
    while True:
        size, rest = sx.extract_size(marked)
        if size is None:
            break
        at = next(i for i, (a, b) in enumerate(zip(marked, rest, strict=False)) if a != b)
        said = marked[at:at + len(marked) - len(rest) + len(sx.BLANK)]  # "hes an xl": who, said with the size
        if re.fullmatch(r"\s*size [a-z]+\s*", said):  # "change the size to medium": "size to" left over, no size
            marked = rest
            continue
        marked = f"{rest[:at]} {said.split()[0] if said.split()[0] in _PRONOUN_OWNER else ''} §{len(sizes)} {rest[at + len(sx.BLANK):]}"
        sizes.append(size)
    return marked, sizes


def _as_said(marked: str, sizes: list[str]) -> list[int]:
    """The indexes of ``sizes`` (as `_marked_sizes` found them) in the order they were said."""
    return sorted(range(len(sizes)), key=lambda k: marked.index(f"§{k} "))


def _sizes_for_people(text: str) -> list[tuple[int, str, str | None]] | None:
    """(count, size, whose) for each of two or more sizes said for different people in one pick ("the small's
    for chloe, the medium for hannah", "i am medium and he is xl", "ethan is the seven and lucas the nine"):
    one cart line each. ``whose`` is the person the line is for, as said ("chloe", "me", "middle one")."""
    marked, sizes = _marked_sizes(text)
    if len(set(sizes)) < 2:
        return None
    out: list[tuple[int, str, str | None]] = []
    for k in _as_said(marked, sizes):
        size, (before, after) = sizes[k], marked.split(f"§{k} ", 1)
        before, after = before.split("§")[-1], after.split("§")[0]
        count = re.search(r"\b([2-9])\s+$", before)
        who = _OWNER_AFTER_RE.search(after) or _OWNER_BEFORE_RE.search(before.removesuffix(f"{count.group(1)} " if count else ""))
        out.append((int(count.group(1)) if count else 1, size, _owner(who.group(1) or who.group(2) or who.group(3)) if who else None))
    if len(out) == 2 and len({whose for _, _, whose in out if whose}) < 2 and (both := _FOR_THE_TWO_RE.search(marked)):
        # "one in small and one in large, for me and my sister": the people in the order of the sizes
        out = [(count, size, _owner(who)) for (count, size, _), who in zip(out, both.group(1, 2), strict=True)]
    owners = [whose for _, _, whose in out if whose]
    if len(set(owners)) < 2:  # not "the second one in xl, he'll tell you he's a large but he's not"
        return None
    return out


def _owned_line(text: str, state: DialogueState) -> tuple[str, str | None] | None:
    """The cart line a turn names by whom it is for ("change dev's one", "remove mine", "the middle one's"): its
    size and a ``reference`` to its product when that is on screen; the first named when several are."""
    named: list[tuple[int, str]] = []
    for key, whose in state.line_owners.items():
        words = [w for w in whose.split() if w not in ("one", "little", "big", "older", "younger")]
        # "the little one's jeans": an owner said only by size or age, by the whole phrase
        mention = _OWNER_MENTION.get(whose) or (rf"\b(?:{'|'.join(map(re.escape, words))})s?\b" if words
                                                else rf"\b{re.escape(whose)}s?\b")
        if m := re.search(mention, text):
            named.append((m.start(), key))
        elif (said_as := _PRONOUN_OF.get(RECIPIENT_GENDER.get(whose, ""))) and (m := re.search(said_as, text)):
            named.append((m.start(), key))  # "swap his for …" after "my brother is a 32": the brother's line
    if not named or len({key for _, key in named}) != len(named):
        return None
    product_id, size = min(named)[1].split(":", 1)
    shown = state.shown_by_id(int(product_id))
    return size, f"ordinal:{state.shown.index(shown) + 1}" if shown is not None else None


def _sizes_all_wanted(text: str) -> list[str] | None:
    """Two or more sizes a search asks for together ("i need a small, a medium and an xl", "sizes 7 and 9"), in
    the order said; not sizes said as alternatives ("a medium or a large") or one instead of another."""
    marked, sizes = _marked_sizes(text)
    if len(set(sizes)) < 2:
        return None
    order = _as_said(marked, sizes)
    between = marked[marked.index(f"§{order[0]} "):marked.index(f"§{order[-1]} ")]
    if re.search(r"\b(?:or|not|instead|rather|than|maybe|either|usually|normally|but|so|like|which|means|guess)\b", between):
        return None
    return list(dict.fromkeys(sizes[k] for k in order))


_RELATION_ALT = "|".join(sorted(map(re.escape, RECIPIENT_GENDER), key=len, reverse=True))
# "make my wife's one a large", "the girl's one two", "take my dad's out"; else "change hers to a seven"
_WHOSE_LINE_RE = re.compile(rf"\b(?:my|the) ({_RELATION_ALT})s (?:one|ones|1|pair|out|to|into|an?)\b")
_HIS_HERS_RE = re.compile(rf"\b(hers|his)\b(?! (?:size|usual|own|feet|waist|height|{_RELATION_ALT}|\w+s)\b)")


_IT_RE = re.compile(r"\b(?:make|change|swap|switch|put) (?:it|that|this)\b")
# A cart line named by its size, in text whose sizes are marked "§k" (`_marked_sizes`): some of it moved to
# another size ("change one of the mediums to a small"), fewer of it ("one less large"), only so many of it
_UNITS = r"(?P<n>one|an?|\d{1,2})"
_MOVE_UNITS_RES = tuple(re.compile(p) for p in (
    rf"\b(?:change|swap|switch|make|turn|move|put) {_UNITS} of (?:the|those|them|these) §(?P<a>\d) "
    r"(?:(?:to|into|for|with|in|as) )?(?:an? |size )?§(?P<b>\d)",
    rf"\b{_UNITS} of (?:the|those) §(?P<a>\d) (?:should be|to be|needs to be|has to be|is|s) (?:actually |now |really )?"
    r"(?:an? |size )?§(?P<b>\d)"))
_FEWER_UNITS_RES = tuple(re.compile(p) for p in (
    rf"\b{_UNITS} (?:less|fewer) (?:of (?:the|those) )?§(?P<a>\d)",
    rf"\b(?:drop|remove|minus|lose|cancel|take (?:off|out|away)) {_UNITS} (?:of (?:the|those) )?§(?P<a>\d)",
    rf"\btake {_UNITS} (?:of (?:the|those) )?§(?P<a>\d) (?:off|out|away)\b"))
# "change one of them to large", "make one of those tops a small": one unit of the line just added
_ONE_OF_LINE_RE = re.compile(rf"\b(?:change|swap|switch|make|turn|move|put) {_UNITS} of (?:them|those|these|(?:the|those|these) \w+) "
                             r"(?:(?:to|into|for|in|as) )?(?:an? |size )?§(?P<b>\d)")
_LINE_RESIZED_RE = re.compile(r"\b(?:change|swap|switch|make|turn|move|put) the §(?P<a>\d) (?:(?:one|ones|pair|pairs) )?"
                              r"(?:(?:to|into|for|in|as) )?(?:an? |size )?§(?P<b>\d)")
_ONLY_UNITS_RE = re.compile(r"\b(?:just|only) (?P<n>\d{1,2}) §(?P<a>\d)(?! (?:of|for|in)\b)")


def _line_by_size(prepared: str, whole: Understanding, state: DialogueState) -> Understanding | None:
    """"One less large", "change one of the mediums to a small", "make it just two smalls": the cart line in
    that size, in a cart of several units."""
    if state.cart.item_count < 2 or whole.slots.reference not in (None, "focus"):
        return None
    marked, sizes = _marked_sizes(prepared)
    marked = re.sub(r"\s+", " ", marked)
    if _names_product(whole) and not _ONE_OF_LINE_RE.search(marked):  # "make one of those tops a small" names one
        return None
    if (only := _ONLY_UNITS_RE.search(marked)) is not None:
        return Understanding(intent=Intent.update_cart, confidence=0.8, slots=Slots(
            from_size=sizes[int(only.group("a"))], quantity=int(only.group("n"))))
    if (line := state.last_line) is not None and line.quantity > 1 and (one := _ONE_OF_LINE_RE.search(marked)):
        units = int(one.group("n")) if one.group("n").isdigit() else 1
        return Understanding(intent=Intent.update_cart, confidence=0.8, slots=Slots(
            from_size=line.size, size=sizes[int(one.group("b"))], quantity_change=-units))
    if (whole_line := _LINE_RESIZED_RE.search(marked)) is not None:  # "change the large one to medium"
        return Understanding(intent=Intent.update_cart, confidence=0.8, slots=Slots(
            from_size=sizes[int(whole_line.group("a"))], size=sizes[int(whole_line.group("b"))]))
    for pattern in (*_MOVE_UNITS_RES, *_FEWER_UNITS_RES):
        if (m := pattern.search(marked)) is not None:
            units = int(m.group("n")) if m.group("n").isdigit() else 1
            to = m.groupdict().get("b")
            return Understanding(intent=Intent.update_cart, confidence=0.8, slots=Slots(
                from_size=sizes[int(m.group("a"))], size=sizes[int(to)] if to else None, quantity_change=-units))
    return None
_COUNT_OF_LINE_RE = re.compile(r"\b(?:one|ones|pair|1) (\d{1,2})\b")


def _names_one_to_add(slots: Slots, state: DialogueState) -> bool:
    """The turn names a product on screen by its colour, and none of that colour is in the cart."""
    if not (slots.reference or "").startswith("colour:"):
        return False
    named = resolve_one(slots.reference, state)
    return named is not None and named.id not in state.cart.product_ids


def _whose_department(text: str, state: DialogueState) -> str | None:
    """The department of the cart line a turn names by whose it is ("hers", "my husband's"), for a cart
    whose lines are for different people; "hers" while a girl's things are on screen is the girl's."""
    if (m := _WHOSE_LINE_RE.search(text)) is not None:
        return RECIPIENT_GENDER[m.group(1)]
    if (m := _HIS_HERS_RE.search(text)) is not None:
        adult = "women" if m.group(1) == "hers" else "men"
        # "my husband says he's more of a large, switch his": the one just named, whatever is on screen
        named = [RECIPIENT_GENDER[w] for w in re.findall(rf"\b(?:my|our|the) ({_RELATION_ALT})\b", text[: m.start()])]
        if said := [g for g in named if g in (adult, KID_OF[adult])]:
            return said[-1]
        return state.filters.gender if state.filters.gender == KID_OF[adult] else adult
    return None


_HEN_STAG_RE = re.compile(r"\b(hen|stag|bachelorette|bachelor) (?:do|party|night|weekend|trip)\b|"
                          r"\b(?:her|his|my|the|a|their) (hen|stag)s?\b(?! (?:house|coop|night))")  # "doing her hen in galway"
_ANOTHER_IN_RE = re.compile(r"\b(?:stick|put|pop|chuck|throw|bung) another(?: one| pair)? in\b")  # "stick another one in for me"
_SAME_AGAIN_RE = re.compile(r"\bsame (?!(?:kind|type|sort|style|colou?r|size|budget|price)\b)(?:\w+ )?(?:one |pair )?(?:again|too|as well|but|in)\b|\bone more of (?:the same|those|them|that)\b|"
                            r"\bsame (?:\w+ )?one more\b|"  # "same kurta one more also, for my brother"
                            r"\bsame (?:one|pair) for (?:me|us|him|her|them|my \w+) (?:but )?in\b|"  # "the same one for me but in a medium"
                            r"\bone more (?:piece|pair|unit|set)\b|"  # "same one, one more piece for my aunty"
                            rf"{_ANOTHER_IN_RE.pattern}|"
                            r"\b(?:add|get|take|grab) a second (?:one|pair)\b|"  # "add a second one for my roommate"
                            r"\banother (?:one|pair) of (?:those|them|that|the same)\b|^(?:and |ok )?another(?: one| pair)? in\b|"
                            r"^(?:and |ok |yeah )?(?:another|one more)(?: one| pair)?,? (?:the )?same(?: one| size| again| please)*$")  # terse
_SAME_FOR_RE = re.compile(rf"\bsame (?:1 )?(?:one |thing |(?:{meaning.TYPE_ALT}) )?(?:(?:1|one) )?for (?:her|him|his|my|their|the)\b")  # "the exact same for her sister"
_OF_EACH_RE = re.compile(r"\b(\d|one) of each\b(?! (?:colou?r|size|kind|style))")
_BESIDE_RE = re.compile(r"\bthe (?:one|pair) (before|after) (?:that|it|that one)\b")  # by the one just picked
_SAME_SIZE_RE = re.compile(r"\bsame size(?: as (?:the|his|her|my|that|those|before|the other)(?: \w+)?)?\b|\bin that size too\b")
_THEIR_SIZE_RE = re.compile(r"\b(?:in )?(?:his|her|my|their) (?:usual )?size\b")
_ONE_OF_THEM_RE = re.compile(r"\b(?:one|1) of (?:them|those|these|the two|the pair|the (?:\d|three|four|five))\b")  # "make one of them a small"
_QUESTION_RE = re.compile(r"\b(?:how (?:high|long|big|heavy|wide|tall|much)|what (?:is|s|are) (?:it|that|the)|"
                          r"is (?:it|that|this)|are (?:they|those|these)|does (?:it|that)|do (?:they|those))\b")
_COMES_IN_SIZE_RE = re.compile(r"^(?:\w+ ){0,3}?(?:does|do|is|are|will|would|can i get|could i get) (?:(?:it|that|this|they|those|"
                               r"these|the|that one|this one) )?(?:\w+ ){0,3}?(?:come|comes|available|there|in stock|fit|go up)\b")
_SIBLING_RE = re.compile(r"\b(?:his|her|their) (?:little |big |twin |older |younger |baby )?(?:sister|brother|sibling|twin)s?\b")
_ASKS_OF_PICK_RE = re.compile(r"(?:(?:and|so|ok|okay|hmm|um) )*(?:is|are|does|do|will|would|can|could) (?:the|that|this|those|these) "
                              r"(?:first|second|third|fourth|fifth|last|1st|2nd|3rd) (?:one|ones|pair|pairs)\b")
_GENUINE_RE = re.compile(r"\bor (?:just |only )?(?:fake|faux|plated|a blend|blended|mixed|synthetic|polyester)\b")  # "… or just plated?"
_COMPARES_RE = re.compile(r"\b(?:than|cheaper|dearer|pricier|better|vs|versus|compared|other way)\b")
_BACK_TO_COUNT_RE = re.compile(r"\b(?:change|put|set|make) (?:it |that |them )?back to (one|two|three|\d)\b(?! (?:dollars|bucks|size))")
_PUT_BACK_RE = re.compile(r"\b(?:put|add|stick|pop|throw|bring) (?:it|that|them|those|that one|the \w+ one) back\b")
_SAME_KIND_OF_RE = re.compile(rf"\bsame (?:kind|type|sort|style) (?:of |as )?(?:\w+ )?(?:{meaning.TYPE_ALT})\b")
_NOTHING_HEAVY_RE = re.compile(r"\b(?:nothing|not|none) (?:too |very |so |that )?(?:heavy|bulky|thick|padded)\b(?! (?:\w+ )?(?:on|with|in)\b)")
_NO_USE_RE = re.compile(r" (?:are|is|s|re) (?:pretty |totally |completely |just )?(?:pointless|useless|no (?:good|use)|a waste)\b")
# "with a hood, i don't wanna be carrying an umbrella around": a thing not wanted, before the thing named
_NOT_WANTED_BEFORE_RE = re.compile(r"\b(?:dont|do not|wont|will not|never|without|rather not|no need for)\b(?: \w+){0,5} $")
_WEARS_KIND_RE = re.compile(rf"\b(?:he|she|i|they|we)(?: s| re| m)? (?:only |mostly |usually |always |normally |just )*(?:ever )?"
                            rf"(?:wears?|wearing|owns?) (?:\w+ ){{0,2}}?(?:{meaning.TYPE_ALT})\b")
_THIRD_PARTY_SAYS_RE = re.compile(r"\b(?:his|her|their) (?:mum|mom|mother|mama|dad|father|papa|wife|husband|gran|grandma|"
                                  r"grandad|grandpa|sister|brother)s? (?:is |s )?(?:always |keeps |says?|said|begging|asking|"
                                  r"wants?|thinks?|reckons?|insists?|paying|likes?|hates?)\b")
_GO_BACK_SIZE_RE = re.compile(rf"\bgo back to (?:the |a |an |size )?(\d{{1,2}}|{sx._LETTER_ALT})\b(?! (?:dollars|bucks|quid|pounds|euros|rupees|rand))")
_MAKE_THAT_SIZE_RE = re.compile(
    rf"\b(?:make|change|switch) (?:that |it |them |those |mine |the size )?(?:to |into )?(?:an? |in (?:an? )?)?"
    rf"(?:{sx._LETTER_ALT})\b|"
    rf"\b(?:hes|shes|theyre|im|he is|she is|they are|i am) (?:actually |really )?(?:an? )?(?:{sx._LETTER_ALT}) now\b|"  # "he reckons he's a large now"
    rf"\b(?:hes|shes|theyre|im|he is|she is|they are|i am) actually (?:an? )?(?:{sx._LETTER_ALT})\b|"  # "wait, she's actually an xs"
    rf"\b(?:he|she|they) (?:said|says) (?:an? |size )?(?:{sx._LETTER_ALT})\b|"  # "oh wait he said double xl"
    # "change it to a 34", "bump it up to a ten", "go up to a 34": a number said as the line's new size
    rf"\b(?:change|switch) (?:that |it |them |those )?(?:back )?to (?:an? |size )\d{{1,2}}\b(?! (?:dollars|bucks|quid|pounds|euros|rupees))|"
    rf"\b(?:bump|go|move|size) (?:it |that |them |those )?(?:up|down) to (?:an? |size )(?:\d{{1,2}}|{sx._LETTER_ALT})\b|"
    rf"\b(?:just|lets|ill) go (?:with |for )?(?:an? )?(?:{sx._LETTER_ALT})\b")  # "his dad says just go large"
# "formal ones come up small so he needs an eleven": how a make fits, not the size wanted
_RUNS_RE = re.compile(r"\b(?:come|comes|coming|run|runs|running|fit|fits|tend to (?:come|run)) (?:up |out )?"
                      r"(?:a bit |a little |quite |really |very |slightly )?(?:small|large|big)\b")
_KIND_FIRST_RE = re.compile(rf"\b((?:{meaning.TYPE_ALT})) first\b(?! (?:one|ones|pair|two|three))")
_THANKS_RE = re.compile(r"\b(?:cheers|thanks|thank you|ta|bye)\b")
_SIGN_OFF_RE = re.compile(r"(?: (?:ta ra|tara|cheers|thanks|thank you|ta|bye|bye bye|cheers mate|thanks a lot))+$")  # "…, ta-ra"
_NOW_SIZE_RE = re.compile(r"\b(?:hes|shes|im|theyre|he is|she is|i am|they are) (?:actually |really )?(?:an? |size )?\w+ (?:now|actually)\b|"
                          r"\b(?:hes|shes|im|theyre|he is|she is|i am|they are) (?:actually |really |only |just )?(?:an? |size )\w+\b|"
                          r"\b(?:needs?|wants?|takes?|(?:just )?do|i meant|i mean) (?:an? |size )\w+\b")  # "he's a nine, just do a nine"
_SIZE_CORRECTION_RE = re.compile(r"\b(?:actually|no|sorry|i mean|i meant|or rather|make (?:that|it)|lets (?:do|say|go with|go for)|just do|"
                                 r"ill (?:go with|go for|do)|(?:just )?go with|so like|so probably|so maybe|so about|which is like|"
                                 r"(?:so |just )?go for|(?:then|so) do|(?:change|switch) (?:it|that|them) to|lets go)\b")
# "he was a six, but they pinch, so go for a seven", "large is tight on him, change it to extra large"
_COMES_WITH_RE = re.compile(r"\bcomes? with (?:(?:a|an|the|its|matching) )*([a-z]+(?: [a-z]+)?)")
# "something official, not those casual ones", "nothing casual": ones not sold as casual
_NOT_CASUAL_RE = re.compile(r"\b(?:not|no|nothing|none of) (?:those |the |that |them |these )?casual(?: ones?| stuff| looking| style)?\b")
# one of the shopper's children, said without "son" or "daughter"
_MY_CHILD_RE = re.compile(r"\b(?:my|our) (?:eldest|oldest|youngest|middle one|middle child|little one|wee one|young fella|"
                          r"young fellow|young lad|youngun|young un|kiddo|little man|little lady|firstborn)\b")
_KIDS_RE = re.compile(r"\b(?:kids?|childrens?|child|toddlers?|bab(?:y|ies)|little ones?)\b(?! shower)")


# "the loose one", "add the sling bag": a word of one shown product's name (not of them all) names it
_NAME_WORD_REF_RE = re.compile(rf"\b(?:the|that|this) (?:(?P<word>[a-z]{{4,}}) (?:one|ones|pair)|(?P<kind>{meaning.TYPE_ALT}))\b"
                               r"(?! (?:one|ones|pair)\b)")


def _named_on_screen(text: str, state: DialogueState) -> tuple[str, re.Match[str]] | None:
    for m in _NAME_WORD_REF_RE.finditer(text):
        word = m.group("word") or m.group("kind").split()[0]
        if m.group("kind") and (REMOVE.search(text) or not ADD.search(text)):
            continue  # "take out the trousers": the cart's; "add the sling bag": the one on screen
        if m.group("word") and not (ADD.search(text) or DETAILS.search(text) or sx.extract_size(text)[0]):
            continue  # "the slim ones never fit me": a complaint, not a pick
        if len(word) < 4 or (m.group("word") and word in _NOT_A_NAME_WORD) or any(
                p.brand.lower().split()[0] == word for p in state.shown):
            continue  # "the other one", "the cheaper one": said by what they are; "the puma ones" by the make
        named = [p for p in state.shown if re.search(rf"\b{re.escape(word)}", p.name.lower())]
        if 0 < len(named) < len(state.shown):
            return word, m
    return None


_DESCRIBED_RE = re.compile(r"\b(?:the|that|this|those) ((?:[a-z]+ ){0,3}?[a-z]+)"
                           r"(?= (?:one|ones|pair|pairs|too|as well|also|for|in|please|then|then in)\b|\s*$)(?: (?:one|ones|pair|pairs)\b)?")
_DEPARTMENT_WORDS = frozenset({"men", "mens", "women", "womens", "ladies", "boys", "girls", "kids", "unisex", "gents"})
_DESCRIBING_FILLERS = frozenset({"and", "with", "colour", "color", "coloured", "colored", "looking", "style", "kind", "shaped",
                                 "little", "lovely", "nice", "pretty", "cute"})


def _described_on_screen(text: str, state: DialogueState) -> tuple[str, str] | None:
    """The one product on screen whose name has every word of "the green and gold one", "the blue hooded
    puffer", "the hoops" (plural or not), as a pick (a reference and the text without the words)."""
    if len(state.shown) < 2 or not (ADD.search(text) or sx.extract_size(text)[0] or _QUESTION_RE.search(text)):
        return None  # a pick, or a question of one: not "one of those digital ones, he loves a gadget"
    for m in _DESCRIBED_RE.finditer(text):
        words = [w for w in m.group(1).split() if w not in _DESCRIBING_FILLERS]
        if not words or any(w in _NOT_A_NAME_WORD or w in ORDINALS or w in _DEPARTMENT_WORDS or len(w) < 3
                            for w in words) or any(
                p.brand.lower().split()[0] in words for p in state.shown):
            continue  # "add the casio": by the make
        if all(w in TYPE_WORDS for w in words) and not ADD.search(text):
            continue  # "forget the shoes, just the belt": the kind in the cart, not a pick
        named = [i for i, p in enumerate(state.shown, 1) if all(_names_word(p, w) for w in words)]
        if len(named) > 1:  # "the justpeachy ones, what are they like" … "i'll take the hoops": the one asked about
            named = [i for i in named if state.shown[i - 1].id == state.focus_id]
        if len(named) == 1:
            return f"ordinal:{named[0]}", sx._blank(text, m)
    return None


_DESCRIBED_ONE_RE = re.compile(r"\bthe ((?:[a-z]+ ){0,3}?[a-z]+?)(?: one| ones| pair)?(?= (?:or|and|which|whats|is|are)\b|\s*$)")


def _described_pair(text: str, state: DialogueState) -> str | None:
    """Two products on screen, each said by words of its name, colour or make ("the titan or the casio
    enticer", "the yellow and gold one or the mustard one"), as "ordinal:i,j"; None unless exactly so."""
    picked: list[int] = []
    for m in _DESCRIBED_ONE_RE.finditer(text):
        words = [w for w in m.group(1).split() if w not in _DESCRIBING_FILLERS]
        if not words or any(w in _NOT_A_NAME_WORD or w in ORDINALS or w.isdigit() for w in words):
            continue
        named = [i for i, p in enumerate(state.shown, 1)
                 if all(_names_word(p, w) or p.brand.lower().startswith(w) for w in words)]
        if len(named) > 1:  # "the two tommy hilfiger ones, the tan and the brown": of the make said
            named = [i for i in named if state.shown[i - 1].brand.lower() in text] or named
        if len(named) == 1 and named[0] not in picked:
            picked.append(named[0])
    return f"ordinal:{picked[0]},{picked[1]}" if len(picked) == 2 else None


def _names_word(product: ShownProduct, word: str) -> bool:
    said = f"{product.name} {product.colour or ''}".lower()
    word = STYLES.get(word, word)  # "the plain pink one": named "Pink Solid Leggings"
    return any(re.search(rf"\b{re.escape(form)}", said) for form in {word, word.removesuffix("s"), word.removesuffix("es")})


_NOT_A_NAME_WORD = frozenset({"other", "same", "cheaper", "cheapest", "last", "next", "first", "second", "third",
                              "fourth", "fifth", "previous", "right", "best", "nicer", "better", "pricier", "whole"})


_SIZE_ELSE_RE = re.compile(rf",? (?:or|otherwise|else) (?:an? |size |in )?({sx.LETTER_SIZE_ALT}|\d{{1,2}}) if (?:theres no|there is no|"
                           r"you (?:dont|do not) have|you havent got|(?:its|it is|thats) (?:sold out|not in stock|out)|not)\b"
                           rf"(?: (?:an? |any )?(?:{sx.LETTER_SIZE_ALT}|\d{{1,2}}))?")
_WOMENSWEAR_RE = re.compile(rf"\b(?:{'|'.join(WOMENSWEAR_WORDS)})\b")
_BODY_SIZE_RE = re.compile(r"\b(?:feet|foot|hands|head|wrists?) (?:are|is) (?:\w+ )?(?:small|big|large|tiny|wide|narrow)\b")
def _colour_corrected(text: str) -> str:
    """The text as said, without a colour the shopper took back ("pink, no, red, she's gone off pink",
    "beige, no actually olive, i've got beige already"): wherever it is said. A bare "green no yellow"
    rules yellow out."""
    if (decided := _DECIDED_COLOUR_RE.search(text)) and (
            either := re.search(rf"\b({meaning.COLOUR_ALT}) or (?:an? )?({meaning.COLOUR_ALT})\b", text[: decided.start()])):
        # "a gold or a silver person... yeah let's see silver ones": the one decided on, not both
        other = either.group(1) if either.group(2) == decided.group(1) else either.group(2) if (
            either.group(1) == decided.group(1)) else None
        if other is not None:
            text = text[: either.start()] + re.sub(rf"\b{re.escape(other)}\b", "", either.group(0)) + text[either.end():]
    if (verdict := _COLOUR_VERDICT_RE.search(text) or decided) is not None:
        # "he wants black but i'm saying navy, so navy", "she wants black, so show me red ones first": the colour
        # another wanted is overruled (or waits its turn)
        chosen = verdict.group(1).lower()
        text = _COLOUR_WANTED_RE.sub(lambda w: w.group(0) if w.group(1).lower() == chosen else w.group(0)[: w.start(1) - w.start()],
                                     text[: verdict.start()]) + (
            text[verdict.start():])
    if (m := _COLOUR_SAID_AGAIN_RE.search(text)) is None:
        return text
    return re.sub(rf"\b{re.escape(m.group(1))}\b", "", text[: m.start()] + text[m.end():], flags=re.IGNORECASE)


_DECIDED_COLOUR_RE = re.compile(rf"\b(?:let'?s (?:see|do|try|go with|go for)|show me|i'?ll (?:go with|go for|take)) (?:the )?"
                                rf"({meaning.COLOUR_ALT}) ones?\b", re.IGNORECASE)
_COLOUR_VERDICT_RE = re.compile(rf"\bso (?:the |just )?({meaning.COLOUR_ALT})(?: ones?)?(?: it is| then| please)?[.!]*$", re.IGNORECASE)
_COLOUR_WANTED_RE = re.compile(rf"\b(?:wants|wanted|likes|picked|says|said) (?:the )?({meaning.COLOUR_ALT})\b", re.IGNORECASE)
_COLOUR_SAID_AGAIN_RE = re.compile(
    rf"\b({meaning.COLOUR_ALT})(?: ones?)?(?:,|\.{{2,}}|…|\?)? (?:or,? )?(?:oh,? )?(?:no,|nah,|nope,|sorry,?|actually,?|wait,?|i mean,?|or rather,?|"
    rf"no actually,?|nah actually,?|actually no,|no wait,?)(?: (?:no|actually|wait|sorry|i mean),?)? (?:just |only )?"
    rf"(?!\1\b)(?=(?:{meaning.COLOUR_ALT})\b(?! (?:either|nor|please|thanks)\b))", re.IGNORECASE)  # not "black actually, black's safe"
_MAKE_THAT_BUDGET_RE = re.compile(r"(?:(?:actually|ok|okay|no|oh|hmm|wait|sorry|um) )*(?:make|change) (?:it|that) (?:to )?"
                                  r"(\d{1,5})(?! (?:pairs?|of|units|items|pieces))\b")
_LIST_TURNS = frozenset({"search", "refine", "more_results"})
_COMES_FIRST_RE = re.compile(r"(?<!whichever )(?<!which )(?<!whatever )(?<!that )(?<!one )\b(?:comes?|came|goes|is|was|gets?) first\b")
# (not "none of that ripped distressed look": what is ruled out)
_A_LOOK_RE = re.compile(r"(?<!none of )(?<!no )(?<!nothing with )(?<!not )(?<!hate )\b(?:that|this) (?:\w+ ){0,2}"
                        r"(?:look|vibe|aesthetic|feel)\b(?! (?:good|nice|great|ok|okay|cheap|like)\b)")
# "make it a double xl, ah like room for a jumper under it": what goes under it, not a kind asked for
_LAYER_UNDER_RE = re.compile(r"\b(?:room|space) (?:for|to (?:wear|fit|layer)) (?:a |an |my |his |her )?(?:\w+ ){0,2}?\w+ "
                             r"(?:under|underneath|beneath)(?: it| them| that)?\b|"
                             r"\b(?:layer|wear|fit|put) (?:a |an |my |his |her )?(?:\w+ ){0,2}?\w+ (?:under|underneath) (?:it|them|that)\b|"
                             r"\b(?:(?:i |she |he )?(?:want to|wanna|like to|will|ll|can|could|would|d|going to|gonna) )?"
                             rf"(?:wear|wears|wearing|layer|put) (?:it|them|that|one) over (?:a |an |my |his |her |your )?(?:\w+ )?"
                             rf"(?:{meaning.TYPE_ALT})\b")
_OWNED_KIND_RE = re.compile(rf"\b(?:her|his|my|their|our) (?:new |old |wedding |party |prom )?({meaning.TYPE_ALT}) "
                            r"(?:is|s|was|are|were|has|have|had|looks|will be)\b")


# "i've still got the suit and the flights to sort out": something else to deal with, not asked for here
_STILL_TO_SORT_RE = re.compile(rf"\b(?:ive|i have|weve|we have|i|we) (?:still |also |yet |already )*(?:got |to )?(?:the |my |a |his |her )"
                               rf"(?:\w+ )?({meaning.TYPE_ALT})(?: and (?:the |my )?\w+)? (?:still )?to (?:sort|pay|buy|get|figure|"
                               r"organi[sz]e|book|pick up|collect)\b")


def _without_owned_kind(prepared: str, state: DialogueState) -> str:
    """"Silver or gold, her dress is a champagne colour" while heels are on screen: the dress is hers, not asked
    for; so is the suit of "i've still got the suit and the flights to sort out" while watches are."""
    for pattern in (_OWNED_KIND_RE, _STILL_TO_SORT_RE):
        if (owned := pattern.search(prepared)) is None:
            continue
        kinds = meaning.extract_types(owned.group(1))[0]
        if (kinds and state.filters.category is not None and kinds[0].category not in (None, state.filters.category)) or (
                state.filters.category is None and meaning.extract_types(prepared[owned.end():])[0]):
            # "my boots have finally given up, got any football boots": the ones asked for come after
            prepared = f"{prepared[: owned.start(1)]}_{prepared[owned.end(1):]}"
    return prepared


# "he's very much a brown shoes brown belt kinda guy": what sort of person, not kinds asked for
_SORT_OF_PERSON_RE = re.compile(r"\b(?:an? )(?:\w+ ){1,6}?(?:kinda|kind of|sort of|type of) (?:guy|girl|bloke|person|man|woman|"
                                r"lady|gal|dude|lad|fella|chap)\b")
_GOT_WRONG_RE = re.compile(r"\b(?:i |he |she |we )?(?:always |keep |often |usually )?(?:get|got|getting|gets|mix|mixed) "
                           r"(?:that|it|this|them|those|these|my sizes?|the sizes?) (?:wrong|mixed up|muddled|up)\b")
_BEFORE_PICKING_RE = re.compile(r"\b(?:before|until) (?:i|we) (?:pick|choose|decide|add|buy|order|go for)(?: (?:one|anything))?\b")
_SIZE_EDGE_RE = re.compile(rf"\b(?:right )?(?:at |on )?the (?:top|upper end|top end|bottom|lower end|small end|big end|edge) of "
                           rf"(?:a |the )?(?:size )?(?:{sx.LETTER_SIZE_ALT}|small|medium|large|\d{{1,2}})\b")
_ONE_OF_KIND_OUT_RE = re.compile(r"\b(?:take|remove|drop|knock) (?:one|1) of (?:the|my|his|her|those|these) "
                                 r"(?:\w+ )?\w+ (?:out|off)\b|\b(?:remove|drop) (?:one|1) of (?:the|my) (?:\w+ )?\w+\b")
_BRAND_JOINED_RE = re.compile(r"\b([a-z]{2,}) (?:or|and) _(?=\s|$)|(?<!\S)_ (?:or|and) ([a-z]{2,})\b")
# "something checked, he's a proper little man": a child who likes to look grown up, not the men's department
_THE_SET_RE = re.compile(r"\b(?:the |a )?(?:full|whole|complete|matching|entire) set\b|\bas a set\b")
_PLAIN_YES_RE = re.compile(r"\b(?:yes|yeah|yep|yup|sure|confirm|confirmed|place it|go ahead|do it|aye)\b")
_NOT_YET_RE = re.compile(r"\b(?:not yet|no|nope|nah|dont|do not|hold off|cancel|stop)\b")
_INSTEAD_OF_KIND_RE = re.compile(r"\b(?:make (?:that|it)|i meant|i mean|instead|rather|actually no|no wait|scratch that)\b")
_COLOUR_RULED_OUT_RES = (
    re.compile(rf"\b({meaning.COLOUR_ALT})(?: plated| toned| tone)? (?:stuff|ones|things|jewellery|jewelry|metal) "
               r"(?:makes|gives|brings|irritates|hurts|bothers)\b"),
    re.compile(rf"\b({meaning.COLOUR_ALT}) (?:bilkul |ekdum |to )?(?:nahi|nahin|nai|mat)\b"),  # Hindi says the no after it
    # "got black on it cannot, black not auspicious": Singlish says the no after it too
    re.compile(rf"\b({meaning.COLOUR_ALT})(?: on it| in it)? (?:cannot|not allowed|not auspicious|is bad luck|bad luck)\b"),
    # "silver ones only, gold looks so weird on me", "black doesn't suit her"
    re.compile(rf"\b({meaning.COLOUR_ALT})(?: plated| toned| tone)? (?:just |always |really )?(?:looks?|is|seems) (?:so |really |too |"
               r"kinda |kind of |a bit |very |just )?(?:weird|awful|bad|terrible|wrong|horrible|off|odd|tacky|cheap|funny|"
               r"gross|ugly|washed out) on (?:me|her|him|them)\b"),
    re.compile(rf"\b({meaning.COLOUR_ALT}) (?:doesnt|does not|dont|do not|never) (?:suit|suits|look good on|work on|flatter) "
               r"(?:me|her|him|them)\b"),
    # "he spills everything on white", "white shows every stain": a colour that will not stay clean
    re.compile(rf"\b(?:spills?|spilling|spilt|spilled|stains?|staining|gets? (?:\w+ )?dirty|wrecks|ruins) (?:\w+ ){{0,2}}?"
               rf"(?:on|in) ({meaning.COLOUR_ALT})\b"),
    re.compile(rf"\b({meaning.COLOUR_ALT}) (?:shows?|gets?|showing) (?:up )?(?:every |the |all the |any )?"
               r"(?:stains?|dirt|marks?|dirty|grubby|mucky)\b"),
)
_IS_JUST_COLOUR_RE = re.compile(r"\b(?:is|are|s) (?:just|basically|only|really|practically|pretty much|kinda|kind of) "
                                rf"(?:an? |like )?(?:{meaning.COLOUR_ALT})\b")
_GOES_WITH_COLOUR_RE = re.compile(rf"\b(?:go|goes|going|match|matches|pair|pairs|work|works|look nice|looks nice|look good|"
                                  rf"looks good|look great|looks great|look lovely) (?:well |really )?with "
                                  rf"(?:a |an |the |my |her |his )?(?:{meaning.COLOUR_ALT})\b")
# "oh these are the men's ones, i need women's": the department of what is on screen, not the one asked for
_SHOWN_DEPARTMENT_RE = re.compile(r"\b(?:these|those|they|theyre|them|its|thats|these ones)(?: are| re| is| s)?(?: all)? (?:the |for )?"
                                  r"(?:mens|womens|men|women|boys|girls|kids|ladies|gents)(?: ones| stuff| shoes| things)?\b"
                                  r"(?=.*\b(?:mens|womens|men|women|boys|girls|ladies|gents)\b)")
_LITTLE_ADULT_RE = re.compile(r"\b(?:little|wee|mini) (?:man|gentleman|gent|lady|woman|madam)\b")
_OTHER_COLOURS_RE = re.compile(r"\b(?:what|which|any|in|got|have|are there|see|show me)(?: \w+)? (?:other|different) (?:colou?rs?|shades)\b")
_MAKE_LINE_COUNT_RE = re.compile(r"\bmake (?:the|that|my|his|her|those|these) (?P<what>[a-z]+(?: [a-z]+)?)(?: one| 1| ones| pair| pairs)? "
                                 r"(?P<n>[1-9])(?! (?:dollars|bucks|quid|euros|pounds|waist|inch|inches|cm)\b)(?![.\d])")


# "two t-shirts is plenty, not three", "2 pairs will be enough": how many of the cart line of that kind
_ENOUGH_COUNT_RE = re.compile(r"\b(?P<n>[1-9]) (?P<what>[a-z]+(?: [a-z]+)?) (?:is|are|will be|would be|should be) "
                              r"(?:plenty|enough|loads|fine)\b")
# "nvm only one pair of joggers": of the kind in the cart, or else a request for one
_ONLY_OF_KIND_RE = re.compile(r"^(?:(?:nvm|never mind|actually|sorry|wait|oh|hmm|no|nah|ok|okay) )*(?:just|only) "
                              r"(?P<n>[1-9]|one|a single) (?:pairs? of (?:the )?|of (?:the|those|them) )?(?P<kind>[a-z]+(?: [a-z]+)?)$")


def _line_count(prepared: str, state: DialogueState) -> Understanding | None:
    """"Make the medium two", "make the purple one three", "make that top two", "make the taupe ones two", "two
    t-shirts is plenty", "only one pair of joggers": how many of the cart line named by its size, colour, kind or a
    word of its name; None when the words name none."""
    if (only := _ONLY_OF_KIND_RE.search(prepared)) is not None:
        kinds = meaning.extract_types(only.group("kind"))[0]
        if len(kinds) != 1 or not _cart_holds_kind(state, kinds[0]):
            return None
        return Understanding(intent=Intent.update_cart, confidence=0.8, slots=Slots(
            product_type=kinds[0].name, quantity=int(only.group("n")) if only.group("n").isdigit() else 1))
    if (m := _MAKE_LINE_COUNT_RE.search(prepared) or _ENOUGH_COUNT_RE.search(prepared)) is None:
        return None
    what, quantity = m.group("what"), int(m.group("n"))
    if (size := sx.extract_size(f"size {what}")[0]) is not None and not size.isdigit():
        return Understanding(intent=Intent.update_cart, confidence=0.8, slots=Slots(from_size=size, quantity=quantity))
    if colours := meaning.extract_colours(what)[0]:
        return Understanding(intent=Intent.update_cart, confidence=0.8, slots=Slots(
            reference=f"colour:{colours[0]}", quantity=quantity))
    if kinds := meaning.extract_types(what)[0]:
        return Understanding(intent=Intent.update_cart, confidence=0.8, slots=Slots(
            product_type=kinds[0].name, quantity=quantity))
    seen = [p for p in _cart_products_seen(state) if p is not None]
    if len(what.split()) == 1 and len({p.id for p in seen if _names_word(p, what)}) == 1:
        return Understanding(intent=Intent.update_cart, confidence=0.8, slots=Slots(
            reference=f"colour:{what}", quantity=quantity))  # the line named so
    return None


_GO_SIZE_RE = re.compile(rf"\bgo (?:up |down )?(?:to |for )?(?:an? |size )?({sx.LETTER_SIZE_ALT}|small|medium|large|extra large|\d{{1,2}})"
                         r"(?: one| instead| then| please)?$")
_KIND_IN_SIZE_RE = re.compile(r"^(?:(?:hmm|no|nah|actually|wait|sorry|oh|ok|okay|hang on|on second thought) )*"
                              r"(?:(?:(?:can|could) you |please )?(?P<verb>make|change|switch|swap) )?(?:the|my) "
                              r"(?P<kind>[a-z]+(?: [a-z]+)?) (?:(?:in|to|into) (?:an? |size )?|(?(verb)an? |(?!)))"
                              r"(?P<size>[a-z]+(?: [a-z]+)?|\d{1,2})\b(?! (?:colou?r|please show))"
                              # after the verb, nothing else asked: "… a large instead, i want it baggy", not "… and show me …"
                              r"(?(verb)(?=(?: instead| please| then| thanks)*(?: (?:i|it|its|they|theyre|she|he|cause|because|"
                              r"as|since|coz|cos|so)\b.*)?$)|(?! instead))")


def _kind_in_size(prepared: str, state: DialogueState) -> Understanding | None:
    """"No, the sweaters in medium", "can you make the hoodie a large instead": the size of the cart line of the
    kind named, when a line of it is in the cart (a product seen on a list) and nothing else is asked for."""
    if (m := _KIND_IN_SIZE_RE.search(prepared)) is None:
        return None
    kinds = meaning.extract_types(m.group("kind"))[0]
    size = sx.extract_size(f"size {m.group('size')}")[0]
    if len(kinds) != 1 or size is None:
        return None
    kind = kinds[0]
    if not _cart_holds_kind(state, kind):
        return None
    return Understanding(intent=Intent.update_cart, confidence=0.8, slots=Slots(product_type=kind.name, size=size))


_LONGER_RE = re.compile(r"\b(?:a |some )?longer (?:one|ones|version|cut|style|kind)\b|\bsomething (?:a bit |bit |a little )?longer\b|"
                        r"\b(?:any|anything) longer\b|\bsomething (?:a bit |nice and |more )?long\b(?! (?:sleeved?|sleeves))|"
                        r"\b(?:a |some )?long (?:one|ones)\b|\b(?:floor|ankle) length\b")  # "nothing too short, something long"
_LONGER_KIND = {"jackets": "longline jacket", "dresses": "maxi dress", "skirts": "maxi skirt"}
_OTHER_BRAND_RE = re.compile(r"\b(?:the )?other (?:brand|make|label|one of the two brands)\b")


def _other_brand(state: DialogueState) -> str | None:
    """Of the two brands asked for in this search (together, or one after the other), the one not on screen."""
    current = (state.filters.brand or "").casefold()
    said = {b.casefold(): b for f in (*(e.filters for e in reversed(state.earlier)), state.filters)
            for b in (*f.brands, f.brand) if b}
    return next(b for key, b in said.items() if key != current) if current in said and len(said) == 2 else None


_ASKS_FOR_A_THING_RE = re.compile(r"\b(?:do|can|could) (?:you|u|yall|you guys) (?:have|sell|stock|carry)(?: any| an?| some)? "
                                  r"(?!(?:it|that|this|them|those|these|one|anything|something|more|other|else|a look|"
                                  r"sizes?|colou?rs?)\b)[a-z]{3,}\b|\b(?:have|got) (?:you )?any [a-z]{3,}\b")
_THE_KIND_FIRST_RE = re.compile(rf"(?:(?:ok|okay|so|um|hmm|and|just|then) )*the (?:\w+ )?(?:{meaning.TYPE_ALT})\b")  # "the trousers please"
_HALF_THAT_RE = re.compile(r"\b(?:for |at |under |around |about |like |maybe )*half (?:of )?(?:that|it|the budget|what i said|my budget|the price)\b")
_KIND_INSTEAD_RE = re.compile(r"\b(?:show me|how about|what about|got any|do you have|maybe|lets (?:do|try|see)|(?:ill|i will|i ll) (?:get|take|go for)) "
                              r"((?:\w+ ){0,3}?\w+)(?: for (?:him|her|them|me|my \w+))? instead\b")
# Of two kinds named, the one preferred: "what i really need is joggers or trackies", "what about a belt", "a kurta
# set would be better" (the other one is put aside: "i've got loads of old tees", "i can't manage a saree all night")
_KIND_PREFERRED_RE = re.compile(rf"\b(?:what about|how about|what i (?:really |actually )?(?:need|want) is|i(?:d| would) rather(?: have)?|"
                                rf"(?:lets|let us) (?:go with|do|try)) (?P<after>.*)|"
                                rf"\b(?P<kind>(?:{meaning.TYPE_ALT}))s? (?:would be|would work|might be|is|are|will be) "
                                r"(?:much |way |a lot |so )?(?:better|easier|more practical|more comfortable|the move)\b")
_WEAR_OVER_RE = re.compile(r"\b(?:something|anything) (?:\w+ )?(?:to (?:wear|put|throw|layer|go) )?(?:on )?over (?:my|his|her|their|the|a|it|this|that)\b")
# "and something to put on top in case the aircon is cold", "something to go on top": a layer over what was bought
_ON_TOP_RE = re.compile(r"\b(?:something|anything) (?:\w+ )?(?:to (?:wear|put|throw|layer|go) )(?:on )?(?:on top|over (?:it|them|the top))\b")
_I_WANT_RE = re.compile(r"\bi (?:want|need|would like|d like|m after|am after|m looking for|am looking for)\b")
_MENSWEAR_RE = re.compile(rf"\b(?:{'|'.join(MENSWEAR_WORDS)})\b")
_RUNS_COLD_RE = re.compile(r"\b(?:i|he|she|they|we)(?: m| s| re| am| is| are)? (?:always |really |so |very |just |quite )*"
                           r"(?:runs?|gets?|feels?|being|freezing|cold) (?:always |really |so |very |quite )*(?:cold|freezing|chilly)\b|"
                           r"\b(?:im|hes|shes|theyre) (?:always |really |so |very )*(?:cold|freezing)\b")
# A need said instead of a kind, when no kind is named: what keeps rain off, glare out, wind off the neck, cold out
_NEED_KINDS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\bkeep (?:me|us|him|her|them|my \w+) dry\b|\b(?:chuck(?:ing|s)? it down|pissing down|bucketing down|"
                r"wet weather|downpours?|(?:rain|rains|raining|rainy) (?:all|every|the whole|the entire|non ?stop))\b"), "jacket"),
    (re.compile(r"\b(?:the )?glare\b|\bsun (?:in|out of) (?:my|his|her|their|our) eyes\b|\bsomething for (?:my|his|her) eyes\b"),
     "sunglasses"),
    (re.compile(r"\bwrap (?:round|around) (?:my|his|her|the) neck\b|\b(?:wind|cold|chill|breeze)\b.*\bneck\b.*\b(?:wrap|round|around|cover)\b"),
     "scarf"),
    (re.compile(r"\b(?:zero|0|no|any|some|proper) (?:winter|cold weather|snow|ski) (?:gear|kit|clothes|stuff)\b|\b(?:going to|gonna|will) freeze\b|"
                r"\b(?:an? )?(?:extra |light |warm |warmer |little )?layer (?:i|he|she|to|for)\b"), "warm layer"),
)
# A need that picks the kind within the one named: shoes without laces, a sweater that opens at the
# front, trousers with an elastic waist
_NEED_NARROWS: tuple[tuple[re.Pattern[str], str, frozenset[str]], ...] = (
    (re.compile(r"\b(?:slide|slip|shove|pop|push) (?:my|his|her|their|your) feet (?:in|into|straight in)\b|"
                r"\b(?:no|without|none of (?:the|those)) (?:\w+ )?laces\b|\b(?:do|doing|tie|tying) up (?:the )?laces\b|"
                r"\b(?:cant|cannot|can not|shouldnt|should not|not supposed to|wont be able to) bend\b"), "slip-ons",
     frozenset({"shoes", "sneakers"})),
    (re.compile(r"\bopens? (?:at|down|up|all the way down) the front\b|\bfront open(?:ing)?\b|\bopen (?:at )?the front\b|"
                r"\b(?:over|past) (?:his|her|my|their) head\b"), "cardigan", frozenset({"sweater"})),
    (re.compile(r"\belastic(?:ated)? waist|\bpull (?:them |it )?(?:up|on)\b|\bpull ?on\b|\bstretchy waist"), "track pants",
     frozenset({"trousers", "pants"})),
)
_GYM_RE = re.compile(r"\b(?:(?:joined|join|joining|going to|hit|hitting|start|started|starting) (?:a |the )?gym|"
                     r"(?:for|to) (?:the |a )?(?:gym|workouts?|training|exercise|working out|yoga|pilates)|working out)\b")
_WHAT_TO_WEAR_RE = re.compile(r"\bwhat (?:do|does|should|would|could|can|will|to)(?: (?:i|he|she|we|they|guys|men|women|girls|"
                              r"ladies|blokes|lads|people|one|you))? (?:even |actually |usually |normally |really )*"
                              r"(?:wear|need|pack|take|bring)\b|\bwhat (?:would|do|can|could) you (?:suggest|recommend)\b")
# clothes asked for whatever the occasion: "nothing to wear", "something cute for her to wear", "party outfits"
_OUTFIT_SAID_RE = re.compile(r"\bnothing to wear\b|\bsomething (?:\w+ ){0,3}to wear\b|"
                             r"\b(?:an?|some|party|new|nice|cute|matching) outfits?\b")
_WHO_WEARS_RE = re.compile(r"\bwhat (?:do|does|should|would|will|can) (?:an? )?(guys?|m[ae]n|blokes?|lads?|gents?|chaps?|girls?|"
                           r"wom[ae]n|lady|ladies) "
                           r"(?:even |usually |normally |actually |really )*wear\b")  # "what do guys even wear to these"
_RATHER_RE = re.compile(r"(?:hmm |ok |no |oh )?(?:actually|instead|or rather|on second thought|come to think of it)\b")
_NOT_THE_PICK_RE = re.compile(rf"\bnot (?:the )?({'|'.join(ORDINALS)})(?: one| ones| pair)?\b")  # the line just added
_NOT_THAT_ONE_RE = re.compile(r"\bnot (?:that|this) (?:one|pair)\b|\b(?:one|pair|ones) instead\b|\binstead of (?:that|it)\b")
_TAKE_IT_OUT_RE = re.compile(r"\b(?:take (?:it|that|them|those|this) (?:out|off)|remove (?:it|that|them|those|this)|delete)\b")
_OF_THAT_ONE_RE = re.compile(r"\b(?:\d{1,2}|two|three|four|five) of (?:that|this) (?:one|1|dress|pair)\b")
_N_OF_THOSE_RE = re.compile(r"^(?:(?:and|um|uh|oh|actually|so|ok|okay|wait)\s)*(?:(?:can|could) i (?:get|have|do)\s|ill take\s|"
                            r"(?:get|make it|make that|give me)\s)?([2-9]) of (?:those|them|that|it|these)\b|"
                            # "actually two, one for my aunt as well": the count, then why
                            r"^(?:(?:oh|ok|okay|hmm)\s)?actually\s([2-9])\s(?=one for|for|cause|because|as|since|so|my|the|she|he)|"
                            # "two pairs please, one for my uncle, same size"
                            r"^(?:(?:oh|ok|okay|hmm|actually|make it|make that|can i get|ill take)\s)*([2-9]) (?:pairs|of them|of those)"
                            r"(?: please)?\s(?=one (?:for|each)|for|cause|because|since|my|she|he)")
_MAKE_KIND_N_RE = re.compile(r"\bmake (?:my|the|his|her|their|our) [a-z]+(?: (?!(?:an?|size|in|to|just|only)\b)[a-z]+)? "
                             r"(?:just |only )?(\d{1,2}|one)\b"
                             r"(?! (?:dollars|bucks|waist|inch|inches|cm|quid|pounds|euros))")
_NEEDNT_BE_RE = re.compile(r"\b(?:doesnt|dont|does not|do not) (?:have|need) to be(?: an?| from)?$|\bneednt be(?: an?)?$")
_WHATEVER_SIZE_RE = re.compile(r"\b(?:whatever|whichever) size (?:that is|fits|thatd be|that would be|she needs|he needs|"
                               r"they need|is right|you think|you reckon)\b")
_FOR_THE_OTHER_RE = re.compile(r"^(?:and |now |ok |okay |right )*(?:what about |how about |and )?for (him|her)\b|"
                               # "his first, he's a size 10", "now hers": whose things come next
                               r"^(?:and |ok |okay |right |so )*(?:(?:now |then )(his|hers)|(his|hers|her ones)(?: first| now| next))\b|"
                               # "now him, he wants joggers"
                               r"^(?:and |ok |okay |right |so )*(?:now|next|then) (him|her)\b(?! (?:size|feet|waist|\w+s)\b)")
_OTHER_ONE_RE = re.compile(r"^(?:(?:ugh|no|nah|oops|sorry|actually|wait|hmm|oh|um) )+(?:the |that )?other (?:one|pair)\b")
_PICK_LETTER_RE = re.compile(r"\b(?:(?:1st|2nd|3rd|4th|5th|first|second|third|fourth|fifth|last)(?: one| ones| pair)?|"
                             r"(?:that|this) (?:one|pair)) (s|m|l)\b")  # "that one, l, two of them"
_N_OF_THAT_ONE_RE = re.compile(r"\b(\d{1,2}) of ((?:that|this) (?:one|pair))\b")
_ME_NOW_RE = re.compile(r"^(?:and |ok |okay |right |so )?(?:now|next|then) (?:me|mine|for me|my (?:turn|stuff|things))\b|"
                        r"\bback to (?:me|mine|my (?:stuff|things|own))\b|\bmy turn\b|"
                        # "she's sorted, it's me that needs them": the same things, for the shopper now
                        r"\b(?:its|it is) (?:actually |really )?me (?:that|who) (?:needs?|wants?)\b|"
                        r"\b(?:theyre|they are|its|it is) (?:actually |really )?for me (?:not|instead)\b")
_DONE_RE = re.compile(r"\b(?:thats|that is) (?:everything|all|it)\b|\b(?:all )?done\b|\bim done\b")
_KEEP_ONLY_RE = re.compile(r"\b(?:(?:just|only) keep|keep (?:only|just)|keep nothing but)\b")
_ASKS_SIZE_RE = re.compile(r"^(?:and |ok |okay |so |hmm )?(?:what|how) about\b|\b(?:is there|are there|do you have|have you got)\b")
_A_NUMBER_RE = re.compile(r"\b(?:a|an|the|in) (\d{1,2})\b(?! (?:dollars|bucks|pounds|quid|euros|of|more|pairs?|packs?|"
                          r"items|pieces|units|years?|yo|months?|weeks?|days?|percent|minutes|k)\b)")


_MAKE_IT_NUMBER_RE = re.compile(r"\b(?:make|change) (?:it|that|them|those) (?:to )?(?:an? |size )?(\d{2})\b"
                                r"(?! (?:dollars|bucks|of|more|left|pairs?|packs?|units|items))|"
                                # "it's really thirty two, change it"
                                r"\b(?:its|im|hes|shes) (?:really|actually) (?:an? )?(\d{2})\b(?= (?:so |_ )?(?:change|swap|make) (?:it|that))")
_NOT_A_SIZE_RE = re.compile(r"\b(?:im|hes|shes) not an? \d{2}\b(?: any ?more)?")


def _waist_size_change(text: str, state: DialogueState) -> tuple[str, str] | None:
    """"make it 32" for a line sized in numbers (a waist, a shoe) is its size when the product comes in
    that size (or, off screen, when no count could be that high); the number it no longer is goes too."""
    line = state.last_line
    if line is None or not (line.size or "").isdigit() or not (m := _MAKE_IT_NUMBER_RE.search(text)):
        return None
    product, said = state.shown_by_id(line.product_id), m.group(1) or m.group(2)
    if said not in product.sizes_available if product is not None else int(said) <= MAX_LINE_QUANTITY:
        return None
    return said, _NOT_A_SIZE_RE.sub(sx.BLANK, sx._blank(text, m))


def _numbered_size(number: int, state: DialogueState) -> bool:
    """Whether a bare number can be a size of the product in focus (or, with none, of the products shown):
    they are sized in numbers (waists, shoes), and it lies in their range give or take a few."""
    focus = state.shown_by_id(state.focus_id)
    products = [focus] if focus is not None else state.shown
    sizes = [int(s) for p in products for s in p.sizes_available if s.isdigit()]
    return bool(sizes) and all(s.isdigit() for p in products for s in p.sizes_available) and (
        min(sizes) - 4 <= number <= max(sizes) + 4)


def extract_slots(text: str, vocab: Vocabulary, state: DialogueState) -> Slots:
    """Fill every slot that appears in the (prepared) text; spans are consumed in priority order."""
    values: dict[str, object] = {}
    t = f" {text} "
    m = re.search(r"\border (?:number |no |# ?)?(\d+)\b", t)
    if m:
        values["order_id"] = int(m.group(1))
        t = sx._blank(t, m)
    t = _WAIST_SIZE_RE.sub(lambda m: f" size {m.group(1) or m.group(2)} ", t)
    t = _TIME_AGO_RE.sub(sx.BLANK, t)  # "a couple of weeks back" is no quantity, "next weekend" no occasion
    t = _TOO_MANY_RE.sub(sx.BLANK, t)  # "change that to three, five is too many": the count that stands is three
    t = _COLLEAGUE_RE.sub(lambda m: " woman " if m.group(1) in ("girl", "lady", "gal", "woman", "lass") else " man ", t)
    not_casual = _NOT_CASUAL_RE.search(t)
    if not_casual:
        t = sx._blank(t, not_casual)
    reason, fit, t = sx.extract_reason(t)
    values.update(reason=reason, fit_feedback=fit)
    measurements, t = sx.extract_measurements(t)
    values["measurements"] = measurements
    said_dollars = re.search(r"\b(?:dollars?|bucks?|usd)\b", t) is not None
    currency, t = sx.extract_currency(t, state.home_currency)
    price_min, price_max, trend, t = sx.extract_price(t)
    if currency is None and said_dollars:
        currency = "USD"  # said in dollars: an earlier budget's rupees no longer apply
    values["currency"] = currency if (price_min is not None or price_max is not None) else None
    if state.last_line is not None and (step := _SIZE_STEP_RE.search(t)):
        values["size"] = _stepped_size(state.last_line.size, step)
        t = sx._blank(t, step)
    if values["currency"] is None and (in_currency := sx.IN_CURRENCY_RE.search(t)):
        values["in_currency"] = sx.CURRENCY_WORDS[in_currency.group(1)]
    if trend is not None and (price_max is not None or price_min is not None) and not (
            trend == "cheaper" and price_min is None and _CHEAPER_THAN_SHOWN_RE.search(text) and not meaning.extract_types(text)[0]):
        trend = None  # "not too pricey, under 30 dollars", "under 1500, I won't spend more than that": the bound says it
    if (trend == "cheaper" and price_max is None and price_min is None and state.currency
            and (like := re.search(r"\b(?:like|say|around|about|maybe) (\d{2,})\b(?! (?:of|pairs?|items?|more))", t))):
        # "more cheap please, like two hundred thousand" after a budget in rupiah: that much, in that currency
        price_max, trend, t = int(like.group(1)) * 100, None, sx._blank(t, like)
        values["currency"] = state.currency
    elif price_max is None and price_min is None and state.filters.price_max_cents and (half := _HALF_THAT_RE.search(t)):
        price_max, trend, t = state.filters.price_max_cents // 2, None, sx._blank(t, half)  # "what's there for half that"
        values["currency"] = "USD"  # the budget as the shop holds it
    values.update(price_min=price_min, price_max=price_max, price_trend=trend)
    excluded, t = meaning.extract_exclusions(t, vocab)
    excluded_words = list(excluded.stems)
    if plain_disliked := _PLAIN_DISLIKED_RE.search(t):  # "he finds plain ones boring": not solid ones
        excluded_words, t = [*excluded_words, "solid"], sx._blank(t, plain_disliked)
    elif _PLAIN_RE.search(t):  # "plain ones", "let's go plainer": no pattern on it
        excluded_words = list(dict.fromkeys([*excluded_words, *PATTERN_STEMS]))
    if classic := _CLASSIC_RE.search(t):  # "something more classic, these are a bit too quirky": no novelty design
        excluded_words, t = list(dict.fromkeys([*excluded_words, *DESCRIPTOR_STEMS["quirky"]])), sx._blank(t, classic)
    values.update(exclude_colours=excluded.colours or None, exclude_brands=excluded.brands or None,
                  exclude_words=excluded_words or None, shade=excluded.shade)
    recipient, t = meaning.extract_recipient(t)
    if recipient is not None and state.filters.gender not in (None, recipient) and _THIRD_PARTY_SAYS_RE.search(text):
        recipient = None  # a hoodie for the grandson, "his mum's begging for a bit of colour": still his
    if recipient in KID_OF and state.filters.gender in ADULT_OF and _SIBLING_RE.search(text):
        recipient = KID_OF[recipient]  # the twins: "a t-shirt for my son", then "the same for his sister"
    shade, t = meaning.extract_shade(t)
    values["shade"] = values["shade"] or shade
    if values["shade"] and (away := _SHADE_AWAY_RE.search(t)) and (left := vocab.canonical_colour(away.group(1))):
        # "darker, the light grey ones show every drop": the colour moved away from
        values["exclude_colours"] = [*(excluded.colours or []), left]
        t = sx._blank(t, away)
    formality, t = meaning.extract_formality(t)
    values["formality"] = formality
    values["sort"], t = sx.extract_sort(t)
    if earlier := _EARLIER_RE.search(t):  # "the first one you showed me before the bombers"
        values["earlier"], t = True, sx._blank(t, earlier)
    t = _KIND_FIRST_RE.sub(r"\1", t)  # "trousers first, with a comfy waist": what comes first, not a pick
    if pick_letter := _PICK_LETTER_RE.search(t):  # "1st one M": a letter after a pick is its size
        values["size"], t = pick_letter.group(1).upper(), t[: pick_letter.start(1)] + sx.BLANK + t[pick_letter.end(1):]
    if (beside := _BESIDE_RE.search(t)) and state.last_line is not None and (index := next(
            (i for i, p in enumerate(state.shown) if p.id == state.last_line.product_id), None)) is not None and (
            0 < (number := index + (0 if beside.group(1) == "before" else 2)) <= len(state.shown)):
        t = f"{t[: beside.start()]} number {number} {t[beside.end():]}"  # "and the one before that in small too"
    if (keep := _KEEP_ONLY_RE.search(t)) and (gone := sx.extract_ordinal_reference(t[: keep.start()]))[0]:
        t = gone[1] + t[keep.start():]  # "scrap the second pair, just keep the first one": the one kept
    colour_ref = _COLOUR_REF_RE.search(t)
    ref, _ = sx.extract_ordinal_reference(_COLOUR_REF_RE.sub(sx.BLANK, t))  # "the first yellow one": yellow
    if ref is not None:
        ref, t = sx.extract_ordinal_reference(t)
    if ref is None and colour_ref:
        said_colour = colour_ref.group(1)  # "the tan ones", named tan on screen though filed as brown
        colour = said_colour if any(re.search(rf"\b{re.escape(said_colour)}\b", p.name.lower()) for p in state.shown) else (
            vocab.canonical_colour(said_colour) or said_colour)
        ref = f"colour:{colour}"
        t = _COLOUR_REF_RE.sub(sx.BLANK, t)
    if ref is None and (kind_ref := _KIND_REF_RE.search(t)):
        kind_stems = descriptor_stems(kind_ref.group(1))  # "the puffer one": the shown product of that kind
        if any(any(stem in p.name.lower() for stem in kind_stems) for p in state.shown):
            ref, t = f"name:{','.join(kind_stems)}", sx._blank(t, kind_ref)
    if ref is None and (named := _named_on_screen(t, state)) is not None:
        ref, t = f"name:{named[0]}", sx._blank(t, named[1])
    if ref is None and (described := _described_on_screen(t, state)) is not None:
        ref, t = described  # "the blue hooded puffer then, in large", "i'll take the hoops"
    brands: list[str] = []
    while (brand := vocab.find_brand(t.strip(), known_words=_KNOWN_WORDS)) is not None:
        tokens = t.strip().split()
        after = tokens[brand.end] if brand.end < len(tokens) else ""
        before = tokens[brand.start - 1] if brand.start > 0 else ""
        on_screen = any(p.brand.lower() == brand.brand.lower() for p in state.shown)
        if before in {"his", "her", "my", "their", "our"} and after in {"is", "s", "are", "was", "broke", "died"}:
            pass  # "nothing black, his titan is black": the one they have
        elif ref is None and before in {"the", "that", "those"} and (on_screen or state.shown) and (
                after in {"one", "ones", "pair"} or (on_screen and after not in TYPE_WORDS)):  # "add the casio"
            ref = f"brand:{brand.brand}"
        elif _NEEDNT_BE_RE.search(" ".join(tokens[: brand.start])):
            values["clear"] = ["brand"]  # "under fifty, doesn't have to be adidas": any make
        else:
            brands.append(brand.brand)
        t = " " + " ".join([*tokens[: brand.start], "_", *tokens[brand.end :]]) + " "
    for joined in reversed(list(_BRAND_JOINED_RE.finditer(t)) if brands else ()):
        # "gap or mast and harbour": a name that is also a word, said as the other make
        word = joined.group(1) or joined.group(2)
        if (brand := vocab.find_brand(f"from {word}")) is not None and brand.start == 1 and brand.brand not in brands:
            brands.insert(0 if joined.group(1) else len(brands), brand.brand)
            t = t[: joined.start(1 if joined.group(1) else 2)] + "_" + t[joined.end(1 if joined.group(1) else 2):]
    if brands:
        values["brand"] = brands[0]
        values["brands"] = brands if len(brands) > 1 else None
    if m := _SIZE_ELSE_RE.search(t):  # "in medium, or a large if there's no medium": the second choice
        values["size_else"], _ = sx.extract_size(f" size {m.group(1)} ")
        t = sx._blank(t, m)
    size, t = _said_size(_RUNS_RE.sub(sx.BLANK, _BODY_RE.sub(sx.BLANK, t)))
    if (size is None or _NOT_A_SIZE_RE.search(t)) and (waist := _waist_size_change(t, state)) is not None:
        size, t = waist  # "ugh no make it 32, i'm not a 28 anymore": the waist of the line just added, not 32 pairs
    if size is None and state.last_line is not None and (m := _MAKE_A_SIZE_RE.search(t)):
        size, t = m.group(1), sx._blank(t, m)  # "make it a ten instead", "make that a 34": "a" and a number, a size
    if size is None and state.pending is not None and state.pending.kind == "choose_size":
        size, t = sx.extract_bare_size(t)
    if size is None and (m := _A_NUMBER_RE.search(t)) and _numbered_size(int(m.group(1)), state):
        size, t = m.group(1), sx._blank(t, m)  # "ok put a 32 in the cart", "what about a 10", jeans or shoes in focus
    last_size = state.last_line.size if state.last_line else None
    if same := _SAME_SIZE_RE.search(t):  # "the first joggers from before too, same size"
        size, t = size or last_size or state.filters.size, sx._blank(t, same)  # "same size as the jacket": not a jacket
    elif size is None and _THEIR_SIZE_RE.search(t):  # "he's a large" earlier, now "the first one in his size"
        size = state.filters.size or state.advised_size or last_size
    values["size"] = size or values.get("size")  # or the next size up or down
    quantity: int | None
    if m := _JUST_QTY_RE.search(t) or _ENOUGH_RE.search(t):  # "one of them bailed, just two then": the count that stands
        quantity, t = int(m.group(1)), sx._blank(t, m)
    elif m := _N_OF_THAT_ONE_RE.search(t):  # "two of that one in medium": a count of the one in focus
        quantity, t = int(m.group(1)), f"{t[: m.start()]} {m.group(2)} {t[m.end():]}"
    elif m := _MAKE_KIND_N_RE.search(t):  # "make my top two", "make his polos just one": a count of the line of that kind
        quantity, t = 1 if m.group(1) == "one" else int(m.group(1)), t[: m.start(1)] + sx.BLANK + t[m.end(1):]
    else:
        quantity, t = sx.extract_quantity(t)
    if (less := _ONE_LESS_RE.search(t)) and state.last_line is not None and state.last_line.quantity > 1:
        quantity, t = state.last_line.quantity - 1, sx._blank(t, less)
    if quantity is None and (m := _JUST_THE_ONE_RE.search(t)):
        quantity, t = 1, sx._blank(t, m)  # "just the one is fine"
    line = state.last_line
    if (line is not None and not (line.size or "").isdigit()
            and (m := _CHANGE_TO_COUNT_RE.search(t))):
        # "change that to three": a count; "make the pocket squares four": the kind named stays to be read
        quantity, t = 1 if m.group(1) == "one" else int(m.group(1)), t[: m.start(1)] + sx.BLANK + t[m.end(1):]
    values["quantity"] = quantity
    if ref is None:
        ref, t = sx.extract_focus_reference(t)
    values["reference"] = ref
    if size is None and ref is not None and ref.startswith(("ordinal:", "cheapest", "priciest")) and (
            picked := resolve_one(ref, state)) is not None and (bare := _BARE_NUMBER_RE.search(t)) and (
            bare.group(1) in picked.sizes_available):
        values["size"], t = bare.group(1), sx._blank(t, bare)  # "the second one also 34": a size it comes in
    if re.search(r"\b(?:running|jogging|gym|sports|training) (?:shoes|tights|leggings|shorts|tops?|tees?|t ?shirts?|"
                 r"kit|gear|jackets?|socks|vests?|bras?)\b", t):
        values["occasion"] = "gym"
    t = _CART_PLACE_RE.sub(" _ ", t)  # "put it in my bag" names the cart, not a bag
    either, said = re.search(r"\bor\b", t) is not None, t
    types, t = meaning.extract_types(t)
    if types and state.filters.category and (worn := _WEARS_KIND_RE.search(said)):
        # belts on screen, "not black, he only ever wears brown shoes": his shoes say the colour, no shoes asked for
        worn_kinds = {k.name for k in meaning.extract_types(worn.group(0))[0] if k.category != state.filters.category}
        types = [k for k in types if k.name not in worn_kinds]
    if len(types) > 1 and (instead := _KIND_INSTEAD_RE.search(said)) and (kinds := meaning.extract_types(instead.group(1))[0]):
        types = kinds  # "he'd lose a watch in a week, show me wallets for him instead": the wallets
    elif len(types) > 1 and (preferred := _KIND_PREFERRED_RE.search(said)) and (
            kinds := meaning.extract_types(preferred.group("after") or preferred.group("kind"))[0]) and len(kinds) < len(types):
        types = kinds  # "he just got a wallet for christmas, what about a belt": the belt
    if len(types) == 2 and (shown := [k for k in types if k.stems and set(
            k.stems) == set(state.filters.name_any or ())]) and len(shown) == 1 and any(
            TYPE_WORDS[m.group(0)] == shown[0].name and _PUT_ASIDE_RE.match(said, m.end())
            for m in _TYPE_WORD_RE.finditer(said)):
        types.remove(shown[0])  # "scarf too warm for here. socks got?": the kind on screen is the one put aside
    if not types and (_TRADITIONAL_RE.search(said) or (_CEREMONY_RE.search(said) and _AN_OUTFIT_RE.search(said))) and (
            not state.filters.category):
        types = [PRODUCT_TYPES["ethnic wear"]]  # "something sparkly and traditional for Eid"
    elif not types and _ON_TOP_RE.search(said):
        types = [PRODUCT_TYPES["warm layer"]]  # "something to go on top, it gets windy": over what was bought
    elif [t.name for t in types] in ([], ["outfit"]) and _WEAR_OVER_RE.search(said) and not state.filters.category:
        types = [PRODUCT_TYPES["warm layer"]]  # "something to wear over my lehenga": a layer, whatever it is
    elif not types and _RUNS_COLD_RE.search(said) and not state.filters.category:
        types = [PRODUCT_TYPES["warm layer"]]  # "i run really cold and the aircon at work is brutal"
    elif not types and not state.filters.category and (need := next((kind for cue, kind in _NEED_KINDS if cue.search(said)), None)):
        types = [PRODUCT_TYPES[need]]  # "it's going to chuck it down all week, what'll keep me dry"
    elif not types and _GYM_RE.search(said) and not state.filters.category:
        types = [PRODUCT_TYPES["activewear"]]  # "i just joined a gym and have nothing to wear for it"
    elif not types and not state.filters.category and (_OUTFIT_SAID_RE.search(said) or (
            _WHAT_TO_WEAR_RE.search(said) and sx.extract_occasion(said)[0] in (None, "party", "office", "casual"))):
        # clothes to wear there, not a watch for it (a beach has its own, unless there's "nothing to wear")
        types = [PRODUCT_TYPES["outfit"]]  # "a first date on friday, what should i wear"
    if len(types) == 1 and (need := next((kind for cue, kind, wider in _NEED_NARROWS
                                          if types[0].name in wider and cue.search(said)), None)):
        types = [PRODUCT_TYPES[need]]  # "shoes i can just slide my feet into": slip-ons
    category, stems, type_name = meaning.combine_types(meaning.narrowed(said, types), either=either)
    prefer = meaning.spoken_stem(said, types[0]) if len(types) == 1 else None
    if either and len(types) == 2 and types[0].category == types[1].category and len(
            stemmed := [k for k in types if k.stems]) == 1:
        prefer = stemmed[0].stems[0]  # "a cardigan or a jumper": any sweater, the cardigans first
    if len(types) == 2 and types[0].category == types[1].category and (narrower := next((
            stem for kind, other in (types, types[::-1]) for stem in kind.stems
            if any(o != stem and o in stem for o in other.stems)), None)):
        prefer = narrower  # "heels, something chunky like block heels": block heels first
    if prefer is None and len(types) == 1 and types[0].name in NAMED_FIRST:
        prefer = NAMED_FIRST[types[0].name]  # "a jumper for my grandad": knitted ones first, sweatshirts after
    if category == "ethnic_sets" and (part := _SET_PART_RE.search(said)):
        prefer = part.group(1)  # "a kurta set, something with churidar": the sets that come with one
    if type_name is None and _THE_SET_RE.search(t) and (shown_kind := type_named_by(state.filters.name_any) or PRODUCT_TYPES.get(
            (state.filters.category or "").removesuffix("s"))) and (
            whole_set := PRODUCT_TYPES.get(f"{shown_kind.name} set")):
        # "actually the full set, with the pyjama" after kurtas: kurta sets
        category, stems, type_name = whole_set.category, list(whole_set.stems), whole_set.name
        prefer = part.group(1) if (part := _SET_PART_RE.search(said)) else None
    if type_name is None and state.filters.category == "jackets" and _WARMER_RE.search(t):
        warm = PRODUCT_TYPES["puffer"]  # "something warmer than that", with jackets on screen: padded ones
        category, stems, type_name = warm.category, list(warm.stems), warm.name
    if (ruled_out := set(excluded_words or ()) - {prefer}) and [s for s in stems if s not in ruled_out]:
        stems = [s for s in stems if s not in ruled_out]  # "laptop bag, not a backpack": not by that word either
    if stems and excluded_words and set(stems) & set(excluded_words):  # "running shoes, not sneakers": still runners
        excluded_words = [w for w in excluded_words if w not in stems]
        values["exclude_words"] = excluded_words or None
    any_of_kind = type_name is not None and not stems and bool(state.filters.name_any) and bool(_INSTEAD_OF_KIND_RE.search(text))
    # "actually no, make that proper formal trousers" after chinos: any trousers, not chinos
    values.update(product_type=type_name, name_any=[] if any_of_kind else stems or None, name_prefer=prefer)
    if type_name and category == state.filters.category and state.filters.name_any and _SAME_KIND_OF_RE.search(text):
        # "and for my daughter the same kind of jacket" after padded ones: padded ones again
        values.update(name_any=list(state.filters.name_any), name_prefer=state.filters.name_prefer)
    if category is None:
        category, t = sx.extract_category(t)
    values["category"] = category
    t = _IS_JUST_COLOUR_RE.sub(sx.BLANK, t)  # "no purple either, purple is just pink pretending": not pink wanted
    for ruled_out_re in _COLOUR_RULED_OUT_RES:
        # "silver, the gold plated stuff makes her ears itch": not gold; "red ya maroon, black bilkul nahi": not black
        if colour_said := ruled_out_re.search(t):
            said = vocab.canonical_colour(colour_said.group(1)) or colour_said.group(1)
            colours_out = values.get("exclude_colours")
            values["exclude_colours"] = list(dict.fromkeys([*(colours_out if isinstance(colours_out, list) else []), said]))
            t = sx._blank(t, colour_said)
    if (with_colour := _GOES_WITH_COLOUR_RE.search(t)) and meaning.extract_colours(sx._blank(t, with_colour))[0]:
        t = sx._blank(t, with_colour)  # "earrings that'd go with green, gold ones maybe": gold
    colours, t = meaning.extract_colours(t)
    if len(colours) > 1 and (instead := re.search(rf"\b({'|'.join(map(re.escape, colours))}) (?:ones? |pairs? )?instead\b", text)):
        colours = [next(c for c in colours if c == instead.group(1))]  # "like a teacher in khaki, navy instead"
    if colours:
        values["colours"] = colours
        values["colour"] = vocab.canonical_colour(colours[0]) or colours[0]
    occasion, t = sx.extract_occasion(t)
    style, t = sx.extract_style(t)
    material, t = sx.extract_material(t)
    gender, t = sx.extract_gender(_LITTLE_ADULT_RE.sub(sx.BLANK, _SHOWN_DEPARTMENT_RE.sub(sx.BLANK, t)))
    if recipient is None and gender in KID_OF and re.search(r"\bfor (?:him|her)\b", text) and meaning.child_age(text):
        gender = KID_OF[gender]  # "her eldest is five ... a t-shirt for him?": a boy's
    if recipient is None and gender in KID_OF and not _DEPARTMENT_RE.search(text) and (meaning.youth_team(text) or (
            _KIDS_RE.search(text) and re.search(r"\b(?:him|her|he|she)\b", text))):
        gender = KID_OF[gender]  # "polos for the lads in my under nines", "thongs for him, whatever you've got for kids"
    if recipient is None and _ANYONE_RE.search(text):
        gender = "unisex"  # "I'd rather not shop men's or women's, do you have unisex trainers"
    department = state.asked_gender or state.filters.gender  # whose things are on screen: the son's, if unisex stood in
    if recipient is None and gender in ADULT_OF.values() and department in ADULT_OF and re.search(
            r"\b(?:for )?(?:him|her|he|she)\b", text) and not re.search(r"\b(?:men|women|mens|womens)\b", text):
        gender = None  # "track pants for him" after boys' t-shirts: still the boys' department
    if recipient is not None and gender in ADULT_OF.values() and gender != recipient and _DEPARTMENT_RE.search(text):
        recipient = None  # "my sister's wedding … for men": the department said outright wins
    if recipient in ADULT_OF.values() and gender in ADULT_OF and ADULT_OF[gender] == recipient and re.search(
            r"(?<!the )(?<!my )(?<!her )(?<!his )(?<!our )(?<!with )\b(?:girls|boys)\b", text):
        recipient = None  # "my daughter's fourteen, she wants a sweatshirt, girls'": the department said
    values.update(style=style, material=material, gender=recipient or gender)
    if values["gender"] is None and (state.filters.gender is None or meaning.child_age(text)):
        # "my best mate ... it's his birthday"; "now my middle one, he's eight" after his sister's jacket
        values["gender"] = meaning.pronoun_gender(text)
    if values["gender"] is None and recipient is None and (other := _FOR_THE_OTHER_RE.search(text)) and (
            department in (*ADULT_OF, *KID_OF)):
        whose = next(g for g in other.groups() if g)
        wanted = "women" if whose.startswith("her") else "men"  # "and for her, same budget" after her brother's shorts
        wanted = KID_OF[wanted] if department in KID_GENDERS else wanted
        values["gender"] = wanted if wanted != department else None
    if values["gender"] is None and (who := _WHO_WEARS_RE.search(text)):
        values["gender"] = "women" if who.group(1).startswith(("girl", "wom", "lady", "ladies")) else "men"
    if values["gender"] is None and state.filters.gender is None and _WOMENSWEAR_RE.search(text) and not _KIDS_RE.search(text):
        values["gender"] = "women"  # "a short kurti to wear with jeans": only women's are called so
    if values["gender"] is None and state.filters.gender is None and _MENSWEAR_RE.search(text) and not _KIDS_RE.search(text):
        values["gender"] = "men"
    if (values["gender"] in (None, *KID_GENDERS) and state.filters.gender in (None, *ADULT_OF.values())
            and (party := _HEN_STAG_RE.search(text))):  # who goes to one ("the girls want matching tops" on a hen do)
        values["gender"] = "women" if (party.group(1) or party.group(2)) in ("hen", "bachelorette") else "men"
    me_now, for_me = _ME_NOW_RE.search(text) is not None, meaning.FOR_MYSELF_RE.search(text) is not None
    if values["gender"] is None and (_KIDS_RE.search(text) or meaning.youth_team(text)):
        values["age_group"] = "kids"  # "kids' t-shirts", "something for the children"
    elif recipient is None and values["gender"] is None and (self_gender := state.shopper_gender or meaning.shopper_gender(
            text)) and (me_now or for_me or meaning.self_described(text) or (
            (_I_WANT_RE.search(text) or (meaning.talks_as_self(text) and (values.get("category") or values.get("product_type")))) and meaning.shopper_gender(text)
            and state.filters.gender is None)):
        # "now me, a long puffer" after the husband's jacket, as a mum; "i'm a big lad, t-shirts never fit"
        values["gender"] = self_gender
    elif recipient is None and ((values["gender"] is None and me_now) or (for_me and (
            (values["gender"] or department) in KID_GENDERS or not (values["gender"] or department)))):
        # "a shirt for myself" (after the children's), "now me" (after someone else's): a grown-up's
        values.update(gender=None, age_group="adults")
        if me_now:
            values["clear"] = ["gender"]  # not the department of whoever was shopped for before
    if (values["gender"] is None and recipient is None and state.filters.gender is None and state.shopper_gender is None
            and values.get("age_group") != "kids" and values.get("category") == "kurtas"
            and not re.search(r"\b(?:we|us|our)\b", text)):
        values["gender"] = meaning.kurta_department(text)  # "a white kurta for eid, for myself": the men's
    if (values["gender"] in KID_OF and _MY_CHILD_RE.search(text) and not _DEPARTMENT_RE.search(text)
            and not (for_me or me_now or meaning.self_described(text))  # "my young lad's confirmation, this is for me"
            and ((age := meaning.said_age(text)) is None or age < KIDS_AGE_LIMIT)):
        values["gender"] = KID_OF[values["gender"]]  # "shorts for my young fella", "my eldest … his old one": a child's
    values["shopper_gender"] = meaning.shopper_gender(text)
    if (values["gender"] or state.filters.gender) in KID_GENDERS or values.get("age_group") == "kids":
        values["child_age"] = meaning.child_age(text)  # for a kids' size when none is said
    if not_casual or ((style == "formal" or (formality is None and _FORMAL_RE.search(text))) and "casual" not in text):
        # "a formal shirt", "slim fit formal shirts": not one sold as smart casual
        values["exclude_words"] = excluded_words = [*(excluded_words or ()), "casual"]
    if values["product_type"] == "cargo" and re.search(r"\b(?:pants|trousers)\b", text):
        values["exclude_words"] = excluded_words = [*(excluded_words or ()), "shorts"]  # "cargo pants", not shorts
    if values["product_type"] == "t-shirt" and re.search(r"\b(?:round|crew) neck", text):
        values["exclude_words"] = excluded_words = [*(excluded_words or ()), "polo", "collar", "v-neck", "henley"]
    if values["product_type"] == "bag" and not re.search(r"\b(?:wallet|purse|suitcase|luggage|trolley)", text):
        # a bag to carry, not the wallets and suitcases the catalog files with bags
        values["exclude_words"] = excluded_words = [*(excluded_words or ()), "wallet", "suitcase", "trolley"]
        if _SMALL_BAG_RE.search(text) and not re.search(r"\b(?:backpack|rucksack|laptop|duffel|gym|travel)", text):
            excluded_words.extend(["backpack", "duffel", "laptop"])  # "her bag is too heavy, something small": to carry light
    if (values["category"] or state.filters.category) == "jackets" and _NOTHING_HEAVY_RE.search(text):
        # "a light jacket with a hood, nothing heavy, it's still so hot": no padding
        padding = ["padded", "puffer", "parka", "quilted"]
        values["exclude_words"] = excluded_words = [*(excluded_words or ()), *padding]
        asked_kinds = values.get("name_any")
        if isinstance(asked_kinds, list):
            values["name_any"] = [s for s in asked_kinds if s not in padding] or asked_kinds
    if values["product_type"] == "leggings" and (
            (values.get("occasion") or occasion or state.filters.occasion) == "gym" or state.filters.category == "activewear"):
        values["exclude_words"] = [*(excluded_words or ()), "churidar"]  # for a run: not the ethnic kind
    _drop_excluded(values)
    if ref is not None and ref.startswith("ordinal:") and values.get("quantity") == len(ref.split(",")) > 1:
        values["quantity"] = None  # "both of the first two": two products, one of each
    if ref is not None and ref.startswith(("brand:", "colour:")) and re.search(r"\b(?:just|only)\b(?! (?:one|1|a single)\b)", text):
        kind, value = ref.split(":", 1)  # "just the puma ones then": narrowing the list, not one product
        values["brand" if kind == "brand" else "colour"] = value
        values["reference"] = None
    cleared = [name for name, cue in _LIFT_CUES if cue.search(text)]
    lifted = values.get("clear")
    values["clear"] = [*(lifted if isinstance(lifted, list) else []), *cleared] or None
    values["topic"] = next((name for name, cue in _TOPIC_CUES if cue.search(text)), None)
    asked = text[meaning.story_end(text):]  # not "had them taken up last time … today i need a belt"
    for name, cue in (("service", SERVICES), ("delivery", DELIVERY_QUESTION), ("customs", CUSTOMS_QUESTION),
                      ("fits", FITS_QUESTION), ("returns_policy", RETURNS_POLICY), ("payment", PAYMENT_QUESTION),
                      ("hours", SHOP_HOURS)):
        if cue.search(asked):
            values["topic"] = name
    if values["topic"] is None and values.get("material") and values.get("reference") and re.match(
            r"(?:does|do|is|are|has|have)\b", text):
        values["topic"] = "material"  # "does the second one have a leather strap"
    values["keep_only"] = True if _KEEP_ONLY_RE.search(text) else None
    feature = _FEATURE_RE.search(text)
    values["feature"] = next(g for g in feature.groups() if g) if feature else None
    if values["topic"] == "includes" and (extra := _COMES_WITH_RE.search(text)):
        values["feature"] = extra.group(1)  # "does it come with a blouse piece": what to look for in the listing
    values["keep"] = [name for name, cue in _KEEP_CUES if cue.search(text)] or None
    values["occasion"] = values.get("occasion") or occasion
    if values["formality"] == "more" and values["occasion"] == "casual":
        values["occasion"] = None  # "those look kinda casual, anything dressier": the complaint, not the ask
    if values["occasion"] == "gym" and (values["category"] or values["product_type"]):
        values["occasion"] = None  # "joggers for the gym": all joggers are; the tag only picks for "gym clothes"
    if (values["size"] in ALPHA_SIZES and (values["category"] or state.filters.category) in ONESIZE_CATEGORIES
            and not values.get("reference")):
        values["size"] = None  # "hoops maybe? like small hoops": how big, for one-size jewellery
    return Slots(**{k: v for k, v in values.items() if v is not None})


def classify(text: str, slots: Slots, state: DialogueState) -> tuple[Intent, float]:
    """Pick the intent from cue phrases, slots and what the assistant is waiting for."""
    pending = state.pending
    if not text:
        return Intent.unknown, 0.2
    if pending is not None and pending.kind == "checkout":
        if NO.search(text) or DECLINE_ADD.search(text):  # "yeah nah, i'll come back later": not a yes
            return Intent.decline, 0.95
        if CHECKOUT.search(text) and not _PLAIN_YES_RE.search(text):
            return Intent.checkout, 0.9  # "ok, checkout now" after the cart changed: the total again, then a yes
        if YES.search(text) or _YES_ANYWHERE.search(text):
            return Intent.confirm, 0.95  # "go on so, yes"
    if DECLINE_ADD.search(text) and not (set(slots.as_dict()) & set(SEARCH_SLOTS) - {"gender", "age_group"}) and not (
            CLEAR_CART.search(text) or REMOVE.search(text) or VIEW_CART.search(text)):  # "not yet, let me call my husband first"
        return Intent.decline, 0.85
    if pending is not None and pending.kind == "choose_size" and slots.size and not REMOVE.search(text) and (
            slots.reference or not (slots.category or slots.product_type)):  # "now trousers, waist 32": a search
        return Intent.add_to_cart, 0.9
    if (_BUY_IT_RE.fullmatch(text) or _ORDER_IT_RE.search(text)) and state.cart.item_count > 0 and (
            state.focus_id is None or state.focus_id in state.cart.product_ids or state.last_intent == "view_cart"):
        return Intent.checkout, 0.8  # "ok buy it" with what is shown already in the cart (or the cart just read): the cart
    if pending is None and state.cart.item_count > 0 and _ORDER_ASKED_RE.search(text) and not _NOT_YET_RE.search(text):
        return Intent.checkout, 0.85  # "ok confirm the order" with nothing read back yet: the total, then a yes
    if pending is not None and pending.kind == "choose_product" and slots.reference and not slots.topic:
        # "do you mean that one?" (asked of a price) … "perfect, add that": the add said now
        return (Intent.add_to_cart if ADD.search(text) else Intent(pending.for_intent or "product_details")), 0.85
    if re.fullmatch(r"(?:nah|nope|meh)(?: not (?:those|these|them|really))?", text) and pending is None and state.shown and (
            state.focus_id is None):
        return Intent.more_results, 0.7  # "nah" to a list just shown: others
    if re.fullmatch(r"(?:no|nope|nah)(?: thanks| thank you)?(?: (?:thats all|im good|bye))?", text):
        return (Intent.goodbye if state.pending is None and "thats all" in text else Intent.decline), 0.8
    if GOODBYE.search(text) and not (ADD.search(text) or CHECKOUT.search(text) or CLEAR_CART.search(text) or slots.topic
                                     or slots.price_max or slots.price_min  # "thirty bucks to spend, that's it": the budget
                                     or (VIEW_CART.search(text) and state.cart.item_count)  # "what's my total, and i'm done"
                                     or (_TAKE_IT_OUT_RE.search(text) and state.cart.item_count)):  # "take it out, i'll come back later"
        return Intent.goodbye, 0.9
    if HELP.search(text) and not (slots.category or slots.product_type or ((slots.occasion or slots.style) and slots.gender)
                                  or slots.topic):  # "how do i wash it": a question about the product
        return Intent.help, 0.9
    asked_of_one = bool(slots.reference and slots.reference.startswith("ordinal") and state.shown)
    if ((OUT_OF_SCOPE.search(text) and not _SHOPPING_FOR_RE.search(text)) or NOT_SOLD_GOODS.search(text)) and not (
            slots.category or slots.product_type or slots.exclude_words or slots.exclude_colours  # "no florals, … sofa"
            or asked_of_one  # "would a laptop fit in the second one": a question about it
            or (slots.size and state.last_line is not None)  # "make that a 34, … pizza lately"
            or (slots.price_trend and state.shown)  # "something cheaper, he'll spill mithai all over it anyway"
            or (state.shown and (slots.colour or slots.colours or slots.price_max or slots.price_min)
                and OUT_OF_SCOPE.search(text))  # "under ten euros, the flight cost me a kidney": the list narrowed
            or (state.shown and (not_sold := NOT_SOLD_GOODS.search(text)) is not None
                and (_NO_USE_RE.match(text, not_sold.end()) or _NOT_WANTED_BEFORE_RE.search(text[: not_sold.start()])))):
        # "with a hood, umbrellas are pointless up there", "… i don't wanna be carrying an umbrella around"
        return Intent.out_of_scope, 0.8
    if slots.topic in ("service", "delivery", "customs", "fits", "returns_policy", "payment", "hours") and not (
            slots.reference and ADD.search(SERVICES.sub(" ", text)) and not _ASKS_HOW_RE.match(text)) and not (
            slots.topic != "service" and slots.product_type and _I_WANT_RE.search(text)):  # "i need … and do you deliver"
        return Intent.out_of_scope, 0.8  # "can you gift wrap it", "will it get here by friday"
    if slots.topic == "care" and state.shown and not slots.has_search_slots():
        return Intent.product_details, 0.7  # "how should i wash these": the one in focus, or the first
    sold = NOT_SOLD.search(text)
    if sold and not (slots.category or slots.product_type or slots.brand or slots.colours):
        return Intent.out_of_scope, 0.7
    if slots.keep_only and state.cart.item_count > 1:
        return Intent.remove_from_cart, 0.85  # "actually just keep the third one"
    if CLEAR_CART.search(text):
        if slots.exclude_words and re.search(r"\b(?:except|but|apart from|other than|besides)\b", text):
            return Intent.remove_from_cart, 0.85  # "remove everything except the belt": one kind stays
        return Intent.clear_cart, 0.9
    if slots.fit_feedback and BOUGHT_IT.search(text) and not RETURN.search(text):
        return Intent.fit_review, 0.85
    if ORDER_STATUS.search(text) and not RETURN.search(text):
        return Intent.order_status, 0.9
    if RETURN.search(text) and not (state.cart.item_count and _TAKE_OUT_RE.search(text)):
        return Intent.start_return, 0.9  # not "take the small out, i can just exchange it": out of the cart
    if (state.cart.item_count and state.last_intent in _CART_TURNS and _CHECK_IT_OUT_RE.search(text)
            and not slots.has_search_slots()):
        return Intent.checkout, 0.8  # "can u check it out" with the line just added: pay for it, not look at it
    if VIEW_CART.search(text) and not REMOVE.search(text) and not ADD.search(text):
        if state.cart.item_count and re.search(r"\b(?:lets|let us|ready to|i want to|i wanna|i will|ill) check ?out\b", text):
            return Intent.checkout, 0.9  # "ok let's check out, what's the damage": the total comes with the question
        return Intent.view_cart, 0.9
    if REMOVE.search(text) or (state.cart.item_count and _SCRATCH_THE_RE.search(text)):
        return Intent.remove_from_cart, 0.9
    if (state.last_line is not None and state.last_intent == Intent.add_to_cart.value and slots.size
            and not slots.reference and _SIZE_CORRECTION_RE.search(text) and _NOW_SIZE_RE.search(text)
            and not (ADD.search(text) or slots.category or slots.product_type or slots.colours or slots.price_max)):
        return Intent.update_cart, 0.8  # "oh wait sorry he's a ten now, he's had a growth spurt": the line just added
    if (state.last_line is not None and state.last_line.size_picked and slots.size and not slots.reference
            and not (ADD.search(text) or slots.category or slots.product_type or slots.colours or slots.price_max)):
        return Intent.update_cart, 0.85  # "a six year old wears a small, added" - "she's tiny, extra small"
    if (
        CHANGE_LINE.search(text) and (slots.size or slots.quantity) and state.cart.item_count > 0
        and not ((slots.category or slots.product_type) and not _names_the_line_in_focus(slots, state))
        and not slots.colours and not ADD.search(text) and not (slots.reference and slots.reference.startswith("ordinal"))
        and not _names_one_to_add(slots, state)  # "the first black one, just one of those" after the brown belts
    ):
        return Intent.update_cart, 0.85  # "actually make it two wallets", the wallets in the cart
    if (slots.size and state.focus_id is not None and state.focus_id not in state.cart.product_ids
            and len(text.split()) <= _BARE_SIZE_WORDS and not DETAILS.search(text) and not _ASKS_SIZE_RE.search(text)
            and not (set(slots.as_dict()) - {"size", "quantity"})):
        return Intent.add_to_cart, 0.8  # "what sizes does the first one come in" … "great, medium please"
    if (slots.size and state.focus_id is not None and state.last_intent == Intent.product_details.value
            and _ASKS_SIZE_RE.search(text) and not (set(slots.as_dict()) - {"size"})):
        return Intent.product_details, 0.8  # "does the first pair come in a 9" … "what about a 10"
    resize = _RESIZE_IT_RE.search(text)
    if (resize and slots.size and state.cart.item_count > 0 and not slots.colours
            and not (slots.reference and slots.reference.startswith("ordinal"))
            and not _TYPE_WORD_RE.search(resize.group(0))):
        return Intent.update_cart, 0.85  # "swap it to a large, I like to layer a jumper underneath": a why, no search
    picked = resolve_one(slots.reference, state) if slots.reference and slots.reference.startswith("ordinal") else None
    if (picked is not None and picked.id in state.cart.product_ids and _CHANGE_PICK_RE.search(text)
            and (slots.size or slots.quantity) and not (slots.colours or slots.price_max)):
        return Intent.update_cart, 0.85  # "actually change the third one to large": its cart line
    if CHECKOUT.search(text):
        if pending is not None and pending.kind == "checkout":
            return Intent.confirm, 0.8
        return Intent.checkout, 0.9
    if COMPARE.search(text) or (_WHICH_PRICE_RE.search(text) and state.shown and (
            _TWO_RE.search(text) or "," in (slots.reference or ""))):
        return Intent.compare, 0.9
    if (slots.size and state.last_line is not None and _CHANGE_PICK_RE.search(text) and _FITS_SO_RE.search(text)
            and not (slots.reference or slots.category or slots.product_type)):
        return Intent.update_cart, 0.85  # "actually nah, the large, they always come up small on me": the line just added
    # not "and regular fit, the slim ones never fit me" (a style), nor "i need jeans that actually fit me" (a search),
    # nor "no indian terrain, they never fit me right" (a brand ruled out)
    if SIZE_ADVICE.search(text) and not ADD.search(text) and not slots.exclude_brands and not (
            slots.product_type and re.search(r"\bshow me\b", text)) and not (
            slots.style and _AND_MORE_RE.match(text) and state.shown) and not (slots.product_type and not state.shown):
        return Intent.size_advice, 0.85
    # "these look little-kid, he's six foot, can we do men's sizes": another department is a search
    shopping = bool(slots.category or slots.product_type or slots.exclude_words or slots.colours or (
        slots.gender and state.shown and not slots.size and (
            (state.filters.gender and slots.gender != state.filters.gender) or _DEPARTMENT_RE.search(text))))
    if (slots.measurements and slots.reference and slots.reference.startswith("ordinal") and slots.size
            and state.shown and not shopping):
        return Intent.add_to_cart, 0.8  # "the first one in extra large, he's six foot four": his height, the pick
    picking = bool(ADD.search(text) and slots.reference and state.shown)  # "i take the blue one, my size is small"
    if SET_PROFILE.search(text) and not shopping and not picking and not re.search(r"\bshow\b", text) and (
        slots.measurements or slots.size or "prefer" in text or "remember" in text
    ):
        return Intent.set_profile, 0.85
    if slots.measurements and not shopping:  # "men's sizes, he's six foot two, and grey if you have it": a search
        return Intent.set_profile, 0.75
    someone_new = slots.gender is not None and slots.gender != state.filters.gender and (
        state.filters.gender is not None or slots.child_age is not None)  # "something similar for my son, he's six"
    if _OTHERS_RE.search(text) and state.shown and not someone_new:
        return Intent.more_results, 0.85  # "give me some different ones": not "give me" the product
    narrowed = bool(slots.exclude_colours or slots.exclude_words or slots.exclude_brands or slots.colours
                    or slots.brands or slots.price_max or slots.price_min or slots.style or slots.material)
    if ADD.search(text) and (state.shown or slots.reference is not None or state.pending is not None) and not (
            slots.topic == "service" and not ADD.search(SERVICES.sub(" ", text))):  # "can i get it gift wrapped"
        if not (slots.reference is None and (slots.category or slots.product_type) and not CART_WORD.search(text)) and not (
                # "can i get something less flashy", "no prints, i want it plain": what else to show, not a pick
                slots.reference in (None, "focus") and (narrowed or slots.formality) and not CART_WORD.search(text)
                and not _SAID_ADD_RE.search(text)
                and (slots.reference is None or _SOMETHING_RE.search(text) or slots.exclude_words or slots.exclude_colours
                     or slots.price_max or slots.price_min)):  # "could we get it under twenty five euro"
            return Intent.add_to_cart, 0.9
    if MORE.search(text) and (state.shown or not slots.has_search_slots()) and not narrowed and not someone_new:
        return Intent.more_results, 0.9  # not "a few more kurtas" first thing, not "pink she doesn't like, what else"
    if _CHOICE_RE.search(_SIGN_OFF_RE.sub("", text)) and state.shown and slots.reference and not slots.model_copy(
            update={"gender": None, "child_age": None}).has_search_slots():
        return Intent.add_to_cart, 0.8  # "yeah that first one", "the second one for him": the pick, after a list
    lone = _FOR_WHOM_RE.sub("", text)  # "the third one, that is for my sister in law": a pick, said for whom
    if (state.shown and (slots.reference or "").startswith("ordinal:") and "," not in (slots.reference or "")
            and len(lone.split()) <= MAX_LONE_PICK_WORDS
            and not _PICK_BLOCKERS_RE.search(_PRAISED_RE.sub(" ", lone)) and not (slots.topic or slots.feature) and not slots.model_copy(
                update={"gender": None, "child_age": None, "quantity": None}).has_search_slots()):
        return Intent.add_to_cart, 0.7  # "the first one thx", "bet, the first one pls", "ok the first one lah": a pick
    if _WHATEVER_SIZE_RE.search(text) and state.shown and slots.reference:
        return Intent.add_to_cart, 0.8  # "the second one please, she's seven so whatever size that is"
    if RECOMMEND.search(text) and state.shown and slots.reference is None:
        return Intent.product_details, 0.7  # "which one would you recommend": the top match, said why
    if DETAILS.search(text) and not (slots.colours and not slots.size and slots.reference in (None, "focus")):
        return Intent.product_details, 0.85  # "do you have that in blue" asks for other products: refine
    recalled = bool(slots.reference and slots.reference.startswith("ordinal")
                    and recalled_list(state, slots.category, slots.name_any, slots.earlier) is not None)
    same_list = slots.category is None or slots.category == state.filters.category or recalled  # "the first jeans"
    kind_only = slots.model_copy(update={"category": None, "product_type": None, "name_any": None, "name_prefer": None,
                                         "gender": None})
    if not re.search(r"\b(?:no|not|nothing|without|except|but|none)\b", text):
        kind_only.exclude_words = None  # "the first bag": what a bag is not (a wallet, a trolley) goes with the kind
    typed_pick = bool(slots.reference and slots.reference.startswith("ordinal") and state.shown
                      and of_kind(state.shown, slots.category, slots.name_any) and not kind_only.has_search_slots())
    if (recalled or typed_pick) and not (slots.colours or slots.price_max or slots.price_min or slots.price_trend):
        # "and the shirt, the first one you showed me before, large as well": a pick from an earlier list;
        # "the second scarf please": a pick from the list on screen, named by its kind
        return (Intent.product_details, 0.75) if _QUESTION_RE.search(text) else (Intent.add_to_cart, 0.8)
    if slots.reference and slots.reference.startswith("ordinal") and state.shown and same_list and _QUESTION_RE.search(
            text) and not (slots.colours or slots.price_max or slots.price_min or slots.price_trend):
        return Intent.product_details, 0.75  # "the second one, how high is the heel on that"
    if (
        slots.reference and state.shown and (slots.size or slots.quantity) and same_list
        and not (slots.colours or slots.price_max or slots.price_trend) and not text.startswith("which ")
        and not (slots.reference.startswith(("colour:", "brand:", "name:")) and re.search(r"\bshow\b", text))
        and not (slots.reference == "focus" and slots.gender and state.filters.gender not in (None, slots.gender))
    ):  # not "which one of those is the cheapest", "show me the white ones in eleven", "wants one too, women's"
        if slots.size and _COMES_IN_SIZE_RE.search(text):
            return Intent.product_details, 0.8  # "does the navy hooded one come in large": a question, not a pick
        return Intent.add_to_cart, 0.8  # "the first one in large", "three of the first one"
    has_context = bool(state.shown) or state.filters != type(state.filters)()
    if slots.has_search_slots():
        kind = PRODUCT_TYPES.get(slots.product_type or "")
        other_kind = bool(kind and kind.stems and state.filters.name_any and slots.category in _MIXED_CATEGORIES
                          and not set(kind.stems) & set(state.filters.name_any))  # caps after sunglasses
        same_department = slots.category == state.filters.category and not (
            slots.gender and slots.gender != state.filters.gender) and not other_kind
        if slots.category and has_context and (same_department or (
                REFINE_CUE.search(text) and not SEARCH_VERB.search(text))):
            return Intent.refine, 0.85  # "necklaces specifically", "with palazzos": a narrower look
        if (slots.category and state.filters.style not in (None, "formal") and not (state.filters.category or state.filters.name_any)
                and state.shown and (not SEARCH_VERB.search(text) or _THE_KIND_FIRST_RE.match(text))
                and slots.gender in (None, state.filters.gender)):
            return Intent.refine, 0.8  # "any maternity clothes", then "mainly trousers, for work": maternity trousers
        if slots.category and (
            not has_context or slots.category != state.filters.category or SEARCH_VERB.search(text) or other_kind
        ):
            return Intent.search, 0.9
        if slots.name_any and not slots.category and not set(slots.name_any) & set(state.filters.name_any or ()):
            return Intent.search, 0.8  # "also need mojaris or juttis to go with it": a new kind, from any category
        if has_context and (REFINE_CUE.search(text) or not slots.category):
            kind_asked = slots.reference == "focus" and (slots.style or slots.material) and _YOU_HAVE_IT_RE.search(text)
            someone_else = slots.gender is not None and slots.gender != state.filters.gender  # "my nephew, he'd like it"
            someone_else = someone_else or bool(slots.name_any and not of_kind(state.shown, None, slots.name_any))
            if slots.reference and not (slots.colour or slots.price_trend or slots.price_max or slots.exclude_words
                                        or slots.exclude_colours or slots.exclude_brands or kind_asked or someone_else):
                return Intent.product_details, 0.6  # not "the aviator style, you have it?": a kind asked for
            return Intent.refine, 0.85
        return Intent.search, 0.8
    if state.pending is None and _THANKS_RE.search(text) and not (slots.reference and state.shown):
        return Intent.goodbye, 0.6  # "ok cheers mate" with nothing to say yes to (not "the first one's fine, thanks")
    if YES.search(text):
        return Intent.confirm, 0.7
    if NO.search(text) and not (state.pending is None and state.shown and _SHOW_INSTEAD_RE.search(text) and slots.reference):
        return Intent.decline, 0.7  # not "no the uh actually show me the brown ones": a pick from the list
    if slots.reference and state.shown:
        if state.last_intent == Intent.add_to_cart.value and _BARE_PICK_RE.fullmatch(text):
            return Intent.add_to_cart, 0.7  # "the third ones", after "the first one in small, and earrings"
        return Intent.product_details, 0.6
    if slots.in_currency and (state.cart.item_count or state.focus_id is not None):
        # "and what's that in pounds": the last price said, the cart's total after a cart turn
        if state.cart.item_count and (state.focus_id is None or state.last_intent in _CART_TURNS):
            return Intent.view_cart, 0.6
        return Intent.product_details, 0.6
    if GREETING.search(text) or SMALL_TALK.search(text):
        return Intent.greeting, 0.9
    if re.search(r"\b(?:thanks|thank you)\b", text):
        return Intent.goodbye, 0.5
    return Intent.unknown, 0.3


_SET_PART_RE = re.compile(r"\bwith (?:a |the |matching )?(dupatta|churidar|palazzo|pyjama|salwar|sharara|jacket|dhoti|skirt|"
                          r"trousers|pants)s?\b")
_SHOW_INSTEAD_RE = re.compile(r"\b(?:show|see|instead|got any|have any|do you have|if (?:you|u|youve) (?:have|got|ve got)|"
                              r"already (?:got|have)|i meant)\b|^(?:no |sorry |oh |actually )+the \w+ ones?$|^the \w+ ones$")
# "the grey ones", "ooh the pink ones please", "the red ones mate": a colour for the whole list, no pick word
_BARE_PLURAL_COLOUR_RE = re.compile(r"^(?:(?:ok|okay|oh|ooh|hmm|um|uh|and|yeah|right|so|maybe) )*(?:the )?\w+ ones"
                                    r"(?: (?:please|pls|mate|then|only|too|instead|for (?:him|her|me|them)))*"
                                    r"(?: (?:i|we|she|he) (?:want|wants|like|likes|love|loves|prefer|prefers) (?!(?:it|that one|this one)\b)"
                                    r"(?:that|the|a|an) .*)?$")  # "white ones, i want that clean look"
_WORN_IN_PAIRS = frozenset({"shoes", "sandals", "jeans", "trousers", "shorts"})  # "the black ones": one pair
_MORE_OF_RE = re.compile(r"\b(?:(?P<count>\d{1,2}|one|another) more|another one)\b(?! (?:options?|results?|choices?|styles?|"
                         r"colou?rs?|like|to (?:see|look|show)|please$))")


def _more_of_last_line(prepared: str, whole: Understanding, state: DialogueState) -> Understanding | None:
    """"Oh and one more medium", "two more of those in small": more of what was just added, perhaps in
    another size; the cart's line, not the next page of results."""
    line = state.last_line
    m = _MORE_OF_RE.search(prepared)
    if (m is None or line is None or whole.intent not in (Intent.refine, Intent.more_results, Intent.search, Intent.unknown)
            or whole.slots.product_type or whole.slots.category or whole.slots.colour
            or (whole.slots.reference or "").startswith("colour:")):  # "a second pair, black ones this time"
        return None
    if not (whole.slots.size or re.search(r"\bof (?:those|them|that|these|it|the same)\b", prepared)):
        return None
    index = next((i for i, p in enumerate(state.shown) if p.id == line.product_id), None)
    if index is None:
        return None
    count = m.group("count")
    quantity = int(count) if count and count.isdigit() else 1
    slots = Slots(reference=f"ordinal:{index + 1}", size=whole.slots.size or line.size, quantity=quantity)
    return Understanding(intent=Intent.add_to_cart, slots=slots, confidence=0.7)


_CART_TURNS = frozenset(i.value for i in (Intent.add_to_cart, Intent.update_cart, Intent.remove_from_cart,
                                          Intent.view_cart, Intent.checkout))


_M_OR_F = r"(?:guys?|man|men|boys?|male|him|he|gent|bloke)"
_F_OR_M = r"(?:girls?|woman|women|lady|ladies|female|her|she|gal)"
# "something guy or girl also can", "either gender": whoever it is
_ANYONE_RE = re.compile(rf"\b(?:unisex|gender ?neutral|genderless|(?:either|any) gender|{_M_OR_F} or (?:an? )?{_F_OR_M}|"
                        rf"{_F_OR_M} or (?:an? )?{_M_OR_F})\b")
_PUT_ASIDE_RE = re.compile(r" (?:are |is |s )?(?:too|so|kinda|very|a bit|bit|not|a minefield|a nightmare|risky|tricky)\b")
# "some girl from HR", "a guy at work": a grown-up colleague, not the kids' department
_COLLEAGUE_RE = re.compile(r"\b(girl|guy|lady|gal|boy|chap|bloke|fella|fellow|man|woman|gent|lass|lad)\s(?=(?:from|at|in|on)\s(?:my\s|the\s|our\s)?(?:office|work|hr|"
                           r"team|accounts|finance|department|marketing|sales|it|admin|reception)\b)")
_MIXED_CATEGORIES = frozenset({"accessories", "jewellery", "bags", "innerwear"})  # unlike things under one name
_FORMAL_RE = re.compile(r"(?<!too )(?<!less )(?<!not )(?<!so )(?<!bit )\bformal\b")
# "my best friend's mehndi is in two weeks … i need an outfit": what is worn to it
_CEREMONY_RE = re.compile(r"\b(?:sangeet|mehndi|mehendi|haldi|shaadi|nikah|walima|baraat|puja|pooja|navratri|garba|"
                          r"(?:indian|desi|hindu|sikh|punjabi|gujarati|tamil|bengali|pakistani) wedding)\b")
_AN_OUTFIT_RE = re.compile(r"\b(?:an? |some |the )?(?:outfits?|something to wear|what (?:should|do|can) i wear)\b")
_TRADITIONAL_RE = re.compile(r"\b(?:something|anything|an? \w+) (?:\w+ (?:and|but|yet) )?(?:traditional|ethnic|indian|desi)\b|"
                             # "an eid outfit for my granddaughter": what is worn to an Indian festival or wedding do
                             r"\b(?:diwali|deepavali|eid|puja|pooja|navratri|garba|holi|onam|pongal|rakhi|raksha bandhan|"
                             r"karva chauth|dussehra|sangeet|mehndi|mehendi|haldi)(?: \w+)? (?:outfits?|clothes|dress up|get ?up)\b")
_NOT_ORDINAL = r"(?!(?:first|second|third|fourth|fifth|last|other|same|next|cheaper|cheapest|size|waist|length)\b)"
_CHANGE_TO_COUNT_RE = re.compile(rf"\b(?:change|make|put|knock|bring|cut|take)\s+(?:that|it|them|those|_(?=\s+(?:(?:down |up )?to )?\d)|the {_NOT_ORDINAL}\w+(?: \w+)?)\s+(?:to |down to |up to )?(\d{{1,2}}|one)\b"
                                 r"(?! (?:dollars|bucks|waist|inch))")
_TOO_MANY_RE = re.compile(r"\b\d{1,2} (?:is|are|s|was) (?:too many|a lot|way too many|too much|plenty|overkill)\b")
_AND_MORE_RE = re.compile(r"(?:and|or|but|in|only|just|also)\b")
_BUY_IT_RE = re.compile(r"(?:(?:ok|okay|right|alright|so|then|cool|great|nice|sweet|perfect|lovely|fine|good|yeah|yes|yep|just|"
                        r"lets|let me|go on|go ahead and) )*(?:buy|order|purchase) (?:it|them|that|those|it all|everything|all of it)"
                        r"(?: now| please| then| for me)*")
# "anything cheaper, like under a thousand pesos": below the dearest shown and within the budget said
_CHECK_IT_OUT_RE = re.compile(r"(?<!let me )(?<!ill )(?<!i will )(?<!i wanna )(?<!i want to )(?<!gonna )(?<!going to )"
                              r"\bcheck (?:it|this|that|them|these|everything|it all) out\b(?! (?:first|later|more|properly))")
_SMALL_BAG_RE = re.compile(r"\b(?:small|smaller|little|compact|mini|light|lighter|not (?:too |so )?(?:big|bulky|heavy)|"
                           r"too (?:big|bulky|heavy))\b")
_CHEAPER_THAN_SHOWN_RE = re.compile(r"\b(?:anything|something|any|ones?|got)(?: a bit| a little| bit| slightly| a lot| much)? cheaper\b")
_ORDER_ASKED_RE = re.compile(r"\b(?:place|confirm|complete|submit) (?:the |my |this |our |an )?order\b")
_ORDER_IT_RE = re.compile(r"\b(?:please |then |now |so )order (?:it|them|everything|it all|all of it)\b")  # "then please order it"
_BARE_SIZE_WORDS = 6  # "ok a small then please": a size and a few words of assent
_BARE_NUMBER_RE = re.compile(r"\b(\d{1,2})\b")
_TIME_AGO_RE = re.compile(r"\b(?:an? |the )?(?:few|couple|two|three|\d+) (?:of )?(?:days|weeks|months|years) "
                          r"(?:back|ago|before)\b|\b(?:next|this|on the|over the|by the|at the) weekend\b")
_WARMER_RE = re.compile(r"\b(?:warmer|cosier|cozier|thicker|heavier|puffy|puffier|more insulated|more padded)\b")
# "darker, the light grey ones show every drop" (not "a grey one, nothing too bright": the one wanted)
_SHADE_AWAY_RE = re.compile(r"(?<!like )(?<!as )(?<!say )(?<!just )(?<!only )\b(?:the|that|those|this) (?:light |pale |dark |bright )?"
                            r"([a-z]+) (?:one|ones|pair)\b(?! only\b)")  # not "the black ones only, he doesn't like flashy"
_YOU_HAVE_IT_RE = re.compile(r"\b(?:do )?you (?:have|got|sell|carry|stock) (?:it|them|that|those|any)\b")


_NO_SLOTS: frozenset[str] = frozenset()
ALLOWED_SLOTS: dict[Intent, frozenset[str]] = {
    Intent.confirm: _NO_SLOTS,
    Intent.decline: _NO_SLOTS,
    Intent.greeting: _NO_SLOTS,
    Intent.goodbye: _NO_SLOTS,
    Intent.help: _NO_SLOTS,
    Intent.view_cart: frozenset({"in_currency"}),
    Intent.checkout: _NO_SLOTS,
    Intent.unknown: _NO_SLOTS,
    Intent.out_of_scope: frozenset({"topic", "gender"}),  # "swimmers for my grandson": who it is for stays
    Intent.clear_cart: _NO_SLOTS,
    Intent.update_cart: frozenset({"size", "quantity", "reference", "product_type", "from_size", "quantity_change"}),
    Intent.order_status: frozenset({"order_id"}),
    Intent.size_advice: frozenset({"reference", "size", "measurements", "colour", "child_age"}),
}


def _understand_one(prepared: str, state: DialogueState, vocab: Vocabulary) -> Understanding:
    slots = extract_slots(prepared, vocab, state)
    intent, confidence = classify(prepared, slots, state)
    if (intent == Intent.search and slots.reference in ("cheapest", "priciest") and (slots.category or slots.product_type)
            and not of_kind(state.shown, slots.category, slots.name_any)):
        # "cheapest boxers for men", "the most expensive watch": the catalog's, not one shown
        order = "price_asc" if slots.reference == "cheapest" else "price_desc"
        slots = slots.model_copy(update={"reference": None, "sort": order})
    return _allowed(Understanding(intent=intent, slots=slots, confidence=confidence))


def _allowed(u: Understanding) -> Understanding:
    allowed = ALLOWED_SLOTS.get(u.intent)
    if allowed is None:
        return u
    return u.model_copy(update={"slots": Slots(**{k: v for k, v in u.slots.as_dict().items() if k in allowed})})


def _names_product(u: Understanding) -> bool:
    return bool(u.slots.category or u.slots.product_type)


def _lines_by_person(prepared: str, whole: Understanding, state: DialogueState) -> Understanding | None:
    """Cart lines for several people: one pick in a size for each, the sizes a search asked for, and a later
    turn naming a line by whom it is for or whose it is."""
    ref = whole.slots.reference or ""
    one_pick = ref == "focus" or (ref.startswith("ordinal:") and "," not in ref)
    if (whole.intent in (Intent.add_to_cart, Intent.product_details, Intent.search, Intent.refine)
            and one_pick and not _names_product(whole)
            and (people := _sizes_for_people(prepared))):
        # "the first one: the small's for chloe, the medium for hannah": a line for each, kept by whom it is for
        adds = [Understanding(intent=Intent.add_to_cart, confidence=0.8, slots=Slots(
            reference=ref, size=size, quantity=count, for_whom=whose)) for count, size, whose in people]
        return adds[0].model_copy(update={"then": adds[1:]})
    if (whole.intent == Intent.add_to_cart and not whole.slots.size and state.filters.size and state.filters.also_sizes
            and one_pick):
        # "the first one for all three", after "i need a small, a medium and an xl": one in each size asked
        adds = [Understanding(intent=Intent.add_to_cart, confidence=0.8, slots=Slots(reference=ref, size=size))
                for size in (state.filters.size, *state.filters.also_sizes)]
        return adds[0].model_copy(update={"then": adds[1:]})
    if state.line_owners and (owned := _owned_line(prepared, state)) is not None:
        owned_size, line_ref = owned
        if (_SWAP_RE.search(prepared) and (pick := whole.slots.reference or "").startswith("ordinal:") and "," not in pick
                and pick != line_ref):
            # "ok swap his for the first one of these, still a 32": his line goes, the new pick comes in his size
            out = Understanding(intent=Intent.remove_from_cart, confidence=0.8, slots=Slots(reference=line_ref, size=owned_size))
            return out.model_copy(update={"then": [Understanding(intent=Intent.add_to_cart, confidence=0.8, slots=Slots(
                reference=pick, size=whole.slots.size or owned_size))]})
        if whole.intent == Intent.remove_from_cart:  # "remove mine, only keep my brother's"
            return Understanding(intent=Intent.remove_from_cart, confidence=0.8,
                                 slots=Slots(reference=line_ref, size=owned_size))
        if (whole.intent == Intent.update_cart or (
                whole.intent in (Intent.add_to_cart, Intent.search, Intent.refine) and not _names_product(whole)
                and (whole.slots.size or whole.slots.quantity) and _CHANGE_PICK_RE.search(prepared))):
            # "dev just called, he wants double xl, change dev's one", "make the middle one's two pairs"
            return Understanding(intent=Intent.update_cart, confidence=0.8, slots=Slots(
                reference=line_ref, from_size=owned_size,
                size=whole.slots.size if whole.slots.size != owned_size else None,
                quantity=whole.slots.quantity))
    if (state.cart.item_count > 1 and (department := _whose_department(prepared, state)) and not _names_product(whole)
            and not _IT_RE.search(prepared)
            and whole.slots.reference in (None, "focus") and (whole.intent in (Intent.update_cart, Intent.remove_from_cart) or (
                whole.intent in (Intent.add_to_cart, Intent.search, Intent.refine) and _CHANGE_PICK_RE.search(prepared)
                and (whole.slots.size or whole.slots.quantity or _COUNT_OF_LINE_RE.search(prepared))))):
        # "she says her feet swell, make hers a seven", "take my husband's out": the line in that department
        edit = Intent.remove_from_cart if whole.intent == Intent.remove_from_cart else Intent.update_cart
        marked, sizes = _marked_sizes(prepared)  # "large will be too big on him, change his to a medium": the medium
        size = next((sizes[k] for k in range(len(sizes)) if re.search(rf"\b(?:to|into) (?:an? |size )?\s*§{k} ", marked)),
                    whole.slots.size)
        line_count = _COUNT_OF_LINE_RE.search(prepared)  # "make the girl's one two"
        return Understanding(intent=edit, confidence=0.8, slots=Slots(
            gender=department, size=size if edit == Intent.update_cart else None,
            quantity=int(line_count.group(1)) if line_count else None if size else whole.slots.quantity))
    return None


def _cart_edit(prepared: str, whole: Understanding, state: DialogueState) -> Understanding | None:
    """What a turn does to the cart lines just touched or named, when it is one of these edits: two
    sizes at once, a line named by kind, a swap, one of two in another size, the same again."""
    again = state.shown_by_id(state.last_line.product_id) if state.last_line else None
    again_ref = f"ordinal:{state.shown.index(again) + 1}" if again is not None else None  # the line's product
    of_focus = (whole.intent in (Intent.search, Intent.refine) or (
        whole.intent == Intent.update_cart and state.focus_id not in state.cart.product_ids)) and state.focus_id is not None and bool(
        _OF_THAT_ONE_RE.search(prepared)) and not _names_product(whole)  # "we need three of that one, one small, one medium..."
    if (whole.intent == Intent.add_to_cart or of_focus) and (split := _split_sizes(prepared, None)) and not (
            whole.intent == Intent.add_to_cart and _sizes_for_people(prepared)):  # "…, for me and my sister": by person
        (first_count, first_size), *others = split  # "two of those, one in small one in medium"
        pick = whole.slots.model_copy(update={"size": first_size, "quantity": first_count,
                                              "reference": whole.slots.reference or ("focus" if of_focus else None)})
        whole = whole.model_copy(update={"intent": Intent.add_to_cart, "slots": pick})
        extras = [Understanding(intent=Intent.add_to_cart, confidence=0.8, slots=pick.model_copy(
            update={"size": size, "quantity": count})) for count, size in others]
        return whole.model_copy(update={"then": extras})
    if (by_person := _lines_by_person(prepared, whole, state)) is not None:
        return by_person
    if (by_size := _line_by_size(prepared, whole, state)) is not None:
        return by_size
    if (whole.intent == Intent.add_to_cart and whole.slots.size and (ref := whole.slots.reference or "").startswith("colour:")
            and not resolve_many(ref, state) and _cart_line_in_colour(state, ref.removeprefix("colour:"))):
        # "hmm, the navy one in small actually" with grey ones on screen and a navy one in the cart: that line resized
        return Understanding(intent=Intent.update_cart, confidence=0.8, slots=Slots(reference=ref, size=whole.slots.size))
    if again is not None and (split := _split_sizes(prepared, state.last_line)):
        (kept, kept_size), *others = split  # "so six large and two extra large"
        extras = [Understanding(intent=Intent.add_to_cart, confidence=0.8, slots=Slots(
            reference=again_ref, size=size, quantity=count)) for count, size in others]
        return Understanding(intent=Intent.update_cart, slots=Slots(size=kept_size, quantity=kept), confidence=0.8,
                             then=extras)
    if (whole.intent in (Intent.search, Intent.refine) and _names_product(whole) and state.cart.item_count
            and (_CHANGE_PICK_RE.search(prepared) or _JUST_N_OF_RE.search(prepared)) and (whole.slots.quantity or whole.slots.size)
            and not _SAME_AGAIN_RE.search(prepared)
            and not whole.slots.colours and _cart_may_hold(state, whole.slots)):
        # "actually make the leggings three pairs": the cart line of the leggings (on screen, or by name)
        named = [p for p in state.shown if p.id in state.cart.product_ids
                 and of_kind([p], whole.slots.category, whole.slots.name_any)]
        shown = f"ordinal:{state.shown.index(named[0]) + 1}" if len(named) == 1 else None
        line_count = _COUNT_OF_LINE_RE.search(prepared)  # "make my wife's one two": two, not "one"
        return Understanding(intent=Intent.update_cart, confidence=0.8, slots=Slots(
            reference=shown, product_type=None if shown else whole.slots.product_type,
            size=whole.slots.size, quantity=int(line_count.group(1)) if line_count else whole.slots.quantity))
    in_cart = [i + 1 for i, p in enumerate(state.shown) if p.id in state.cart.product_ids]
    if (each := _OF_EACH_RE.search(prepared)) and len(in_cart) > 1 and whole.intent != Intent.search:
        # "make it two of each": every line of the products on screen
        return Understanding(intent=Intent.update_cart, confidence=0.8, slots=Slots(
            quantity=1 if each.group(1) == "one" else int(each.group(1)), reference="ordinal:" + ",".join(map(str, in_cart))))
    picked_ref = (whole.slots.reference or sx.extract_ordinal_reference(prepared)[0]) if again is not None else None
    if again is not None and (not_the := _NOT_THE_PICK_RE.search(prepared)) and ORDINALS[not_the.group(1)] == (
            state.shown.index(again) + 1):  # "not the second one, the third", "i meant the first one not the second"
        picked_ref = sx.extract_ordinal_reference(sx._blank(prepared, not_the))[0]
    other = _OTHER_ONE_RE.search(prepared) if again is not None and picked_ref in (None, "focus") else None
    if other and again is not None and len(state.shown) >= 2 and (index := state.shown.index(again)) < 2:
        picked_ref = f"ordinal:{2 - index}"  # "ugh no the other one", after one of the first two: the one beside it
    if (again is None and state.last_line is not None and state.last_line.product_id in state.cart.product_ids
            and (swapped := whole.slots.reference or sx.extract_ordinal_reference(prepared)[0] or "").startswith(
                ("ordinal:", "colour:"))  # "swap mine for the first black pair"
            and "," not in swapped
            and _SWAP_RE.search(prepared)):
        # "swap the white one out for the second one there" when the line's product is off screen: the same
        out = Understanding(intent=Intent.remove_from_cart, confidence=0.8, slots=Slots(reference=LAST_LINE))
        added = Understanding(intent=Intent.add_to_cart, confidence=0.8, slots=Slots(
            reference=swapped, size=whole.slots.size or state.last_line.size))
        return out.model_copy(update={"then": [added]})
    if again is not None and picked_ref not in (None, "focus", again_ref) and (
            (whole.intent == Intent.add_to_cart and _SWAP_RE.search(prepared)) or (
            (whole.intent in (Intent.add_to_cart, Intent.product_details, Intent.decline, Intent.update_cart) or other)
            and str(picked_ref).startswith("ordinal:")
            and (_SWAP_RE.search(prepared) or _NOT_THAT_ONE_RE.search(prepared) or not_the or other))):
        # "can you swap that for the second one instead", "no not that one, the 2nd": the line just added
        # goes, the new pick comes (in the same size, if nothing else is said)
        size = whole.slots.size or (state.last_line.size if state.last_line else None)
        out = Understanding(intent=Intent.remove_from_cart, confidence=0.8, slots=Slots(reference=again_ref))
        added = Understanding(intent=Intent.add_to_cart, confidence=0.8, slots=whole.slots.model_copy(
            update={"reference": picked_ref, "size": size, "topic": None}))
        return out.model_copy(update={"then": [added]})
    if (again is not None and whole.intent in (Intent.add_to_cart, Intent.search, Intent.refine, Intent.update_cart, Intent.unknown)
            and whole.slots.reference in (None, "focus") and not _names_product(whole)
            and (resize := next(reversed(list(_MAKE_THAT_SIZE_RE.finditer(prepared))), None))):  # the size said last
        # "make that a large and actually give me two", "medium is tight, change to large", "bump it up to a ten":
        # the line just added, in the size said last
        size = sx.extract_size(f" {resize.group(0)} ")[0] or sx.extract_size(
            f" size {resize.group(0).split()[-1]} ")[0] or whole.slots.size
        return Understanding(intent=Intent.update_cart, confidence=0.8, slots=Slots(
            size=size, quantity=whole.slots.quantity))
    line = state.last_line
    if line is not None and line.product_id in state.cart.product_ids and (back_to := _BACK_TO_COUNT_RE.search(prepared)):
        # "aiyah he say don't want already, change back to one": the line just changed, that many again
        count = back_to.group(1)
        return Understanding(intent=Intent.update_cart, confidence=0.8, slots=Slots(
            quantity=int(count) if count.isdigit() else UNITS[count]))
    if (line is not None and again_ref is not None and line.product_id not in state.cart.product_ids
            and _PUT_BACK_RE.search(prepared)):
        # "nah forget it, the brown one was better, put it back in": the line just taken out, as it was
        return Understanding(intent=Intent.add_to_cart, confidence=0.8, slots=Slots(
            reference=again_ref, size=line.size, quantity=line.quantity))
    if (line is not None and line.product_id in state.cart.product_ids and (back := _GO_BACK_SIZE_RE.search(prepared))
            and (size := sx.extract_size(f" in {back.group(1)} ")[0]) and size != line.size):
        # "no wait, go back to the thirty two, they stretch anyway": the line just resized, in the size before
        return Understanding(intent=Intent.update_cart, confidence=0.8, slots=Slots(size=size))
    if (again is not None and line is not None and line.quantity > 1 and whole.slots.size not in (None, line.size)
            and _ONE_OF_THEM_RE.search(prepared) and not ADD.search(prepared)):
        # "ah wait one of them's bigger, make one of them a small": one off the line, one in the new size
        extra = Understanding(intent=Intent.add_to_cart, confidence=0.8, slots=Slots(
            reference=again_ref, size=whole.slots.size, quantity=1))
        return Understanding(intent=Intent.update_cart, slots=Slots(size=line.size, quantity=line.quantity - 1),
                             confidence=0.8, then=[extra])
    same_for = _SAME_FOR_RE.search(prepared)
    if (same_for and not _names_product(whole) and whole.slots.gender is not None
            and state.filters.gender not in (None, whole.slots.gender)):
        # "now the same thing for his sister" after his t-shirt: the same kind, from her department
        return Understanding(intent=Intent.refine, confidence=0.8, slots=Slots(
            gender=whole.slots.gender, child_age=whole.slots.child_age))
    if again is not None and (_SAME_AGAIN_RE.search(prepared) or (same_for and (
            not _names_product(whole) or whole.slots.category == again.category))) and not (
            whole.intent == Intent.add_to_cart and (whole.slots.reference or "").startswith("ordinal:")) and not (
            whole.intent in (Intent.search, Intent.refine) and whole.slots.colours
            and not re.search(r"\bsame (?:\w+ )?(?:one|ones|pair|pairs)\b", prepared)) and (
            not _names_product(whole) or whole.slots.category == again.category or of_kind([again], None, whole.slots.name_any)
            or _ANOTHER_IN_RE.search(prepared)):  # "stick another one in for me, same shirt" of a polo
        # "one for my dad too, same kurta", "the same grey one in large for my sister"; not "same colour in a dress"
        more = _MORE_OF_RE.search(prepared)  # "and two more of the same for my mates"
        count = more.group("count") if more else None
        same = Slots(reference=again_ref, size=whole.slots.size,
                     quantity=whole.slots.quantity or (int(count) if count and count.isdigit() else None))
        return Understanding(intent=Intent.add_to_cart, slots=same, confidence=0.8)
    return None


_INTO_CART_RE = re.compile(r"^(?!.*\b(?:what|whats|how|remove|delete|out|off|already|is|are)\b).*(?:"
                           r"\b(?:put|add|throw|chuck|pop|stick|daal|dal|dalo|daalo|drop|move|send)\b.*\b(?:cart|basket|trolley)\b|"
                           r"\b(?:in|into|to|for|kwa|ke|mein|me) (?:my |the |your |da )?(?:cart|basket|trolley)\b|"
                           r"\b(?:cart|basket|trolley) (?:mein|me|main|ma)\b)")
_ASKS_NEXT_RE = re.compile(r".*?\b(?:show|see|look|looking|want|need|rather|instead|find|try|prefer|what about|how about)\b")
_TAKEN_OUT_RE = re.compile(r"\b(?:out|off)\b(?: of (?:the |my )?(?:cart|basket|bag|trolley))?|"
                           r"\b(?:forget|scrap|skip|ditch|never mind) (?:the|those|that|them|it)(?: [a-z]+)?\b")  # "forget the boots"


def _then_search(edit: Understanding, prepared: str, parts: list[str], state: DialogueState,
                 vocab: Vocabulary) -> Understanding:
    """A line taken out or changed, and something else asked for after it ("take his out and show me boys
    joggers", "take mine out, i'd rather have earrings"): the edit, then that search."""
    if edit.intent not in (Intent.remove_from_cart, Intent.update_cart) or edit.then:
        return edit
    out = _TAKEN_OUT_RE.search(prepared)
    tail = parts[-1] if len(parts) > 1 else prepared[out.end():] if out is not None else ""
    after = _understand_one(tail, state, vocab) if tail.strip() else None
    if after is not None and after.intent in (Intent.search, Intent.refine) and _names_product(after):
        return edit.model_copy(update={"then": [after]})
    return edit


# A question said in one or two words ("returns?", "price of the 2nd?", "cart"): the whole question it stands for
_TERSE: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(rf"(?:and |ok |okay |so |um |hmm )?(?:{short})(?: please| then)?"), question) for short, question in (
        (r"(?:the |your )?(?:returns?|refunds?|exchanges?)(?: policy)?", "what is your returns policy"),
        (r"(?:the |your )?(?:delivery|shipping|postage)(?: time| times)?", "how long does delivery take"),
        (r"(?:the )?(?:price|cost)", "how much is it"),
        (r"(?:the )?(?:price|cost) (?:of|for|on) ((?:the|that) [a-z0-9]+(?: one| pair)?)", r"how much is \1"),
        (r"(?:the |my )?total(?: so far)?", "what is my total"),
        (r"(?:nah |no |nope |ok |right )?(?:just |ill just |lets just )?(?:pay|checkout|check out)(?: now| then)?",
         "checkout"),
        (r"(?:my |the )?(?:cart|basket|trolley)", "show my cart"),
        (r"(?:the )?sizes(?: available)?|what sizes|which sizes", "what sizes does it come in"),
    ))
_AM_RE = re.compile(r"\b(make|add|take|buy|put|give me|bring) am\b")  # Nigerian Pidgin "make am two": it
_BACK_RE = re.compile(r"(?:and |ok |okay |so |no |wait |actually )*(?:go back(?: one| a page)?|back|"
                      r"(?:the )?previous(?: ones| page| results| list)?|(?:go )?back to the (?:previous|last|earlier) ones|"
                      r"the ones (?:before|from before))(?: please| again)?")


# "go back to the ones before, they were nicer", "show me the previous lot again": the list before, said with more
_GO_BACK_RE = re.compile(
    r"\b(?:go|going|get|take (?:me|us)|bring (?:me|us)|switch|jump|head|come) back to (?:the |those |that )?(?:"
    r"ones? (?:before|from before|earlier|you (?:showed|had)(?: me| us)?(?: before| first| earlier)?)|previous(?: ones| lot| list| results| page| batch)?|"
    r"earlier (?:ones|lot|list|results|batch)|last (?:ones|lot|list|results|batch)|first (?:ones|lot|list|results|batch|page)|"
    r"other (?:ones|lot|list|batch)|old (?:ones|list)|those|them)\b|"
    r"\b(?:show|see|bring up|pull up) (?:me |us )?(?:the |those )?(?:previous|earlier|last|first|other) (?:ones|lot|list|results|batch|page) "
    r"again\b|\b(?:the )?(?:previous|earlier) (?:ones|lot|list) again\b")
# what may be said of the list gone back to ("the office ones were better", "the cheaper ones were nicer")
_SAID_OF_IT = frozenset({"occasion", "price_trend", "reference", "earlier", "style", "formality", "shade"})


def _back_with_a_reason(prepared: str, state: DialogueState, vocab: Vocabulary) -> bool:
    """"Nah, go back to the ones before, the office ones were better": back to the list before, with nothing
    new asked of it."""
    if (back := _GO_BACK_RE.search(prepared)) is None:
        return False
    rest = _understand_one(sx._blank(prepared, back), state, vocab)
    return not (set(rest.slots.as_dict()) - _SAID_OF_IT) and rest.intent not in (Intent.add_to_cart, Intent.checkout)


_TAKE_OUT_RE = re.compile(r"\b(?:take|get|pull) (?:the |that |this )?(?:\w+ )?(?:\w+ )?(?:out|off)\b|\bremove\b")
# "scratch the cap, he's got loads": out of the cart, when there is one (not "scratch the denim, show me bombers")
# with something in the cart: "scratch the jeans", "leave out the clutch, i'll borrow my sister's", "leave the belt out"
_SCRATCH_THE_RE = re.compile(r"\b(?:scratch|leave out) (?:the|those|these) (?!(?:colou?r|budget|price|brand|size|idea|last|previous)\b)\w+\b"
                             r"(?! (?:ones?|colou?r|shades?)\b)|\bleave (?:the|that|those|these|it|them) (?:\w+ ){0,2}?out\b")
_SAID_ADD_RE = re.compile(r"\b(?:add|put|pop|stick|chuck|throw|buy|order)\b")
_SOMETHING_RE = re.compile(r"\b(?:something|anything|some(?: ones?)?|others?)\b")
def _cart_products_seen(state: DialogueState) -> list[ShownProduct | None]:
    """The product of each cart line as a list showed it (on screen or earlier), None where none did."""
    seen = {p.id: p for listed in (state.shown, *(e.products for e in state.earlier)) for p in listed}
    return [seen.get(pid) for pid in state.cart.product_ids]


def _cart_line_in_colour(state: DialogueState, colour: str) -> bool:
    """Whether exactly one cart line is a product seen on a list in that colour."""
    return len({p.id for p in _cart_products_seen(state) if p is not None and (
        colour in (p.colour or "").split() or p.colour == colour or _names_word(p, colour))}) == 1


def _cart_holds_kind(state: DialogueState, kind: ProductType) -> bool:
    """Whether a cart line is a product of that kind seen on a list."""
    return any(p is not None and of_kind([p], kind.category, list(kind.stems) or None) for p in _cart_products_seen(state))


def _cart_may_hold(state: DialogueState, slots: Slots) -> bool:
    """Whether the cart may have a line of the kind named: not when every line is a product seen on a
    list and none is of that kind ("no biggie, a hoodie then, large" with only a beanie in the cart)."""
    lines = _cart_products_seen(state)
    if None in lines or not (slots.category or slots.name_any):
        return True
    return any(of_kind([p], slots.category, slots.name_any) for p in lines if p is not None)


_JUST_N_OF_RE = re.compile(r"\b(?:just|only) (?:one|\d{1,2}) of (?:those|the|them|these)\b")  # "just one of those watches"
_BOTH_COLOUR_RE = re.compile(rf"\b(?:both|all|each)(?: of them)?(?: in)? (?:{meaning.COLOUR_ALT})\b|\bmatching\b")
_EACH_RE = re.compile(r"\beach\b")
_ONE_PAIR_IN_RE = re.compile(r"(?:and )?(?:one|1|another|a)(?: pair)? in (?:a |size )?(\d{1,2}(?:\.5)?)")
_SAME_ONE_RE = re.compile(r"\b(?:the )?same (?:one|pair|thing|again)\b")
_SO_TOTAL_RE = re.compile(r"\bsame (?:\w+ )?(?:one|pair|thing)\b.*\bso (?:thats |that is |make it |make that )?([2-9]) "
                          r"(?:of them|of those|of it|in total|altogether|total|pairs|pieces)\b")
_DOUBLE_RE = re.compile(r"\b(?:double (?:that|it|them|those|this|up|the order|my order)|make (?:it|that) double)\b"
                        rf"(?! (?:{sx.LETTER_SIZE_ALT}|x ?l|extra|excel|large)\b)")  # not "make it double xl"
# "never mind, i'll get that in primark": bought somewhere else, not here
_ELSEWHERE_RE = re.compile(r"\b(?:ill|i will|i can|i could|i might|ill just|ill probably) (?:get|buy|grab|pick up|find) "
                           r"(?:that|it|them|those|one|some|these)(?: \w+)? (?:in|at|from|on) "
                           rf"(?!(?:a|an|size|the|my|{sx.LETTER_SIZE_ALT}|small|medium|large|\d+|[a-z]+ (?:size|colou?r)|"
                           rf"{'|'.join(map(re.escape, _COLOUR_WORDS))})\b)"
                           r"(?:[a-z]+ ){0,2}?(?:[a-z]+)\b(?= |$)")
_UNDO_RE = re.compile(r"\bundo (?:that|it|this|the last(?: one| thing| item| add)?|my last(?: one)?|what i (?:just )?added)\b|"
                      r"\b(?:scrap|scratch|ditch|bin) that last (?:one|thing|item|bit)\b|"  # "no, scratch that last one, he's got one"
                      r"^(?:(?:oh|ah|actually|no|nah|wait|hmm|sorry) )*(?:scrap|scratch|ditch|bin) (?:that|it)(?: please)?$")
_BARE_COUNT_RE = re.compile(r"(?:(?:ok|okay|nah|no|actually|hmm|sorry|wait|just|only|and|so|aiyo|aiya|a bit much|too many|"
                            r"make it|make that|change it to|change to|change that to) )*"
                            r"(\d{1,2}|one|(?<=make it )to|(?<=make it )too)(?:s (?=heaps|plenty|enough|loads|fine))?"
                            r"(?: (?:please|then|instead|actually|thanks|of them|of those|pairs?|only|lah|heaps|loads|sorry))*"
                            # "two's plenty", "actually two will do"
                            r"(?: (?:is|will|would|should)(?: be)? (?:plenty|enough|fine|do|more than enough))?"
                            # "actually just one lah, salary hasn't come in yet": a count and why
                            r"(?: (?:because|cause|cos|coz|since|for now|(?:\w+ ){0,3}(?:salary|money|budget|payday|paid|"
                            r"broke|skint|cash|afford|expensive|pricey|dear|spend|spent))\b.*)?")
MAX_BARE_COUNT = 10  # "twenty" alone is no count of one thing


def _expand_terse(prepared: str) -> str:
    for short, question in _TERSE:
        if short.fullmatch(prepared):
            return short.sub(question, prepared)
    return prepared


def understand(text: str, state: DialogueState, vocab: Vocabulary) -> Understanding:
    """Understand one utterance: `Understanding(intent, slots, confidence, then)`, with where the shopper
    says they are ("hola", "here in lahore") kept for the rest of the conversation's budgets."""
    if (home := sx.home_currency(prepare(text))) is None:
        return _first_things_first(text, _understand(text, state, vocab))
    u = _understand(text, state.model_copy(update={"home_currency": home}), vocab)
    return _first_things_first(text, u.model_copy(update={"slots": u.slots.model_copy(update={"home_currency": home})}))


_START_WITH_RE = re.compile(rf"\b(?:start|begin) with (?:the |a |an )?((?:\w+ )?(?:{meaning.TYPE_ALT}))\b")


def _first_things_first(text: str, u: Understanding) -> Understanding:
    """"A saree for my mum and a kurta for me, let's start with the saree": only the search said to come first
    (the other is asked for later)."""
    if u.intent != Intent.search or not u.then or (m := _START_WITH_RE.search(prepare(text))) is None:
        return u
    first = meaning.extract_types(m.group(1))[0]
    searches = [x for x in (u, *u.then) if x.intent == Intent.search]
    chosen = [x for x in searches if first and x.slots.product_type == first[0].name]
    return chosen[0].model_copy(update={"then": []}) if len(chosen) == 1 and len(searches) == len(u.then) + 1 else u


# "ok cool, six please", "the ten then": a bare number and a few words of assent
_NUMBER_ASSENTED_RE = re.compile(r"((?:(?:ok|okay|cool|great|right|alright|yes|yeah|yep|perfect|lovely|nice|then|in|a|an|the|"
                                 r"ill take|ill have|take|id like|go with|lets go with|lets do|do)\s)*)(\d{1,2}(?:\.5)?)"
                                 r"((?:\s(?:please|then|thanks|pls|one|ones|pair|pairs|for me|for him|for her))*)")
_SHOE_SIZE_RANGE = (3.0, 13.0)  # adult and older children's shoe sizes (UK/US); waist sizes run 24-44
_WAIST_SIZE_RANGE = (24.0, 44.0)


def _in_range(number: str, bounds: tuple[float, float]) -> bool:
    return bounds[0] <= float(number) <= bounds[1]


_CHANGE_TO_NUMBER_RE = re.compile(r"\b(change|make|switch|swap|put) (it|that|them|those|hers|his|mine) (?:to|into) (?:an? )?(\d{1,2}(?:\.5)?)\b")
_MEANT_NUMBER_RE = re.compile(r"\b(?:i meant|i mean|meant|just do|lets do|(?:just )?go with) (?:an? )?(\d{1,2}(?:\.5)?)\b(?! (?:dollars|bucks|quid|pounds|euros|rupees|of|pairs?|more))")
_SIZE_TALK_RE = re.compile(r"\bsizes?\b|\b(?:she|he|i|they)(?: s| is| am| are|s|m|re) (?:an? |actually an? |really an? )\d")


def _number_as_line_size(text: str, state: DialogueState) -> str:
    """"five is her size, sorry, change it to five" with a shoe in size 6 just added, "sorry, i meant 34" with jeans
    in a 32: the size, not five pairs."""
    size = state.last_line.size if state.last_line is not None else None
    if size is None or not re.fullmatch(r"\d{1,2}(?:\.5)?", size):
        return text
    bounds = next((b for b in (_SHOE_SIZE_RANGE, _WAIST_SIZE_RANGE) if _in_range(size, b)), None)
    if bounds is None:
        return text
    if (meant := _MEANT_NUMBER_RE.search(text)) is not None and _in_range(meant.group(1), bounds):
        text = f"{text[: meant.start(1)]}size {text[meant.start(1):]}"
    if not _SIZE_TALK_RE.search(text):
        return text
    return _CHANGE_TO_NUMBER_RE.sub(lambda m: f"{m.group(1)} {m.group(2)} to size {m.group(3)}"
                                    if _in_range(m.group(3), bounds) else m.group(0), text)


def _bare_number_as_size(text: str, state: DialogueState) -> str:
    """After the sizes of a shoe or of jeans were asked about, a bare number is a size of that one ("what sizes
    does the first pair come in" … "ok cool, six please"), said as "size 6"."""
    product = state.shown_by_id(state.focus_id) if state.last_intent == Intent.product_details.value else None
    m = _NUMBER_ASSENTED_RE.fullmatch(text)
    if product is None or m is None or product.category not in SHOE_CATEGORIES | WAIST_CATEGORIES:
        return text
    fits = _in_range(m.group(2), _SHOE_SIZE_RANGE if product.category in SHOE_CATEGORIES else _WAIST_SIZE_RANGE)
    return f"{m.group(1)}size {m.group(2)}{m.group(3)}" if fits else text


_SUPERLATIVE_ASKED_RE = re.compile(r"\s*(?:(?:and|so|ok|okay|um|hmm)[,.]?\s+)?(?:(?:whats|what's|which is) )?(?:the\s+)?"
                                   r"(cheapest|priciest|most expensive)(?:\s+(?:ones?|options?|pairs?))?\s*\?+\s*")


def _understand(text: str, state: DialogueState, vocab: Vocabulary) -> Understanding:
    """Understand one utterance: `Understanding(intent, slots, confidence, then)`.

    A restart inside the utterance keeps what follows it; several requests joined by "and"
    ("add the first one in medium and show me sandals") become one understanding each, the
    later ones in ``then``: a part with only a product and a size ("and the third in large")
    repeats the first part's cart action."""
    if state.shown and (asked := _SUPERLATIVE_ASKED_RE.fullmatch(text.lower())):
        # "cheapest?": which of these costs least, shown first; not a pick to add
        order = "price_asc" if asked.group(1) == "cheapest" else "price_desc"
        return Understanding(intent=Intent.refine, slots=Slots(sort=order), confidence=0.8)
    prepared = _AN_FOR_AND_RE.sub("and ", prepare(_colour_corrected(text)))
    prepared = _COLOUR_SHADES_RE.sub(lambda m: f"{m.group(1)} colours" if m.group(1) else "", prepared)
    prepared = _THEM_AS_THOSE_RE.sub("those", _ELSEWHERE_RE.sub(" ", prepared))
    prepared = _AM_RE.sub(r"\1 it", _EM_RE.sub("them", prepared))
    as_said = _strip_fillers(prepared)
    prepared = _expand_terse(meaning.whose_turn(meaning.restart(as_said)))
    prepared = _BODY_SIZE_RE.sub("_", prepared)  # "his feet are small, he wears a six": the six is the size
    prepared = _SIZE_EDGE_RE.sub("_", prepared)  # "he's right at the top of medium, go large": the size he outgrows
    prepared = _BEFORE_PICKING_RE.sub("_", prepared)  # "before i pick, show me cheaper ones": no pick yet
    prepared = _COMES_FIRST_RE.sub("_", prepared)  # "my brother's birthday comes first": no first product
    prepared = _A_LOOK_RE.sub("_", prepared)  # "white ones, i want that clean look": a look, no product
    prepared = _GOT_WRONG_RE.sub("_", prepared)  # "i meant 34, i always get that wrong": nothing to get
    prepared = _LAYER_UNDER_RE.sub("_", prepared)
    if state.filters.category is not None:  # "any brown ones? he's a brown shoes brown belt kinda guy": his colours
        prepared = _SORT_OF_PERSON_RE.sub(lambda m: _TYPE_WORD_RE.sub("_", m.group(0)), prepared)
    prepared = _without_owned_kind(prepared, state)
    prepared = meaning.without_story(meaning.without_worn_out(prepared))
    prepared = _number_as_line_size(_bare_number_as_size(prepared, state), state)
    if (state.offset > 0 or state.earlier) and (_BACK_RE.fullmatch(prepared) or _back_with_a_reason(prepared, state, vocab)):
        return Understanding(intent=Intent.more_results, slots=Slots(page="back"), confidence=0.9)
    if state.last_line is not None and state.pending is None and (count := _BARE_COUNT_RE.fullmatch(prepared)):
        # "two", "nah just one", "make it to": right after a line went in, how many of it
        said, size = count.group(1), state.last_line.size or ""
        quantity = 1 if said == "one" else 2 if said in ("to", "too") else int(said)
        if size.isdigit() and said.isdigit() and quantity > 2 and abs(quantity - int(size)) <= 3:
            # "hmm actually seven" after heels in a six: the size, not seven pairs
            return Understanding(intent=Intent.update_cart, slots=Slots(size=said), confidence=0.8)
        if 0 < quantity <= MAX_BARE_COUNT:
            return Understanding(intent=Intent.update_cart, slots=Slots(quantity=quantity), confidence=0.8)
    if (line := state.last_line) is not None and state.pending is None and _DOUBLE_RE.search(prepared):
        # "actually double that, my brother wants one too": twice as many of the line just added
        return Understanding(intent=Intent.update_cart, slots=Slots(quantity=min(line.quantity * 2, MAX_LINE_QUANTITY)),
                             confidence=0.8)
    if ((line := state.last_line) is not None and state.pending is None and line.product_id in state.cart.product_ids
            and (total := _SO_TOTAL_RE.search(prepared)) and not _line_count(prepared, state)):
        # "her twin wants the exact same one, so two of them, both medium": the line just added, that many in all
        return Understanding(intent=Intent.update_cart, confidence=0.8, slots=Slots(  # counts are digits by now
            quantity=int(total.group(1)), size=sx.extract_size(prepared[total.end():])[0]))
    if state.cart.item_count and (line_count := _line_count(prepared, state)) is not None:
        return line_count  # "make the medium two", "make the purple one three", "make that top two"
    if (state.last_line is not None and state.last_intent == Intent.add_to_cart.value and (go := _GO_SIZE_RE.search(prepared))
            and (go_size := sx.extract_size(f"size {go.group(1)}")[0]) is not None):
        return Understanding(intent=Intent.update_cart, slots=Slots(size=go_size), confidence=0.8)  # "..., go large"
    if state.cart.item_count and (resized := _kind_in_size(prepared, state)) is not None:
        return resized  # "hmm no, the sweaters in medium, i don't like them baggy"
    if (line := state.last_line) is not None and _UNDO_RE.search(prepared):
        # "wait undo that", "undo the last one, wrong one": the line just added goes
        shown = state.shown_by_id(line.product_id)
        return Understanding(intent=Intent.remove_from_cart, confidence=0.8, slots=Slots(
            reference=f"ordinal:{state.shown.index(shown) + 1}" if shown is not None else None, size=line.size))
    if state.cart.item_count > 1 and meaning.SIZE_TO_SIZE_RE.search(as_said) and (by_size := _line_by_size(
            as_said, Understanding(intent=Intent.update_cart, confidence=0.8), state)) is not None:
        return by_size  # "change the small to a large" of lines in several sizes: that line (not "make it a large")
    parts = meaning.split_requests(prepared)
    whole = _understand_one(prepared, state, vocab)
    if whole.intent == Intent.add_to_cart and not state.shown and state.focus_id is None and _names_product(whole):
        # "i want to get her some earrings" with nothing on screen: a kind to find, not one to add
        whole = whole.model_copy(update={"intent": Intent.search, "slots": whole.slots.model_copy(update={"reference": None})})
    if state.cart.item_count > 1 and (one_out := _ONE_OF_KIND_OUT_RE.search(prepared)) and (
            kinds := meaning.extract_types(one_out.group(0))[0]):
        # "take one of the shirts out, i'll buy the second one after payday": one fewer on the line of that kind
        return Understanding(intent=Intent.update_cart, confidence=0.8,
                             slots=Slots(product_type=kinds[0].name, quantity_change=-1))
    if state.shown and (state.filters.colour or state.filters.colours) and _OTHER_COLOURS_RE.search(prepared) and not (
            whole.slots.colour or whole.slots.category or whole.slots.product_type):
        # "just out of curiosity, what other colours have you got": the same kind, not in the colour on screen
        shown_colours = list(dict.fromkeys([c for c in (state.filters.colour, *state.filters.colours) if c]))
        return Understanding(intent=Intent.refine, confidence=0.8, slots=Slots(clear=["colour"], exclude_colours=shown_colours))
    if (_LONGER_RE.search(prepared) and not _names_product(whole) and whole.intent.value not in _CART_TURNS
            and (longer := _LONGER_KIND.get(state.filters.category or "")) is not None):
        # "do you have a longer one? i get cold legs" with puffers on screen: the long cut of the same kind
        kind = PRODUCT_TYPES[longer]
        return Understanding(intent=Intent.refine, confidence=0.8, slots=Slots(
            category=kind.category, product_type=kind.name, name_any=list(kind.stems), name_prefer=kind.stems[0]))
    if (whole.intent == Intent.unknown and state.filters.price_max_cents is not None and state.last_intent in _LIST_TURNS
            and (budget := _MAKE_THAT_BUDGET_RE.match(prepared))):
        # "up to fifty aussie dollars" … "actually make that forty five": the budget again, in the same money
        return Understanding(intent=Intent.refine, confidence=0.8, slots=Slots(price_max=int(budget.group(1)) * 100))
    if _OTHER_BRAND_RE.search(prepared) and (other := _other_brand(state)) is not None:
        # "aurelia or global desi" … "just the global desi ones" … "meh, the other brand"
        named = vocab.find_brand(normalise_text(other), ruled_out_at=0)
        return Understanding(intent=Intent.refine, confidence=0.8, slots=Slots(brand=named.brand if named else other))
    if whole.intent in (Intent.unknown, Intent.greeting) and not whole.slots.as_dict() and _ASKS_FOR_A_THING_RE.search(prepared):
        # "good evening, do you have agbada": a thing asked for that no word of the shop names
        whole = Understanding(intent=Intent.out_of_scope, confidence=0.6)
    if whole.intent == Intent.search and _MEANT_RE.search(prepare(text)):
        # "oh sorry, the sneakers, I meant for women": a correction to a search shown before, if it names its kind
        whole = whole.model_copy(update={"slots": whole.slots.model_copy(update={"earlier": True})})
    if (whole.intent == Intent.search and _names_product(whole) and _RATHER_RE.match(prepared) and state.filters.colour
            and not (whole.slots.colours or whole.slots.exclude_colours or whole.slots.keep)
            and whole.slots.gender in (None, state.filters.gender)):
        # "something yellow, maybe a saree" … "actually a kurta set would be easier": the same yellow
        whole = whole.model_copy(update={"slots": whole.slots.model_copy(update={"keep": ["colour"]})})
    if (whole.intent == Intent.product_details and whole.slots.reference == "focus" and whole.slots.gender
            and whole.slots.gender != state.filters.gender and not whole.slots.topic and not _QUESTION_RE.search(prepared)):
        # "sorry, it is for my husband, not for me": the same search for him, not a question about one product
        whole = whole.model_copy(update={"intent": Intent.refine, "slots": whole.slots.model_copy(update={"reference": None})})
    if whole.slots.topic == "department" and whole.intent in (Intent.search, Intent.refine) and whole.slots.reference:
        whole = whole.model_copy(update={"intent": Intent.product_details})  # "is the first pair for girls": a question
    if (whole.intent in (Intent.view_cart, Intent.product_details, Intent.unknown) and _INTO_CART_RE.search(prepared)
            and (picked := whole.slots.reference or sx.extract_ordinal_reference(prepared)[0] or "").startswith("ordinal:")):
        # "put the first one kwa cart", "first wala daal do cart mein": a pick put in the cart
        whole = Understanding(intent=Intent.add_to_cart, confidence=0.8, slots=Slots(reference=picked, size=whole.slots.size))
    if whole.intent == Intent.more_results and whole.slots.reference == "focus" and _NOT_THAT_ONE_RE.search(prepared):
        # "not that one, she'd hate it, show me something else": the others, not ones like it
        whole = whole.model_copy(update={"slots": whole.slots.model_copy(update={"reference": None})})
    if whole.intent == Intent.compare and len(resolve_many(whole.slots.reference, state)) < 2 and (
            pair := _described_pair(prepared, state)) is not None:
        # "the titan or the casio enticer, which is cheaper", "the tan and the brown, which one's cheaper"
        whole = whole.model_copy(update={"slots": whole.slots.model_copy(update={"reference": pair})})
    if (edit := _cart_edit(prepared, whole, state)) is not None:
        return _then_search(edit, prepared, parts, state, vocab)
    if whole.intent == Intent.remove_from_cart and (out := _TAKEN_OUT_RE.search(prepared)) and _ASKS_NEXT_RE.match(
            prepared, out.end()) and (removed := _understand_one(prepared[: out.end()], state, vocab)).intent == Intent.remove_from_cart:
        # "take it out. i want something longer, show me blue maxi dresses": what went, then what is asked for
        split = _then_search(removed, prepared, [], state, vocab)
        if split.then:
            return split
    if (whole.intent in (Intent.search, Intent.refine) and whole.slots.size and whole.slots.reference is None
            and (wanted := _sizes_all_wanted(prepared))):
        # "bridesmaid dresses, i need a small, a medium and an xl": products in stock in all of them
        whole = whole.model_copy(update={"slots": whole.slots.model_copy(update={"size": wanted[0],
                                                                                  "also_sizes": wanted[1:]})})
    if (more := _more_of_last_line(prepared, whole, state)) is not None:
        return more
    if whole.intent != Intent.update_cart and (waist := _waist_size_change(prepared, state)) is not None:
        # "wait, i measured over my jeans, it's really thirty two, change it": the line just added
        return Understanding(intent=Intent.update_cart, slots=Slots(size=waist[0]), confidence=0.8)
    line = state.last_line
    if (line is not None and (count := _N_OF_THOSE_RE.search(prepared)) and whole.intent in (
            Intent.add_to_cart, Intent.unknown, Intent.search, Intent.refine)
            and whole.slots.reference in (None, "focus") and whole.slots.size in (None, line.size)
            and not (whole.slots.category or whole.slots.product_type or whole.slots.colour)):
        # "actually two of those, my wife wants one too", just after one went in: that line, two in all
        return Understanding(intent=Intent.update_cart, slots=Slots(quantity=int(next(g for g in count.groups() if g))),
                             confidence=0.7)
    ref = whole.slots.reference or ""
    if whole.intent in (Intent.product_details, Intent.refine) and ref.startswith("colour:") and state.shown and (
            colour := ref.split(":", 1)[1]) and (
            (_SHOW_INSTEAD_RE.search(prepared) and not filed_in_colour(colour, state))  # "show me the black ones instead", none black
            or (whole.intent == Intent.refine and not filed_in_colour(colour, state)  # "back to hers, the brown ones under 40"
                and not whole.slots.colours)  # not "how about black, the blue ones look dated"
            or (_BARE_PLURAL_COLOUR_RE.search(prepared) and not (  # "the grey ones", said of a list (unless one pair is grey)
                len(filed_in_colour(colour, state)) == 1 and state.filters.category in _WORN_IN_PAIRS))):
        # the list narrowed to that colour, not one product picked
        return whole.model_copy(update={"intent": Intent.refine, "slots": whole.slots.model_copy(
            update={"reference": None, "colour": vocab.canonical_colour(colour) or colour, "colours": [colour]})})
    if (whole.intent in (Intent.search, Intent.refine) and ref.startswith("ordinal:") and "," not in ref and state.shown
            and _ASKS_OF_PICK_RE.match(prepared) and _GENUINE_RE.search(prepared) and not _COMPARES_RE.search(prepared)):
        # "are the first ones actual sterling silver or just plated": what they are made of, not a search for silver
        return whole.model_copy(update={"intent": Intent.product_details})
    if (whole.intent in (Intent.product_details, Intent.refine) and ref == "cheapest" and len(state.shown) > 2
            and re.search(r"\bcheaper ones\b", prepared) and not whole.slots.size):
        # "the cheaper ones please" of a list of several: cheaper ones than these, not the cheapest of them
        return whole.model_copy(update={"intent": Intent.refine, "slots": whole.slots.model_copy(
            update={"reference": None, "price_trend": "cheaper"})})
    if (whole.intent in (Intent.product_details, Intent.refine) and ref.startswith("brand:") and state.shown
            and not any(p.brand.lower() == ref.split(":", 1)[1].lower() for p in state.shown)):
        # "the lavie ones", none of those shown by Lavie: that make's, not a pick
        return whole.model_copy(update={"intent": Intent.refine, "slots": whole.slots.model_copy(
            update={"reference": None, "brand": ref.split(":", 1)[1]})})
    if whole.intent == Intent.decline and state.pending is not None and state.pending.kind == "checkout":
        # "not yet, he needs a belt as well, show me men's belts": no to paying, and a new search
        free = understand(text, state.model_copy(update={"pending": None}), vocab)
        if free.intent in (Intent.remove_from_cart, Intent.update_cart) and not _NOT_YET_RE.search(prepared):
            return free  # "oh wait, before you place it, take the belt out": the cart changes, the order waits for it
        if (free.intent in (Intent.search, Intent.refine) and _names_product(free)) or free.intent in (
                Intent.remove_from_cart, Intent.update_cart, Intent.add_to_cart):  # "wait no, not yet, take the white one out"
            return whole.model_copy(update={"then": [free]})
    if whole.intent == Intent.checkout and state.shown and (cue := CHECKOUT.search(prepared)):
        picked = _DONE_RE.sub(sx.BLANK, sx._blank(prepared, cue))  # "second pair, that's everything, check out"
        added = _understand_one(picked, state, vocab)  # "put the first one in and let's check out"
        if added.intent in (Intent.add_to_cart, Intent.product_details) and added.slots.reference and not added.slots.topic:
            # "first one, and that's it, pay": the pick goes in the cart first
            return added.model_copy(update={"intent": Intent.add_to_cart, "then": [whole]})
    if len(parts) < 2:
        return whole
    first, *rest = [_understand_one(part, state, vocab) for part in parts]
    if all(u.intent == Intent.view_cart for u in (first, *rest)):
        return whole  # "how many is that, and what's the total in euros": the cart, said once
    if rest[-1].intent == Intent.checkout and first.intent == Intent.product_details and first.slots.reference:
        first = first.model_copy(update={"intent": Intent.add_to_cart})  # "the first pair, and then check out"
    if (len(rest) == 1 and rest[0].intent == Intent.add_to_cart and rest[0].slots.reference in (None, "focus")
            and first.slots.reference and first.intent in (Intent.refine, Intent.search, Intent.product_details)):
        # "the cheapest belt then add that as well": one pick, then the cart
        return rest[0].model_copy(update={"slots": rest[0].slots.model_copy(update={"reference": first.slots.reference})})
    if (len(rest) == 1 and rest[0].intent == Intent.add_to_cart and not rest[0].slots.size and first.slots.size
            and set(first.slots.as_dict()) <= {"size"}):
        # "size nine then add it": the size is the add's
        return rest[0].model_copy(update={"slots": rest[0].slots.model_copy(update={"size": first.slots.size})})
    said_for = {u.slots.gender for u in (first, *rest) if u.slots.gender}
    if len(said_for) == 1:  # "a shirt and a tie for my dad": both for him
        first, *rest = [u.model_copy(update={"slots": u.slots.model_copy(update={"gender": next(iter(said_for))})})
                        if u.intent in (Intent.search, Intent.refine) and not u.slots.gender else u
                        for u in (first, *rest)]
    searches = [u for u in (first, *rest) if u.intent in (Intent.search, Intent.refine)]
    common: dict[str, object] = {}
    if len(searches) > 1 and _BOTH_COLOUR_RE.search(prepared) and (coloured := next((u for u in searches if u.slots.colours), None)):
        # "a belt and a wallet, both brown"; "a black handbag and a matching wallet": that colour for each
        common.update(colour=coloured.slots.colour, colours=coloured.slots.colours)
    if len(searches) > 1 and _EACH_RE.search(prepared) and (priced := next((u for u in searches if u.slots.price_max), None)):
        common.update(price_max=priced.slots.price_max, currency=priced.slots.currency)  # "under thirty each"
    if common:
        first, *rest = [u.model_copy(update={"slots": u.slots.model_copy(update={
            k: v for k, v in common.items() if getattr(u.slots, k) is None})}) if u in searches else u
            for u in (first, *rest)]
    for i, u in enumerate(rest):
        if (first.intent == Intent.add_to_cart and first.slots.reference and (first.slots.size or "").isdigit()
                and (other_pair := _ONE_PAIR_IN_RE.fullmatch(parts[i + 1].strip()))):
            # "the first one, one pair in size 5 and one pair in 6": the same shoe, in the other number too
            rest[i] = _allowed(Understanding(intent=Intent.add_to_cart, confidence=0.8, slots=Slots(
                reference=first.slots.reference, size=other_pair.group(1), quantity=1)))
        elif (first.intent == Intent.add_to_cart and first.slots.reference and not u.slots.reference
                and _SAME_ONE_RE.search(parts[i + 1]) and set(u.slots.as_dict()) <= {"size", "quantity", "gender"}):
            # "the first one in medium, and the same one in small for the younger one"
            rest[i] = _allowed(u.model_copy(update={"intent": Intent.add_to_cart, "slots": Slots(
                reference=first.slots.reference, size=u.slots.size, quantity=u.slots.quantity)}))
        elif first.intent == Intent.add_to_cart and u.slots.reference and (u.intent in (
            Intent.product_details, Intent.refine, Intent.unknown, Intent.add_to_cart
        ) or (u.intent == Intent.size_advice and u.slots.size)) and not (u.slots.category or u.slots.product_type):
            # "and the second in extra large, my size is all over the place": that one too, in that size
            rest[i] = _allowed(u.model_copy(update={"intent": Intent.add_to_cart}))
        elif (first.intent == Intent.add_to_cart and u.intent in (Intent.view_cart, Intent.search, Intent.refine)
              and (pick := u.slots.reference or sx.extract_ordinal_reference(parts[i + 1])[0] or "").startswith("ordinal:")
              and (CART_WORD.search(parts[i + 1]) or (_names_product(u) and not u.slots.model_copy(update={
                  "category": None, "product_type": None, "name_any": None, "name_prefer": None, "reference": None,
                  "size": None, "quantity": None}).as_dict()))):
            # "put the first belt and the first wallet in my cart": a pick from the wallets shown, into the cart too
            kinds = meaning.extract_types(parts[i + 1])[0]
            its_kind: dict[str, object] = {} if u.slots.product_type or len(kinds) != 1 else {
                "category": kinds[0].category, "product_type": kinds[0].name, "name_any": list(kinds[0].stems) or None}
            rest[i] = _allowed(u.model_copy(update={"intent": Intent.add_to_cart, "slots": u.slots.model_copy(
                update={"reference": pick, **its_kind})}))
    if first.intent == Intent.add_to_cart and first.slots.size and _SAME_SIZE_RE.search(prepared):
        rest = [u.model_copy(update={"slots": u.slots.model_copy(update={"size": first.slots.size})})
                if u.intent == Intent.add_to_cart else u for u in rest]  # "the first in a 34, and the third, same size"
    elif _BOTH_IN_RE.search(prepared) and (shared := next((u.slots.size for u in (first, *rest) if u.slots.size), None)):
        first, *rest = [u.model_copy(update={"slots": u.slots.model_copy(update={"size": shared})})
                        if u.intent == Intent.add_to_cart and not u.slots.size else u for u in (first, *rest)]
    if any(u.intent in (Intent.unknown, Intent.greeting, Intent.goodbye) for u in (first, *rest)) or (
            state.pending is None and any(u.intent in (Intent.confirm, Intent.decline) for u in (first, *rest))):
        return whole  # "ok um i have a first date … and i need a cute top": no yes to anything
    if first.intent == Intent.search and not _names_product(first) and any(
            u.intent == Intent.search and _names_product(u) for u in rest):
        return whole  # "my daughter's fifteen and off to a festival, and she wants a crop top": one search
    return first.model_copy(update={"then": rest})


class RuleBasedUnderstander:
    """Default `Understander`: deterministic regex and lexicon rules, no model."""

    async def understand(self, text: str, state: DialogueState, vocab: Vocabulary) -> Understanding:
        return understand(text, state, vocab)
