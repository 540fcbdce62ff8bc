/* gen: synthetic child-welfare-like person records with ground truth.
 *
 * How it stays fast and small: every person's original record is a pure
 * function of (seed, person) and every duplicate of (seed, person, k), so
 * nothing is kept but each person's number of duplicates (a byte) and a
 * checkpoint every 64 people, which map a record number to its person.
 * The output order is a keyed Feistel permutation of the record numbers
 * (cycle-walked into range), so shuffling needs no memory either.
 *
 * Determinism: all choices use integer arithmetic on a xoshiro256** stream
 * seeded by splitmix64, except comparisons of a 53-bit uniform double with
 * the configured probabilities (exact in IEEE arithmetic). No libm. */
#include "match/gen.h"
#include "base/clock.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/csv.h"
#include "base/err.h"
#include "match/gen/gen_int.h"

/* ---- Word lists (invented for this generator; roughly ordered from
 * common to rare, so the Zipf-like weights make common names common) ---- */

/* clang-format off */
static const char *const female_names[] = {
	"emma", "olivia", "sophia", "isabella", "ava", "mia", "abigail", "emily", "elizabeth", "madison",
	"charlotte", "amelia", "evelyn", "katherine", "victoria", "samantha", "jennifer", "alexandra",
	"natalie", "margaret", "hannah", "grace", "chloe", "ella", "avery", "sofia", "harper", "addison",
	"lily", "gabriella", "ashley", "jessica", "rebecca", "catherine", "christina", "patricia", "madeline",
	"eleanor", "allison", "stephanie", "anna", "zoey", "aubrey", "brooklyn", "layla", "scarlett",
	"lillian", "aria", "savannah", "leah", "nora", "audrey", "alexis", "camila", "riley", "kaylee",
	"ariana", "claire", "sarah", "stella", "maya", "hailey", "nevaeh", "peyton", "madelyn", "skylar",
	"penelope", "jasmine", "morgan", "taylor", "isabelle", "violet", "hazel", "aurora", "lucy",
	"paisley", "bella", "kennedy", "genesis", "naomi", "elena", "valentina", "caroline", "kylie", "sadie",
	"autumn", "quinn", "ruby", "julia", "piper", "lydia", "alice", "kimberly", "rachel", "deborah",
	"susan", "jacqueline", "angelina", "daniela", "gianna", "mackenzie", "makayla", "destiny", "jade",
	"aaliyah", "alyssa", "brianna", "isabel", "josephine", "faith", "jocelyn", "mariah", "kayla",
	"trinity", "molly", "vanessa", "melanie", "jordyn", "sydney", "arianna", "valeria", "ximena", "mila",
	"luna", "everly", "delilah", "athena", "emilia", "adeline", "gabrielle", "jayla", "nicole", "andrea",
	"melissa", "amanda", "michelle", "christine", "theresa", "frances", "dorothy", "barbara", "helen",
	"virginia", "cynthia", "pamela", "sandra", "joanna", "daisy", "rose", "esther", "miriam", "ruth",
	"yesenia", "marisol", "yaritza", "nayeli", "guadalupe", "esperanza", "lucia", "carmen", "rosa",
	"maria", "ana", "juliana", "adriana", "veronica", "monica", "erica", "tiffany", "brittany",
	"courtney", "shaniqua", "aaliyah-rose", "imani", "nia", "zaria", "amani", "keisha", "tanisha",
	"precious", "diamond", "heaven", "serenity", "harmony", "journey", "willow", "ivy", "iris", "hope",
	"joy", "eva", "nina", "tessa", "maeve", "fiona", "siobhan", "bridget", "colleen", "kathleen",
	"maureen", "noelle", "ayla", "amira", "fatima", "aisha", "priya", "ananya", "mei", "linh", "thuy",
	"yasmin", "leila", "zainab", "rivka", "chaya",
};

static const char *const male_names[] = {
	"liam", "noah", "william", "james", "michael", "benjamin", "alexander", "elijah", "daniel",
	"joseph", "christopher", "anthony", "matthew", "jacob", "ethan", "mason", "logan", "lucas",
	"robert", "nicholas", "jonathan", "samuel", "andrew", "joshua", "thomas", "john", "david",
	"henry", "jackson", "sebastian", "aiden", "carter", "owen", "wyatt", "jack", "luke", "jayden",
	"dylan", "grayson", "levi", "isaac", "gabriel", "julian", "mateo", "jaxon", "lincoln", "theodore",
	"caleb", "ryan", "asher", "nathan", "leo", "isaiah", "charles", "josiah", "hudson", "christian",
	"hunter", "connor", "eli", "ezra", "aaron", "landon", "adrian", "nolan", "jeremiah", "easton",
	"elias", "colton", "cameron", "carson", "angel", "maverick", "dominic", "greyson", "adam", "ian",
	"austin", "santiago", "jordan", "cooper", "brayden", "roman", "evan", "ezekiel", "xavier", "jose",
	"jace", "jameson", "leonardo", "bryson", "axel", "everett", "parker", "kayden", "miles", "sawyer",
	"jason", "declan", "weston", "micah", "ayden", "wesley", "luca", "vincent", "damian", "zachary",
	"silas", "gavin", "chase", "kai", "emmett", "harrison", "nathaniel", "kingston", "cole", "tyler",
	"bennett", "bentley", "ryker", "tristan", "brandon", "kevin", "luis", "george", "ashton", "rowan",
	"braxton", "ryder", "gael", "ivan", "diego", "maxwell", "max", "juan", "kaiden", "justin", "carlos",
	"edward", "richard", "steven", "timothy", "patrick", "peter", "francis", "frederick", "raymond",
	"lawrence", "gregory", "kenneth", "donald", "ronald", "douglas", "walter", "albert", "arthur",
	"harold", "eugene", "louis", "philip", "stephen", "victor", "marcus", "derek", "trevor", "jesse",
	"travis", "shawn", "corey", "malik", "jamal", "darius", "andre", "terrell", "tyrone", "dante",
	"rafael", "miguel", "alejandro", "javier", "fernando", "pedro", "manuel", "ricardo", "eduardo",
	"jorge", "hector", "oscar", "angelo", "marco", "giovanni", "salvatore", "nicolas", "omar", "yusuf",
	"ibrahim", "mohammed", "arjun", "rohan", "minh", "duc", "wei", "jun", "kwame", "kofi", "emeka",
	"tobias", "finn", "declan-james", "killian", "seamus", "aidan", "brendan", "liam-michael", "yosef",
	"moshe",
};

