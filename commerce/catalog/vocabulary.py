"""The catalog's spoken vocabulary, owned by the shop: garment types, colour families, recipients.

One table for everything that names a kind of product, so the dialogue (what a shopper says)
and search (what a product is called) agree: a *product type* is a demo category
(``commerce.catalog.taxonomy.CATEGORIES``) plus, where the category is wider than the word, the
name stems a product of that type carries ("hoodie" → sweaters whose name has "hood" or
"sweatshirt"; "heels" → sandals named heel/pump/stiletto/wedge). Search applies the stems as a
word-start match on the product name (``SearchFilters.name_any``), so a type never relaxes into
another garment.

Pure data and small lookups; no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class ProductType:
    """A kind of product a shopper can ask for."""

    name: str
    category: str | None
    stems: tuple[str, ...] = ()  # the product name must contain one of these (word start); () = any

    def matches(self, product_name: str) -> bool:
        """Whether a product name is of this type (the search filter, in Python)."""
        lowered = product_name.lower()
        return not self.stems or any(re.search(rf"(?<![a-z]){re.escape(s)}", lowered) for s in self.stems)


def _t(name: str, category: str | None, stems: str = "", words: str = "") -> tuple[ProductType, tuple[str, ...]]:
    spoken = tuple(w.strip() for w in (words or name).split(",") if w.strip())
    return ProductType(name, category, tuple(s.strip() for s in stems.split(",") if s.strip())), spoken


# (type, spoken forms). Singular spoken forms; plurals ("s", "es", "ies") are added below.
_TYPES: tuple[tuple[ProductType, tuple[str, ...]], ...] = (
    _t("t-shirt", "tshirts", "", "t shirt,tshirt,tee,tee shirt,t-shirt"),
    _t("polo", "tshirts", "polo", "polo,polo shirt,polo t shirt,polo tshirt,polo tee,polo neck,golf shirt,golfer"),
    _t("shirt", "shirts", "", "shirt,button down,button up,button down shirt,oxford shirt,dress shirt,buttons all the way down,buttoned all the way"),
    _t("top", "tops", "", "top,blouse,tank top,tank,cami,camisole,bodysuit"),
    _t("crop top", "tops", "crop", "crop top,cropped top"),
    _t("kaftan", None, "kaftan", "kaftan,caftan"),  # sold as tops and as cover-up dresses
    _t("hoodie", "sweaters", "hood,sweatshirt", "hoodie,hoody,hooded sweatshirt,sweatshirt"),
    # a sweater is knitted: not the sweatshirts and hoodies sold in the same department
    _t("sweater", "sweaters", "", "sweater,jumper,pullover,knit,woolly,warm jersey,woolly jersey,wool jersey"),  # South African
    # "a knitted sweater", "proper knitted jumpers": knitted, never the sweatshirts sold beside them
    _t("knitted sweater", "sweaters", "sweater,cardigan,jumper",
       "knitted sweater,knit sweater,knitted jumper,knit jumper,knitted pullover,knitwear,knits,cable knit"),
    _t("cardigan", "sweaters", "cardigan", "cardigan,cardi,buttons down the front,buttons up the front,button front,front opening,open front"),
    _t("shrug", "jackets", "shrug", "shrug,shrugs,open front shrug"),
    _t("puffer", "jackets", "puffer,padded,quilted,parka",
       "puffer,puffer jacket,puffer coat,puffy jacket,puffa,puffa jacket,puffa coat,padded jacket,quilted jacket,down jacket,puffy one,"
       "padded one,winter jacket,winter coat,warm jacket,warm coat,snow jacket,ski jacket,puffy coat,quilted coat,padded coat"),
    # "one that goes past my hips, a longline one": the long cuts, whatever the jacket
    _t("longline jacket", "jackets", "longline,long-line,trench,overcoat",
       "longline,longline one,longline jacket,longline coat,long line,long coat,long jacket,trench coat,trench,overcoat"),
    _t("jacket", "jackets", "jacket,coat,parka,puffer,windcheater",
       "jacket,coat,parka,windcheater,windbreaker,anorak"),
    # "something warm for my wife": any warm layer, whatever the department calls it
    _t("warm layer", None, "jacket,coat,puffer,parka,sweater,sweatshirt,hoodie,cardigan,pullover,jumper,shawl,"
       "fleece,thermal,shrug", "warm layer,something warm,anything warm,warm clothes,warm things,warm stuff,winter wear,winterwear,winter stuff,"
       "winter things,winter clothes"),
    # "what should I wear to a first date", "an outfit for the ceremony": clothes, not a watch or a bag
    _t("outfit", None, "shirt,t-shirt,tshirt,top,blouse,dress,jumpsuit,jeans,trouser,chino,kurta,jacket,blazer,"
       "skirt,sweater,sweatshirt,hoodie,cardigan,shorts",
       "something to wear,stuff to wear,things to wear,clothes to wear"),
    # "a friend just had a baby girl, what have you got for babies": the baby clothes, whatever they are
    _t("baby clothes", None, "baby,infant,bodysuit,romper,onesie,sleepsuit",
       "baby clothes,baby clothing,baby wear,babywear,baby stuff,baby things,baby outfit,babies,onesie,baby onesie,"
       "baby grow,babygrow,newborn stuff,newborn clothes,newborn things,newborn outfit,newborn wear,baby bodysuit,"
       "baby romper,baby outfit,romper,sleepsuit"),
    # "native attire", "a traditional outfit": whichever ethnic garment, unless one is named
    _t("ethnic wear", None, "kurta,kurti,lehenga,choli,saree,sari,sherwani,salwar,anarkali,dhoti,sharara,churidar,"
       "ethnic,kaftan", "ethnic wear,traditional wear,traditional outfit,native attire,native wear"),
    _t("blazer", "jackets", "blazer", "blazer,sport coat,suit jacket"),
    _t("bomber", "jackets", "bomber", "bomber,bomber jacket,bummer jacket"),  # heard as "bummer"
    _t("biker jacket", "jackets", "biker", "biker jacket,biker,moto jacket,motorcycle jacket,motorbike jacket"),
    _t("waistcoat", "jackets", "waistcoat,nehru", "waistcoat,nehru jacket,vest coat"),
    _t("suit", "jackets", "suit", "suit,two piece suit,three piece suit,tuxedo,tux,dinner suit,dinner jacket"),
    _t("dress", "dresses", "dress,gown", "dress,gown,frock,sundress"),
    _t("maxi dress", "dresses", "maxi", "maxi,maxi dress,long dress,floor length dress,long evening dress,evening gown"),
    _t("midi dress", "dresses", "midi", "midi,midi dress"),
    _t("raincoat", "jackets", "rain", "raincoat,rain coat,rain jacket,waterproof jacket"),
    _t("jumpsuit", "dresses", "jumpsuit,dungaree", "jumpsuit,dungarees,dungaree,boiler suit"),
    _t("playsuit", "dresses", "playsuit,romper", "playsuit,romper"),
    _t("kurta", "kurtas", "", "kurta,kurti,kurtha,curta,tunic,tunik,panjabi"),
    _t("kurta set", "ethnic_sets", "kurta,kurti,salwar,tunic", "kurta set,kurti set,kurta pyjama,salwar suit,salwar kameez,ethnic set,punjabi suit"),
    _t("palazzo set", "ethnic_sets", "palazzo", "kurta with palazzo,kurti with palazzo,palazzo set"),
    _t("lehenga", "ethnic_sets", "lehenga,choli,ghagra", "lehenga,lehnga,lengha,ghagra,chaniya choli,lehenga choli"),
    _t("sherwani", "ethnic_sets", "sherwani", "sherwani"),
    _t("churidar set", "ethnic_sets", "churidar", "kurta with churidar,kurta churidar,churidar set,churidar suit,churidar kurta"),
    _t("sharara set", "ethnic_sets", "sharara", "sharara,sharara set,sharara suit,kurta with sharara,gharara"),
    _t("anarkali", None, "anarkali", "anarkali,anarkali kurta,anarkali suit,anarkali set,anarkali dress"),
    _t("bandhgala", "jackets", "bandhgala,jodhpuri", "bandhgala,bandh gala,bandhgala jacket,jodhpuri,jodhpuri suit"),
    _t("saree", "sarees", "", "saree,sari"),
    _t("banarasi saree", "sarees", "banarasi,benarasi", "banarasi,benarasi,banarasi saree,banarasi sari,banarasi silk"),
    _t("kanjeevaram saree", "sarees", "kanjeevaram,kanjivaram,kanchipuram",
       "kanjeevaram,kanjivaram,kanchipuram,kanjeevaram saree,kanjivaram saree,kanchipuram saree,kanjeevaram silk,"
       "kanjivaram silk"),
    _t("jeans", "jeans", "", "jeans,jean,denims,jeggings,genes"),  # "blue genes": as speech-to-text writes it
    _t("trousers", "trousers", "", "trousers,trouser,pants,pant,slacks,dress pants,formal pants,cigarette pants"),
    _t("chinos", "trousers", "chino", "chinos,chino"),
    _t("palazzo", "trousers", "palazzo", "palazzo,palazzos,palazzo pants"),
    _t("cargo", "trousers", "cargo", "cargo,cargos,cargo pants"),
    _t("shorts", "shorts", "", "shorts,bermudas,bermuda,bermuda shorts"),
    _t("skirt", "skirts", "", "skirt"),
    _t("maxi skirt", "skirts", "maxi", "maxi skirt,long skirt"),
    _t("midi skirt", "skirts", "midi", "midi skirt"),
    _t("track pants", "activewear", "track,jogger",
       "track pants,trackpants,track pant,joggers,jogger,sweatpants,jogging bottoms,trackies,tracksuit bottoms,"
       "joggies,joggy bottoms,trackie bottoms,trackie dacks,trackydaks,"
       "jogger pants,jogging pants,pants for jogging,sweat pants,running pants,gym pants,workout pants"),
    _t("leggings", "activewear", "legging,tights", "leggings,legging,tights,yoga pants"),
    _t("tracksuit", "activewear", "tracksuit", "tracksuit"),
    _t("sports bra", "innerwear", "sports bra", "sports bra"),  # the catalog files bras under innerwear
    _t("activewear", "activewear", "", "activewear,sportswear,gym wear,workout gear,workout clothes,gym clothes,"
                                        "training gear,athleisure"),
    _t("nightwear", "nightwear", "", "nightwear,night suit,pyjamas,pajamas,pjs,nightdress,nightie,sleepwear,loungewear,"
                                      "lounge wear,lounge pants,lounge set,lounge,lounging,pyjama pants,pajama pants,"
                                      "pyjama bottoms,pajama bottoms,pj bottoms,pj pants,sleep pants"),
    _t("robe", "nightwear", "robe", "robe,bathrobe,dressing gown,housecoat,house coat"),
    _t("socks", "innerwear", "sock", "socks,sock"),
    _t("innerwear", "innerwear", "", "innerwear,underwear,lingerie"),
    _t("bra", "innerwear", "bra", "bra,bras,brassiere"),
    _t("vest", "innerwear", "vest", "vest,vests,undershirt,undershirts,singlet,singlets"),
    _t("boxers", "innerwear", "boxer,trunk,brief", "boxers,boxer shorts,boxer briefs,trunks"),
    _t("knickers", "innerwear", "brief,hipster,bikini,boyshort,thong,panty,panties,knicker",
       "knickers,panties,panty,briefs,hipsters,underpants"),
    _t("sneakers", "shoes", "sneaker", "sneakers,sneaker,sneaks,sneeks,snickers,trainers,trainer,kicks,takkies,tekkies,"
       "plimsoll,canvas shoe,rubber shoes,rubber shoe"),  # "plimsolls": the British canvas sneaker; the Philippines' rubber shoes
    _t("running shoes", "shoes", "running,sports,training,sneaker",
       "running shoes,running shoe,sports shoes,gym shoes,training shoes,runners,running trainers,running sneakers,"
       "jogging shoes,tennis shoes,tennis shoe,running ones,running pair,"
       # "a tennis for run": Portuguese and Spanish speakers' word for sports shoes
       "tennis for running,tennis for run,tennis to run,pair of tennis"),
    # "decent walking shoes for bushwalking", "hiking shoes with grip": made for walking, else sports shoes
    _t("walking shoes", "shoes", "walking,running,sports,training,sneaker",
       "walking shoes,walking shoe,hiking shoes,hiking shoe,trekking shoes,trail shoes"),
    _t("formal shoes", "shoes", "formal,derby,oxford,brogue,monk,loafer",
       "formal shoes,formal shoe,dress shoes,office shoes,derbys,derby,oxfords,oxford,brogues,brogue"),
    _t("slip-ons", "shoes", "slip-on,slip on,loafer,moccasin,mule,clog,mojari",
       "slip ons,slip on,slip-ons,slip-on,laceless shoes,elastic on the sides,elastic sides,elasticated sides"),
    _t("loafers", "shoes", "loafer,moccasin", "loafers,loafer,moccasins,moccasin,penny loafers"),  # not slip-on sneakers
    _t("juttis", None, "jutti,juti,mojari", "jutti,juttis,juti,jootis,mojari,mojaris,mojri,khussa,khussas"),
    _t("football boots", "shoes", "football", "football boots,football boot,football shoes,soccer boots,soccer shoes,"
       "soccer cleats,cleats,footy boots"),
    _t("boots", "shoes", "boot", "boots,boot,ankle boots,chelsea boots"),
    _t("shoes", "shoes", "", "shoes,shoe"),
    # "something for my feet that can take the rain": shoes or sandals, whatever the department calls them
    _t("footwear", None, "shoe,sneaker,sandal,flip-flop,flip flop,slider,boots,loafer,heels,flats,slipper,floater,"
       "mules,brogue,moccasin,jutti,mojari,kolhapuri,wedges,pumps",
       "footwear,for my feet,for his feet,for her feet,for their feet"),  # not "on my feet all day"
    _t("flip flops", "sandals", "flip-flop,flip flop", "flip flops,flip flop,flip-flops,flip-flop,jandals,slops,thong,tsinelas,slippas"),  # Australia's thongs, the Philippines' tsinelas
    _t("sandals", "sandals", "", "sandals,sandal,sliders,slides,chappals,slippers,scandals"),  # heard so
    _t("heels", "sandals", "heel,pump,stiletto", "heels,heel,high heels,pumps,heals,court shoe"),  # "heals": heard so; British "court shoes"
    _t("stilettos", "sandals", "stiletto", "stilettos,stiletto,stiletto heels"),  # "heels, but no stilettos"
    _t("block heels", "sandals", "block heel", "block heels,block heel,block heeled sandals"),
    _t("wedges", "sandals", "wedge", "wedges,wedge,wedge heels,wedge sandals"),
    _t("flats", "sandals", "flat,ballerina", "flats,flat sandals,ballerinas,ballet flats,flat ones,flat shoes"),
    _t("clutch", "bags", "clutch", "clutch,clutch bag,clutch purse,evening bag"),  # "a little clutch": not any handbag
    _t("handbag", "bags", "handheld,shoulder,hobo,tote,clutch,satchel,purse,sling",
       "handbag,hand bag,purse,tote,tote bag,shoulder bag,satchel"),
    _t("sling bag", "bags", "sling,crossbody,cross-body", "sling bag,sling,crossbody bag,cross body bag,messenger bag,across the body,across your body,across my body"),
    _t("backpack", "bags", "backpack,rucksack", "backpack,back pack,rucksack,school bag,college bag"),
    _t("laptop bag", "bags", "laptop,backpack,messenger",
       "laptop bag,laptop case,laptop sleeve,bag for my laptop,fits my laptop,fit my laptop,fits a laptop,"
       "fit her laptop,fits her laptop,fit his laptop,fits his laptop"),  # "a bag for work that'll fit her laptop"
    _t("duffel bag", "bags", "duffel,duffle", "duffel bag,duffle bag,duffel,duffle,gym bag,holdall,weekender,weekend bag"),
    _t("travel pouch", "bags", "pouch,toiletry", "travel pouch,pouch,toiletry bag,wash bag,washbag,toiletry pouch"),
    _t("wallet", "bags", "wallet", "wallet,billfold,card holder"),
    _t("trolley bag", "bags", "trolley,suitcase,luggage", "trolley bag,trolley,suitcase,luggage,check in bag,"
       "cabin bag,carry on bag,roller bag,wheelie bag,wheeled bag"),
    _t("bag", "bags", "", "bag,bags"),
    _t("smartwatch", "watches", "smart", "smartwatch,smart watch,fitness tracker,fitness band"),
    _t("watch", "watches", "", "watch,wristwatch,timepiece"),
    _t("earrings", "jewellery", "earring,jhumka,studs,hoop,ear cuff",
       "earrings,earring,jhumkas,jhumka,jhumki,studs,hoops,danglers"),
    _t("necklace", "jewellery", "necklace,pendant,chain,jewellery set",
       "necklace,necklaces,pendant,chain,choker"),
    _t("bracelet", "jewellery", "bracelet,bangle,kada", "bracelet,bangle,bangles,kada,cuff"),
    _t("ring", "jewellery", "ring", "ring"),
    _t("cufflinks", "jewellery", "cufflink", "cufflinks,cufflink,cuff links"),
    _t("anklet", "jewellery", "anklet", "anklet,anklets,payal,ankle bracelet,ankle chain"),
    _t("brooch", "jewellery", "brooch", "brooch,brooches,pin badge"),
    _t("maang tikka", "jewellery", "maang tikka,tikka", "maang tikka,mang tikka,maang tika,tikka"),
    _t("mangalsutra", "jewellery", "mangalsutra", "mangalsutra,mangal sutra"),
    _t("jewellery", "jewellery", "", "jewellery,jewelry"),
    _t("belt", "accessories", "belt", "belt"),
    _t("scarf", "accessories", "scarf,shawl,stole,muffler", "scarf,scarves,muffler,wrap"),
    _t("shawl", "accessories", "shawl,stole,poncho", "shawl,stole,pashmina"),  # worn over the shoulders, not a scarf
    _t("sunglasses", "accessories", "sunglass", "sunglasses,sunglass,shades,sunnies,glasses"),
    _t("baseball cap", "accessories", "baseball", "baseball cap,ball cap"),
    _t("cap", "accessories", "cap", "cap,flat cap,peaked cap,ascot cap"),
    _t("hat", "accessories", "cap,hat,beanie", "hat,sun hat,sunhat"),  # the shop sells its hats as caps and beanies
    _t("beanie", "accessories", "beanie", "beanie,beany,toque,tuque,woolly hat,bobble hat,knit hat,knitted hat,winter hat"),
    _t("tie", "accessories", "tie", "tie,necktie,bow tie"),
    _t("dupatta", "accessories", "dupatta", "dupatta,dupattas,chunni,chunri,odhni"),
    _t("hair dryer", "accessories", "dryer", "hair dryer,hairdryer,blow dryer,hair drier"),
    _t("hair straightener", "accessories", "straightener", "hair straightener,straightener,flat iron,hair iron"),
    _t("hair curler", "accessories", "curler,crimper", "hair curler,curler,curling iron,curling tongs,curling wand,crimper"),
    _t("hair styling tool", "accessories", "dryer,straightener,curler,crimper,styler",
       "hair styling tool,hair tool,hair tools,hair styler,styling tools"),
    _t("face mask", "accessories", "face mask,sheet mask,peel off mask,peel-off mask",
       "face mask,sheet mask,sheet face mask,face sheet mask,peel off mask,face pack"),
    _t("hair mask", "accessories", "hair mask,hair masque", "hair mask,hair masque,hair pack"),
    _t("pocket square", "accessories", "pocket square", "pocket square,pocket squares,pocket hanky,pocket handkerchief"),
)


UMBRELLA_TYPES = frozenset({"warm layer", "ethnic wear", "outfit", "baby clothes", "footwear"})
"""Types that only stand in for garments not named: dropped when a garment is named with them."""


def _plurals(word: str) -> set[str]:
    last = word.split()[-1]
    head = word[: len(word) - len(last)]
    forms = {word}
    if last.endswith("ss"):  # "dresses"
        forms.add(head + last + "es")
    elif not last.endswith("s"):
        forms.add(head + last + "s")
        if last.endswith(("ch", "sh", "x")):
            forms.add(head + last + "es")
        if last.endswith("y") and last[-2:-1] not in "aeiou":
            forms.add(head + last[:-1] + "ies")
        if last.endswith("f"):
            forms.add(head + last[:-1] + "ves")
    return forms


PRODUCT_TYPES: dict[str, ProductType] = {t.name: t for t, _ in _TYPES}
TYPE_WORDS: dict[str, str] = {}  # spoken phrase -> type name (first listed wins)
for _type, _words in _TYPES:
    for _word in _words:
        for _form in sorted(_plurals(_word)):
            TYPE_WORDS.setdefault(_form, _type.name)

_SPARKLE = ("sequin", "embellish", "glitter", "shimmer", "sparkl", "metallic")  # "no sequins or shiny stuff"
# Words that describe a product rather than name it; excluding one ("nothing floral", "not
# leather") removes products whose name carries it.
# a kind sold under several names, the name its word means listed first ("a jumper": sweaters before sweatshirts)
NAMED_FIRST: dict[str, str] = {"sweater": "sweater"}
DESCRIPTOR_STEMS: dict[str, tuple[str, ...]] = {
    # "none of that faux leather": the imitation, not leather itself
    "faux leather": ("faux", "vegan leather"), "fake leather": ("faux", "vegan leather"),
    "pu leather": ("faux", "vegan leather"), "vegan leather": ("faux", "vegan leather"),
    "floral": ("floral", "flower"), "flower": ("floral", "flower"), "flowery": ("floral", "flower"),
    "printed": ("print",),
    "print": ("print",),
    "prints": ("print",),
    "graphic": ("graphic", "print", "typograph"),
    "logo": ("logo", "graphic", "brand logo"),
    "logos": ("logo", "graphic", "brand logo"),
    "striped": ("stripe",),
    "stripes": ("stripe",),
    "stripy": ("stripe",),
    "checked": ("check",),
    "checks": ("check",),
    "check": ("check",),
    "plaid": ("check", "plaid"),
    "tartan": ("check", "tartan"),
    "embroidered": ("embroider",),
    "sequin": _SPARKLE, "sequins": _SPARKLE, "sequinned": _SPARKLE, "sequined": _SPARKLE, "sparkly": _SPARKLE,
    "sparkles": _SPARKLE, "glittery": _SPARKLE, "glitter": _SPARKLE, "shiny": _SPARKLE, "shimmery": _SPARKLE,
    "bling": _SPARKLE, "blingy": _SPARKLE, "embellished": _SPARKLE, "embellishments": _SPARKLE,
    "skinny": ("skinny",),
    "cropped": ("crop",),
    "crop": ("crop",),
    "slim fit": ("slim",),
    "ripped": ("ripped", "distress"),
    "rips": ("ripped", "distress"),
    "distressed": ("distress",),
    "denim": ("denim",),
    "leather": ("leather",),
    "georgette": ("georgette",),
    "silk": ("silk",),
    "silky": ("silk", "satin"),
    "satin": ("satin",),
    "chiffon": ("chiffon",),
    "polyester": ("polyester",),
    "synthetic": ("poly", "synthetic", "nylon", "art silk", "acrylic"),
    "synthetics": ("poly", "synthetic", "nylon", "art silk", "acrylic"),
    "wool": ("wool",),
    "woollen": ("wool",),
    "cotton": ("cotton",),
    "linen": ("linen",),
    "velvet": ("velvet",),
    "lace": ("lace",),
    "laces": ("lace-up", "lace up"),
    "lace up": ("lace-up", "lace up"),
    "heel": ("heel", "wedge", "pump", "stiletto"),
    "heels": ("heel", "wedge", "pump", "stiletto"),
    "high heels": ("heel", "wedge", "pump", "stiletto"),
    "casual": ("casual",),
    "formal": ("formal",),
    "sleeveless": ("sleeveless",),
    "hood": ("hood",),  # "nothing with a hood": a sweatshirt without one will do
    "hooded": ("hood",),
    "sporty": ("sports", "running", "training", "sneaker"),
    "slim": ("slim", "skinny"),  # not slim: not slimmer still
    "corduroy": ("corduroy",), "cords": ("corduroy",),
    "slogan": ("slogan", "typograph"),
    "typography": ("typograph",),
    "embroidery": ("embroider",),
    "patterned": ("print", "stripe", "check", "pattern"),
    "busy pattern": ("print", "pattern"),
    "animal print": ("animal", "leopard", "zebra", "tiger"),
    "leopard print": ("leopard", "animal"),
    "aviator": ("aviator",),
    "wayfarer": ("wayfarer",),
    "cat eye": ("cat-eye", "cat eye", "cateye"),
    # the cut: "not so tight", "nothing fitted", "nothing see through"
    "tight": ("skinny", "jegging", "bodycon", "fitted", "slim"),
    "floor length": ("maxi",), "ankle length": ("maxi",), "full length": ("maxi",),
    # "no cartoons, she's twelve": the characters printed on kids' clothes
    "cartoon": ("cartoon", "disney", "marvel", "mickey", "minnie", "barbie", "frozen", "minion", "batman",
                "superman", "spider", "avengers", "looney", "peppa", "tom & jerry", "doraemon", "pokemon",
                "hello kitty"),
    "characters": ("cartoon", "disney", "marvel", "mickey", "minnie", "barbie", "frozen", "minion", "batman",
                   "superman", "spider", "avengers", "looney", "peppa", "tom & jerry", "doraemon", "pokemon",
                   "hello kitty"),
    # "these are a bit too quirky, something more classic": novelty designs, named so in the catalog
    "quirky": ("quirky", "scooter", "typograph", "slogan", "cartoon", "disney", "marvel", "mickey", "batman", "superman",
               "spider", "avengers", "star wars"),
    "fitted": ("fitted", "bodycon"),
    "see through": ("sheer",),
    "sheer": ("sheer",),
    "short sleeve": ("short sleeve",),
    "short sleeved": ("short sleeve",),
    "long": ("long", "maxi"),  # "not too long": the length
    "digital": ("digital",),  # "nothing digital": a watch's face
    "analogue": ("analogue", "analog"), "analog": ("analogue", "analog"),
    # the details a name carries: "no v-necks", "nothing double-breasted", "no padding", "no collars"
    "v neck": ("v-neck",), "vneck": ("v-neck",), "v necked": ("v-neck",),
    "collar": ("collar", "polo"), "collared": ("collar", "polo"),
    "camo": ("camouflage", "camo"), "camouflage": ("camouflage", "camo"), "military": ("camouflage", "camo"),
    "double breasted": ("double-breasted",),
    "platform": ("platform", "flatform"),
    "padding": ("padded",), "padded": ("padded",),
    "underwire": ("underwire", "wired"), "underwired": ("underwire", "wired"), "wired": ("underwire", "wired"),
    "ruffle": ("ruffle", "frill"), "ruffles": ("ruffle", "frill"), "frills": ("ruffle", "frill"),
    "pleated": ("pleat",), "pleats": ("pleat",),
    "off shoulder": ("off-shoulder", "off shoulder", "cold-shoulder", "one-shoulder"),
    "off the shoulder": ("off-shoulder", "off shoulder", "cold-shoulder", "one-shoulder"),
    "mesh": ("mesh",), "metallic": ("metallic", "shimmer"), "tassels": ("tassel", "fringe"), "fringe": ("tassel", "fringe"),
    "studded": ("studded",), "studs": ("studded",),
    "high waisted": ("high-rise", "high rise"), "high rise": ("high-rise", "high rise"),
    "low rise": ("low-rise", "low rise"), "low waisted": ("low-rise", "low rise"),
    "flared": ("flare",), "flares": ("flare",), "bodycon": ("bodycon",),
}
for _word, _stems in list(DESCRIPTOR_STEMS.items()):  # "no graphics", "no slogans"
    if not _word.endswith(("s", "y", "ed")):
        DESCRIPTOR_STEMS.setdefault(f"{_word}s", _stems)
# "proper shoes, not trainers": no sports shoes of any kind (a runner is a trainer too)
DESCRIPTOR_STEMS.update(dict.fromkeys(("trainers", "trainer", "sneakers", "sneaker"), ("sneaker", "running", "sports", "training")))
DESCRIPTOR_STEMS["short"] = ("mini",)  # "nothing too short": the length; no plural, "shorts" are a garment
MATERIAL_WORDS: tuple[str, ...] = (
    "cotton", "linen", "silk", "wool", "leather", "denim", "polyester", "viscose", "rayon", "georgette",
    "chiffon", "satin", "velvet", "nylon", "canvas", "suede", "jute", "fleece", "modal", "lycra",
    "spandex", "elastane", "crepe", "khadi", "acrylic", "stainless steel", "steel", "brass", "alloy",
    "metal", "plastic", "resin", "pu", "synthetic", "mesh", "knit", "cashmere",
)
for _material in MATERIAL_WORDS:  # "no suede", "nothing with mesh": a material ruled out by name
    DESCRIPTOR_STEMS.setdefault(_material, (_material,))

# Colour families for relative requests ("something darker", "brighter", "nothing too bright").
DARK_COLOURS: tuple[str, ...] = ("black", "navy", "navy blue", "charcoal", "maroon", "burgundy", "brown",
                                 "olive", "dark", "wine", "teal", "bottle green", "dark green", "grey")
LIGHT_COLOURS: tuple[str, ...] = ("white", "off white", "off-white", "beige", "cream", "ivory", "yellow", "pink",
                                  "peach", "lavender", "mint", "light", "pastel", "nude", "lemon", "baby pink",
                                  "sky blue", "powder blue")
BRIGHT_COLOURS: tuple[str, ...] = ("yellow", "orange", "pink", "red", "magenta", "fuchsia", "neon", "lime",
                                   "fluorescent", "coral", "turquoise", "mustard", "gold", "multi")
DULL_COLOURS: tuple[str, ...] = ("black", "grey", "charcoal", "navy", "navy blue", "brown", "beige", "khaki",
                                 "olive", "taupe")

# Who the product is for -> catalog gender; children's words give the kids' departments.
RECIPIENT_GENDER: dict[str, str] = {
    "wife": "women", "girlfriend": "women", "mum": "women", "mom": "women", "mother": "women",
    "mother in law": "women", "mum in law": "women", "sister": "women", "sister in law": "women",
    "aunt": "women", "auntie": "women", "grandma": "women", "grandmother": "women", "gran": "women",
    "nan": "women", "niece": "girls", "daughter": "girls", "daughter in law": "women", "fiancee": "women",
    "bride": "women", "bridesmaid": "women", "missus": "women", "lady": "women", "woman": "women",
    "husband": "men", "boyfriend": "men", "dad": "men", "father": "men", "father in law": "men",
    "brother": "men", "brother in law": "men", "uncle": "men", "grandpa": "men", "grandfather": "men",
    "grandad": "men", "granddad": "men", "nephew": "boys", "son": "boys", "son in law": "men",
    "fiance": "men", "groom": "men", "groomsman": "men", "groomsmen": "men", "best man": "men",
    "maid of honour": "women", "maid of honor": "women", "papa": "men", "pops": "men", "bloke": "men", "guy": "men",
    "man": "men", "gentleman": "men", "boy": "boys", "girl": "girls", "lad": "boys",
    "mummy": "women", "mommy": "women", "mama": "women", "granny": "women", "grandmum": "women",
    "grandmom": "women", "stepmum": "women", "stepmom": "women", "gf": "women", "hubby": "men", "bf": "men",
    "stepdad": "men", "daddy": "men", "grandson": "boys", "granddaughter": "girls",
    "goddaughter": "girls", "god daughter": "girls", "godson": "boys", "god son": "boys", "stepson": "boys",
    "stepdaughter": "girls", "page boy": "boys", "pageboy": "boys", "flower girl": "girls",
    "da": "men", "ma": "women", "mam": "women", "nana": "women", "nanna": "women", "gramps": "men",
    "aunty": "women", "amma": "women", "appa": "men", "nani": "women", "dadi": "women", "paati": "women",
    "thatha": "men", "lola": "women", "lolo": "men", "nanay": "women", "tatay": "men", "tita": "women", "tito": "men",
    "oga": "men", "madam": "women",  # Nigerian English: the boss, the lady of the house
    "fella": "men", "chap": "men", "gent": "men", "lass": "women", "gal": "women",  # "slip-ons for an old fella"
}
# Words only women's clothes are called: said with no one named, the women's department.
WOMENSWEAR_WORDS: tuple[str, ...] = ("kurti", "kurtis", "anarkali", "anarkalis", "salwar", "salwar suit", "salwar kameez",
                                     "blouse", "blouses", "lingerie", "bra", "bras", "nightie", "nighties", "jeggings",
                                     "dupatta", "dupattas", "palazzo", "palazzos", "clutch", "clutches")
# ... and only men's: "kurta pyjama for myself" is a man's outfit
MENSWEAR_WORDS: tuple[str, ...] = ("kurta pyjama", "kurta pyjamas", "kurta pajama", "kurta pajamas", "sherwani", "sherwanis",
                                   "pathani", "pathani suit", "nehru jacket", "nehru jackets", "dhoti", "bandhgala")

# A grown-up child is dressed from the adult departments; kids' sizes run to 13-14 years.
KIDS_AGE_LIMIT = 15
ADULT_OF: dict[str, str] = {"boys": "men", "girls": "women"}
KID_OF: dict[str, str] = {adult: kid for kid, adult in ADULT_OF.items()}
KID_GENDERS = frozenset(ADULT_OF)


_COLOUR_SPELLINGS = {"gray": "grey", "navy": "navy blue", "violet": "purple", "golden": "gold"}


_IRREGULAR_PLURALS = {"scarf": "scarves", "watch": "watches", "footwear": "footwear", "ethnic wear": "ethnic wear"}


def type_named_by(stems: list[str] | tuple[str, ...]) -> ProductType | None:
    """The product type whose name stems these are exactly, if any."""
    return next((kind for kind in PRODUCT_TYPES.values() if kind.stems and tuple(stems) == kind.stems), None)


def _plural(kind: ProductType) -> str:
    if kind.name in _IRREGULAR_PLURALS:
        return _IRREGULAR_PLURALS[kind.name]
    if kind.name.endswith(("ss", "sh", "ch", "x")):
        return f"{kind.name}es"
    return kind.name if kind.name.endswith("s") else f"{kind.name}s"


def type_plural(stems: list[str] | tuple[str, ...]) -> str | None:
    """The spoken plural of the product type whose name stems these are ("jumpsuits", "sports bras"),
    None when they are not exactly one type's."""
    kind = type_named_by(stems)
    return _plural(kind) if kind else None