static const char *const surnames[] = {
	"smith", "johnson", "williams", "brown", "jones", "garcia", "miller", "davis", "rodriguez",
	"martinez", "hernandez", "lopez", "gonzalez", "wilson", "anderson", "thomas", "taylor", "moore",
	"jackson", "martin", "lee", "perez", "thompson", "white", "harris", "sanchez", "clark", "ramirez",
	"lewis", "robinson", "walker", "young", "allen", "king", "wright", "scott", "torres", "nguyen",
	"hill", "flores", "green", "adams", "nelson", "baker", "hall", "rivera", "campbell", "mitchell",
	"carter", "roberts", "gomez", "phillips", "evans", "turner", "diaz", "parker", "cruz", "edwards",
	"collins", "reyes", "stewart", "morris", "morales", "murphy", "cook", "rogers", "gutierrez",
	"ortiz", "morgan", "cooper", "peterson", "bailey", "reed", "kelly", "howard", "ramos", "kim", "cox",
	"ward", "richardson", "watson", "brooks", "chavez", "wood", "james", "bennett", "gray", "mendoza",
	"ruiz", "hughes", "price", "alvarez", "castillo", "sanders", "patel", "myers", "long", "ross",
	"foster", "jimenez", "powell", "jenkins", "perry", "russell", "sullivan", "bell", "coleman",
	"butler", "henderson", "barnes", "gonzales", "fisher", "vasquez", "simmons", "romero", "jordan",
	"patterson", "alexander", "hamilton", "graham", "reynolds", "griffin", "wallace", "moreno", "west",
	"cole", "hayes", "bryant", "herrera", "gibson", "ellis", "tran", "medina", "aguilar", "stevens",
	"murray", "ford", "castro", "marshall", "owens", "harrison", "fernandez", "mcdonald", "woods",
	"washington", "kennedy", "wells", "vargas", "henry", "chen", "freeman", "webb", "tucker", "guzman",
	"burns", "crawford", "olson", "simpson", "porter", "hunter", "gordon", "mendez", "silva", "shaw",
	"snyder", "mason", "dixon", "munoz", "hunt", "hicks", "holmes", "palmer", "wagner", "black",
	"robertson", "boyd", "rose", "stone", "salazar", "fox", "warren", "mills", "meyer", "rice",
	"schmidt", "garza", "daniels", "ferguson", "nichols", "stephens", "soto", "weaver", "ryan",
	"gardner", "payne", "grant", "dunn", "spencer", "hawkins", "arnold", "pierce", "vazquez", "hansen",
	"peters", "santos", "hart", "bradley", "knight", "elliott", "cunningham", "duncan", "armstrong",
	"hudson", "carroll", "lane", "riley", "andrews", "alvarado", "ray", "delgado", "berry", "perkins",
	"hoffman", "johnston", "matthews", "pena", "richards", "contreras", "willis", "carpenter",
	"lawrence", "sandoval", "santiago", "colon", "rosario", "vega", "ayala", "figueroa", "pagan",
	"velez", "irizarry", "o'brien", "o'connor", "o'neill", "mccarthy", "mclaughlin", "fitzgerald",
	"kowalski", "nowak", "wisniewski", "de jesus", "de la cruz", "de leon", "del valle", "van buren",
	"vanderberg", "st. pierre", "st. germain", "garcia-lopez", "rivera-ortiz", "smith-jones",
	"perez-rodriguez", "martinez-diaz", "lopez-torres", "jean-baptiste", "pierre-louis", "pelletier",
	"gagnon", "cote", "bouchard", "leblanc", "russo", "esposito", "rossi", "romano", "deluca", "marino",
	"ferrara", "costa", "ricci", "caruso", "greco", "lombardi", "conti", "santoro", "mancini",
	"oliveira", "pereira", "souza", "rodrigues", "almeida", "medeiros", "singh", "kaur", "shah", "khan",
	"ali", "ahmed", "hussain", "wong", "liu", "wang", "zhang", "huang", "pham", "vo", "dang", "okafor",
	"mensah", "boateng", "osei", "diallo", "dubois", "francois", "charles", "joseph", "louis",
	"baptiste", "cohen", "levy", "friedman", "goldberg",
};

struct town {
	const char *name;
	const char *zips[4];
};

/* Made-up towns, larger first, with made-up five-digit postcodes. A caller
 * may give towns of its own instead (gen_config.towns). */
static const struct town towns[] = {
	{"lakeport", {"99604", "99605", "99606", "99610"}},
	{"new harbor", {"99511", "99513", "99515", "99519"}},
	{"granton", {"99105", "99106", "99112", "99114"}},
	{"ashbury", {"99902", "99905", "99906", "99907"}},
	{"millbrook", {"99704", "99705", "99706", "99708"}},
	{"norbury", {"99850", "99851", "99854", "99855"}},
	{"danmoor", {"99810", "99811"}},
	{"new albion", {"99051", "99052", "99053"}},
	{"west granton", {"99107", "99110", "99117", "99119"}},
	{"greenvale", {"99830", "99831"}},
	{"fairmeadow", {"99824", "99825"}},
	{"hollis", {"99514", "99517", "99518"}},
	{"bramton", {"99010"}},
	{"merrow", {"99450", "99451"}},
	{"marchmont", {"99040", "99042"}},
	{"west harbor", {"99516"}},
	{"millbank", {"99460", "99461"}},
	{"stratton", {"99614", "99615"}},
	{"east granton", {"99108", "99118"}},
	{"midvale", {"99457"}},
	{"wellsford", {"99492"}},
	{"enderby", {"99082"}},
	{"southam", {"99489"}},
	{"shelby", {"99484"}},
	{"norwood", {"99360"}},
	{"tormont", {"99790"}},
	{"trentham", {"99611"}},
	{"glenbury", {"99033"}},
	{"nashwick", {"99770"}},
	{"newbold", {"99111"}},
	{"chesterton", {"99410"}},
	{"verwood", {"99066"}},
	{"winslow", {"99095"}},
	{"new lorne", {"99320"}},
	{"branwell", {"99405"}},
	{"groveton", {"99340"}},
	{"east harbor", {"99512"}},
	{"westmere", {"99880"}},
	{"wetherby", {"99109"}},
	{"mansgrove", {"99250", "99268"}},
	{"ridgemoor", {"99877"}},
	{"newmarket", {"99470"}},
	{"farnham", {"99032"}},
	{"south winslow", {"99074"}},
	{"silverton", {"99070"}},
	{"new millbank", {"99776"}},
	{"north harbor", {"99473"}},
	{"guildhaven", {"99437"}},
	{"bloomdale", {"99002"}},
	{"windmere", {"99226", "99280"}},
	{"rocky ford", {"99067"}},
	{"maddox", {"99443"}},
	{"bergen", {"99037"}},
	{"wolford", {"99716"}},
	{"seabrook", {"99483"}},
	{"ansley", {"99401"}},
	{"darby", {"99418"}},
	{"kilbride", {"99239", "99241"}},
	{"plainmoor", {"99062"}},
	{"waterton", {"99795"}},
	{"waterlow", {"99385"}},
	{"stonehaven", {"99378"}},
	{"putney", {"99260"}},
	{"old sayward", {"99475"}},
	{"winterton", {"99098"}},
	{"colbridge", {"99415"}},
};

static const char *const streets[] = {
	"main", "elm", "maple", "oak", "park", "church", "washington", "high", "prospect", "franklin",
	"center", "pleasant", "chestnut", "north", "south", "broad", "spring", "cedar", "walnut", "pine",
	"union", "school", "mill", "river", "forest", "hillside", "lincoln", "jefferson", "grove", "summer",
	"highland", "academy", "meadowbrook", "whitney", "dover", "fairview", "old post", "kingsley",
	"albany", "blue ridge", "market", "college", "orchard", "meadow", "birch", "willow", "laurel",
	"sunset", "lake", "bridge", "cherry", "valley", "ridge", "east", "west", "state", "howard",
	"congress", "grand", "water",
};

static const char *const street_types[] = {"st", "ave", "rd", "dr", "ln", "ct", "pl", "ter", "way", "blvd"};

/* Formal given names and the nicknames a caller might use instead, sorted
 * by formal name (binary searched). */
struct nick {
	const char *formal;
	const char *nicks[6];
};