def types_phrase(stems: list[str] | tuple[str, ...]) -> str | None:
    """"shawls or cardigans": the types whose name stems follow one another in ``stems``, None when
    the stems are not whole types'."""
    names: list[str] = []
    i = 0
    while i < len(stems):
        kind = next((k for k in PRODUCT_TYPES.values() if k.stems and tuple(stems[i : i + len(k.stems)]) == k.stems),
                    None)
        if kind is None:
            return None
        names.append(_plural(kind))
        i += len(kind.stems)
    return " or ".join(names) or None


def type_singular(stems: list[str] | tuple[str, ...]) -> str | None:
    """One of the product type whose name stems these are ("sports bra", "pair of jeans"), None
    when they are not exactly one type's."""
    kind = type_named_by(stems)
    if kind is None:
        return None
    plural_only = kind.name.endswith("s") and not kind.name.endswith("ss")
    return f"pair of {kind.name}" if plural_only else kind.name


def normalize_colour(colour: str) -> str:
    """A spoken colour in the catalog's spelling ("gray" → grey, "navy" → navy blue)."""
    colour = " ".join(colour.lower().split())
    return _COLOUR_SPELLINGS.get(colour, colour)


def type_for(phrase: str) -> ProductType | None:
    """The product type a spoken phrase names (None if it names none)."""
    name = TYPE_WORDS.get(phrase)
    return PRODUCT_TYPES[name] if name else None


def descriptor_stems(word: str) -> tuple[str, ...]:
    """Name stems that an excluded descriptor, material or type word rules out."""
    if word in DESCRIPTOR_STEMS:
        return DESCRIPTOR_STEMS[word]
    kind = type_for(word)
    if kind is not None and kind.stems:
        # "no jhumkas, she likes simple stuff": those earrings, not every earring
        first, said = kind.stems[0].replace("-", " "), word.replace("-", " ")
        narrower = tuple(stem for stem in kind.stems[1:] if len(kind.stems) > 2  # not "no sweatshirts": hoodies too
                         and stem.replace("-", " ") in said and stem.replace("-", " ") != first and first not in said)
        return narrower or kind.stems
    return (word.rstrip("s"),) if len(word) > 3 else (word,)


__all__ = [
    "BRIGHT_COLOURS",
    "DARK_COLOURS",
    "DESCRIPTOR_STEMS",
    "DULL_COLOURS",
    "KIDS_AGE_LIMIT",
    "KID_OF",
    "LIGHT_COLOURS",
    "MATERIAL_WORDS",
    "MENSWEAR_WORDS",
    "PRODUCT_TYPES",
    "RECIPIENT_GENDER",
    "TYPE_WORDS",
    "WOMENSWEAR_WORDS",
    "ProductType",
    "descriptor_stems",
    "normalize_colour",
    "type_for",
    "type_named_by",
    "type_plural",
]