static const struct nick nicknames[] = {
	{"abigail", {"abby", "abbie", "gail"}},
	{"alejandro", {"alex", "ale"}},
	{"alexander", {"alex", "xander", "al", "lex", "sasha"}},
	{"alexandra", {"alex", "alexa", "lexi", "sandra", "sasha"}},
	{"allison", {"allie", "ali"}},
	{"amanda", {"mandy", "manda"}},
	{"amelia", {"millie", "mia", "amy"}},
	{"andrew", {"andy", "drew"}},
	{"angelina", {"angie", "lina"}},
	{"anna", {"annie", "ann"}},
	{"anthony", {"tony", "ant"}},
	{"ashley", {"ash"}},
	{"barbara", {"barb", "barbie", "babs"}},
	{"benjamin", {"ben", "benny", "benji"}},
	{"cameron", {"cam"}},
	{"caroline", {"carrie", "carol", "callie"}},
	{"catherine", {"cathy", "cate", "kate", "katie", "cat"}},
	{"charles", {"charlie", "chuck", "chas"}},
	{"charlotte", {"charlie", "lottie", "lotte"}},
	{"christian", {"chris"}},
	{"christina", {"chris", "tina", "christy"}},
	{"christine", {"chris", "tina", "chrissy"}},
	{"christopher", {"chris", "topher", "kit"}},
	{"cynthia", {"cindy", "cyndi"}},
	{"daniel", {"dan", "danny"}},
	{"daniela", {"dani", "ela"}},
	{"deborah", {"deb", "debbie", "debby"}},
	{"dominic", {"dom", "nick"}},
	{"dorothy", {"dot", "dottie", "dolly"}},
	{"edward", {"ed", "eddie", "ted", "ned"}},
	{"eleanor", {"ellie", "nora", "nell"}},
	{"elijah", {"eli", "lige"}},
	{"elizabeth", {"liz", "beth", "lizzie", "eliza", "betty", "libby"}},
	{"emily", {"em", "emmy", "millie"}},
	{"emma", {"em", "emmy"}},
	{"evelyn", {"evie", "eve"}},
	{"ezekiel", {"zeke"}},
	{"frances", {"fran", "frannie", "frankie"}},
	{"francis", {"frank", "frankie"}},
	{"frederick", {"fred", "freddie", "freddy"}},
	{"gabriel", {"gabe", "gabi"}},
	{"gabriella", {"gabby", "ella", "brie"}},
	{"gabrielle", {"gabby", "elle", "brie"}},
	{"giovanni", {"gio", "gianni"}},
	{"gregory", {"greg"}},
	{"harrison", {"harry", "harris"}},
	{"henry", {"hank", "harry", "hal"}},
	{"isabella", {"bella", "izzy", "isa"}},
	{"isabelle", {"izzy", "belle"}},
	{"jacob", {"jake", "jay"}},
	{"jacqueline", {"jackie", "jacqui"}},
	{"james", {"jim", "jimmy", "jamie"}},
	{"jennifer", {"jen", "jenny", "jenn"}},
	{"jessica", {"jess", "jessie"}},
	{"john", {"johnny", "jack", "jon"}},
	{"jonathan", {"jon", "jonny", "johnny"}},
	{"joseph", {"joe", "joey", "jo"}},
	{"josephine", {"josie", "jo", "jojo"}},
	{"joshua", {"josh"}},
	{"katherine", {"katie", "kate", "kathy", "cathy", "kat", "kitty"}},
	{"kathleen", {"kathy", "kath", "katie"}},
	{"kenneth", {"ken", "kenny"}},
	{"kimberly", {"kim", "kimmy"}},
	{"lawrence", {"larry", "laurie"}},
	{"leonardo", {"leo", "leon"}},
	{"lillian", {"lily", "lil", "lilly"}},
	{"mackenzie", {"kenzie", "mac"}},
	{"madeline", {"maddie", "maddy"}},
	{"madelyn", {"maddie", "maddy"}},
	{"madison", {"maddie", "maddy"}},
	{"manuel", {"manny"}},
	{"margaret", {"maggie", "meg", "peggy", "margie", "greta"}},
	{"matthew", {"matt", "matty"}},
	{"maxwell", {"max"}},
	{"melissa", {"missy", "mel", "lissa"}},
	{"michael", {"mike", "mikey", "mick", "mickey"}},
	{"natalie", {"nat", "talia"}},
	{"nathan", {"nate"}},
	{"nathaniel", {"nate", "nat"}},
	{"nicholas", {"nick", "nicky", "nico"}},
	{"olivia", {"liv", "livvy", "liva"}},
	{"pamela", {"pam", "pammy"}},
	{"patricia", {"pat", "patty", "trish", "tricia"}},
	{"patrick", {"pat", "paddy"}},
	{"penelope", {"penny", "nell"}},
	{"peter", {"pete"}},
	{"rebecca", {"becky", "becca"}},
	{"richard", {"rich", "rick", "ricky", "dick"}},
	{"robert", {"rob", "bob", "bobby", "robbie", "bert"}},
	{"ronald", {"ron", "ronnie"}},
	{"salvatore", {"sal", "sally"}},
	{"samantha", {"sam", "sammy", "sami"}},
	{"samuel", {"sam", "sammy"}},
	{"sebastian", {"seb", "bash"}},
	{"sophia", {"sophie"}},
	{"stephanie", {"steph", "stevie"}},
	{"stephen", {"steve"}},
	{"steven", {"steve"}},
	{"susan", {"sue", "susie", "suzy"}},
	{"theodore", {"ted", "teddy", "theo"}},
	{"theresa", {"tess", "terri", "tessa"}},
	{"thomas", {"tom", "tommy"}},
	{"timothy", {"tim", "timmy"}},
	{"valentina", {"val", "tina"}},
	{"victoria", {"vicky", "tori", "vicki"}},
	{"vincent", {"vince", "vinny"}},
	{"william", {"will", "bill", "billy", "liam", "willie"}},
	{"zachary", {"zach", "zack"}},
};

/* clang-format on */

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define NF COUNT(female_names)
#define NM COUNT(male_names)
#define NS COUNT(surnames)
#define NT COUNT(towns)
#define NST COUNT(streets)

/* ---- Fixed-point corruption probabilities (FX_ONE is 1.0) ---- */

#define FX_ONE ((uint64_t)1 << 24)

enum { C_TYPO, C_NICK, C_SWAP, C_AGE, C_SURNAME, C_ALIAS, C_MISSING, C_TOWN, C_COUNT };

/* Corruptions that touch the same field sit in one block, so that they are
 * never drawn together (see pick_corruptions). */
static const int blocks[][2] = {
        {C_TYPO, -1}, {C_NICK, C_ALIAS}, {C_SWAP, C_AGE}, {C_SURNAME, -1}, {C_MISSING, -1}, {C_TOWN, -1},
};
#define NBLOCKS COUNT(blocks)

/* ---- The generator's state: tables built once per call ---- */

struct ctx {
	const struct gen_config *c;
	uint64_t key;
	uint64_t cum_female[NF], cum_male[NM], cum_surname[NS], cum_town[GEN_MAX_TOWNS], cum_street[NST];
	size_t n_town; /* NT, or the caller's count */
	int16_t nick_female[NF], nick_male[NM]; /* index into nicknames or -1 */
	uint64_t q[C_COUNT];
	uint64_t cum_dups[GEN_MAX_DUPS];
	struct perm ident;
};

static bool prob_ok(double p)
{
	return p >= 0.0 && p <= 1.0; /* false for NaN too */
}

static int check_config(const struct gen_config *c)
{
	if (!c)
		return ERR_INVAL;
	const double ps[] = {c->p_typo,          c->p_nickname,       c->p_swap_day_month,
	                     c->p_age_only,      c->p_surname_change, c->p_alias,
	                     c->p_missing_field, c->p_town_change,    c->p_ident_dropped};
	for (size_t i = 0; i < COUNT(ps); i++)
		if (!prob_ok(ps[i]))
			return ERR_INVAL;
	if (c->reference_year < 1100 || c->reference_year > 9999)
		return ERR_INVAL;
	if (c->max_dups_per_person < 0 || c->max_dups_per_person > GEN_MAX_DUPS)
		return ERR_INVAL;
	if (c->towns && (c->n_towns == 0 || c->n_towns > GEN_MAX_TOWNS))
		return ERR_INVAL;
	for (size_t i = 0; c->towns && i < c->n_towns; i++)
		if (!c->towns[i] || !c->towns[i][0])
			return ERR_INVAL;
	return 0;
}

static int nick_find(const char *name)
{
	size_t lo = 0, hi = COUNT(nicknames);
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int d = strcmp(nicknames[mid].formal, name);
		if (d == 0)
			return (int)mid;
		if (d < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static void ctx_init(struct ctx *x, const struct gen_config *c)
{
	x->c = c;
	x->key = gen_mix64(c->seed ^ 0x6a09e667f3bcc908u);
	gen_zipf_table(x->cum_female, NF, 5);
	gen_zipf_table(x->cum_male, NM, 5);
	gen_zipf_table(x->cum_surname, NS, 5);
	x->n_town = c->towns ? c->n_towns : NT;
	gen_zipf_table(x->cum_town, x->n_town, 3);
	gen_zipf_table(x->cum_street, NST, 8);
	for (size_t i = 0; i < NF; i++)
		x->nick_female[i] = (int16_t)nick_find(female_names[i]);
	for (size_t i = 0; i < NM; i++)
		x->nick_male[i] = (int16_t)nick_find(male_names[i]);
	const double ps[C_COUNT] = {
	        [C_TYPO] = c->p_typo,
	        [C_NICK] = c->p_nickname,
	        [C_SWAP] = c->p_swap_day_month,
	        [C_AGE] = c->p_age_only,
	        [C_SURNAME] = c->p_surname_change,
	        [C_ALIAS] = c->p_alias,
	        [C_MISSING] = c->p_missing_field,
	        [C_TOWN] = c->p_town_change,
	};
	for (int i = 0; i < C_COUNT; i++)
		x->q[i] = (uint64_t)(ps[i] * (double)FX_ONE); /* exact scaling by a power of two */
	/* Duplicates a person: P(d) proportional to d^-1.5, as 2^30 / sqrt(d^3). */
	uint64_t total = 0;
	for (int d = 1; d <= c->max_dups_per_person; d++) {
		uint64_t d3 = (uint64_t)d * (uint64_t)d * (uint64_t)d;
		total += gen_isqrt64(((uint64_t)1 << 60) / d3);
		x->cum_dups[d - 1] = total;
	}
	gen_perm_init(&x->ident, 900000000u, x->key ^ 0x3c6ef372fe94f82bu);
}

/* ---- Small string helpers (always NUL-terminated, truncating) ---- */

size_t gen_put_str(char *dst, size_t cap, size_t len, const char *s)
{
	size_t n = strlen(s);
	if (len >= cap)
		return len;
	if (n > cap - 1 - len)
		n = cap - 1 - len;
	memcpy(dst + len, s, n);
	len += n;
	dst[len] = '\0';
	return len;
}

/* v in decimal, zero-padded to width. */
static size_t put_uint(char *dst, size_t cap, size_t len, uint64_t v, size_t width)
{
	char tmp[24];
	size_t n = 0;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	if (width > sizeof tmp)
		width = sizeof tmp;
	while (n < width)
		tmp[n++] = '0';
	while (n > 0 && len + 1 < cap)
		dst[len++] = tmp[--n];
	if (len < cap)
		dst[len] = '\0';
	return len;
}

/* ---- People and records ---- */


struct person {
	int sex;        /* 0 F, 1 M, 2 X */
	bool male_list; /* which given-name list */
	size_t given, family;
	size_t town;
	int y, m, d;
	int age; /* at 1 January of the reference year */
};

struct rec {
	char given[NAME_CAP], family[NAME_CAP], dob[11], age[4], sex[2], town[32], postcode[6], address[ADDR_CAP],
	        ident[10];
};

static const char *given_name(const struct person *p, size_t i)
{
	return p->male_list ? male_names[i] : female_names[i];
}

static int nick_of(const struct ctx *x, const struct person *p)
{
	return p->male_list ? x->nick_male[p->given] : x->nick_female[p->given];
}

static void make_address(const struct ctx *x, struct rng *g, char *out)
{
	uint64_t u = gen_rng_below(g, 100);
	uint64_t num = u < 70 ? 1 + gen_rng_below(g, 199) : u < 95 ? 200 + gen_rng_below(g, 800) : 1000 + gen_rng_below(g, 2000);
	size_t n = put_uint(out, ADDR_CAP, 0, num, 0);
	n = gen_put_str(out, ADDR_CAP, n, " ");
	n = gen_put_str(out, ADDR_CAP, n, streets[gen_wpick(x->cum_street, NST, g)]);
	n = gen_put_str(out, ADDR_CAP, n, " ");
	n = gen_put_str(out, ADDR_CAP, n, street_types[gen_rng_below(g, COUNT(street_types))]);
	u = gen_rng_below(g, 100);
	if (u < 10) {
		n = gen_put_str(out, ADDR_CAP, n, " apt ");
		n = put_uint(out, ADDR_CAP, n, 1 + gen_rng_below(g, 30), 0);
	} else if (u < 13) {
		/* a comma inside a field, so readers must honour CSV quoting */
		n = gen_put_str(out, ADDR_CAP, n, ", apt ");
		n = put_uint(out, ADDR_CAP, n, 1 + gen_rng_below(g, 30), 0);
	} else if (u < 16) {
		char unit[2] = {(char)('a' + gen_rng_below(g, 4)), '\0'};
		n = gen_put_str(out, ADDR_CAP, n, " unit ");
		n = put_uint(out, ADDR_CAP, n, 1 + gen_rng_below(g, 4), 0);
		gen_put_str(out, ADDR_CAP, n, unit);
	}
}

static void set_town(const struct ctx *x, struct rng *g, size_t town, struct rec *r)
{
	if (x->c->towns) {
		gen_put_str(r->town, sizeof r->town, 0, x->c->towns[town]);
		put_uint(r->postcode, sizeof r->postcode, 0, 10000 + gen_rng_below(g, 90000), 5);
		return;
	}
	const struct town *t = &towns[town];
	size_t nz = 0;
	while (nz < COUNT(t->zips) && t->zips[nz])
		nz++;
	gen_put_str(r->town, sizeof r->town, 0, t->name);
	gen_put_str(r->postcode, sizeof r->postcode, 0, t->zips[gen_rng_below(g, nz)]);
}

static void format_dob(int y, int m, int d, char *out)
{
	size_t n = put_uint(out, 11, 0, (uint64_t)y, 4);
	n = gen_put_str(out, 11, n, "-");
	n = put_uint(out, 11, n, (uint64_t)m, 2);
	n = gen_put_str(out, 11, n, "-");
	put_uint(out, 11, n, (uint64_t)d, 2);
}

static uint64_t person_seed(const struct ctx *x, uint64_t person)
{
	return gen_mix64(x->key + (person + 1) * 0x9e3779b97f4a7c15u);
}

/* The original record of person: a pure function of (seed, person). */
static void make_person(const struct ctx *x, uint64_t person, struct person *p, struct rec *r)
{
	struct rng g;
	gen_rng_seed(&g, person_seed(x, person));
	memset(r, 0, sizeof *r);

	uint64_t u = gen_rng_below(&g, 1000);
	p->sex = u < 495 ? 0 : u < 990 ? 1 : 2;
	p->male_list = p->sex == 1 || (p->sex == 2 && gen_rng_below(&g, 2));
	p->given = p->male_list ? gen_wpick(x->cum_male, NM, &g) : gen_wpick(x->cum_female, NF, &g);
	p->family = gen_wpick(x->cum_surname, NS, &g);
	gen_put_str(r->given, NAME_CAP, 0, given_name(p, p->given));
	gen_put_str(r->family, NAME_CAP, 0, surnames[p->family]);
	r->sex[0] = "FMX"[p->sex];

	/* Age in whole years on 1 January of the reference year: mostly 2-17,
	 * a few infants, a few young adults still in care (18-20). */
	u = gen_rng_below(&g, 100);
	int a = u < 4 ? (int)gen_rng_below(&g, 2) : u < 94 ? 2 + (int)gen_rng_below(&g, 16) : 18 + (int)gen_rng_below(&g, 3);
	p->y = x->c->reference_year - 1 - a;
	int doy = (int)gen_rng_below(&g, civil_is_leap(p->y) ? 366 : 365);
	p->m = 1;
	while (doy >= civil_days_in_month(p->y, p->m))
		doy -= civil_days_in_month(p->y, p->m++);
	p->d = doy + 1;
	p->age = p->m == 1 && p->d == 1 ? a + 1 : a;
	format_dob(p->y, p->m, p->d, r->dob);

	p->town = gen_wpick(x->cum_town, x->n_town, &g);
	set_town(x, &g, p->town, r);
	make_address(x, &g, r->address);
	put_uint(r->ident, sizeof r->ident, 0, 100000000u + gen_perm_apply(&x->ident, person), 9);
}

static unsigned pick_corruptions(const struct ctx *x, struct rng *g, bool can_nick, bool can_swap)
{
	uint64_t q[C_COUNT];
	memcpy(q, x->q, sizeof q);
	if (!can_nick)
		q[C_NICK] = 0;
	if (!can_swap)
		q[C_SWAP] = 0;
	uint64_t s = 0, m = 0;
	for (size_t b = 0; b < NBLOCKS; b++) {
		uint64_t bs = q[blocks[b][0]] + (blocks[b][1] >= 0 ? q[blocks[b][1]] : 0);
		s += bs;
		if (bs > m)
			m = bs;
	}
	if (s == 0)
		return 0;

	const uint64_t one2 = FX_ONE * FX_ONE;
	uint64_t lo = (one2 + s - 1) / s, hi = 3 * one2 / s;
	if (one2 / m < hi)
		hi = one2 / m;
	uint64_t mul, div; /* q[i] * mul / div */
	if (lo >= FX_ONE) {
		mul = FX_ONE; /* exactly one pick: normalise to S = 1 */
		div = s;
	} else if (hi <= FX_ONE) {
		mul = hi;
		div = FX_ONE;
	} else {
		uint64_t a = (lo + FX_ONE) / 2, b = (FX_ONE + hi) / 2;
		mul = gen_rng_below(g, b - a) < b - FX_ONE ? a : b;
		div = FX_ONE;
	}

	size_t order[NBLOCKS];
	for (size_t i = 0; i < NBLOCKS; i++)
		order[i] = i;
	for (size_t i = NBLOCKS - 1; i > 0; i--) {
		size_t j = (size_t)gen_rng_below(g, i + 1), t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
	uint64_t u = gen_rng_below(g, FX_ONE), c = 0, pts_c = 0;
	unsigned mask = 0;
	int first = -1;
	for (size_t k = 0; k < NBLOCKS; k++) {
		const int *blk = blocks[order[k]];
		int flip = blk[1] >= 0 && gen_rng_below(g, 2);
		for (int e = 0; e < 2; e++) {
			int i = blk[e ^ flip];
			if (i < 0)
				continue;
			uint64_t len = q[i] * mul / div;
			if (len && first < 0)
				first = i;
			c += len;
			uint64_t pts = c > u ? (c - u + FX_ONE - 1) / FX_ONE : 0;
			if (pts > pts_c)
				mask |= 1u << i;
			pts_c = pts;
		}
	}
	if (!mask && first >= 0)
		mask = 1u << first; /* rounding left the line a hair short of 1 */
	return mask;
}

static void new_surname(const struct ctx *x, struct rng *g, const struct person *p, struct rec *r)
{
	size_t other;
	do
		other = gen_wpick(x->cum_surname, NS, g);
	while (other == p->family);
	uint64_t how = gen_rng_below(g, 4);
	size_t n = 0;
	if (how == 2) {
		n = gen_put_str(r->family, NAME_CAP, 0, surnames[p->family]);
		n = gen_put_str(r->family, NAME_CAP, n, "-");
	}
	n = gen_put_str(r->family, NAME_CAP, n, surnames[other]);
	if (how == 3) {
		n = gen_put_str(r->family, NAME_CAP, n, "-");
		gen_put_str(r->family, NAME_CAP, n, surnames[p->family]);
	}
}

static void new_alias(const struct ctx *x, struct rng *g, const struct person *p, struct rec *r, int nick)
{
	for (;;) {
		size_t other = p->male_list ? gen_wpick(x->cum_male, NM, g) : gen_wpick(x->cum_female, NF, g);
		const char *name = given_name(p, other);
		if (other == p->given)
			continue;
		bool is_nick = false;
		for (size_t i = 0; nick >= 0 && i < COUNT(nicknames[nick].nicks) && nicknames[nick].nicks[i]; i++)
			is_nick = is_nick || strcmp(nicknames[nick].nicks[i], name) == 0;
		if (is_nick)
			continue;
		gen_put_str(r->given, NAME_CAP, 0, name);
		return;
	}
}

/* Duplicate k (>= 1 internally) of person, made from its original p/r in
 * place. Returns the corruption mask. */
static unsigned make_dup(const struct ctx *x, uint64_t person, uint64_t k, const struct person *p, struct rec *r)
{
	const struct gen_config *c = x->c;
	struct rng g;
	gen_rng_seed(&g, gen_mix64(person_seed(x, person) ^ (k * 0xd1b54a32d192ed03u)));

	int nick = nick_of(x, p);
	bool can_swap = p->d <= 12 && p->d != p->m;
	unsigned mask = pick_corruptions(x, &g, nick >= 0, can_swap);

	if (mask & GEN_SURNAME_CHANGE)
		new_surname(x, &g, p, r);
	if (mask & GEN_NICKNAME) {
		const struct nick *e = &nicknames[nick];
		size_t nn = 0;
		while (nn < COUNT(e->nicks) && e->nicks[nn])
			nn++;
		gen_put_str(r->given, NAME_CAP, 0, e->nicks[gen_rng_below(&g, nn)]);
	}
	if (mask & GEN_ALIAS)
		new_alias(x, &g, p, r, nick);
	if ((mask & GEN_TOWN_CHANGE) && x->n_town > 1) {
		size_t t;
		do
			t = gen_wpick(x->cum_town, x->n_town, &g);
		while (t == p->town);
		set_town(x, &g, t, r);
		make_address(x, &g, r->address);
	}
	if (mask & GEN_TYPO) {
		uint64_t f = gen_rng_below(&g, 10);
		if (f < 4)
			gen_typo(&g, r->given, NAME_CAP);
		else if (f < 8)
			gen_typo(&g, r->family, NAME_CAP);
		else
			gen_typo(&g, r->address, ADDR_CAP);
	}
	if (mask & GEN_SWAP_DAY_MONTH)
		format_dob(p->y, p->d, p->m, r->dob);
	if (mask & GEN_AGE_ONLY) {
		/* a caller's estimate is sometimes a year out */
		int age = p->age;
		uint64_t off = gen_rng_below(&g, 10);
		if (off < 2)
			age += 1;
		else if (off < 3 && age > 0)
			age -= 1;
		r->dob[0] = '\0';
		put_uint(r->age, sizeof r->age, 0, (uint64_t)age, 0);
	}
	if (mask & GEN_MISSING_FIELD) {
		char *fields[] = {r->town, r->postcode, r->address, r->sex};
		size_t first = gen_rng_below(&g, COUNT(fields));
		fields[first][0] = '\0';
		if (gen_rng_below(&g, 5) < 2)
			fields[(first + 1 + gen_rng_below(&g, COUNT(fields) - 1)) % COUNT(fields)][0] = '\0';
	}
	if (gen_rng_chance(&g, c->p_ident_dropped))
		r->ident[0] = '\0';
	return mask;
}

/* ---- Output ---- */

static int write_record(FILE *out, const struct ctx *x, uint64_t person, uint64_t k)
{
	struct person p;
	struct rec r;
	char id[64];
	make_person(x, person, &p, &r);
	size_t n = gen_put_str(id, sizeof id, 0, "rec-");
	n = put_uint(id, sizeof id, n, person, 0);
	if (k == 0) {
		gen_put_str(id, sizeof id, n, "-org");
	} else {
		make_dup(x, person, k, &p, &r);
		n = gen_put_str(id, sizeof id, n, "-dup-");
		put_uint(id, sizeof id, n, k - 1, 0);
	}
	const char *fields[] = {id, r.given, r.family, r.dob, r.age, r.sex, r.town, r.postcode, r.address, r.ident};
	for (size_t i = 0; i < COUNT(fields); i++) {
		if (i > 0 && fputc(',', out) == EOF)
			return ERR_IO;
		int rc = csv_write_field(out, fields[i]);
		if (rc < 0)
			return rc;
	}
	return fputc('\n', out) == EOF ? ERR_IO : 0;
}

/* Which records belong to whom: person p has 1 + dups[p] records, the
 * first being the original; records are numbered person by person, and
 * ckpt[b] is the number of the first record of person 64 b. A record number
 * is found by a binary search of ckpt (small enough to stay in cache) and
 * a scan of at most 64 bytes of dups. */
#define CKPT_SHIFT 6

struct layout {
	uint8_t *dups;
	uint64_t *ckpt;
	size_t nckpt;
};

static void layout_done(struct layout *l)
{
	free(l->dups);
	free(l->ckpt);
}

static void layout_find(const struct layout *l, size_t persons, uint64_t r, uint64_t *ret_person, uint64_t *ret_k)
{
	size_t lo = 0, hi = l->nckpt - 1; /* the last block starting at or before r */
	while (lo < hi) {
		size_t mid = lo + (hi - lo + 1) / 2;
		if (l->ckpt[mid] <= r)
			lo = mid;
		else
			hi = mid - 1;
	}
	uint64_t p = (uint64_t)lo << CKPT_SHIFT, pos = l->ckpt[lo];
	while (p + 1 < persons && r >= pos + 1 + l->dups[p])
		pos += 1 + l->dups[p++];
	*ret_person = p;
	*ret_k = r - pos;
}

/* People are visited in a keyed random order, each drawing a Zipf count
 * (capped by what is left), in passes until all duplicates are placed. */
static int assign_dups(const struct ctx *x, struct layout *l)
{
	const struct gen_config *c = x->c;
	uint64_t n = c->originals, left = c->records - c->originals;
	l->nckpt = n ? (size_t)((n + (1u << CKPT_SHIFT) - 1) >> CKPT_SHIFT) : 1; /* a block per 64 people */
	l->dups = calloc(n ? n : 1, 1);
	l->ckpt = calloc(l->nckpt, sizeof *l->ckpt);
	if (!l->dups || !l->ckpt)
		return ERR_NOMEM;
	struct perm order;
	gen_perm_init(&order, n, x->key ^ 0xbb67ae8584caa73bu);
	struct rng g;
	gen_rng_seed(&g, x->key ^ 0xa54ff53a5f1d36f1u);
	uint64_t max = (uint64_t)c->max_dups_per_person;
	while (left > 0) {
		for (uint64_t i = 0; i < n && left > 0; i++) {
			uint64_t p = gen_perm_apply(&order, i);
			uint64_t room = max - l->dups[p];
			if (room == 0)
				continue;
			uint64_t d = 1 + gen_wpick(x->cum_dups, max, &g);
			if (d > room)
				d = room;
			if (d > left)
				d = left;
			l->dups[p] = (uint8_t)(l->dups[p] + d);
			left -= d;
		}
	}
	uint64_t pos = 0;
	for (uint64_t p = 0; p < n; p++) {
		if ((p & ((1u << CKPT_SHIFT) - 1)) == 0)
			l->ckpt[p >> CKPT_SHIFT] = pos;
		pos += 1 + l->dups[p];
	}
	return 0;
}

void gen_config_defaults(struct gen_config *c)
{
	*c = (struct gen_config){
	        .seed = 1,
	        .originals = 1000,
	        .records = 2000,
	        .max_dups_per_person = 5,
	        .p_typo = 0.40,
	        .p_nickname = 0.30,
	        .p_swap_day_month = 0.05,
	        .p_age_only = 0.15,
	        .p_surname_change = 0.08,
	        .p_alias = 0.04,
	        .p_missing_field = 0.35,
	        .p_town_change = 0.15,
	        .reference_year = 2026,
	        .p_ident_dropped = 0.80,
	};
}

int gen_write(FILE *out, const struct gen_config *c, void (*progress)(size_t done, size_t total, void *arg), void *arg)
{
	struct layout l = {0};
	struct ctx *x = NULL;
	int rc = check_config(c);
	if (rc < 0)
		return rc;
	if (!out || c->originals > GEN_MAX_ORIGINALS || c->records > GEN_MAX_RECORDS || c->records < c->originals ||
	    c->records - c->originals > (uint64_t)c->originals * (uint64_t)c->max_dups_per_person)
		return ERR_INVAL;

	x = malloc(sizeof *x);
	if (!x)
		return ERR_NOMEM;
	ctx_init(x, c);
	rc = assign_dups(x, &l);
	if (rc < 0)
		goto out;

	if (fputs("rec_id,given_name,family_name,dob,age,sex,town,postcode,address,ident\n", out) == EOF) {
		rc = ERR_IO;
		goto out;
	}
	struct perm shuffle;
	gen_perm_init(&shuffle, c->records, x->key ^ 0x510e527fade682d1u);
	for (size_t i = 0; i < c->records; i++) {
		uint64_t person, k;
		layout_find(&l, c->originals, gen_perm_apply(&shuffle, i), &person, &k);
		rc = write_record(out, x, person, k);
		if (rc < 0)
			goto out;
		if (progress && ((i + 1) % 65536 == 0 || i + 1 == c->records))
			progress(i + 1, c->records, arg);
	}
	if (fflush(out) == EOF || ferror(out))
		rc = ERR_IO;
out:
	layout_done(&l);
	free(x);
	return rc;
}

int gen_corruptions(const struct gen_config *c, size_t person, size_t k, unsigned *ret_mask)
{
	int rc = check_config(c);
	if (rc < 0)
		return rc;
	if (!ret_mask || person >= GEN_MAX_ORIGINALS || k >= (size_t)GEN_MAX_DUPS)
		return ERR_INVAL;
	struct ctx *x = malloc(sizeof *x);
	if (!x)
		return ERR_NOMEM;
	ctx_init(x, c);
	struct person p;
	struct rec r;
	make_person(x, person, &p, &r);
	*ret_mask = make_dup(x, person, k + 1, &p, &r);
	free(x);
	return 0;
}
